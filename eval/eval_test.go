package eval

import (
	"flag"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/simulate"
)

var (
	evalScopes    = flag.String("eval.scopes", "440000,620000", "comma-separated simulator scopes (province codes or nation) of TestEval")
	evalSeeds     = flag.String("eval.seeds", "1", "comma-separated simulator seeds of TestEval")
	evalFrom      = flag.String("eval.from", "2025-01-01", "first day of the evaluated period")
	evalTo        = flag.String("eval.to", "2025-07-01", "day after the evaluated period")
	evalVerbose   = flag.Bool("eval.verbose", false, "list what the detector found and its false warnings")
	evalWarmup    = flag.Int("eval.warmup", 70, "days of history simulated before the evaluated period")
	evalClusters  = flag.Int("eval.clusters", 0, "injected clusters per stream (0: the simulator's default)")
	evalWatershed = flag.Int("eval.watershed", 6, "injected watershed incidents per stream (0: the simulator's default)")
	evalEARS      = flag.Bool("eval.ears", false, "also run EARS C2 (slower)")
)

// TestEval is the detection evaluation of `ecowatch eval detection` (EvaluateDetection) over
// fixed simulated streams — by default 广东 and 甘肃, January–June 2025, seed 1 — with its
// totals and the aims checked: clusters found, false warnings, watershed incidents found and
// the jurisdictions downstream told, notices per warning. The flags run the figures of record
// (docs/detection.md).
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
	type job struct {
		scope string
		seed  int
		logs  []string
		rep   DetectionReport
		ok    bool
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
			t0 := time.Now()
			opt := DetectionOptions{Scope: region.MustScope(j.scope), From: from, To: to, Seed: int64(j.seed), Clusters: *evalClusters, Watershed: *evalWatershed,
				SkipSlowBaselines: !*evalEARS}
			cfg := simulate.Config{From: from.AddDate(0, 0, -*evalWarmup), To: to, Scope: opt.Scope, Seed: int64(j.seed),
				Clusters: opt.Clusters, WatershedIncidents: opt.Watershed}
			st, err := NewSimulatedStream(cfg)
			if err != nil {
				t.Error(err)
				return
			}
			simulated := time.Since(t0)
			rep, err := EvaluateDetection(st, opt)
			if err != nil {
				t.Error(err)
				return
			}
			j.rep, j.ok = rep, true
			j.logs = append(j.logs, fmt.Sprintf("%s seed %d: %d reports, %d areas, %d basin units, simulated in %v, evaluated in %v",
				j.scope, j.seed, rep.Reports, rep.Areas, rep.Units, simulated.Round(time.Millisecond), time.Since(t0.Add(simulated)).Round(time.Millisecond)))
			j.logs = append(j.logs, fmt.Sprintf("  clusters:  %s", summary(rep.Clusters[0].Result)))
			j.logs = append(j.logs, fmt.Sprintf("  watershed: %s", summary(rep.Watershed[0].Result)))
			if *evalVerbose {
				for _, row := range []Row{rep.Clusters[0], rep.Watershed[0]} {
					for _, f := range row.Result.Found {
						s := f.Signal
						j.logs = append(j.logs, fmt.Sprintf("  found %s after %v: %s %v lags %v %.0fh observed %.0f expected %.3f p %.2g threshold %.2g", f.Event, f.Delay,
							s.Category, s.Areas, s.Lags, s.WindowEnd.Sub(s.WindowStart).Hours(), s.Observed, s.Expected, s.PValue, s.Threshold))
					}
					if len(row.Result.Missed) > 0 {
						j.logs = append(j.logs, fmt.Sprintf("  missed %v", row.Result.Missed))
					}
					for _, f := range row.Result.FalseSignals {
						j.logs = append(j.logs, fmt.Sprintf("  false: %s %v %s–%s observed %.0f expected %.3f p %.2g threshold %.2g", f.Category, f.Areas,
							f.WindowStart.Format("01-02 15h"), f.WindowEnd.Format("01-02 15h"), f.Observed, f.Expected, f.PValue, f.Threshold))
					}
				}
			}
		}(j)
	}
	wg.Wait()
	var total DetectionReport
	for _, j := range jobs {
		for _, l := range j.logs {
			t.Log(l)
		}
		if j.ok {
			total = total.Add(j.rep)
		}
	}
	if total.Clusters == nil {
		t.Fatal("no stream was evaluated")
	}
	var out strings.Builder
	if err := total.Write(&out); err != nil {
		t.Fatal(err)
	}
	t.Logf("TOTAL over %s × seeds %s, %s to %s:\n%s", *evalScopes, *evalSeeds, *evalFrom, *evalTo, out.String())

	d := total.Clusters[0].Result
	if d.Events > 0 && float64(d.Detected72) < 0.7*float64(d.Events) {
		t.Errorf("cluster detector found %d of %d injected clusters within 72 h", d.Detected72, d.Events)
	}
	if d.AreaWeeks > 0 && d.FalsePer1000 > 2 {
		t.Errorf("cluster detector raised %.2f false warnings per 1,000 area-weeks", d.FalsePer1000)
	}
	w := total.Watershed[0].Result
	if w.Events == 0 || float64(w.Detected72) < 0.7*float64(w.Events) {
		t.Errorf("watershed detector found %d of %d injected incidents within 72 h", w.Detected72, w.Events)
	}
	if w.AreaWeeks > 0 && w.FalsePer1000 > 2 {
		t.Errorf("watershed detector raised %.2f false warnings per 1,000 unit-weeks", w.FalsePer1000)
	}
	if c := total.Coverage; c.WithTruth == 0 || c.WithDownstream*10 < c.WithTruth*8 || c.OverLife*10 < c.Truth*8 {
		t.Errorf("downstream: %+v; want a jurisdiction downstream among the first warning's recipients for 80%% of the incidents whose water reaches one, and 80%% of those jurisdictions told", c)
	}
	// notices: an organisation has one numbered notice about a warning, two or three when
	// it grows — a watershed warning follows the water for days, rises to level 2 (at once)
	// when the third unit is affected and takes in places as other reaches show the
	// pollution, so its organisations have a few more; fewer in all than one per recipient
	// and change
	n := total.Notices
	perOrg := map[string]float64{"cluster": 2.5, "watershed": 3.5}
	for _, k := range []string{"cluster", "watershed"} {
		if n.Addressed[k] > 0 && float64(n.Numbered[k]) > perOrg[k]*float64(n.Addressed[k]) {
			t.Errorf("%s: %d numbered notices to %d organisations about a warning", k, n.Numbered[k], n.Addressed[k])
		}
		if n.Numbered[k] >= n.PerRecipient[k] && n.PerRecipient[k] > 0 {
			t.Errorf("%s: %d numbered notices, no fewer than the %d of one per recipient and change", k, n.Numbered[k], n.PerRecipient[k])
		}
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
