package reports

import (
	"encoding/json"
	"fmt"
	"html/template"
	"sort"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/render"

	"github.com/ecowatch/ecowatch/webassets"
)

// Charts are drawn with go-echarts from the tables of the page (so a chart never shows a number
// the tables withhold). Each chart has a fixed id and no animation, so the output is the same
// byte for byte at every run and a screenshot shows the final drawing. The scripts are loaded
// from the site's own assets folder (webassets): go-echarts' AssetsHost is the relative
// "assets/", and the page writes the <script> tags itself.

// chart is one rendered chart.
type chart struct {
	ID, Title string
	Note      string
	Element   template.HTML
	Script    template.HTML
}

const assetsHost = webassets.Dir + "/"

func initOpts(id, height string) charts.GlobalOpts {
	return charts.WithInitializationOpts(opts.Initialization{
		ChartID: id, AssetsHost: assetsHost, Width: "100%", Height: height, PageTitle: "",
	})
}

func snippet(r render.Renderer, id, title, note string) chart {
	s := r.RenderSnippet()
	return chart{ID: id, Title: title, Note: note, Element: template.HTML(s.Element), Script: template.HTML(s.Script)}
}

// extraOptions adds echarts options go-echarts has no field for: to every series, and to the
// top level of the option object.
type extraOptions struct {
	charts.BaseConfigurationVisitor
	series, top map[string]any
}

func (e extraOptions) VisitSeriesOpt(series charts.MultiSeries) interface{} {
	b, err := json.Marshal(series)
	if err != nil {
		return series
	}
	var list []map[string]any
	if json.Unmarshal(b, &list) != nil {
		return series
	}
	for _, m := range list {
		for k, v := range e.series {
			m[k] = v
		}
	}
	return list
}

func (e extraOptions) Visit(chart map[string]interface{}) {
	for k, v := range e.top {
		chart[k] = v
	}
}

// monthChart: reports and petitions received by month, beside the same month last year.
func monthChart(t *Table) *chart {
	if t == nil || len(t.Rows) == 0 {
		return nil
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(initOpts("chart_month", "340px"), charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0"}),
		charts.WithGridOpts(opts.Grid{Left: "10", Right: "20", Top: "40", Bottom: "40", ContainLabel: opts.Bool(true)}),
		charts.WithYAxisOpts(opts.YAxis{Name: "件"}))
	var months []string
	var cur, last []opts.BarData
	hasLast := false
	for _, r := range t.Rows {
		months = append(months, r.Cells[0].Text)
		cur = append(cur, barValue(r.Cells[1]))
		last = append(last, barValue(r.Cells[2]))
		hasLast = hasLast || r.Cells[2].usable()
	}
	bar.SetXAxis(months)
	label := charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: "top"})
	bar.AddSeries("本季度各月", cur, charts.WithBarChartOpts(opts.BarChart{BarWidth: "30%"}), label)
	if hasLast {
		bar.AddSeries("去年同月", last, charts.WithBarChartOpts(opts.BarChart{BarWidth: "30%"}), label)
	}
	c := snippet(bar, "chart_month", "图1 各月接到举报和信访件数", "数据见表“按月份统计”。")
	return &c
}

func barValue(c Cell) opts.BarData {
	if !c.usable() {
		return opts.BarData{Value: "-"} // echarts draws nothing for "-"
	}
	return opts.BarData{Value: uint64(c.Value)}
}

// categoryChart: the share of each category (shares sum past 100%).
func categoryChart(t *Table) *chart {
	if t == nil || len(t.Rows) == 0 {
		return nil
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(initOpts("chart_category", "340px"), charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithXAxisOpts(opts.XAxis{Name: "%"}),
		charts.WithGridOpts(opts.Grid{Left: "10", Right: "50", ContainLabel: opts.Bool(true)}))
	si := columnIndex(t.Columns, "share")
	rows := append([]Row(nil), t.Rows...)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Cells[si].Value < rows[j].Cells[si].Value })
	var names []string
	var data []opts.BarData
	// largest at the top: the y axis of a horizontal bar chart runs upwards
	for _, r := range rows {
		names = append(names, r.Cells[0].Text)
		if c := r.Cells[si]; c.usable() {
			data = append(data, opts.BarData{Value: roundTo1(c.Value), Label: &opts.Label{Show: opts.Bool(true), Position: "right",
				Formatter: strings.TrimSuffix(t.format(t.Columns[si], c), "%")}})
		} else {
			data = append(data, opts.BarData{Value: "-"})
		}
	}
	bar.SetXAxis(names)
	bar.AddSeries("占接到总件数比例（%）", data, charts.WithBarChartOpts(opts.BarChart{BarWidth: "50%"}))
	bar.XYReversal()
	c := snippet(bar, "chart_category", "图2 各类别举报占比（%）", "一件举报可涉及多个类别，各类别占比之和超过百分之百。数据见表“按污染类别统计”。")
	return &c
}

// channelChart: the channel mix as a pie.
func channelChart(t *Table) *chart {
	if t == nil || len(t.Rows) == 0 {
		return nil
	}
	pie := charts.NewPie()
	pie.SetGlobalOptions(initOpts("chart_channel", "340px"), charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}))
	// slices under 1% get no label (their names are in the table); labels never overlap
	pie.Accept(extraOptions{series: map[string]any{"minShowLabelAngle": 3.6, "avoidLabelOverlap": true}})
	var data []opts.PieData
	si := columnIndex(t.Columns, "share")
	for _, r := range t.Rows {
		if c := r.Cells[1]; c.usable() && c.Value > 0 {
			// the label shows the table's share, so that chart and table agree to the digit
			d := opts.PieData{Name: r.Cells[0].Text, Value: uint64(c.Value)}
			if sh := r.Cells[si]; sh.usable() {
				d.Label = &opts.Label{Show: opts.Bool(true), Formatter: "{b}\n" + t.format(t.Columns[si], sh)}
			}
			data = append(data, d)
		}
	}
	if len(data) == 0 {
		return nil
	}
	pie.AddSeries("渠道", data, charts.WithPieChartOpts(opts.PieChart{Radius: []string{"30%", "58%"}, Center: []string{"50%", "52%"}}),
		charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Formatter: "{b}"}))
	c := snippet(pie, "chart_channel", "图3 接到举报和信访的渠道构成", "件数少于公开阈值的渠道不在图中，占比不足1%的渠道不标注。数据见表“按渠道统计”。")
	return &c
}

// mapChart: the scope by next-level region, from the region table; the map script is the
// scope's map in webassets.
func mapChart(t *Table, scopeCode string, units map[string]unit) (*chart, string) {
	if t == nil {
		return nil, ""
	}
	m, ok := webassets.Lookup(scopeCode)
	if !ok {
		return nil, ""
	}
	var data []opts.MapData
	var values []float64
	shown := 0
	for _, r := range t.Rows {
		c := r.Cells[1]
		if units[r.Key].Self || !c.usable() {
			continue
		}
		name, ok := m.Features[r.Key]
		if !ok {
			continue
		}
		data = append(data, opts.MapData{Name: name, Value: uint64(c.Value)})
		values = append(values, c.Value)
		shown++
	}
	if shown == 0 {
		return nil, ""
	}
	mp := charts.NewMap()
	mp.RegisterMapType(m.Name)
	// no legend and no legend symbol on the regions: the visual map is the key
	mp.Accept(extraOptions{series: map[string]any{"showLegendSymbol": false}})
	mp.SetGlobalOptions(initOpts("chart_map", "520px"), charts.WithAnimation(false),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "item"}),
		charts.WithVisualMapOpts(opts.VisualMap{Type: "piecewise", Pieces: pieces(values), Left: "10", Bottom: "20"}))
	mp.AddSeries("接到件数", data, charts.WithLabelOpts(opts.Label{Show: opts.Bool(false)}),
		charts.WithItemStyleOpts(opts.ItemStyle{BorderColor: "#999"}))
	c := snippet(mp, "chart_map", "图4 各地区接到举报和信访件数", "灰色为无数据或件数少于公开阈值。数据见表“"+t.Title+"”。")
	return &c, m.File
}

// mapColors is the ramp of the map's classes, light to dark.
var mapColors = []string{"#fde0d2", "#f9b39a", "#ef7f62", "#d24b3e", "#9e1b1b"}

// pieces cuts the values into up to five classes at their quintiles, rounded down to two
// significant digits (skewed counts — one big city, many small ones — stay readable).
func pieces(values []float64) []opts.Piece {
	v := append([]float64(nil), values...)
	sort.Float64s(v)
	var breaks []float64
	for _, q := range []float64{0.2, 0.4, 0.6, 0.8} {
		b := niceFloor(v[int(q*float64(len(v)-1)+0.5)])
		if b > 0 && (len(breaks) == 0 || b > breaks[len(breaks)-1]) {
			breaks = append(breaks, b)
		}
	}
	var out []opts.Piece
	lo := float32(0)
	for i := 0; i <= len(breaks); i++ {
		p := opts.Piece{Gte: lo, Color: mapColors[i+len(mapColors)-len(breaks)-1]}
		if i < len(breaks) {
			p.Lt = float32(breaks[i])
			lo = p.Lt
		}
		out = append(out, p)
	}
	return out
}

// niceFloor rounds down to two significant digits.
func niceFloor(v float64) float64 {
	if v < 10 {
		return float64(int(v))
	}
	p := 1.0
	for v/p >= 100 {
		p *= 10
	}
	return float64(int(v/p)) * p
}

// checkLocal fails when a chart snippet names a remote resource: the page must work offline.
func checkLocal(c chart) error {
	for _, s := range []string{string(c.Element), string(c.Script)} {
		if strings.Contains(s, "http://") || strings.Contains(s, "https://") || strings.Contains(s, "//cdn") {
			return fmt.Errorf("reports: chart %s refers to a remote resource", c.ID)
		}
	}
	return nil
}
