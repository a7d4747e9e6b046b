package simulate

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/basin"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/region"
)

func containsAny(s string, words ...string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func TestInjectedEvents(t *testing.T) {
	_, truth := provinceFixture(t)
	d := decodeFixture(t)
	regions := region.Default()
	topo := basin.Default()
	byType := map[string]int{}
	for _, ev := range truth.Events {
		byType[ev.Type]++
		if len(ev.ReportIDs) == 0 {
			t.Errorf("%s has no reports", ev.ID)
			continue
		}
		var reps []*contract.Report
		for _, id := range ev.ReportIDs {
			r := d.reports[id]
			if r == nil {
				t.Fatalf("%s: report %s missing or invalid", ev.ID, id)
			}
			if r.Received().Before(ev.Onset) || r.Received().After(ev.End) {
				t.Errorf("%s: report %s at %s outside [%s, %s]", ev.ID, id, r.Received(), ev.Onset, ev.End)
			}
			if r.Category != ev.Category {
				t.Errorf("%s: report %s category %s, want %s", ev.ID, id, r.Category, ev.Category)
			}
			reps = append(reps, r)
		}
		switch ev.Type {
		case EventCluster:
			if len(reps) < 8 || float64(len(reps)) < 3*ev.Expected {
				t.Errorf("%s: %d reports against %.2f expected; want ≥ 8 and ≥ 3×", ev.ID, len(reps), ev.Expected)
			}
			if len(ev.Places) < 1 || len(ev.Places) > 3 {
				t.Errorf("%s: %d places", ev.ID, len(ev.Places))
			}
			if dur := ev.End.Sub(ev.Onset); dur < 6*time.Hour || dur > 72*time.Hour {
				t.Errorf("%s lasts %s, want 6 h–3 days", ev.ID, dur)
			}
			people := map[string]bool{}
			for _, r := range reps {
				if !slices.Contains(ev.Places, r.RegionCode) {
					t.Errorf("%s: report in %s, outside %v", ev.ID, r.RegionCode, ev.Places)
				}
				if r.Reporter != nil && !r.Reporter.Anonymous {
					people[r.Reporter.Phone+r.Reporter.Name+r.Reporter.Email] = true
				}
			}
			if len(people) < len(reps)*7/10 {
				t.Errorf("%s: %d distinct reporters for %d reports", ev.ID, len(people), len(reps))
			}
		case EventWatershed:
			if ev.End.Sub(ev.Onset) > 3*24*time.Hour {
				t.Errorf("%s spans %s, want ≤ 3 days", ev.ID, ev.End.Sub(ev.Onset))
			}
			for k := 0; k+1 < len(ev.Places); k++ {
				ok := false
				for _, u := range topo.UnitsOf(ev.Places[k]) {
					if u.Code == ev.Places[k] && u.River == ev.River && u.Downstream == ev.Places[k+1] {
						ok = true
					}
				}
				if !ok {
					t.Errorf("%s: %s is not directly upstream of %s on %s", ev.ID, ev.Places[k], ev.Places[k+1], ev.River)
				}
			}
			for _, r := range reps {
				pref, _ := regions.Prefecture(r.RegionCode)
				if !slices.Contains(ev.Places, pref.Code) && !slices.Contains(ev.Places, r.RegionCode) {
					t.Errorf("%s: report in %s, outside the units %v", ev.ID, r.RegionCode, ev.Places)
				}
				if !containsAny(r.Title+r.Content, "死鱼", "异味", "变色", "颜色", "气味") || !strings.Contains(r.Content, ev.River) {
					t.Errorf("%s: report text does not describe the river incident: %s %s", ev.ID, r.Title, r.Content)
				}
			}
		case EventRepeat:
			if len(reps) < 5 || len(reps) > 20 {
				t.Errorf("%s: %d reports, want 5–20", ev.ID, len(reps))
			}
			for _, r := range reps {
				if r.Target == nil || r.Target.CreditCode != ev.Target.CreditCode {
					t.Errorf("%s: report %s does not name %s", ev.ID, r.ReportID, ev.Target.Name)
				}
			}
			if ev.Kind == "after_closure" {
				if ev.ClosedAt == nil {
					t.Fatalf("%s: after_closure without closed_at", ev.ID)
				}
				var closed *contract.CaseEvent
				for _, e := range d.events[ev.ReportIDs[0]] {
					if e.Type == contract.EventClosed {
						closed = e
					}
				}
				if closed == nil || closed.Finding != contract.FindingSubstantiated || !closed.At.Equal(*ev.ClosedAt) {
					t.Errorf("%s: first report not closed as substantiated at %s: %+v", ev.ID, ev.ClosedAt, closed)
				}
				if last := reps[len(reps)-1].Received(); !last.After(*ev.ClosedAt) {
					t.Errorf("%s: no report after the closure at %s", ev.ID, ev.ClosedAt)
				}
			}
		case EventEmergency:
			if ev.End.Sub(ev.Onset) > 6*time.Hour {
				t.Errorf("%s lasts %s, want ≤ 6 h", ev.ID, ev.End.Sub(ev.Onset))
			}
			flagged := 0
			for _, r := range reps {
				if slices.Contains(r.Flags, contract.FlagEmergency) || slices.Contains(r.Flags, contract.FlagMassIncidentRisk) {
					flagged++
				}
				if !containsAny(r.Title+r.Content, "爆炸", "泄漏", "死鱼", "聚集") {
					t.Errorf("%s: text without an emergency signal: %s", ev.ID, r.Content)
				}
			}
			if flagged == 0 {
				t.Errorf("%s: no report flagged", ev.ID)
			}
		default:
			t.Errorf("%s: unknown type %s", ev.ID, ev.Type)
		}
	}
	cfg := truth.Config
	want := map[string]int{EventCluster: cfg.Clusters, EventWatershed: cfg.WatershedIncidents, EventRepeat: cfg.RepeatTargets, EventEmergency: cfg.Emergencies}
	for typ, n := range want {
		if byType[typ] != n {
			t.Errorf("%d events of type %s, configured %d", byType[typ], typ, n)
		}
	}
}
