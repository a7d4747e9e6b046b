package cluster

import (
	"sync"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/simulate"
)

var (
	nationOnce   sync.Once
	nationStream *SimulatedStream
)

// nationFixture is ten weeks of the whole country from the simulator: 2,851 areas, eight
// categories, the default national volume.
func nationFixture(b testing.TB) *SimulatedStream {
	nationOnce.Do(func() {
		nationStream = simulateStream(b, simulate.Config{From: day(2025, 3, 1), To: day(2025, 5, 12), Seed: 3})
	})
	return nationStream
}

// fullGrid returns the series with an all-zero series added for every area and category
// that has none: 2,854 areas × 8 categories.
func fullGrid(series []Series) []Series {
	out := append([]Series(nil), series...)
	have := map[seriesKey]bool{}
	for _, s := range series {
		have[seriesKey{s.Area, s.Category}] = true
	}
	for _, d := range region.Default().Leaves("") {
		for _, c := range contract.Categories {
			if !have[seriesKey{d.Code, c}] {
				out = append(out, Series{Area: d.Code, Category: c, Start: series[0].Start, Counts: make([]float32, len(series[0].Counts))})
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
	det, err := NewDetector(Config{}, nil, nil)
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
	provinceStream *SimulatedStream
)

func provinceFixture(b testing.TB) *SimulatedStream {
	provinceOnce.Do(func() {
		provinceStream = simulateStream(b, simulate.Config{From: day(2025, 3, 1), To: day(2025, 5, 12), Scope: region.MustScope("440000"), Seed: 3})
	})
	return provinceStream
}

// BenchmarkDetectProvince is one cycle for 广东 (124 areas), the size of the evaluation runs.
func BenchmarkDetectProvince(b *testing.B) {
	st := provinceFixture(b)
	det, err := NewDetector(Config{}, nil, nil)
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
