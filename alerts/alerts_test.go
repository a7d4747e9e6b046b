package alerts

import (
	"context"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/org"
	"github.com/ecowatch/ecowatch/store"
)

// memWarnings is an in-memory WarningStore: every revision kept, the highest is current.
type memWarnings struct{ rows []store.WarningRow }

func (m *memWarnings) CurrentWarnings(_ context.Context, kind string, includeClosed bool) ([]store.WarningRow, error) {
	latest := map[string]store.WarningRow{}
	for _, r := range m.rows {
		if r.Kind == kind && r.Revision >= latest[r.WarningID].Revision {
			latest[r.WarningID] = r
		}
	}
	var out []store.WarningRow
	for _, r := range latest {
		if includeClosed || r.Status != contract.StatusClosed {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m *memWarnings) SaveWarnings(_ context.Context, rows []store.WarningRow) error {
	m.rows = append(m.rows, rows...)
	return nil
}

func finding(situation string, level int, observed float64, recipients ...string) Finding {
	f := Finding{Situation: situation, Kind: contract.WarningCluster, Level: level, Title: "t", Evidence: contract.Evidence{Observed: observed}}
	for _, r := range recipients {
		f.Recipients = append(f.Recipients, contract.Recipient{OrgCode: r, OrgName: r, Role: org.RoleBureau})
	}
	return f
}

func TestWarningLifecycleOpenUpdateCloseNoDuplicates(t *testing.T) {
	ctx := context.Background()
	ws := &memWarnings{}
	kinds := []string{contract.WarningCluster}
	t0 := time.Date(2026, 7, 1, 10, 0, 0, 0, calendar.Shanghai)
	steps := []struct {
		name                    string
		findings                []Finding
		opened, updated, closed int
	}{
		{"opens", []Finding{finding("a", 3, 10, "440305")}, 1, 0, 0},
		{"same situation again: nothing new", []Finding{finding("a", 3, 10, "440305")}, 0, 0, 0},
		{"grows", []Finding{finding("a", 3, 14, "440305")}, 0, 1, 0},
		{"escalates with a new recipient, and a second opens", []Finding{finding("a", 2, 20, "440305", "440300"), finding("b", 4, 5, "440306")}, 1, 1, 0},
		{"a ends", []Finding{finding("b", 4, 5, "440306")}, 0, 0, 1},
		{"restart: same state, nothing new", []Finding{finding("b", 4, 5, "440306")}, 0, 0, 0},
		{"a comes back: reopened under the same id", []Finding{finding("a", 3, 8, "440305"), finding("b", 4, 5, "440306")}, 1, 0, 0},
	}
	for i, s := range steps {
		ch, err := Reconcile(ctx, ws, kinds, s.findings, t0.Add(time.Duration(i)*5*time.Minute), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(ch.Opened) != s.opened || len(ch.Updated) != s.updated || len(ch.Closed) != s.closed {
			t.Fatalf("%s: opened %d updated %d closed %d, want %d %d %d", s.name, len(ch.Opened), len(ch.Updated), len(ch.Closed), s.opened, s.updated, s.closed)
		}
	}
	ids := map[string]bool{}
	for _, r := range ws.rows {
		ids[r.WarningID] = true
	}
	if len(ids) != 2 {
		t.Fatalf("%d warning ids for two situations", len(ids))
	}
	// keep: an open warning not found this run stays open while keep says so.
	hold := func(store.WarningRow) bool { return true }
	if ch, err := Reconcile(ctx, ws, kinds, nil, t0.Add(time.Hour), hold); err != nil || len(ch.All()) != 0 {
		t.Fatalf("a kept warning changed: %+v %v", ch, err)
	}
	first, again := WarningID(contract.WarningCluster, "a"), WarningID(contract.WarningCluster, "a")
	if first != again || first == WarningID(contract.WarningCluster, "b") {
		t.Fatal("warning ids must be stable per situation and differ between situations")
	}
	if _, err := Reconcile(ctx, ws, kinds, []Finding{{Situation: "x", Kind: contract.WarningOverdue}}, t0, nil); err == nil {
		t.Fatal("a finding of a kind the detector does not own must be refused")
	}
}

func TestOverdueReminderIsNotUpdatedDaily(t *testing.T) {
	ctx := context.Background()
	ws := &memWarnings{}
	kinds := []string{contract.WarningOverdue}
	f := Finding{Situation: "overdue/r1/close", Kind: contract.WarningOverdue, Level: 3,
		Recipients: []contract.Recipient{{OrgCode: "440305", Role: org.RoleBureau}}}
	for day := 1; day <= 5; day++ {
		f.Evidence.Observed = float64(day) // days overdue grow by themselves
		ch, err := Reconcile(ctx, ws, kinds, []Finding{f}, time.Date(2026, 7, day, 0, 0, 0, 0, calendar.Shanghai), nil)
		if err != nil {
			t.Fatal(err)
		}
		if day > 1 && len(ch.All()) != 0 {
			t.Fatalf("day %d: a reminder changed only by its age must not produce a revision", day)
		}
	}
}
