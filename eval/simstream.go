package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/ecowatch/ecowatch/alerts/cluster"
	"github.com/ecowatch/ecowatch/basin"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/simulate"
)

// SimulatedStream is a simulated stream (package simulate) turned into what the detectors'
// callers hold: hourly series of distinct reporters per county and category (the cluster
// detector's) and of water reporters per basin unit (the watershed detector's), and the merges
// that take duplicates out of them later. It is the input of an in-memory evaluation
// (`ecowatch eval detection`, TestEval).
type SimulatedStream struct {
	cfg     simulate.Config
	truth   *simulate.Truth
	start   time.Time // the first hour of every series
	builder *cluster.Builder
	series  []cluster.Series
	index   map[seriesKey]int
	units   []cluster.Series // water reporters per basin unit
	reports int
	merges  []merge              // in time order
	counted map[string][]counted // report id → where it was counted
	next    int                  // merges applied so far
	view    []cluster.Series     // the series as known at the last run
	uview   []cluster.Series
}

type seriesKey struct{ area, category string }

type counted struct {
	key    seriesKey
	unit   bool // in units, not series
	series int
	hour   int
}

// merge is a case event that declares a report a duplicate of another: from At on, the
// report no longer counts (DESIGN §6: merged duplicates are excluded).
type merge struct {
	at     time.Time
	report string
}

// memSink keeps the messages of a simulated stream that the series need: the reports and
// the merges.
type memSink struct{ msgs []simulate.Message }

var mergedMark = []byte(`"type":"merged"`)

func (m *memSink) Write(_ context.Context, msgs []simulate.Message) error {
	for _, msg := range msgs {
		if msg.Topic == simulate.TopicReports || bytes.Contains(msg.Value, mergedMark) {
			m.msgs = append(m.msgs, msg)
		}
	}
	return nil
}

// identityKey is the stable key the pipeline's pseudonym stands for: the ID number, else the
// phone, else the e-mail, else the name with the address; "" for an anonymous report.
func identityKey(r *contract.Reporter) string {
	switch {
	case r == nil || r.Anonymous || r.Empty():
		return ""
	case r.IDNumber != "":
		return "id:" + r.IDNumber
	case r.Phone != "":
		return "tel:" + r.Phone
	case r.Email != "":
		return "mail:" + r.Email
	}
	return "name:" + r.Name + "|" + r.Address
}

// NewSimulatedStream runs the simulator for cfg and builds the series of distinct reporters.
func NewSimulatedStream(cfg simulate.Config) (*SimulatedStream, error) {
	sink := &memSink{}
	truth, err := simulate.Run(context.Background(), cfg, sink)
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	return buildStream(cfg, truth, sink.msgs), nil
}

func buildStream(cfg simulate.Config, truth *simulate.Truth, msgs []simulate.Message) *SimulatedStream {
	v := &contract.Validator{Regions: region.Default(), Now: func() time.Time { return cfg.To }}
	st := &SimulatedStream{cfg: cfg, truth: truth, builder: cluster.NewBuilder(cfg.From, cfg.To, 72*time.Hour),
		start:   cfg.From.In(calendar.Shanghai).Truncate(time.Hour),
		counted: map[string][]counted{}, index: map[seriesKey]int{}}
	type rep struct {
		id, area string
		cats     []string
		at       time.Time
		key      string
	}
	var reps []rep
	for _, m := range msgs {
		switch m.Topic {
		case simulate.TopicReports:
			r, err := v.DecodeReport(m.Value)
			if err != nil {
				continue // malformed: dead-lettered at ingest
			}
			cats := r.Categories
			if len(cats) == 0 {
				cats = []string{r.Category}
			}
			reps = append(reps, rep{r.ReportID, r.RegionCode, cats, r.Received(), identityKey(r.Reporter)})
		case simulate.TopicCaseEvents:
			if !bytes.Contains(m.Value, mergedMark) {
				continue
			}
			var e contract.CaseEvent
			if json.Unmarshal(m.Value, &e) != nil || e.Type != contract.EventMerged {
				continue
			}
			st.merges = append(st.merges, merge{at: e.At.Time, report: e.ReportID})
		}
	}
	sort.SliceStable(reps, func(i, j int) bool { return reps[i].at.Before(reps[j].at) })
	sort.SliceStable(st.merges, func(i, j int) bool { return st.merges[i].at.Before(st.merges[j].at) })
	topo := basin.Default()
	units := cluster.NewBuilder(cfg.From, cfg.To, 72*time.Hour)
	for _, r := range reps {
		st.reports++
		for _, c := range r.cats {
			if h := st.builder.Add(r.area, c, r.at, r.key); h >= 0 {
				st.counted[r.id] = append(st.counted[r.id], counted{key: seriesKey{r.area, c}, hour: h})
			}
		}
		// the watershed detector's series: the report's main category only, as the store's
		// report points carry it, mapped to the basin unit its county drains to
		if us := topo.UnitsOf(r.area); len(us) > 0 && r.cats[0] == "water" {
			if h := units.Add(us[0].Code, "water", r.at, r.key); h >= 0 {
				st.counted[r.id] = append(st.counted[r.id], counted{key: seriesKey{us[0].Code, "water"}, unit: true, hour: h})
			}
		}
	}
	st.series = st.builder.All()
	for i, s := range st.series {
		st.index[seriesKey{s.Area, s.Category}] = i
	}
	st.units = units.All()
	uindex := map[seriesKey]int{}
	for i, s := range st.units {
		uindex[seriesKey{s.Area, s.Category}] = i
	}
	for _, cs := range st.counted {
		for i := range cs {
			if cs[i].unit {
				cs[i].series = uindex[cs[i].key]
			} else {
				cs[i].series = st.index[cs[i].key]
			}
		}
	}
	st.view = make([]cluster.Series, len(st.series))
	st.uview = make([]cluster.Series, len(st.units))
	return st
}

// slice is the counted entry's series.
func (st *SimulatedStream) slice(c counted) *cluster.Series {
	if c.unit {
		return &st.units[c.series]
	}
	return &st.series[c.series]
}

// advance applies the merges recorded before now.
func (st *SimulatedStream) advance(now time.Time) {
	for ; st.next < len(st.merges) && st.merges[st.next].at.Before(now); st.next++ {
		for _, c := range st.counted[st.merges[st.next].report] {
			st.slice(c).Counts[c.hour]--
		}
	}
}

// cut returns series as known at now into view.
func (st *SimulatedStream) cut(series, view []cluster.Series, now time.Time) []cluster.Series {
	end := int((now.Sub(st.start) + time.Hour - 1) / time.Hour)
	for i := range series {
		s := series[i]
		s.Counts = s.Counts[:min(max(end, 0), len(s.Counts))]
		view[i] = s
	}
	return view
}

// At returns the county series as known at now: merges recorded before now applied, and
// nothing from now on. Calls (of At and UnitsAt) must come in time order; the result is valid
// until the next call.
func (st *SimulatedStream) At(now time.Time) []cluster.Series {
	st.advance(now)
	return st.cut(st.series, st.view, now)
}

// UnitsAt is At for the water reporters of each basin unit (the watershed detector's series).
func (st *SimulatedStream) UnitsAt(now time.Time) []cluster.Series {
	st.advance(now)
	return st.cut(st.units, st.uview, now)
}

// Events converts the truth's events for Evaluate: watershed incidents by the counties their
// reports come from.
func (st *SimulatedStream) Events() []Event {
	var out []Event
	for _, ev := range st.truth.Events {
		places := ev.Places
		if ev.Type == simulate.EventWatershed {
			places = ev.Counties
		}
		out = append(out, Event{ID: ev.ID, Type: ev.Type, Category: ev.Category, Places: places, Onset: ev.Onset, End: ev.End})
	}
	return out
}

// UnitEvents converts the truth's events for an evaluation on the basin units' series: every
// event by the units its places drain to (a watershed incident by the units it passes).
func (st *SimulatedStream) UnitEvents() []Event {
	topo := basin.Default()
	var out []Event
	for _, ev := range st.truth.Events {
		var units []string
		for _, p := range append(append([]string{}, ev.Places...), ev.Counties...) {
			if us := topo.UnitsOf(p); len(us) > 0 && !slices.Contains(units, us[0].Code) {
				units = append(units, us[0].Code)
			}
		}
		out = append(out, Event{ID: ev.ID, Type: ev.Type, Category: ev.Category, Places: units, Onset: ev.Onset, End: ev.End})
	}
	return out
}

// Truth is the simulator's ground truth of the stream.
func (st *SimulatedStream) Truth() *simulate.Truth { return st.truth }

// Reports is the number of valid reports in the stream.
func (st *SimulatedStream) Reports() int { return st.reports }

// Rewind restores the counts that the previous evaluation's merges took out, so that the
// next source sees the same stream from the start.
func (st *SimulatedStream) Rewind() *SimulatedStream {
	for i := 0; i < st.next; i++ {
		for _, c := range st.counted[st.merges[i].report] {
			st.slice(c).Counts[c.hour]++
		}
	}
	st.next = 0
	return st
}

// oracle returns, for the target clusters of [from, to−72h), the time from onset to the
// arrival of the k-th distinct reporter in the event's places (a lower bound of any
// detector's delay that needs k reporters), and the number of such clusters.
func (st *SimulatedStream) oracle(events []Event, from, to time.Time, k int) ([]time.Duration, int, map[string]time.Duration) {
	var out []time.Duration
	byID := map[string]time.Duration{}
	n := 0
	ids := map[string]simulate.Event{}
	for _, ev := range st.truth.Events {
		ids[ev.ID] = ev
	}
	for _, ev := range events {
		if ev.Type != simulate.EventCluster || ev.Onset.Before(from) || !ev.Onset.Before(to.Add(-72*time.Hour)) {
			continue
		}
		n++
		var hours []int
		for _, id := range ids[ev.ID].ReportIDs {
			for _, c := range st.counted[id] {
				if c.key.category == ev.Category {
					hours = append(hours, c.hour)
				}
			}
		}
		sort.Ints(hours)
		if len(hours) >= k {
			// the bin of the k-th reporter is complete one hour after its start
			at := st.start.Add(time.Duration(hours[k-1]+1) * time.Hour)
			out = append(out, at.Sub(ev.Onset))
			byID[ev.ID] = at.Sub(ev.Onset)
		}
	}
	return out, n, byID
}
