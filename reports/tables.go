package reports

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ecowatch/ecowatch/privacy"
)

// HiddenMark stands for a count withheld so that a small count beside it cannot be worked
// out by subtraction.
const HiddenMark = "*"

// Kind of a column: how its cells are written.
type colKind int

const (
	colText    colKind = iota
	colCount           // a number of reports or cases: integer
	colPercent         // a share or rate: one decimal, "%"
	colChange          // a relative change: signed, one decimal, "%"
	colPoints          // a difference of two percentages: signed, one decimal, 个百分点
)

// Column of a table.
type Column struct {
	Key  string  // machine name, used in CSV headers and JSON
	Name string  // Chinese heading
	Desc string  // what it holds, for data/README.md
	kind colKind // how the cells are written
}

// Unit is the unit of the column's numbers as written in CSV and JSON.
func (c Column) Unit() string {
	switch c.kind {
	case colCount:
		return "件"
	case colPercent, colChange:
		return "%"
	case colPoints:
		return "百分点"
	}
	return ""
}

// Cell is one value. A count cell below the small-count threshold is Small: it is written
// "<T" and its value is withheld everywhere.
type Cell struct {
	Text   string  // text cells
	Value  float64 // numeric cells
	Valid  bool    // the numeric value exists (false: "—")
	Small  bool    // withheld by the small-count rule: below the threshold ("<T")
	Hidden bool    // withheld so that a small count cannot be worked out by subtraction ("*")
}

func text(s string) Cell      { return Cell{Text: s} }
func count(n uint64) Cell     { return Cell{Value: float64(n), Valid: true} }
func number(v float64) Cell   { return Cell{Value: v, Valid: true} }
func missing() Cell           { return Cell{} }
func smallCell() Cell         { return Cell{Small: true} }
func hiddenCell() Cell        { return Cell{Hidden: true} }
func (c Cell) usable() bool   { return c.Valid && !c.Small && !c.Hidden }
func (c Cell) withheld() bool { return c.Small || c.Hidden }
func countOr(n uint64, ok bool) Cell {
	if !ok {
		return missing()
	}
	return count(n)
}

// Row of a table: a stable key (not shown) and the cells in column order.
type Row struct {
	Key   string
	Cells []Cell
}

// Table is one table of the page, written also as data/<ID>.csv and data/<ID>.json.
type Table struct {
	ID      string // file name without extension
	Number  int    // 表N on the page
	Title   string
	Note    string // shown under the table and in the README
	Columns []Column
	Rows    []Row
	// Collapsed tables are shown folded (<details>) on the page: long cross-tabulations.
	Collapsed bool
	threshold int
}

// cell returns the cell of a row and column key, and whether it exists.
func (t *Table) cell(rowKey, colKey string) (Cell, bool) {
	ci := -1
	for i, c := range t.Columns {
		if c.Key == colKey {
			ci = i
		}
	}
	if ci < 0 {
		return Cell{}, false
	}
	for _, r := range t.Rows {
		if r.Key == rowKey {
			return r.Cells[ci], true
		}
	}
	return Cell{}, false
}

// format writes a cell as on the page.
func (t *Table) format(c Column, v Cell) string {
	switch {
	case c.kind == colText:
		return v.Text
	case v.Small:
		return "<" + strconv.Itoa(t.threshold)
	case v.Hidden:
		return HiddenMark
	case !v.Valid:
		return "—"
	}
	return formatValue(c.kind, v.Value)
}

func formatValue(k colKind, v float64) string {
	switch k {
	case colCount:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case colPercent:
		return fixed1(v) + "%"
	case colChange:
		return signed(v) + "%"
	case colPoints:
		return signed(v)
	}
	return ""
}

// fixed1 rounds to one decimal, half away from zero, and never writes "-0.0".
func fixed1(v float64) string {
	r := math.Round(v*10) / 10
	if r == 0 {
		r = 0
	}
	return strconv.FormatFloat(r, 'f', 1, 64)
}

func signed(v float64) string {
	s := fixed1(v)
	if !strings.HasPrefix(s, "-") && s != "0.0" {
		s = "+" + s
	}
	return s
}

// raw writes a cell for CSV: numbers without unit, "<T" when withheld, "" when missing.
func (t *Table) raw(c Column, v Cell) string {
	switch {
	case c.kind == colText:
		return v.Text
	case v.Small:
		return "<" + strconv.Itoa(t.threshold)
	case v.Hidden:
		return HiddenMark
	case !v.Valid:
		return ""
	case c.kind == colCount:
		return strconv.FormatFloat(v.Value, 'f', 0, 64)
	}
	return fixed1(v.Value)
}

// CSV is the table as UTF-8 CSV with a byte-order mark (so that spreadsheet programs read the
// Chinese text), headings "name (unit)" on the first line.
func (t *Table) CSV() []byte {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	head := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = c.Name
		if u := c.Unit(); u != "" {
			head[i] += "(" + u + ")"
		}
	}
	w.Write(head)
	for _, r := range t.Rows {
		rec := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			rec[i] = t.raw(c, r.Cells[i])
		}
		w.Write(rec)
	}
	w.Flush()
	return b.Bytes()
}

type jsonColumn struct {
	Key         string `json:"key"`
	Name        string `json:"name"`
	Unit        string `json:"unit,omitempty"`
	Description string `json:"description"`
}

type jsonTable struct {
	ID        string           `json:"id"`
	Title     string           `json:"title"`
	Note      string           `json:"note,omitempty"`
	Threshold int              `json:"small_count_threshold"`
	Columns   []jsonColumn     `json:"columns"`
	Rows      []map[string]any `json:"rows"`
}

// JSON is the table with its columns described; a withheld count is the string "<T", a
// missing value null.
func (t *Table) JSON() []byte {
	jt := jsonTable{ID: t.ID, Title: t.Title, Note: t.Note, Threshold: t.threshold, Rows: []map[string]any{}}
	for _, c := range t.Columns {
		jt.Columns = append(jt.Columns, jsonColumn{Key: c.Key, Name: c.Name, Unit: c.Unit(), Description: c.Desc})
	}
	for _, r := range t.Rows {
		row := map[string]any{}
		for i, c := range t.Columns {
			v := r.Cells[i]
			switch {
			case c.kind == colText:
				row[c.Key] = v.Text
			case v.Small:
				row[c.Key] = "<" + strconv.Itoa(t.threshold)
			case v.Hidden:
				row[c.Key] = HiddenMark
			case !v.Valid:
				row[c.Key] = nil
			case c.kind == colCount:
				row[c.Key] = uint64(v.Value)
			default:
				f, _ := strconv.ParseFloat(fixed1(v.Value), 64)
				row[c.Key] = f
			}
		}
		jt.Rows = append(jt.Rows, row)
	}
	b, err := json.MarshalIndent(jt, "", "  ")
	if err != nil {
		panic(err) // maps of strings and numbers always marshal
	}
	return append(b, '\n')
}

// ---- the small-count rule -----------------------------------------------------------------

// suppress applies the small-count rule to the count cells of a fine breakdown: a count from
// 1 to threshold-1 is withheld (written "<threshold"). Cells that add up to a figure shown
// elsewhere on the page form a group (a column adding up to a total, a row whose parts add
// up to its total); a single withheld cell in a group could be worked out by subtraction, so
// then the smallest other non-zero cell of the group is withheld too (written HiddenMark),
// repeatedly until no group has exactly one. Zero is shown: it singles out no one.
func suppress(threshold int, cells []*Cell, groups [][]*Cell) {
	if threshold <= 1 {
		return
	}
	for _, c := range cells {
		if c.Valid && !c.Small && c.Value >= 1 && c.Value < float64(threshold) {
			*c = smallCell()
		}
	}
	for changed := true; changed; {
		changed = false
		for _, g := range groups {
			n, smallest := 0, -1
			for k, c := range g {
				if c.withheld() {
					n++
				} else if c.Valid && c.Value > 0 && (smallest < 0 || c.Value < g[smallest].Value) {
					smallest = k
				}
			}
			if n == 1 && smallest >= 0 {
				*g[smallest] = hiddenCell()
				changed = true
			}
		}
	}
}

// column returns the cells of column j of rows.
func column(rows []Row, j int) []*Cell {
	out := make([]*Cell, len(rows))
	for i := range rows {
		out[i] = &rows[i].Cells[j]
	}
	return out
}

// rowCells returns the cells of row i at the given columns.
func rowCells(rows []Row, i int, cols ...int) []*Cell {
	out := make([]*Cell, len(cols))
	for k, j := range cols {
		out[k] = &rows[i].Cells[j]
	}
	return out
}

// suppressTable withholds small counts in the given columns of rows. Each column in sums (its
// cells add up to a figure shown elsewhere) is a group, and for each row the columns in
// rowGroup (a total and its parts) are a group.
func suppressTable(threshold int, rows []Row, cols, sums, rowGroup []int) {
	var cells []*Cell
	var groups [][]*Cell
	for _, j := range cols {
		cells = append(cells, column(rows, j)...)
	}
	for _, j := range sums {
		groups = append(groups, column(rows, j))
	}
	if len(rowGroup) > 0 {
		for i := range rows {
			groups = append(groups, rowCells(rows, i, rowGroup...))
		}
	}
	suppress(threshold, cells, groups)
}

// item is a named count in up to three periods, for breakdowns whose small rows are merged.
type item struct {
	Key, Name string
	N         [3]uint64 // by period
}

// mergeSmall moves the items whose count in the quarter is below threshold into one item
// named other; when that item itself stays below the threshold (but not empty), the next
// smallest items join it until it reaches the threshold or nothing is left. Items whose name
// is not fit to publish (see publicLabel) are merged whatever their count. Items keep their
// order; the merged item comes last.
func mergeSmall(items []item, threshold int, otherKey, otherName string) []item {
	merged := map[int]bool{}
	var total uint64
	for i, it := range items {
		if threshold > 1 && it.N[0] < uint64(threshold) || !publicLabel(it.Name) {
			merged[i] = true
			total += it.N[0]
		}
	}
	for threshold > 1 && total > 0 && total < uint64(threshold) {
		best := -1
		for i, it := range items {
			if !merged[i] && (best < 0 || it.N[0] < items[best].N[0] || it.N[0] == items[best].N[0] && it.Key > items[best].Key) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		merged[best] = true
		total += items[best].N[0]
	}
	if len(merged) == 0 {
		return items
	}
	var out []item
	other := item{Key: otherKey, Name: otherName}
	for i, it := range items {
		if merged[i] {
			for p := range other.N {
				other.N[p] += it.N[p]
			}
			continue
		}
		out = append(out, it)
	}
	return append(out, other)
}

// publicLabel reports whether a label written by a producer (a rejection reason, a sub-type,
// an industry) may be printed as a row name: short, and nothing that speaks of the reporter,
// carries a redaction mark or looks like an id or a number. Anything else is counted under 其他.
func publicLabel(s string) bool {
	if utf8.RuneCountInString(s) > 30 || idLike.MatchString(s) || strings.Contains(s, privacy.Mask) {
		return false
	}
	for _, w := range []string{"举报人", "信访人", "投诉人", "电话", "身份证", "@"} {
		if strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// sortItems orders items by the quarter's count, descending, then by key.
func sortItems(items []item) {
	sort.SliceStable(items, func(i, j int) bool {
		if items[i].N[0] != items[j].N[0] {
			return items[i].N[0] > items[j].N[0]
		}
		return items[i].Key < items[j].Key
	})
}

// ---- derived cells --------------------------------------------------------------------------

// share is part/whole in percent; withheld or missing when either is.
func share(part, whole Cell) Cell {
	if !part.usable() || !whole.usable() || whole.Value == 0 {
		return missing()
	}
	return number(part.Value / whole.Value * 100)
}

// change is the relative change from base to cur in percent.
func change(cur, base Cell) Cell {
	if !cur.usable() || !base.usable() || base.Value == 0 {
		return missing()
	}
	return number((cur.Value - base.Value) / base.Value * 100)
}

// points is the difference of two percentages.
func points(cur, base Cell) Cell {
	if !cur.usable() || !base.usable() {
		return missing()
	}
	return number(roundTo1(cur.Value) - roundTo1(base.Value))
}

func roundTo1(v float64) float64 { return math.Round(v*10) / 10 }

// columnIndex returns the index of a column key (panics on a programming error).
func columnIndex(cols []Column, key string) int {
	for i, c := range cols {
		if c.Key == key {
			return i
		}
	}
	panic(fmt.Sprintf("reports: no column %q", key))
}
