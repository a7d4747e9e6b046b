package integration

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/internal/testenv"
	"github.com/ecowatch/ecowatch/simulate"
)

// reportSink keeps the simulator's valid reports.v1 messages, up to a limit.
type reportSink struct {
	limit int
	msgs  []kafka.Message
	bytes int
}

func (s *reportSink) Write(_ context.Context, msgs []simulate.Message) error {
	for _, m := range msgs {
		if m.Topic == simulate.TopicReports && !strings.HasPrefix(m.Key, "bad-") && len(s.msgs) < s.limit {
			s.msgs = append(s.msgs, kafka.Message{Key: []byte(m.Key), Value: m.Value})
			s.bytes += len(m.Value)
		}
	}
	return nil
}

// simulatedReports returns n realistic national reports from the simulator.
func simulatedReports(b *testing.B, n int) *reportSink {
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
	return sink
}

// BenchmarkIngestThroughput measures end-to-end ingest: 200,000 realistic reports already in
// Kafka, consumed by the ecowatch binary into ClickHouse. It reports reports/s from first fetch
// to last commit and the ingest process's peak resident memory.
func BenchmarkIngestThroughput(b *testing.B) {
	const n = 200_000
	sink := simulatedReports(b, n)
	bin := testenv.Binary(b)
	for b.Loop() {
		b.StopTimer()
		env := testenv.New(b)
		env.Produce(b, env.Config.Kafka.TopicReports, sink.msgs...)
		b.StartTimer()
		cmd := exec.Command(bin, "ingest", "--until-idle", "3s")
		cmd.Env = processEnv(env) // default batching: 16,000 messages or 1 s
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("ingest: %v\n%s", err, out)
		}
		b.StopTimer()
		if got := count(b, env, "SELECT count() FROM reports_latest"); got != n {
			b.Fatalf("%d reports in ClickHouse, want %d", got, n)
		}
		// The process reports its own peak RSS (VmHWM): rusage's Maxrss of a child would count
		// the parent's pages at fork, and this parent holds the 200,000 messages.
		var rate, peak float64
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		for sc.Scan() {
			fmt.Sscanf(sc.Text(), "ingest: %f messages/s", &rate)
			fmt.Sscanf(sc.Text(), "ingest: peak memory %f MiB", &peak)
		}
		if rate == 0 || peak == 0 {
			b.Fatalf("ingest printed no throughput or peak memory:\n%s", out)
		}
		b.ReportMetric(rate, "reports/s")
		b.ReportMetric(peak, "peak-MiB")
		b.ReportMetric(float64(sink.bytes)/float64(n), "bytes/report")
		b.StartTimer()
	}
}

// BenchmarkProduceToVisibleLatency produces reports at a steady 2,000/s for 10 s while ingest
// runs with its default batching, and measures for each report the time from the producer's
// acknowledgement to the report being readable in ClickHouse (polled every 25 ms).
func BenchmarkProduceToVisibleLatency(b *testing.B) {
	const rate, seconds = 2000, 10
	sink := simulatedReports(b, rate*seconds)
	bin := testenv.Binary(b)
	for b.Loop() {
		b.StopTimer()
		env := testenv.New(b)
		cmd := exec.Command(bin, "ingest")
		cmd.Env = processEnv(env)
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		// Let the consumer join its group before measuring.
		warm, _ := reportMsg(999999, 1)
		env.Produce(b, env.Config.Kafka.TopicReports, warm)
		for count(b, env, "SELECT count() FROM reports") == 0 {
			time.Sleep(50 * time.Millisecond)
		}
		var acks testenv.Acks
		visible := make(map[string]time.Duration, len(sink.msgs))
		done := make(chan struct{})
		var produceErr error // the producer's; read after done is closed
		go func() {
			defer close(done)
			w := env.Broker.Writer(env.Config.Kafka.TopicReports)
			w.BatchTimeout = time.Millisecond
			defer w.Close()
			produceErr = acks.ProducePaced(w, sink.msgs, rate)
		}()
		deadline := time.Now().Add(time.Duration(seconds+30) * time.Second)
		for len(visible) < len(sink.msgs) && time.Now().Before(deadline) {
			time.Sleep(25 * time.Millisecond)
			if err := acks.Visible(context.Background(), env.Store.Conn(), visible); err != nil {
				b.Fatal(err)
			}
		}
		<-done
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			b.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			b.Fatalf("ingest did not stop cleanly: %v", err)
		}
		b.StopTimer()
		if produceErr != nil {
			b.Fatal(produceErr)
		}
		if len(visible) < len(sink.msgs) {
			b.Fatalf("only %d of %d reports became visible", len(visible), len(sink.msgs))
		}
		lat := make([]time.Duration, 0, len(visible))
		for _, d := range visible {
			lat = append(lat, d)
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		b.ReportMetric(float64(lat[len(lat)/2].Milliseconds()), "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Milliseconds()), "p99-ms")
		b.StartTimer()
	}
}
