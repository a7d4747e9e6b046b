// Package store is ecowatch's ClickHouse layer: the connection, the dialect, the versioned
// schema migrations, every insert, the reads the detectors need (case histories, report
// points, warnings, notices, deliveries), and the shared rules of every read.
//
// It owns every table definition and every write; it knows nothing of Kafka. The read models
// of the disclosure (reports) and the dashboards live beside their pages and query through the
// read API here (Querier: Query, QueryRow), building their SQL with the shared rules, each
// written once:
//
//   - LatestReports, the one rule for the latest version of a report: a report's latest
//     version is its row with the highest version; it was received in a period and lies in a
//     scope when its latest version was and does; its columns are those of its latest
//     version. It reads the rows of the periods read plus every corrected row (version > 1)
//     elsewhere, so that a correction moving a report's receipt time, region or category moves
//     it exactly, out of the window too (see LatestReports for how, and its two limits: a
//     64-bit hash of the report id groups the versions, and corrected rows are read whatever
//     the window). The detectors' CaseHistories and ReportPoints, the dashboards and the
//     disclosure all read reports through it, so a corrected report counts the same
//     everywhere.
//   - ScopeFilter, the one scope filter: a region.Scope as a condition on a code column, a
//     numeric code or the reports' province_code / city_code.
//   - Quote, Strings, Time, In and Enum: one quoting rule and one time literal.
//   - Period, the one half-open interval of time.
//
// Two rules make it work on the local ClickHouse 18.16 and on current releases alike: every
// INSERT names its columns, and everything that differs between server versions is decided in
// one place, Dialect. Dialect also decides the layout: with clickhouse.cluster set the same
// migrations run ON CLUSTER with Replicated… engines (docs/cluster.md), and the store picks
// among the replicas when it connects (replicas.go).
//
// Redelivered messages are absorbed by ReplacingMergeTree tables keyed on report_id / event_id
// / Kafka coordinates, and reads deduplicate by the rules above (the latest version of a
// report; events by event_id), so at-least-once delivery gives exactly-once results. The
// reports_latest and case_events_latest views (migration 2) apply the same latest-version rule
// over the whole table; no query of the application reads them (they cannot be narrowed to a
// window before aggregating), they are there for people and tests checking figures by hand.
package store
