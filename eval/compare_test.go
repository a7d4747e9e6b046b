package eval

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/simulate"
	"github.com/ecowatch/ecowatch/store"
)

func warningAt(id, kind string, opened time.Time, regions ...string) store.WarningRow {
	return store.WarningRow{OpenedAt: opened, Warning: contract.Warning{WarningID: id, Kind: kind, Level: 3, RegionCodes: regions,
		Title: contract.WarningTitle(kind, id)}}
}

func TestCompareMatchesTheFirstWarningOfTheKindForThePlacesInTime(t *testing.T) {
	onset := day(2026, 7, 1).Add(10 * time.Hour)
	truth := &simulate.Truth{Events: []simulate.Event{
		{ID: "E3", Type: simulate.EventRepeat, Onset: onset.Add(-48 * time.Hour), End: onset.Add(10 * 24 * time.Hour), Places: []string{"440305"}},
		{ID: "E1", Type: simulate.EventCluster, Onset: onset, End: onset.Add(20 * time.Hour), Places: []string{"440305"}},
		{ID: "E2", Type: simulate.EventWatershed, Onset: onset, Places: []string{"511500"}, Counties: []string{"511502"}},
		{ID: "E0", Type: simulate.EventEmergency, Onset: onset.Add(-30 * 24 * time.Hour), Places: []string{"440305"}}, // before since
	}}
	ws := []store.WarningRow{
		warningAt("late", contract.WarningCluster, onset.Add(80*time.Hour), "440305"),      // beyond 72 h
		warningAt("other-kind", contract.WarningEmergency, onset.Add(time.Hour), "440305"), // wrong kind
		warningAt("second", contract.WarningCluster, onset.Add(5*time.Hour), "440305"),
		warningAt("first", contract.WarningCluster, onset.Add(2*time.Hour), "440300"), // the prefecture of 440305
		warningAt("water", contract.WarningWatershed, onset.Add(6*time.Hour), "511502"),
		warningAt("repeat", contract.WarningRepeat, onset.Add(15*24*time.Hour), "440305"), // within a week of the end
	}
	ms := Compare(truth, ws, onset.Add(-7*24*time.Hour))
	if len(ms) != 3 || ms[0].Event.ID != "E3" || ms[1].Event.ID != "E1" {
		t.Fatalf("matches %+v: want E3, E1, E2 in order of onset", ms)
	}
	got := map[string]string{}
	for _, m := range ms {
		if m.Warned {
			got[m.Event.ID] = m.Warning.WarningID
		}
	}
	if got["E1"] != "first" || got["E2"] != "water" || got["E3"] != "repeat" {
		t.Fatalf("matched %v", got)
	}
	var out strings.Builder
	if err := WriteComparison(&out, ms, len(ws)); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{contract.WarningKindName(contract.WarningCluster), contract.WarningKindName(contract.WarningWatershed),
		contract.WarningKindName(contract.WarningRepeat), "3 of 3 injected events warned in time; 6 warnings in all", "开始后 2h0m0s"} {
		if !strings.Contains(text, want) {
			t.Errorf("the comparison does not say %q:\n%s", want, text)
		}
	}
}

// backtestStore is the runner's tables in memory, and report points that record the period
// they were asked for.
type backtestStore struct {
	asked [][2]time.Time
	runs  int
	saved int
}

func (s *backtestStore) CurrentWarnings(context.Context, string, bool) ([]store.WarningRow, error) {
	return nil, nil
}
func (s *backtestStore) SaveWarnings(_ context.Context, rows []store.WarningRow) error {
	s.saved += len(rows)
	return nil
}
func (s *backtestStore) SaveDetectorRun(context.Context, store.DetectorRun) error {
	s.runs++
	return nil
}
func (s *backtestStore) ReportPoints(_ context.Context, from, to, _ time.Time, _ bool) ([]store.ReportPoint, error) {
	s.asked = append(s.asked, [2]time.Time{from, to})
	return nil, nil
}
func (s *backtestStore) FlushIfNeeded(context.Context, []string, alerts.Changes, time.Time) ([]store.NoticeRecord, error) {
	return nil, nil
}

// newEachCycle opens a new warning at every cycle; it reads points over its lookback.
type newEachCycle struct{ cycles []time.Time }

func (d *newEachCycle) Name() string            { return "cluster" }
func (d *newEachCycle) Kinds() []string         { return []string{contract.WarningCluster} }
func (d *newEachCycle) Lookback() time.Duration { return 10 * 24 * time.Hour }
func (d *newEachCycle) Detect(ctx context.Context, in *alerts.Input, asOf time.Time) ([]alerts.Finding, error) {
	if _, err := in.Points(ctx, asOf.Add(-time.Hour), asOf, false); err != nil {
		return nil, err
	}
	d.cycles = append(d.cycles, asOf)
	return []alerts.Finding{{Situation: asOf.String(), Kind: contract.WarningCluster, Level: 4}}, nil
}

func TestBacktestReplaysEveryStepOnPointsReadOnce(t *testing.T) {
	st, d := &backtestStore{}, &newEachCycle{}
	from := day(2026, 7, 1)
	b := &Backtest{Store: st, Notices: st, Detectors: []alerts.Detector{d}, From: from, To: from.Add(24 * time.Hour), Step: 6 * time.Hour}
	res, err := b.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Cycles != 5 || len(d.cycles) != 5 || !d.cycles[4].Equal(from.Add(24*time.Hour)) {
		t.Fatalf("%d cycles at %v: want 5, the last at the end of the period", res.Cycles, d.cycles)
	}
	// Each cycle opens one warning and closes the one before.
	if tt := res.Totals[0]; tt.Detector != "cluster" || tt.Opened != 5 || tt.Closed != 4 || st.runs != 5 {
		t.Fatalf("totals %+v, %d detector runs", res.Totals, st.runs)
	}
	if len(st.asked) != 1 || !st.asked[0][0].Equal(from.Add(-10*24*time.Hour)) || !st.asked[0][1].After(b.To) {
		t.Fatalf("points read %v: want once, from the lookback before the start to past the end", st.asked)
	}
	if _, err := (&Backtest{Store: st, Notices: st, From: from, To: from, Step: time.Second}).Run(context.Background()); err == nil {
		t.Fatal("a step under a minute was accepted")
	}
}
