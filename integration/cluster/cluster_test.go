//go:build cluster

package cluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/basin"
	"github.com/ecowatch/ecowatch/config"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/ingest"
	"github.com/ecowatch/ecowatch/internal/testenv"
	"github.com/ecowatch/ecowatch/pipeline"
	"github.com/ecowatch/ecowatch/privacy"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

// Two `ecowatch migrate` started at the same moment on a new database both succeed, every
// table is replicated on both replicas, every migration is recorded once, and a third run
// applies nothing.
func TestConcurrentMigrateOnTheCluster(t *testing.T) {
	env := newEnv(t) // for the cluster's settings and a clean-up; the database below is new
	db := "ecowatch_test_migrate_" + env.Suffix
	conns := replicas(t, env.Config.ClickHouse)
	t.Cleanup(func() {
		conns[0].Exec(context.Background(), "DROP DATABASE IF EXISTS "+db+" ON CLUSTER "+env.Config.ClickHouse.Cluster)
	})

	var wg sync.WaitGroup
	outs := make([]string, 2)
	errs := make([]error, 2)
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(testenv.Binary(t), "migrate")
			cmd.Env = append(os.Environ(), config.EnvName("clickhouse.database")+"="+db)
			out, err := cmd.CombinedOutput()
			outs[i], errs[i] = string(out), err
		}()
	}
	wg.Wait()
	for i := range outs {
		if errs[i] != nil {
			t.Fatalf("migrate %d: %v\n%s", i+1, errs[i], outs[i])
		}
	}

	var want, wantColumns map[string]string
	for i, conn := range conns {
		got, columns := tables(t, conn, db), tableColumns(t, conn, db)
		if i == 0 {
			want, wantColumns = got, columns
		}
		if len(got) < 15 || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("replica %d holds %v, replica 1 %v", i+1, got, want)
		}
		// the columns a migration adds reach both replicas (through the replicated engine)
		if fmt.Sprint(columns) != fmt.Sprint(wantColumns) {
			t.Fatalf("replica %d has the columns %v, replica 1 %v", i+1, columns, wantColumns)
		}
		for name, engine := range got {
			if name != "reports_latest" && name != "case_events_latest" && !strings.HasPrefix(engine, "Replicated") {
				t.Errorf("replica %d: %s is %s, not replicated", i+1, name, engine)
			}
		}
	}
	syncReplicas(t, conns, db)
	for i, conn := range conns {
		versions := queryCount(t, conn, "SELECT uniqExact(version) FROM "+db+".schema_migrations")
		rows := queryCount(t, conn, "SELECT count() FROM "+db+".schema_migrations FINAL")
		if versions < 5 || rows != versions {
			t.Errorf("replica %d: schema_migrations has %d versions in %d rows after FINAL", i+1, versions, rows)
		}
	}
	t.Logf("migrate 1:\n%smigrate 2:\n%s", outs[0], outs[1])

	again := exec.Command(testenv.Binary(t), "migrate")
	again.Env = append(os.Environ(), config.EnvName("clickhouse.database")+"="+db)
	out, err := again.CombinedOutput()
	if err != nil || strings.Contains(string(out), "migration applied") {
		t.Fatalf("a third migrate applied something or failed: %v\n%s", err, out)
	}
}

// A block whose acknowledgement is lost is sent again by ingest's retry — the same Arrow
// record, so the same rows in the same order — and the replicas keep it once: the first replica
// wrote it, the retry reaches the second replica (the first no longer answers), and the second
// finds the block's hash among the ones ZooKeeper remembers and drops it.
func TestRetriedInsertIsKeptOnceByTheReplicas(t *testing.T) {
	env := newEnv(t)
	db := env.Config.ClickHouse.Database
	conns := replicas(t, env.Config.ClickHouse)
	// Without merges the rows of every block that landed stay countable: a merge of a
	// ReplacingMergeTree would hide a duplicate and let this test pass without deduplication.
	for _, conn := range conns {
		for _, table := range []string{"reports", "contacts", "raw_messages"} {
			exec1(t, conn, "SYSTEM STOP MERGES "+db+"."+table)
		}
	}
	const n = 400
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = report(i)
	}
	env.Produce(t, env.Config.Kafka.TopicReports, msgs...)

	// The store ingest writes through: the proxy in front of replica 1 first, replica 2 next.
	proxy := newCutProxy(t, env.Config.ClickHouse.Addr[0], "INSERT INTO reports (")
	chCfg := env.Config.ClickHouse
	chCfg.Addr = []string{proxy.Addr(), env.Config.ClickHouse.Addr[1]}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, err := store.Open(ctx, chCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	duplicatesBefore := duplicatedBlocks(t, conns[1])

	keys, err := privacy.ParseKey(testenv.TestKey)
	if err != nil {
		t.Fatal(err)
	}
	pipe := &pipeline.Pipeline{Regions: region.Default(), Basins: basin.Default(), Keys: keys}
	reg := prometheus.NewRegistry()
	metrics := ingest.NewMetrics(reg)
	in := ingest.New(env.Broker, s, pipe, &contract.Validator{Regions: region.Default()}, metrics, ingest.Options{
		BatchSize: 10 * n, BatchWait: 2 * time.Second, UntilIdle: 5 * time.Second, Logger: quietLogger(),
	})
	defer in.Close()
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()

	select {
	case <-proxy.held:
	case err := <-done:
		t.Fatalf("ingest finished (%v) before its insert into reports was held back", err)
	case <-ctx.Done():
		t.Fatal("the insert into reports never reached the proxy")
	}
	// The acknowledgement is held back; wait until the rows are in replica 1, then cut.
	for queryCount(t, conns[0], "SELECT count() FROM "+db+".reports") == 0 {
		time.Sleep(50 * time.Millisecond)
	}
	landed := queryCount(t, conns[0], "SELECT count() FROM "+db+".reports")
	proxy.Cut()
	if err := <-done; err != nil {
		t.Fatalf("ingest: %v", err)
	}
	st := in.Stats()
	retries := counter(t, reg, "ecowatch_ingest_retries_total", "clickhouse")
	syncReplicas(t, conns, db)
	for i, conn := range conns {
		for _, table := range []string{"reports", "contacts", "raw_messages"} {
			if got := queryCount(t, conn, "SELECT count() FROM "+db+"."+table); got != n {
				t.Errorf("replica %d: %d rows in %s, want %d (every row once)", i+1, got, table, n)
			}
		}
	}
	dropped := duplicatedBlocks(t, conns[1]) - duplicatesBefore
	if st.Reports != n || retries < 1 || dropped < 1 {
		t.Fatalf("ingest wrote %d reports with %v retries; replica 2 dropped %d duplicate blocks (want %d, ≥1, ≥1)", st.Reports, retries, dropped, n)
	}
	t.Logf("the lost acknowledgement: %d rows had landed on replica 1; ingest retried %v times, replica 2 dropped %d duplicate block(s); %d rows in reports on each replica", landed, retries, dropped, n)
}

// duplicatedBlocks is the server's count of inserted blocks it dropped as duplicates.
func duplicatedBlocks(t *testing.T, conn driver.Conn) uint64 {
	t.Helper()
	return queryCount(t, conn, "SELECT toUInt64(sum(value)) FROM system.events WHERE event = 'DuplicatedInsertedBlocks'")
}

// counter reads one labelled counter from a registry.
func counter(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetValue() == label {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}
