package alerts

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/alerts/cluster"
	"github.com/ecowatch/ecowatch/basin"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/org"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

// Early-warning detector names (12369 Art. 16).
const (
	DetectorCluster   = "cluster"
	DetectorWatershed = "watershed"
	DetectorEmergency = "emergency"
)

// EarlyWarningConfig tunes the three early-warning detectors. Zero values take the defaults.
type EarlyWarningConfig struct {
	// Cluster is the cluster statistics' configuration (see package cluster).
	Cluster cluster.Config
	// Hold keeps a cluster or watershed warning open this long after its signal was last
	// seen, so that a signal flickering between runs does not close and reopen it. Default 24h.
	Hold time.Duration
	// DownstreamKm is how far down the river a watershed warning reaches: every jurisdiction
	// within this river distance is warned (drinking-water intakes lie there). Default 300.
	DownstreamKm float64
	// WeakRate is the designed false-signal rate, per 1,000 unit-weeks, of the weaker
	// signals that raise a watershed warning only when two or more consecutive units of one
	// river show them within the window. Default 20.
	WeakRate float64
	// EmergencyWindow is how far back the emergency detector looks. Default 24h.
	EmergencyWindow time.Duration
	// EmergencyCoReporters is the number of co-reporters that makes a text signal (dead fish,
	// leak, explosion, gathering …) an emergency without a flag. Default 10.
	EmergencyCoReporters int
}

func (c EarlyWarningConfig) withDefaults() EarlyWarningConfig {
	if c.Hold <= 0 {
		c.Hold = 24 * time.Hour
	}
	if c.DownstreamKm <= 0 {
		c.DownstreamKm = 300
	}
	if c.WeakRate <= 0 {
		c.WeakRate = 20
	}
	if c.EmergencyWindow <= 0 {
		c.EmergencyWindow = 24 * time.Hour
	}
	if c.EmergencyCoReporters <= 0 {
		c.EmergencyCoReporters = 10
	}
	return c
}

// EarlyWarning runs the cluster, watershed and emergency detectors against ClickHouse.
type EarlyWarning struct {
	Store    *store.Store
	Regions  *region.Table
	Basins   *basin.Topology
	Calendar *calendar.Calendar
	Notices  *Notices
	Config   EarlyWarningConfig
	Log      *slog.Logger
	// Points is where report points come from; default Store. A backtest sets a Preloaded
	// source so that each step does not query ClickHouse again.
	Points PointSource
	// SoleWriter, for a backtest, keeps the current warnings in memory between cycles instead
	// of reading them at every cycle. Only for a process that alone writes these kinds.
	SoleWriter bool

	warnings WarningStore

	cluster, units, weak *cluster.Detector
}

// Prepare builds the detectors; call once before the runs.
func (ew *EarlyWarning) Prepare() error {
	ew.Config = ew.Config.withDefaults()
	if ew.Log == nil {
		ew.Log = slog.Default()
	}
	if ew.Points == nil {
		ew.Points = ew.Store
	}
	ew.warnings = ew.Store
	if ew.SoleWriter {
		ew.warnings = &cachedWarnings{WarningStore: ew.Store}
	}
	var err error
	if ew.cluster, err = cluster.NewDetector(ew.Config.Cluster, ew.Regions, ew.Calendar); err != nil {
		return err
	}
	// Watershed: prefecture-level basin units alone (no multi-area zones), water only.
	unitCfg := ew.Config.Cluster
	unitCfg.MaxNeighbours = -1
	if ew.units, err = cluster.NewDetector(unitCfg, ew.Regions, ew.Calendar); err != nil {
		return err
	}
	weakCfg := unitCfg
	weakCfg.FalseWarningRate = ew.Config.WeakRate
	weakCfg.Alpha = 0
	ew.weak, err = cluster.NewDetector(weakCfg, ew.Regions, ew.Calendar)
	return err
}

// History is how much data before asOf a cycle reads: the cluster history plus the longest
// window and a day of margin.
func (ew *EarlyWarning) History() time.Duration {
	weeks := ew.Config.Cluster.HistoryWeeks
	if weeks <= 0 {
		weeks = cluster.DefaultHistoryWeeks
	}
	return time.Duration(weeks)*7*24*time.Hour + 4*24*time.Hour
}

// RunCluster runs the cluster detector (公众集中举报) as of asOf.
func (ew *EarlyWarning) RunCluster(ctx context.Context, asOf time.Time) (RunResult, error) {
	return ew.run(ctx, DetectorCluster, []string{contract.WarningCluster}, asOf, func(points []store.ReportPoint) ([]Finding, error) {
		b := cluster.NewBuilder(asOf.Add(-ew.History()), asOf, maxWindow(ew.Config.Cluster))
		for _, p := range points {
			b.Add(p.Area, p.Category, p.ReceivedAt, p.Reporter)
		}
		var out []Finding
		for _, s := range ew.cluster.Detect(b.All(), asOf) {
			out = append(out, ew.clusterFinding(s, points))
		}
		return out, nil
	})
}

// RunWatershed runs the watershed detector (流域、区域重大污染) as of asOf.
func (ew *EarlyWarning) RunWatershed(ctx context.Context, asOf time.Time) (RunResult, error) {
	return ew.run(ctx, DetectorWatershed, []string{contract.WarningWatershed}, asOf, func(points []store.ReportPoint) ([]Finding, error) {
		b := cluster.NewBuilder(asOf.Add(-ew.History()), asOf, maxWindow(ew.Config.Cluster))
		for _, p := range points {
			if p.Category != "water" {
				continue
			}
			if unit := ew.unitOf(p.Area); unit != "" {
				b.Add(unit, p.Category, p.ReceivedAt, p.Reporter)
			}
		}
		series := b.All()
		return ew.watershedFindings(ew.units.Detect(series, asOf), ew.weak.Detect(series, asOf), points, asOf), nil
	})
}

// RunEmergency runs the emergency detector (突发事件、群体性事件倾向) as of asOf.
func (ew *EarlyWarning) RunEmergency(ctx context.Context, asOf time.Time) (RunResult, error) {
	return ew.runWindow(ctx, DetectorEmergency, []string{contract.WarningEmergency}, asOf, ew.Config.EmergencyWindow, true,
		func(points []store.ReportPoint) ([]Finding, error) { return ew.emergencyFindings(points, asOf), nil })
}

func (ew *EarlyWarning) run(ctx context.Context, name string, kinds []string, asOf time.Time, detect func([]store.ReportPoint) ([]Finding, error)) (RunResult, error) {
	return ew.runWindow(ctx, name, kinds, asOf, ew.History(), false, detect)
}

func (ew *EarlyWarning) runWindow(ctx context.Context, name string, kinds []string, asOf time.Time, window time.Duration, withText bool, detect func([]store.ReportPoint) ([]Finding, error)) (RunResult, error) {
	started := time.Now()
	rec := store.DetectorRun{Detector: name, AsOf: asOf, Started: started}
	res := RunResult{Detector: name}
	err := func() error {
		points, err := ew.Points.ReportPoints(ctx, asOf.Add(-window), asOf, asOf, withText)
		if err != nil {
			return err
		}
		findings, err := detect(points)
		if err != nil {
			return err
		}
		var keep func(store.WarningRow) bool
		if name != DetectorEmergency {
			keep = func(w store.WarningRow) bool { return asOf.Sub(w.Window.To.Time) <= ew.Config.Hold }
		}
		res.Found = len(findings)
		if res.Changes, err = Reconcile(ctx, ew.warnings, kinds, findings, asOf, keep); err != nil {
			return err
		}
		res.Notices, err = ew.Notices.FlushIfNeeded(ctx, kinds, res.Changes, asOf)
		return err
	}()
	rec.Finished, rec.Found = time.Now(), res.Found
	rec.Opened, rec.Updated, rec.Closed = len(res.Changes.Opened), len(res.Changes.Updated), len(res.Changes.Closed)
	if err != nil {
		rec.Error = err.Error()
	}
	if serr := ew.Store.SaveDetectorRun(ctx, rec); serr != nil && err == nil {
		err = serr
	}
	if err != nil {
		return res, fmt.Errorf("alerts: %s detector as of %s: %w", name, asOf.Format(time.RFC3339), err)
	}
	ew.Log.Debug("detector run", "detector", name, "as_of", asOf.Format(time.RFC3339), "found", res.Found,
		"opened", rec.Opened, "updated", rec.Updated, "closed", rec.Closed, "notices", len(res.Notices))
	return res, nil
}

func maxWindow(c cluster.Config) time.Duration {
	ws := c.Windows
	if len(ws) == 0 {
		ws = cluster.DefaultWindows
	}
	return slices.Max(ws)
}

// unitOf maps a report's area to the basin unit it drains to (its prefecture), or "".
func (ew *EarlyWarning) unitOf(area string) string {
	us := ew.Basins.UnitsOf(area)
	if len(us) == 0 {
		return ""
	}
	return us[0].Code
}

func (ew *EarlyWarning) describer() describer {
	return describer{orgs: org.New(ew.Regions), regions: ew.Regions, cal: ew.Calendar}
}

// levelOf grades a statistical signal: 4 (一般) at the threshold, 3 ten times beyond it or with
// 10 reporters, 2 a thousand times beyond it or with 30 reporters.
func levelOf(s cluster.Signal) int {
	switch {
	case s.Score >= 3 || s.Observed >= 30:
		return 2
	case s.Score >= 1 || s.Observed >= 10:
		return 3
	}
	return 4
}

// reportsIn lists the reports of category in areas within [from, to).
func reportsIn(points []store.ReportPoint, areas []string, category string, from, to time.Time, areaOf func(string) string) []string {
	set := map[string]bool{}
	for _, a := range areas {
		set[a] = true
	}
	var ids []string
	for _, p := range points {
		a := p.Area
		if areaOf != nil {
			a = areaOf(a)
		}
		if p.Category == category && set[a] && !p.ReceivedAt.Before(from) && p.ReceivedAt.Before(to) {
			ids = append(ids, p.ReportID)
		}
	}
	sort.Strings(ids)
	return ids
}

// recipientsFor addresses the bureau and the government of each jurisdiction, and copies the
// level above when the warning spans several jurisdictions.
func recipientsFor(d describer, areas []string) []contract.Recipient {
	var out []contract.Recipient
	seen := map[string]bool{}
	add := func(o org.Org) {
		key := o.Role + ":" + o.Code
		if !seen[key] {
			seen[key] = true
			out = append(out, contract.Recipient{OrgCode: o.Code, OrgName: o.Name, Role: o.Role})
		}
	}
	for _, a := range areas {
		add(d.orgs.Bureau(a))
		add(d.orgs.Government(a))
	}
	if len(areas) > 1 {
		parents := map[string]bool{}
		for _, a := range areas {
			parents[d.orgs.Above(a).Code] = true
		}
		if len(parents) == 1 {
			add(d.orgs.Above(areas[0]))
		}
	}
	return out
}

func (ew *EarlyWarning) clusterFinding(s cluster.Signal, points []store.ReportPoint) Finding {
	d := ew.describer()
	var places []string
	for _, a := range s.Areas {
		places = append(places, d.place(a))
	}
	ids := reportsIn(points, s.Areas, s.Category, s.WindowStart, s.WindowEnd, nil)
	hours := int(s.WindowEnd.Sub(s.WindowStart).Hours())
	return Finding{
		Situation:   "cluster/" + s.Category + "/" + s.Areas[0],
		Kind:        contract.WarningCluster,
		Level:       levelOf(s),
		Title:       fmt.Sprintf("公众集中举报预警：%s%s类举报", d.place(s.Areas[0]), category(s.Category)),
		RegionCodes: s.Areas,
		Recipients:  recipientsFor(d, s.Areas),
		Window:      contract.Window{From: contract.NewTime(s.WindowStart), To: contract.NewTime(s.WindowEnd)},
		Evidence: contract.Evidence{Observed: s.Observed, Expected: round2(s.Expected), Statistic: round2(s.Statistic),
			PValue: s.PValue, Score: round2(s.Score), Reporters: int(s.Observed)},
		ReportIDs: ids,
		Facts: Facts{
			Subject: "公众集中举报",
			Summary: fmt.Sprintf("%s 至 %s（%d 小时）内，%s共有 %.0f 名举报人反映%s类问题，按该地区历史规律预期%s名，显著高于正常水平（%s）。",
				s.WindowStart.In(calendar.Shanghai).Format("1月2日15时"), s.WindowEnd.In(calendar.Shanghai).Format("1月2日15时"), hours,
				strings.Join(places, "、"), s.Observed, category(s.Category), expectedText(s.Expected), pText(s.PValue)),
			Items: []FactItem{
				{"涉及地区", strings.Join(places, "、")},
				{"问题类别", category(s.Category)},
				{"时间范围", fmt.Sprintf("%s 至 %s", s.WindowStart.In(calendar.Shanghai).Format("2006-01-02 15:04"), s.WindowEnd.In(calendar.Shanghai).Format("2006-01-02 15:04"))},
				{"举报人数（去重）", fmt.Sprintf("%.0f", s.Observed)},
				{"预期人数", expectedText(s.Expected)},
				{"举报件数", fmt.Sprintf("%d", len(ids))},
			},
			Requirement: "请立即核查相关举报反映的问题，查明污染来源，依法处置，并向社会及时回应关切。",
			ReplyBy:     s.WindowEnd.Add(48 * time.Hour),
			Basis:       "《生态环境举报热线工作管理办法》第十六条",
		},
	}
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// expectedText says an expected number of reporters for a reader: "约 2.4", or "不足 0.1"
// where the history predicts next to none (rather than "约 0.0").
func expectedText(x float64) string {
	if x < 0.05 {
		return "不足 0.1 "
	}
	return fmt.Sprintf("约 %.1f ", x)
}

// pText states a p-value without scientific notation: "p < 0.001" below a thousandth.
func pText(p float64) string {
	if p < 0.001 {
		return "p < 0.001"
	}
	return fmt.Sprintf("p = %.3f", p)
}
