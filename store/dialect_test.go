package store

import (
	"regexp"
	"strings"
	"testing"
)

// every schema statement: the migrations and the migrations table.
func allStatements() []string {
	out := []string{migrationsTable}
	for _, m := range migrations {
		out = append(out, m.statements...)
	}
	return out
}

var (
	v1816   = Dialect{Major: 18, Minor: 16}
	cluster = Dialect{Major: 18, Minor: 16, Cluster: "ecowatch", Database: "eco_db"}
)

func TestSingleServerStatementsAreTheExpandedMigrations(t *testing.T) {
	for _, d := range []Dialect{v1816, {Major: 24, Minor: 8}, {Major: 18, Minor: 16, Database: "eco_db"}} {
		for _, stmt := range allStatements() {
			got, err := d.Statement(stmt)
			if err != nil {
				t.Fatal(err)
			}
			if got != d.Expand(stmt) {
				t.Fatalf("single-server DDL changed:\n%s\nwant\n%s", got, d.Expand(stmt))
			}
		}
	}
	d := Dialect{Database: "ecowatch"}
	if d.CreateDatabase() != "CREATE DATABASE IF NOT EXISTS ecowatch" || d.DropDatabase() != "DROP DATABASE IF EXISTS ecowatch" {
		t.Fatalf("single-server database statements changed: %q, %q", d.CreateDatabase(), d.DropDatabase())
	}
}

func TestClusterStatementsAreReplicatedAndRunOnTheCluster(t *testing.T) {
	tables, views := 0, 0
	for _, stmt := range allStatements() {
		got, err := cluster.Statement(stmt)
		if err != nil {
			t.Fatal(err)
		}
		if m := regexp.MustCompile(`^\s*ALTER TABLE (\w+) ADD COLUMN `).FindStringSubmatch(stmt); m != nil {
			if !strings.Contains(got, "ALTER TABLE eco_db."+m[1]+" ADD COLUMN ") || strings.Contains(got, "ON CLUSTER") {
				t.Errorf("the column is not added to eco_db.%s through its replicated engine (one replica, no ON CLUSTER):\n%s", m[1], got)
			}
			continue
		}
		name := regexp.MustCompile(`IF NOT EXISTS (\w+)`).FindStringSubmatch(stmt)[1]
		if !strings.Contains(got, "IF NOT EXISTS eco_db."+name+" ON CLUSTER ecowatch ") {
			t.Errorf("%s is not created in eco_db on the cluster:\n%s", name, got)
		}
		if strings.Contains(got, "{enum}") {
			t.Errorf("%s: {enum} not expanded", name)
		}
		if strings.Contains(stmt, "CREATE TABLE") {
			tables++
			path := "ENGINE = Replicated"
			if !strings.Contains(got, path) || strings.Count(got, "MergeTree") != 1 {
				t.Errorf("%s is not replicated:\n%s", name, got)
			}
			zk := "MergeTree('/clickhouse/tables/{shard}/eco_db/" + name + "', '{replica}'"
			if !strings.Contains(got, zk) {
				t.Errorf("%s: want ZooKeeper path and replica %s, got:\n%s", name, zk, got)
			}
			if !strings.HasSuffix(got, "SETTINGS replicated_deduplication_window = 1000") {
				t.Errorf("%s: no deduplication window:\n%s", name, got)
			}
		} else {
			views++
			for _, m := range regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+(\w+)(\.?)`).FindAllStringSubmatch(got, -1) {
				if m[1] != "eco_db" || m[2] != "." {
					t.Errorf("view %s reads %s without the database:\n%s", name, m[1], got)
				}
			}
		}
	}
	if tables < 10 || views < 2 {
		t.Fatalf("checked %d tables and %d views; the migrations have more", tables, views)
	}
}

func TestClusterEngineArguments(t *testing.T) {
	cases := []struct{ in, want string }{
		{"CREATE TABLE IF NOT EXISTS a (x UInt8) ENGINE = ReplacingMergeTree(version) ORDER BY x",
			"CREATE TABLE IF NOT EXISTS eco_db.a ON CLUSTER ecowatch (x UInt8) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/eco_db/a', '{replica}', version) ORDER BY x\n\t\tSETTINGS replicated_deduplication_window = 1000"},
		{"CREATE TABLE IF NOT EXISTS b (x UInt8) ENGINE = MergeTree ORDER BY x",
			"CREATE TABLE IF NOT EXISTS eco_db.b ON CLUSTER ecowatch (x UInt8) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/eco_db/b', '{replica}') ORDER BY x\n\t\tSETTINGS replicated_deduplication_window = 1000"},
		{"CREATE TABLE IF NOT EXISTS c (x UInt8) ENGINE = SummingMergeTree() ORDER BY x SETTINGS index_granularity = 1024",
			"CREATE TABLE IF NOT EXISTS eco_db.c ON CLUSTER ecowatch (x UInt8) ENGINE = ReplicatedSummingMergeTree('/clickhouse/tables/{shard}/eco_db/c', '{replica}') ORDER BY x SETTINGS index_granularity = 1024, replicated_deduplication_window = 1000"},
		{"ALTER TABLE reports ADD COLUMN IF NOT EXISTS y String",
			"ALTER TABLE eco_db.reports ADD COLUMN IF NOT EXISTS y String"},
		{"CREATE VIEW IF NOT EXISTS v AS SELECT a.x FROM (SELECT x FROM a) AS a JOIN b USING x WHERE x IN (SELECT x FROM numbers(3))",
			"CREATE VIEW IF NOT EXISTS eco_db.v ON CLUSTER ecowatch AS SELECT a.x FROM (SELECT x FROM eco_db.a) AS a JOIN eco_db.b USING x WHERE x IN (SELECT x FROM numbers(3))"},
	}
	for _, tc := range cases {
		got, err := cluster.Statement(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

func TestClusterRefusesWhatItCannotReplicate(t *testing.T) {
	for _, stmt := range []string{
		"CREATE TABLE IF NOT EXISTS l (x UInt8) ENGINE = Log",
		"CREATE TABLE t (x UInt8) ENGINE = MergeTree ORDER BY x", // no IF NOT EXISTS: not safe to run twice
		"CREATE MATERIALIZED VIEW IF NOT EXISTS m ENGINE = MergeTree ORDER BY x AS SELECT x FROM a",
		"CREATE VIEW IF NOT EXISTS w ENGINE = Memory AS SELECT 1",
		"OPTIMIZE TABLE reports FINAL",
	} {
		if got, err := cluster.Statement(stmt); err == nil {
			t.Errorf("%s was accepted in cluster mode as:\n%s", stmt, got)
		}
	}
}
