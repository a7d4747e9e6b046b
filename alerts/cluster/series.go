package cluster

import (
	"sort"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
)

// Series is the hourly count of distinct reporters of one category in one area.
//
// Counts[i] is the number of distinct reporters whose report of Category in Area was received
// in the hour [Start+i·h, Start+(i+1)·h). Start is a full hour (Asia/Shanghai and UTC hours
// coincide; a Start inside an hour is taken as that hour). The last element may be a partial
// hour: Detect reads only what lies before `now`, so a caller running at 10:05 may supply the
// 10:00 bin with the reports of 10:00–10:05. Hours before Start or after the end of Counts
// count as zero, so a caller should supply the whole history (Config.HistoryWeeks of whole
// days before the longest window, and the windows).
//
// "Distinct" is the caller's job and the point of the series: a reporter is counted at most
// once per area and category within a horizon of at least the longest window (the pseudonym
// identifies them; an anonymous report counts one; a report merged as a duplicate into
// another is not counted), so that one person sending fifty reports counts one and cannot
// make a cluster alone. Builder does exactly that for in-memory data.
type Series struct {
	Area     string    // GB/T 2260 code of the finest division (a county, or a city without counties)
	Category string    // contract category: air, water, noise, …
	Start    time.Time // first hour, aligned to a full hour
	Counts   []float32 // one per hour
}

// Builder turns individual reports into Series of distinct reporters. A reporter (a
// pseudonym, or any stable key of the identity) is counted once per area and category within
// Horizon: a report is counted when the same key has not been counted for that area and
// category in the Horizon before it. With Horizon at least the longest detection window, no
// window counts a person twice. Reports must be added in time order for this rule to hold;
// an empty key (anonymous report) always counts.
//
// Builder is not safe for concurrent use.
type Builder struct {
	start, end time.Time
	horizon    time.Duration
	hours      int
	series     map[seriesKey]*Series
	last       map[reporterKey]time.Time
}

type seriesKey struct{ area, category string }

type reporterKey struct {
	area, category, reporter string
}

// NewBuilder returns a Builder for hours from start (truncated to the hour) to end; reports
// outside are ignored. horizon ≤ 0 means the default 72 h (the longest default window).
func NewBuilder(start, end time.Time, horizon time.Duration) *Builder {
	if horizon <= 0 {
		horizon = 72 * time.Hour
	}
	start = start.In(calendar.Shanghai).Truncate(time.Hour)
	hours := int((end.Sub(start) + time.Hour - 1) / time.Hour)
	return &Builder{
		start: start, end: end, horizon: horizon, hours: max(hours, 0),
		series: make(map[seriesKey]*Series),
		last:   make(map[reporterKey]time.Time),
	}
}

// Add records one report of category in area received at `at` by reporter (empty for an
// anonymous report). It reports the hour index counted into, or -1 when the report was not
// counted (outside the period, or the same reporter already counted within the horizon).
func (b *Builder) Add(area, category string, at time.Time, reporter string) int {
	if at.Before(b.start) || !at.Before(b.end) {
		return -1
	}
	if reporter != "" {
		k := reporterKey{area, category, reporter}
		if prev, ok := b.last[k]; ok && at.Sub(prev) < b.horizon {
			return -1
		}
		b.last[k] = at
	}
	s := b.Series(area, category)
	i := int(at.Sub(b.start) / time.Hour)
	s.Counts[i]++
	return i
}

// Series returns the series of area and category, creating an all-zero one if needed. The
// returned series is owned by the Builder and changes with further Adds.
func (b *Builder) Series(area, category string) *Series {
	k := seriesKey{area, category}
	s, ok := b.series[k]
	if !ok {
		s = &Series{Area: area, Category: category, Start: b.start, Counts: make([]float32, b.hours)}
		b.series[k] = s
	}
	return s
}

// All returns every series built so far, sorted by area and category. The series share
// their counts with the Builder.
func (b *Builder) All() []Series {
	out := make([]Series, 0, len(b.series))
	for _, s := range b.series {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Area != out[j].Area {
			return out[i].Area < out[j].Area
		}
		return out[i].Category < out[j].Category
	})
	return out
}
