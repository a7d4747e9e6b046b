package store

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Dialect is what differs between the ClickHouse deployments ecowatch runs on: the server
// version, read from the server when the store connects, and the layout — one server, or the
// replicas of a cluster (clickhouse.cluster). Every schema statement goes through Statement,
// so the column types, the ON CLUSTER clause and the engine of every table are decided here and
// nowhere else; the migrations are written once, for a single server.
type Dialect struct {
	Major, Minor int
	// Cluster is the remote_servers cluster the schema is replicated across; empty for a
	// single server.
	Cluster string
	// Database holds the tables. In cluster mode it qualifies every name in the statements
	// (each server's DDL worker runs an ON CLUSTER statement in its own session, where an
	// unqualified name in a view's query means default.name) and is part of each table's
	// ZooKeeper path, since 18.16 has no {database} or {table} macros.
	Database string
}

// ParseVersion reads a server version such as "18.16.1" or "24.8.4.13".
func ParseVersion(v string) (Dialect, error) {
	parts := strings.Split(v, ".")
	if len(parts) < 2 {
		return Dialect{}, fmt.Errorf("store: unrecognised ClickHouse version %q", v)
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return Dialect{}, fmt.Errorf("store: unrecognised ClickHouse version %q", v)
	}
	return Dialect{Major: major, Minor: minor}, nil
}

func (d Dialect) atLeast(major, minor int) bool {
	return d.Major > major || d.Major == major && d.Minor >= minor
}

// Enum is the column type for short repeated strings (channel, category, province code):
// LowCardinality(String) where the server has it without an experimental switch (19.9+),
// String on older servers such as Debian's 18.16.
func (d Dialect) Enum() string {
	if d.atLeast(19, 9) {
		return "LowCardinality(String)"
	}
	return "String"
}

// Expand replaces {enum} in a DDL template.
func (d Dialect) Expand(ddl string) string {
	return strings.ReplaceAll(ddl, "{enum}", d.Enum())
}

// Clustered reports whether the schema is replicated across a cluster.
func (d Dialect) Clustered() bool { return d.Cluster != "" }

// DeduplicationWindow is how many of its most recent inserted blocks a replicated table
// remembers (their hashes, in ZooKeeper) so that a block sent again is dropped: ClickHouse's
// default of 100 would be used up within a minute by a few ingest instances replaying history
// (each insert makes one block per month partition it touches), while one insert's retries can
// span a minute (ingest backs off up to 30 s between attempts of up to 30 s). Blocks older than
// a week are forgotten whatever the count (replicated_deduplication_window_seconds).
const DeduplicationWindow = 1000

// ZooKeeperPath is where the replicas of table keep their shared state: one path per shard,
// database and table ({shard} is a server macro; the database is substituted here).
func (d Dialect) ZooKeeperPath(table string) string {
	return "/clickhouse/tables/{shard}/" + d.Database + "/" + table
}

// CreateDatabase is the statement that creates the database.
func (d Dialect) CreateDatabase() string {
	return "CREATE DATABASE IF NOT EXISTS " + d.Database + d.onCluster()
}

// DropDatabase is the statement that removes the database and everything in it (tests only).
func (d Dialect) DropDatabase() string {
	return "DROP DATABASE IF EXISTS " + d.Database + d.onCluster()
}

func (d Dialect) onCluster() string {
	if d.Cluster == "" {
		return ""
	}
	return " ON CLUSTER " + d.Cluster
}

var (
	ddlHeadRe = regexp.MustCompile(`^(\s*(?:CREATE (?:TABLE|VIEW) IF NOT EXISTS|ALTER TABLE|DROP (?:TABLE|VIEW) IF EXISTS)\s+)([A-Za-z_][A-Za-z0-9_]*)\b`)
	engineRe  = regexp.MustCompile(`ENGINE\s*=\s*(Replacing|Summing|Aggregating|Collapsing|VersionedCollapsing)?MergeTree\b(\s*\(([^()]*)\))?`)
	sourceRe  = regexp.MustCompile(`(?i)\b(FROM|JOIN)(\s+)([A-Za-z_][A-Za-z0-9_]*)\b`)
)

// Statement returns a schema statement ready to run: {enum} expanded (Expand), and in cluster
// mode rewritten for the cluster:
//
//   - CREATE TABLE, CREATE VIEW and DROP run ON CLUSTER, with the database named;
//   - ALTER TABLE runs on the one replica it is sent to, with the database named: the
//     replicated engine carries the change to the other replicas of the shard through
//     ZooKeeper (and the server waits for them, replication_alter_columns_timeout). ON CLUSTER
//     would run it on every replica as well, and a replica that finds the column already added
//     by replication fails its part of the task (code 44, then the task is never marked done on
//     that host and the statement times out after distributed_ddl_task_timeout — seen on 18.16,
//     reported for 24.x as ClickHouse issue 78588). One shard is the layout (docs/cluster.md);
//   - a MergeTree-family engine becomes its Replicated… form, with the table's ZooKeeper path,
//     the {replica} macro and the deduplication window (DeduplicationWindow);
//   - the tables a view reads are named with the database.
//
// On a single server it is Expand, byte for byte. A statement the rewrite does not understand
// in cluster mode (another engine, a materialized view, another kind of statement) is an
// error, so a new migration cannot silently create a table that is not replicated.
func (d Dialect) Statement(ddl string) (string, error) {
	ddl = d.Expand(ddl)
	if !d.Clustered() {
		return ddl, nil
	}
	head := ddlHeadRe.FindStringSubmatchIndex(ddl)
	if head == nil {
		return "", fmt.Errorf("store: cluster mode supports CREATE TABLE|VIEW IF NOT EXISTS, ALTER TABLE and DROP TABLE|VIEW IF EXISTS statements, not %q", firstLine(ddl))
	}
	kind := strings.Fields(ddl[head[2]:head[3]])
	table := ddl[head[4]:head[5]]
	rest := ddl[head[5]:]
	if kind[0] == "ALTER" {
		return ddl[:head[4]] + d.Database + "." + table + rest, nil
	}
	out := ddl[:head[4]] + d.Database + "." + table + d.onCluster() + rest
	switch {
	case kind[0] == "CREATE" && kind[1] == "TABLE":
		return d.replicatedEngine(out, table)
	case kind[0] == "CREATE" && kind[1] == "VIEW":
		if strings.Contains(rest, "ENGINE") {
			return "", fmt.Errorf("store: view %s: cluster mode supports plain views, not views with an engine", table)
		}
		return d.qualifySources(out), nil
	}
	return out, nil
}

// replicatedEngine turns the one MergeTree-family engine of a CREATE TABLE into its replicated
// form and adds the deduplication window.
func (d Dialect) replicatedEngine(ddl, table string) (string, error) {
	m := engineRe.FindAllStringSubmatchIndex(ddl, -1)
	if len(m) != 1 {
		return "", fmt.Errorf("store: table %s: cluster mode needs exactly one MergeTree-family engine (Replacing, Summing, Aggregating, Collapsing, VersionedCollapsing or plain MergeTree) to replicate", table)
	}
	e := m[0]
	family := ""
	if e[2] >= 0 {
		family = ddl[e[2]:e[3]]
	}
	args := "'" + d.ZooKeeperPath(table) + "', '{replica}'"
	if e[6] >= 0 {
		if extra := strings.TrimSpace(ddl[e[6]:e[7]]); extra != "" {
			args += ", " + extra
		}
	}
	engine := "ENGINE = Replicated" + family + "MergeTree(" + args + ")"
	out := strings.TrimRight(ddl[:e[0]]+engine+ddl[e[1]:], " \t\n")
	setting := fmt.Sprintf("replicated_deduplication_window = %d", DeduplicationWindow)
	if strings.Contains(ddl[e[1]:], "SETTINGS") {
		return out + ", " + setting, nil
	}
	return out + "\n\t\tSETTINGS " + setting, nil
}

// qualifySources names the database before every table a view's query reads (FROM t, JOIN t),
// leaving subqueries, table functions and names already qualified alone.
func (d Dialect) qualifySources(ddl string) string {
	var b strings.Builder
	last := 0
	for _, m := range sourceRe.FindAllStringSubmatchIndex(ddl, -1) {
		next := strings.TrimLeft(ddl[m[1]:], " \t\n")
		if strings.HasPrefix(next, "(") || strings.HasPrefix(next, ".") {
			continue
		}
		b.WriteString(ddl[last:m[6]])
		b.WriteString(d.Database + ".")
		last = m[6]
	}
	b.WriteString(ddl[last:])
	return b.String()
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}
