package simulate

import (
	"context"
	"math"
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
	watershedDown := 0
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
			// the water goes down: every unit after the first lies downstream of the one before
			// (on the same river, or on the receiving river of a tributary), and reports there
			// come when the water arrives, at a speed within the rivers' flow classes
			if len(ev.Places) < 1 || len(ev.Places) > 6 {
				t.Errorf("%s: %d units, want 1–6 (浙江's units lie on different rivers: one each)", ev.ID, len(ev.Places))
			}
			if ev.SpeedKmPerDay < 5 || ev.SpeedKmPerDay > 150 {
				t.Errorf("%s: speed %.1f km a day, outside every flow class", ev.ID, ev.SpeedKmPerDay)
			}
			first := map[string]time.Time{}
			for _, r := range reps {
				u := topo.UnitsOf(r.RegionCode)[0].Code
				if f, ok := first[u]; !ok || r.Received().Before(f) {
					first[u] = r.Received()
				}
			}
			for k := 0; k+1 < len(ev.Places); k++ {
				var down []string
				for _, u := range topo.Downstream(ev.Places[k], "", math.Inf(1)) {
					down = append(down, u.Code)
				}
				if !slices.Contains(down, ev.Places[k+1]) {
					t.Errorf("%s: %s is not downstream of %s", ev.ID, ev.Places[k+1], ev.Places[k])
				}
				if !first[ev.Places[k]].Before(first[ev.Places[k+1]].Add(20 * time.Hour)) {
					t.Errorf("%s: reports at %s (%v) come before the water could reach it from %s (%v)", ev.ID, ev.Places[k+1], first[ev.Places[k+1]], ev.Places[k], first[ev.Places[k]])
				}
			}
			last := ev.Places[len(ev.Places)-1]
			for _, d := range ev.Downstream {
				if slices.Contains(ev.Places, d) {
					t.Errorf("%s: %s both affected and downstream", ev.ID, d)
				}
			}
			// the truth's downstream units are those the water reaches within a week at its
			// speed: every one the fastest speeds reach, none the slowest do not
			var may []string
			for _, r := range topo.Within(last, "", WatershedReach) {
				may = append(may, r.Code)
				if r.Latest <= WatershedReach && !slices.Contains(ev.Downstream, r.Code) {
					t.Errorf("%s: %s is reached within a week at any speed but not in the truth %v", ev.ID, r.Code, ev.Downstream)
				}
			}
			for _, d := range ev.Downstream {
				if !slices.Contains(may, d) {
					t.Errorf("%s: %s is not within a week of %s at any speed", ev.ID, d, last)
				}
			}
			watershedDown += len(ev.Downstream)
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
	if watershedDown == 0 {
		t.Errorf("no watershed incident's water reaches another unit within a week (嘉兴 → 上海 is 60 km)")
	}
	cfg := truth.Config
	want := map[string]int{EventCluster: cfg.Clusters, EventWatershed: cfg.WatershedIncidents, EventRepeat: cfg.RepeatTargets, EventEmergency: cfg.Emergencies}
	for typ, n := range want {
		if byType[typ] != n {
			t.Errorf("%d events of type %s, configured %d", byType[typ], typ, n)
		}
	}
}

// 湖北's incidents follow 长江, 汉江 and 清江: some pass three units or more, some begin on a
// tributary and go on down 长江, and their water reaches jurisdictions of other provinces.
func TestWatershedIncidentsFollowTheRivers(t *testing.T) {
	cfg := Config{From: date(2025, 3, 1), To: date(2025, 5, 1), Scope: region.MustScope("420000"), Seed: 3, ReportsPerYear: 1000,
		Clusters: -1, WatershedIncidents: 24, RepeatTargets: -1, Emergencies: -1, MalformedShare: -1}
	truth, err := Run(context.Background(), cfg, &memSink{})
	if err != nil {
		t.Fatal(err)
	}
	topo := basin.Default()
	long, tributary, otherProvince := 0, 0, 0
	for _, ev := range truth.Events {
		if ev.Type != EventWatershed {
			continue
		}
		if len(ev.Places) >= 3 {
			long++
		}
		rivers := map[string]bool{}
		for _, p := range ev.Places {
			for _, u := range topo.UnitsOf(p) {
				rivers[u.River] = true
			}
		}
		if ev.River != "长江" && rivers["长江"] {
			tributary++
		}
		for _, d := range ev.Downstream {
			if d[:2] != "42" {
				otherProvince++
				break
			}
		}
	}
	if long == 0 || tributary == 0 || otherProvince == 0 {
		t.Errorf("of 24 incidents: %d pass three units or more, %d go from a tributary into 长江, %d reach another province; want some of each", long, tributary, otherProvince)
	}
}
