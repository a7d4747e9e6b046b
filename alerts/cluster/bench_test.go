package cluster_test

import (
	"sync"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/alerts/cluster"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/eval"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/simulate"
)

// The benchmarks run the detector on the simulator's stream (package eval builds its series);
// they are an external test package so that package cluster itself never links the simulator.

func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, calendar.Shanghai)
}

// simulateStream runs the simulator and builds the series of distinct reporters.
func simulateStream(t testing.TB, cfg simulate.Config) *eval.SimulatedStream {
	t.Helper()
	st, err := eval.NewSimulatedStream(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

var (
	nationOnce   sync.Once
	nationStream *eval.SimulatedStream
)

// nationFixture is ten weeks of the whole country from the simulator: 2,851 areas, eight
// categories, the default national volume.
func nationFixture(b testing.TB) *eval.SimulatedStream {
	nationOnce.Do(func() {
		nationStream = simulateStream(b, simulate.Config{From: day(2025, 3, 1), To: day(2025, 5, 12), Seed: 3})
	})
	return nationStream
}

// fullGrid returns the series with an all-zero series added for every area and category
// that has none: 2,854 areas × 8 categories.
func fullGrid(series []cluster.Series) []cluster.Series {
	out := append([]cluster.Series(nil), series...)
	have := map[[2]string]bool{}
	for _, s := range series {
		have[[2]string{s.Area, s.Category}] = true
	}
	for _, d := range region.Default().Leaves("") {
		for _, c := range contract.Categories {
			if !have[[2]string{d.Code, c}] {
				out = append(out, cluster.Series{Area: d.Code, Category: c, Start: series[0].Start, Counts: make([]float32, len(series[0].Counts))})
			}
		}
	}
	return out
}

// BenchmarkDetectNation is one detection cycle for the whole nation: all 2,854 areas × 8
// categories (22,832 series, ten weeks of hourly counts each: eight weeks of history, the
// guard and the windows), all (zone × window × category) tests.
func BenchmarkDetectNation(b *testing.B) {
	st := nationFixture(b)
	det, err := cluster.NewDetector(cluster.Config{}, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	now := day(2025, 5, 11).Add(15*time.Hour + 5*time.Minute)
	series := fullGrid(st.At(now))
	res := det.Run(series, now) // warm the neighbour cache
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res = det.Run(series, now)
	}
	b.ReportMetric(float64(len(series)), "series")
	b.ReportMetric(float64(res.Tests), "tests")
	b.ReportMetric(float64(len(res.Signals)), "signals")
}

var (
	provinceOnce   sync.Once
	provinceStream *eval.SimulatedStream
)

func provinceFixture(b testing.TB) *eval.SimulatedStream {
	provinceOnce.Do(func() {
		provinceStream = simulateStream(b, simulate.Config{From: day(2025, 3, 1), To: day(2025, 5, 12), Scope: region.MustScope("440000"), Seed: 3})
	})
	return provinceStream
}

// BenchmarkDetectProvince is one cycle for 广东 (124 areas), the size of the evaluation runs.
func BenchmarkDetectProvince(b *testing.B) {
	st := provinceFixture(b)
	det, err := cluster.NewDetector(cluster.Config{}, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	now := day(2025, 5, 11).Add(15 * time.Hour)
	series := st.At(now)
	det.Run(series, now)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		det.Run(series, now)
	}
}
