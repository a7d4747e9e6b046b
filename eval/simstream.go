package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/ecowatch/ecowatch/alerts/cluster"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/simulate"
)

// SimulatedStream is a simulated stream (package simulate) turned into what the cluster
// detector's caller holds: hourly series of distinct reporters, and the merges that take
// duplicates out of them later. It is the input of an in-memory evaluation (`ecowatch eval
// detection`, TestEval).
type SimulatedStream struct {
	cfg     simulate.Config
	truth   *simulate.Truth
	start   time.Time // the first hour of every series
	builder *cluster.Builder
	series  []cluster.Series
	index   map[seriesKey]int
	reports int
	merges  []merge              // in time order
	counted map[string][]counted // report id → where it was counted
	next    int                  // merges applied so far
	view    []cluster.Series     // the series as known at the last run
}

type seriesKey struct{ area, category string }

type counted struct {
	key    seriesKey
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
	for _, r := range reps {
		st.reports++
		for _, c := range r.cats {
			if h := st.builder.Add(r.area, c, r.at, r.key); h >= 0 {
				st.counted[r.id] = append(st.counted[r.id], counted{key: seriesKey{r.area, c}, hour: h})
			}
		}
	}
	st.series = st.builder.All()
	for i, s := range st.series {
		st.index[seriesKey{s.Area, s.Category}] = i
	}
	for _, cs := range st.counted {
		for i := range cs {
			cs[i].series = st.index[cs[i].key]
		}
	}
	st.view = make([]cluster.Series, len(st.series))
	return st
}

// At returns the series as known at now: merges recorded before now applied, and nothing
// from now on. Calls must come in time order; the result is valid until the next call.
func (st *SimulatedStream) At(now time.Time) []cluster.Series {
	for ; st.next < len(st.merges) && st.merges[st.next].at.Before(now); st.next++ {
		for _, c := range st.counted[st.merges[st.next].report] {
			st.series[c.series].Counts[c.hour]--
		}
	}
	end := int((now.Sub(st.start) + time.Hour - 1) / time.Hour)
	for i := range st.series {
		s := st.series[i]
		s.Counts = s.Counts[:min(max(end, 0), len(s.Counts))]
		st.view[i] = s
	}
	return st.view
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

// Reports is the number of valid reports in the stream.
func (st *SimulatedStream) Reports() int { return st.reports }

// Rewind restores the counts that the previous evaluation's merges took out, so that the
// next source sees the same stream from the start.
func (st *SimulatedStream) Rewind() *SimulatedStream {
	for i := 0; i < st.next; i++ {
		for _, c := range st.counted[st.merges[i].report] {
			st.series[c.series].Counts[c.hour]++
		}
	}
	st.next = 0
	return st
}
