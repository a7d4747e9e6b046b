package simulate

import (
	"context"
	"testing"

	"github.com/ecowatch/ecowatch/region"
)

// discardSink counts what it is given.
type discardSink struct{ msgs, bytes int }

func (s *discardSink) Write(_ context.Context, msgs []Message) error {
	s.msgs += len(msgs)
	for i := range msgs {
		s.bytes += len(msgs[i].Value)
	}
	return nil
}

func benchmarkRun(b *testing.B, cfg Config) {
	b.ReportAllocs()
	var reports, msgs, size int
	for i := 0; i < b.N; i++ {
		sink := &discardSink{}
		truth, err := Run(context.Background(), cfg, sink)
		if err != nil {
			b.Fatal(err)
		}
		reports, msgs, size = truth.Totals.Reports, sink.msgs, sink.bytes
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(reports), "reports/op")
	b.ReportMetric(float64(msgs), "msgs/op")
	b.ReportMetric(float64(size)/1e6, "MB/op")
	b.ReportMetric(float64(reports)/sec, "reports/s")
}

// BenchmarkYearNation generates one year of national volume (about 500,000 reports and their
// case events) into a sink that discards it.
func BenchmarkYearNation(b *testing.B) {
	benchmarkRun(b, Config{From: date(2025, 1, 1), To: date(2026, 1, 1), Seed: 1})
}

// BenchmarkMonthProvince generates one month of 广东.
func BenchmarkMonthProvince(b *testing.B) {
	benchmarkRun(b, Config{From: date(2025, 3, 1), To: date(2025, 4, 1), Scope: region.MustScope("440000"), Seed: 1})
}
