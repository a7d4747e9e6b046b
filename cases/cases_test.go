package cases

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/lifecycle"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

func TestMatterIDsFollowMergeChains(t *testing.T) {
	cases := []*store.CaseHistory{{ReportID: "a"}, {ReportID: "b"}, {ReportID: "c"}, {ReportID: "d"}}
	states := []lifecycle.State{{}, {MergedInto: "a"}, {MergedInto: "b"}, {}}
	m := matterIDs(cases, states)
	if m["a"] != "a" || m["b"] != "a" || m["c"] != "a" || m["d"] != "d" {
		t.Fatalf("matters %v", m)
	}
	cyclic := matterIDs([]*store.CaseHistory{{ReportID: "x"}, {ReportID: "y"}}, []lifecycle.State{{MergedInto: "y"}, {MergedInto: "x"}})
	if cyclic["x"] == "" || cyclic["y"] == "" {
		t.Fatalf("a merge cycle must still give a matter: %v", cyclic)
	}
}

func TestMergeSuggestionsGroupSameTargetWithinWindow(t *testing.T) {
	asOf := time.Date(2026, 7, 30, 0, 0, 0, 0, calendar.Shanghai)
	at := func(d int) time.Time { return time.Date(2026, 7, d, 9, 0, 0, 0, calendar.Shanghai) }
	cases := []*store.CaseHistory{
		{ReportID: "r1", TargetKey: "uscc:X", TargetName: "某厂", Category: "water", RegionCode: "440305", ReceivedAt: at(1)},
		{ReportID: "r2", TargetKey: "uscc:X", TargetName: "某厂", Category: "water", RegionCode: "440305", ReceivedAt: at(5)},
		{ReportID: "r3", TargetKey: "uscc:X", TargetName: "某厂", Category: "water", RegionCode: "440305", ReceivedAt: at(20)}, // beyond 7 days
		{ReportID: "r4", TargetKey: "uscc:X", TargetName: "某厂", Category: "noise", RegionCode: "440305", ReceivedAt: at(2)},  // other category
		{ReportID: "r5", Place: "某小区", Category: "noise", RegionCode: "440306", ReceivedAt: at(10)},
		{ReportID: "r6", Place: "某小区", Category: "noise", RegionCode: "440306", ReceivedAt: at(11)},
	}
	states := make([]lifecycle.State, len(cases))
	states[1].MergedInto = "r1"
	got := mergeSuggestions(region.Default(), cases, states, matterIDs(cases, states), asOf)
	if len(got) != 2 {
		t.Fatalf("%d groups: %+v", len(got), got)
	}
	byFirst := map[string]store.MergeSuggestion{}
	for _, g := range got {
		byFirst[g.ReportIDs[0]] = g
	}
	if g := byFirst["r1"]; len(g.ReportIDs) != 2 || g.ReportIDs[1] != "r2" || !g.Merged {
		t.Fatalf("target group %+v: want r1, r2, already merged", g)
	}
	if g := byFirst["r5"]; len(g.ReportIDs) != 2 || g.Merged {
		t.Fatalf("place group %+v", g)
	}
}

// memStore is the stage's store in memory: histories handed out, snapshots kept.
type memStore struct {
	histories []*store.CaseHistory
	loads     int
	from      time.Time
	states    []store.CaseState
	deadlines []store.CaseDeadline
	groups    []store.MergeSuggestion
}

func (m *memStore) CaseHistories(_ context.Context, from, _ time.Time) ([]*store.CaseHistory, error) {
	m.loads++
	m.from = from
	return m.histories, nil
}

func (m *memStore) SaveCaseStates(_ context.Context, states []store.CaseState, deadlines []store.CaseDeadline) error {
	m.states, m.deadlines = append(m.states, states...), append(m.deadlines, deadlines...)
	return nil
}

func (m *memStore) SaveMergeSuggestions(_ context.Context, groups []store.MergeSuggestion) error {
	m.groups = append(m.groups, groups...)
	return nil
}

// A run saves one state per case and one row per deadline, as of the run, with the overdue
// steps of the lifecycle's evaluation.
func TestRunSavesTheSnapshotAsOfItsTime(t *testing.T) {
	received := time.Date(2026, 6, 1, 9, 0, 0, 0, calendar.Shanghai)
	asOf := time.Date(2026, 7, 1, 0, 0, 0, 0, calendar.Shanghai)
	handled := []contract.CaseEvent{
		{EventID: "e1", ReportID: "on-time", Type: contract.EventAccepted, At: contract.NewTime(received.Add(24 * time.Hour))},
		{EventID: "e2", ReportID: "on-time", Type: contract.EventAssigned, At: contract.NewTime(received.Add(48 * time.Hour)), OrgCode: "440305", ToOrgCode: "440305"},
	}
	ms := &memStore{histories: []*store.CaseHistory{
		{ReportID: "never-accepted", Kind: contract.KindReport, Channel: "phone", RegionCode: "440305", Category: "noise", ReceivedAt: received},
		{ReportID: "on-time", Kind: contract.KindReport, Channel: "phone", RegionCode: "440305", Category: "noise", ReceivedAt: received,
			Events: handled},
	}}
	st := &Stage{Store: ms, Regions: region.Default(), Calendar: calendar.Default(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	res, err := st.Run(context.Background(), asOf)
	if err != nil {
		t.Fatal(err)
	}
	if !ms.from.Equal(asOf.Add(-DefaultHistory)) {
		t.Errorf("histories loaded from %v, want %v", ms.from, asOf.Add(-DefaultHistory))
	}
	if res.Cases != 2 || len(ms.states) != 2 || res.Deadlines != len(ms.deadlines) || res.Deadlines == 0 {
		t.Fatalf("result %+v; saved %d states, %d deadlines", res, len(ms.states), len(ms.deadlines))
	}
	byID := map[string]store.CaseState{}
	for _, s := range ms.states {
		byID[s.ReportID] = s
		if !s.AsOf.Equal(asOf) {
			t.Errorf("%s saved as of %v", s.ReportID, s.AsOf)
		}
	}
	if got := byID["never-accepted"].OverdueSteps; len(got) != 1 || got[0] != string(lifecycle.StepAccept) {
		t.Errorf("a report never accepted in 30 days: overdue steps %v, want [accept]", got)
	}
	if got := byID["on-time"].OverdueSteps; len(got) != 0 {
		t.Errorf("a report accepted and assigned in time: overdue steps %v", got)
	}
	overdue := 0
	for _, d := range ms.deadlines {
		if d.Status == string(lifecycle.Overdue) {
			overdue++
		}
	}
	if overdue != res.Overdue || overdue == 0 {
		t.Errorf("%d overdue deadlines saved, result says %d", overdue, res.Overdue)
	}
	if byID["on-time"].MatterID != "on-time" {
		t.Errorf("matter of an unmerged case: %q", byID["on-time"].MatterID)
	}
}
