// Package store is ecowatch's ClickHouse layer: the connection, the versioned schema
// migrations, and the inserts and queries the other packages need.
//
// It owns every SQL statement and every table definition; other packages do not write SQL.
// It knows nothing of Kafka.
//
// Two rules make it work on the local ClickHouse 18.16 and on current releases alike: every
// INSERT names its columns, and everything that differs between server versions is decided in
// one place, Dialect. Dialect also decides the layout: with clickhouse.cluster set the same
// migrations run ON CLUSTER with Replicated… engines (docs/cluster.md), and the store picks
// among the replicas when it connects (replicas.go).
//
// Redelivered messages are absorbed by ReplacingMergeTree tables keyed on report_id / event_id
// / Kafka coordinates, and every query reads the latest version through the *_latest views, so
// at-least-once delivery gives exactly-once results.
package store
