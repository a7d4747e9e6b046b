package eval

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/alerts/cluster"
	"github.com/ecowatch/ecowatch/calendar"
)

func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, calendar.Shanghai)
}

var testNow = day(2025, 3, 18).Add(16 * time.Hour)

func near(t *testing.T, what string, got, want, rel float64) {
	t.Helper()
	if math.Abs(got-want) > rel*math.Abs(want) {
		t.Errorf("%s = %.6g, want %.6g (±%g%%)", what, got, want, rel*100)
	}
}

func TestFixedThreshold(t *testing.T) {
	s := cluster.Series{Area: "440305", Category: "air", Start: testNow.Add(-48 * time.Hour), Counts: make([]float32, 60)}
	for i := 30; i < 48; i++ {
		s.Counts[i] = 1
	}
	s.Counts[48] = 50 // after now: not read
	f := FixedThreshold{Count: 10, Window: 24 * time.Hour}
	if got := f.Detect([]cluster.Series{s}, testNow); len(got) != 1 || got[0].Observed != 18 {
		t.Errorf("fixed threshold: %+v", got)
	}
	if got := (FixedThreshold{Count: 20, Window: 24 * time.Hour}).Detect([]cluster.Series{s}, testNow); len(got) != 0 {
		t.Errorf("fixed threshold 20: %+v", got)
	}
}

// scripted is a Source that returns prepared signals by run time.
type scripted map[time.Time][]cluster.Signal

func (s scripted) Detect(_ []cluster.Series, now time.Time) []cluster.Signal { return s[now] }

func TestEvaluate(t *testing.T) {
	from := day(2025, 3, 1)
	to := from.Add(14 * 24 * time.Hour)
	events := []Event{
		{ID: "c1", Type: "cluster", Category: "air", Places: []string{"A", "B"}, Onset: from.Add(10*time.Hour + 20*time.Minute), End: from.Add(30 * time.Hour)},
		{ID: "c2", Type: "cluster", Category: "noise", Places: []string{"C"}, Onset: from.Add(50 * time.Hour), End: from.Add(60 * time.Hour)},
		{ID: "c3", Type: "cluster", Category: "noise", Places: []string{"D"}, Onset: from.Add(100 * time.Hour), End: from.Add(110 * time.Hour)},
		{ID: "w1", Type: "watershed", Category: "water", Places: []string{"E"}, Onset: from.Add(200 * time.Hour), End: from.Add(220 * time.Hour)},
	}
	sig := func(at time.Time, cat string, hours int, areas ...string) cluster.Signal {
		return cluster.Signal{Areas: areas, Category: cat, WindowStart: at.Add(-time.Duration(hours) * time.Hour), WindowEnd: at}
	}
	h := func(n int) time.Time { return from.Add(time.Duration(n) * time.Hour) }
	src := scripted{
		h(10):  {sig(h(10), "air", 6, "B")},                                   // before onset: window ends before it
		h(13):  {sig(h(13), "air", 6, "B"), sig(h(13), "water", 6, "X")},      // c1 after 2h40m; X is false
		h(14):  {sig(h(14), "air", 6, "B"), sig(h(14), "water", 6, "X", "Y")}, // same warnings go on
		h(80):  {sig(h(80), "noise", 72, "C")},                                // c2 after 30 h
		h(90):  {sig(h(90), "water", 6, "X")},                                 // 76 h after the last X: a new false warning
		h(210): {sig(h(210), "water", 12, "E")},                               // the watershed incident: not false
	}
	res := Evaluate(src, events, EvalOptions{From: from, To: to, Areas: 10, Series: func(time.Time) []cluster.Series { return nil }})
	if res.Runs != 14*24 || res.Events != 3 || res.Detected24 != 1 || res.Detected72 != 2 {
		t.Errorf("runs %d events %d detected %d/%d", res.Runs, res.Events, res.Detected24, res.Detected72)
	}
	if !reflect.DeepEqual(res.Delays, []time.Duration{2*time.Hour + 40*time.Minute, 30 * time.Hour}) || res.MedianDelay != (2*time.Hour+40*time.Minute+30*time.Hour)/2 {
		t.Errorf("delays %v median %v", res.Delays, res.MedianDelay)
	}
	if !reflect.DeepEqual(res.Missed, []string{"c3"}) {
		t.Errorf("missed %v", res.Missed)
	}
	// warnings: air B (from h10, matched at h13), water X (false), noise C, water X again
	// (false), water E (the watershed incident)
	if res.Warnings != 5 || res.FalseWarnings != 2 || res.Other != 1 {
		t.Errorf("warnings %d false %d other %d", res.Warnings, res.FalseWarnings, res.Other)
	}
	near(t, "false per 1000 area-weeks", res.FalsePer1000, 2/(10*2.0)*1000, 1e-12)
}
