package eval

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/alerts/cluster"
	"github.com/ecowatch/ecowatch/alerts/deliver"
	"github.com/ecowatch/ecowatch/alerts/detect"
	"github.com/ecowatch/ecowatch/basin"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/org"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/simulate"
	"github.com/ecowatch/ecowatch/store"
)

// DetectionOptions describe a detection evaluation: the simulator's stream of Scope (the
// nation or a province) with seed Seed, Warmup days of history
// before From, the detectors run every hour from From to To. Clusters and Watershed, when
// positive, set the number of injected clusters and watershed incidents (more events than the
// simulator's defaults give the rates a sample; the false warnings do not depend on them).
type DetectionOptions struct {
	Scope              region.Scope
	From, To           time.Time
	Seed               int64
	Warmup             int
	Clusters           int
	Watershed          int
	Policy             deliver.Policy // the notice policy counted (zero: defaults)
	SkipSlowBaselines  bool           // leave out EARS C2 (TestEval)
	WatershedReachDays int            // 0: the detector's default (7)
	// Only is "clusters" or "watershed" to evaluate one of them; "" both.
	Only string
}

// PlainThresholds are the thresholds PlainPoisson is run at; the one reported is the largest
// whose false warnings are no more than ecowatch's on the same run.
var PlainThresholds = []float64{1e-3, 3e-4, 1e-4, 3e-5, 1e-5, 3e-6, 1e-6, 3e-7, 1e-7, 3e-8, 1e-8, 3e-9, 1e-9}

// EARSThresholds are the thresholds EARSC2 is run at (3 is the standard C2 setting).
var EARSThresholds = []float64{3, 4, 6, 8, 12, 16, 24}

// Row is one detector's result in an evaluation.
type Row struct {
	Name      string
	Threshold float64 // the baseline's threshold (0 for ecowatch)
	Result    EvalResult
}

// Coverage is how far down the rivers the watershed warnings reached, against the truth: the
// jurisdictions (bureaus) the water of each incident reaches within a week of leaving its last
// unit (simulate.Event.Downstream).
type Coverage struct {
	// Incidents are the target incidents warned within 72 h by the watershed detector;
	// WithTruth those of them whose water reaches another jurisdiction within a week.
	Incidents, WithTruth int
	// WithDownstream: of WithTruth, those whose first warning already named a jurisdiction
	// downstream among its recipients.
	WithDownstream int
	// Truth counts the downstream jurisdictions of WithTruth; AtFirst those among the first
	// warning's recipients, OverLife those among the recipients of any of its revisions.
	Truth, AtFirst, OverLife int
}

func (c Coverage) add(o Coverage) Coverage {
	c.Incidents += o.Incidents
	c.WithTruth += o.WithTruth
	c.WithDownstream += o.WithDownstream
	c.Truth += o.Truth
	c.AtFirst += o.AtFirst
	c.OverLife += o.OverLife
	return c
}

// DetectionReport is what EvaluateDetection measured on one stream.
type DetectionReport struct {
	Reports, Areas, Units int
	// Clusters: ecowatch's cluster detector, then the baselines (every threshold of
	// PlainPoisson and EARSC2; Calibrated picks one), then the fixed thresholds.
	Clusters []Row
	// Watershed: ecowatch's watershed detector, the test before issue 18, PlainPoisson per
	// unit at every threshold.
	Watershed []Row
	Coverage  Coverage
	Notices   NoticeCounts
	// Third is, for the target clusters, the time from onset to their third distinct reporter
	// (a bound for any detector that needs three); ThirdOf is the number of target clusters.
	Third   []time.Duration
	ThirdOf int
}

// Add sums two reports (of the same options over other scopes or seeds).
func (r DetectionReport) Add(o DetectionReport) DetectionReport {
	if r.Clusters == nil && r.Watershed == nil {
		r.Clusters, r.Watershed = make([]Row, len(o.Clusters)), make([]Row, len(o.Watershed))
		for i := range o.Clusters {
			r.Clusters[i].Name, r.Clusters[i].Threshold = o.Clusters[i].Name, o.Clusters[i].Threshold
		}
		for i := range o.Watershed {
			r.Watershed[i].Name, r.Watershed[i].Threshold = o.Watershed[i].Name, o.Watershed[i].Threshold
		}
	}
	for i := range o.Clusters {
		r.Clusters[i].Result = addResults(r.Clusters[i].Result, o.Clusters[i].Result)
	}
	for i := range o.Watershed {
		r.Watershed[i].Result = addResults(r.Watershed[i].Result, o.Watershed[i].Result)
	}
	r.Reports += o.Reports
	r.Areas += o.Areas
	r.Units += o.Units
	r.Coverage = r.Coverage.add(o.Coverage)
	r.Notices = r.Notices.add(o.Notices)
	r.Third = append(r.Third, o.Third...)
	r.ThirdOf += o.ThirdOf
	return r
}

// Calibrated returns, among the rows named name, the one at the largest threshold (for
// EARS, the smallest) whose false warnings are no more than anchor's, or the strictest row
// when none is.
func Calibrated(rows []Row, name string, anchor EvalResult) (Row, bool) {
	var cands []Row
	for _, r := range rows {
		if r.Name == name {
			cands = append(cands, r)
		}
	}
	if len(cands) == 0 {
		return Row{}, false
	}
	// strictest last: PlainPoisson thresholds fall, EARS thresholds rise
	for _, r := range cands {
		if r.Result.FalseWarnings <= anchor.FalseWarnings {
			return r, true
		}
	}
	return cands[len(cands)-1], false
}

// EvaluateDetection runs the detectors every hour of [From, To) over a simulated stream, on
// the series as known at each hour, and measures them and the baselines against the injected
// events: the clusters (county series), the watershed incidents (basin units' series) and the
// jurisdictions downstream that the watershed warnings reached; ecowatch's findings go through
// reconciliation and the notice policy in memory, which counts the notices.
func EvaluateDetection(st *SimulatedStream, opt DetectionOptions) (DetectionReport, error) {
	regions := region.Default()
	areaScope := opt.Scope.Code
	var rep DetectionReport
	rep.Reports = st.Reports()
	rep.Areas = len(regions.Leaves(areaScope))
	rep.Units = unitsInScope(regions, areaScope)
	if opt.Only != "watershed" {
		if err := rep.clusters(st, opt); err != nil {
			return rep, err
		}
	}
	if opt.Only != "clusters" {
		if err := rep.watershed(st, opt, regions); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// clusters evaluates the cluster detector and its baselines.
func (rep *DetectionReport) clusters(st *SimulatedStream, opt DetectionOptions) error {
	deps := detect.DefaultDeps()
	ev := EvalOptions{From: opt.From, To: opt.To, Areas: rep.Areas, Series: st.Rewind().At}
	events := st.Events()
	cd, err := detect.NewCluster(deps, detect.ClusterConfig{})
	if err != nil {
		return err
	}
	clog := newWarningLog(opt.Policy)
	var cerr error
	ecoCluster := observed{src: cd.Stats(), observe: func(now time.Time, res cluster.Result) {
		if cerr == nil {
			_, cerr = clog.cycle(cd.Kinds(), cd.Findings(res.Signals, nil), func(w storeRow) bool { return cd.Keep(w, now) }, now)
		}
	}}
	rep.Clusters = append(rep.Clusters, Row{Name: "ecowatch", Result: Evaluate(ecoCluster, events, ev)})
	if cerr != nil {
		return cerr
	}
	for _, p := range NewPlainPoisson(PlainThresholds...) {
		rep.Clusters = append(rep.Clusters, Row{Name: "plain Poisson", Threshold: p.Threshold, Result: Evaluate(p, events, rewound(st, ev))})
	}
	if !opt.SkipSlowBaselines {
		for _, e := range NewEARSC2(EARSThresholds...) {
			rep.Clusters = append(rep.Clusters, Row{Name: "EARS C2", Threshold: e.Threshold, Result: Evaluate(e, events, rewound(st, ev))})
		}
	}
	for _, f := range []FixedThreshold{{Count: 10, Window: 24 * time.Hour}, {Count: 5, Window: 24 * time.Hour}} {
		rep.Clusters = append(rep.Clusters, Row{Name: fmt.Sprintf("fixed ≥%.0f in 24 h", f.Count), Threshold: f.Count, Result: Evaluate(f, events, rewound(st, ev))})
	}
	rep.Third, rep.ThirdOf = st.third(events, opt.From, opt.To)
	rep.Notices = rep.Notices.add(clog.counts)
	return nil
}

// watershed evaluates the watershed detector, its baselines and how far down the rivers its
// warnings reached.
func (rep *DetectionReport) watershed(st *SimulatedStream, opt DetectionOptions, regions *region.Table) error {
	deps := detect.DefaultDeps()
	wcfg := detect.WatershedConfig{}
	if opt.WatershedReachDays > 0 {
		wcfg.Reach = time.Duration(opt.WatershedReachDays) * 24 * time.Hour
	}
	wd, err := detect.NewWatershed(deps, wcfg)
	if err != nil {
		return err
	}
	wlog := newWarningLog(opt.Policy)
	var werr error
	ecoWater := sourceFunc(func(series []cluster.Series, now time.Time) []cluster.Signal {
		merged, all := wd.Signals(series, now)
		if werr == nil {
			open, _ := wlog.CurrentWarnings(context.Background(), contract.WarningWatershed, false)
			_, werr = wlog.cycle(wd.Kinds(), wd.Findings(all, nil, open, now), func(w storeRow) bool { return wd.Keep(w, now) }, now)
		}
		return merged
	})
	uevents := st.UnitEvents()
	uopt := EvalOptions{From: opt.From, To: opt.To, Areas: rep.Units, Target: simulate.EventWatershed, Series: st.Rewind().UnitsAt}
	rep.Watershed = append(rep.Watershed, Row{Name: "ecowatch", Result: Evaluate(ecoWater, uevents, uopt)})
	if werr != nil {
		return werr
	}
	old, err := NewOldWatershed()
	if err != nil {
		return err
	}
	uopt.Series = st.Rewind().UnitsAt
	rep.Watershed = append(rep.Watershed, Row{Name: "before issue 18", Result: Evaluate(old, uevents, uopt)})
	for _, p := range NewPlainPoisson(PlainThresholds...) {
		uopt.Series = st.Rewind().UnitsAt
		rep.Watershed = append(rep.Watershed, Row{Name: "plain Poisson", Threshold: p.Threshold, Result: Evaluate(p, uevents, uopt)})
	}
	rep.Coverage = coverage(st.Truth(), wlog, opt.From, opt.To, regions)
	rep.Notices = rep.Notices.add(wlog.counts)
	return nil
}

type storeRow = store.WarningRow

// observed is a Source that runs a cluster.Detector and shows each run's result to observe
// (which turns it into warnings).
type observed struct {
	src     *cluster.Detector
	observe func(now time.Time, res cluster.Result)
}

func (o observed) Detect(series []cluster.Series, now time.Time) []cluster.Signal {
	res := o.src.Run(series, now)
	o.observe(now, res)
	return res.Signals
}

// sourceFunc is a Source that is a function.
type sourceFunc func(series []cluster.Series, now time.Time) []cluster.Signal

func (f sourceFunc) Detect(series []cluster.Series, now time.Time) []cluster.Signal {
	return f(series, now)
}

func rewound(st *SimulatedStream, opt EvalOptions) EvalOptions {
	opt.Series = st.Rewind().At
	return opt
}

// unitsInScope is the number of basin units with a county in the scope.
func unitsInScope(regions *region.Table, scope string) int {
	topo := basin.Default()
	seen := map[string]bool{}
	for _, d := range regions.Leaves(scope) {
		if us := topo.UnitsOf(d.Code); len(us) > 0 {
			seen[us[0].Code] = true
		}
	}
	return len(seen)
}

// coverage matches each target watershed incident with the first watershed warning opened for
// its units from an hour before onset to 72 hours after, and compares the warning's
// downstream recipients with the truth.
func coverage(truth *simulate.Truth, log *warningLog, from, to time.Time, regions *region.Table) Coverage {
	orgs := org.New(regions)
	topo := basin.Default()
	var c Coverage
	last := to.Add(-72 * time.Hour)
	for _, ev := range truth.Events {
		if ev.Type != simulate.EventWatershed || ev.Onset.Before(from) || !ev.Onset.Before(last) {
			continue
		}
		var units []string
		for _, p := range append(append([]string{}, ev.Places...), ev.Counties...) {
			if us := topo.UnitsOf(p); len(us) > 0 {
				units = append(units, us[0].Code)
			}
		}
		var first *storeRow
		for i, w := range log.opened {
			if w.Kind != contract.WarningWatershed || w.OpenedAt.Before(ev.Onset.Add(-time.Hour)) || w.OpenedAt.Sub(ev.Onset) > 72*time.Hour {
				continue
			}
			if slices.ContainsFunc(w.RegionCodes, func(r string) bool { return slices.Contains(units, r) }) {
				first = &log.opened[i]
				break
			}
		}
		if first == nil {
			continue
		}
		c.Incidents++
		var want []string
		for _, d := range ev.Downstream {
			if b := orgs.Bureau(d).Code; !slices.Contains(want, b) && !slices.ContainsFunc(ev.Places, func(p string) bool { return orgs.Bureau(p).Code == b }) {
				want = append(want, b)
			}
		}
		if len(want) == 0 {
			continue
		}
		c.WithTruth++
		c.Truth += len(want)
		down := func(w storeRow) []string {
			var out []string
			for _, r := range w.Recipients {
				if r.Downstream != nil && r.Role == org.RoleBureau {
					out = append(out, r.OrgCode)
				}
			}
			return out
		}
		atFirst := down(*first)
		if len(atFirst) > 0 {
			c.WithDownstream++
		}
		var life []string
		for _, w := range log.history[first.WarningID] {
			life = append(life, down(w)...)
		}
		for _, b := range want {
			if slices.Contains(atFirst, b) {
				c.AtFirst++
			}
			if slices.Contains(life, b) {
				c.OverLife++
			}
		}
	}
	return c
}

// third is, for the target clusters of [from, to−72h), the time from onset to the arrival of
// the third distinct reporter in the event's places (a lower bound of the delay of any
// detector that needs three), and the number of such clusters.
func (st *SimulatedStream) third(events []Event, from, to time.Time) ([]time.Duration, int) {
	out, n, _ := st.oracle(events, from, to, cluster.DefaultMinCount)
	return out, n
}

// Detection runs the simulator with its injected events and writes the evaluation of
// EvaluateDetection (`ecowatch eval detection`).
func Detection(ctx context.Context, w io.Writer, regions *region.Table, cal *calendar.Calendar, opt DetectionOptions) error {
	if len(regions.Leaves(opt.Scope.Code)) == 0 {
		return fmt.Errorf("eval: scope %v has no counties", opt.Scope)
	}
	start := time.Now()
	cfg := simulate.Config{From: opt.From.AddDate(0, 0, -opt.Warmup), To: opt.To, Scope: opt.Scope, Seed: opt.Seed,
		Clusters: opt.Clusters, WatershedIncidents: opt.Watershed}
	st, err := NewSimulatedStream(cfg)
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	fmt.Fprintf(w, "simulated %d reports in %s (scope %s, seed %d); evaluating %s to %s hourly\n",
		st.Reports(), time.Since(start).Round(time.Second), opt.Scope, opt.Seed, opt.From.Format("2006-01-02"), opt.To.Format("2006-01-02"))
	rep, err := EvaluateDetection(st, opt)
	if err != nil {
		return err
	}
	return rep.Write(w)
}

// Write prints the report: the cluster table (ecowatch, the plain Poisson test and EARS C2 at
// the threshold that gives them ecowatch's false warnings, the fixed thresholds), the
// watershed table and its downstream coverage, and the notices per warning.
func (r DetectionReport) Write(w io.Writer) error {
	var b strings.Builder
	if len(r.Clusters) > 0 {
		eco := r.Clusters[0]
		fmt.Fprintf(&b, "Clustered complaints (%d counties, %.0f county-weeks):\n", r.Areas, eco.Result.AreaWeeks)
		tableHeader(&b, "county-weeks")
		tableLine(&b, "ecowatch cluster detector", eco.Result)
		for _, name := range []string{"plain Poisson", "EARS C2"} {
			if row, ok := Calibrated(r.Clusters, name, eco.Result); row.Name != "" {
				tableLine(&b, fmt.Sprintf("%s (%g%s)", name, row.Threshold, calibrationNote(ok)), row.Result)
			}
		}
		if row, ok := rowAt(r.Clusters, "EARS C2", 3); ok {
			tableLine(&b, "EARS C2 (3, the standard setting)", row.Result)
		}
		for _, row := range r.Clusters {
			if strings.HasPrefix(row.Name, "fixed") {
				tableLine(&b, row.Name, row.Result)
			}
		}
		if len(r.Third) > 0 {
			t := append([]time.Duration(nil), r.Third...)
			sort.Slice(t, func(i, j int) bool { return t[i] < t[j] })
			fmt.Fprintf(&b, "  (the third distinct reporter of an injected cluster comes a median %s after onset; %d of %d clusters have three)\n",
				t[len(t)/2].Round(time.Minute), len(t), r.ThirdOf)
		}
	}
	if len(r.Watershed) > 0 {
		weco := r.Watershed[0]
		fmt.Fprintf(&b, "Watershed incidents (%d basin units, %.0f unit-weeks):\n", r.Units, weco.Result.AreaWeeks)
		tableHeader(&b, "unit-weeks")
		tableLine(&b, "ecowatch watershed detector", weco.Result)
		tableLine(&b, "the watershed test before issue 18", r.Watershed[1].Result)
		if row, ok := Calibrated(r.Watershed, "plain Poisson", weco.Result); row.Name != "" {
			tableLine(&b, fmt.Sprintf("plain Poisson per unit (%g%s)", row.Threshold, calibrationNote(ok)), row.Result)
		}
		c := r.Coverage
		fmt.Fprintf(&b, "Downstream (the jurisdictions the water reaches within a week, by the simulator's truth):\n")
		fmt.Fprintf(&b, "  incidents warned whose water reaches another jurisdiction: %d of %d warned\n", c.WithTruth, c.Incidents)
		fmt.Fprintf(&b, "  a downstream jurisdiction among the first warning's recipients: %s\n", pct(c.WithDownstream, c.WithTruth))
		fmt.Fprintf(&b, "  downstream jurisdictions addressed: %s by the first warning, %s over the warning's revisions\n", pct(c.AtFirst, c.Truth), pct(c.OverLife, c.Truth))
	}
	n := r.Notices
	fmt.Fprintf(&b, "Notices (ecowatch's warnings through reconciliation and the notice policy):\n")
	fmt.Fprintf(&b, "  %-10s %9s %10s %19s %22s %26s\n", "kind", "warnings", "revisions", "预警通知书 (per warning)", "(per organisation)", "before: one per recipient")
	for _, k := range []string{contract.WarningCluster, contract.WarningWatershed} {
		if n.Warnings == nil || n.Warnings[k] == 0 {
			continue
		}
		fmt.Fprintf(&b, "  %-10s %9d %10d %24s %22s %26s\n", k, n.Warnings[k], n.Revisions[k],
			fmt.Sprintf("%d (%.1f)", n.Numbered[k], float64(n.Numbered[k])/float64(n.Warnings[k])),
			fmt.Sprintf("%d orgs (%.2f)", n.Addressed[k], float64(n.Numbered[k])/float64(max(1, n.Addressed[k]))),
			fmt.Sprintf("%d (%.1f)", n.PerRecipient[k], float64(n.PerRecipient[k])/float64(n.Warnings[k])))
	}
	fmt.Fprintf(&b, "  预警续报 (daily digests): %d\n", n.Digests)
	_, err := io.WriteString(w, b.String())
	return err
}

func pct(n, of int) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d (%.0f%%)", n, of, 100*float64(n)/float64(of))
}

func calibrationNote(ok bool) string {
	if ok {
		return ", at ecowatch's false warnings"
	}
	return ", the strictest tried"
}

func tableHeader(b *strings.Builder, unit string) {
	fmt.Fprintf(b, "  %-60s %14s %14s %13s %10s\n", "detector", "within 24 h", "within 72 h", "median delay", "false/1000 "+unit)
}

func tableLine(b *strings.Builder, name string, res EvalResult) {
	fmt.Fprintf(b, "  %-60s %14s %14s %13s %10.2f  (%d false of %d warnings)\n", name, pct(res.Detected24, res.Events), pct(res.Detected72, res.Events),
		res.MedianDelay.Round(time.Minute), res.FalsePer1000, res.FalseWarnings, res.Warnings)
}

func rowAt(rows []Row, name string, threshold float64) (Row, bool) {
	for _, r := range rows {
		if r.Name == name && r.Threshold == threshold {
			return r, true
		}
	}
	return Row{}, false
}
