package reports

import (
	"sort"
	"strconv"
	"time"

	"github.com/ecowatch/ecowatch/lifecycle"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

// Periods, short names of the indices.
const (
	pQ = InQuarter
	pP = InPrevious
	pY = InLastYear
)

// metrics of a group of reports received in a period, as of the period's end.
type metrics = Handling

// unit is a next-level region of the scope (or the scope itself for reports that name no
// finer place).
type unit struct {
	Code, Name string
	Self       bool // the scope's own level (本级)
}

// figures are the disclosure data summed into the breakdowns of the page.
type figures struct {
	scope      scope
	avail      [3]bool                             // the data covers the period
	totals     [3]map[string]*metrics              // kind → metrics
	channel    [3]map[string]uint64                // kind/channel → received
	category   [3]map[string]map[string]uint64     // category → kind → received (categories[])
	sub        [3]map[string]map[string]uint64     // main category → subcategory → received
	industry   [3]map[string]uint64                // industry → received
	units      map[string]unit                     // unit code → unit
	region     [3]map[string]*metrics              // unit → metrics (all kinds)
	regionKind [3]map[string]map[string]uint64     // unit → kind → received
	regionChan [3]map[string]map[string]uint64     // unit → channel → received
	regionCat  [3]map[string]map[string]uint64     // unit → category → received
	month      [3]map[string]map[string]uint64     // YYYYMM → kind → received
	reasons    [3]map[string]map[string]uint64     // reason → kind → rejected
	cohort     map[string][2]uint64                // unit → (accepted in the window, closed by the end)
	closures   [3]map[string]uint64                // finding → cases closed in the period
	verify     []VerificationCount                 // for the quarter
	deadlines  [3]map[lifecycle.Step]DeadlineCount // step → counts
	matters    [3]map[string]MatterCount           // kind → counts
	hasMatters [3]bool
	statesAsOf time.Time
	dataFrom   time.Time
	dataTo     time.Time
	candidates []CaseCandidate
	threshold  int
}

// summarize sums the data into figures.
func summarize(sc scope, d *Data, periods [3]store.Period) *figures {
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
		f.deadlines[p] = map[lifecycle.Step]DeadlineCount{}
		f.matters[p] = map[string]MatterCount{}
		// a period counts as covered when the data starts no later than a day into it
		f.avail[p] = !d.DataFrom.IsZero() && d.DataFrom.Before(periods[p].From.AddDate(0, 0, 1)) &&
			!d.DataTo.Before(periods[p].From)
	}
	f.avail[pQ] = true
	ok := func(p PeriodIndex) bool { return p >= pQ && p <= pY }
	for _, r := range d.Channels {
		if !ok(r.Period) {
			continue
		}
		u := f.unitOf(r.Region)
		addMetrics(f.totals[r.Period], r.Kind, r.Handling)
		addMetrics(f.region[r.Period], u.Code, r.Handling)
		f.channel[r.Period][r.Kind+"/"+r.Channel] += r.Received
		add2(f.regionKind[r.Period], u.Code, r.Kind, r.Received)
		add2(f.regionChan[r.Period], u.Code, r.Channel, r.Received)
	}
	for _, r := range d.Categories {
		if ok(r.Period) {
			add2(f.category[r.Period], r.Category, r.Kind, r.Received)
			add2(f.regionCat[r.Period], f.unitOf(r.Region).Code, r.Category, r.Received)
		}
	}
	for _, r := range d.Subcategories {
		if ok(r.Period) {
			add2(f.sub[r.Period], r.Category, r.Subcategory, r.Received)
		}
	}
	for _, r := range d.Industries {
		if ok(r.Period) {
			f.industry[r.Period][r.Industry] += r.Received
		}
	}
	for _, r := range d.Months {
		if ok(r.Period) {
			add2(f.month[r.Period], r.Month, r.Kind, r.Received)
		}
	}
	for _, r := range d.Rejections {
		if ok(r.Period) {
			add2(f.reasons[r.Period], r.Reason, r.Kind, r.Rejected)
		}
	}
	for _, r := range d.Cohort {
		u := f.unitOf(r.Region)
		c := f.cohort[u.Code]
		c[0] += r.Accepted
		c[1] += r.Closed
		f.cohort[u.Code] = c
	}
	for _, c := range d.Closures {
		if ok(c.Period) {
			f.closures[c.Period][c.Finding] += c.Cases
		}
	}
	for _, c := range d.Deadlines {
		if ok(c.Period) {
			f.deadlines[c.Period][c.Step] = c
		}
	}
	for _, c := range d.Matters {
		if ok(c.Period) {
			f.matters[c.Period][c.Kind] = c
			f.hasMatters[c.Period] = true
		}
	}
	return f
}

func addMetrics(m map[string]*metrics, key string, h Handling) {
	if m[key] == nil {
		m[key] = &metrics{}
	}
	m[key].add(h)
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
func (f *figures) total(p PeriodIndex) metrics {
	var m metrics
	for _, k := range kinds {
		if x := f.totals[p][k]; x != nil {
			m.add(*x)
		}
	}
	return m
}

func (f *figures) kindTotal(p PeriodIndex, kind string) metrics {
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

// scope is the jurisdiction a report covers, with the region table it is read against.
type scope struct {
	region.Scope
	regions *region.Table
}

// unitLevelName is what the next-level regions are called.
func (s scope) unitLevelName() string {
	switch {
	case s.IsNation():
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
		if !s.IsNation() && (d.Level <= s.Level || !s.Contains(d.Code)) {
			continue
		}
		if d.Placeholder() {
			continue
		}
		return unit{Code: d.Code, Name: d.Name}
	}
	if s.IsNation() {
		// an unknown code (validated at ingest, so only from an outdated table)
		return unit{Code: code, Name: code}
	}
	return unit{Code: s.Code, Name: s.selfName(), Self: true}
}

// monthName is 2026年7月 for 202607.
func monthName(yyyymm string) string {
	if len(yyyymm) != 6 {
		return yyyymm
	}
	m, _ := strconv.Atoi(yyyymm[4:])
	return yyyymm[:4] + "年" + strconv.Itoa(m) + "月"
}
