package detect

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/basin"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/org"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

// hubeiWater is ten weeks of background water reports in the counties of 湖北's units on
// 长江, 汉江 and 清江 (about one reporter a day per unit), in time order.
func hubeiWater(asOf time.Time, seed uint64) points {
	r := rand.New(rand.NewPCG(seed, 3))
	var ps points
	units := []string{"422800", "420500", "421000", "421200", "420100", "420700", "421100", "420200", "420300", "420600", "420800", "429000", "420900"}
	for _, u := range units {
		counties := region.Default().Leaves(u)
		for t := asOf.Add(-70 * 24 * time.Hour); t.Before(asOf); t = t.Add(time.Duration(r.ExpFloat64() * 24 * float64(time.Hour))) {
			c := counties[r.IntN(len(counties))].Code
			ps = append(ps, store.ReportPoint{ReportID: fmt.Sprintf("bg-%s-%d", c, t.Unix()), Area: c, Category: "water", ReceivedAt: t, Reporter: fmt.Sprintf("bg%d", r.Int())})
		}
	}
	slices.SortFunc(ps, func(a, b store.ReportPoint) int { return a.ReceivedAt.Compare(b.ReceivedAt) })
	return ps
}

// plantWater adds n distinct reporters in unit's first county within the 6 hours after at.
func plantWater(ps points, unit string, at time.Time, n int) points {
	c := region.Default().Leaves(unit)[0].Code
	for i := range n {
		ps = append(ps, store.ReportPoint{ReportID: fmt.Sprintf("inc-%s-%d", unit, i), Area: c, Category: "water",
			ReceivedAt: at.Add(time.Duration(i) * 6 * time.Hour / time.Duration(n)), Reporter: fmt.Sprintf("inc-%s-%d", unit, i)})
	}
	slices.SortFunc(ps, func(a, b store.ReportPoint) int { return a.ReceivedAt.Compare(b.ReceivedAt) })
	return ps
}

func watershedFindings(t *testing.T, ps points, asOf time.Time) []alerts.Finding {
	t.Helper()
	w, err := NewWatershed(DefaultDeps(), WatershedConfig{})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := w.Detect(context.Background(), alerts.NewInput(asOf, ps, nil), asOf)
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// The example of issue 18: water reports at 宜昌 and then at 荆州 on 长江, four reporters each,
// a day apart as the water goes down. The warning goes to both and to every jurisdiction the
// water reaches within a week — 岳阳 (湖南), 咸宁, 武汉, 鄂州, 黄冈, 黄石, 九江 (江西) … — each
// bureau addressed with its arrival window, each government copied, and the basin bureau.
func TestWatershedWarnsDownstreamByTravelTime(t *testing.T) {
	asOf := time.Date(2026, 1, 14, 12, 0, 0, 0, calendar.Shanghai) // winter
	ps := hubeiWater(asOf, 1)
	ps = plantWater(ps, "420500", asOf.Add(-36*time.Hour), 4)
	ps = plantWater(ps, "421000", asOf.Add(-10*time.Hour), 4)
	fs := watershedFindings(t, ps, asOf)
	if len(fs) != 1 {
		t.Fatalf("%d watershed findings, want 1: %+v", len(fs), fs)
	}
	f := fs[0]
	if !slices.Contains(f.RegionCodes, "420500") || !slices.Contains(f.RegionCodes, "421000") {
		t.Errorf("affected %v: want 宜昌 and 荆州", f.RegionCodes)
	}
	bureaus := map[string]contract.Recipient{}
	for _, r := range f.Recipients {
		if r.Role == org.RoleBureau {
			bureaus[r.OrgCode] = r
		}
		if r.Role == org.RoleGovernment && !r.Copy {
			t.Errorf("government %s is addressed; it is copied on its bureau's notice", r.OrgName)
		}
	}
	seen := asOf.Add(-10 * time.Hour) // the first report at 荆州
	for _, code := range []string{"430600", "421200", "420100", "420700", "421100", "420200", "360400"} {
		r, ok := bureaus[code]
		if !ok {
			t.Errorf("the bureau of %s (downstream within a week) is not a recipient", code)
			continue
		}
		if r.Copy || r.Downstream == nil || r.Downstream.River != "长江" {
			t.Errorf("%s: %+v, want an addressed bureau downstream on 长江", code, r)
			continue
		}
		if !r.Downstream.ArrivalFrom.After(seen) || !r.Downstream.ArrivalTo.After(r.Downstream.ArrivalFrom.Time) {
			t.Errorf("%s: arrival %v – %v, want after %v", code, r.Downstream.ArrivalFrom, r.Downstream.ArrivalTo, seen)
		}
	}
	// 武汉: 490 km from 荆州 at 60–150 km a day, and its drinking-water sources
	wh := bureaus["420100"].Downstream
	if wh == nil || wh.DistanceKm != 490 || !wh.ArrivalFrom.Equal(seen.Add(78*time.Hour+24*time.Minute)) || wh.DrinkingWater == "" {
		t.Errorf("武汉: %+v", wh)
	}
	if _, ok := bureaus["420300"]; ok {
		t.Errorf("十堰 on 汉江 is upstream of nothing here and must not be warned")
	}
	basinBureau := false
	for _, r := range f.Recipients {
		if r.Role == org.RoleBasinBureau && r.OrgName == "生态环境部长江流域生态环境监督管理局" && !r.Copy {
			basinBureau = true
		}
	}
	if !basinBureau {
		t.Errorf("no 长江流域 bureau among %+v", f.Recipients)
	}
	var down string
	for _, it := range f.Facts.Items {
		if strings.HasPrefix(it.Label, "下游地区") {
			down = it.Value
		}
	}
	if !strings.Contains(down, "湖北省武汉市（长江，约 490 公里，预计1月17日至22日；饮用水水源：") || !strings.Contains(down, "湖南省岳阳市") {
		t.Errorf("下游地区: %s", down)
	}
}

// Three to five reporters per unit, unit after unit, twelve hours apart down 汉江 in winter:
// no unit alone is beyond the threshold, the units along the flow are.
func TestWatershedFewReportersUnitByUnit(t *testing.T) {
	asOf := time.Date(2026, 1, 20, 18, 0, 0, 0, calendar.Shanghai)
	found := 0
	for seed := uint64(1); seed <= 3; seed++ {
		ps := hubeiWater(asOf, seed)
		for i, u := range []string{"420600", "420800", "429000"} {
			ps = plantWater(ps, u, asOf.Add(-30*time.Hour+time.Duration(i)*12*time.Hour), 3+int(seed+uint64(i))%3)
		}
		fs := watershedFindings(t, ps, asOf)
		for _, f := range fs {
			if slices.Contains(f.RegionCodes, "420800") && f.Level <= 3 {
				found++
				// 武汉 is downstream of 汉江 on 长江: its bureau is told
				if !slices.ContainsFunc(f.Recipients, func(r contract.Recipient) bool { return r.OrgCode == "420100" && r.Downstream != nil }) {
					t.Errorf("seed %d: 武汉 not warned: %+v", seed, f.Recipients)
				}
			}
		}
	}
	if found != 3 {
		t.Errorf("%d of 3 汉江 incidents warned", found)
	}
}

// TestFlowOrderUpstreamFirstAndTheSameAtEveryRun: units are ordered as the water passes them,
// whatever order the signals named them in; where two units reach each other (东莞 on 东江
// flows to 广州, which flows on down 珠江 to 东莞) the order is the same at every run, so that
// a warning's title does not change with the order of its signals.
func TestFlowOrderUpstreamFirstAndTheSameAtEveryRun(t *testing.T) {
	b := DefaultDeps().Basins
	unit := func(code string) basin.Unit { return b.UnitsOf(code)[0] }
	codes := func(us []basin.Unit) (out []string) {
		for _, u := range us {
			out = append(out, u.Code)
		}
		return out
	}
	// 汉江: 襄阳 → 荆门 → … → 武汉
	got := codes(flowOrder([]basin.Unit{unit("420100"), unit("420800"), unit("420600")}, b))
	if want := []string{"420600", "420800", "420100"}; !slices.Equal(got, want) {
		t.Errorf("汉江 units in flow order: %v, want %v", got, want)
	}
	a := codes(flowOrder([]basin.Unit{unit("441900"), unit("440100"), unit("440300")}, b))
	c := codes(flowOrder([]basin.Unit{unit("440300"), unit("440100"), unit("441900")}, b))
	if !slices.Equal(a, c) {
		t.Errorf("the same units in two orders: %v and %v", a, c)
	}
	if a[len(a)-1] != "440300" {
		t.Errorf("深圳 (at the mouth) is not last: %v", a)
	}
}
