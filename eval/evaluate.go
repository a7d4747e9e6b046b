package eval

import (
	"sort"
	"time"

	"github.com/ecowatch/ecowatch/alerts/cluster"
	"github.com/ecowatch/ecowatch/calendar"
)

// Source is anything that returns signals at a time: *cluster.Detector, FixedThreshold.
type Source interface {
	Detect(series []cluster.Series, now time.Time) []cluster.Signal
}

// Event is a known event of a stream (the simulator's ground truth): its type, category,
// places (finest divisions) and time span.
type Event struct {
	ID       string
	Type     string // "cluster" for the events whose detection is measured; others only excuse signals
	Category string
	Places   []string
	Onset    time.Time
	End      time.Time
}

// EvalOptions describe a prospective evaluation: the detector runs every Step from From to To
// on the series as they were known at each run.
type EvalOptions struct {
	From, To time.Time
	// Step between runs. Default 1 h.
	Step time.Duration
	// Areas is the number of areas under surveillance, for the rate per 1,000 area-weeks.
	Areas int
	// Target is the event type whose detection is measured. Default "cluster".
	Target string
	// Gap: signals of one category sharing an area, less than Gap apart, are one warning (a
	// warning stays open while its situation goes on). Default 24 h.
	Gap time.Duration
	// Series returns the series as known at now. It is called once per run, in time order.
	Series func(now time.Time) []cluster.Series
}

// EvalResult is the measured detection quality.
type EvalResult struct {
	Runs int
	// Events is the number of target events with onset in [From, To−72 h); Detected24 and
	// Detected72 those with a matching signal within 24 h and 72 h of onset. A signal
	// matches an event when it has the event's category, shares an area with the event's
	// places, and its window overlaps the event's span.
	Events, Detected24, Detected72 int
	// Delays from onset to the first matching signal, of the events detected within 72 h,
	// in event order; MedianDelay is their median.
	Delays      []time.Duration
	MedianDelay time.Duration
	// Missed lists the target events not detected within 72 h; Found the first matching
	// signal of each detected one.
	Missed []string
	Found  []Found
	// Warnings is the number of warnings (runs of overlapping signals, see Gap);
	// FalseWarnings those of them that match no known event of any type; Other those that
	// match only events of other types (watershed incidents, emergencies, repeat targets).
	Warnings, FalseWarnings, Other int
	// FalseSignals holds the first signal of each false warning, for inspection.
	FalseSignals []cluster.Signal
	// AreaWeeks is Areas × the weeks from From to To; FalsePer1000 the false warnings per
	// 1,000 area-weeks.
	AreaWeeks, FalsePer1000 float64
	// Detect is the total time spent in the detector.
	Detect time.Duration
}

// Found is the first signal that matched a target event.
type Found struct {
	Event  string
	Delay  time.Duration
	Signal cluster.Signal
}

// warning is an open run of overlapping signals.
type warning struct {
	category string
	areas    map[string]bool
	last     time.Time
	first    cluster.Signal
	target   bool // matched a target event
	other    bool // matched an event of another type
}

// Evaluate runs src prospectively and measures it against the known events. It is pure: the
// caller supplies the series at each run.
func Evaluate(src Source, events []Event, opt EvalOptions) EvalResult {
	if opt.Step <= 0 {
		opt.Step = time.Hour
	}
	if opt.Target == "" {
		opt.Target = "cluster"
	}
	if opt.Gap <= 0 {
		opt.Gap = 24 * time.Hour
	}
	var res EvalResult
	last := opt.To.Add(-72 * time.Hour)
	first := map[int]time.Time{} // event index → first matching run
	firstSig := map[int]cluster.Signal{}
	var targets []int
	for i, ev := range events {
		if ev.Type == opt.Target && !ev.Onset.Before(opt.From) && ev.Onset.Before(last) {
			targets = append(targets, i)
		}
	}
	byCat := map[string][]int{}
	for i, ev := range events {
		byCat[ev.Category] = append(byCat[ev.Category], i)
	}
	var all []*warning
	var open []*warning
	for now := opt.From; now.Before(opt.To); now = now.Add(opt.Step) {
		series := opt.Series(now)
		t0 := time.Now()
		sigs := src.Detect(series, now)
		res.Detect += time.Since(t0)
		res.Runs++
		// close warnings that went quiet
		kept := open[:0]
		for _, w := range open {
			if now.Sub(w.last) <= opt.Gap {
				kept = append(kept, w)
			}
		}
		open = kept
		for _, s := range sigs {
			target, other := false, false
			for _, i := range byCat[s.Category] {
				ev := &events[i]
				if s.WindowStart.After(ev.End) || !s.WindowEnd.After(ev.Onset) || !intersects(s.Areas, ev.Places) {
					continue
				}
				if ev.Type != opt.Target {
					other = true
					continue
				}
				target = true
				if _, ok := first[i]; !ok {
					first[i] = now
					firstSig[i] = s
				}
			}
			var w *warning
			for _, o := range open {
				if o.category == s.Category && anyIn(s.Areas, o.areas) {
					w = o
					break
				}
			}
			if w == nil {
				w = &warning{category: s.Category, areas: map[string]bool{}, first: s}
				open = append(open, w)
				all = append(all, w)
			}
			for _, a := range s.Areas {
				w.areas[a] = true
			}
			w.last = now
			w.target = w.target || target
			w.other = w.other || other
		}
	}
	res.Events = len(targets)
	for _, i := range targets {
		t, ok := first[i]
		if !ok || t.Sub(events[i].Onset) > 72*time.Hour {
			res.Missed = append(res.Missed, events[i].ID)
			continue
		}
		delay := t.Sub(events[i].Onset)
		res.Detected72++
		if delay <= 24*time.Hour {
			res.Detected24++
		}
		res.Delays = append(res.Delays, delay)
		res.Found = append(res.Found, Found{Event: events[i].ID, Delay: delay, Signal: firstSig[i]})
	}
	if n := len(res.Delays); n > 0 {
		d := append([]time.Duration(nil), res.Delays...)
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		if n%2 == 1 {
			res.MedianDelay = d[n/2]
		} else {
			res.MedianDelay = (d[n/2-1] + d[n/2]) / 2
		}
	}
	res.Warnings = len(all)
	for _, w := range all {
		switch {
		case w.target:
		case w.other:
			res.Other++
		default:
			res.FalseWarnings++
			res.FalseSignals = append(res.FalseSignals, w.first)
		}
	}
	res.AreaWeeks = float64(opt.Areas) * opt.To.Sub(opt.From).Hours() / (24 * 7)
	if res.AreaWeeks > 0 {
		res.FalsePer1000 = float64(res.FalseWarnings) / res.AreaWeeks * 1000
	}
	return res
}

func intersects(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

func anyIn(a []string, set map[string]bool) bool {
	for _, x := range a {
		if set[x] {
			return true
		}
	}
	return false
}

// FixedThreshold is the plain baseline: a signal whenever one area has at least Count
// distinct reporters of one category in the Window before now.
type FixedThreshold struct {
	Count  float64
	Window time.Duration
}

// Detect returns a signal for every series at or above the threshold.
func (f FixedThreshold) Detect(series []cluster.Series, now time.Time) []cluster.Signal {
	var out []cluster.Signal
	nowH := hourOf(now)
	frac := now.Unix() > nowH*3600
	w := int64(f.Window / time.Hour)
	for i := range series {
		s := &series[i]
		base := hourOf(s.Start)
		sum := 0.0
		from, to := nowH-w, nowH
		if frac {
			to++
		}
		for h := max(from, base); h < min(to, base+int64(len(s.Counts))); h++ {
			sum += float64(s.Counts[h-base])
		}
		if sum >= f.Count {
			out = append(out, cluster.Signal{Areas: []string{s.Area}, Category: s.Category,
				WindowStart: timeOf(from), WindowEnd: now, Observed: sum, Score: sum / f.Count})
		}
	}
	return out
}

// hourOf is the absolute hour of t; timeOf is the start of an absolute hour.
func hourOf(t time.Time) int64 {
	h := t.Unix() / 3600
	if t.Unix() < 0 && t.Unix()%3600 != 0 {
		h--
	}
	return h
}

func timeOf(h int64) time.Time { return time.Unix(h*3600, 0).In(calendar.Shanghai) }

// medianOf is the median of durations (0 for none).
func medianOf(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// addResults sums two results (of other streams).
func addResults(a, b EvalResult) EvalResult {
	a.Runs += b.Runs
	a.Events += b.Events
	a.Detected24 += b.Detected24
	a.Detected72 += b.Detected72
	a.Delays = append(a.Delays, b.Delays...)
	a.MedianDelay = medianOf(a.Delays)
	a.Missed = append(a.Missed, b.Missed...)
	a.Warnings += b.Warnings
	a.FalseWarnings += b.FalseWarnings
	a.Other += b.Other
	a.AreaWeeks += b.AreaWeeks
	if a.AreaWeeks > 0 {
		a.FalsePer1000 = float64(a.FalseWarnings) / a.AreaWeeks * 1000
	}
	a.Detect += b.Detect
	return a
}
