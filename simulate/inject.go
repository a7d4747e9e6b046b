package simulate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/basin"
	"github.com/ecowatch/ecowatch/contract"
)

// watershedTopic is how reports of a watershed incident read: dead fish, odour, discolouration.
var watershedTopic = topic{
	cat: catWater, sub: "工业废水", targetP: 0, classes: []int{clsChemical}, short: "违法排放废水",
	titles: []string{"{R}出现大量死鱼", "{R}河水变色并有异味", "{R}水面漂浮死鱼和油污", "{R}水体突然发黑发臭", "{R}河水发红有刺鼻气味"},
	problems: []string{
		"今天发现{R}出现大量死鱼，岸边能闻到刺鼻的异味",
		"{R}的水突然变成了暗红色，还有一股很重的化学品气味",
		"{R}水面出现大片油污和白色泡沫，河水变色，异味很重，岸边有死鱼",
		"{R}上游来水颜色发黄发黑，死鱼顺水漂下来，一路都是",
		"从昨天开始{R}的水变成了乳白色，有很重的异味，河边的死鱼越来越多",
	},
	impacts: []string{"下游自来水厂的取水口就在附近，担心饮用水安全", "沿岸养殖户的鱼也开始成片死亡", "周边群众非常恐慌，不敢用河水灌溉"},
}

// watershedDemands close a watershed report.
var watershedDemands = []string{"请尽快查明污染来源，通知下游做好防范。", "请立即派人沿河排查污染源！", "请马上取样监测，查清是哪里排的污水。"}

// emergencyTopics are the kinds of sudden incident (突发生态环境事件) and gathering.
var emergencyTopics = map[string]*topic{
	"explosion": {cat: catAir, sub: "工业废气", classes: []int{clsChemical}, short: "发生爆炸事故",
		titles: []string{"{T}发生爆炸", "{P}附近化工厂爆炸冒浓烟", "紧急！{T}厂区发生爆炸起火"},
		problems: []string{
			"刚才{T}方向传来一声巨响，随后厂区冒出大量黑烟，空气中有很重的刺鼻气味，附近居民已经开始自发疏散",
			"{T}厂区发生爆炸并起火，浓烟滚滚，几公里外都能看到，气味呛人",
		},
		impacts: []string{"现场情况不明，可能有化学品泄漏", "有群众出现头晕、呕吐症状", "消防车已经到了，但烟雾还在往居民区飘"}},
	"leak": {cat: catWater, sub: "工业废水", classes: []int{clsChemical}, short: "发生化学品泄漏",
		titles: []string{"{T}发生化学品泄漏", "{P}槽罐车侧翻发生泄漏", "紧急！{R}发现不明化学品泄漏"},
		problems: []string{
			"{T}的储罐发生泄漏，大量黄绿色液体流进路边的水沟，正往{R}方向流，现场气味非常刺鼻",
			"{P}上一辆槽罐车侧翻，车上的化学品泄漏了，液体顺着排水沟流进{R}",
		},
		impacts: []string{"有人出现头晕、呕吐", "下游就是水源地", "周边群众非常恐慌"}},
	"fish_kill": {cat: catWater, sub: "工业废水", classes: []int{clsChemical}, short: "造成大量死鱼",
		titles: []string{"{R}出现大量死鱼", "{R}死鱼绵延数公里", "紧急！{R}大面积死鱼"},
		problems: []string{
			"今天早上发现{R}出现大量死鱼，河面上白花花一片，绵延好几公里，河水发黑并有一股农药味",
			"{R}里的鱼成片死亡，岸边堆满死鱼，水面泛着油光，气味刺鼻",
		},
		impacts: []string{"下游就是自来水厂取水口，情况非常紧急", "沿岸的养殖户损失惨重", "村民非常担心饮水安全"}},
	"gathering": {cat: catAir, sub: "恶臭/异味", classes: []int{clsChemical}, short: "长期排放污染物",
		titles: []string{"{V}村民聚集反映{T}污染问题", "{T}门口大量群众聚集", "紧急！群众聚集堵门抗议{T}排污"},
		problems: []string{
			"因{T}长期排放废气废水，多次反映没有解决，今天上午{K}多名村民聚集在厂门口，情绪激动，堵住了工厂大门",
			"{K}多名群众聚集在{T}门口，拉横幅抗议工厂排污，场面混乱",
		},
		impacts: []string{"场面随时可能失控", "已经有人和厂里的保安发生推搡", "聚集的人越来越多"}},
}

var emergencyKinds = []string{"explosion", "leak", "fish_kill", "gathering"}

var urgentDemands = []string{"请立即派人到现场处置！", "情况紧急，请马上派人来！", "请有关部门马上到现场处理！"}

// planInjections plans every injected event and the reports that belong to it.
func (g *generator) planInjections() {
	g.planClusters(g.cfg.Clusters)
	g.planWatershed(g.cfg.WatershedIncidents)
	g.planRepeats(g.cfg.RepeatTargets)
	g.planEmergencies(g.cfg.Emergencies)
	kept := g.inj[:0]
	for _, s := range g.inj { // every injected report lies inside the stream
		if !s.at.Before(g.cfg.From) && s.at.Before(g.cfg.To) {
			kept = append(kept, s)
		}
	}
	g.inj = kept
	sort.SliceStable(g.inj, func(i, j int) bool { return g.inj[i].at.Before(g.inj[j].at) })
}

func (g *generator) newInjection(typ string, n int, onset, end time.Time) *injection {
	ev := &Event{ID: fmt.Sprintf("%s-%03d", typ, n), Type: typ, Onset: onset, End: end, ReportIDs: []string{}}
	inj := &injection{ev: ev}
	g.events = append(g.events, inj)
	return inj
}

// onset draws the start of an event lasting d so that it ends before the stream does.
func (g *generator) onset(r *rand.Rand, d time.Duration) (time.Time, time.Duration) {
	period := g.cfg.To.Sub(g.cfg.From)
	if d > period*8/10 {
		d = period * 8 / 10
	}
	slack := period - d - time.Minute
	t := g.cfg.From.Add(time.Duration(r.Float64() * float64(slack))).Truncate(time.Second)
	return t, d
}

// reportCell draws a 12369 channel (phone, WeChat, web) by the bulletin shares.
func reportCell(r *rand.Rand) int {
	x := r.Float64()
	switch {
	case x < 0.48:
		return 0
	case x < 0.90:
		return 1
	}
	return 2
}

// inScope returns the places of the scope among codes, in the order given.
func (g *generator) inScope(codes []string) []*place {
	var out []*place
	for _, c := range codes {
		if p, ok := g.places.byCode[c]; ok {
			out = append(out, p)
		}
	}
	return out
}

// clusterCategories weighs the categories of space-time clusters.
var clusterCategories = []struct {
	cat int
	w   float64
}{{catAir, 0.4}, {catNoise, 0.3}, {catWater, 0.15}, {catSolid, 0.1}, {catEcology, 0.05}}

// planClusters plans bursts of one category in one to three neighbouring counties over 6 hours
// to 3 days, several times (4–10×) the expected count there and then, at least 8 reports, from
// distinct reporters.
func (g *generator) planClusters(n int) {
	r := g.rInject
	cw := make([]float64, len(clusterCategories))
	for i, c := range clusterCategories {
		cw[i] = c.w
	}
	catCum := newCumulative(cw)
	for i := 0; i < n; i++ {
		cat := clusterCategories[catCum.draw(r)].cat
		tp := &topics[g.topics.byCat[cat][g.topics.cum[cat].draw(r)]]
		seed := g.places.drawFlat(r)
		near := g.inScope(g.regions.Neighbours(seed.code, 30))
		if len(near) > 5 {
			near = near[:5]
		}
		r.Shuffle(len(near), func(a, b int) { near[a], near[b] = near[b], near[a] })
		near = near[:min(len(near), between(r, 0, 2))]
		areas := append([]*place{seed}, near...)

		dur := time.Duration(6 * math.Pow(12, r.Float64()) * float64(time.Hour)).Truncate(time.Minute)
		start, dur := g.onset(r, dur)
		expected := 0.0
		for _, p := range areas {
			expected += g.expected(p, cat, start, start.Add(dur))
		}
		k := uniform(r, 4, 10)
		count := int(math.Round(k * expected))
		count = min(max(count, between(r, 8, 14)), 300)

		inj := g.newInjection(EventCluster, i+1, start, start.Add(dur))
		ev := inj.ev
		ev.Category, ev.Subcategory, ev.Expected = categoryCodes[cat], tp.sub, math.Round(expected*1000)/1000
		for _, p := range areas {
			ev.Places = append(ev.Places, p.code)
		}
		var shared *company
		if tp.targetP >= 0.5 && chance(r, 0.6) {
			pool := g.pools.get(g, seed, tp.classes[0])
			shared = pool[r.IntN(len(pool))]
			ev.Target = &EventTarget{Name: shared.name, CreditCode: shared.creditCode}
		}
		water := g.water(r)
		for j := 0; j < count; j++ {
			// a triangular profile: the burst builds up quickly and fades
			at := start.Add(time.Duration(triangular(r, 0.3) * float64(dur))).Truncate(time.Second)
			p := seed
			if len(near) > 0 && !chance(r, 0.6) {
				p = pick(r, near)
			}
			s := spec{at: at, place: p, cat: cat, tp: tp, cell: reportCell(r), inj: inj, target: shared,
				noTarget: shared == nil, named: chance(r, 0.9), water: water, merge: j > 0 && chance(r, 0.25)}
			g.inj = append(g.inj, s)
		}
	}
}

// expected is the expected number of background reports of a category in a place between two
// times.
func (g *generator) expected(p *place, cat int, from, to time.Time) float64 {
	sum := 0.0
	for day := startOfDay(from); day.Before(to); day = day.AddDate(0, 0, 1) {
		lo, hi := day, day.AddDate(0, 0, 1)
		if from.After(lo) {
			lo = from
		}
		if to.Before(hi) {
			hi = to
		}
		sum += g.model.day(day).placeRate(p, g.places, cat) * hi.Sub(lo).Hours() / 24
	}
	return sum
}

func triangular(r *rand.Rand, mode float64) float64 {
	u := r.Float64()
	if u < mode {
		return math.Sqrt(u * mode)
	}
	return 1 - math.Sqrt((1-u)*(1-mode))
}

// WatershedReach is how far down the rivers the truth of a watershed incident follows its
// water: Event.Downstream lists the units it reaches within this time.
const WatershedReach = 7 * 24 * time.Hour

// flowPath is the way water takes from a unit: the unit and the units downstream of it along
// the rivers (into the receiving river of a tributary), with the river distance and the
// flow class of each reach.
type flowPath struct {
	units []basin.Unit
	km    []float64         // km[k]: river distance from units[0] to units[k]
	class []basin.FlowClass // class[k]: the class of the reach from units[k] to units[k+1]
}

// flowFrom follows the water down from a unit's line on its river.
func (g *generator) flowFrom(u basin.Unit) flowPath {
	p := flowPath{units: []basin.Unit{u}, km: []float64{0}}
	for _, r := range g.basins.Reach(u.Code, u.River, math.Inf(1)) {
		prev := p.units[len(p.units)-1]
		c, _ := g.basins.Class(prev.Basin, prev.River)
		p.class = append(p.class, c)
		p.units = append(p.units, r.Unit)
		p.km = append(p.km, r.CumulativeKm)
	}
	c, _ := g.basins.Class(u.Basin, u.River)
	p.class = append(p.class, c) // beyond the last unit: unused
	return p
}

// starts returns the lines of in-scope units whose water passes at least one more in-scope
// unit: where an incident can begin (on a main river or a tributary). A scope without any
// (its units on different rivers) gets its single units.
func (g *generator) starts() []basin.Unit {
	var multi, single []basin.Unit
	for _, b := range g.basins.Basins() {
		for _, river := range g.basins.Rivers(b.ID) {
			for _, u := range g.basins.River(b.ID, river) {
				if len(g.leavesInScope(u.Code)) == 0 {
					continue
				}
				single = append(single, u)
				for _, d := range g.flowFrom(u).units[1:] {
					if len(g.leavesInScope(d.Code)) > 0 {
						multi = append(multi, u)
						break
					}
				}
			}
		}
	}
	if len(multi) > 0 {
		return multi
	}
	return single
}

func (g *generator) leavesInScope(code string) []*place {
	var out []*place
	for _, d := range g.regions.Leaves(code) {
		if p, ok := g.places.byCode[d.Code]; ok {
			out = append(out, p)
		}
	}
	return out
}

// planWatershed plans pollution incidents carried down the rivers: from a unit on a main river
// or a tributary, the water goes down (into the receiving river of a tributary) at a speed
// drawn within each reach's flow class (the same point of every class's range for the whole
// incident), and the in-scope units it passes within 2–6 units report dead fish, odour and
// discolouration when it arrives — 3–5 distinct reporters each for half the incidents (the hard
// case), 4–10 for the others. The truth lists the units reporting (Places, upstream first),
// the speed, and the units the water reaches within WatershedReach of its arrival at the last
// of them, in scope or not (Downstream).
func (g *generator) planWatershed(n int) {
	r := newRand(g.cfg.Seed, streamWater)
	starts := g.starts()
	if len(starts) == 0 {
		return
	}
	for i := 0; i < n; i++ {
		path := g.flowFrom(starts[r.IntN(len(starts))])
		// the units that report: the start and in-scope units downstream, 2–6 of them (fewer
		// where the scope has fewer)
		want := between(r, 2, 6)
		var affected []int
		for k, u := range path.units {
			if len(affected) == want {
				break
			}
			if len(g.leavesInScope(u.Code)) > 0 {
				affected = append(affected, k)
			}
		}
		pos := r.Float64() // where in each class's speed range the water goes
		speed := func(c basin.FlowClass) float64 { return c.MinKmPerDay + pos*(c.MaxKmPerDay-c.MinKmPerDay) }
		arrival := make([]time.Duration, len(path.units)) // from the start
		for k := 1; k < len(path.units); k++ {
			days := (path.km[k] - path.km[k-1]) / speed(path.class[k-1])
			arrival[k] = arrival[k-1] + time.Duration(days*24*float64(time.Hour))
		}
		last := affected[len(affected)-1]
		start, _ := g.onset(r, arrival[last]+24*time.Hour)
		inj := g.newInjection(EventWatershed, i+1, start, start)
		ev := inj.ev
		head := path.units[0]
		ev.Category, ev.Subcategory, ev.Basin, ev.River = "water", watershedTopic.sub, head.Basin, head.River
		ev.SpeedKmPerDay = math.Round(path.km[last]/math.Max(arrival[last].Hours()/24, 1e-9)*10) / 10
		if last == 0 {
			ev.SpeedKmPerDay = math.Round(speed(path.class[0])*10) / 10
		}
		weak := chance(r, 0.5)
		end := start
		for _, k := range affected {
			u := path.units[k]
			ev.Places = append(ev.Places, u.Code)
			counties := g.leavesInScope(u.Code)
			window := time.Duration(between(r, 6, 20)) * time.Hour
			chosen := pickPlaces(r, counties, between(r, 1, 2))
			segment := u.River + strings.TrimSuffix(strings.TrimSuffix(g.prefName(u.Code), "市"), "地区") + "段"
			m := between(r, 4, 10)
			if weak {
				m = between(r, 3, 5)
			}
			for j := 0; j < m; j++ {
				at := start.Add(arrival[k] + time.Duration(r.Float64()*float64(window))).Truncate(time.Second)
				if at.After(end) {
					end = at
				}
				p := pick(r, chosen)
				ev.Counties = appendUnique(ev.Counties, p.code)
				// a weak incident's reporters are distinct people (no merges); a strong one's are
				// sometimes merged as duplicates
				g.inj = append(g.inj, spec{at: at, place: p, cat: catWater, tp: &watershedTopic, cell: reportCell(r), inj: inj,
					noTarget: true, named: chance(r, 0.85), water: segment, style: styleWatershed, merge: !weak && j > 0 && chance(r, 0.2)})
			}
		}
		for k := last + 1; k < len(path.units); k++ {
			if arrival[k]-arrival[last] > WatershedReach {
				break
			}
			ev.Downstream = appendUnique(ev.Downstream, path.units[k].Code)
		}
		sort.Strings(ev.Counties)
		ev.End = end
	}
}

func (g *generator) prefName(code string) string {
	if d, ok := g.regions.Lookup(code); ok {
		if d.Name == "市辖区" {
			if p, ok := g.regions.Province(code); ok {
				return p.Name
			}
		}
		return d.Name
	}
	return ""
}

// pickPlaces draws up to n distinct places by weight.
func pickPlaces(r *rand.Rand, ps []*place, n int) []*place {
	pool := append([]*place(nil), ps...)
	var out []*place
	for len(out) < n && len(pool) > 0 {
		w := make([]float64, len(pool))
		for i, p := range pool {
			w[i] = p.weight
		}
		i := newCumulative(w).draw(r)
		out = append(out, pool[i])
		pool = append(pool[:i], pool[i+1:]...)
	}
	return out
}

func appendUnique(xs []string, x string) []string {
	for _, y := range xs {
		if y == x {
			return xs
		}
	}
	return append(xs, x)
}

// repeatTopics are the subcategories whose targets get reported again and again.
var repeatTopics = []string{"工业废气", "恶臭/异味", "工业废水", "工业噪声", "建设施工噪声", "餐饮油烟", "畜禽养殖废水", "烟粉尘"}

// planRepeats plans targets reported 5–20 times over 3–12 weeks, half of them coming back
// after the first report's case was closed as substantiated.
func (g *generator) planRepeats(n int) {
	r := g.rInject
	period := g.cfg.To.Sub(g.cfg.From)
	for i := 0; i < n; i++ {
		tp := &topics[findTopic(pick(r, repeatTopics))]
		p := g.places.drawFlat(r)
		pool := g.pools.get(g, p, pick(r, tp.classes))
		co := pool[r.IntN(len(pool))]
		count := between(r, 5, 20)
		span := time.Duration(between(r, 21, 84)) * 24 * time.Hour
		start, span := g.onset(r, span)
		after := span >= 20*24*time.Hour && period >= 25*24*time.Hour && chance(r, 0.5)

		inj := g.newInjection(EventRepeat, i+1, start, start.Add(span))
		ev := inj.ev
		ev.Category, ev.Subcategory, ev.Places = categoryCodes[tp.cat], tp.sub, []string{p.code}
		ev.Target = &EventTarget{Name: co.name, CreditCode: co.creditCode}

		times := make([]time.Time, count)
		times[0] = start
		var closeAt time.Time
		if after {
			ev.Kind = "after_closure"
			closeAt = startOfDay(start).AddDate(0, 0, between(r, 10, 16)).Add(time.Duration(between(r, 9*60, 17*60)) * time.Minute)
			rest := start.Add(span).Sub(closeAt) - 24*time.Hour
			for k := 1; k < count; k++ {
				if k == 1 && count > 6 && chance(r, 0.5) { // one more before the closure
					times[k] = start.Add(time.Duration(r.Float64() * float64(closeAt.Sub(start)-24*time.Hour)))
					continue
				}
				times[k] = closeAt.Add(24*time.Hour + time.Duration(r.Float64()*float64(rest)))
			}
		} else {
			for k := 1; k < count; k++ {
				times[k] = start.Add(time.Duration(r.Float64() * float64(span)))
			}
		}
		sort.Slice(times, func(a, b int) bool { return times[a].Before(times[b]) })

		// a few residents report again and again; others join
		var regulars []*contract.Reporter
		for k, m := 0, between(r, 1, 3); k < m; k++ {
			regulars = append(regulars, g.newReporter(r, p, cells[reportCell(r)]))
		}
		end := start
		for k, at := range times {
			at = at.Truncate(time.Second)
			if at.After(end) {
				end = at
			}
			s := spec{at: at, place: p, cat: tp.cat, tp: tp, cell: reportCell(r), inj: inj, target: co,
				style: styleRepeat, repeat: k}
			if chance(r, 0.6) {
				s.reporter = pick(r, regulars)
			}
			if k == 0 {
				s.closeAt = closeAt
				s.named = true
			}
			g.inj = append(g.inj, s)
		}
		ev.End = end
	}
}

// planEmergencies plans sudden incidents and gatherings: 3–15 reports within 1–6 hours,
// mostly flagged, often on behalf of many people.
func (g *generator) planEmergencies(n int) {
	r := g.rInject
	for i := 0; i < n; i++ {
		kind := pick(r, emergencyKinds)
		tp := emergencyTopics[kind]
		p := g.places.drawFlat(r)
		var co *company
		if kind != "fish_kill" || chance(r, 0.5) {
			pool := g.pools.get(g, p, clsChemical)
			co = pool[r.IntN(len(pool))]
		}
		dur := time.Duration(between(r, 60, 360)) * time.Minute
		start, dur := g.onset(r, dur)
		inj := g.newInjection(EventEmergency, i+1, start, start.Add(dur))
		ev := inj.ev
		ev.Kind, ev.Category, ev.Subcategory, ev.Places = kind, categoryCodes[tp.cat], tp.sub, []string{p.code}
		if co != nil {
			ev.Target = &EventTarget{Name: co.name, CreditCode: co.creditCode}
		}
		flag := contract.FlagEmergency
		if kind == "gathering" {
			flag = contract.FlagMassIncidentRisk
		}
		water := g.water(r)
		people := between(r, 5, 30) * 10
		for j, m := 0, between(r, 3, 15); j < m; j++ {
			at := start
			if j > 0 {
				at = start.Add(time.Duration(r.Float64() * float64(dur))).Truncate(time.Second)
			}
			s := spec{at: at, place: p, cat: tp.cat, tp: tp, cell: reportCell(r), inj: inj, target: co,
				noTarget: co == nil, style: styleEmergency, water: water, fast: true, emergCount: people,
				merge: j > 0 && chance(r, 0.4)}
			if chance(r, 0.8) {
				s.flags = []string{flag}
				if chance(r, 0.3) {
					s.flags = append(s.flags, contract.FlagMedia)
				}
			}
			if chance(r, 0.5) {
				s.co = uint32(between(r, 20, 300))
			}
			g.inj = append(g.inj, s)
		}
	}
}
