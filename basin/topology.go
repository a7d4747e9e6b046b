package basin

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ecowatch/ecowatch/region"
)

var (
	//go:embed data/basins.tsv
	embeddedBasins string
	//go:embed data/units.tsv
	embeddedUnits string
	//go:embed data/rivers.tsv
	embeddedRivers string
	//go:embed data/classes.tsv
	embeddedClasses string
)

var loadDefault = sync.OnceValue(func() *Topology {
	t, err := Parse(Files{
		Basins: strings.NewReader(embeddedBasins), Units: strings.NewReader(embeddedUnits),
		Rivers: strings.NewReader(embeddedRivers), Classes: strings.NewReader(embeddedClasses),
	})
	if err != nil {
		panic("basin: embedded data is invalid: " + err.Error())
	}
	return t
})

// Default returns the topology parsed from the embedded data files (data/basins.tsv,
// units.tsv, rivers.tsv and classes.tsv), validated against region.Default(). It is parsed on
// first use and shared; it is read-only and safe for concurrent use.
func Default() *Topology { return loadDefault() }

// Files are the four data files of a topology (see the package documentation for their
// format). Every one is required.
type Files struct {
	Basins, Units, Rivers, Classes io.Reader
}

// Topology is a read-only set of basins and the units along their rivers. All methods are safe
// for concurrent use; returned slices are fresh.
type Topology struct {
	basins  []Basin
	byID    map[string]int
	classes map[string]FlowClass
	rivers  map[[2]string]FlowClass // (basin, river) → class
	units   []Unit                  // in file order
	next    []int                   // index of the unit the walk continues on, -1 at the end
	byCode  map[string][]int        // unit code → its lines, file order
	byRiver map[[2]string][]int
}

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Parse reads the data files (see the package documentation for the format), checks every
// unit code against region.Default() and validates the topology: unknown basins, classes or
// region codes, duplicates, rivers without a class, dangling or ambiguous downstream links and
// cycles are errors naming the file, the line and the value.
func Parse(f Files) (*Topology, error) {
	return ParseWithRegions(f, region.Default())
}

// ParseWithRegions is Parse with the region table to check codes against (for an operator who
// also replaces the region data). A nil table skips the region check.
func ParseWithRegions(f Files, regions *region.Table) (*Topology, error) {
	if f.Basins == nil || f.Units == nil || f.Rivers == nil || f.Classes == nil {
		return nil, fmt.Errorf("basin: the basins, units, rivers and classes files are all required")
	}
	t := &Topology{
		byID:    make(map[string]int),
		classes: make(map[string]FlowClass),
		rivers:  make(map[[2]string]FlowClass),
		byCode:  make(map[string][]int),
		byRiver: make(map[[2]string][]int),
	}
	err := eachLine(f.Basins, func(line int, f []string) error {
		if len(f) != 4 {
			return fmt.Errorf("want 4 tab-separated fields (id name river bureau), got %d", len(f))
		}
		b := Basin{ID: f[0], Name: f[1], River: f[2], Bureau: f[3]}
		if !idPattern.MatchString(b.ID) {
			return fmt.Errorf("basin id %q: want lower-case letters, digits and '_'", b.ID)
		}
		if b.Name == "" || b.River == "" || b.Bureau == "" {
			return fmt.Errorf("basin %s: empty name, river or bureau", b.ID)
		}
		if _, dup := t.byID[b.ID]; dup {
			return fmt.Errorf("duplicate basin id %q", b.ID)
		}
		t.byID[b.ID] = len(t.basins)
		t.basins = append(t.basins, b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("basin: basins %w", err)
	}
	if len(t.basins) == 0 {
		return nil, fmt.Errorf("basin: basins: no basin in input")
	}
	err = eachLine(f.Classes, func(line int, f []string) error {
		if len(f) != 4 {
			return fmt.Errorf("want 4 tab-separated fields (class min_km_per_day max_km_per_day description), got %d", len(f))
		}
		c := FlowClass{Name: f[0], Description: f[3]}
		if !idPattern.MatchString(c.Name) {
			return fmt.Errorf("class %q: want lower-case letters, digits and '_'", c.Name)
		}
		if _, dup := t.classes[c.Name]; dup {
			return fmt.Errorf("duplicate class %q", c.Name)
		}
		var err1, err2 error
		c.MinKmPerDay, err1 = strconv.ParseFloat(f[1], 64)
		c.MaxKmPerDay, err2 = strconv.ParseFloat(f[2], 64)
		if err1 != nil || err2 != nil || !(c.MinKmPerDay > 0) || !(c.MaxKmPerDay >= c.MinKmPerDay) || math.IsInf(c.MaxKmPerDay, 0) {
			return fmt.Errorf("class %s: speeds %q and %q km a day: want 0 < min ≤ max", c.Name, f[1], f[2])
		}
		t.classes[c.Name] = c
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("basin: classes %w", err)
	}
	if len(t.classes) == 0 {
		return nil, fmt.Errorf("basin: classes: no class in input")
	}
	err = eachLine(f.Rivers, func(line int, f []string) error {
		if len(f) != 3 {
			return fmt.Errorf("want 3 tab-separated fields (basin river class), got %d", len(f))
		}
		if _, ok := t.byID[f[0]]; !ok {
			return fmt.Errorf("river %s: unknown basin %q", f[1], f[0])
		}
		if f[1] == "" {
			return fmt.Errorf("empty river name")
		}
		c, ok := t.classes[f[2]]
		if !ok {
			return fmt.Errorf("river %s: unknown class %q (classes: %s)", f[1], f[2], strings.Join(t.classNames(), ", "))
		}
		key := [2]string{f[0], f[1]}
		if _, dup := t.rivers[key]; dup {
			return fmt.Errorf("river %s of basin %s listed twice", f[1], f[0])
		}
		t.rivers[key] = c
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("basin: rivers %w", err)
	}
	lines := make([]int, 0)
	seen := make(map[[3]string]int)
	err = eachLine(f.Units, func(line int, f []string) error {
		if len(f) != 5 && len(f) != 6 {
			return fmt.Errorf("want 5 or 6 tab-separated fields (unit_code basin river downstream_code distance_km [drinking_water]), got %d", len(f))
		}
		u := Unit{Code: f[0], Basin: f[1], River: f[2], Downstream: f[3]}
		if len(f) == 6 && f[5] != "-" {
			u.DrinkingWater = f[5]
		}
		if !isCode(u.Code) {
			return fmt.Errorf("unit code %q is not six digits", u.Code)
		}
		if regions != nil && !regions.Valid(u.Code) {
			return fmt.Errorf("unit code %s is not a known region code", u.Code)
		}
		if _, ok := t.byID[u.Basin]; !ok {
			return fmt.Errorf("unit %s: unknown basin %q", u.Code, u.Basin)
		}
		if u.River == "" {
			return fmt.Errorf("unit %s: empty river", u.Code)
		}
		if _, ok := t.rivers[[2]string{u.Basin, u.River}]; !ok {
			return fmt.Errorf("unit %s: river %s of basin %s has no line in rivers.tsv (its flow-speed class)", u.Code, u.River, u.Basin)
		}
		if u.Downstream == "-" {
			u.Downstream = ""
		}
		if u.Downstream != "" && !isCode(u.Downstream) {
			return fmt.Errorf("unit %s on %s: downstream code %q is not six digits", u.Code, u.River, u.Downstream)
		}
		d, err := strconv.ParseFloat(f[4], 64)
		if err != nil || math.IsNaN(d) || math.IsInf(d, 0) || d < 0 {
			return fmt.Errorf("unit %s on %s: distance_km %q is not a non-negative number", u.Code, u.River, f[4])
		}
		if u.Downstream != "" && d == 0 {
			return fmt.Errorf("unit %s on %s: distance_km to downstream %s must be > 0", u.Code, u.River, u.Downstream)
		}
		if u.Downstream == "" {
			d = 0
		}
		u.DistanceKm = d
		key := [3]string{u.Basin, u.River, u.Code}
		if prev, dup := seen[key]; dup {
			return fmt.Errorf("unit %s on %s (%s) already listed on line %d", u.Code, u.River, u.Basin, prev)
		}
		seen[key] = line
		i := len(t.units)
		t.units = append(t.units, u)
		lines = append(lines, line)
		t.byCode[u.Code] = append(t.byCode[u.Code], i)
		t.byRiver[[2]string{u.Basin, u.River}] = append(t.byRiver[[2]string{u.Basin, u.River}], i)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("basin: units %w", err)
	}
	if len(t.units) == 0 {
		return nil, fmt.Errorf("basin: units: no unit in input")
	}
	// resolve every downstream link to the line the walk continues on
	t.next = make([]int, len(t.units))
	for i, u := range t.units {
		t.next[i] = -1
		if u.Downstream == "" {
			continue
		}
		n, err := t.resolve(u)
		if err != nil {
			return nil, fmt.Errorf("basin: units line %d: %w", lines[i], err)
		}
		t.next[i] = n
	}
	if err := t.checkCycles(); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *Topology) classNames() []string {
	names := make([]string, 0, len(t.classes))
	for n := range t.classes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// resolve finds the line on which a walk continues below u.
func (t *Topology) resolve(u Unit) (int, error) {
	var inBasin []int
	for _, j := range t.byCode[u.Downstream] {
		if t.units[j].Basin == u.Basin {
			inBasin = append(inBasin, j)
		}
	}
	if len(inBasin) == 0 {
		return -1, fmt.Errorf("unit %s on %s: downstream %s is not a unit of basin %s (dangling link)", u.Code, u.River, u.Downstream, u.Basin)
	}
	main := t.basins[t.byID[u.Basin]].River
	for _, want := range []string{u.River, main} {
		for _, j := range inBasin {
			if t.units[j].River == want {
				return j, nil
			}
		}
	}
	if len(inBasin) == 1 {
		return inBasin[0], nil
	}
	rivers := make([]string, len(inBasin))
	for k, j := range inBasin {
		rivers[k] = t.units[j].River
	}
	return -1, fmt.Errorf("unit %s on %s: downstream %s lies on %s but not on %s or %s: ambiguous confluence", u.Code, u.River, u.Downstream, strings.Join(rivers, ", "), u.River, main)
}

func (t *Topology) checkCycles() error {
	const (
		unseen = iota
		active
		done
	)
	state := make([]int, len(t.units))
	for start := range t.units {
		var path []int
		i := start
		for i >= 0 && state[i] == unseen {
			state[i] = active
			path = append(path, i)
			i = t.next[i]
		}
		if i >= 0 && state[i] == active {
			var names []string
			in := false
			for _, p := range path {
				if p == i {
					in = true
				}
				if in {
					names = append(names, t.units[p].Code+"("+t.units[p].River+")")
				}
			}
			names = append(names, t.units[i].Code+"("+t.units[i].River+")")
			return fmt.Errorf("basin: units: cycle in basin %s: %s", t.units[i].Basin, strings.Join(names, " → "))
		}
		for _, p := range path {
			state[p] = done
		}
	}
	return nil
}

// eachLine calls fn with the tab-separated fields of every non-blank line, comments removed.
func eachLine(r io.Reader, fn func(line int, f []string) error) error {
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if k := strings.IndexByte(text, '#'); k >= 0 {
			text = text[:k]
		}
		text = strings.TrimRight(text, " \t\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		f := strings.Split(text, "\t")
		for k := range f {
			f[k] = strings.TrimSpace(f[k])
		}
		if err := fn(line, f); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading: %w", err)
	}
	return nil
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

// Basins returns every basin in file order.
func (t *Topology) Basins() []Basin {
	return append([]Basin(nil), t.basins...)
}

// Basin returns the basin with the given id.
func (t *Topology) Basin(id string) (Basin, bool) {
	i, ok := t.byID[id]
	if !ok {
		return Basin{}, false
	}
	return t.basins[i], true
}

// lines returns the lines of code, or, when it has none, of its prefecture (first four digits
// + "00"): a county code reaches the prefecture-level unit it belongs to.
func (t *Topology) lines(code string) []int {
	if ls := t.byCode[code]; len(ls) > 0 {
		return ls
	}
	if isCode(code) && !strings.HasSuffix(code, "00") {
		return t.byCode[code[:4]+"00"]
	}
	return nil
}

// UnitsOf returns the units (one per basin and river) of a region code in file order. A code
// with no line of its own — typically a county — is mapped to its prefecture by code prefix
// (first four digits + "00"; 310115 → 310100). Nil when the region lies on no listed river.
func (t *Topology) UnitsOf(code string) []Unit {
	ls := t.lines(code)
	if len(ls) == 0 {
		return nil
	}
	out := make([]Unit, len(ls))
	for k, i := range ls {
		out[k] = t.units[i]
	}
	return out
}

// Downstream returns the units downstream of code on river whose cumulative river distance from
// code is at most maxKm, nearest first. See Reach.
func (t *Topology) Downstream(code, river string, maxKm float64) []Unit {
	rs := t.Reach(code, river, maxKm)
	if rs == nil {
		return nil
	}
	out := make([]Unit, len(rs))
	for k, r := range rs {
		out[k] = r.Unit
	}
	return out
}

// Reach is Downstream with the cumulative distances and travel times. code is resolved as in
// UnitsOf; river "" means every river code lies on. The walk follows each river to its end
// and, where a tributary flows into another river, continues on the receiving river (汉江 →
// 长江 at 武汉), within the same basin. A unit reached on several paths is listed once at its
// smallest distance; the starting unit itself is never listed. Use math.Inf(1) for the whole
// river. Each returned Unit is the line the walk passed through (its River is the river at that
// point).
func (t *Topology) Reach(code, river string, maxKm float64) []Reach {
	return t.walk(code, river, func(r Reach) bool { return r.CumulativeKm <= maxKm })
}

// Within returns the units downstream of code (on river, or every river when "") that water
// can reach within maxTravel: those whose Earliest arrival, at the fast end of every reach's
// flow class, is at most maxTravel. It walks as Reach does, nearest first.
func (t *Topology) Within(code, river string, maxTravel time.Duration) []Reach {
	return t.walk(code, river, func(r Reach) bool { return r.Earliest <= maxTravel })
}

// walk follows the rivers down from code while keep holds.
func (t *Topology) walk(code, river string, keep func(Reach) bool) []Reach {
	start := t.lines(code)
	if len(start) == 0 {
		return nil
	}
	self := t.units[start[0]].Code
	best := make(map[string]int) // code → index in out
	var out []Reach
	for _, s := range start {
		if river != "" && t.units[s].River != river {
			continue
		}
		var at Reach
		for i := s; t.next[i] >= 0; i = t.next[i] {
			u := t.units[i]
			c := t.rivers[[2]string{u.Basin, u.River}]
			at = Reach{Unit: t.units[t.next[i]], CumulativeKm: at.CumulativeKm + u.DistanceKm,
				Earliest: at.Earliest + travel(u.DistanceKm, c.MaxKmPerDay), Latest: at.Latest + travel(u.DistanceKm, c.MinKmPerDay)}
			if !keep(at) {
				break
			}
			if at.Code == self {
				continue
			}
			if k, ok := best[at.Code]; ok {
				if at.CumulativeKm < out[k].CumulativeKm {
					out[k] = at
				}
				continue
			}
			best[at.Code] = len(out)
			out = append(out, at)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].CumulativeKm < out[b].CumulativeKm })
	return out
}

// Inflows returns the units directly upstream of code, on any river: those whose next unit
// downstream is a line of code (on the same river, or the tributary's last unit flowing in).
// Each Reach is the upstream unit's line, with the distance and travel times from it down to
// code. code is resolved as in UnitsOf.
func (t *Topology) Inflows(code string) []Reach {
	lines := t.lines(code)
	var out []Reach
	for i, n := range t.next {
		if n < 0 || !slices.Contains(lines, n) {
			continue
		}
		u := t.units[i]
		c := t.rivers[[2]string{u.Basin, u.River}]
		out = append(out, Reach{Unit: u, CumulativeKm: u.DistanceKm,
			Earliest: travel(u.DistanceKm, c.MaxKmPerDay), Latest: travel(u.DistanceKm, c.MinKmPerDay)})
	}
	return out
}

// Class returns the flow class of a river of a basin.
func (t *Topology) Class(basinID, river string) (FlowClass, bool) {
	c, ok := t.rivers[[2]string{basinID, river}]
	return c, ok
}

// Classes returns the flow classes, by name.
func (t *Topology) Classes() []FlowClass {
	out := make([]FlowClass, 0, len(t.classes))
	for _, n := range t.classNames() {
		out = append(out, t.classes[n])
	}
	return out
}

// River returns the units on one river of a basin, upstream first: ordered by river distance
// to the river's end, farthest first (ties by code). For a lake or a river with several
// sources the order is a topological one: every unit comes before its downstream. Nil for an
// unknown basin or river.
func (t *Topology) River(basinID, river string) []Unit {
	ls := t.byRiver[[2]string{basinID, river}]
	if len(ls) == 0 {
		return nil
	}
	toEnd := make(map[int]float64, len(ls))
	var dist func(i int) float64
	dist = func(i int) float64 {
		if d, ok := toEnd[i]; ok {
			return d
		}
		d := t.units[i].DistanceKm
		if n := t.next[i]; n >= 0 && t.units[n].River == river {
			d += dist(n)
		}
		toEnd[i] = d
		return d
	}
	out := make([]int, len(ls))
	copy(out, ls)
	sort.SliceStable(out, func(a, b int) bool {
		da, db := dist(out[a]), dist(out[b])
		if da != db {
			return da > db
		}
		return t.units[out[a]].Code < t.units[out[b]].Code
	})
	units := make([]Unit, len(out))
	for k, i := range out {
		units[k] = t.units[i]
	}
	return units
}

// Rivers returns the rivers of a basin with at least one unit, main river first, then in file
// order.
func (t *Topology) Rivers(basinID string) []string {
	b, ok := t.Basin(basinID)
	if !ok {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	if len(t.byRiver[[2]string{basinID, b.River}]) > 0 {
		out = append(out, b.River)
		seen[b.River] = true
	}
	for _, u := range t.units {
		if u.Basin == basinID && !seen[u.River] {
			seen[u.River] = true
			out = append(out, u.River)
		}
	}
	return out
}
