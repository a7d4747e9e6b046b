package detect

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/alerts/cluster"
	"github.com/ecowatch/ecowatch/alerts/notice"
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
	// Stats is the statistics' configuration, applied at basin-unit level to two families of
	// tests, each with its FalseWarningRate (per 1,000 unit-weeks): every unit alone (no
	// zones of neighbours), and the paths along the rivers, which the detector builds
	// (Stats.Paths and OnlyPaths are ignored). The design rate of the watershed warnings is
	// the sum: 1 per 1,000 unit-weeks by default.
	Stats cluster.Config
	// Hold keeps a warning open this long after its signal was last seen. Default 24h.
	Hold time.Duration
	// Reach is how far down the rivers a warning goes, in travel time: every jurisdiction the
	// water can reach within it (at the fast end of each reach's flow speed, package basin) is
	// warned, with the window in which the water is expected there. Default 7 days.
	Reach time.Duration
	// PathUnits is how many units upstream of a unit a path reads (the units the water passed
	// before). Default 3: paths of two to four units.
	PathUnits int
}

// Watershed finds basin pollution risks: water-category reports mapped to the basin unit they
// drain to (a prefecture), tested at each unit alone and along the flow — the units upstream of
// a unit read over their windows shifted back by the time the water takes from them to it, so
// that a few reporters at each unit, unit after unit as the water passes, add up to a signal
// (package alerts/cluster, Path). A warning goes to the bureau of every unit affected, of every
// jurisdiction the water reaches within Reach with its estimated arrival window and the
// drinking-water sources known on its reach, and to the basin's supervision bureau.
type Watershed struct {
	cfg          WatershedConfig
	basins       *basin.Topology
	units, paths *cluster.Detector
	maxLag       time.Duration
	d            describer
}

// Lag hypotheses of a path: "no lag" (reports of one episode at several units at once); the
// water at the fast, the middle and the slow end of each reach's flow speed; and the reports
// moving on by a fixed time per unit (6, 12 or 24 hours), whatever the distance — people
// notice a pollution when it passes, and report it when they notice, so the spacing of
// their reports along a river need not follow the hydrology.
var lagHypotheses = []struct {
	name    string
	perUnit time.Duration // > 0: a fixed lag per unit
	speed   int           // 0 none, 1 fast, 2 middle, 3 slow
}{
	{"none", 0, 0}, {"fast", 0, 1}, {"middle", 0, 2}, {"slow", 0, 3},
	{"6h a unit", 6 * time.Hour, 0}, {"12h a unit", 12 * time.Hour, 0}, {"24h a unit", 24 * time.Hour, 0},
}

// NewWatershed builds the watershed detector.
func NewWatershed(deps Deps, cfg WatershedConfig) (*Watershed, error) {
	if cfg.Hold <= 0 {
		cfg.Hold = 24 * time.Hour
	}
	if cfg.Reach <= 0 {
		cfg.Reach = 7 * 24 * time.Hour
	}
	if cfg.PathUnits <= 0 {
		cfg.PathUnits = 3
	}
	w := &Watershed{cfg: cfg, basins: deps.Basins, d: newDescriber(deps)}
	units := cfg.Stats
	units.MaxNeighbours = -1 // prefecture-level basin units alone
	units.Paths, units.OnlyPaths = nil, false
	paths := units
	paths.Paths, paths.OnlyPaths = w.buildPaths(), true // along the rivers
	for _, p := range paths.Paths {
		for _, s := range p.Stops {
			w.maxLag = max(w.maxLag, s.Lag)
		}
	}
	var err error
	if w.units, err = cluster.NewDetector(units, deps.Regions, deps.Calendar); err != nil {
		return nil, err
	}
	if w.paths, err = cluster.NewDetector(paths, deps.Regions, deps.Calendar); err != nil {
		return nil, err
	}
	return w, nil
}

// buildPaths builds, for every unit (the front), the chains of one to PathUnits units upstream of
// it along the flow (Topology.Inflows, tributaries included), each under every lag hypothesis
// (lagHypotheses; the lag of a stop is the time from its reports to the front's). Stops the
// water would take longer than cluster.MaxLag to come from are left out.
func (w *Watershed) buildPaths() []cluster.Path {
	var out []cluster.Path
	seen := map[string]bool{}
	type stop struct {
		code             string
		earliest, latest time.Duration
	}
	var grow func(chain []stop)
	grow = func(chain []stop) {
		if len(chain) > 1 {
			for _, h := range lagHypotheses {
				p := cluster.Path{Stops: make([]cluster.Stop, len(chain))}
				key := ""
				for i, s := range chain {
					lag := time.Duration(i) * h.perUnit
					switch h.speed {
					case 1:
						lag = s.earliest
					case 2:
						lag = (s.earliest + s.latest) / 2
					case 3:
						lag = s.latest
					}
					lag = lag.Round(time.Hour)
					// upstream first: the chain runs from the front up
					p.Stops[len(chain)-1-i] = cluster.Stop{Area: s.code, Lag: lag}
					key += fmt.Sprintf("%s@%d;", s.code, lag/time.Hour)
				}
				if !seen[key] {
					seen[key] = true
					out = append(out, p)
				}
			}
		}
		if len(chain) > w.cfg.PathUnits {
			return
		}
		last := chain[len(chain)-1]
		for _, in := range w.basins.Inflows(last.code) {
			next := stop{code: in.Code, earliest: last.earliest + in.Earliest, latest: last.latest + in.Latest}
			if next.latest > cluster.MaxLag || slices.ContainsFunc(chain, func(s stop) bool { return s.code == next.code }) {
				continue
			}
			grow(append(append([]stop(nil), chain...), next))
		}
	}
	var fronts []string
	for _, b := range w.basins.Basins() {
		for _, r := range w.basins.Rivers(b.ID) {
			for _, u := range w.basins.River(b.ID, r) {
				if !slices.Contains(fronts, u.Code) {
					fronts = append(fronts, u.Code)
				}
			}
		}
	}
	sort.Strings(fronts)
	for _, f := range fronts {
		grow([]stop{{code: f}})
	}
	return out
}

// Name implements alerts.Detector.
func (w *Watershed) Name() string { return NameWatershed }

// Kinds implements alerts.Detector.
func (w *Watershed) Kinds() []string { return []string{contract.WarningWatershed} }

// Lookback implements alerts.PointReader: the statistics' history, windows and the longest
// lag of a path.
func (w *Watershed) Lookback() time.Duration { return statsLookback(w.cfg.Stats) + w.maxLag }

// Keep implements alerts.Holder.
func (w *Watershed) Keep(r store.WarningRow, asOf time.Time) bool {
	return asOf.Sub(r.Window.To.Time) <= w.cfg.Hold
}

// Signals runs the two families of tests on series of water reporters per unit: merged are
// the signals with the overlapping ones merged (per family), all every test beyond its
// family's threshold, strongest first (what Findings takes). An evaluation feeds it series of
// its own.
func (w *Watershed) Signals(series []cluster.Series, now time.Time) (merged, all []cluster.Signal) {
	u, p := w.units.Run(series, now), w.paths.Run(series, now)
	merged = append(append(merged, u.Signals...), p.Signals...)
	all = append(append(all, u.All...), p.All...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].PValue/all[i].Threshold < all[j].PValue/all[j].Threshold })
	return merged, all
}

// Detect implements alerts.Detector.
func (w *Watershed) Detect(ctx context.Context, in *alerts.Input, asOf time.Time) ([]alerts.Finding, error) {
	points, err := in.Points(ctx, asOf.Add(-w.Lookback()), asOf, false)
	if err != nil {
		return nil, err
	}
	open, err := in.OpenWarnings(ctx, contract.WarningWatershed)
	if err != nil {
		return nil, err
	}
	b := cluster.NewBuilder(asOf.Add(-w.Lookback()), asOf, maxWindow(w.cfg.Stats))
	for _, p := range points {
		if p.Category != "water" {
			continue
		}
		if unit := w.UnitOf(p.Area); unit != "" {
			b.Add(unit, p.Category, p.ReceivedAt, p.Reporter)
		}
	}
	_, all := w.Signals(b.All(), asOf)
	return w.Findings(all, points, open, asOf), nil
}

// UnitOf maps a report's area to the basin unit it drains to (its prefecture), or "".
func (w *Watershed) UnitOf(area string) string {
	us := w.basins.UnitsOf(area)
	if len(us) == 0 {
		return ""
	}
	return us[0].Code
}

// incident is what one or more signals say about one stretch of river.
type incident struct {
	units        []basin.Unit // affected, in flow order
	counts, mean map[string]float64
	from         time.Time // the earliest window start
	minP         float64
}

func (inc *incident) observed() (obs, exp float64) {
	for _, u := range inc.units {
		obs += inc.counts[u.Code]
		exp += inc.mean[u.Code]
	}
	return obs, exp
}

// Findings turns the signals of a run (every test beyond the threshold, strongest first:
// cluster.Result.All) into basin warnings. The units of a signal are the places affected: a
// unit's own signal, or the stops of a path that show an excess themselves (two reporters or
// more, twice what they expect; all stops with reporters when none does). Signals on one
// stretch of river (sharing a unit, or one's water reaching the other within Reach) are one
// incident, each unit counted from the strongest signal that names it. An incident on the
// stretch of river of a warning still open (sharing a unit with it, or downstream of it within
// Reach) goes on with that warning's situation, so that the same pollution moving down the
// river stays one warning. A warning's RegionCodes are the units affected; the jurisdictions
// downstream are among its recipients, each with its reach (contract.Downstream). points are the run's report points (for
// the report ids and the time the water was seen at the last affected unit); open are the
// watershed warnings open before the run.
func (w *Watershed) Findings(sigs []cluster.Signal, points []store.ReportPoint, open []store.WarningRow, asOf time.Time) []alerts.Finding {
	var incs []*incident
	for _, s := range sigs {
		if s.Category != "water" {
			continue
		}
		inc := &incident{counts: map[string]float64{}, mean: map[string]float64{}, from: s.WindowStart, minP: s.PValue}
		add := func(code string, count, mean float64) {
			us := w.basins.UnitsOf(code)
			if len(us) == 0 || slices.ContainsFunc(inc.units, func(u basin.Unit) bool { return u.Code == us[0].Code }) {
				return
			}
			inc.units = append(inc.units, us[0])
			inc.counts[us[0].Code], inc.mean[us[0].Code] = count, mean
		}
		if s.Lags == nil {
			for _, code := range s.Areas {
				add(code, s.Observed/float64(len(s.Areas)), s.Expected/float64(len(s.Areas)))
			}
		} else {
			for i, code := range s.Areas {
				if s.Counts[i] >= 2 && s.Counts[i] >= 2*s.Means[i] {
					add(code, s.Counts[i], s.Means[i])
				}
			}
			if len(inc.units) == 0 {
				for i, code := range s.Areas {
					if s.Counts[i] > 0 {
						add(code, s.Counts[i], s.Means[i])
					}
				}
			}
		}
		if len(inc.units) == 0 {
			continue
		}
		var joined *incident
		for _, other := range incs {
			if w.connected(other.units, inc.units) {
				joined = other
				break
			}
		}
		if joined == nil {
			incs = append(incs, inc)
			continue
		}
		joined.merge(inc, w.basins)
	}
	d := w.d
	var out []alerts.Finding
	for _, inc := range incs {
		observed, expected := inc.observed()
		head, tail := inc.units[0], inc.units[len(inc.units)-1]
		b, _ := w.basins.Basin(head.Basin)
		var affected, places []string
		for _, u := range inc.units {
			affected = append(affected, u.Code)
			places = append(places, d.place(u.Code))
		}
		situation := "watershed/" + head.Basin + "/" + head.River + "/" + head.Code
		for _, o := range open {
			var was []basin.Unit
			for _, c := range o.RegionCodes {
				if us := w.basins.UnitsOf(c); len(us) > 0 {
					was = append(was, us[0])
				}
			}
			if o.Basin == head.Basin && len(was) > 0 && w.connected(was, inc.units) {
				situation = o.Situation
				break
			}
		}
		ids := reportsIn(points, affected, "water", inc.from, asOf, w.UnitOf)
		seen := w.seenAt(points, tail.Code, inc.from, asOf)
		var downstream []string
		var reach []basin.Reach
		for _, r := range w.basins.Within(tail.Code, tail.River, w.cfg.Reach) {
			if !slices.Contains(affected, r.Code) && !slices.Contains(downstream, r.Code) {
				downstream = append(downstream, r.Code)
				reach = append(reach, r)
			}
		}
		recipients := recipientsFor(d, affected)
		var downNames []string
		for _, r := range reach {
			ds := &contract.Downstream{River: r.River, DistanceKm: r.CumulativeKm, ArrivalFrom: contract.NewTime(seen.Add(r.Earliest)),
				ArrivalTo: contract.NewTime(seen.Add(r.Latest)), DrinkingWater: r.DrinkingWater}
			bu, gov := d.orgs.Bureau(r.Code), d.orgs.Government(r.Code)
			for _, o := range []org.Org{bu, gov} {
				if !slices.ContainsFunc(recipients, func(x contract.Recipient) bool { return x.Role == o.Role && x.OrgCode == o.Code }) {
					recipients = append(recipients, contract.Recipient{OrgCode: o.Code, OrgName: o.Name, Role: o.Role, Copy: o.Role == org.RoleGovernment, Downstream: ds})
				}
			}
			name := fmt.Sprintf("%s（%s，约 %.0f 公里，预计%s）", d.place(r.Code), r.River, r.CumulativeKm, notice.ArrivalText(seen.Add(r.Earliest), seen.Add(r.Latest)))
			if r.DrinkingWater != "" {
				name = strings.TrimSuffix(name, "）") + "；饮用水水源：" + r.DrinkingWater + "）"
			}
			downNames = append(downNames, name)
		}
		recipients = append(recipients, contract.Recipient{OrgCode: b.ID, OrgName: b.Bureau, Role: org.RoleBasinBureau})
		level := 3
		if len(inc.units) >= 3 || observed >= 30 {
			level = 2
		}
		about := head.River + strings.Join(places, "—") + "段"
		requirement := "请上游地区立即排查沿河排污口和涉水企业，查明污染来源；"
		if len(reach) > 0 {
			requirement += "下游地区在预计到达时间前加强饮用水水源地和取水口监测，做好应急供水准备；"
		}
		requirement += b.Bureau + "组织协调上下游联合处置。请及时报告处置进展。"
		out = append(out, alerts.Finding{
			Situation:   situation,
			Kind:        contract.WarningWatershed,
			Level:       level,
			Title:       contract.WarningTitle(contract.WarningWatershed, about),
			RegionCodes: affected, // the places affected; those downstream are recipients with their reach
			Basin:       head.Basin,
			Recipients:  recipients,
			Window:      contract.Window{From: contract.NewTime(inc.from), To: contract.NewTime(asOf)},
			Evidence:    contract.Evidence{Observed: observed, Expected: round2(expected), PValue: inc.minP, Reporters: int(observed)},
			ReportIDs:   ids,
			Facts: alerts.Facts{
				Subject: head.River + "流域水污染风险",
				Summary: fmt.Sprintf("%s以来，%s%s段沿线 %d 个地区水污染类举报明显增多（%.0f 名举报人，预期%s名），污染可能随水流向下游迁移，存在流域性污染风险。%s",
					inc.from.In(calendar.Shanghai).Format("1月2日15时"), head.River, strings.Join(places, "—"), len(inc.units), observed, expectedText(expected),
					downstreamSentence(len(reach), w.cfg.Reach, seen)),
				Items: []alerts.FactItem{
					{Label: "流域", Value: b.Name}, {Label: "河流", Value: head.River}, {Label: "出现异常的地区（上游至下游）", Value: strings.Join(places, "、")},
					{Label: "下游地区（按河流流速估算的到达时间）", Value: orNone(strings.Join(downNames, "、"))},
					{Label: "举报人数（去重）", Value: fmt.Sprintf("%.0f", observed)},
					{Label: "举报件数", Value: fmt.Sprintf("%d", len(ids))},
				},
				Requirement: requirement,
				ReplyBy:     asOf.Add(24 * time.Hour),
				Basis:       "《生态环境举报热线工作管理办法》第十六条",
			},
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Situation < out[j].Situation })
	// two incidents continuing one open warning: the first stands (Reconcile keeps the first)
	return out
}

// connected says whether two sets of units lie on one stretch of river: they share a unit, or
// one's water reaches the other within the reach.
func (w *Watershed) connected(a, b []basin.Unit) bool {
	for _, x := range a {
		for _, y := range b {
			if x.Code == y.Code {
				return true
			}
		}
	}
	for _, pair := range [][2][]basin.Unit{{a, b}, {b, a}} {
		up, down := pair[0], pair[1]
		last := up[len(up)-1]
		for _, r := range w.basins.Within(last.Code, last.River, w.cfg.Reach) {
			if r.Code == down[0].Code {
				return true
			}
		}
	}
	return false
}

// merge adds another incident's units (those not yet in, with their counts), keeping the
// units in flow order.
func (inc *incident) merge(o *incident, t *basin.Topology) {
	for _, u := range o.units {
		if !slices.ContainsFunc(inc.units, func(x basin.Unit) bool { return x.Code == u.Code }) {
			inc.units = append(inc.units, u)
			inc.counts[u.Code], inc.mean[u.Code] = o.counts[u.Code], o.mean[u.Code]
		}
	}
	inc.units = flowOrder(inc.units, t)
	if o.from.Before(inc.from) {
		inc.from = o.from
	}
	inc.minP = min(inc.minP, o.minP)
}

// flowOrder orders units upstream first: by how many of the others reach them, then by code.
// Where two units reach each other (a unit on two rivers: 东江 ends at 广州 on 珠江, which flows
// on to 东莞), the code decides, so that the same units give the same order, and the same
// title, at every run.
func flowOrder(units []basin.Unit, t *basin.Topology) []basin.Unit {
	upstream := map[string]int{}
	for _, u := range units {
		for _, r := range t.Reach(u.Code, u.River, math.Inf(1)) {
			if r.Code != u.Code && slices.ContainsFunc(units, func(x basin.Unit) bool { return x.Code == r.Code }) {
				upstream[r.Code]++
			}
		}
	}
	out := slices.Clone(units)
	sort.Slice(out, func(i, j int) bool {
		if a, b := upstream[out[i].Code], upstream[out[j].Code]; a != b {
			return a < b
		}
		return out[i].Code < out[j].Code
	})
	return out
}

// seenAt is when the water was first seen at a unit in [from, to): its first water report there,
// or to when there is none.
func (w *Watershed) seenAt(points []store.ReportPoint, unit string, from, to time.Time) time.Time {
	for _, p := range points {
		if p.Category == "water" && !p.ReceivedAt.Before(from) && p.ReceivedAt.Before(to) && w.UnitOf(p.Area) == unit {
			return p.ReceivedAt
		}
	}
	return to
}

func downstreamSentence(n int, reach time.Duration, seen time.Time) string {
	if n == 0 {
		return fmt.Sprintf("按河流流速估算，%d 日内水流不会到达其他辖区。", int(reach.Hours()/24))
	}
	return fmt.Sprintf("按河流流速估算，自%s起 %d 日内水流可能到达下游 %d 个辖区，各辖区预计到达时间见下表。",
		seen.In(calendar.Shanghai).Format("1月2日15时"), int(reach.Hours()/24), n)
}

func orNone(s string) string {
	if s == "" {
		return "无"
	}
	return s
}
