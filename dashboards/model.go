package dashboards

import (
	"sort"
	"sync"
	"time"

	"github.com/ecowatch/ecowatch/lifecycle"
	"github.com/ecowatch/ecowatch/org"
	"github.com/ecowatch/ecowatch/region"
)

// Levels of a jurisdiction page.
const (
	levelNation   = 0
	levelProvince = 1
	levelCity     = 2
)

func (c *counts) add(o counts) {
	for i := range c {
		c[i] += o[i]
	}
}

// placement is where a region code sits in the page tree.
type placement struct {
	province  string // province code; "" when the code is unknown
	city      string // prefecture code with a page (not a placeholder such as 市辖区); "" otherwise
	provChild string // the unit on the province's map: a city, or a county of a placeholder prefecture
	cityChild string // the county on the city's map
}

// locator places region codes, remembering what it found. It is safe for concurrent use (the
// pages are rendered in parallel).
type locator struct {
	regions *region.Table
	mu      sync.Mutex
	cache   map[string]placement
}

func newLocator(r *region.Table) *locator {
	return &locator{regions: r, cache: map[string]placement{}}
}

func (l *locator) place(code string) placement {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p, ok := l.cache[code]; ok {
		return p
	}
	var p placement
	chain := l.regions.Chain(code)
	if len(chain) == 0 && len(code) == 6 {
		// Not a known division: fall back on its province if that one is known.
		if d, ok := l.regions.Lookup(code[:2] + "0000"); ok {
			chain = []region.Division{d}
		}
	}
	for i, d := range chain {
		switch d.Level {
		case region.Province:
			p.province = d.Code
		case region.Prefecture:
			if d.Placeholder() {
				// The counties of a placeholder appear directly on the province's map.
				if i+1 < len(chain) {
					p.provChild = chain[i+1].Code
				}
			} else {
				p.city = d.Code
				p.provChild = d.Code
			}
		case region.County:
			if p.city != "" {
				p.cityChild = d.Code
			}
		}
	}
	l.cache[code] = p
	return p
}

// jur is one jurisdiction's figures.
type jur struct {
	Code   string // "" for the nation
	Name   string
	Level  int
	Parent string // the parent page's code ("" for the nation or a province)

	Total    counts
	Channel  map[string]*counts
	Category map[string]*counts
	Child    map[string]*counts           // per unit on the map (province, city or county)
	Place    map[string]*counts           // per region code as reported (the finest known place)
	Daily    map[string]map[string]uint64 // day (2006-01-02) → category → reports

	Targets, Repeats []TargetRow
	Warnings         []OpenWarning
	Bureaus          map[string]*bureau // per responsible bureau (jurisdiction code)
}

func newJur(code, name string, level int, parent string) *jur {
	return &jur{
		Code: code, Name: name, Level: level, Parent: parent,
		Channel: map[string]*counts{}, Category: map[string]*counts{}, Child: map[string]*counts{},
		Place: map[string]*counts{}, Daily: map[string]map[string]uint64{}, Bureaus: map[string]*bureau{},
	}
}

func bump(m map[string]*counts, key string, c counts) {
	v := m[key]
	if v == nil {
		v = &counts{}
		m[key] = v
	}
	v.add(c)
}

// bureau is one responsible bureau's deadlines in a jurisdiction.
type bureau struct {
	Code      string
	Overdue   map[lifecycle.Step]uint64
	OldestDue time.Time
	OnTime    uint64
	Late      uint64
}

func (b *bureau) overdue() uint64 {
	var n uint64
	for _, v := range b.Overdue {
		n += v
	}
	return n
}

func (b *bureau) merge(r DeadlineRow) {
	if r.Overdue > 0 {
		b.Overdue[r.Step] += r.Overdue
		if b.OldestDue.IsZero() || r.OldestDue.Before(b.OldestDue) {
			b.OldestDue = r.OldestDue
		}
	}
	b.OnTime += r.OnTime
	b.Late += r.Late
}

// tree is every jurisdiction of a generation, keyed by code ("" for the nation).
type tree struct {
	scope   region.Scope
	regions *region.Table
	orgs    *org.Directory
	loc     *locator
	jurs    map[string]*jur
}

func newTree(scope region.Scope, regions *region.Table) *tree {
	t := &tree{scope: scope, regions: regions, orgs: org.New(regions), loc: newLocator(regions), jurs: map[string]*jur{}}
	if scope.IsNation() {
		t.jurs[""] = newJur("", "全国", levelNation, "")
	}
	return t
}

// get returns the jurisdiction of code, creating it; nil when code is outside the scope.
func (t *tree) get(code string, level int) *jur {
	if j, ok := t.jurs[code]; ok {
		return j
	}
	if !t.inScope(code, level) {
		return nil
	}
	d, ok := t.regions.Lookup(code)
	if !ok {
		return nil
	}
	parent := ""
	if level == levelCity {
		parent = d.Parent
	}
	j := newJur(code, t.regions.FullName(code), level, parent)
	t.jurs[code] = j
	return j
}

// inScope reports whether a page of code at level belongs to the generation.
func (t *tree) inScope(code string, level int) bool {
	switch {
	case t.scope.IsNation():
		return true
	case t.scope.Level == region.Province:
		return t.scope.Contains(code)
	default:
		return level == levelCity && code == t.scope.Code
	}
}

// levels returns the jurisdictions a placement counts in, nation first, with the unit each
// one's map shows it as.
func (t *tree) levels(p placement) (js []*jur, units []string) {
	if n := t.jurs[""]; n != nil {
		js, units = append(js, n), append(units, p.province)
	}
	if p.province != "" {
		if j := t.get(p.province, levelProvince); j != nil {
			js, units = append(js, j), append(units, p.provChild)
		}
	}
	if p.city != "" {
		if j := t.get(p.city, levelCity); j != nil {
			js, units = append(js, j), append(units, p.cityChild)
		}
	}
	return js, units
}

func (t *tree) addVolumes(rows []VolumeRow) {
	for _, r := range rows {
		js, units := t.levels(t.loc.place(r.RegionCode))
		for i, j := range js {
			j.Total.add(r.Counts)
			bump(j.Channel, r.Channel, r.Counts)
			bump(j.Category, r.Category, r.Counts)
			if units[i] != "" {
				bump(j.Child, units[i], r.Counts)
			}
			bump(j.Place, r.RegionCode, r.Counts)
		}
	}
}

func (t *tree) addDaily(rows []DailyRow) {
	for _, r := range rows {
		code := r.CityCode
		if code == "" {
			code = r.ProvinceCode
		}
		js, _ := t.levels(t.loc.place(code))
		for _, j := range js {
			day := r.Day.Format(time.DateOnly)
			m := j.Daily[day]
			if m == nil {
				m = map[string]uint64{}
				j.Daily[day] = m
			}
			m[r.Category] += r.Count
		}
	}
}

func (t *tree) addTargets(rows []TargetRow) {
	for _, r := range rows {
		j := t.jurs[r.Jurisdiction]
		if j == nil {
			continue // a jurisdiction without reports in the volume spans cannot have targets
		}
		if r.Top {
			j.Targets = append(j.Targets, r)
		}
		if r.Repeat {
			j.Repeats = append(j.Repeats, r)
		}
	}
	for _, j := range t.jurs {
		sort.SliceStable(j.Targets, func(a, b int) bool {
			x, y := j.Targets[a], j.Targets[b]
			if x.Recent != y.Recent {
				return x.Recent > y.Recent
			}
			if x.Total != y.Total {
				return x.Total > y.Total
			}
			return x.Key < y.Key
		})
		sort.SliceStable(j.Repeats, func(a, b int) bool {
			x, y := j.Repeats[a], j.Repeats[b]
			if x.Total != y.Total {
				return x.Total > y.Total
			}
			if x.Weeks != y.Weeks {
				return x.Weeks > y.Weeks
			}
			return x.Key < y.Key
		})
	}
}

// addWarnings files each warning under every jurisdiction one of its regions lies in.
func (t *tree) addWarnings(ws []OpenWarning) {
	for _, w := range ws {
		seen := map[*jur]bool{}
		for _, code := range w.RegionCodes {
			js, _ := t.levels(t.loc.place(code))
			for _, j := range js {
				if !seen[j] {
					seen[j] = true
					j.Warnings = append(j.Warnings, w)
				}
			}
		}
		if len(w.RegionCodes) == 0 {
			if n := t.jurs[""]; n != nil {
				n.Warnings = append(n.Warnings, w)
			}
		}
	}
}

// addDeadlines files each bureau's deadlines under the jurisdictions the bureau belongs to.
func (t *tree) addDeadlines(rows []DeadlineRow) {
	for _, r := range rows {
		code := r.Org
		if d, ok := t.orgs.Jurisdiction(r.Org); ok {
			code = d.Code
		}
		js, _ := t.levels(t.loc.place(code))
		for _, j := range js {
			b := j.Bureaus[code]
			if b == nil {
				b = &bureau{Code: code, Overdue: map[lifecycle.Step]uint64{}}
				j.Bureaus[code] = b
			}
			b.merge(r)
		}
	}
}

// pages returns the jurisdictions that get a page: the scope's root and every province or city
// with reports in the counted spans, an open warning or a bureau with deadlines.
func (t *tree) pages() []*jur {
	var out []*jur
	for _, j := range t.jurs {
		if j.Code == t.scope.Code || j.hasData() {
			out = append(out, j)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Code < out[b].Code })
	return out
}

func (j *jur) hasData() bool {
	for _, n := range j.Total {
		if n > 0 {
			return true
		}
	}
	return len(j.Warnings) > 0 || len(j.Bureaus) > 0
}
