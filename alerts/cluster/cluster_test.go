package cluster

import (
	"math"
	"math/rand/v2"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/region"
)

func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, calendar.Shanghai)
}

func near(t *testing.T, what string, got, want, rel float64) {
	t.Helper()
	if math.Abs(got-want) > rel*math.Abs(want) {
		t.Errorf("%s = %.6g, want %.6g (±%g%%)", what, got, want, rel*100)
	}
}

// Hand computations (exact sums, checked with mpmath at 40 digits).
func TestTailKnownValues(t *testing.T) {
	// Poisson(2): P(X ≥ 5) = 1 − e⁻²(1 + 2 + 2 + 4/3 + 2/3) = 1 − 7e⁻²
	near(t, "Poisson(2) P(X≥5)", dist{2, 0}.tail(5), 1-7*math.Exp(-2), 1e-12)
	// negative binomial, mean 2, size 2 (p = 1/2): P(X = k) = (k+1)/4 · 2⁻ᵏ, so P(X ≥ 5) = 7/64
	near(t, "NB(2, size 2) P(X≥5)", dist{2, 0.5}.tail(5), 7.0/64, 1e-12)
	// a far tail: Poisson(0.01) P(X ≥ 4) = e^−0.01 Σ_{k≥4} 0.01ᵏ/k!
	near(t, "Poisson(0.01) P(X≥4)", dist{0.01, 0}.tail(4), 4.13347182626334e-10, 1e-9)
	// a large mean: Poisson(100) P(X ≥ 100)
	near(t, "Poisson(100) P(X≥100)", dist{100, 0}.tail(100), 0.5132987982791487, 1e-9)
	if p := (dist{3, 0.2}).tail(0); p != 1 {
		t.Errorf("P(X ≥ 0) = %g, want 1", p)
	}
	// the densities sum to one and agree with the log-density
	for _, d := range []dist{{0.001, 0}, {0.7, 0.3}, {35, 0.05}, {250, 0}} {
		p := d.pmfs(nil, 3)
		sum := 0.0
		for k, x := range p {
			sum += x
			if k < 40 && x > 1e-300 {
				near(t, "pmf vs logPMF", x, math.Exp(d.logPMF(k)), 1e-9)
			}
		}
		near(t, "Σ pmf", sum, 1, 1e-12)
	}
}

func TestQuantile999(t *testing.T) {
	// smallest c ≥ 1 with P(X > c) < 0.001 (mpmath)
	for _, c := range []struct{ mu, want float64 }{{0, 1}, {0.02, 1}, {0.1, 2}, {1, 5}, {5, 13}, {20, 35}} {
		if got := quantile999(c.mu); got != c.want {
			t.Errorf("quantile999(%g) = %g, want %g", c.mu, got, c.want)
		}
	}
}

// The false-onset probability of one test, by hand: mean 0.5 over a 6-hour window, so the new
// hour B has mean 0.5/6 and the rest A 0.5·5/6. At the loosest threshold (0.01) the critical
// count is 4 (P(X≥3) = 0.0144, P(X≥4) = 0.00175); onset(k) = Σ_j P(B ≥ j) P(A = k−j).
func TestOnsetHand(t *testing.T) {
	hist := make([]float64, binOf(thresholdMax)+1)
	var o onsets
	o.add(hist, 1, 0.5, 0, 6, 3)
	sum := 0.0
	upTo := func(p float64) float64 {
		s := 0.0
		for b := 0; b <= binOf(p); b++ {
			s += hist[b]
		}
		return s
	}
	for _, x := range hist {
		sum += x
	}
	near(t, "onset at the loosest threshold (k = 4)", sum, 0.0008496185381168832, 1e-9)
	near(t, "onset at t = P(X≥5) (k = 5)", upTo(0.00017211563), 0.00009803043628051248, 1e-9)
	// n tests of the same group count n times
	hist2 := make([]float64, len(hist))
	o.add(hist2, 3, 0.5, 0, 6, 3)
	total := 0.0
	for _, x := range hist2 {
		total += x
	}
	near(t, "three tests", total, 3*sum, 1e-12)
}

func TestAlphaMapping(t *testing.T) {
	// 0.5 false warnings per 1,000 area-weeks over 2,851 counties and 168 hours a week
	near(t, "alpha", Config{}.AlphaFor(2851), 0.5/1000*2851/168, 1e-12)
	near(t, "explicit alpha", Config{Alpha: 0.01}.AlphaFor(2851), 0.01, 1e-12)
	if _, err := NewDetector(Config{Windows: []time.Duration{90 * time.Minute}}, nil, nil); err == nil {
		t.Error("a window of 90 minutes was accepted")
	}
	if _, err := NewDetector(Config{MinCount: -1}, nil, nil); err == nil {
		t.Error("a negative min count was accepted")
	}
	d, err := NewDetector(Config{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := d.Config()
	if c.HistoryWeeks != 8 || len(c.Windows) != 5 || c.MinCount != 3 || c.NeighbourRadiusKm != 30 {
		t.Errorf("defaults: %+v", c)
	}
}

// world is a synthetic stream: real areas with Poisson counts at given hourly rates.
type world struct {
	start time.Time
	hours int
	areas []string
	rates map[string]float64 // reports per hour, before the time-of-day and day-class factors
	cats  []string
}

// testAreas: the districts of 深圳 (a city of ten million), the counties of 玉树 (青海,
// pastoral and sparse) and the districts and counties of 杭州.
func testAreas() (city, rural, mid []string) {
	t := region.Default()
	for _, d := range t.Leaves("440300") {
		city = append(city, d.Code)
	}
	for _, d := range t.Leaves("632700") {
		rural = append(rural, d.Code)
	}
	for _, d := range t.Leaves("330100") {
		mid = append(mid, d.Code)
	}
	return
}

func newWorld(now time.Time) *world {
	city, rural, mid := testAreas()
	w := &world{start: now.Add(-10 * 7 * 24 * time.Hour), hours: 10 * 7 * 24, rates: map[string]float64{}, cats: []string{"air", "noise", "water"}}
	for _, a := range city {
		w.areas = append(w.areas, a)
		w.rates[a] = 1.5 // about 36 a day in each category
	}
	for _, a := range rural {
		w.areas = append(w.areas, a)
		w.rates[a] = 0.003 // one report a fortnight
	}
	for _, a := range mid {
		w.areas = append(w.areas, a)
		w.rates[a] = 0.05
	}
	return w
}

// shape is the relative volume of an hour: office hours busier, nights quiet, rest days lower.
func shape(t time.Time, working bool) float64 {
	h := t.Hour()
	f := 0.3
	switch {
	case h >= 8 && h < 18:
		f = 1.8
	case h >= 18 && h < 23:
		f = 1
	}
	if !working {
		f *= 0.6
	}
	return f
}

func poisson(r *rand.Rand, mu float64) float32 {
	l := math.Exp(-mu)
	k, p := 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return float32(k)
		}
		k++
	}
}

// series draws the world's counts. Areas and categories get independent streams.
func (w *world) series(seed uint64) []Series {
	r := rand.New(rand.NewPCG(seed, 7))
	var out []Series
	for _, a := range w.areas {
		for _, c := range w.cats {
			s := Series{Area: a, Category: c, Start: w.start, Counts: make([]float32, w.hours)}
			for i := range s.Counts {
				t := w.start.Add(time.Duration(i) * time.Hour)
				working := t.Weekday() != time.Saturday && t.Weekday() != time.Sunday
				s.Counts[i] = poisson(r, w.rates[a]*shape(t, working))
			}
			out = append(out, s)
		}
	}
	return out
}

func find(series []Series, area, cat string) *Series {
	for i := range series {
		if series[i].Area == area && series[i].Category == cat {
			return &series[i]
		}
	}
	return nil
}

// plant adds n distinct reporters to a series in the hours just before now.
func plant(s *Series, now time.Time, n int, spread int) {
	last := int(now.Sub(s.Start) / time.Hour)
	for i := 0; i < n; i++ {
		s.Counts[last-1-i%spread]++
	}
}

// Every test of this file runs on a Tuesday afternoon in March 2025: no holiday nearby.
var testNow = day(2025, 3, 18).Add(16 * time.Hour)

func detector(t *testing.T) *Detector {
	t.Helper()
	d, err := NewDetector(Config{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// model runs the expectation model of a Detect call and returns the expected count of each
// window for an area and category.
func model(d *Detector, series []Series, now time.Time, area, cat string) (windows []float64, r *run) {
	r = d.newRun(series, now)
	r.scan()
	r.pooledModel()
	r.areaModel()
	g := r.areaIdx[area]*len(r.cats) + r.catIdx[cat]
	K := len(r.windows)
	return r.mu[g*(K+1) : g*(K+1)+K], r
}

// Expected counts on known inputs: constant hourly counts give exactly rate × hours.
func TestExpectedConstant(t *testing.T) {
	city, rural, _ := testAreas()
	start := testNow.Add(-10 * 7 * 24 * time.Hour)
	var series []Series
	rate := map[string]float32{}
	for i, a := range append(append([]string(nil), city...), rural...) {
		rate[a] = 0.25 * float32(i%3+1)
		s := Series{Area: a, Category: "air", Start: start, Counts: make([]float32, 10*7*24)}
		for j := range s.Counts {
			s.Counts[j] = rate[a]
		}
		series = append(series, s)
	}
	d := detector(t)
	for _, a := range []string{city[0], rural[1]} {
		mu, _ := model(d, series, testNow, a, "air")
		for k, w := range d.cfg.Windows {
			near(t, a+" "+w.String(), mu[k], float64(rate[a])*w.Hours(), 0.01)
		}
	}
}

// Working days, rest days and statutory holidays: the expectation follows the day class.
func TestExpectedDayClasses(t *testing.T) {
	city, _, _ := testAreas()
	now := day(2025, 5, 3) // 劳动节 holiday, 1–5 May 2025; the history holds 清明 (4–6 April)
	start := day(2025, 1, 1)
	cal := detector(t).cal
	var series []Series
	for _, a := range city {
		s := Series{Area: a, Category: "noise", Start: start, Counts: make([]float32, 130*24)}
		for j := range s.Counts {
			ts := start.Add(time.Duration(j) * time.Hour)
			working, _ := cal.IsWorkingDay(ts)
			switch {
			case cal.IsHoliday(ts):
				s.Counts[j] = 0.5
			case working:
				s.Counts[j] = 2
			default:
				s.Counts[j] = 1
			}
		}
		series = append(series, s)
	}
	d := detector(t)
	// 24 h window on 2 May, a holiday: between the holiday level (12) and the prior 0.8 ×
	// rest day (19.2), nearer the data
	mu, _ := model(d, series, now, city[0], "noise")
	if mu[2] < 12 || mu[2] > 16 {
		t.Errorf("24 h on a holiday: expected %.2f, want 12–16 (history 0.5 an hour on holidays)", mu[2])
	}
	// Sunday 16 March, a rest day, and Wednesday 19 March, a working day
	muRest, _ := model(d, series, day(2025, 3, 17), city[0], "noise")
	muWork, _ := model(d, series, day(2025, 3, 20), city[0], "noise")
	near(t, "24 h of a rest day", muRest[2], 24, 0.03)
	near(t, "24 h of a working day", muWork[2], 48, 0.03)
}

// A past cluster in the history barely moves the expectation: daily counts are capped.
func TestExpectedRobustToPastCluster(t *testing.T) {
	w := newWorld(testNow)
	series := w.series(1)
	d := detector(t)
	_, rural, _ := testAreas()
	area := rural[0]
	before, _ := model(d, series, testNow, area, "air")
	b := append([]float64(nil), before...)
	s := find(series, area, "air")
	burstDay := int(testNow.Add(-20*24*time.Hour).Sub(s.Start) / time.Hour)
	for i := 0; i < 30; i++ {
		s.Counts[burstDay+i%8]++
	}
	after, _ := model(d, series, testNow, area, "air")
	for k := range b {
		if after[k] > 1.5*b[k] {
			t.Errorf("window %d: expected %.4f after a past burst of 30, %.4f before", k, after[k], b[k])
		}
	}
	// without the cap the level would have grown about tenfold (30 on top of ~3)
}

// A flat stream raises nothing: 34 areas × 3 categories, city districts to pastoral counties,
// at every hour of two days.
func TestNoSignalOnFlatStream(t *testing.T) {
	w := newWorld(testNow)
	series := w.series(2)
	d := detector(t)
	for h := 0; h < 48; h++ {
		now := testNow.Add(-time.Duration(h) * time.Hour)
		if sigs := d.Detect(series, now); len(sigs) > 0 {
			t.Errorf("%s: %d signals on a flat stream, first %+v", now.Format(time.DateTime), len(sigs), sigs[0])
		}
	}
}

// A planted burst is found: eight distinct reporters in four hours in a county of 杭州.
func TestSignalOnPlantedBurst(t *testing.T) {
	w := newWorld(testNow)
	series := w.series(3)
	d := detector(t)
	_, _, mid := testAreas()
	area := mid[3] // 0.05 an hour, about 0.5 expected in six hours
	plant(find(series, area, "water"), testNow, 8, 4)
	res := d.Run(series, testNow)
	if len(res.Signals) != 1 {
		t.Fatalf("%d signals, want 1: %+v", len(res.Signals), res.Signals)
	}
	s := res.Signals[0]
	if s.Category != "water" || s.Areas[0] != area || s.Observed < 8 || !s.WindowEnd.Equal(testNow) {
		t.Errorf("signal %+v, want water in %s with at least 8 reporters ending now", s, area)
	}
	if !(s.PValue < s.Threshold) || s.Score <= 0 || s.Statistic <= 0 || s.Expected <= 0 {
		t.Errorf("evidence: p %g threshold %g score %g statistic %g expected %g", s.PValue, s.Threshold, s.Score, s.Statistic, s.Expected)
	}
	if res.Alpha <= 0 || res.Tests < len(w.areas)*3*5 || math.Abs(res.DesignedRate-0.5) > 1e-9 {
		t.Errorf("result figures: alpha %g tests %d designed rate %g", res.Alpha, res.Tests, res.DesignedRate)
	}
}

// One reporter sending fifty reports counts once, so no cluster; fifty different people would be one.
func TestOneReporterIsNoCluster(t *testing.T) {
	w := newWorld(testNow)
	series := w.series(4)
	_, _, mid := testAreas()
	area := mid[5]
	d := detector(t)
	build := func(reporter func(i int) string) []Series {
		b := NewBuilder(w.start, testNow, 0)
		for i := 0; i < 50; i++ {
			b.Add(area, "air", testNow.Add(-3*time.Hour+time.Duration(i)*time.Minute), reporter(i))
		}
		out := append([]Series(nil), series...)
		s := find(out, area, "air")
		planted := b.Series(area, "air")
		counts := append([]float32(nil), s.Counts...)
		for i, x := range planted.Counts {
			counts[i] += x
		}
		s.Counts = counts
		return out
	}
	one := build(func(int) string { return "tel:13800000000" })
	if got := sum(find(one, area, "air").Counts) - sum(find(series, area, "air").Counts); got != 1 {
		t.Fatalf("one reporter's 50 reports counted %g times, want 1", got)
	}
	if sigs := d.Detect(one, testNow); len(sigs) != 0 {
		t.Errorf("one reporter made %d signals: %+v", len(sigs), sigs)
	}
	many := build(func(int) string { return "" }) // fifty anonymous reports: fifty people
	if sigs := d.Detect(many, testNow); len(sigs) != 1 || sigs[0].Areas[0] != area {
		t.Errorf("fifty reporters: signals %+v, want one in %s", sigs, area)
	}
}

func sum(xs []float32) float64 {
	s := 0.0
	for _, x := range xs {
		s += float64(x)
	}
	return s
}

// A pastoral county (a report a fortnight) and a city district (dozens a day) are both handled:
// five reporters in the county are a cluster, five more in the district are not, forty are.
func TestRuralCountyAndCityDistrict(t *testing.T) {
	w := newWorld(testNow)
	d := detector(t)
	city, rural, _ := testAreas()

	series := w.series(5)
	muRural, _ := model(d, series, testNow, rural[2], "noise")
	muCity, _ := model(d, series, testNow, city[2], "noise")
	// 6 h before 16:00 on a working day: 10:00–16:00, shape 1.8
	near(t, "rural 6 h", muRural[0], 0.003*1.8*6, 0.6)
	near(t, "city 6 h", muCity[0], 1.5*1.8*6, 0.1)

	plant(find(series, rural[2], "noise"), testNow, 5, 5)
	sigs := d.Detect(series, testNow)
	if len(sigs) != 1 || sigs[0].Areas[0] != rural[2] {
		t.Errorf("five reporters in a pastoral county: signals %+v, want one", sigs)
	}

	series = w.series(5)
	plant(find(series, city[2], "noise"), testNow, 5, 5)
	if sigs := d.Detect(series, testNow); len(sigs) != 0 {
		t.Errorf("five more reporters in a city district: %d signals, want none: %+v", len(sigs), sigs)
	}
	plant(find(series, city[2], "noise"), testNow, 35, 5)
	sigs = d.Detect(series, testNow)
	if len(sigs) != 1 || !contains(sigs[0].Areas, city[2]) {
		t.Errorf("forty more reporters in a city district: signals %+v, want one", sigs)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Only data before now is read: counts at and after now change nothing.
func TestOnlyDataBeforeNow(t *testing.T) {
	w := newWorld(testNow.Add(48 * time.Hour))
	series := w.series(6)
	_, _, mid := testAreas()
	plant(find(series, mid[1], "air"), testNow, 6, 3)
	d := detector(t)
	want := d.Run(series, testNow)
	// junk from now on
	for i := range series {
		s := &series[i]
		for j := int(testNow.Sub(s.Start) / time.Hour); j < len(s.Counts); j++ {
			s.Counts[j] = 99
		}
	}
	got := d.Run(series, testNow)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("data after now changed the result:\n got %+v\nwant %+v", got, want)
	}
	if len(want.Signals) != 1 {
		t.Errorf("%d signals, want the planted one", len(want.Signals))
	}
	// a run between hours reads the partial hour up to now
	mid1 := testNow.Add(30 * time.Minute)
	s := find(series, mid[2], "noise")
	cur := int(testNow.Sub(s.Start) / time.Hour)
	for i := range series {
		for j := cur + 1; j < len(series[i].Counts); j++ {
			series[i].Counts[j] = 0
		}
		series[i].Counts[cur] = 0
	}
	s.Counts[cur] = 10
	sigs := d.Detect(series, mid1)
	found := false
	for _, sg := range sigs {
		found = found || sg.Areas[0] == mid[2] && sg.Category == "noise" && sg.WindowEnd.Equal(mid1)
	}
	if !found {
		t.Errorf("ten reporters in the current partial hour: signals %+v", sigs)
	}
}

func TestMergeSignals(t *testing.T) {
	at := testNow
	sig := func(cat string, p float64, areas ...string) Signal {
		return Signal{Areas: areas, Category: cat, WindowStart: at.Add(-6 * time.Hour), WindowEnd: at, PValue: p}
	}
	got := mergeSignals([]Signal{
		sig("air", 1e-7, "a", "b"),
		sig("air", 1e-9, "b"),      // strongest: keeps b
		sig("air", 1e-8, "c", "a"), // shares nothing with b: kept
		sig("air", 1e-6, "a"),      // overlaps c+a
		sig("noise", 1e-6, "b"),    // another category
	})
	var ps []float64
	for _, s := range got {
		ps = append(ps, s.PValue)
	}
	if !reflect.DeepEqual(ps, []float64{1e-9, 1e-8, 1e-6}) || got[2].Category != "noise" {
		t.Errorf("merged: %+v", got)
	}
}

func TestBuilder(t *testing.T) {
	start := day(2025, 3, 1)
	b := NewBuilder(start, start.Add(10*24*time.Hour), 72*time.Hour)
	at := start.Add(30 * time.Hour)
	if h := b.Add("440305", "air", at, "tel:1"); h != 30 {
		t.Errorf("first report counted in hour %d, want 30", h)
	}
	if h := b.Add("440305", "air", at.Add(71*time.Hour), "tel:1"); h != -1 {
		t.Error("the same reporter counted twice within the horizon")
	}
	if h := b.Add("440305", "noise", at, "tel:1"); h != 30 {
		t.Error("the same reporter not counted in another category")
	}
	if h := b.Add("440305", "air", at.Add(73*time.Hour), "tel:1"); h != 103 {
		t.Errorf("the same reporter after the horizon: hour %d, want 103", h)
	}
	b.Add("440305", "air", at, "")
	b.Add("440305", "air", at, "")
	if h := b.Add("440305", "air", start.Add(-time.Minute), "tel:2"); h != -1 {
		t.Error("a report before the start was counted")
	}
	all := b.All()
	if len(all) != 2 || all[0].Category != "air" || all[0].Counts[30] != 3 || all[0].Counts[103] != 1 {
		t.Errorf("series %+v", all)
	}
}

// Tiny inputs work on machines with many processors, and a category without any history
// still has a small expectation against which its first reports are judged.
func TestTinyInput(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	d := detector(t)
	if res := d.Run(nil, testNow); len(res.Signals) != 0 || res.Areas != 0 {
		t.Errorf("no series: %+v", res)
	}
	start := testNow.Add(-10 * 7 * 24 * time.Hour)
	quiet := Series{Area: "632726", Category: "air", Start: start, Counts: make([]float32, 10*7*24)}
	for i := 0; i < len(quiet.Counts); i += 200 {
		quiet.Counts[i] = 1
	}
	fresh := Series{Area: "632726", Category: "radiation", Start: start, Counts: make([]float32, 10*7*24)}
	plant(&fresh, testNow, 5, 3)
	sigs := d.Detect([]Series{quiet, fresh}, testNow)
	if len(sigs) != 1 || sigs[0].Category != "radiation" || sigs[0].Expected <= 0 {
		t.Errorf("five reporters in a category never seen: %+v", sigs)
	}
}

// A path along a river: four reporters at each of three areas, each group when the water passed
// (the upstream one two days ago, the middle one a day ago, the front now). No area alone is
// surprising enough; the path with the right lags is, and its signal names the stops and lags.
func TestPathWithLags(t *testing.T) {
	w := newWorld(testNow)
	_, _, mid := testAreas()
	up, middle, front := mid[0], mid[1], mid[2]
	series := w.series(11)
	for _, p := range []struct {
		area string
		back int
	}{{up, 48}, {middle, 24}, {front, 0}} {
		s := find(series, p.area, "water")
		last := int(testNow.Sub(s.Start)/time.Hour) - p.back
		for i := 0; i < 4; i++ {
			s.Counts[last-1-i]++
		}
	}
	path := Path{Stops: []Stop{{up, 48 * time.Hour}, {middle, 24 * time.Hour}, {front, 0}}}
	onPath := func(sigs []Signal) *Signal {
		for i, s := range sigs {
			if s.Category == "water" && (s.Areas[0] == up || s.Areas[0] == middle || s.Areas[0] == front || len(s.Areas) > 1 && s.Areas[len(s.Areas)-1] == front) {
				return &sigs[i]
			}
		}
		return nil
	}
	plain := detector(t)
	if s := onPath(plain.Detect(series, testNow)); s != nil {
		t.Fatalf("without the path, a signal: %+v", *s)
	}
	d, err := NewDetector(Config{MaxNeighbours: -1, Paths: []Path{path}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := onPath(d.Detect(series, testNow))
	if s == nil {
		t.Fatal("the path with its lags gives no signal")
	}
	if len(s.Areas) != 3 || s.Areas[2] != front || len(s.Lags) != 3 || s.Lags[0] != 48*time.Hour || s.Lags[2] != 0 {
		t.Errorf("path signal areas %v lags %v", s.Areas, s.Lags)
	}
	if s.Observed < 12 || s.WindowStart.After(testNow.Add(-48*time.Hour-6*time.Hour)) {
		t.Errorf("path signal observed %.0f from %v: want the 12 reporters and a window reaching back 54 h", s.Observed, s.WindowStart)
	}
	// the same stops without the lags (all at the front's time) see only the front's group
	flat := Path{Stops: []Stop{{up, 0}, {middle, 0}, {front, 0}}}
	d2, err := NewDetector(Config{MaxNeighbours: -1, Paths: []Path{flat}, Windows: []time.Duration{6 * time.Hour, 12 * time.Hour}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := onPath(d2.Detect(series, testNow)); s != nil {
		t.Errorf("a path without lags over 6–12 h windows signalled: %+v", *s)
	}
	if _, err := NewDetector(Config{Paths: []Path{{Stops: []Stop{{front, 90 * time.Minute}, {up, 0}}}}}, nil, nil); err == nil {
		t.Error("a lag of 90 minutes was accepted")
	}
	if _, err := NewDetector(Config{Paths: []Path{{Stops: []Stop{{front, 0}}}}}, nil, nil); err == nil {
		t.Error("a path of one stop was accepted")
	}
}
