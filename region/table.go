package region

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
)

//go:embed data/divisions.tsv
var embedded string

// loadDefault parses the embedded table exactly once.
var loadDefault = sync.OnceValue(func() *Table {
	t, err := Parse(strings.NewReader(embedded))
	if err != nil {
		panic("region: embedded data/divisions.tsv is invalid: " + err.Error())
	}
	return t
})

// Default returns the table parsed from the embedded data/divisions.tsv. It is parsed on first
// use and shared; it is read-only and safe for concurrent use.
func Default() *Table { return loadDefault() }

// Table is a read-only set of divisions with their parent links. All methods are safe for
// concurrent use. Methods returning slices return fresh slices the caller may keep or change.
type Table struct {
	divs     []Division       // sorted by code
	index    map[string]int   // code → position in divs
	children map[string][]int // parent code → positions of direct children, sorted by code
	byLevel  map[Level][]int  // positions of each level, sorted by code
	leaves   []int            // counties and prefectures without counties, sorted by code
}

// Parse reads a divisions file (see the package documentation for the format) and checks it:
// six-digit unique codes, levels 1–3, a parent that exists and is one level up, a county code
// under its parent's code prefix, and coordinates either both present and in range or both
// empty.
func Parse(r io.Reader) (*Table, error) {
	t := &Table{
		index:    make(map[string]int),
		children: make(map[string][]int),
		byLevel:  make(map[Level][]int),
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Split(text, "\t")
		if len(t.divs) == 0 && f[0] == "code" { // an optional column header
			continue
		}
		d, err := parseLine(f)
		if err != nil {
			return nil, fmt.Errorf("region: line %d: %w", line, err)
		}
		if _, dup := t.index[d.Code]; dup {
			return nil, fmt.Errorf("region: line %d: duplicate code %q", line, d.Code)
		}
		t.index[d.Code] = len(t.divs)
		t.divs = append(t.divs, d)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("region: reading divisions: %w", err)
	}
	if len(t.divs) == 0 {
		return nil, fmt.Errorf("region: no divisions in input")
	}
	sort.Slice(t.divs, func(i, j int) bool { return t.divs[i].Code < t.divs[j].Code })
	for i, d := range t.divs {
		t.index[d.Code] = i
	}
	for i, d := range t.divs {
		if d.Level == Province {
			if d.Parent != "" {
				return nil, fmt.Errorf("region: province %s %s has parent %q, want none", d.Code, d.Name, d.Parent)
			}
		} else {
			pi, ok := t.index[d.Parent]
			if !ok {
				return nil, fmt.Errorf("region: %s %s: parent %q is not in the table", d.Code, d.Name, d.Parent)
			}
			p := t.divs[pi]
			if p.Level != d.Level-1 {
				return nil, fmt.Errorf("region: %s %s (%s): parent %s is a %s, want %s", d.Code, d.Name, d.Level, p.Code, p.Level, d.Level-1)
			}
			if want := prefixLen(p.Level); d.Code[:want] != p.Code[:want] {
				return nil, fmt.Errorf("region: %s %s: code does not start with its parent's prefix %s", d.Code, d.Name, p.Code[:want])
			}
			t.children[d.Parent] = append(t.children[d.Parent], i)
		}
		t.byLevel[d.Level] = append(t.byLevel[d.Level], i)
	}
	for i, d := range t.divs {
		if d.Level == County || d.Level == Prefecture && len(t.children[d.Code]) == 0 {
			t.leaves = append(t.leaves, i)
		}
	}
	return t, nil
}

// prefixLen is the number of leading code digits a division of level l shares with its
// descendants.
func prefixLen(l Level) int {
	if l == Province {
		return 2
	}
	return 4
}

func parseLine(f []string) (Division, error) {
	if len(f) != 6 {
		return Division{}, fmt.Errorf("want 6 tab-separated fields (code name level parent lat lon), got %d", len(f))
	}
	d := Division{Code: f[0], Name: strings.TrimSpace(f[1]), Parent: f[3]}
	if !isCode(d.Code) {
		return d, fmt.Errorf("code %q is not six digits", d.Code)
	}
	if d.Name == "" {
		return d, fmt.Errorf("code %s: empty name", d.Code)
	}
	lv, err := strconv.Atoi(f[2])
	if err != nil || lv < 1 || lv > 3 {
		return d, fmt.Errorf("code %s: level %q, want 1, 2 or 3", d.Code, f[2])
	}
	d.Level = Level(lv)
	if d.Parent != "" && !isCode(d.Parent) {
		return d, fmt.Errorf("code %s: parent %q is not six digits", d.Code, d.Parent)
	}
	switch {
	case f[4] == "" && f[5] == "":
	case f[4] == "" || f[5] == "":
		return d, fmt.Errorf("code %s: lat %q and lon %q must both be set or both be empty", d.Code, f[4], f[5])
	default:
		lat, err1 := strconv.ParseFloat(f[4], 64)
		lon, err2 := strconv.ParseFloat(f[5], 64)
		if err1 != nil || err2 != nil || math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
			return d, fmt.Errorf("code %s: bad coordinates lat %q lon %q", d.Code, f[4], f[5])
		}
		d.Lat, d.Lon, d.HasCoord = lat, lon, true
	}
	return d, nil
}

func isCode(s string) bool {
	if len(s) != 6 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Normalize turns a code prefix into a six-digit code: "44" → "440000", "4403" → "440300";
// a six-digit code is returned unchanged. It only pads; it does not say whether the code
// exists (use Valid for that). ok is false for anything else ("44030", "abcdef", "").
func Normalize(code string) (string, bool) {
	code = strings.TrimSpace(code)
	switch len(code) {
	case 2, 4, 6:
		if !isCode(code + strings.Repeat("0", 6-len(code))) {
			return "", false
		}
		return code + strings.Repeat("0", 6-len(code)), true
	}
	return "", false
}

// Lookup returns the division with the given six-digit code.
func (t *Table) Lookup(code string) (Division, bool) {
	i, ok := t.index[code]
	if !ok {
		return Division{}, false
	}
	return t.divs[i], true
}

// Valid reports whether code is a six-digit code present in the table. Prefixes ("4403"),
// township codes (nine or twelve digits) and anything not in the table are invalid.
func (t *Table) Valid(code string) bool {
	_, ok := t.index[code]
	return ok
}

// Chain returns the division and its ancestors, province first, then prefecture, then county
// (as many as exist for code). It returns nil for an unknown code.
func (t *Table) Chain(code string) []Division {
	i, ok := t.index[code]
	if !ok {
		return nil
	}
	var rev []Division
	for {
		d := t.divs[i]
		rev = append(rev, d)
		if d.Parent == "" {
			break
		}
		i = t.index[d.Parent] // Parse guarantees the parent exists
	}
	out := make([]Division, len(rev))
	for k := range rev {
		out[k] = rev[len(rev)-1-k]
	}
	return out
}

// Province returns the province-level division code belongs to (itself for a province).
func (t *Table) Province(code string) (Division, bool) {
	return t.ancestor(code, Province)
}

// Prefecture returns the prefecture-level division code belongs to (itself for a prefecture).
// A province has none. For a district of a municipality it is the placeholder 市辖区 (e.g.
// 110100), for a directly administered county the placeholder 省直辖县级行政区划 (e.g. 429000).
func (t *Table) Prefecture(code string) (Division, bool) {
	return t.ancestor(code, Prefecture)
}

func (t *Table) ancestor(code string, l Level) (Division, bool) {
	for _, d := range t.Chain(code) {
		if d.Level == l {
			return d, true
		}
	}
	return Division{}, false
}

// Children returns the direct children of code, sorted by code; nil for a county or an unknown
// code.
func (t *Table) Children(code string) []Division {
	return t.pick(t.children[code])
}

// Counties returns every county-level division under code, sorted by code; for a county, the
// county itself; nil for an unknown code. A prefecture-level city without counties (东莞
// 441900) has none: see Leaves for the finest units including such cities.
func (t *Table) Counties(code string) []Division {
	return t.below(code, func(d Division) bool { return d.Level == County })
}

// Leaves returns the finest divisions under code, sorted by code: its counties, plus any
// prefecture-level city without counties (东莞 441900, 中山 442000, 儋州 460400). For a leaf it
// returns the leaf itself; for code "" the leaves of the whole table. These are the units to
// count reports by when every report must land in exactly one place.
func (t *Table) Leaves(code string) []Division {
	if code == "" {
		return t.pick(t.leaves)
	}
	return t.below(code, func(d Division) bool {
		return d.Level == County || len(t.children[d.Code]) == 0 && d.Level == Prefecture
	})
}

// below returns the divisions of the subtree rooted at code (itself included) that keep
// accepts, sorted by code.
func (t *Table) below(code string, keep func(Division) bool) []Division {
	root, ok := t.index[code]
	if !ok {
		return nil
	}
	var out []Division
	var walk func(i int)
	walk = func(i int) {
		if keep(t.divs[i]) {
			out = append(out, t.divs[i])
		}
		for _, c := range t.children[t.divs[i].Code] {
			walk(c)
		}
	}
	walk(root)
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// All returns every division of the given level, sorted by code.
func (t *Table) All(level Level) []Division {
	return t.pick(t.byLevel[level])
}

func (t *Table) pick(idx []int) []Division {
	if len(idx) == 0 {
		return nil
	}
	out := make([]Division, len(idx))
	for k, i := range idx {
		out[k] = t.divs[i]
	}
	return out
}

// FullName returns the names of the chain joined without separator, e.g. "广东省深圳市南山区",
// leaving out the placeholder levels (市辖区, 县, 省直辖县级行政区划, 自治区直辖县级行政区划)
// and a name repeated by the next level (嘉峪关市 620201 under 嘉峪关市 620200): "北京市朝阳区",
// "湖北省仙桃市", "甘肃省嘉峪关市". It returns "" for an unknown code.
func (t *Table) FullName(code string) string {
	var b strings.Builder
	prev := ""
	for _, d := range t.Chain(code) {
		if d.Placeholder() || d.Name == prev {
			continue
		}
		b.WriteString(d.Name)
		prev = d.Name
	}
	return b.String()
}
