package dashboards

import (
	"context"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/lifecycle"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

// Source is where the figures come from: the ClickHouse read model (ReadModel), or a fixture
// in tests. Every method answers for all the jurisdictions of a scope at once: it groups by the
// finest unit a figure needs (region code, city, bureau) and the tree rolls the rows up to
// cities, provinces and the nation.
type Source interface {
	// Counts counts the reports per region code, channel and category in each span, and per
	// city, category and day in the trend, in one pass.
	Counts(ctx context.Context, q CountQuery) (*Counts, error)
	// Targets lists the most reported and the repeat targets of every jurisdiction.
	Targets(ctx context.Context, q TargetQuery) ([]TargetRow, error)
	// Warnings returns the warnings open at a time.
	Warnings(ctx context.Context, at time.Time) ([]OpenWarning, error)
	// Deadlines returns the overdue and on-time figures per bureau and step.
	Deadlines(ctx context.Context, q DeadlineQuery) ([]DeadlineRow, error)
	// IngestLag measures the ingest lag at a time.
	IngestLag(ctx context.Context, at time.Time) (IngestLag, error)
	// Access summarises the access audit of the served dashboards over a period (asked for
	// the national root page only).
	Access(ctx context.Context, p store.Period) (AccessSummary, error)
}

var _ Source = (*ReadModel)(nil)

// Indexes of the spans counted for every jurisdiction (periods.Spans).
const (
	spanToday       = iota // today 00:00 → At
	spanYesterday          // yesterday, the same hours
	spanLastWeekDay        // the same weekday last week, the same hours
	spanWeek               // this week (from Monday 00:00) → At
	spanPrevWeek           // last week, the same elapsed time
	spanQuarter            // this quarter → At
	spanPrevQuarter        // the previous quarter, the same elapsed time
	spanRecent             // the last RecentDays days, today included
	spanPrevRecent         // the RecentDays days before those
	nSpans
)

// counts holds one number per span (the span* indexes).
type counts [nSpans]uint64

// CountQuery asks for report counts in several spans and per day, in one pass.
type CountQuery struct {
	Scope region.Scope
	Spans [nSpans]store.Period // counted separately
	// Trend is the span of the daily counts.
	Trend store.Period
	// IngestedAfter: reports (in the spans) first ingested after this time are counted in
	// Backfilled.
	IngestedAfter time.Time
}

// Counts is the answer to a CountQuery.
type Counts struct {
	Volumes []VolumeRow
	Daily   []DailyRow
	// Backfilled is the number of reports received in the union of the spans that were first
	// ingested after IngestedAfter.
	Backfilled uint64
}

// VolumeRow is the number of reports of one region code, channel and primary category in each
// span of the query.
type VolumeRow struct {
	RegionCode, Channel, Category string
	Counts                        counts
}

// DailyRow is the number of reports with one primary category received on one day
// (Asia/Shanghai) under one prefecture-level code prefix: CityCode is the first four digits of
// the region code followed by 00 (440300 for 440305; a placeholder such as 110100 for a
// district of Beijing; the province's own code for a province-level region code), ProvinceCode
// the first two followed by 0000.
type DailyRow struct {
	ProvinceCode, CityCode, Category string
	Day                              time.Time
	Count                            uint64
}

// TargetQuery asks for the most reported targets and the repeatedly reported ones, per
// jurisdiction.
type TargetQuery struct {
	Scope region.Scope
	// Span is the period read (e.g. 90 days); Recent its tail (e.g. the last 30 days).
	Span, Recent store.Period
	// TopN is the number of targets listed per jurisdiction in each list.
	TopN int
	// A repeat target has at least RepeatMin reports in Span, received in at least
	// RepeatWeeks different weeks (Monday to Sunday).
	RepeatMin, RepeatWeeks int
}

// TargetRow is one reported target (a company or site; never a reporter) in one jurisdiction.
type TargetRow struct {
	// Jurisdiction is "" for the nation, or the province or city code the figures are for.
	Jurisdiction string
	Key          string
	// Name is the name most of the target's reports in Span give it (ties: the smallest).
	Name string
	// RegionCode is the region code most of its reports in the jurisdiction name (ties: the
	// smallest code).
	RegionCode string
	Recent     uint64 // reports in Recent
	Total      uint64 // reports in Span
	Weeks      uint64 // distinct weeks with a report in Span
	Reporters  uint64 // distinct reporters (by pseudonym) in Span; a count only
	Last       time.Time
	Top        bool // among the TopN by Recent
	Repeat     bool // a repeat target, among the TopN of them by Total
}

// OpenWarning is the revision of a warning current at a time, when it is not closed.
type OpenWarning struct {
	WarningID, Kind, Status, Title string
	Revision                       uint32
	Level                          int
	RegionCodes, RecipientNames    []string
	OpenedAt, IssuedAt             time.Time
}

// DeadlineQuery asks for the state of the case deadlines per responsible bureau at a time.
type DeadlineQuery struct {
	Scope region.Scope // filters on the bureau's code
	At    time.Time
	// Due is the period whose deadlines count for the on-time rate (those falling due in it).
	Due store.Period
}

// DeadlineRow is, for one responsible bureau (its region code) and one step, the deadlines
// overdue at the query time and the deadlines that fell due in the Due span.
type DeadlineRow struct {
	Org  string
	Step lifecycle.Step
	// Overdue is the number of cases whose step is overdue at At: started, past due, not done
	// by At, clock not paused. OldestDue is the earliest due time among them.
	Overdue   uint64
	OldestDue time.Time
	// Of the deadlines due in the Due span: done by the due time (OnTime) or not (Late: done
	// after it, or still not done at At).
	OnTime, Late uint64
}

// IngestLag describes how current the ingested data was at a time At.
type IngestLag struct {
	At time.Time
	// NewestMessage is the newest Kafka message time among the messages ingested by At (zero
	// when none was). At − NewestMessage is the lag: nothing produced after NewestMessage had
	// been ingested at At.
	NewestMessage time.Time
	// Delay of the messages ingested in the hour before At (ingested_at − message_time):
	// median and maximum, and how many messages.
	DelayMedian, DelayMax time.Duration
	RecentMessages        uint64
	// Backfilled is the number of reports received by At that were ingested after At: the
	// page shows them although they were not known at At (Counts.Backfilled; the dashboards
	// fill it in).
	Backfilled uint64
}

// Lengths of the rolling windows.
const (
	RecentDays = 30 // top places, targets, categories, channels, the map
	TrendDays  = 90 // the daily trend, repeat targets, on-time rates
)

// periods are the time windows of one generation, all in Asia/Shanghai and half-open; End is
// one second after At (received_at has whole seconds), so that At itself is included.
type periods struct {
	At, End  time.Time
	DayStart time.Time
	Spans    [nSpans]store.Period
	Trend    store.Period // the last TrendDays days
}

func newPeriods(at time.Time) periods {
	at = at.In(calendar.Shanghai).Truncate(time.Second)
	end := at.Add(time.Second)
	day := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, calendar.Shanghai)
	monday := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	quarter := time.Date(at.Year(), ((at.Month()-1)/3)*3+1, 1, 0, 0, 0, 0, calendar.Shanghai)
	prevQuarter := quarter.AddDate(0, -3, 0)
	prevQuarterEnd := prevQuarter.Add(end.Sub(quarter))
	if prevQuarterEnd.After(quarter) {
		prevQuarterEnd = quarter
	}
	recent := day.AddDate(0, 0, -(RecentDays - 1))
	p := periods{At: at, End: end, DayStart: day}
	p.Spans = [nSpans]store.Period{
		spanToday:       {From: day, To: end},
		spanYesterday:   {From: day.AddDate(0, 0, -1), To: end.AddDate(0, 0, -1)},
		spanLastWeekDay: {From: day.AddDate(0, 0, -7), To: end.AddDate(0, 0, -7)},
		spanWeek:        {From: monday, To: end},
		spanPrevWeek:    {From: monday.AddDate(0, 0, -7), To: end.AddDate(0, 0, -7)},
		spanQuarter:     {From: quarter, To: end},
		spanPrevQuarter: {From: prevQuarter, To: prevQuarterEnd},
		spanRecent:      {From: recent, To: end},
		spanPrevRecent:  {From: recent.AddDate(0, 0, -RecentDays), To: recent},
	}
	p.Trend = store.Period{From: day.AddDate(0, 0, -(TrendDays - 1)), To: end}
	return p
}

// days lists the days of the trend, oldest first.
func (p periods) days() []time.Time {
	var out []time.Time
	for d := p.Trend.From; d.Before(p.End); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out
}

// AccessSummary is the access audit of the served dashboards over the last day: shown on the
// ministry's page (the national root page) only.
type AccessSummary struct {
	SignIns, FailedSignIns, SignOuts uint64
	Opened, Refused                  uint64 // pages and data files opened; requests refused
	Users                            []AccessUser
	FailedFrom                       []AccessAddress
}

func (s *AccessSummary) add(event string, allowed bool, n uint64) {
	switch {
	case event == "sign_in":
		s.SignIns += n
	case event == "sign_in_failed":
		s.FailedSignIns += n
	case event == "sign_out":
		s.SignOuts += n
	case !allowed:
		s.Refused += n
	case event == "page" || event == "data":
		s.Opened += n
	}
}

// AccessUser is one person's use of the dashboards in the period.
type AccessUser struct {
	Login, Name, Jurisdiction string
	Opened, Refused, SignIns  uint64
	Last                      time.Time
}

// AccessAddress is an address failed sign-ins came from.
type AccessAddress struct {
	Addr           string
	Failed, Logins uint64
	Last           time.Time
}
