package eval

import (
	"flag"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/alerts/cluster"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/simulate"
)

var (
	evalScopes  = flag.String("eval.scopes", "440000,620000", "comma-separated simulator scopes (province codes or nation) of TestEval")
	evalSeeds   = flag.String("eval.seeds", "1", "comma-separated simulator seeds of TestEval")
	evalFrom    = flag.String("eval.from", "2025-01-01", "first day of the evaluated period")
	evalTo      = flag.String("eval.to", "2025-07-01", "day after the evaluated period")
	evalVerbose = flag.Bool("eval.verbose", false, "list the false warnings of the detector")
	evalWarmup  = flag.Int("eval.warmup", 70, "days of history simulated before the evaluated period")
)

func TestEval(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluation skipped in -short mode")
	}
	from, err := time.ParseInLocation(time.DateOnly, *evalFrom, day(2025, 1, 1).Location())
	if err != nil {
		t.Fatal(err)
	}
	to, err := time.ParseInLocation(time.DateOnly, *evalTo, from.Location())
	if err != nil {
		t.Fatal(err)
	}
	det, err := cluster.NewDetector(cluster.Config{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	sources := []struct {
		name string
		src  Source
	}{
		{"detector", det},
		{"fixed ≥10 in 24h", FixedThreshold{Count: 10, Window: 24 * time.Hour}},
		{"fixed ≥5 in 24h", FixedThreshold{Count: 5, Window: 24 * time.Hour}},
	}
	type job struct {
		scope string
		seed  int
		logs  []string
		res   []EvalResult
		delay []time.Duration // oracle
		n     int
	}
	var jobs []*job
	parallel := runtime.GOMAXPROCS(0)
	for _, scope := range strings.Split(*evalScopes, ",") {
		if scope == "nation" {
			parallel = 1 // memory
		}
		for _, seedText := range strings.Split(*evalSeeds, ",") {
			seed, err := strconv.Atoi(seedText)
			if err != nil {
				t.Fatal(err)
			}
			jobs = append(jobs, &job{scope: scope, seed: seed})
		}
	}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func(j *job) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			logf := func(format string, args ...any) { j.logs = append(j.logs, fmt.Sprintf(format, args...)) }
			t0 := time.Now()
			cfg := simulate.Config{From: from.AddDate(0, 0, -*evalWarmup), To: to, Scope: region.MustScope(j.scope), Seed: int64(j.seed)}
			st, err := NewSimulatedStream(cfg)
			if err != nil {
				t.Error(err)
				return
			}
			areas := countAreas(j.scope)
			logf("%s seed %d: %d reports, %d series, %d areas, simulated in %v", j.scope, j.seed, st.reports, len(st.series), areas, time.Since(t0).Round(time.Millisecond))
			events := st.Events()
			o, n, oracleOf := st.oracle(events, from, to, det.Config().MinCount)
			j.delay, j.n = o, n
			for i, s := range sources {
				st = st.Rewind()
				res := Evaluate(s.src, events, EvalOptions{From: from, To: to, Areas: areas, Series: st.At})
				logf("  %-18s %s", s.name, summary(res))
				if len(res.Missed) > 0 && i == 0 {
					logf("  %-18s missed %v", "", res.Missed)
				}
				if i == 0 && *evalVerbose {
					for _, f := range res.Found {
						s := f.Signal
						logf("  found %s after %v (reporter number 3 at %v): %s %v %.0fh observed %.0f expected %.3f p %.2g threshold %.2g", f.Event, f.Delay, oracleOf[f.Event],
							s.Category, s.Areas, s.WindowEnd.Sub(s.WindowStart).Hours(), s.Observed, s.Expected, s.PValue, s.Threshold)
					}
					for _, f := range res.FalseSignals {
						logf("  false: %s %v %s–%s observed %.0f expected %.3f p %.2g threshold %.2g", f.Category, f.Areas,
							f.WindowStart.Format("01-02 15h"), f.WindowEnd.Format("01-02 15h"), f.Observed, f.Expected, f.PValue, f.Threshold)
					}
				}
				j.res = append(j.res, res)
			}
		}(j)
	}
	wg.Wait()
	total := make([]EvalResult, len(sources))
	var oracle []time.Duration
	oracleEvents := 0
	for _, j := range jobs {
		for _, l := range j.logs {
			t.Log(l)
		}
		if len(j.res) < len(sources) {
			continue
		}
		for i := range sources {
			total[i] = addResults(total[i], j.res[i])
		}
		oracle = append(oracle, j.delay...)
		oracleEvents += j.n
	}
	sort.Slice(oracle, func(i, j int) bool { return oracle[i] < oracle[j] })
	t.Logf("TOTAL over %s × seeds %s, %s to %s:", *evalScopes, *evalSeeds, *evalFrom, *evalTo)
	for i, s := range sources {
		t.Logf("  %-18s %s", s.name, summary(total[i]))
	}
	if len(oracle) > 0 {
		t.Logf("  lower bound: distinct reporter number %d of an injected cluster is counted a median %v after onset (%d of %d clusters reach it)",
			det.Config().MinCount, oracle[len(oracle)/2].Round(time.Minute), len(oracle), oracleEvents)
	}
	d := total[0]
	if d.Events > 0 && float64(d.Detected72) < 0.7*float64(d.Events) {
		t.Errorf("detector found %d of %d injected clusters within 72 h", d.Detected72, d.Events)
	}
	if d.AreaWeeks > 0 && d.FalsePer1000 > 2 {
		t.Errorf("detector raised %.2f false warnings per 1,000 area-weeks", d.FalsePer1000)
	}
}

func summary(r EvalResult) string {
	pct := func(n int) float64 {
		if r.Events == 0 {
			return 0
		}
		return 100 * float64(n) / float64(r.Events)
	}
	return strings.Join([]string{
		"clusters " + strconv.Itoa(r.Events),
		"24h " + strconv.Itoa(r.Detected24) + " (" + strconv.FormatFloat(pct(r.Detected24), 'f', 1, 64) + "%)",
		"72h " + strconv.Itoa(r.Detected72) + " (" + strconv.FormatFloat(pct(r.Detected72), 'f', 1, 64) + "%)",
		"median delay " + medianOf(r.Delays).Round(time.Minute).String(),
		"warnings " + strconv.Itoa(r.Warnings),
		"false " + strconv.Itoa(r.FalseWarnings) + " = " + strconv.FormatFloat(r.FalsePer1000, 'f', 2, 64) + "/1000 area-weeks",
		"other events " + strconv.Itoa(r.Other),
		"runs " + strconv.Itoa(r.Runs) + " in " + r.Detect.Round(time.Millisecond).String(),
	}, ", ")
}

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

// countAreas is the number of finest divisions in a simulator scope.
func countAreas(scope string) int {
	if scope == "" || scope == "nation" {
		return len(region.Default().Leaves(""))
	}
	return len(region.Default().Leaves(scope))
}

// oracle returns, for the target clusters of [from, to−72h), the time from onset to the
// arrival of the k-th distinct reporter in the event's places (a lower bound of any
// detector's delay that needs k reporters), and the number of such clusters.
func (st *SimulatedStream) oracle(events []Event, from, to time.Time, k int) ([]time.Duration, int, map[string]time.Duration) {
	var out []time.Duration
	byID := map[string]time.Duration{}
	n := 0
	ids := map[string]simulate.Event{}
	for _, ev := range st.truth.Events {
		ids[ev.ID] = ev
	}
	for _, ev := range events {
		if ev.Type != simulate.EventCluster || ev.Onset.Before(from) || !ev.Onset.Before(to.Add(-72*time.Hour)) {
			continue
		}
		n++
		var hours []int
		for _, id := range ids[ev.ID].ReportIDs {
			for _, c := range st.counted[id] {
				if c.key.category == ev.Category {
					hours = append(hours, c.hour)
				}
			}
		}
		sort.Ints(hours)
		if len(hours) >= k {
			// the bin of the k-th reporter is complete one hour after its start
			at := st.start.Add(time.Duration(hours[k-1]+1) * time.Hour)
			out = append(out, at.Sub(ev.Onset))
			byID[ev.ID] = at.Sub(ev.Onset)
		}
	}
	return out, n, byID
}
