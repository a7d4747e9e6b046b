package reports

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/lifecycle"
)

// The tables of the page. Each builder returns nil when it has nothing to show.

// common column sets
func periodColumns(curName string) []Column {
	return []Column{
		{Key: "quarter", Name: curName, Desc: "本季度接到的件数", kind: colCount},
		{Key: "share", Name: "占比", Desc: "占本季度接到总件数的比例", kind: colPercent},
		{Key: "previous", Name: "上季度", Desc: "上一季度接到的件数", kind: colCount},
		{Key: "qoq", Name: "环比", Desc: "本季度比上季度增减的百分比", kind: colChange},
		{Key: "last_year", Name: "去年同期", Desc: "上一年同一季度接到的件数", kind: colCount},
		{Key: "yoy", Name: "同比", Desc: "本季度比去年同期增减的百分比", kind: colChange},
	}
}

// periodCells fills quarter/previous/last_year counts; shares and changes are derived after the
// small-count rule by derivePeriodCells.
func (f *figures) periodCells(n [3]uint64) []Cell {
	return []Cell{
		count(n[pQ]), missing(),
		countOr(n[pP], f.avail[pP]), missing(),
		countOr(n[pY], f.avail[pY]), missing(),
	}
}

// derivePeriodCells computes share (against whole), qoq and yoy from the count cells at
// offset (quarter, share, previous, qoq, last_year, yoy).
func derivePeriodCells(rows []Row, offset int, whole Cell) {
	for i := range rows {
		c := rows[i].Cells[offset:]
		c[1] = share(c[0], whole)
		c[3] = change(c[0], c[2])
		c[5] = change(c[0], c[4])
	}
}

// overallTable: 表 总体情况.
func (f *figures) overallTable() *Table {
	t := &Table{ID: "overall", Title: "总体情况", Columns: []Column{
		{Key: "item", Name: "项目", Desc: "统计项目", kind: colText},
		{Key: "total", Name: "合计", Desc: "12369举报和信访合计（件）", kind: colCount},
		{Key: "report", Name: "12369举报", Desc: "12369环保举报（电话、微信、网络）", kind: colCount},
		{Key: "petition", Name: "信访", Desc: "生态环境信访（来信、来访、网络、传真等）", kind: colCount},
		{Key: "previous", Name: "上季度合计", Desc: "上一季度的合计（件）", kind: colCount},
		{Key: "qoq", Name: "环比", Desc: "合计比上季度增减的百分比", kind: colChange},
		{Key: "last_year", Name: "去年同期合计", Desc: "上一年同一季度的合计（件）", kind: colCount},
		{Key: "yoy", Name: "同比", Desc: "合计比去年同期增减的百分比", kind: colChange},
	}}
	t.Note = "接到件数按接到时间统计；受理、不予受理、交办转办、办结、答复和合并办理为本季度接到的举报截至季度末的办理情况（上季度为截至上季度末，去年同期只比较接到件数）；" +
		"尚未作出受理决定的件数为接到件数减去受理和不予受理件数。"
	type line struct {
		key, name string
		get       func(metrics) uint64
	}
	lines := []line{
		{"received", "接到举报和信访", func(m metrics) uint64 { return m.Received }},
		{"accepted", "其中：受理", func(m metrics) uint64 { return m.Accepted }},
		{"rejected", "不予受理", func(m metrics) uint64 { return m.Rejected }},
		{"undecided", "尚未作出受理决定", func(m metrics) uint64 { return sub0(m.Received, m.Accepted+m.Rejected) }},
		{"assigned", "交办、转办", func(m metrics) uint64 { return m.Assigned }},
		{"closed", "办结", func(m metrics) uint64 { return m.Closed }},
		{"replied", "答复举报人、信访人", func(m metrics) uint64 { return m.Replied }},
		{"merged", "合并办理", func(m metrics) uint64 { return m.Merged }},
	}
	for _, l := range lines {
		// the handling of the same quarter last year is not computed: only receipts compare
		row := Row{Key: l.key, Cells: []Cell{text(l.name),
			count(l.get(f.total(pQ))), count(l.get(f.kindTotal(pQ, contract.KindReport))), count(l.get(f.kindTotal(pQ, contract.KindPetition))),
			countOr(l.get(f.total(pP)), f.avail[pP]), missing(), countOr(l.get(f.total(pY)), f.avail[pY] && l.key == "received"), missing()}}
		t.Rows = append(t.Rows, row)
	}
	if f.hasMatters[pQ] {
		m := func(p PeriodIndex, kind string) (uint64, bool) {
			if !f.hasMatters[p] || !f.avail[p] {
				return 0, false
			}
			if kind != "" {
				return f.matters[p][kind].Matters, true
			}
			var n uint64
			for _, c := range f.matters[p] {
				n += c.Matters
			}
			return n, true
		}
		row := Row{Key: "matters", Cells: []Cell{text("接到的举报涉及事项数（合并同一事项后）")}}
		for _, k := range []string{"", contract.KindReport, contract.KindPetition} {
			n, ok := m(pQ, k)
			row.Cells = append(row.Cells, countOr(n, ok))
		}
		n, ok := m(pP, "")
		row.Cells = append(row.Cells, countOr(n, ok), missing())
		n, ok = m(pY, "")
		row.Cells = append(row.Cells, countOr(n, ok), missing())
		t.Rows = append(t.Rows, row)
		t.Note += "事项数按案件状态（合并办理关系）统计，同一事项的多件举报计为一个事项。"
	}
	for i := range t.Rows {
		c := t.Rows[i].Cells
		c[5] = change(c[1], c[4])
		c[7] = change(c[1], c[6])
	}
	return t
}

func sub0(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

// reasonsTable: 不予受理原因.
func (f *figures) reasonsTable() *Table {
	var items []item
	seen := map[string]bool{}
	for p := range 3 {
		for r := range f.reasons[p] {
			seen[r] = true
		}
	}
	for r := range seen {
		it := item{Key: r, Name: r}
		if it.Name == "" {
			it.Name = "未注明原因"
		}
		for p := range 3 {
			for _, k := range kinds {
				it.N[p] += f.reasons[p][r][k]
			}
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		return nil
	}
	sortItems(items)
	items = mergeSmall(items, f.threshold, "~other", "其他原因")
	t := &Table{ID: "rejection_reasons", Title: "不予受理原因", Columns: []Column{
		{Key: "reason", Name: "原因", Desc: "不予受理的原因（办理单位填报；件数少于公开阈值的合并为“其他原因”）", kind: colText},
		{Key: "total", Name: "合计", Desc: "本季度接到、截至季度末不予受理的件数", kind: colCount},
		{Key: "report", Name: "12369举报", Desc: "其中12369举报", kind: colCount},
		{Key: "petition", Name: "信访", Desc: "其中信访", kind: colCount},
		{Key: "share", Name: "占不予受理比例", Desc: "占本季度不予受理件数的比例", kind: colPercent},
		{Key: "previous", Name: "上季度", Desc: "上季度接到、截至上季度末不予受理的件数", kind: colCount},
	}}
	merged := map[string]bool{}
	for r := range seen {
		merged[r] = true
	}
	for _, it := range items {
		delete(merged, it.Key)
	}
	for _, it := range items {
		byKind := func(kind string) uint64 {
			if it.Key != "~other" {
				return f.reasons[pQ][it.Key][kind]
			}
			var n uint64
			for r := range merged {
				n += f.reasons[pQ][r][kind]
			}
			return n
		}
		t.Rows = append(t.Rows, Row{Key: it.Key, Cells: []Cell{text(it.Name), count(it.N[pQ]),
			count(byKind(contract.KindReport)), count(byKind(contract.KindPetition)),
			missing(), countOr(it.N[pP], f.avail[pP])}})
	}
	suppressTable(f.threshold, t.Rows, []int{1, 2, 3, 5}, []int{1, 2, 3, 5}, []int{1, 2, 3})
	var rejected uint64
	for _, it := range items {
		rejected += it.N[pQ]
	}
	for i := range t.Rows {
		t.Rows[i].Cells[4] = share(t.Rows[i].Cells[1], count(rejected))
	}
	return t
}

// stepLabel is a step with its period, from the lifecycle's one name of the step and the
// periods of its rules: 受理（15日内）, 办结（60日内，经批准可延长30日）.
func stepLabel(s lifecycle.Step) string {
	var periods []string
	for _, r := range s.Rules() {
		if p := r.Period(); p != "" && !slices.Contains(periods, p) {
			periods = append(periods, p)
		}
	}
	if len(periods) == 0 {
		return s.Name()
	}
	label := s.Name() + "（" + strings.Join(periods, "或") + "内"
	if s == lifecycle.StepClose {
		label += "，经批准可延长" + strconv.Itoa(lifecycle.MaxExtensionDays) + "日"
	}
	return label + "）"
}

// regulations are the short names of the two regulations in the 依据 column.
var regulations = []struct{ title, short string }{
	{"《生态环境举报热线工作管理办法》", "12369"},
	{"《生态环境信访工作办法》", "信访"},
}

// stepBasis cites the articles of a step's rules: 12369第九条、信访第十七条.
func stepBasis(s lifecycle.Step) string {
	var cites []string
	for _, r := range s.Rules() {
		c := r.Article
		for _, reg := range regulations {
			if rest, ok := strings.CutPrefix(c, reg.title); ok {
				c = reg.short + rest
			}
		}
		if !slices.Contains(cites, c) {
			cites = append(cites, c)
		}
	}
	return strings.Join(cites, "、")
}

// deadlinesTable: 按期办理情况.
func (f *figures) deadlinesTable() *Table {
	if f.statesAsOf.IsZero() || len(f.deadlines[pQ]) == 0 {
		return nil
	}
	t := &Table{ID: "on_time", Title: "按期办理情况", Columns: []Column{
		{Key: "step", Name: "办理环节及期限", Desc: "有法定期限的办理环节", kind: colText},
		{Key: "basis", Name: "依据", Desc: "规定期限的条款（12369：" + regulations[0].title + "；信访：" + regulations[1].title + "）", kind: colText},
		{Key: "due", Name: "本季度到期", Desc: "期限届满日在本季度内的件数（不含尚未届满和听证暂停的）", kind: colCount},
		{Key: "met", Name: "按期办理", Desc: "在期限内完成的件数", kind: colCount},
		{Key: "late_done", Name: "逾期办理", Desc: "超过期限后完成的件数", kind: colCount},
		{Key: "overdue", Name: "逾期未办", Desc: "期限已过、截至统计时仍未完成的件数", kind: colCount},
		{Key: "on_time_rate", Name: "按期率", Desc: "按期办理件数占到期件数的比例", kind: colPercent},
		{Key: "previous_rate", Name: "上季度按期率", Desc: "上季度的按期率", kind: colPercent},
		{Key: "change", Name: "变化", Desc: "按期率比上季度增减的百分点", kind: colPoints},
	}}
	for _, s := range lifecycle.Steps {
		c, ok := f.deadlines[pQ][s]
		if !ok {
			continue
		}
		due := c.Met + c.MissedDone + c.Overdue
		if due == 0 {
			continue
		}
		rate := number(float64(c.Met) / float64(due) * 100)
		prev := missing()
		if pc, ok := f.deadlines[pP][s]; ok && f.avail[pP] {
			if pd := pc.Met + pc.MissedDone + pc.Overdue; pd > 0 {
				prev = number(float64(pc.Met) / float64(pd) * 100)
			}
		}
		t.Rows = append(t.Rows, Row{Key: string(s), Cells: []Cell{text(stepLabel(s)), text(stepBasis(s)), count(due), count(c.Met),
			count(c.MissedDone), count(c.Overdue), rate, prev, points(rate, prev)}})
	}
	if len(t.Rows) == 0 {
		return nil
	}
	t.Note = "按案件状态计算结果统计（截至" + dateName(f.statesAsOf) + "）；逾期未办以该时点为准。"
	return t
}

// cohortTables: 60日办理期限届满情况, overall and by region.
func (f *figures) cohortTable() *Table {
	var total [2]uint64
	for _, c := range f.cohort {
		total[0] += c[0]
		total[1] += c[1]
	}
	if total[0] == 0 {
		return nil
	}
	t := &Table{ID: "cohort_60_days", Title: "60日办理期限届满情况", Note: "各地区按未办结件数从多到少排列；未办结件数少于公开阈值的地区合并为“其他地区”。", Columns: []Column{
		{Key: "region", Name: "地区", Desc: "下一级行政区（合计行为全部）", kind: colText},
		{Key: "accepted", Name: "受理件数", Desc: "在统计窗口内受理、60日办理期限在本季度届满的件数（不含合并到其他举报办理的）", kind: colCount},
		{Key: "closed", Name: "截至季度末已办结", Desc: "其中季度末前已办结的件数", kind: colCount},
		{Key: "open", Name: "未办结", Desc: "其中季度末仍未办结的件数（含经批准延期的）", kind: colCount},
		{Key: "closed_rate", Name: "办结率", Desc: "已办结件数占受理件数的比例", kind: colPercent},
	}}
	t.Rows = append(t.Rows, Row{Key: "total", Cells: []Cell{text("合计"), count(total[0]), count(total[1]), count(total[0] - total[1]), missing()}})
	// the regions with open cases, most first; those with fewer open cases than the threshold
	// are merged into one row
	var items []item
	for _, code := range f.unitCodes() {
		c, ok := f.cohort[code]
		if !ok || c[0] == 0 {
			continue
		}
		items = append(items, item{Key: code, Name: f.units[code].Name, N: [3]uint64{c[0] - c[1], c[0], c[1]}})
	}
	sortItems(items)
	items = mergeSmall(items, f.threshold, "~other", "其他地区")
	var rows []Row
	for _, it := range items {
		rows = append(rows, Row{Key: it.Key, Cells: []Cell{text(it.Name), count(it.N[1]), count(it.N[2]), count(it.N[0]), missing()}})
	}
	if len(rows) == 1 && rows[0].Key == "~other" {
		rows = nil // everything merged: the total says it all
	}
	suppressTable(f.threshold, rows, []int{1, 2, 3}, []int{1, 2, 3}, []int{1, 2, 3})
	t.Rows = append(t.Rows, rows...)
	for i := range t.Rows {
		c := t.Rows[i].Cells
		c[4] = share(c[2], c[1])
	}
	return t
}

// channelTable: 按渠道.
func (f *figures) channelTable() *Table {
	var items []item
	for _, k := range kinds {
		for _, ch := range contract.Channels {
			key := k + "/" + ch
			it := item{Key: key, Name: contract.KindName(k) + "·" + contract.ChannelName(ch)}
			for p := range 3 {
				it.N[p] = f.channel[p][key]
			}
			if it.N[0]+it.N[1]+it.N[2] > 0 {
				items = append(items, it)
			}
		}
	}
	t := &Table{ID: "by_channel", Title: "按渠道统计", Columns: append([]Column{
		{Key: "channel", Name: "渠道", Desc: "举报类型及渠道", kind: colText}}, periodColumns("本季度")...)}
	t.Note = "占比为占本季度接到总件数的比例。"
	for _, it := range items {
		t.Rows = append(t.Rows, Row{Key: it.Key, Cells: append([]Cell{text(it.Name)}, f.periodCells(it.N)...)})
	}
	suppressTable(f.threshold, t.Rows, []int{1, 3, 5}, []int{1, 3, 5}, nil)
	derivePeriodCells(t.Rows, 1, count(f.total(pQ).Received))
	return t
}

// categoryTable: 按类别 (categories[]; shares sum past 100%).
func (f *figures) categoryTable() *Table {
	t := &Table{ID: "by_category", Title: "按污染类别统计", Columns: append(append([]Column{
		{Key: "category", Name: "类别", Desc: "污染或生态破坏类别", kind: colText}}, periodColumns("本季度")...),
		Column{Key: "report", Name: "其中12369举报", Desc: "本季度12369举报中涉及该类别的件数", kind: colCount},
		Column{Key: "petition", Name: "其中信访", Desc: "本季度信访中涉及该类别的件数", kind: colCount})}
	t.Note = "一件举报可涉及多个类别，按涉及的每个类别各计一次，各类别占比之和超过100%。"
	for _, c := range contract.Categories {
		var n [3]uint64
		for p := range 3 {
			for _, k := range kinds {
				n[p] += f.category[p][c][k]
			}
		}
		if n[0]+n[1]+n[2] == 0 {
			continue
		}
		cells := append([]Cell{text(contract.CategoryName(c))}, f.periodCells(n)...)
		cells = append(cells, count(f.category[pQ][c][contract.KindReport]), count(f.category[pQ][c][contract.KindPetition]))
		t.Rows = append(t.Rows, Row{Key: c, Cells: cells})
	}
	suppressTable(f.threshold, t.Rows, []int{1, 3, 5, 7, 8}, nil, []int{1, 7, 8}) // categories overlap: columns add up to nothing shown
	derivePeriodCells(t.Rows, 1, count(f.total(pQ).Received))
	return t
}

// subcategoryTable: the leading sub-types within air, noise and water.
func (f *figures) subcategoryTable() *Table {
	threshold := f.threshold
	t := &Table{ID: "by_subcategory", Title: "大气、噪声、水类举报细分", Columns: []Column{
		{Key: "category", Name: "类别", Desc: "主要类别", kind: colText},
		{Key: "subcategory", Name: "细分类型", Desc: "举报的细分类型；件数少于公开阈值的合并为“其他”", kind: colText},
		{Key: "quarter", Name: "本季度", Desc: "本季度接到的件数（按主要类别）", kind: colCount},
		{Key: "share", Name: "占该类比例", Desc: "占本季度该主要类别件数的比例", kind: colPercent},
		{Key: "previous", Name: "上季度", Desc: "上季度接到的件数", kind: colCount},
		{Key: "qoq", Name: "环比", Desc: "比上季度增减的百分比", kind: colChange},
	}}
	t.Note = "按每件举报的主要类别统计。"
	for _, c := range []string{"air", "noise", "water"} {
		var items []item
		seen := map[string]bool{}
		for p := range 3 {
			for s := range f.sub[p][c] {
				seen[s] = true
			}
		}
		var classTotal [3]uint64
		for s := range seen {
			it := item{Key: c + "/" + s, Name: s}
			if s == "" {
				it.Name = "未细分"
			}
			for p := range 3 {
				it.N[p] = f.sub[p][c][s]
				classTotal[p] += it.N[p]
			}
			items = append(items, it)
		}
		if classTotal[0] == 0 {
			continue
		}
		sortItems(items)
		items = mergeSmall(items, threshold, c+"/~other", "其他")
		start := len(t.Rows)
		for _, it := range items {
			t.Rows = append(t.Rows, Row{Key: it.Key, Cells: []Cell{text(contract.CategoryName(c)), text(it.Name),
				count(it.N[pQ]), missing(), countOr(it.N[pP], f.avail[pP]), missing()}})
		}
		rows := t.Rows[start:]
		suppressTable(threshold, rows, []int{2, 4}, []int{2, 4}, nil)
		for i := range rows {
			cl := rows[i].Cells
			cl[3] = share(cl[2], count(classTotal[pQ]))
			cl[5] = change(cl[2], cl[4])
		}
	}
	if len(t.Rows) == 0 {
		return nil
	}
	return t
}

// industryTable: 被举报对象所属行业.
func (f *figures) industryTable() *Table {
	threshold := f.threshold
	seen := map[string]bool{}
	for p := range 3 {
		for s := range f.industry[p] {
			seen[s] = true
		}
	}
	var items []item
	var unspecified item
	for s := range seen {
		it := item{Key: s, Name: s}
		for p := range 3 {
			it.N[p] = f.industry[p][s]
		}
		if s == "" {
			unspecified = item{Key: "~unspecified", Name: "未注明行业", N: it.N}
			continue
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		return nil
	}
	sortItems(items)
	items = mergeSmall(items, threshold, "~other", "其他行业")
	items = capItems(items, maxIndustries, "~other", "其他行业")
	if unspecified.N[0]+unspecified.N[1]+unspecified.N[2] > 0 {
		items = append(items, unspecified)
	}
	t := &Table{ID: "by_industry", Title: "被举报对象所属行业", Columns: append([]Column{
		{Key: "industry", Name: "行业", Desc: "被举报对象所属国民经济行业（GB/T 4754）；件数少于公开阈值的合并为“其他行业”", kind: colText}},
		periodColumns("本季度")...)}
	t.Note = "占比为占本季度接到总件数的比例。"
	for _, it := range items {
		t.Rows = append(t.Rows, Row{Key: it.Key, Cells: append([]Cell{text(it.Name)}, f.periodCells(it.N)...)})
	}
	suppressTable(threshold, t.Rows, []int{1, 3, 5}, []int{1, 3, 5}, nil)
	derivePeriodCells(t.Rows, 1, count(f.total(pQ).Received))
	return t
}

// regionTable: 按地区 (next level).
func (f *figures) regionTable() *Table {
	lvl := f.scope.unitLevelName()
	t := &Table{ID: "by_region", Title: "按地区统计（" + lvl + "）", Columns: append(append([]Column{
		{Key: "region", Name: "地区", Desc: "下一级行政区（按举报反映问题所在地）", kind: colText}},
		periodColumns("本季度")...),
		Column{Key: "closed", Name: "截至季度末办结", Desc: "本季度接到、截至季度末已办结的件数", kind: colCount},
	)}
	t.Note = "占比为占本季度接到总件数的比例。"
	for _, code := range f.unitCodes() {
		var n [3]uint64
		for p := range 3 {
			if m := f.region[p][code]; m != nil {
				n[p] = m.Received
			}
		}
		if n[0]+n[1]+n[2] == 0 {
			continue
		}
		var closed uint64
		if m := f.region[pQ][code]; m != nil {
			closed = m.Closed
		}
		cells := append([]Cell{text(f.units[code].Name)}, f.periodCells(n)...)
		cells = append(cells, count(closed))
		t.Rows = append(t.Rows, Row{Key: code, Cells: cells})
	}
	suppressTable(f.threshold, t.Rows, []int{1, 3, 5, 7}, []int{1, 3, 5, 7}, nil)
	derivePeriodCells(t.Rows, 1, count(f.total(pQ).Received))
	return t
}

// regionChannelTable: channel mix by region (counts and the leading channel).
func (f *figures) regionChannelTable() *Table {
	var chans []string
	for _, ch := range contract.Channels {
		for _, m := range f.regionChan[pQ] {
			if m[ch] > 0 {
				chans = append(chans, ch)
				break
			}
		}
	}
	if len(chans) == 0 {
		return nil
	}
	t := &Table{ID: "region_by_channel", Title: "各地区渠道构成", Collapsed: true, Columns: []Column{
		{Key: "region", Name: "地区", Desc: "下一级行政区", kind: colText}}}
	for _, ch := range chans {
		t.Columns = append(t.Columns, Column{Key: ch, Name: contract.ChannelName(ch), Desc: "本季度经" + contract.ChannelName(ch) + "渠道接到的件数（12369举报和信访合计）", kind: colCount})
	}
	for _, code := range f.unitCodes() {
		m := f.regionChan[pQ][code]
		if len(m) == 0 {
			continue
		}
		row := Row{Key: code, Cells: []Cell{text(f.units[code].Name)}}
		for _, ch := range chans {
			row.Cells = append(row.Cells, count(m[ch]))
		}
		t.Rows = append(t.Rows, row)
	}
	cols := make([]int, len(chans))
	for i := range chans {
		cols[i] = i + 1
	}
	suppressTable(f.threshold, t.Rows, cols, cols, cols)
	return t
}

// regionFeaturesTable: categories whose local share is far above the scope's.
func (f *figures) regionFeaturesTable() *Table {
	threshold := f.threshold
	t := &Table{ID: "region_features", Title: "各地区占比明显偏高的类别", Columns: []Column{
		{Key: "region", Name: "地区", Desc: "下一级行政区", kind: colText},
		{Key: "category", Name: "类别", Desc: "污染类别", kind: colText},
		{Key: "count", Name: "本地件数", Desc: "本季度该地区涉及该类别的件数", kind: colCount},
		{Key: "local_share", Name: "本地占比", Desc: "占该地区本季度接到件数的比例", kind: colPercent},
		{Key: "scope_share", Name: f.scope.Name + "占比", Desc: "该类别占" + f.scope.Name + "本季度接到件数的比例", kind: colPercent},
		{Key: "ratio", Name: "倍数", Desc: "本地占比与" + f.scope.Name + "占比之比（一位小数）", kind: colText},
	}}
	t.Note = "列出本地占比达到" + f.scope.Name + "占比1.5倍及以上、且本地件数不少于公开阈值2倍的类别，按倍数从高到低最多列10项。"
	total := f.total(pQ).Received
	if total == 0 {
		return nil
	}
	type cand struct {
		code, cat    string
		n, regionN   uint64
		local, whole float64
	}
	var cands []cand
	for _, code := range f.unitCodes() {
		m := f.region[pQ][code]
		if m == nil || m.Received == 0 || f.units[code].Self {
			continue
		}
		for _, c := range contract.Categories {
			n := f.regionCat[pQ][code][c]
			var all uint64
			for _, k := range kinds {
				all += f.category[pQ][c][k]
			}
			if all == 0 || n < uint64(2*max(threshold, 1)) {
				continue
			}
			local := float64(n) / float64(m.Received) * 100
			whole := float64(all) / float64(total) * 100
			if roundTo1(local) >= 1.5*roundTo1(whole) && roundTo1(whole) > 0 {
				cands = append(cands, cand{code, c, n, m.Received, local, whole})
			}
		}
	}
	sort.SliceStable(cands, func(i, j int) bool {
		ri, rj := roundTo1(cands[i].local)/roundTo1(cands[i].whole), roundTo1(cands[j].local)/roundTo1(cands[j].whole)
		if ri != rj {
			return ri > rj
		}
		if cands[i].code != cands[j].code {
			return cands[i].code < cands[j].code
		}
		return cands[i].cat < cands[j].cat
	})
	if len(cands) > 10 {
		cands = cands[:10]
	}
	for _, c := range cands {
		ratio := roundTo1(c.local) / roundTo1(c.whole)
		t.Rows = append(t.Rows, Row{Key: c.code + "/" + c.cat, Cells: []Cell{text(f.units[c.code].Name), text(contract.CategoryName(c.cat)),
			count(c.n), number(c.local), number(c.whole), text(fixed1(ratio))}})
	}
	if len(t.Rows) == 0 {
		return nil
	}
	return t
}

// monthTable: 按月份.
func (f *figures) monthTable(months []string) *Table {
	t := &Table{ID: "by_month", Title: "按月份统计", Columns: []Column{
		{Key: "month", Name: "月份", Desc: "接到的月份", kind: colText},
		{Key: "total", Name: "本月", Desc: "当月接到的件数（12369举报和信访合计）", kind: colCount},
		{Key: "last_year", Name: "去年同月", Desc: "上一年同月接到的件数", kind: colCount},
		{Key: "yoy", Name: "同比", Desc: "比去年同月增减的百分比", kind: colChange},
	}}
	for _, m := range months {
		ly := lastYearMonth(m)
		var n, nly uint64
		for _, k := range kinds {
			n += f.month[pQ][m][k]
			nly += f.month[pY][ly][k]
		}
		t.Rows = append(t.Rows, Row{Key: m, Cells: []Cell{text(monthName(m)), count(n), countOr(nly, f.avail[pY]), missing()}})
	}
	suppressTable(f.threshold, t.Rows, []int{1, 2}, []int{1, 2}, nil)
	for i := range t.Rows {
		c := t.Rows[i].Cells
		c[3] = change(c[1], c[2])
	}
	return t
}

func lastYearMonth(yyyymm string) string {
	if len(yyyymm) != 6 {
		return yyyymm
	}
	y := []byte(yyyymm)
	n := 0
	for _, c := range y[:4] {
		n = n*10 + int(c-'0')
	}
	return itoa4(n-1) + yyyymm[4:]
}

func itoa4(n int) string {
	b := []byte{'0', '0', '0', '0'}
	for i := 3; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}

// findingsTable: 办结案件调查结论.
func (f *figures) findingsTable() *Table {
	var tot [3]uint64
	for p := range 3 {
		for _, fn := range findings {
			tot[p] += f.closures[p][fn]
		}
	}
	if tot[0] == 0 {
		return nil
	}
	t := &Table{ID: "findings", Title: "本季度办结案件调查结论", Columns: []Column{
		{Key: "finding", Name: "调查结论", Desc: "办结时认定的调查结论", kind: colText},
		{Key: "quarter", Name: "本季度办结", Desc: "本季度内办结的件数（含以前季度接到的）", kind: colCount},
		{Key: "share", Name: "占比", Desc: "占本季度办结件数的比例", kind: colPercent},
		{Key: "previous", Name: "上季度办结", Desc: "上季度内办结的件数", kind: colCount},
		{Key: "previous_share", Name: "上季度占比", Desc: "占上季度办结件数的比例", kind: colPercent},
		{Key: "change", Name: "占比变化", Desc: "占比比上季度增减的百分点", kind: colPoints},
	}}
	t.Note = "按办结时间统计，同一案件在季度内多次办结的以最后一次为准。"
	add := func(key, name string, n [3]uint64) {
		cur := count(n[pQ])
		prev := countOr(n[pP], f.avail[pP])
		s := share(cur, count(tot[pQ]))
		ps := missing()
		if f.avail[pP] && tot[pP] > 0 {
			ps = share(prev, count(tot[pP]))
		}
		t.Rows = append(t.Rows, Row{Key: key, Cells: []Cell{text(name), cur, s, prev, ps, points(s, ps)}})
	}
	var sp [3]uint64
	for _, fn := range findings {
		var n [3]uint64
		for p := range 3 {
			n[p] = f.closures[p][fn]
		}
		add(fn, contract.FindingName(fn), n)
		if fn != contract.FindingUnsubstantiated {
			for p := range 3 {
				sp[p] += n[p]
			}
		}
	}
	add("substantiated_or_partly", "属实和部分属实合计", sp)
	add("total", "合计", tot)
	return t
}

// verificationTable: how the unsubstantiated ones were verified.
func (f *figures) verificationTable() *Table {
	var total uint64
	for _, v := range f.verify {
		if v.Method == "" {
			total = v.Cases
		}
	}
	if total == 0 {
		return nil
	}
	t := &Table{ID: "untrue_verification", Title: "不属实举报的核查方式", Columns: []Column{
		{Key: "method", Name: "核查方式", Desc: "办结摘要中记载的核查方式（按关键词归类，见说明）", kind: colText},
		{Key: "cases", Name: "件数", Desc: "本季度办结、结论为不属实且采用该方式核查的件数", kind: colCount},
		{Key: "share", Name: "占不属实件数比例", Desc: "占本季度办结的不属实件数的比例", kind: colPercent},
	}}
	t.Note = "一件举报可采用多种核查方式，各方式占比之和可超过100%。"
	for _, m := range verificationMethods {
		var n uint64
		for _, v := range f.verify {
			if v.Method == m.Name {
				n = v.Cases
			}
		}
		t.Rows = append(t.Rows, Row{Key: m.Name, Cells: []Cell{text(m.Name), count(n), missing()}})
	}
	var named uint64
	for _, v := range f.verify {
		if v.Method == anyMethodName {
			named = v.Cases
		}
	}
	t.Rows = append(t.Rows, Row{Key: "unrecorded", Cells: []Cell{text("未记载具体核查方式"), count(sub0(total, named)), missing()}})
	suppressTable(f.threshold, t.Rows, []int{1}, nil, nil) // methods overlap
	for i := range t.Rows {
		t.Rows[i].Cells[2] = share(t.Rows[i].Cells[1], count(total))
	}
	t.Rows = append(t.Rows, Row{Key: "total", Cells: []Cell{text("不属实合计"), count(total), number(100)}})
	return t
}

// maxIndustries is how many industries the industry table lists before 其他行业.
const maxIndustries = 15

// capItems keeps the first n items (other than the one keyed otherKey) and adds the rest to
// that one (created last when absent).
func capItems(items []item, n int, otherKey, otherName string) []item {
	var keep []item
	other := item{Key: otherKey, Name: otherName}
	for _, it := range items {
		switch {
		case it.Key == otherKey:
			for p := range other.N {
				other.N[p] += it.N[p]
			}
		case len(keep) < n:
			keep = append(keep, it)
		default:
			for p := range other.N {
				other.N[p] += it.N[p]
			}
		}
	}
	if other.N[0]+other.N[1]+other.N[2] > 0 {
		keep = append(keep, other)
	}
	return keep
}
