package lifecycle

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
)

// randomHistory draws a case and an event history of any shape: every event type and some that
// do not exist, shuffled times around the receipt (some before it, some missing), reused event
// ids, foreign report ids, unknown org codes, extensions of any length.
func randomHistory(r *rand.Rand) (Case, []contract.CaseEvent, time.Time) {
	base := time.Date(2024+r.IntN(3), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), 0, 0, calendar.Shanghai)
	c := Case{ReportID: reportID, Kind: []string{contract.KindReport, contract.KindPetition, ""}[r.IntN(3)],
		Channel: "web", ReceivedAt: base, RegionCode: "440305", IntakeOrg: []string{"440300", "", "999999"}[r.IntN(3)]}
	if r.IntN(40) == 0 {
		c.ReceivedAt = time.Time{}
	}
	types := append(append([]string{}, contract.EventTypes...), "finished", "")
	orgs := []string{"", "440300", "440305", "440000", "999999", "44"}
	n := r.IntN(30)
	evs := make([]contract.CaseEvent, 0, n)
	for i := 0; i < n; i++ {
		// mostly forward in time, within about 150 days, sometimes before the receipt
		at := base.Add(time.Duration(r.IntN(150*24*60)-5*24*60) * time.Minute)
		e := contract.CaseEvent{
			Schema:        contract.SchemaCaseEvents,
			EventID:       fmt.Sprintf("e%d", r.IntN(n+3)),
			ReportID:      reportID,
			Type:          types[r.IntN(len(types))],
			At:            contract.NewTime(at),
			OrgCode:       orgs[r.IntN(len(orgs))],
			ToOrgCode:     orgs[r.IntN(len(orgs))],
			ExtensionDays: int32(r.IntN(70) - 5),
			MergedInto:    []string{"", reportID, "12369-440305-20240101-000001"}[r.IntN(3)],
			Finding:       contract.Findings[r.IntN(len(contract.Findings))],
		}
		switch r.IntN(30) {
		case 0:
			e.At = contract.Time{}
		case 1:
			e.ReportID = "XF-440305-20240101-000002"
		case 2:
			e.EventID = ""
		}
		evs = append(evs, e)
	}
	asOf := base.Add(time.Duration(r.IntN(200*24)-24) * time.Hour)
	return c, evs, asOf
}

// checkInvariants checks what must hold of any State.
func checkInvariants(t *testing.T, s State, asOf time.Time) {
	t.Helper()
	for i, d := range s.Deadlines {
		if i > 0 && d.Start.Before(s.Deadlines[i-1].Start) {
			t.Errorf("deadlines not in order of start: %s", dump(s.Deadlines))
		}
		if h, m, sec := d.Due.In(calendar.Shanghai).Clock(); h != 23 || m != 59 || sec != 59 {
			t.Errorf("%s: due %v is not the end of a day", d.Step, d.Due)
		}
		if d.ExtensionDays < 0 || d.ExtensionDays > MaxExtensionDays || d.PausedDays < 0 {
			t.Errorf("%s: extension %d, paused %d", d.Step, d.ExtensionDays, d.PausedDays)
		}
		if d.Rule.Article == "" || d.Rule.Text == "" {
			t.Errorf("%s: no rule", d.Step)
		}
		switch d.Status {
		case Met:
			if d.Done.IsZero() || late(d.Done, d.Due) {
				t.Errorf("%s met: done %v due %v", d.Step, d.Done, d.Due)
			}
		case MissedDone:
			if d.Done.IsZero() || !late(d.Done, d.Due) {
				t.Errorf("%s missed_done: done %v due %v", d.Step, d.Done, d.Due)
			}
		case Overdue:
			if !d.Done.IsZero() || !late(asOf, d.Due) {
				t.Errorf("%s overdue: done %v due %v asOf %v", d.Step, d.Done, d.Due, asOf)
			}
		case Pending:
			if !d.Done.IsZero() || late(asOf, d.Due) {
				t.Errorf("%s pending: done %v due %v asOf %v", d.Step, d.Done, d.Due, asOf)
			}
		case Paused:
			if !d.Done.IsZero() || d.Step != StepClose {
				t.Errorf("%s paused: done %v", d.Step, d.Done)
			}
		default:
			t.Errorf("%s: status %q", d.Step, d.Status)
		}
		if d.Step == StepReturn && (d.Status == Pending || d.Status == Overdue) {
			t.Errorf("return deadline %s", d.Status)
		}
		if s.Stage == StageMerged && (d.Status == Pending || d.Status == Overdue || d.Status == Paused) {
			t.Errorf("merged case with %s deadline %s", d.Status, d.Step)
		}
		if !d.Done.IsZero() && d.Done.After(asOf) {
			t.Errorf("%s done %v after asOf %v", d.Step, d.Done, asOf)
		}
	}
	var overdue int
	for _, d := range s.Deadlines {
		if d.Status == Overdue {
			overdue++
		}
	}
	if got := len(s.Overdue(asOf)); got != overdue {
		t.Errorf("Overdue(asOf) gives %d, %d deadlines are overdue", got, overdue)
	}
	for _, v := range s.Violations {
		if v.Detail == "" || v.Rule.Article == "" || v.At.After(asOf) {
			t.Errorf("violation %+v", v)
		}
	}
	for _, a := range s.Anomalies {
		if a.Code == "" || a.Detail == "" {
			t.Errorf("anomaly %+v", a)
		}
	}
}

// TestRandomHistories evaluates many random histories: no panic, the invariants hold, and the
// result does not depend on the order the events arrive in.
func TestRandomHistories(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 2000
	}
	r := rand.New(rand.NewPCG(4, 12369))
	cal := calendar.Default()
	for i := 0; i < n; i++ {
		c, evs, asOf := randomHistory(r)
		s := Evaluate(cal, c, evs, asOf)
		checkInvariants(t, s, asOf)
		shuffled := append([]contract.CaseEvent(nil), evs...)
		r.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		if s2 := Evaluate(cal, c, shuffled, asOf); !reflect.DeepEqual(s, s2) {
			t.Fatalf("history %d: the result depends on the order of events\n%+v\n%+v", i, s, s2)
		}
		if t.Failed() {
			t.Fatalf("history %d: case %+v asOf %v events %+v", i, c, asOf, evs)
		}
	}
}

// FuzzEvaluate drives randomHistory from the fuzzer's seed (go test -fuzz=FuzzEvaluate).
func FuzzEvaluate(f *testing.F) {
	for _, seed := range []uint64{0, 1, 2, 12369, 20250930} {
		f.Add(seed)
	}
	cal := calendar.Default()
	f.Fuzz(func(t *testing.T, seed uint64) {
		c, evs, asOf := randomHistory(rand.New(rand.NewPCG(seed, seed>>1)))
		checkInvariants(t, Evaluate(cal, c, evs, asOf), asOf)
	})
}
