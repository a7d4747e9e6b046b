package store

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// migration is one versioned schema change. Statements are DDL templates ({enum} is expanded
// by the Dialect) and must be safe to run twice (IF NOT EXISTS), because a crash between a
// statement and the migrations record repeats them. 18.16 has no ADD COLUMN IF NOT EXISTS: an
// ALTER TABLE … ADD COLUMN whose column is already there (the server says so) counts as done.
type migration struct {
	version    uint32
	name       string
	statements []string
}

// migrations, in order. Never edit a released migration; add a new one.
var migrations = []migration{
	{1, "core tables: reports, case events, sealed contacts, raw archive, ingest errors", []string{
		// Reports: one row per (report_id, version); the latest version wins. Free text is
		// redacted; reporter identity is only a keyed pseudonym here.
		`CREATE TABLE IF NOT EXISTS reports (
			report_id String,
			version UInt32,
			kind {enum},
			channel {enum},
			received_at DateTime('Asia/Shanghai'),
			region_code String,
			province_code {enum},
			city_code {enum},
			county_code String,
			basin {enum},
			has_location UInt8,
			lat Float64,
			lon Float64,
			location_address String,
			category {enum},
			categories Array(String),
			subcategory String,
			title String,
			content String,
			target_key String,
			target_name String,
			target_credit_code String,
			target_address String,
			target_industry String,
			reporter_pseudonym String,
			anonymous UInt8,
			co_reporters UInt32,
			flags Array(String),
			intake_org String,
			src_topic String,
			src_partition Int32,
			src_offset Int64,
			ingested_at DateTime('Asia/Shanghai')
		) ENGINE = ReplacingMergeTree(version)
		PARTITION BY toYYYYMM(received_at)
		ORDER BY report_id`,
		// Case events: one row per event_id; a redelivered event replaces itself.
		`CREATE TABLE IF NOT EXISTS case_events (
			event_id String,
			report_id String,
			type {enum},
			at DateTime('Asia/Shanghai'),
			org_code String,
			to_org_code String,
			extension_days Int32,
			merged_into String,
			finding {enum},
			reason String,
			summary String,
			src_topic String,
			src_partition Int32,
			src_offset Int64,
			ingested_at DateTime('Asia/Shanghai')
		) ENGINE = ReplacingMergeTree(ingested_at)
		PARTITION BY toYYYYMM(at)
		ORDER BY (report_id, event_id)`,
		// Sealed reporter identity: AES-256-GCM ciphertext (nonce||ciphertext||tag) of the
		// reporter object as JSON, bound to report_id, under key_id. Only `ecowatch reveal`
		// opens it.
		`CREATE TABLE IF NOT EXISTS contacts (
			report_id String,
			version UInt32,
			key_id String,
			sealed String,
			sealed_at DateTime('Asia/Shanghai')
		) ENGINE = ReplacingMergeTree(version)
		ORDER BY report_id`,
		// Every consumed message, keyed by its Kafka coordinates, the bytes sealed (they
		// contain reporter identity). outcome: stored or dead_letter.
		`CREATE TABLE IF NOT EXISTS raw_messages (
			topic String,
			partition Int32,
			offset Int64,
			message_key String,
			key_id String,
			sealed_value String,
			size UInt32,
			message_time DateTime('Asia/Shanghai'),
			outcome {enum},
			ingested_at DateTime('Asia/Shanghai')
		) ENGINE = ReplacingMergeTree(ingested_at)
		PARTITION BY toYYYYMM(message_time)
		ORDER BY (topic, partition, offset)`,
		// Messages that failed validation, with the dead letter's code and reason.
		`CREATE TABLE IF NOT EXISTS ingest_errors (
			topic String,
			partition Int32,
			offset Int64,
			message_key String,
			code {enum},
			field String,
			reason String,
			key_id String,
			sealed_value String,
			message_time DateTime('Asia/Shanghai'),
			failed_at DateTime('Asia/Shanghai')
		) ENGINE = ReplacingMergeTree(failed_at)
		PARTITION BY toYYYYMM(message_time)
		ORDER BY (topic, partition, offset)`,
	}},
	// The views read the latest version of each row whatever partition it landed in. The
	// inner alias `ver` keeps argMax from seeing the outer `version` alias (18.16 resolves
	// aliases query-wide).
	{2, "latest-version views", []string{
		`CREATE VIEW IF NOT EXISTS reports_latest AS
		SELECT report_id,
			max(ver) AS version,
			argMax(kind, ver) AS kind,
			argMax(channel, ver) AS channel,
			argMax(received_at, ver) AS received_at,
			argMax(region_code, ver) AS region_code,
			argMax(province_code, ver) AS province_code,
			argMax(city_code, ver) AS city_code,
			argMax(county_code, ver) AS county_code,
			argMax(basin, ver) AS basin,
			argMax(has_location, ver) AS has_location,
			argMax(lat, ver) AS lat,
			argMax(lon, ver) AS lon,
			argMax(location_address, ver) AS location_address,
			argMax(category, ver) AS category,
			argMax(categories, ver) AS categories,
			argMax(subcategory, ver) AS subcategory,
			argMax(title, ver) AS title,
			argMax(content, ver) AS content,
			argMax(target_key, ver) AS target_key,
			argMax(target_name, ver) AS target_name,
			argMax(target_credit_code, ver) AS target_credit_code,
			argMax(target_address, ver) AS target_address,
			argMax(target_industry, ver) AS target_industry,
			argMax(reporter_pseudonym, ver) AS reporter_pseudonym,
			argMax(anonymous, ver) AS anonymous,
			argMax(co_reporters, ver) AS co_reporters,
			argMax(flags, ver) AS flags,
			argMax(intake_org, ver) AS intake_org
		FROM (SELECT *, version AS ver FROM reports)
		GROUP BY report_id`,
		`CREATE VIEW IF NOT EXISTS case_events_latest AS
		SELECT event_id,
			argMax(report_id, ingested_at) AS report_id,
			argMax(type, ingested_at) AS type,
			argMax(at, ingested_at) AS at,
			argMax(org_code, ingested_at) AS org_code,
			argMax(to_org_code, ingested_at) AS to_org_code,
			argMax(extension_days, ingested_at) AS extension_days,
			argMax(merged_into, ingested_at) AS merged_into,
			argMax(finding, ingested_at) AS finding,
			argMax(reason, ingested_at) AS reason,
			argMax(summary, ingested_at) AS summary
		FROM case_events
		GROUP BY event_id`,
	}},
	{3, "warnings, notices, deliveries and detector runs", []string{
		// One row per revision of a warning, all kept (the history of a situation); the highest
		// revision is the current state.
		// situation is the detector's stable key of what the warning is about.
		`CREATE TABLE IF NOT EXISTS warnings (
			warning_id String,
			revision UInt32,
			situation String,
			kind {enum},
			status {enum},
			level UInt8,
			title String,
			region_codes Array(String),
			basin {enum},
			recipient_codes Array(String),
			recipient_names Array(String),
			recipient_roles Array(String),
			window_from DateTime('Asia/Shanghai'),
			window_to DateTime('Asia/Shanghai'),
			observed Float64,
			expected Float64,
			baseline Float64,
			statistic Float64,
			p_value Float64,
			score Float64,
			reporters UInt32,
			report_ids Array(String),
			facts String,
			opened_at DateTime('Asia/Shanghai'),
			issued_at DateTime('Asia/Shanghai')
		) ENGINE = ReplacingMergeTree
		ORDER BY (warning_id, revision)`,
		// Every notice written, so that a notice is issued once and numbered in sequence.
		`CREATE TABLE IF NOT EXISTS notices (
			notice_id String,
			kind {enum},
			number String,
			issuer_code String,
			recipient_code String,
			recipient_name String,
			warning_ids Array(String),
			revisions Array(UInt32),
			path String,
			issued_at DateTime('Asia/Shanghai')
		) ENGINE = ReplacingMergeTree(issued_at)
		ORDER BY notice_id`,
		// The outbox acknowledgements: a warning revision delivered on a channel (kafka, or
		// webhook:<name>) is not delivered again.
		`CREATE TABLE IF NOT EXISTS deliveries (
			channel String,
			warning_id String,
			revision UInt32,
			attempts UInt32,
			delivered_at DateTime('Asia/Shanghai')
		) ENGINE = ReplacingMergeTree(delivered_at)
		ORDER BY (channel, warning_id, revision)`,
		`CREATE TABLE IF NOT EXISTS detector_runs (
			detector {enum},
			as_of DateTime('Asia/Shanghai'),
			started_at DateTime('Asia/Shanghai'),
			finished_at DateTime('Asia/Shanghai'),
			found UInt32,
			opened UInt32,
			updated UInt32,
			closed UInt32,
			error String
		) ENGINE = MergeTree
		ORDER BY (detector, started_at)`,
	}},
	{4, "case states, deadlines and merge suggestions", []string{
		// The state of every case as evaluated by the last detector run (as_of); matter_id is
		// the case a report was merged into (itself when not merged), so that matters and
		// reports can both be counted.
		`CREATE TABLE IF NOT EXISTS case_states (
			report_id String,
			as_of DateTime('Asia/Shanghai'),
			kind {enum},
			channel {enum},
			received_at DateTime('Asia/Shanghai'),
			region_code String,
			category {enum},
			stage {enum},
			responsible_org String,
			matter_id String,
			merged_into String,
			finding {enum},
			closed_at DateTime('Asia/Shanghai'),
			rejected_at DateTime('Asia/Shanghai'),
			overdue_steps Array(String),
			violations Array(String),
			anomalies Array(String)
		) ENGINE = ReplacingMergeTree(as_of)
		ORDER BY report_id`,
		// Every due date of every case with the rule that produced it (rule_article; rule_text
		// has been left empty since 2026-11: the same legal text on millions of rows an hour
		// was most of the cost of saving the states, and lifecycle names it by the article).
		// done_at and the other
		// times are 1970-01-01 08:00 (epoch 0) when absent. The state at any time T follows
		// from the columns: overdue at T when start_at <= T, due_at < T and (done_at = epoch 0
		// or done_at > T).
		`CREATE TABLE IF NOT EXISTS case_deadlines (
			report_id String,
			step {enum},
			org String,
			start_at DateTime('Asia/Shanghai'),
			due_at DateTime('Asia/Shanghai'),
			done_at DateTime('Asia/Shanghai'),
			status {enum},
			extension_days UInt16,
			paused_days UInt16,
			rule_article String,
			rule_text String,
			as_of DateTime('Asia/Shanghai')
		) ENGINE = ReplacingMergeTree(as_of)
		ORDER BY (report_id, step)`,
		// Likely duplicates (12369 Art. 9(4)) suggested to staff for merging, with the reason.
		`CREATE TABLE IF NOT EXISTS merge_suggestions (
			group_id String,
			as_of DateTime('Asia/Shanghai'),
			reason String,
			report_ids Array(String),
			target_key String,
			category {enum},
			region_code String,
			first_at DateTime('Asia/Shanghai'),
			last_at DateTime('Asia/Shanghai'),
			merged UInt8
		) ENGINE = ReplacingMergeTree(as_of)
		ORDER BY group_id`,
	}},
	{5, "audit of identity reveals", []string{
		// Every reading of a sealed reporter identity, written before the identity is shown.
		`CREATE TABLE IF NOT EXISTS reveal_audit (
			report_id String,
			purpose String,
			operator String,
			host String,
			key_id String,
			revealed_at DateTime('Asia/Shanghai')
		) ENGINE = MergeTree
		ORDER BY (revealed_at, report_id)`,
	}},
	{6, "runs of the scheduled jobs", []string{
		// Every run of a scheduled job of `ecowatch run`, by which instance and in which term
		// of its lead: a row when it starts (outcome started) and one when it ends (done or
		// failed, with finished_at and the error). The record a new leader reads to catch up
		// the ticks missed during a handover (schedule.Scheduler), and an operator to see who
		// ran what.
		`CREATE TABLE IF NOT EXISTS job_runs (
			job {enum},
			tick DateTime('Asia/Shanghai'),
			outcome {enum},
			instance String,
			term UInt64,
			catch_up UInt8,
			started_at DateTime('Asia/Shanghai'),
			finished_at DateTime('Asia/Shanghai'),
			error String
		) ENGINE = MergeTree
		ORDER BY (job, tick, started_at)`,
	}},
	{7, "access audit of the served dashboards", []string{
		// Every sign-in, failed sign-in, sign-out and page or data-file request of `ecowatch
		// serve`: who, when, from where, what, allowed or not and why. Never a password or a
		// session token. event_id is random per event: a retried insert replaces itself.
		`CREATE TABLE IF NOT EXISTS access_audit (
			event_id String,
			at DateTime('Asia/Shanghai'),
			event {enum},
			login String,
			user_name String,
			jurisdiction {enum},
			via {enum},
			remote_addr String,
			method {enum},
			path String,
			status UInt16,
			allowed UInt8,
			reason {enum},
			user_agent String
		) ENGINE = ReplacingMergeTree
		PARTITION BY toYYYYMM(at)
		ORDER BY (at, event_id)`,
	}},
	{8, "warning recipients: copies and downstream reach", []string{
		// Per recipient (parallel to recipient_codes): the JSON of what a recipient carries
		// beyond code, name and role — copy (抄送) and, downstream of a watershed warning, the
		// river, distance, arrival window and drinking-water sources — or '' when nothing.
		`ALTER TABLE warnings ADD COLUMN recipient_details Array(String)`,
	}},
}

// addColumnRe matches the statements that add a column.
var addColumnRe = regexp.MustCompile(`^\s*ALTER TABLE\s+\S+\s+ADD COLUMN\s`)

const migrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version UInt32,
	name String,
	applied_at DateTime('Asia/Shanghai')
) ENGINE = ReplacingMergeTree(applied_at) ORDER BY version`

// Migrate applies the migrations not yet recorded in schema_migrations and returns the names
// of those it applied. Running it again applies nothing. Two instances starting at once may
// both run a migration; the statements are idempotent and the record is deduplicated.
//
// In cluster mode every statement runs ON CLUSTER (see Dialect.Statement): the DDL queue in
// ZooKeeper runs the statements of concurrent migrators one after the other on each replica,
// so the second of two identical ones finds its table and does nothing, and schema_migrations
// is itself a replicated ReplacingMergeTree keyed on the version. A statement ON CLUSTER waits
// for every replica (distributed_ddl_task_timeout, 180 s by default) — with a replica down,
// migrate fails once that runs out, while the replica that is up has applied the statement and
// the other applies it from the queue when it is back. A schema already up to date runs no
// DDL at all, so instances start with a replica down.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	if err := s.createMigrationsTable(ctx); err != nil {
		return nil, fmt.Errorf("store: creating schema_migrations: %w", err)
	}
	done := map[uint32]bool{}
	rows, err := s.conn.Query(ctx, "SELECT DISTINCT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("store: reading schema_migrations: %w", err)
	}
	for rows.Next() {
		var v uint32
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: reading schema_migrations: %w", err)
		}
		done[v] = true
	}
	rows.Close()
	var applied []string
	for _, m := range migrations {
		if done[m.version] {
			continue
		}
		for i, stmt := range m.statements {
			ddl, err := s.dialect.Statement(stmt)
			if err == nil {
				err = s.exec(ctx, ddl)
			}
			if err != nil && addColumnRe.MatchString(stmt) && strings.Contains(err.Error(), "already exists") {
				err = nil // applied before a crash kept the migration from being recorded
			}
			if err != nil {
				return applied, fmt.Errorf("store: migration %d (%s), statement %d: %w", m.version, m.name, i+1, err)
			}
		}
		if err := s.recordMigration(ctx, m); err != nil {
			return applied, fmt.Errorf("store: recording migration %d: %w", m.version, err)
		}
		applied = append(applied, fmt.Sprintf("%03d %s", m.version, m.name))
	}
	return applied, nil
}

// createMigrationsTable creates schema_migrations if it does not exist. In cluster mode it asks
// the replica first, so that an instance starting while another replica is down does not wait
// on an ON CLUSTER statement it does not need.
func (s *Store) createMigrationsTable(ctx context.Context) error {
	if s.dialect.Clustered() {
		var exists uint8
		if err := s.conn.QueryRow(ctx, "EXISTS TABLE schema_migrations").Scan(&exists); err != nil {
			return err
		}
		if exists == 1 {
			return nil
		}
	}
	ddl, err := s.dialect.Statement(migrationsTable)
	if err != nil {
		return err
	}
	return s.exec(ctx, ddl)
}

// recordMigration inserts one schema_migrations row. It uses a native batch: the local 18.16
// server does not answer an INSERT … VALUES with bound parameters sent through Exec.
func (s *Store) recordMigration(ctx context.Context, m migration) error {
	return s.insert(ctx, "migration records", "INSERT INTO schema_migrations (version, name, applied_at)",
		func(batch driver.Batch) error { return batch.Append(m.version, m.name, time.Now()) })
}

// SchemaStatements is every statement the migrations send to a server of dialect d, in order
// (the migrations table first): what `ecowatch migrate --print` shows, and what the
// compatibility check (scripts/compat) creates its copy of the schema with on a current
// ClickHouse engine.
func SchemaStatements(d Dialect) []string {
	out := []string{migrationsTable}
	for _, m := range migrations {
		for _, stmt := range m.statements {
			out = append(out, d.Expand(stmt))
		}
	}
	return out
}
