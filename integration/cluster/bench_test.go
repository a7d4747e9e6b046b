//go:build cluster

package cluster

import (
	"context"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/basin"
	"github.com/ecowatch/ecowatch/broker"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/config"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/ingest"
	"github.com/ecowatch/ecowatch/internal/testenv"
	"github.com/ecowatch/ecowatch/pipeline"
	"github.com/ecowatch/ecowatch/privacy"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/simulate"
	"github.com/ecowatch/ecowatch/store"
)

// The figures the cluster's read-consistency decision is taken by (docs/benchmarks.md,
// docs/cluster.md): how far the second replica trails the one ingest writes to while ingest
// runs flat out, and what quorum inserts (insert_quorum = 2) cost ingest.
//
//	make cluster && eval "$(deploy/local/cluster.sh env)" && \
//	  go test -tags cluster -run '^$' -bench . -benchtime 1x -timeout 30m ./integration/cluster

const benchReports = 100_000

// BenchmarkClusterIngest replays benchReports realistic reports already in Kafka (topics with
// three replicas) through in-process ingesters writing to the replicas in order, and reports
// the throughput and the replication delay of the batches: for each step of replica 1's row
// count, the time until replica 2 has as many rows (both polled every 10 ms). Variants:
//
//	single-server   clickhouse.cluster empty: plain tables on replica 1 alone, the baseline
//	replicated      the cluster schema, one ingester
//	quorum-2        the same with insert_quorum = 2 on every insert
//	replicated-x2   two ingesters in one consumer group, as two ecowatch instances
//	quorum-2-x2     two ingesters with quorum inserts
//
// On a shared machine run it several times in a loop, so that the variants alternate: only
// figures taken side by side compare.
func BenchmarkClusterIngest(b *testing.B) {
	msgs := simulatedReports(b, benchReports)
	for _, v := range []struct {
		name      string
		single    bool
		quorum    bool
		ingesters int
	}{
		{"single-server", true, false, 1},
		{"replicated", false, false, 1},
		{"quorum-2", false, true, 1},
		{"replicated-x2", false, false, 2},
		{"quorum-2-x2", false, true, 2},
	} {
		b.Run(v.name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				sl := newSlice(b, v.single)
				produce(b, sl, msgs)
				conns := replicaConns(b, sl.cfg.ClickHouse, v.single)
				poll := startPolling(conns, sl.cfg.ClickHouse.Database)
				b.StartTimer()
				stats, retries := ingestAll(b, sl, v.ingesters, v.quorum)
				b.StopTimer()
				series := poll()
				// Two ingesters may both write a batch around a rebalance (at-least-once); the
				// tables keep each report once.
				var latest uint64
				if err := sl.store.Conn().QueryRow(context.Background(), "SELECT count() FROM reports_latest").Scan(&latest); err != nil {
					b.Fatal(err)
				}
				if latest != benchReports || stats.Reports < benchReports {
					b.Fatalf("%d reports readable (%d ingested), want %d", latest, stats.Reports, benchReports)
				}
				b.ReportMetric(stats.Throughput(), "msgs/s")
				b.ReportMetric(retries, "insert-retries")
				if delays := replicationDelays(series); len(delays) > 0 {
					b.ReportMetric(float64(delays[len(delays)/2].Milliseconds()), "repl-p50-ms")
					b.ReportMetric(float64(delays[len(delays)-1].Milliseconds()), "repl-max-ms")
				}
				b.StartTimer()
			}
		})
	}
}

// slice is one benchmark run's own database and topics on the cluster.
type slice struct {
	cfg    *config.Config
	broker *broker.Conn
	store  *store.Store
}

// newSlice makes a database and topics for one run; single makes it a single-server database on
// the first replica (no cluster, plain tables).
func newSlice(b *testing.B, single bool) *slice {
	b.Helper()
	cfg, err := config.Load("", os.LookupEnv)
	if err != nil {
		b.Fatal(err)
	}
	if cfg.ClickHouse.Cluster == "" || len(cfg.ClickHouse.Addr) < 2 {
		b.Fatal("run the cluster benchmarks against `make cluster` with its environment (deploy/local/cluster.sh env)")
	}
	if single {
		cfg.ClickHouse.Cluster, cfg.ClickHouse.Addr = "", cfg.ClickHouse.Addr[:1]
	}
	suffix := strings.ToLower(strings.ReplaceAll(time.Now().Format("150405.000000"), ".", ""))
	cfg.ClickHouse.Database = "ecowatch_bench_" + suffix
	prefix := "c-bench-" + suffix + "."
	cfg.Kafka.TopicReports, cfg.Kafka.TopicEvents = prefix+"reports.v1", prefix+"case-events.v1"
	cfg.Kafka.TopicWarnings, cfg.Kafka.TopicDLQ = prefix+"warnings.v1", prefix+"dlq.v1"
	cfg.Kafka.Group = prefix + "ingest"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s, err := store.Open(ctx, cfg.ClickHouse)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	conn, err := broker.New(cfg.Kafka)
	if err != nil {
		b.Fatal(err)
	}
	if err := conn.EnsureTopics(ctx, 3, conn.Topics()...); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		s.DropDatabase(ctx)
		s.Close()
		conn.DeleteTopics(ctx, conn.Topics()...)
	})
	return &slice{cfg: cfg, broker: conn, store: s}
}

func simulatedReports(b *testing.B, n int) []kafka.Message {
	b.Helper()
	sink := &reportSink{limit: n}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, calendar.Shanghai)
	days := n*365/simulate.NationReportsPerYear + 10
	cfg := simulate.Config{From: from, To: from.AddDate(0, 0, days), Seed: 99, MalformedShare: -1}
	if _, err := simulate.Run(context.Background(), cfg, sink); err != nil {
		b.Fatal(err)
	}
	if len(sink.msgs) < n {
		b.Fatalf("simulator gave %d reports, want %d", len(sink.msgs), n)
	}
	return sink.msgs
}

type reportSink struct {
	limit int
	msgs  []kafka.Message
}

func (s *reportSink) Write(_ context.Context, msgs []simulate.Message) error {
	for _, m := range msgs {
		if m.Topic == simulate.TopicReports && !strings.HasPrefix(m.Key, "bad-") && len(s.msgs) < s.limit {
			s.msgs = append(s.msgs, kafka.Message{Key: []byte(m.Key), Value: m.Value})
		}
	}
	return nil
}

func produce(b *testing.B, sl *slice, msgs []kafka.Message) {
	b.Helper()
	w := sl.broker.Writer(sl.cfg.Kafka.TopicReports)
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for i := 0; i < len(msgs); i += 10_000 {
		// A topic just created may not yet be known to every broker: retry for a while.
		for attempt := 1; ; attempt++ {
			err := w.WriteMessages(ctx, msgs[i:min(i+10_000, len(msgs))]...)
			if err == nil {
				break
			}
			if attempt == 30 {
				b.Fatal(err)
			}
			time.Sleep(time.Second)
		}
	}
}

// quorumWriter adds insert_quorum = 2 to every insert of the store.
type quorumWriter struct{ s *store.Store }

func (q quorumWriter) InsertColumns(ctx context.Context, table string, columns []string, values []any, rows int) error {
	ctx = clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"insert_quorum": 2}))
	return q.s.InsertColumns(ctx, table, columns, values, rows)
}

// ingestAll runs n in-process ingesters in the slice's group until the stream is idle and
// returns their combined stats and ClickHouse insert retries.
func ingestAll(b *testing.B, sl *slice, n int, quorum bool) (ingest.Stats, float64) {
	b.Helper()
	keys, err := privacy.ParseKey(testenv.TestKey)
	if err != nil {
		b.Fatal(err)
	}
	var w ingest.TableWriter = sl.store
	if quorum {
		w = quorumWriter{sl.store}
	}
	reg := prometheus.NewRegistry()
	metrics := ingest.NewMetrics(reg)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	stats := make([]ingest.Stats, n)
	errs := make([]error, n)
	for i := range n {
		pipe := &pipeline.Pipeline{Regions: region.Default(), Basins: basin.Default(), Keys: keys}
		in := ingest.New(sl.broker, w, pipe, &contract.Validator{Regions: region.Default()}, metrics, ingest.Options{
			UntilIdle: 5 * time.Second, Logger: quietLogger(),
		})
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer in.Close()
			errs[i] = in.Run(ctx)
			stats[i] = in.Stats()
		}()
	}
	wg.Wait()
	var total ingest.Stats
	for i, st := range stats {
		if errs[i] != nil {
			b.Fatalf("ingester %d: %v", i+1, errs[i])
		}
		total.Reports += st.Reports
		total.Events += st.Events
		total.DeadLetters += st.DeadLetters
		if total.FirstFetch.IsZero() || !st.FirstFetch.IsZero() && st.FirstFetch.Before(total.FirstFetch) {
			total.FirstFetch = st.FirstFetch
		}
		if st.LastCommit.After(total.LastCommit) {
			total.LastCommit = st.LastCommit
		}
	}
	var retries float64
	families, _ := reg.Gather()
	for _, f := range families {
		if f.GetName() == "ecowatch_ingest_retries_total" {
			for _, m := range f.GetMetric() {
				if len(m.GetLabel()) == 1 && m.GetLabel()[0].GetValue() == "clickhouse" {
					retries = m.GetCounter().GetValue()
				}
			}
		}
	}
	return total, retries
}

// replicaConns connects to each replica alone; for a single-server run, twice to the one
// server (its "replication delay" is then the polling's own resolution).
func replicaConns(b *testing.B, cfg config.ClickHouse, single bool) []driver.Conn {
	var out []driver.Conn
	addrs := cfg.Addr[:min(2, len(cfg.Addr))]
	if single {
		addrs = []string{cfg.Addr[0], cfg.Addr[0]}
	}
	for _, addr := range addrs {
		conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, Auth: clickhouse.Auth{Database: cfg.Database, Username: cfg.Username, Password: cfg.Password}})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { conn.Close() })
		out = append(out, conn)
	}
	return out
}

// sample is both replicas' row counts of reports at one moment.
type sample struct {
	at     time.Time
	counts [2]uint64
}

// startPolling samples both replicas' count of reports every 10 ms until the returned function
// is called, which returns the samples.
func startPolling(conns []driver.Conn, db string) func() []sample {
	ctx, cancel := context.WithCancel(context.Background())
	var out []sample
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			var s sample
			for i, conn := range conns {
				conn.QueryRow(ctx, "SELECT count() FROM "+db+".reports").Scan(&s.counts[i])
			}
			s.at = time.Now()
			out = append(out, s)
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() []sample { cancel(); <-done; return out }
}

// replicationDelays: for every count replica 1 reached, how long replica 2 took to reach it,
// sorted. Ingest writes to replica 1 (the first address), so that is the lag of replication.
func replicationDelays(series []sample) []time.Duration {
	var out []time.Duration
	var last uint64
	for i, s := range series {
		if s.counts[0] <= last {
			continue
		}
		last = s.counts[0]
		for _, later := range series[i:] {
			if later.counts[1] >= last {
				out = append(out, later.at.Sub(s.at))
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// BenchmarkClusterInsertQuorum measures what a quorum costs one insert, without ingest around
// it: batches of 5,000 realistic reports (the ingest default until issue 16) are inserted one after the other
// into the reports table of two cluster databases, alternately plain and with
// insert_quorum = 2, so both see the same load. It reports each variant's median and slowest
// insert and its rows/s. Then two writers insert into a third database at once with quorum, as
// two ingest instances would, and it reports how many of their inserts 18.16 refused (code 286:
// another quorum insert into the table has started and is not yet complete).
func BenchmarkClusterInsertQuorum(b *testing.B) {
	const batch, batches = 5000, 20
	msgs := simulatedReports(b, batch*batches)
	keys, err := privacy.ParseKey(testenv.TestKey)
	if err != nil {
		b.Fatal(err)
	}
	pipe := &pipeline.Pipeline{Regions: region.Default(), Basins: basin.Default(), Keys: keys}
	v := &contract.Validator{Regions: region.Default()}
	var recs []pipeline.Table // of reports, a batch each
	for i := 0; i < len(msgs); i += batch {
		bt := pipe.NewBatch()
		for j, m := range msgs[i : i+batch] {
			r, err := v.DecodeReport(m.Value)
			if err != nil {
				b.Fatal(err)
			}
			bt.AddReport(pipeline.Source{Topic: "reports.v1", Offset: int64(i + j), Key: m.Key, Value: m.Value, Time: time.Now()}, r)
		}
		recs = append(recs, bt.Tables().Reports)
	}
	insert := func(ctx context.Context, sl *slice, t pipeline.Table) error {
		return sl.store.InsertColumns(ctx, store.TableReports, t.Columns, t.Values, t.Len)
	}
	quorum := func(ctx context.Context) context.Context {
		return clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{"insert_quorum": 2}))
	}
	for b.Loop() {
		b.StopTimer()
		plain, withQuorum, concurrent := newSlice(b, false), newSlice(b, false), newSlice(b, false)
		var tPlain, tQuorum []time.Duration
		ctx := context.Background()
		for _, r := range recs {
			start := time.Now()
			if err := insert(ctx, plain, r); err != nil {
				b.Fatal(err)
			}
			tPlain = append(tPlain, time.Since(start))
			start = time.Now()
			if err := insert(quorum(ctx), withQuorum, r); err != nil {
				b.Fatal(err)
			}
			tQuorum = append(tQuorum, time.Since(start))
		}
		var mu sync.Mutex
		refused, other := 0, 0
		var wg sync.WaitGroup
		for w := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(recs); i += 2 {
					err := insert(quorum(ctx), concurrent, recs[i])
					mu.Lock()
					switch {
					case err == nil:
					case strings.Contains(err.Error(), "code: 286"): // UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE
						refused++
					default:
						other++
						b.Logf("concurrent quorum insert: %v", err)
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		for name, ts := range map[string][]time.Duration{"plain": tPlain, "quorum": tQuorum} {
			var sum time.Duration
			for _, d := range ts {
				sum += d
			}
			sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
			b.ReportMetric(float64(ts[len(ts)/2].Milliseconds()), name+"-p50-ms")
			b.ReportMetric(float64(ts[len(ts)-1].Milliseconds()), name+"-max-ms")
			b.ReportMetric(float64(batch*len(ts))/sum.Seconds(), name+"-rows/s")
		}
		b.ReportMetric(float64(refused), "concurrent-refused")
		b.ReportMetric(float64(other), "concurrent-other-errors")
		b.ReportMetric(float64(len(recs)), "concurrent-inserts")
		b.StartTimer()
	}
}
