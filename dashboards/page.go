package dashboards

import (
	"encoding/json"
	"fmt"
	"html/template"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/types"

	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/lifecycle"
	"github.com/ecowatch/ecowatch/webassets"
)

// page is what the template renders for one jurisdiction.
type page struct {
	Title, Name, LevelName string
	Crumbs                 []crumb
	At, Generated          string
	Lag, LagTone           string
	Cards                  []card
	ChildLabel             string
	Children               []childRow
	Places                 []placeRow
	Targets, Repeats       []targetView
	Warnings               []warningView
	WarningsHidden         int
	Bureaus                []bureauView
	BureausHidden          int
	Steps                  []lifecycle.Step
	League                 []bureauView
	LeagueSmall            []bureauView
	LeagueLabel            string
	LeagueSteps            string // the steps most deadlines of the league are of
	Charts                 map[string]chart
	Scripts                []string // script files, relative to the page
	// Data is the JSON the page's script reads (#ew-data): the generation and the charts'
	// options.
	Data                  template.JS
	Access                *accessView // the ministry's page only
	RecentDays, TrendDays int
	MapMissing            bool
}

type crumb struct{ Name, Href string }

// chart is one echarts chart: the element and the option given to setOption.
type chart struct {
	ID     string
	Height string
	Option string // JSON
}

// site is what every page needs to know about the others.
type site struct {
	tree      *tree
	periods   periods
	lag       string
	lagTone   string
	generated time.Time
	pageFiles map[string]string // jurisdiction code → file name, for the pages generated
	gen       string            // the generation's ID (GenerationFile)
	every     time.Duration     // how often a served page checks for a new generation
	root      string            // the root page's jurisdiction code ("" for the nation)
	access    *AccessSummary    // the access audit of the last day, for the national root page
}

func (s *site) pageOf(code string) string { return s.pageFiles[code] }

// unitName is the name of a unit on a jurisdiction's map and tables.
func (s *site) unitName(code string) string {
	if d, ok := s.tree.regions.Lookup(code); ok {
		return d.Name
	}
	if code == "" {
		return "未定位"
	}
	return code
}

func (s *site) placeName(code string) string {
	if n := s.tree.regions.FullName(code); n != "" {
		return n
	}
	return code
}

func (s *site) build(j *jur) (*page, error) {
	p := s.periods
	pg := &page{
		Name: j.Name, Title: j.Name + " · 生态环境举报态势", LevelName: [...]string{"全国", "省级", "市级"}[j.Level],
		At: timeString(p.At), Generated: timeString(s.generated), Lag: s.lag, LagTone: s.lagTone,
		Cards: j.cards(p), RecentDays: RecentDays, TrendDays: TrendDays, Charts: map[string]chart{},
		Steps: lifecycle.Steps, Scripts: []string{webassets.EChartsJS},
		LeagueSteps: lifecycle.StepAccept.Name() + "、" + lifecycle.StepAssign.Name() + "、" + lifecycle.StepClose.Name(),
	}
	// Breadcrumbs: nation › province › city, linked where the page exists.
	chain := []string{""}
	if j.Level >= levelProvince {
		chain = append(chain, j.Code[:2]+"0000")
	}
	if j.Level == levelCity {
		chain = append(chain, j.Code)
	}
	for _, c := range chain {
		n := "全国"
		if c != "" {
			n = s.unitName(c)
		}
		href := ""
		if c != j.Code {
			href = s.pageOf(c)
		}
		pg.Crumbs = append(pg.Crumbs, crumb{Name: n, Href: href})
	}

	pg.ChildLabel = [...]string{"省份", "市（州）", "区县"}[j.Level]
	s.children(j, pg)
	s.places(j, pg)
	for _, t := range j.Targets {
		pg.Targets = append(pg.Targets, s.target(t))
	}
	for _, t := range j.Repeats {
		pg.Repeats = append(pg.Repeats, s.target(t))
	}
	s.warnings(j, pg)
	s.bureaus(j, pg)
	s.league(j, pg)

	if err := s.charts(j, pg); err != nil {
		return nil, err
	}
	if j.Code == s.root && s.access != nil {
		pg.Access = s.accessView(*s.access)
	}
	return pg, s.pageData(pg)
}

// pageData is the JSON of #ew-data: the generation, how often to check for a new one, and the
// options of every chart.
func (s *site) pageData(pg *page) error {
	opts := map[string]json.RawMessage{}
	for id, c := range pg.Charts {
		opts[id] = json.RawMessage(c.Option)
	}
	b, err := json.Marshal(struct {
		Generation string                     `json:"generation"`
		CheckEvery int64                      `json:"check_every_ms"`
		Charts     map[string]json.RawMessage `json:"charts"`
	}{s.gen, s.every.Milliseconds(), opts})
	if err != nil {
		return fmt.Errorf("dashboards: the data of %s: %w", pg.Name, err)
	}
	pg.Data = template.JS(safeJSON(string(b)))
	return nil
}

func (s *site) children(j *jur, pg *page) {
	overdue := map[string]uint64{}
	due := map[string][2]uint64{}
	for code, b := range j.Bureaus {
		u := s.unitOf(j, code)
		overdue[u] += b.overdue()
		d := due[u]
		d[0] += b.OnTime
		d[1] += b.OnTime + b.Late
		due[u] = d
	}
	warnings := map[string]int{}
	for _, w := range j.Warnings {
		seen := map[string]bool{}
		for _, rc := range w.RegionCodes {
			if u := s.unitOf(j, rc); u != "" && !seen[u] {
				seen[u] = true
				warnings[u]++
			}
		}
	}
	units := map[string]bool{}
	for u := range j.Child {
		units[u] = true
	}
	for u := range overdue {
		units[u] = true
	}
	for u := range warnings {
		units[u] = true
	}
	sh, hasMap := mapFor(j.Code)
	if hasMap {
		for code := range sh.Features { // every unit of the map with a page is in the table: its link is the map's drill-down
			if s.pageOf(code) != "" {
				units[code] = true
			}
		}
	}
	for u := range units {
		if u == "" {
			continue
		}
		c := j.Child[u]
		if c == nil {
			c = &counts{}
		}
		qc, tone := change(c[spanQuarter], c[spanPrevQuarter])
		row := childRow{
			Name: s.unitName(u), Href: s.pageOf(u), Today: c[spanToday], Week: c[spanWeek], Recent: c[spanRecent],
			Quarter: c[spanQuarter], QuarterChange: qc, Tone: tone, Warnings: warnings[u], Overdue: overdue[u],
			OnTimeRate: percent(due[u][0], due[u][1]),
		}
		row.HasPage = row.Href != ""
		if hasMap {
			row.MapName = sh.Features[u]
		}
		pg.Children = append(pg.Children, row)
	}
	sort.Slice(pg.Children, func(a, b int) bool {
		x, y := pg.Children[a], pg.Children[b]
		if x.Recent != y.Recent {
			return x.Recent > y.Recent
		}
		if x.Quarter != y.Quarter {
			return x.Quarter > y.Quarter
		}
		return x.Name < y.Name
	})
}

// unitOf is the unit of j's map a region code falls in ("" when none).
func (s *site) unitOf(j *jur, code string) string {
	pl := s.tree.loc.place(code)
	switch j.Level {
	case levelNation:
		return pl.province
	case levelProvince:
		return pl.provChild
	}
	return pl.cityChild
}

func (s *site) places(j *jur, pg *page) {
	type kv struct {
		code string
		c    *counts
	}
	var all []kv
	for code, c := range j.Place {
		if c[spanRecent] > 0 {
			all = append(all, kv{code, c})
		}
	}
	sort.Slice(all, func(a, b int) bool {
		if all[a].c[spanRecent] != all[b].c[spanRecent] {
			return all[a].c[spanRecent] > all[b].c[spanRecent]
		}
		return all[a].code < all[b].code
	})
	for i, e := range all {
		if i == 10 {
			break
		}
		ch, tone := change(e.c[spanRecent], e.c[spanPrevRecent])
		pg.Places = append(pg.Places, placeRow{
			Name: s.placeName(e.code), Recent: e.c[spanRecent], Prev: e.c[spanPrevRecent], Change: ch, Tone: tone,
			Share: percent(e.c[spanRecent], j.Total[spanRecent]),
		})
	}
}

func (s *site) target(t TargetRow) targetView {
	return targetView{
		Name: t.Name, Place: s.placeName(t.RegionCode), Last: t.Last.Format("01-02"),
		Recent: t.Recent, Total: t.Total, Weeks: t.Weeks, People: t.Reporters,
	}
}

const maxWarnings = 30

func (s *site) warnings(j *jur, pg *page) {
	ws := append([]OpenWarning(nil), j.Warnings...)
	sort.SliceStable(ws, func(a, b int) bool {
		if ws[a].Level != ws[b].Level {
			return ws[a].Level < ws[b].Level
		}
		return ws[a].OpenedAt.Before(ws[b].OpenedAt)
	})
	for i, w := range ws {
		if i == maxWarnings {
			pg.WarningsHidden = len(ws) - maxWarnings
			break
		}
		var places []string
		for k, rc := range w.RegionCodes {
			if k == 3 {
				places = append(places, fmt.Sprintf("等 %d 地", len(w.RegionCodes)))
				break
			}
			places = append(places, s.placeName(rc))
		}
		pg.Warnings = append(pg.Warnings, warningView{
			Level: contract.WarningLevelName(w.Level), LevelClass: fmt.Sprintf("l%d", w.Level),
			Kind: contract.WarningKindName(w.Kind), Title: w.Title, Place: strings.Join(places, "、"),
			Age: durationString(s.periods.At.Sub(w.OpenedAt)), Recipients: strings.Join(w.RecipientNames, "、"),
			Status: contract.WarningStatusName(w.Status),
		})
	}
}

const maxBureaus = 15

func (s *site) bureaus(j *jur, pg *page) {
	var rows []bureauView
	for code, b := range j.Bureaus {
		if b.overdue() == 0 {
			continue
		}
		v := bureauView{Name: s.tree.orgs.Bureau(code).Name, Overdue: b.overdue()}
		for _, st := range lifecycle.Steps {
			v.Steps = append(v.Steps, b.Overdue[st])
		}
		v.Oldest = durationString(s.periods.At.Sub(b.OldestDue))
		v.overdueHours = uint64(s.periods.At.Sub(b.OldestDue) / time.Hour)
		rows = append(rows, v)
	}
	sort.Slice(rows, func(a, b int) bool {
		if rows[a].Overdue != rows[b].Overdue {
			return rows[a].Overdue > rows[b].Overdue
		}
		if rows[a].overdueHours != rows[b].overdueHours {
			return rows[a].overdueHours > rows[b].overdueHours
		}
		return rows[a].Name < rows[b].Name
	})
	if len(rows) > maxBureaus {
		pg.BureausHidden = len(rows) - maxBureaus
		rows = rows[:maxBureaus]
	}
	for i := range rows {
		rows[i].Rank = i + 1
	}
	pg.Bureaus = rows
}

// league ranks the on-time rates of the deadlines due in the last TrendDays days: on the
// national page per province (all its bureaus), on a province's page the provincial bureau
// itself and each city (the city's bureaus together), on a city's page each bureau.
func (s *site) league(j *jur, pg *page) {
	type agg struct {
		name         string
		onTime, late uint64
		overdue      uint64
	}
	groups := map[string]*agg{}
	for code, b := range j.Bureaus {
		key, label := code, s.tree.orgs.Bureau(code).Name
		switch j.Level {
		case levelNation:
			pl := s.tree.loc.place(code)
			key = pl.province
			label = s.unitName(pl.province) + "（全省各级）"
			if key == "" {
				key, label = code, s.tree.orgs.Bureau(code).Name
			}
		case levelProvince:
			pl := s.tree.loc.place(code)
			if pl.city != "" {
				key = pl.city
				label = s.unitName(pl.city) + "（市县两级）"
			}
		}
		g := groups[key]
		if g == nil {
			g = &agg{name: label}
			groups[key] = g
		}
		g.onTime += b.OnTime
		g.late += b.Late
		g.overdue += b.overdue()
	}
	switch j.Level {
	case levelNation:
		pg.LeagueLabel = "各省（含省、市、县三级）"
	case levelProvince:
		pg.LeagueLabel = "省厅本级及各市（含市、县两级）"
	default:
		pg.LeagueLabel = "市局及各区县局"
	}
	var ranked, small []bureauView
	for _, g := range groups {
		due := g.onTime + g.late
		if due == 0 {
			continue
		}
		v := bureauView{Name: g.name, Due: due, OnTime: g.onTime, Late: g.late, Overdue: g.overdue,
			Rate: percent(g.onTime, due), rate: float64(g.onTime) / float64(due)}
		if due < leagueMinSample {
			v.LowSample = true
			small = append(small, v)
		} else {
			ranked = append(ranked, v)
		}
	}
	order := func(rows []bureauView) {
		sort.Slice(rows, func(a, b int) bool {
			if rows[a].rate != rows[b].rate {
				return rows[a].rate > rows[b].rate
			}
			if rows[a].Due != rows[b].Due {
				return rows[a].Due > rows[b].Due
			}
			return rows[a].Name < rows[b].Name
		})
	}
	order(ranked)
	order(small)
	for i := range ranked {
		ranked[i].Rank = i + 1
		if i > 0 && ranked[i].rate == ranked[i-1].rate {
			ranked[i].Rank = ranked[i-1].Rank
		}
	}
	pg.League, pg.LeagueSmall = ranked, small
}

// --- charts ---

// echart is what the go-echarts charts have in common.
type echart interface {
	Validate()
	JSON() map[string]interface{}
}

func jsonOption(c echart) (string, error) {
	c.Validate()
	obj := c.JSON()
	if l, ok := obj["legend"].(opts.Legend); ok && (l.Show == nil || !*l.Show) {
		// No legend component at all: echarts would otherwise draw a legend symbol on every
		// region of a map.
		delete(obj, "legend")
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func initOpts(id string) charts.GlobalOpts {
	return charts.WithInitializationOpts(opts.Initialization{ChartID: id, Width: "100%", Height: "100%"})
}

var categoryColors = map[string]string{
	"air": "#5470c6", "water": "#2f9bd8", "noise": "#fac858", "solid_waste": "#8d6e63",
	"soil": "#c2884a", "radiation": "#ee6666", "ecology": "#3ba272", "other": "#9a9a9a",
}

func (s *site) charts(j *jur, pg *page) error {
	p := s.periods
	add := func(id, height string, c echart) error {
		o, err := jsonOption(c)
		if err != nil {
			return fmt.Errorf("dashboards: chart %s of %s: %w", id, j.Name, err)
		}
		pg.Charts[id] = chart{ID: id, Height: height, Option: o}
		return nil
	}

	// Daily trend, stacked by primary category.
	days := p.days()
	labels := make([]string, len(days))
	for i, d := range days {
		labels[i] = d.Format("01-02")
	}
	trend := charts.NewBar()
	trend.SetGlobalOptions(initOpts("c_trend"),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0"}),
		charts.WithGridOpts(opts.Grid{Left: "52", Right: "16", Top: "36", Bottom: "28"}),
		charts.WithAnimation(false))
	trend.SetXAxis(labels)
	for _, cat := range contract.Categories {
		data := make([]opts.BarData, len(days))
		any := false
		for i, d := range days {
			n := j.Daily[d.Format(time.DateOnly)][cat]
			data[i] = opts.BarData{Value: n}
			any = any || n > 0
		}
		if !any {
			continue
		}
		trend.AddSeries(contract.CategoryName(cat), data,
			charts.WithBarChartOpts(opts.BarChart{Stack: "total"}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: categoryColors[cat]}))
	}
	if err := add("c_trend", "100%", trend); err != nil {
		return err
	}

	// Categories: last RecentDays days against the RecentDays before.
	cats := charts.NewBar()
	cats.SetGlobalOptions(initOpts("c_categories"),
		charts.WithXAxisOpts(opts.XAxis{AxisLabel: &opts.AxisLabel{Interval: "0"}}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0"}),
		charts.WithGridOpts(opts.Grid{Left: "52", Right: "16", Top: "36", Bottom: "28"}),
		charts.WithAnimation(false))
	var catLabels []string
	var recent, before []opts.BarData
	for _, cat := range contract.Categories {
		c := j.Category[cat]
		if c == nil || c[spanRecent]+c[spanPrevRecent] == 0 {
			continue
		}
		catLabels = append(catLabels, contract.CategoryName(cat))
		recent = append(recent, opts.BarData{Value: c[spanRecent], ItemStyle: &opts.ItemStyle{Color: categoryColors[cat]}})
		before = append(before, opts.BarData{Value: c[spanPrevRecent]})
	}
	cats.SetXAxis(catLabels)
	cats.AddSeries(fmt.Sprintf("近%d日", RecentDays), recent)
	cats.AddSeries(fmt.Sprintf("前%d日", RecentDays), before, charts.WithItemStyleOpts(opts.ItemStyle{Color: "#c8cdd6"}))
	if err := add("c_categories", "100%", cats); err != nil {
		return err
	}

	// Channel mix (last RecentDays days).
	pie := charts.NewPie()
	pie.SetGlobalOptions(initOpts("c_channels"),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item", Formatter: types.FuncStr("{b}：{c} 件（{d}%）")}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0"}),
		charts.WithAnimation(false))
	var data []opts.PieData
	for _, ch := range contract.Channels {
		if c := j.Channel[ch]; c != nil && c[spanRecent] > 0 {
			data = append(data, opts.PieData{Name: contract.ChannelName(ch), Value: c[spanRecent]})
		}
	}
	for ch, c := range j.Channel {
		if !slices.Contains(contract.Channels, ch) && c[spanRecent] > 0 {
			data = append(data, opts.PieData{Name: contract.ChannelName(ch), Value: c[spanRecent]})
		}
	}
	pie.AddSeries("渠道", data, charts.WithPieChartOpts(opts.PieChart{Radius: []string{"40%", "68%"}, Center: []string{"50%", "45%"}}),
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Formatter: "{d}%"}))
	if err := add("c_channels", "100%", pie); err != nil {
		return err
	}

	// Overdue by step.
	steps := charts.NewBar()
	steps.SetGlobalOptions(initOpts("c_overdue"),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithGridOpts(opts.Grid{Left: "72", Right: "24", Top: "8", Bottom: "24"}),
		charts.WithAnimation(false))
	byStep := map[lifecycle.Step]uint64{}
	for _, b := range j.Bureaus {
		for st, n := range b.Overdue {
			byStep[st] += n
		}
	}
	var stepLabels []string
	var stepData []opts.BarData
	for i := len(lifecycle.Steps) - 1; i >= 0; i-- {
		st := lifecycle.Steps[i]
		if st == lifecycle.StepReturn && byStep[st] == 0 {
			continue
		}
		stepLabels = append(stepLabels, st.Name())
		stepData = append(stepData, opts.BarData{Value: byStep[st]})
	}
	steps.SetXAxis(stepLabels)
	steps.AddSeries("超期", stepData, charts.WithItemStyleOpts(opts.ItemStyle{Color: "#d9534f"}),
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "right"}))
	steps.XYReversal()
	if err := add("c_overdue", "100%", steps); err != nil {
		return err
	}

	// The map of the scope, coloured by reports in the last RecentDays days.
	sh, ok := mapFor(j.Code)
	if !ok {
		pg.MapMissing = true
	} else {
		pg.Scripts = append(pg.Scripts, sh.File)
		var data []opts.MapData
		var top uint64
		codes := make([]string, 0, len(sh.Features))
		for code := range sh.Features {
			codes = append(codes, code)
		}
		sort.Strings(codes)
		for _, code := range codes {
			fname := sh.Features[code]
			var n uint64
			if c := j.Child[code]; c != nil {
				n = c[spanRecent]
			}
			top = max(top, n)
			data = append(data, opts.MapData{Name: fname, Value: n})
		}
		m := charts.NewMap()
		m.RegisterMapType(sh.Name)
		m.SetGlobalOptions(initOpts("c_map"),
			charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item", Formatter: types.FuncStr(fmt.Sprintf("{b}：近%d日 {c} 件", RecentDays))}),
			charts.WithVisualMapOpts(opts.VisualMap{
				Type: "continuous", Calculable: opts.Bool(true), Min: 0, Max: float32(max(top, 1)),
				Left: "8", Bottom: "8", Text: []string{"多", "少"},
				InRange: &opts.VisualMapInRange{Color: []string{"#eef5fb", "#9ecae1", "#4292c6", "#08519c", "#08306b"}},
			}),
			charts.WithAnimation(false))
		m.AddSeries(fmt.Sprintf("近%d日举报", RecentDays), data,
			charts.WithLabelOpts(opts.Label{Show: opts.Bool(j.Level != levelNation), FontSize: 10}),
			charts.WithEmphasisOpts(opts.Emphasis{Label: &opts.Label{Show: opts.Bool(true)}}))
		if err := add("c_map", "100%", m); err != nil {
			return err
		}
	}
	return nil
}

// safeJSON makes JSON safe inside an HTML <script> element: no "<", ">" or "&" (they cannot
// close the element or start a comment), no U+2028/2029. JSON strings accept the escapes and
// nothing outside a string contains those characters.
func safeJSON(s string) string {
	return strings.NewReplacer("<", `\u003c`, ">", `\u003e`, "&", `\u0026`, "\u2028", `\u2028`, "\u2029", `\u2029`).Replace(s)
}
