package pipeline

import (
	"context"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/simulate"
)

// reportValues is the simulator's valid reports.v1 messages, up to a limit.
type reportValues struct {
	limit int
	vals  [][]byte
}

func (s *reportValues) Write(_ context.Context, msgs []simulate.Message) error {
	for _, m := range msgs {
		if m.Topic == simulate.TopicReports && !strings.HasPrefix(m.Key, "bad-") && len(s.vals) < s.limit {
			s.vals = append(s.vals, m.Value)
		}
	}
	return nil
}

func simulatedValues(b *testing.B, n int) [][]byte {
	sink := &reportValues{limit: n}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, calendar.Shanghai)
	cfg := simulate.Config{From: from, To: from.AddDate(0, 0, n*365/simulate.NationReportsPerYear+10), Seed: 99, MalformedShare: -1}
	if _, err := simulate.Run(context.Background(), cfg, sink); err != nil {
		b.Fatal(err)
	}
	if len(sink.vals) < n {
		b.Fatalf("simulator gave %d reports, want %d", len(sink.vals), n)
	}
	return sink.vals
}

// processCPU is the CPU time of the whole process (every thread, the garbage collector's
// included): on a loaded machine a benchmark's wall time says little, its CPU time does.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReportPath is ingest's per-message work on realistic reports, without Kafka or
// ClickHouse: decoding and validation, then normalisation, enrichment, redaction, sealing and
// the archive into a batch of 5,000 (reused, as ingest does), and the batch's tables.
// cpu-µs/report is the process's CPU time per report.
func BenchmarkReportPath(b *testing.B) {
	vals := simulatedValues(b, 5000)
	p := newPipeline(b)
	p.Now = nil
	v := newValidator()
	runtime.GC() // the simulator's garbage is not the path's
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	batch := p.NewBatch()
	for i := 0; i < b.N; i++ {
		batch.Reset() // as ingest reuses its batches
		for off, val := range vals {
			r, err := v.DecodeReport(val)
			if err != nil {
				b.Fatal(err)
			}
			batch.AddReport(Source{Topic: "reports.v1", Partition: off % 4, Offset: int64(off), Key: []byte(r.ReportID), Value: val}, r)
		}
		_ = batch.Tables()
	}
	used := processCPU() - cpu
	b.ReportMetric(float64(used.Microseconds())/float64(b.N*len(vals)), "cpu-µs/report")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(vals)), "µs/report")
}

// BenchmarkDecodeReport is decoding and validation alone.
func BenchmarkDecodeReport(b *testing.B) {
	vals := simulatedValues(b, 5000)
	v := newValidator()
	runtime.GC() // the simulator's garbage is not the path's
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for i := 0; i < b.N; i++ {
		if _, err := v.DecodeReport(vals[i%len(vals)]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((processCPU()-cpu).Nanoseconds())/float64(b.N)/1000, "cpu-µs/report")
}

// BenchmarkAddReport is the batch's work alone on decoded reports: normalisation, enrichment,
// redaction, sealing, the archive, into a reused batch of 5,000.
func BenchmarkAddReport(b *testing.B) {
	vals := simulatedValues(b, 5000)
	p := newPipeline(b)
	p.Now = nil
	v := newValidator()
	reports := make([]*contract.Report, len(vals))
	for i, val := range vals {
		r, err := v.DecodeReport(val)
		if err != nil {
			b.Fatal(err)
		}
		reports[i] = r
	}
	batch := p.NewBatch()
	runtime.GC()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%len(reports) == 0 {
			batch.Reset()
		}
		off := i % len(reports)
		batch.AddReport(Source{Topic: "reports.v1", Partition: off % 4, Offset: int64(off), Key: []byte(reports[off].ReportID), Value: vals[off]}, reports[off])
	}
}
