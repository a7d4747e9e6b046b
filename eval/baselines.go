package eval

import (
	"math"
	"time"

	"github.com/ecowatch/ecowatch/alerts/cluster"
	"github.com/ecowatch/ecowatch/basin"
)

// Baselines are what ecowatch's detectors are measured against, on the same series:
// FixedThreshold, PlainPoisson, EARSC2 and OldWatershed. A scan computes its statistic once
// per run and serves it at several thresholds (the threshold giving the same false-warning
// rate as ecowatch is found on the same run).

// scan is a baseline's statistic of every series at a run, computed once per run time and kept
// for the baselines that read it at their thresholds. The evaluation calls it in time order.
type scan struct {
	compute func(series []cluster.Series, now time.Time) []cluster.Signal
	runs    map[time.Time][]cluster.Signal
}

func (s *scan) at(series []cluster.Series, now time.Time) []cluster.Signal {
	if s.runs == nil {
		s.runs = map[time.Time][]cluster.Signal{}
	}
	sigs, ok := s.runs[now]
	if !ok {
		sigs = s.compute(series, now)
		s.runs[now] = sigs
	}
	return sigs
}

// PlainPoisson is the plain baseline the issue-18 review compared ecowatch with: distinct
// reporters per area and category (the same series), windows of 6, 24 and 72 h ending at the
// run, a Poisson tail probability of the window's count against the area's own average rate,
// and one p-value threshold for every test. No neighbours, no time of day, no season, no
// overdispersion, no minimum count.
//
// The area's rate is its count of the category over the eight weeks before the longest
// window, plus one report (so that an area without history is not infinitely surprised),
// divided by the hours of those weeks; it is taken once a day.
type PlainPoisson struct {
	// Threshold: a test signals when P(X ≥ observed) < Threshold.
	Threshold float64
	scan      *scan
}

// NewPlainPoisson returns the plain test at each threshold, sharing one scan.
func NewPlainPoisson(thresholds ...float64) []PlainPoisson {
	maxT := 0.0
	for _, t := range thresholds {
		maxT = math.Max(maxT, t)
	}
	rates := map[seriesKey][2]float64{} // → (day, rate)
	sc := &scan{compute: func(series []cluster.Series, now time.Time) []cluster.Signal {
		return plainSignals(series, now, maxT, rates)
	}}
	out := make([]PlainPoisson, len(thresholds))
	for i, t := range thresholds {
		out[i] = PlainPoisson{Threshold: t, scan: sc}
	}
	return out
}

// Detect returns the strongest signal of every series beyond the threshold.
func (p PlainPoisson) Detect(series []cluster.Series, now time.Time) []cluster.Signal {
	if p.scan == nil {
		p = NewPlainPoisson(p.Threshold)[0]
	}
	var out []cluster.Signal
	for _, s := range p.scan.at(series, now) {
		if s.PValue < p.Threshold {
			s.Threshold = p.Threshold
			out = append(out, s)
		}
	}
	return out
}

var plainWindows = []int64{6, 24, 72}

const plainHistoryHours = 8 * 7 * 24

func plainSignals(series []cluster.Series, now time.Time, threshold float64, rates map[seriesKey][2]float64) []cluster.Signal {
	nowH := hourOf(now)
	if now.Unix() > nowH*3600 {
		nowH++ // the partial hour counts
	}
	day := float64(nowH / 24)
	var out []cluster.Signal
	for i := range series {
		s := &series[i]
		base := hourOf(s.Start)
		sum := func(from, to int64) float64 {
			x := 0.0
			for h := max(from, base); h < min(to, base+int64(len(s.Counts))); h++ {
				x += float64(s.Counts[h-base])
			}
			return x
		}
		key := seriesKey{s.Area, s.Category}
		r, ok := rates[key]
		if !ok || r[0] != day {
			guard := nowH - plainWindows[len(plainWindows)-1]
			r = [2]float64{day, (sum(guard-plainHistoryHours, guard) + 1) / plainHistoryHours}
			rates[key] = r
		}
		var best cluster.Signal
		for _, wh := range plainWindows {
			x := sum(nowH-wh, nowH)
			if x == 0 {
				continue
			}
			mu := r[1] * float64(wh)
			pv := poissonTail(x, mu)
			if pv < threshold && (best.Areas == nil || pv < best.PValue) {
				best = cluster.Signal{Areas: []string{s.Area}, Category: s.Category, WindowStart: timeOf(nowH - wh), WindowEnd: now,
					Observed: x, Expected: mu, PValue: pv}
			}
		}
		if best.Areas != nil {
			out = append(out, best)
		}
	}
	return out
}

// poissonTail is P(X ≥ x) for a Poisson mean mu, x ≥ 1.
func poissonTail(x, mu float64) float64 {
	k := int(x)
	if float64(k) > mu {
		lg, _ := math.Lgamma(float64(k) + 1)
		term := math.Exp(float64(k)*math.Log(mu) - mu - lg)
		sum := term
		for j := k + 1; j < k+1000; j++ {
			term *= mu / float64(j)
			sum += term
			if term < sum*1e-16 {
				break
			}
		}
		return math.Min(1, sum)
	}
	term := math.Exp(-mu)
	cdf := term
	for j := 1; j < k; j++ {
		term *= mu / float64(j)
		cdf += term
	}
	return math.Max(0, 1-cdf)
}

// EARSC2 is the CDC's EARS C2 on hourly runs: the distinct reporters of the last 24 hours
// against the mean and standard deviation of the seven 24-hour periods before a two-day guard,
// a signal when (x − mean) / max(sd, 0.5) exceeds Threshold.
type EARSC2 struct {
	Threshold float64
	scan      *scan
}

// NewEARSC2 returns EARS C2 at each threshold, sharing one scan.
func NewEARSC2(thresholds ...float64) []EARSC2 {
	minT := math.Inf(1)
	for _, t := range thresholds {
		minT = math.Min(minT, t)
	}
	sc := &scan{compute: func(series []cluster.Series, now time.Time) []cluster.Signal { return earsSignals(series, now, minT) }}
	out := make([]EARSC2, len(thresholds))
	for i, t := range thresholds {
		out[i] = EARSC2{Threshold: t, scan: sc}
	}
	return out
}

// Detect returns a signal for every series beyond the threshold.
func (e EARSC2) Detect(series []cluster.Series, now time.Time) []cluster.Signal {
	if e.scan == nil {
		e = NewEARSC2(e.Threshold)[0]
	}
	var out []cluster.Signal
	for _, s := range e.scan.at(series, now) {
		if s.Statistic > e.Threshold {
			out = append(out, s)
		}
	}
	return out
}

func earsSignals(series []cluster.Series, now time.Time, threshold float64) []cluster.Signal {
	nowH := hourOf(now)
	if now.Unix() > nowH*3600 {
		nowH++
	}
	var out []cluster.Signal
	for i := range series {
		s := &series[i]
		base := hourOf(s.Start)
		sum := func(from, to int64) float64 {
			x := 0.0
			for h := max(from, base); h < min(to, base+int64(len(s.Counts))); h++ {
				x += float64(s.Counts[h-base])
			}
			return x
		}
		x := sum(nowH-24, nowH)
		if x == 0 {
			continue
		}
		var b [7]float64
		mean := 0.0
		for d := range b {
			end := nowH - 24 - 48 - int64(24*d)
			b[d] = sum(end-24, end)
			mean += b[d] / 7
		}
		v := 0.0
		for _, y := range b {
			v += (y - mean) * (y - mean) / 6
		}
		z := (x - mean) / math.Max(math.Sqrt(v), 0.5)
		if z > threshold {
			out = append(out, cluster.Signal{Areas: []string{s.Area}, Category: s.Category, WindowStart: timeOf(nowH - 24), WindowEnd: now,
				Observed: x, Expected: mean, Statistic: z})
		}
	}
	return out
}

// OldWatershed is the watershed test before issue 18, for a same-run comparison: a strong
// signal at one unit (0.5 false warnings per 1,000 unit-weeks) or weaker ones (20 per 1,000)
// at two or more units that follow each other down one river, in windows ending at the run.
type OldWatershed struct {
	strong, weak *cluster.Detector
	basins       *basin.Topology
}

// NewOldWatershed builds the old test.
func NewOldWatershed() (*OldWatershed, error) {
	strong, err := cluster.NewDetector(cluster.Config{MaxNeighbours: -1}, nil, nil)
	if err != nil {
		return nil, err
	}
	weak, err := cluster.NewDetector(cluster.Config{MaxNeighbours: -1, FalseWarningRate: 20}, nil, nil)
	if err != nil {
		return nil, err
	}
	return &OldWatershed{strong: strong, weak: weak, basins: basin.Default()}, nil
}

// Detect returns the strong signals and, for every chain of units with weak signals that
// follow each other down a river, one signal naming the chain.
func (o *OldWatershed) Detect(series []cluster.Series, now time.Time) []cluster.Signal {
	out := o.strong.Detect(series, now)
	weak := map[string]cluster.Signal{}
	for _, s := range o.weak.Detect(series, now) {
		weak[s.Areas[0]] = s
	}
	for code, s := range weak {
		for _, u := range o.basins.UnitsOf(code) {
			if u.Downstream == "" {
				continue
			}
			if d, ok := weak[u.Downstream]; ok {
				out = append(out, cluster.Signal{Areas: []string{code, u.Downstream}, Category: s.Category,
					WindowStart: minTime(s.WindowStart, d.WindowStart), WindowEnd: now, Observed: s.Observed + d.Observed,
					Expected: s.Expected + d.Expected, PValue: math.Min(s.PValue, d.PValue)})
			}
		}
	}
	return out
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
