package reports

import (
	"sort"
	"strings"

	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/lifecycle"
)

// The main features (主要特点) are sentences written from the tables of the page: every number
// in them is read from a table cell as the page shows it, and a clause whose number is missing
// or withheld by the small-count rule is left out.

type tableSet map[string]*Table

// get returns the displayed text of a usable numeric cell.
func (ts tableSet) get(table, row, col string) (string, bool) {
	t := ts[table]
	if t == nil {
		return "", false
	}
	c, ok := t.cell(row, col)
	if !ok || !c.usable() {
		return "", false
	}
	return t.format(t.Columns[columnIndex(t.Columns, col)], c), true
}

// value returns the numeric value of a usable cell.
func (ts tableSet) value(table, row, col string) (float64, bool) {
	t := ts[table]
	if t == nil {
		return 0, false
	}
	c, ok := t.cell(row, col)
	if !ok || !c.usable() {
		return 0, false
	}
	return c.Value, true
}

// changeWords writes a change cell ("+12.3%") after prefix as 上升12.3% / 下降4.0% / 持平.
func (ts tableSet) changeWords(table, row, col, prefix string) (string, bool) {
	return ts.changeIn(table, row, col, prefix, "上升", "下降", "持平")
}

// changeIn is changeWords with the words for up, down and no change.
func (ts tableSet) changeIn(table, row, col, prefix, up, down, flat string) (string, bool) {
	s, ok := ts.get(table, row, col)
	if !ok {
		return "", false
	}
	switch {
	case strings.HasPrefix(s, "+"):
		return prefix + up + s[1:], true
	case strings.HasPrefix(s, "-"):
		return prefix + down + s[1:], true
	}
	return prefix + flat, true
}

// rowName is the first (text) cell of a row.
func (ts tableSet) rowName(table, row string) string {
	t := ts[table]
	for _, r := range t.Rows {
		if r.Key == row {
			return r.Cells[0].Text
		}
	}
	return ""
}

// topRows returns the keys of the rows with the largest usable values of a column, excluding
// keys with the given prefixes (other / unspecified rows).
func (ts tableSet) topRows(table, col string, n int, exclude ...string) []string {
	t := ts[table]
	if t == nil {
		return nil
	}
	j := columnIndex(t.Columns, col)
	type kv struct {
		key string
		v   float64
	}
	var rows []kv
outer:
	for _, r := range t.Rows {
		for _, e := range exclude {
			if strings.Contains(r.Key, e) {
				continue outer
			}
		}
		if c := r.Cells[j]; c.usable() && c.Value > 0 {
			rows = append(rows, kv{r.Key, c.Value})
		}
	}
	sort.SliceStable(rows, func(a, b int) bool { return rows[a].v > rows[b].v })
	var out []string
	for i := 0; i < len(rows) && i < n; i++ {
		out = append(out, rows[i].key)
	}
	return out
}

// features writes the main features.
func (f *figures) features(ts tableSet) []string {
	var out []string
	add := func(parts ...string) {
		s := strings.Join(parts, "")
		if s != "" {
			out = append(out, s)
		}
	}
	name := f.scope.Name
	if f.scope.Code == "" {
		name = "全国"
	}

	// 1. volume and its change
	if n, ok := ts.get("overall", "received", "total"); ok {
		s := "本季度，" + name + "共接到生态环境举报和信访" + n + "件"
		var cmp []string
		if w, ok := ts.changeWords("overall", "received", "qoq", "环比"); ok {
			cmp = append(cmp, w)
		}
		if w, ok := ts.changeWords("overall", "received", "yoy", "同比"); ok {
			cmp = append(cmp, w)
		}
		if len(cmp) > 0 {
			s += "，" + strings.Join(cmp, "，")
		}
		if r, ok := ts.get("overall", "received", "report"); ok {
			if p, ok := ts.get("overall", "received", "petition"); ok {
				s += "；其中12369举报" + r + "件，信访" + p + "件"
			}
		}
		add(s, "。")
	}

	// 2. acceptance and rejection reasons
	if a, ok := ts.get("overall", "accepted", "total"); ok {
		s := "截至季度末，已受理" + a + "件"
		if r, ok := ts.get("overall", "rejected", "total"); ok {
			s += "，不予受理" + r + "件"
			var rs []string
			for _, k := range ts.topRows("rejection_reasons", "total", 3) {
				if n, ok := ts.get("rejection_reasons", k, "total"); ok {
					rs = append(rs, ts.rowName("rejection_reasons", k)+n+"件")
				}
			}
			if len(rs) > 0 {
				s += "（" + strings.Join(rs, "、") + "）"
			}
		}
		if c, ok := ts.get("overall", "closed", "total"); ok {
			s += "，已办结" + c + "件"
		}
		add(s, "。")
	}

	// 3. channels
	if top := ts.topRows("by_channel", "quarter", 2); len(top) > 0 {
		var parts []string
		for _, k := range top {
			if sh, ok := ts.get("by_channel", k, "share"); ok {
				parts = append(parts, ts.rowName("by_channel", k)+"占"+sh)
			}
		}
		if len(parts) > 0 {
			s := "从渠道看，" + strings.Join(parts, "，")
			if w, ok := ts.changeWords("by_channel", top[0], "qoq", "，前者环比"); ok {
				s += w
			}
			add(s, "。")
		}
	}

	// 4. categories: the leading ones, the biggest rise and fall, seasonal notes
	if top := ts.topRows("by_category", "quarter", 3); len(top) > 0 {
		var parts []string
		for _, k := range top {
			if sh, ok := ts.get("by_category", k, "share"); ok {
				parts = append(parts, ts.rowName("by_category", k)+"类（"+sh+"）")
			}
		}
		s := "从类别看，" + strings.Join(parts, "、") + "居前"
		rise, fall := extremes(ts, "by_category", "qoq", 10)
		if rise != "" {
			w, _ := ts.changeWords("by_category", rise, "qoq", "")
			s += "；与上季度相比，" + ts.rowName("by_category", rise) + "类" + w
			if fall != "" {
				w, _ := ts.changeWords("by_category", fall, "qoq", "")
				s += "，" + ts.rowName("by_category", fall) + "类" + w
			}
		} else if fall != "" {
			w, _ := ts.changeWords("by_category", fall, "qoq", "")
			s += "；与上季度相比，" + ts.rowName("by_category", fall) + "类" + w
		}
		add(s, "（一件举报可涉及多个类别，各类别占比之和超过百分之百）。")
		// seasonal: a large change on the previous quarter with little change on the same
		// quarter last year
		for _, k := range ts.topRows("by_category", "quarter", len(contract.Categories)) {
			q, ok1 := ts.value("by_category", k, "qoq")
			y, ok2 := ts.value("by_category", k, "yoy")
			if ok1 && ok2 && abs(roundTo1(q)) >= 20 && abs(roundTo1(y)) < 10 {
				w, _ := ts.changeWords("by_category", k, "qoq", "环比")
				yw, _ := ts.changeWords("by_category", k, "yoy", "同比")
				add(ts.rowName("by_category", k), "类举报", w, "，但", yw, "，变化主要与季节有关。")
				break
			}
		}
	}

	// 5. sub-types of air, noise, water
	var subs []string
	for _, c := range []string{"air", "noise", "water"} {
		t := ts["by_subcategory"]
		if t == nil {
			break
		}
		best, bestV := "", 0.0
		for _, r := range t.Rows {
			if !strings.HasPrefix(r.Key, c+"/") || strings.HasSuffix(r.Key, "/~other") || strings.HasSuffix(r.Key, "/") {
				continue
			}
			if v := r.Cells[2]; v.usable() && v.Value > bestV {
				best, bestV = r.Key, v.Value
			}
		}
		if best == "" {
			continue
		}
		if sh, ok := ts.get("by_subcategory", best, "share"); ok {
			r := rowOf(t, best)
			subs = append(subs, r.Cells[0].Text+"类以"+r.Cells[1].Text+"为主（占该类"+sh+"）")
		}
	}
	if len(subs) > 0 {
		add(strings.Join(subs, "，"), "。")
	}

	// 6. industries
	if top := ts.topRows("by_industry", "quarter", 3, "~"); len(top) > 0 {
		var parts []string
		for _, k := range top {
			if n, ok := ts.get("by_industry", k, "quarter"); ok {
				parts = append(parts, ts.rowName("by_industry", k)+n+"件")
			}
		}
		add("被举报对象中，", strings.Join(parts, "、"), "位居前列。")
	}

	// 7. regions: the most reported, the biggest rise, the categories far above the average
	if top := ts.topRows("by_region", "quarter", 3); len(top) > 0 {
		var names, ns []string
		for _, k := range top {
			if n, ok := ts.get("by_region", k, "quarter"); ok {
				names = append(names, ts.rowName("by_region", k))
				ns = append(ns, n+"件")
			}
		}
		s := "从地区看，" + strings.Join(names, "、") + "接到的举报较多，分别为" + strings.Join(ns, "、")
		if rise, _ := extremes(ts, "by_region", "qoq", 20); rise != "" {
			w, _ := ts.changeWords("by_region", rise, "qoq", "环比")
			s += "；" + ts.rowName("by_region", rise) + w + "，增幅最大"
		}
		add(s, "。")
	}
	if t := ts["region_features"]; t != nil && len(t.Rows) > 0 {
		var parts []string
		for i, r := range t.Rows {
			if i == 3 {
				break
			}
			ls := t.format(t.Columns[3], r.Cells[3])
			ss := t.format(t.Columns[4], r.Cells[4])
			parts = append(parts, r.Cells[0].Text+"的"+r.Cells[1].Text+"类举报占"+ls+"（"+name+"为"+ss+"）")
		}
		add(strings.Join(parts, "，"), "，明显高于", name, "平均水平。")
	}

	// 8. months
	if top := ts.topRows("by_month", "total", 1); len(top) > 0 {
		if n, ok := ts.get("by_month", top[0], "total"); ok {
			add("从月份看，", ts.rowName("by_month", top[0]), "接到", n, "件，为本季度最多。")
		}
	}

	// 9. handling: on-time rates, findings, the 60-day cohort
	var rates []string
	for _, s := range []lifecycle.Step{lifecycle.StepAccept, lifecycle.StepAssign, lifecycle.StepClose} {
		if r, ok := ts.get("on_time", string(s), "on_time_rate"); ok {
			rates = append(rates, s.Name()+"按期率"+r)
		}
	}
	if len(rates) > 0 {
		add("办理时效方面，", strings.Join(rates, "，"), "。")
	}
	if n, ok := ts.get("findings", "total", "quarter"); ok {
		s := "本季度共办结" + n + "件"
		if sh, ok := ts.get("findings", "substantiated_or_partly", "share"); ok {
			s += "，经调查属实和部分属实的占" + sh
		}
		if u, ok := ts.get("findings", contractUnsubstantiated, "quarter"); ok {
			s += "，不属实" + u + "件"
		}
		add(s, "。")
	}
	if n, ok := ts.get("cohort_60_days", "total", "accepted"); ok {
		s := "受理满60日的" + n + "件中"
		if c, ok := ts.get("cohort_60_days", "total", "closed"); ok {
			s += "，截至季度末已办结" + c + "件"
		}
		if r, ok := ts.get("cohort_60_days", "total", "closed_rate"); ok {
			s += "，办结率" + r
		}
		var late []string
		t := ts["cohort_60_days"]
		for _, r := range t.Rows[1:] {
			if len(late) == 3 || r.Key == "~other" {
				break
			}
			if v := r.Cells[3]; v.usable() && v.Value > 0 {
				late = append(late, r.Cells[0].Text+t.format(t.Columns[3], v)+"件")
			}
		}
		if len(late) > 0 {
			s += "；未办结的主要在" + strings.Join(late, "、")
		}
		add(s, "。")
	}
	return out
}

const contractUnsubstantiated = contract.FindingUnsubstantiated

func rowOf(t *Table, key string) Row {
	for _, r := range t.Rows {
		if r.Key == key {
			return r
		}
	}
	return Row{}
}

// extremes returns the rows with the largest rise and the largest fall of a change column,
// when their magnitude is at least minAbs percent and the row's quarter count is usable.
func extremes(ts tableSet, table, col string, minAbs float64) (rise, fall string) {
	t := ts[table]
	if t == nil {
		return "", ""
	}
	j := columnIndex(t.Columns, col)
	var hi, lo float64
	for _, r := range t.Rows {
		c := r.Cells[j]
		if !c.usable() {
			continue
		}
		v := roundTo1(c.Value)
		if v >= minAbs && v > hi {
			hi, rise = v, r.Key
		}
		if v <= -minAbs && v < lo {
			lo, fall = v, r.Key
		}
	}
	return rise, fall
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
