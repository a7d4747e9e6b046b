package dashboards

import (
	"context"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/store"
)

// Source is where the figures come from: *store.Store, or a fixture in tests. Every method
// answers for all the jurisdictions of a scope at once.
type Source interface {
	// DashboardCounts counts the reports per region code, channel and category in each span,
	// and per city, category and day in the trend, in one pass.
	DashboardCounts(ctx context.Context, q store.CountQuery) (*store.Counts, error)
	// DashboardTargets lists the most reported and the repeat targets of every jurisdiction.
	DashboardTargets(ctx context.Context, q store.TargetQuery) ([]store.TargetRow, error)
	// DashboardWarnings returns the warnings open at a time.
	DashboardWarnings(ctx context.Context, at time.Time) ([]store.OpenWarning, error)
	// DashboardDeadlines returns the overdue and on-time figures per bureau and step.
	DashboardDeadlines(ctx context.Context, q store.DeadlineQuery) ([]store.DeadlineRow, error)
	// DashboardIngestLag measures the ingest lag at a time.
	DashboardIngestLag(ctx context.Context, at time.Time) (store.IngestLag, error)
}

var _ Source = (*store.Store)(nil)

// Indexes of the spans counted for every jurisdiction (periods.spans).
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
	Spans    [nSpans]store.Span
	Trend    store.Span // the last TrendDays days
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
	p.Spans = [nSpans]store.Span{
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
	p.Trend = store.Span{From: day.AddDate(0, 0, -(TrendDays - 1)), To: end}
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
