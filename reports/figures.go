package reports

import (
	"sort"
	"strconv"
	"time"

	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

// Periods, in the order of store's period indices.
const (
	pQ = store.PeriodQuarter
	pP = store.PeriodPrevious
	pY = store.PeriodLastYear
)

// metrics of a group of reports received in a period, as of the period's end.
type metrics struct {
	Received, Accepted, Rejected, Assigned, Closed, Replied, Merged uint64
}

func (m *metrics) add(g store.DisclosureGroup) {
	m.Received += g.Received
	m.Accepted += g.Accepted
	m.Rejected += g.Rejected
	m.Assigned += g.Assigned
	m.Closed += g.Closed
	m.Replied += g.Replied
	m.Merged += g.Merged
}

// unit is a next-level region of the scope (or the scope itself for reports that name no
// finer place).
type unit struct {
	Code, Name string
	Self       bool // the scope's own level (本级)
}

// figures are the disclosure data summed into the breakdowns of the page.
type figures struct {
	scope      scope
	avail      [3]bool                           // the data covers the period
	totals     [3]map[string]*metrics            // kind → metrics
	channel    [3]map[string]uint64              // kind/channel → received
	category   [3]map[string]map[string]uint64   // category → kind → received (categories[])
	sub        [3]map[string]map[string]uint64   // main category → subcategory → received
	industry   [3]map[string]uint64              // industry → received
	units      map[string]unit                   // unit code → unit
	region     [3]map[string]*metrics            // unit → metrics (all kinds)
	regionKind [3]map[string]map[string]uint64   // unit → kind → received
	regionChan [3]map[string]map[string]uint64   // unit → channel → received
	regionCat  [3]map[string]map[string]uint64   // unit → category → received
	month      [3]map[string]map[string]uint64   // YYYYMM → kind → received
	reasons    [3]map[string]map[string]uint64   // reason → kind → rejected
	cohort     map[string][2]uint64              // unit → (accepted in the window, closed by the end)
	closures   [3]map[string]uint64              // finding → cases closed in the period
	verify     []store.VerificationCount         // for the quarter
	deadlines  [3]map[string]store.DeadlineCount // step → counts
	matters    [3]map[string]store.MatterCount   // kind → counts
	hasMatters [3]bool
	statesAsOf time.Time
	dataFrom   time.Time
	dataTo     time.Time
	candidates []store.CaseCandidate
	threshold  int
}

// kinds in page order.
var kinds = []string{contract.KindReport, contract.KindPetition}

var kindNames = map[string]string{contract.KindReport: "12369举报", contract.KindPetition: "信访"}

// summarize sums the data into figures.
func summarize(sc scope, d *store.DisclosureData, periods [3]store.Period) *figures {
	f := &figures{scope: sc, units: map[string]unit{}, cohort: map[string][2]uint64{},
		statesAsOf: d.StatesAsOf, dataFrom: d.DataFrom, dataTo: d.DataTo, candidates: d.Candidates, verify: d.Verification}
	for p := range 3 {
		f.totals[p] = map[string]*metrics{}
		f.channel[p] = map[string]uint64{}
		f.category[p] = map[string]map[string]uint64{}
		f.sub[p] = map[string]map[string]uint64{}
		f.industry[p] = map[string]uint64{}
		f.region[p] = map[string]*metrics{}
		f.regionKind[p] = map[string]map[string]uint64{}
		f.regionChan[p] = map[string]map[string]uint64{}
		f.regionCat[p] = map[string]map[string]uint64{}
		f.month[p] = map[string]map[string]uint64{}
		f.reasons[p] = map[string]map[string]uint64{}
		f.closures[p] = map[string]uint64{}
		f.deadlines[p] = map[string]store.DeadlineCount{}
		f.matters[p] = map[string]store.MatterCount{}
		// a period counts as covered when the data starts no later than a day into it
		f.avail[p] = !d.DataFrom.IsZero() && d.DataFrom.Before(periods[p].From.AddDate(0, 0, 1)) &&
			!d.DataTo.Before(periods[p].From)
	}
	f.avail[pQ] = true
	for _, g := range d.Groups {
		p := g.Period
		if p < 0 || p > 2 {
			continue
		}
		switch g.Dim {
		case store.DimRegionKindChannel:
			if len(g.Key) != 3 {
				continue
			}
			reg, kind, ch := g.Key[0], g.Key[1], g.Key[2]
			u := f.unitOf(reg)
			addMetrics(f.totals[p], kind, g)
			addMetrics(f.region[p], u.Code, g)
			f.channel[p][kind+"/"+ch] += g.Received
			add2(f.regionKind[p], u.Code, kind, g.Received)
			add2(f.regionChan[p], u.Code, ch, g.Received)
		case store.DimRegionKindCategory:
			if len(g.Key) != 3 {
				continue
			}
			u := f.unitOf(g.Key[0])
			add2(f.category[p], g.Key[2], g.Key[1], g.Received)
			add2(f.regionCat[p], u.Code, g.Key[2], g.Received)
		case store.DimSubcategory:
			if len(g.Key) == 2 {
				add2(f.sub[p], g.Key[0], g.Key[1], g.Received)
			}
		case store.DimIndustry:
			if len(g.Key) == 1 {
				f.industry[p][g.Key[0]] += g.Received
			}
		case store.DimMonth:
			if len(g.Key) == 2 {
				add2(f.month[p], g.Key[0], g.Key[1], g.Received)
			}
		case store.DimRejectReason:
			if len(g.Key) == 2 {
				add2(f.reasons[p], g.Key[0], g.Key[1], g.Received)
			}
		case store.DimCohort:
			if len(g.Key) == 2 && p == pQ {
				u := f.unitOf(g.Key[0])
				c := f.cohort[u.Code]
				c[0] += g.Received
				c[1] += g.CohortClosed
				f.cohort[u.Code] = c
			}
		}
	}
	for _, c := range d.Closures {
		if c.Period >= 0 && c.Period <= 2 {
			f.closures[c.Period][c.Finding] += c.Cases
		}
	}
	for _, c := range d.Deadlines {
		if c.Period >= 0 && c.Period <= 2 {
			f.deadlines[c.Period][c.Step] = c
		}
	}
	for _, c := range d.Matters {
		if c.Period >= 0 && c.Period <= 2 {
			f.matters[c.Period][c.Kind] = c
			f.hasMatters[c.Period] = true
		}
	}
	return f
}

func addMetrics(m map[string]*metrics, key string, g store.DisclosureGroup) {
	if m[key] == nil {
		m[key] = &metrics{}
	}
	m[key].add(g)
}

func add2(m map[string]map[string]uint64, a, b string, n uint64) {
	if m[a] == nil {
		m[a] = map[string]uint64{}
	}
	m[a][b] += n
}

// unitOf maps a report's region code to the next-level region of the scope: the first
// division below the scope's level on the code's chain that is not a placeholder (市辖区,
// 省直辖县级行政区划 …); the scope itself when there is none.
func (f *figures) unitOf(code string) unit {
	if u, ok := f.units[code]; ok {
		return u
	}
	u := f.scope.unitOf(code)
	f.units[code] = u
	f.units[u.Code] = u
	return u
}

// total is the kind-summed metrics of a period.
func (f *figures) total(p int) metrics {
	var m metrics
	for _, k := range kinds {
		if x := f.totals[p][k]; x != nil {
			m.Received += x.Received
			m.Accepted += x.Accepted
			m.Rejected += x.Rejected
			m.Assigned += x.Assigned
			m.Closed += x.Closed
			m.Replied += x.Replied
			m.Merged += x.Merged
		}
	}
	return m
}

func (f *figures) kindTotal(p int, kind string) metrics {
	if x := f.totals[p][kind]; x != nil {
		return *x
	}
	return metrics{}
}

// unitCodes lists the units with any report in any period or in the cohort, sorted by code,
// the scope's own level last.
func (f *figures) unitCodes() []string {
	seen := map[string]bool{}
	for p := range 3 {
		for c := range f.region[p] {
			seen[c] = true
		}
	}
	for c := range f.cohort {
		seen[c] = true
	}
	var codes []string
	for c := range seen {
		codes = append(codes, c)
	}
	sort.Slice(codes, func(i, j int) bool {
		a, b := f.units[codes[i]], f.units[codes[j]]
		if a.Self != b.Self {
			return !a.Self
		}
		return codes[i] < codes[j]
	})
	return codes
}

// ---- scope -----------------------------------------------------------------------------------

// scope is the jurisdiction a report covers.
type scope struct {
	Code    string // "" for the nation
	Name    string // 全国, 广东省, 广东省深圳市
	Level   region.Level
	regions *region.Table
}

// unitLevelName is what the next-level regions are called.
func (s scope) unitLevelName() string {
	switch {
	case s.Code == "":
		return "省份"
	case s.Level == region.Province && (region.Division{Code: s.Code}).Municipality():
		return "区县"
	case s.Level == region.Province:
		return "地市"
	}
	return "区县"
}

// selfName is the name of the scope's own level in the region table.
func (s scope) selfName() string {
	switch s.Level {
	case region.Province:
		return "省级（未细分到" + s.unitLevelName() + "）"
	case region.Prefecture:
		return "市级（未细分到区县）"
	}
	return "未细分"
}

func (s scope) unitOf(code string) unit {
	for _, d := range s.regions.Chain(code) {
		if s.Code != "" && (d.Level <= s.Level || !hasPrefix(d.Code, s.Code, s.Level)) {
			continue
		}
		if d.Placeholder() {
			continue
		}
		return unit{Code: d.Code, Name: d.Name}
	}
	if s.Code == "" {
		// an unknown code (validated at ingest, so only from an outdated table)
		return unit{Code: code, Name: code}
	}
	return unit{Code: s.Code, Name: s.selfName(), Self: true}
}

func hasPrefix(code, scopeCode string, l region.Level) bool {
	n := 2
	if l == region.Prefecture {
		n = 4
	}
	return len(code) >= n && code[:n] == scopeCode[:n]
}

// monthName is 2026年7月 for 202607.
func monthName(yyyymm string) string {
	if len(yyyymm) != 6 {
		return yyyymm
	}
	m, _ := strconv.Atoi(yyyymm[4:])
	return yyyymm[:4] + "年" + strconv.Itoa(m) + "月"
}
