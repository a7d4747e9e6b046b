package detect

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/alerts/cluster"
	"github.com/ecowatch/ecowatch/basin"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/org"
	"github.com/ecowatch/ecowatch/store"
)

// NameWatershed is the watershed detector's name.
const NameWatershed = "watershed"

// WatershedConfig tunes the watershed detector (流域、区域重大污染, 12369 Art. 16). Zero values
// take the defaults.
type WatershedConfig struct {
	// Stats is the statistics' configuration, applied at basin-unit level (no zones of
	// several units).
	Stats cluster.Config
	// Hold keeps a warning open this long after its signal was last seen. Default 24h.
	Hold time.Duration
	// DownstreamKm is how far down the river a warning reaches: every jurisdiction within this
	// river distance is warned (drinking-water intakes lie there). Default 300.
	DownstreamKm float64
	// WeakRate is the designed false-signal rate, per 1,000 unit-weeks, of the weaker signals
	// that raise a warning only when two or more consecutive units of one river show them
	// within the window. Default 20.
	WeakRate float64
}

// Watershed finds basin pollution risks: water-category reports mapped to the basin unit they
// drain to (a prefecture), a strong signal at one unit or weak signals at two or more
// consecutive units of one river.
type Watershed struct {
	cfg         WatershedConfig
	basins      *basin.Topology
	units, weak *cluster.Detector
	d           describer
}

// NewWatershed builds the watershed detector.
func NewWatershed(deps Deps, cfg WatershedConfig) (*Watershed, error) {
	if cfg.Hold <= 0 {
		cfg.Hold = 24 * time.Hour
	}
	if cfg.DownstreamKm <= 0 {
		cfg.DownstreamKm = 300
	}
	if cfg.WeakRate <= 0 {
		cfg.WeakRate = 20
	}
	// Prefecture-level basin units alone (no multi-area zones).
	unitCfg := cfg.Stats
	unitCfg.MaxNeighbours = -1
	units, err := cluster.NewDetector(unitCfg, deps.Regions, deps.Calendar)
	if err != nil {
		return nil, err
	}
	weakCfg := unitCfg
	weakCfg.FalseWarningRate = cfg.WeakRate
	weakCfg.Alpha = 0
	weak, err := cluster.NewDetector(weakCfg, deps.Regions, deps.Calendar)
	if err != nil {
		return nil, err
	}
	return &Watershed{cfg: cfg, basins: deps.Basins, units: units, weak: weak, d: newDescriber(deps)}, nil
}

// Name implements alerts.Detector.
func (w *Watershed) Name() string { return NameWatershed }

// Kinds implements alerts.Detector.
func (w *Watershed) Kinds() []string { return []string{contract.WarningWatershed} }

// Lookback implements alerts.PointReader: the statistics' history and windows.
func (w *Watershed) Lookback() time.Duration { return statsLookback(w.cfg.Stats) }

// Keep implements alerts.Holder.
func (w *Watershed) Keep(r store.WarningRow, asOf time.Time) bool {
	return asOf.Sub(r.Window.To.Time) <= w.cfg.Hold
}

// Detect implements alerts.Detector.
func (w *Watershed) Detect(ctx context.Context, in *alerts.Input, asOf time.Time) ([]alerts.Finding, error) {
	points, err := in.Points(ctx, asOf.Add(-w.Lookback()), asOf, false)
	if err != nil {
		return nil, err
	}
	b := cluster.NewBuilder(asOf.Add(-w.Lookback()), asOf, maxWindow(w.cfg.Stats))
	for _, p := range points {
		if p.Category != "water" {
			continue
		}
		if unit := w.unitOf(p.Area); unit != "" {
			b.Add(unit, p.Category, p.ReceivedAt, p.Reporter)
		}
	}
	series := b.All()
	return w.findings(w.units.Detect(series, asOf), w.weak.Detect(series, asOf), points, asOf), nil
}

// unitOf maps a report's area to the basin unit it drains to (its prefecture), or "".
func (w *Watershed) unitOf(area string) string {
	us := w.basins.UnitsOf(area)
	if len(us) == 0 {
		return ""
	}
	return us[0].Code
}

// watershedFindings turns unit signals into basin warnings: a strong signal at one unit, or
// weak signals at two or more consecutive units of one river. Each warning goes to the
// affected jurisdictions, every jurisdiction downstream within DownstreamKm, and the basin
// supervision bureau.
func (w *Watershed) findings(strong, weak []cluster.Signal, points []store.ReportPoint, asOf time.Time) []alerts.Finding {
	type hit struct {
		unit basin.Unit
		sig  cluster.Signal
	}
	bySignal := func(sigs []cluster.Signal) map[string]cluster.Signal {
		m := map[string]cluster.Signal{}
		for _, s := range sigs {
			if old, ok := m[s.Areas[0]]; !ok || s.PValue < old.PValue {
				m[s.Areas[0]] = s
			}
		}
		return m
	}
	strongAt, weakAt := bySignal(strong), bySignal(weak)
	// Runs: maximal chains of consecutive units with a (weak or strong) signal on one river.
	var runs [][]hit
	covered := map[string]bool{}
	for _, code := range sortedKeys(weakAt) {
		for _, u := range w.basins.UnitsOf(code) {
			if _, up := weakAt[upstreamOf(w.basins, u)]; up {
				continue // not the head of a chain on this river
			}
			run := []hit{{u, weakAt[code]}}
			// unitOn falls back to another river's line of a code, whose downstream can lead
			// back into the chain: stop at a unit already in it (without this a low-volume
			// province's backtest grew the chain until the process ran out of memory).
			inRun := map[string]bool{u.Code: true}
			for next := u.Downstream; next != "" && !inRun[next]; {
				s, ok := weakAt[next]
				if !ok {
					break
				}
				inRun[next] = true
				nu := unitOn(w.basins, next, u.River)
				run = append(run, hit{nu, s})
				next = nu.Downstream
			}
			if len(run) >= 2 {
				runs = append(runs, run)
				for _, h := range run {
					covered[h.unit.Code] = true
				}
			}
		}
	}
	for _, code := range sortedKeys(strongAt) {
		if covered[code] {
			continue
		}
		us := w.basins.UnitsOf(code)
		if len(us) == 0 {
			continue
		}
		runs = append(runs, []hit{{us[0], strongAt[code]}})
	}

	d := w.d
	var out []alerts.Finding
	for _, run := range runs {
		head, tail := run[0].unit, run[len(run)-1].unit
		b, _ := w.basins.Basin(head.Basin)
		var affected, places []string
		var observed, expected float64
		from, to := asOf, asOf
		minP := 1.0
		for _, h := range run {
			affected = append(affected, h.unit.Code)
			places = append(places, d.place(h.unit.Code))
			observed += h.sig.Observed
			expected += h.sig.Expected
			if h.sig.WindowStart.Before(from) {
				from = h.sig.WindowStart
			}
			minP = min(minP, h.sig.PValue)
		}
		var downstream, downNames []string
		for _, r := range w.basins.Reach(tail.Code, tail.River, w.cfg.DownstreamKm) {
			if !slices.Contains(affected, r.Code) && !slices.Contains(downstream, r.Code) {
				downstream = append(downstream, r.Code)
				downNames = append(downNames, fmt.Sprintf("%s（约 %.0f 公里）", d.place(r.Code), r.CumulativeKm))
			}
		}
		recipients := recipientsFor(d, append(append([]string{}, affected...), downstream...))
		recipients = append(recipients, contract.Recipient{OrgCode: b.ID, OrgName: "生态环境部" + b.Bureau, Role: org.RoleBasinBureau})
		level := 3
		if len(run) >= 3 || observed >= 30 {
			level = 2
		}
		ids := reportsIn(points, affected, "water", from, to, w.unitOf)
		out = append(out, alerts.Finding{
			Situation:   "watershed/" + head.Basin + "/" + head.River + "/" + head.Code,
			Kind:        contract.WarningWatershed,
			Level:       level,
			Title:       contract.WarningTitle(contract.WarningWatershed, head.River+strings.Join(places, "—")+"段"),
			RegionCodes: append(append([]string{}, affected...), downstream...),
			Basin:       head.Basin,
			Recipients:  recipients,
			Window:      contract.Window{From: contract.NewTime(from), To: contract.NewTime(to)},
			Evidence:    contract.Evidence{Observed: observed, Expected: round2(expected), PValue: minP, Reporters: int(observed)},
			ReportIDs:   ids,
			Facts: alerts.Facts{
				Subject: head.River + "流域水污染风险",
				Summary: fmt.Sprintf("%s 以来，%s%s段沿线 %d 个地区水污染类举报明显增多（%.0f 名举报人，预期%s名），存在流域性污染风险，可能影响下游饮用水安全。",
					from.In(calendar.Shanghai).Format("1月2日15时"), head.River, strings.Join(places, "—"), len(run), observed, expectedText(expected)),
				Items: []alerts.FactItem{
					{Label: "流域", Value: b.Name}, {Label: "河流", Value: head.River}, {Label: "出现异常的地区（上游至下游）", Value: strings.Join(places, "、")},
					{Label: "下游地区", Value: orNone(strings.Join(downNames, "、"))}, {Label: "举报人数（去重）", Value: fmt.Sprintf("%.0f", observed)},
					{Label: "举报件数", Value: fmt.Sprintf("%d", len(ids))},
				},
				Requirement: "请上游地区立即排查沿河排污口和涉水企业，下游地区加强饮用水水源地监测，流域局组织协调上下游联合处置，并及时报告处置进展。",
				ReplyBy:     asOf.Add(24 * time.Hour),
				Basis:       "《生态环境举报热线工作管理办法》第十六条",
			},
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Situation < out[j].Situation })
	return out
}

// upstreamOf returns the unit directly upstream of u on its river, or "".
func upstreamOf(t *basin.Topology, u basin.Unit) string {
	for _, x := range t.River(u.Basin, u.River) {
		if x.Downstream == u.Code {
			return x.Code
		}
	}
	return ""
}

// unitOn returns the line of code on river, or its first line.
func unitOn(t *basin.Topology, code, river string) basin.Unit {
	us := t.UnitsOf(code)
	for _, u := range us {
		if u.River == river {
			return u
		}
	}
	return us[0]
}

func orNone(s string) string {
	if s == "" {
		return "无"
	}
	return s
}
