package detect

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/cases"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

func TestRegistryOwnsEveryWarningKindOnce(t *testing.T) {
	reg, err := Registry(DefaultDeps())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{NameOverdue, NameSupervision, NameEmergency, NameCluster, NameWatershed}
	if got := reg.Names(); !slices.Equal(got, want) {
		t.Errorf("detectors %v, want %v in this order", got, want)
	}
	owned := map[string]int{}
	for _, d := range reg.All() {
		for _, k := range d.Kinds() {
			owned[k]++
		}
	}
	for _, k := range contract.WarningKinds {
		if owned[k] != 1 {
			t.Errorf("warning kind %s is owned by %d detectors", k, owned[k])
		}
	}
	for _, d := range reg.All() {
		if _, reads := d.(alerts.PointReader); reads == (d.Name() == NameOverdue || d.Name() == NameSupervision) {
			t.Errorf("%s: reads report points %v", d.Name(), reads)
		}
	}
}

// points is a PointSource over a fixed list of points in time order.
type points []store.ReportPoint

func (ps points) ReportPoints(_ context.Context, from, to, _ time.Time, _ bool) ([]store.ReportPoint, error) {
	var out []store.ReportPoint
	for _, p := range ps {
		if !p.ReceivedAt.Before(from) && p.ReceivedAt.Before(to) {
			out = append(out, p)
		}
	}
	return out, nil
}

// evaluated is a CaseSource that evaluates fixed histories.
type evaluated []*store.CaseHistory

func (hs evaluated) Evaluate(ctx context.Context, asOf time.Time) (*cases.Snapshot, error) {
	return (&cases.Stage{Store: casesOnly(hs), Regions: region.Default(), Calendar: calendar.Default()}).Evaluate(ctx, asOf)
}

type casesOnly []*store.CaseHistory

func (c casesOnly) CaseHistories(context.Context, time.Time, time.Time) ([]*store.CaseHistory, error) {
	return c, nil
}
func (casesOnly) SaveCaseStates(context.Context, []store.CaseState, []store.CaseDeadline) error {
	return nil
}
func (casesOnly) SaveMergeSuggestions(context.Context, []store.MergeSuggestion) error { return nil }

func event(report, typ string, at time.Time, f func(*contract.CaseEvent)) contract.CaseEvent {
	e := contract.CaseEvent{EventID: report + "/" + typ, ReportID: report, Type: typ, At: contract.NewTime(at)}
	if f != nil {
		f(&e)
	}
	return e
}

// TestEveryWarningReadsItsKindsName runs every detector on a small world that holds one
// situation of each warning kind, and checks that each warning's title is its kind's one name
// (contract.WarningKindName), "：", then what it is about — the name the dashboards and the
// CLI use too — and that a reminder names its step by the lifecycle's name.
func TestEveryWarningReadsItsKindsName(t *testing.T) {
	asOf := time.Date(2026, 7, 1, 10, 0, 0, 0, calendar.Shanghai)
	d0 := asOf.AddDate(0, 0, -40)
	county := "440305"
	var hs []*store.CaseHistory
	// Never accepted: the accept deadline is missed (overdue).
	hs = append(hs, &store.CaseHistory{ReportID: "late", Kind: contract.KindReport, Channel: "phone", RegionCode: county, Category: "noise", ReceivedAt: d0})
	// An extension of 45 days (procedure).
	hs = append(hs, &store.CaseHistory{ReportID: "ext", Kind: contract.KindReport, Channel: "phone", RegionCode: county, Category: "air", ReceivedAt: d0,
		Events: []contract.CaseEvent{
			event("ext", contract.EventAccepted, d0.AddDate(0, 0, 1), nil),
			event("ext", contract.EventAssigned, d0.AddDate(0, 0, 2), func(e *contract.CaseEvent) { e.OrgCode, e.ToOrgCode = county, county }),
			event("ext", contract.EventExtensionApproved, d0.AddDate(0, 0, 20), func(e *contract.CaseEvent) { e.OrgCode, e.ExtensionDays = county, 45 }),
		}})
	// One target reported five times in a month (repeat).
	for i := range 5 {
		id := fmt.Sprintf("rep%d", i)
		at := asOf.AddDate(0, 0, -20+i)
		hs = append(hs, &store.CaseHistory{ReportID: id, Kind: contract.KindReport, Channel: "web", RegionCode: county, Category: "water",
			TargetKey: "name:某化工厂", TargetName: "某化工厂", ReceivedAt: at, Events: []contract.CaseEvent{
				event(id, contract.EventAccepted, at.Add(time.Hour), nil),
				event(id, contract.EventAssigned, at.Add(2*time.Hour), func(e *contract.CaseEvent) { e.OrgCode, e.ToOrgCode = county, county }),
			}})
	}
	// Points: a quiet county, then twenty reporters of air in three hours (cluster); forty
	// water reporters along the Yangtze at 宜宾 (watershed); a flagged explosion (emergency).
	var ps points
	yibin := region.Default().Leaves("511500")[0].Code
	for h := asOf.Add(-60 * 24 * time.Hour); h.Before(asOf.Add(-3 * time.Hour)); h = h.Add(29 * time.Hour) {
		ps = append(ps, store.ReportPoint{ReportID: "bg-" + h.Format("0102T15"), Area: county, Category: "air", ReceivedAt: h, Reporter: "bg"},
			store.ReportPoint{ReportID: "bgw-" + h.Format("0102T15"), Area: yibin, Category: "water", ReceivedAt: h, Reporter: "bgw"})
	}
	for i := range 40 {
		at := asOf.Add(-3*time.Hour + time.Duration(i)*4*time.Minute)
		if i < 20 {
			ps = append(ps, store.ReportPoint{ReportID: fmt.Sprintf("air%d", i), Area: county, Category: "air", ReceivedAt: at, Reporter: fmt.Sprintf("p%d", i)})
		}
		ps = append(ps, store.ReportPoint{ReportID: fmt.Sprintf("water%d", i), Area: yibin, Category: "water", ReceivedAt: at, Reporter: fmt.Sprintf("q%d", i)})
	}
	ps = append(ps, store.ReportPoint{ReportID: "boom", Area: county, Category: "air", ReceivedAt: asOf.Add(-time.Hour), Flags: []string{contract.FlagEmergency}, Text: "化工厂爆炸起火"})
	slices.SortFunc(ps, func(a, b store.ReportPoint) int { return a.ReceivedAt.Compare(b.ReceivedAt) })

	reg, err := Registry(DefaultDeps())
	if err != nil {
		t.Fatal(err)
	}
	in := alerts.NewInput(asOf, ps, evaluated(hs))
	seen := map[string]bool{}
	for _, d := range reg.All() {
		fs, err := d.Detect(context.Background(), in, asOf)
		if err != nil {
			t.Fatalf("%s: %v", d.Name(), err)
		}
		for _, f := range fs {
			seen[f.Kind] = true
			if !slices.Contains(d.Kinds(), f.Kind) {
				t.Errorf("%s found a %s", d.Name(), f.Kind)
			}
			about, ok := strings.CutPrefix(f.Title, contract.WarningKindName(f.Kind)+"：")
			if !ok || about == "" {
				t.Errorf("%s warning titled %q: want %q, then what it is about", f.Kind, f.Title, contract.WarningKindName(f.Kind)+"：")
			}
			if f.Kind == contract.WarningOverdue && !strings.Contains(f.Title, "受理环节") {
				t.Errorf("reminder %q does not name the step 受理", f.Title)
			}
		}
	}
	for _, k := range contract.WarningKinds {
		if !seen[k] {
			t.Errorf("no %s warning found: the world of this test no longer holds one", k)
		}
	}
}

func TestFiguresForReaders(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{expectedText(0), "不足 0.1 "},
		{expectedText(0.04), "不足 0.1 "},
		{expectedText(0.06), "约 0.1 "},
		{expectedText(2.44), "约 2.4 "},
		{pText(4.5e-16), "p < 0.001"},
		{pText(0.0012), "p = 0.001"},
		{pText(0.04), "p = 0.040"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
