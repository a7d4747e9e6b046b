//go:build cluster && faults

package cluster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/broker"
	"github.com/ecowatch/ecowatch/config"
	"github.com/ecowatch/ecowatch/internal/testenv"
)

// The figures of docs/benchmarks.md, "Cluster: against one server, takeover, catch-up":
//
//	make cluster services && eval "$(deploy/local/cluster.sh env)" && \
//	  ECOWATCH_SINGLE_CLICKHOUSE_ADDR=127.0.0.1:9000 ECOWATCH_SINGLE_KAFKA_BROKERS=127.0.0.1:9092 \
//	  go test -tags 'cluster faults' -run '^$' -bench . -benchtime 3x -timeout 90m ./integration/cluster
//
// They kill parts of the cluster, like the fault tests, so they build with the same tags.

// BenchmarkTakeover measures how long after the leading `ecowatch run` is killed with SIGKILL
// the other instance leads: from the kill to the other's "leading" log line.
func BenchmarkTakeover(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		d := newDeployment(b, "takeover")
		a := d.start("run-a", "run")
		leader(b, time.Minute, a)
		other := d.start("run-b", "run")
		other.waitLog(b, time.Minute, "waiting to lead the scheduled jobs")
		time.Sleep(5 * time.Second) // in line behind the leader's node
		killed := time.Now()
		a.kill9(b)
		led := other.waitLog(b, 2*time.Minute, "leading: the scheduled jobs run here")
		b.ReportMetric(led.Sub(killed).Seconds(), "takeover-s")
		other.stop(b)
		b.StartTimer()
	}
}

// BenchmarkReplicaCatchUp kills replica 1 with SIGKILL while `ecowatch ingest` writes a steady
// stream (300 messages/s) through the store, keeps it down for a minute, starts it again and
// measures how long after its start it answers and how long until its replication queue is
// empty with every table as full as replica 2's; it reports the rows it had to fetch.
func BenchmarkReplicaCatchUp(b *testing.B) {
	s := simulated(b, 60_000, 21)
	for b.Loop() {
		b.StopTimer()
		d := newDeployment(b, "catchup")
		in := d.start("ingest", "ingest")
		produced := d.producing(s, 300)
		time.Sleep(10 * time.Second)
		before := d.count(0, "SELECT count() FROM {db}.raw_messages")
		killPart(b, "clickhouse1")
		time.Sleep(time.Minute)
		missed := d.count(1, "SELECT count() FROM {db}.raw_messages") - before
		restarted := time.Now()
		startCluster(b)
		answered := time.Now()
		caughtUp := waitCaughtUp(b, d)
		b.ReportMetric(answered.Sub(restarted).Seconds(), "start-s")
		b.ReportMetric(caughtUp.Sub(restarted).Seconds(), "caught-up-s")
		b.ReportMetric(float64(missed), "raw-rows-missed")
		produced()
		in.stop(b)
		b.StartTimer()
	}
}

// BenchmarkClusterVersusSingle compares, in the same run and alternately, the local cluster
// (two replicas, three brokers, ZooKeeper) with the single-server setup of `make services`
// (ECOWATCH_SINGLE_CLICKHOUSE_ADDR, ECOWATCH_SINGLE_KAFKA_BROKERS): the ecowatch binary
// ingesting 50,000 realistic reports already in Kafka (throughput from first fetch to last
// commit), then the time from the producer's acknowledgement to the report being readable while
// 1,000 reports a second are produced for 10 s (on the cluster: readable on replica 1, where
// every instance reads, and on replica 2).
func BenchmarkClusterVersusSingle(b *testing.B) {
	const n, rate, seconds = 50_000, 1000, 10
	msgs := simulatedReports(b, n)
	single := singleConfig(b)
	for b.Loop() {
		b.StopTimer()
		for _, v := range []struct {
			name string
			cfg  *config.Config
		}{{"single", single}, {"cluster", nil}} {
			sl := newBenchSlice(b, v.cfg)
			produceAll(b, sl, msgs)
			out, err := sl.ecowatch("ingest", "--until-idle", "3s").CombinedOutput()
			if err != nil {
				b.Fatalf("%s ingest: %v\n%s", v.name, err, out)
			}
			var rate float64
			for _, line := range strings.Split(string(out), "\n") {
				fmt.Sscanf(line, "ingest: %f messages/s", &rate)
			}
			b.ReportMetric(rate, v.name+"-msgs/s")
		}
		for _, v := range []struct {
			name string
			cfg  *config.Config
		}{{"single", single}, {"cluster", nil}} {
			sl := newBenchSlice(b, v.cfg)
			lat := visibleLatency(b, sl, msgs[:rate*seconds], rate)
			for i, l := range lat {
				name := v.name
				if i == 1 {
					name += "-replica2" // the cluster's second replica
				}
				b.ReportMetric(float64(l[len(l)/2].Milliseconds()), name+"-p50-ms")
				b.ReportMetric(float64(l[len(l)*99/100].Milliseconds()), name+"-p99-ms")
			}
		}
		b.StartTimer()
	}
}

// singleConfig is the configuration of the single-server setup beside the cluster.
func singleConfig(b testing.TB) *config.Config {
	cfg, err := config.Load("", os.LookupEnv)
	if err != nil {
		b.Fatal(err)
	}
	cfg.ClickHouse.Cluster, cfg.ZooKeeper.Addr = "", nil
	cfg.ClickHouse.Addr = []string{envOr("ECOWATCH_SINGLE_CLICKHOUSE_ADDR", "127.0.0.1:9000")}
	cfg.Kafka.Brokers = []string{envOr("ECOWATCH_SINGLE_KAFKA_BROKERS", "127.0.0.1:9092")}
	return cfg
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// benchSlice is a database and topics of its own, on the cluster (topics with three replicas)
// or on the single server (one).
type benchSlice struct {
	*slice
	b     testing.TB
	conns []driver.Conn // replica 1 and 2; the one server alone
}

func newBenchSlice(b *testing.B, single *config.Config) *benchSlice {
	b.Helper()
	var sl *slice
	if single == nil {
		sl = newSlice(b, false)
	} else {
		cfg := *single
		suffix := strings.ToLower(strings.ReplaceAll(time.Now().Format("150405.000000"), ".", ""))
		cfg.ClickHouse.Database = "ecowatch_bench_" + suffix
		prefix := "s-bench-" + suffix + "."
		cfg.Kafka.TopicReports, cfg.Kafka.TopicEvents = prefix+"reports.v1", prefix+"case-events.v1"
		cfg.Kafka.TopicWarnings, cfg.Kafka.TopicDLQ, cfg.Kafka.Group = prefix+"warnings.v1", prefix+"dlq.v1", prefix+"ingest"
		sl = onServer(b, &cfg)
	}
	out := &benchSlice{slice: sl, b: b}
	for _, addr := range sl.cfg.ClickHouse.Addr[:min(2, len(sl.cfg.ClickHouse.Addr))] {
		conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, Auth: clickhouse.Auth{Database: sl.cfg.ClickHouse.Database}})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { conn.Close() })
		out.conns = append(out.conns, conn)
	}
	return out
}

// onServer makes the database and topics of cfg on the single server.
func onServer(b *testing.B, cfg *config.Config) *slice {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	conn, err := broker.New(cfg.Kafka)
	if err != nil {
		b.Fatal(err)
	}
	if err := conn.EnsureTopics(ctx, 1, conn.Topics()...); err != nil {
		b.Fatal(err)
	}
	sl := &slice{cfg: cfg, broker: conn}
	out, err := (&benchSlice{slice: sl, b: b}).ecowatch("migrate").CombinedOutput()
	if err != nil {
		b.Fatalf("migrate on the single server: %v\n%s", err, out)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		c, err := clickhouse.Open(&clickhouse.Options{Addr: cfg.ClickHouse.Addr})
		if err == nil {
			c.Exec(ctx, "DROP DATABASE IF EXISTS "+cfg.ClickHouse.Database)
			c.Close()
		}
		conn.DeleteTopics(ctx, conn.Topics()...)
	})
	return sl
}

// ecowatch is the binary with the slice's settings.
func (sl *benchSlice) ecowatch(args ...string) *exec.Cmd {
	c := sl.cfg
	cmd := exec.Command(testenv.Binary(sl.b), args...)
	cmd.Env = os.Environ()
	for k, v := range map[string]string{
		"clickhouse.addr":      strings.Join(c.ClickHouse.Addr, ","),
		"clickhouse.cluster":   c.ClickHouse.Cluster,
		"clickhouse.database":  c.ClickHouse.Database,
		"kafka.brokers":        strings.Join(c.Kafka.Brokers, ","),
		"kafka.topic.reports":  c.Kafka.TopicReports,
		"kafka.topic.events":   c.Kafka.TopicEvents,
		"kafka.topic.warnings": c.Kafka.TopicWarnings,
		"kafka.topic.dlq":      c.Kafka.TopicDLQ,
		"kafka.group":          c.Kafka.Group,
		"zookeeper.addr":       strings.Join(c.ZooKeeper.Addr, ","),
		"privacy.key":          testenv.TestKey,
		"ingest.metrics-addr":  "",
	} {
		cmd.Env = append(cmd.Env, config.EnvName(k)+"="+v)
	}
	return cmd
}

func produceAll(b *testing.B, sl *benchSlice, msgs []kafka.Message) {
	b.Helper()
	produce(b, sl.slice, msgs)
}

// visibleLatency runs `ecowatch ingest`, produces msgs at rate a second, and returns for each
// server polled (replica 1 and 2; the one server) the sorted times from each report's
// acknowledgement to its being readable there (polled every 25 ms).
func visibleLatency(b *testing.B, sl *benchSlice, msgs []kafka.Message, rate int) [][]time.Duration {
	b.Helper()
	cmd := sl.ecowatch("ingest")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		<-exited
	}()
	// Let the consumer join its group before measuring.
	warm := report(999_999)
	produce(b, sl.slice, []kafka.Message{warm})
	for queryCount(b, sl.conns[0], "SELECT count() FROM reports") == 0 {
		select {
		case err := <-exited:
			exited <- err // for the deferred wait
			b.Fatalf("ingest ended before the first report was readable (%v):\n%s", err, logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	var acks testenv.Acks
	done := make(chan error, 1)
	go func() {
		w := sl.broker.Writer(sl.cfg.Kafka.TopicReports)
		w.BatchTimeout = time.Millisecond
		defer w.Close()
		done <- acks.ProducePaced(w, msgs, rate)
	}()
	visible := make([]map[string]time.Duration, len(sl.conns))
	for i := range visible {
		visible[i] = map[string]time.Duration{}
	}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		time.Sleep(25 * time.Millisecond)
		all := true
		for i, conn := range sl.conns {
			if err := acks.Visible(context.Background(), conn, visible[i]); err != nil {
				b.Fatal(err)
			}
			all = all && len(visible[i]) == len(msgs)
		}
		if all {
			break
		}
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	var out [][]time.Duration
	for i, v := range visible {
		if len(v) < len(msgs) {
			b.Fatalf("only %d of %d reports became readable on server %d", len(v), len(msgs), i+1)
		}
		var l []time.Duration
		for _, d := range v {
			l = append(l, d)
		}
		sort.Slice(l, func(a, b int) bool { return l[a] < l[b] })
		out = append(out, l)
	}
	return out
}
