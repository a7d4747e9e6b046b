package dashboards

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/lifecycle"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

// fxReport is one report of the fixture (latest version only).
type fxReport struct {
	at                 time.Time
	region             string
	channel, category  string
	target, targetName string
	reporter           string
	ingested           time.Time // first ingestion; zero: long before fxAt
}

// fixture is a hand-built Source: it answers the dashboard queries from lists in memory,
// the way the ClickHouse queries do.
type fixture struct {
	regions   *region.Table
	reports   []fxReport
	warnings  []OpenWarning
	deadlines []DeadlineRow
	lag       IngestLag
	mu        sync.Mutex // the queries run concurrently
	calls     map[string]int
	// accessAsked is the period the access summary was asked for.
	accessAsked store.Period
}

func sh(y int, m time.Month, d, h, min, s int) time.Time {
	return time.Date(y, m, d, h, min, s, 0, calendar.Shanghai)
}

func (f *fixture) count(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[name]++
}

// codes returns the province and city code of a report as the pipeline stores them.
func (f *fixture) codes(r fxReport) (province, city string) {
	if d, ok := f.regions.Province(r.region); ok {
		province = d.Code
	}
	if d, ok := f.regions.Prefecture(r.region); ok {
		city = d.Code
	}
	return province, city
}

func (f *fixture) inScope(r fxReport, scope region.Scope) bool {
	p, c := f.codes(r)
	switch {
	case scope.IsNation():
		return true
	case scope.Level == region.Province:
		return p == scope.Code
	}
	return c == scope.Code
}

func (f *fixture) Counts(ctx context.Context, q CountQuery) (*Counts, error) {
	f.count("counts")
	v := f.volumes(q)
	d := f.daily(q.Scope, q.Trend)
	c := &Counts{Volumes: v, Daily: d}
	for _, r := range f.reports {
		if f.inScope(r, q.Scope) && r.ingested.After(q.IngestedAfter) {
			for _, s := range q.Spans {
				if s.Contains(r.at) {
					c.Backfilled++
					break
				}
			}
		}
	}
	return c, nil
}

func (f *fixture) volumes(q CountQuery) []VolumeRow {
	type key struct{ rc, ch, cat string }
	m := map[key]counts{}
	for _, r := range f.reports {
		if !f.inScope(r, q.Scope) {
			continue
		}
		k := key{r.region, r.channel, r.category}
		any := false
		c := m[k]
		for i, s := range q.Spans {
			if s.Contains(r.at) {
				c[i]++
				any = true
			}
		}
		if any {
			m[k] = c
		}
	}
	var out []VolumeRow
	for k, c := range m {
		out = append(out, VolumeRow{RegionCode: k.rc, Channel: k.ch, Category: k.cat, Counts: c})
	}
	return out
}

func (f *fixture) daily(scope region.Scope, span store.Period) []DailyRow {
	type key struct {
		p, c, cat string
		day       time.Time
	}
	m := map[key]uint64{}
	for _, r := range f.reports {
		if !f.inScope(r, scope) || !span.Contains(r.at) {
			continue
		}
		p, c := f.codes(r)
		day := time.Date(r.at.Year(), r.at.Month(), r.at.Day(), 0, 0, 0, 0, calendar.Shanghai)
		m[key{p, c, r.category, day}]++
	}
	var out []DailyRow
	for k, n := range m {
		out = append(out, DailyRow{ProvinceCode: k.p, CityCode: k.c, Category: k.cat, Day: k.day, Count: n})
	}
	return out
}

func (f *fixture) Targets(_ context.Context, q TargetQuery) ([]TargetRow, error) {
	f.count("targets")
	type key struct{ j, t string }
	type agg struct {
		row       TargetRow
		weeks     map[time.Time]bool
		reporters map[string]bool
	}
	m := map[key]*agg{}
	for _, r := range f.reports {
		if r.target == "" || !f.inScope(r, q.Scope) || !q.Span.Contains(r.at) {
			continue
		}
		p, c := f.codes(r)
		var js []string
		switch {
		case q.Scope.IsNation():
			js = []string{"", p}
		case q.Scope.Level == region.Province:
			js = []string{p}
		}
		if c != "" {
			js = append(js, c)
		}
		for _, j := range js {
			a := m[key{j, r.target}]
			if a == nil {
				a = &agg{row: TargetRow{Jurisdiction: j, Key: r.target, Name: r.targetName, RegionCode: r.region},
					weeks: map[time.Time]bool{}, reporters: map[string]bool{}}
				m[key{j, r.target}] = a
			}
			a.row.Total++
			if q.Recent.Contains(r.at) {
				a.row.Recent++
			}
			day := time.Date(r.at.Year(), r.at.Month(), r.at.Day(), 0, 0, 0, 0, calendar.Shanghai)
			a.weeks[day.AddDate(0, 0, -((int(day.Weekday())+6)%7))] = true
			a.reporters[r.reporter] = true
			if r.at.After(a.row.Last) {
				a.row.Last = r.at
			}
		}
	}
	byJ := map[string][]TargetRow{}
	for _, a := range m {
		a.row.Weeks, a.row.Reporters = uint64(len(a.weeks)), uint64(len(a.reporters))
		byJ[a.row.Jurisdiction] = append(byJ[a.row.Jurisdiction], a.row)
	}
	var out []TargetRow
	for _, rows := range byJ {
		sort.Slice(rows, func(a, b int) bool {
			if rows[a].Recent != rows[b].Recent {
				return rows[a].Recent > rows[b].Recent
			}
			return rows[a].Key < rows[b].Key
		})
		rows = slices.DeleteFunc(rows, func(r TargetRow) bool { return r.Total < 2 }) // listed from two reports
		for i := range rows {
			rows[i].Top = i < q.TopN && rows[i].Recent > 0 && rows[i].Total >= 2
		}
		sort.Slice(rows, func(a, b int) bool {
			if rows[a].Total != rows[b].Total {
				return rows[a].Total > rows[b].Total
			}
			return rows[a].Key < rows[b].Key
		})
		n := 0
		for i := range rows {
			if rows[i].Total >= uint64(q.RepeatMin) && rows[i].Weeks >= uint64(q.RepeatWeeks) && n < q.TopN {
				rows[i].Repeat = true
				n++
			}
			if rows[i].Top || rows[i].Repeat {
				out = append(out, rows[i])
			}
		}
	}
	return out, nil
}

func (f *fixture) Warnings(_ context.Context, at time.Time) ([]OpenWarning, error) {
	f.count("warnings")
	var out []OpenWarning
	for _, w := range f.warnings {
		if !w.IssuedAt.After(at) {
			out = append(out, w)
		}
	}
	return out, nil
}

func (f *fixture) Deadlines(_ context.Context, q DeadlineQuery) ([]DeadlineRow, error) {
	f.count("deadlines")
	var out []DeadlineRow
	for _, d := range f.deadlines {
		if q.Scope.Contains(d.Org) {
			out = append(out, d)
		}
	}
	return out, nil
}

func (f *fixture) IngestLag(_ context.Context, at time.Time) (IngestLag, error) {
	f.count("lag")
	l := f.lag
	l.At = at
	return l, nil
}

// The fixture's time: Wednesday 30 September 2026, 15:00 in Shanghai.
var fxAt = sh(2026, 9, 30, 15, 0, 0)

func newFixture() *fixture {
	r := func(at time.Time, code, ch, cat, target string) fxReport {
		name := ""
		if target != "" {
			name = map[string]string{"T1": "某某化工有限公司", "T2": "某某家具厂", "T3": "<script>alert(1)</script>有限公司", "T4": "某某餐馆"}[target]
		}
		return fxReport{at: at, region: code, channel: ch, category: cat, target: target, targetName: name, reporter: "RP-SECRET-" + code}
	}
	f := &fixture{
		regions: region.Default(),
		reports: []fxReport{
			// Today (Wednesday), up to and including 15:00:00.
			r(sh(2026, 9, 30, 9, 0, 0), "440305", "phone", "air", "T1"),
			r(sh(2026, 9, 30, 14, 59, 59), "440305", "wechat", "water", "T1"),
			r(sh(2026, 9, 30, 15, 0, 0), "440106", "web", "noise", ""),
			r(sh(2026, 9, 30, 15, 0, 1), "440106", "web", "noise", ""),  // after At: never counted
			r(sh(2026, 9, 30, 1, 0, 0), "440000", "phone", "other", ""), // no city
			// Yesterday: one in the same hours, one later in the day.
			r(sh(2026, 9, 29, 10, 0, 0), "440305", "phone", "air", "T1"),
			r(sh(2026, 9, 29, 16, 0, 0), "440106", "phone", "air", ""),
			// Last Wednesday, same hours: Beijing 朝阳 (a municipality: no city page).
			r(sh(2026, 9, 23, 8, 0, 0), "110105", "phone", "air", ""),
			// This week (Monday 28th): 仙桃, a county administered by Hubei directly.
			r(sh(2026, 9, 28, 9, 0, 0), "429004", "letter", "noise", ""),
			// Last week before Wednesday 15:00.
			r(sh(2026, 9, 21, 10, 0, 0), "440305", "phone", "air", "T4"), // reported once: never listed
			// Quarter start, and the previous quarter.
			r(sh(2026, 7, 1, 0, 0, 0), "440305", "phone", "air", "T1"),
			r(sh(2026, 4, 5, 12, 0, 0), "440305", "phone", "air", ""),
			r(sh(2026, 6, 30, 23, 0, 0), "440305", "phone", "air", ""),
			// A target reported in three different weeks; and one with a hostile name.
			r(sh(2026, 8, 3, 10, 0, 0), "440106", "web", "water", "T2"),
			r(sh(2026, 8, 20, 10, 0, 0), "440106", "web", "water", "T2"),
			r(sh(2026, 9, 10, 10, 0, 0), "440106", "web", "water", "T2"),
			r(sh(2026, 9, 15, 10, 0, 0), "440106", "web", "water", "T3"),
			r(sh(2026, 9, 16, 10, 0, 0), "440106", "web", "water", "T3"),
		},
		warnings: []OpenWarning{
			{WarningID: "W1", Kind: "overdue", Status: "open", Level: 1, Title: "举报件办结环节超期：12369-440305-20260801-000001",
				RegionCodes: []string{"440305"}, RecipientNames: []string{"广东省深圳市生态环境局"},
				OpenedAt: sh(2026, 9, 20, 0, 0, 0), IssuedAt: sh(2026, 9, 25, 0, 0, 0)},
			{WarningID: "W2", Kind: "repeat", Status: "updated", Level: 3, Title: "重复举报",
				RegionCodes: []string{"440106", "429004"}, RecipientNames: []string{"广东省广州市生态环境局"},
				OpenedAt: sh(2026, 9, 29, 0, 0, 0), IssuedAt: sh(2026, 9, 29, 0, 0, 0)},
			{WarningID: "W3", Kind: "cluster", Status: "open", Level: 2, Title: "之后才发出",
				RegionCodes: []string{"440106"}, OpenedAt: sh(2026, 10, 2, 0, 0, 0), IssuedAt: sh(2026, 10, 2, 0, 0, 0)},
		},
		deadlines: []DeadlineRow{
			{Org: "440305", Step: lifecycle.StepClose, Overdue: 2, OldestDue: sh(2026, 9, 1, 23, 59, 59), OnTime: 8, Late: 2},
			{Org: "440300", Step: lifecycle.StepAccept, Overdue: 1, OldestDue: sh(2026, 9, 20, 23, 59, 59), OnTime: 10},
			{Org: "440000", Step: lifecycle.StepAssign, OnTime: 5, Late: 5},
		},
		lag: IngestLag{NewestMessage: fxAt.Add(-90 * time.Second), RecentMessages: 120,
			DelayMedian: 2 * time.Second, DelayMax: 9 * time.Second},
	}
	// The hostile-named target's report was only ingested after fxAt (a backfill).
	f.reports[len(f.reports)-1].ingested = fxAt.Add(time.Hour)
	return f
}

func (f *fixture) Access(_ context.Context, p store.Period) (AccessSummary, error) {
	f.count("access")
	f.mu.Lock()
	f.accessAsked = p
	f.mu.Unlock()
	return AccessSummary{SignIns: 3, FailedSignIns: 6, SignOuts: 1, Opened: 12, Refused: 2,
		Users:      []AccessUser{{Login: "hb.zhang", Name: "湖北<省厅>张三", Jurisdiction: "420000", Opened: 9, Refused: 2, SignIns: 2, Last: fxAt.Add(-time.Hour)}},
		FailedFrom: []AccessAddress{{Addr: "192.0.2.7", Failed: 6, Logins: 1, Last: fxAt.Add(-2 * time.Hour)}}}, nil
}
