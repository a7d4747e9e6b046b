package simulate

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/region"
)

// shapeSink aggregates the reports of a stream without keeping them.
type shapeSink struct {
	t        testing.TB
	total    int
	perDay   map[time.Time]int
	monthCat [13]map[string]int // month → category → count
	month    [13]int
	channel  map[string]int
	kind     map[string]int
	region   map[string]int
	night    map[string][2]int // category → [reports at 20–24h, all]
}

func newShapeSink(t testing.TB) *shapeSink {
	s := &shapeSink{t: t, perDay: map[time.Time]int{}, channel: map[string]int{}, kind: map[string]int{},
		region: map[string]int{}, night: map[string][2]int{}}
	for i := range s.monthCat {
		s.monthCat[i] = map[string]int{}
	}
	return s
}

func (s *shapeSink) Write(_ context.Context, msgs []Message) error {
	for _, m := range msgs {
		if m.Topic != TopicReports {
			continue
		}
		var r struct {
			Kind       string        `json:"kind"`
			Channel    string        `json:"channel"`
			ReceivedAt contract.Time `json:"received_at"`
			RegionCode string        `json:"region_code"`
			Category   string        `json:"category"`
		}
		if err := json.Unmarshal(m.Value, &r); err != nil {
			s.t.Fatalf("report %s: %v", m.Key, err)
		}
		at := r.ReceivedAt.Time
		s.total++
		s.perDay[startOfDay(at)]++
		s.monthCat[at.Month()][r.Category]++
		s.month[at.Month()]++
		s.channel[r.Channel]++
		s.kind[r.Kind]++
		s.region[r.RegionCode]++
		n := s.night[r.Category]
		if at.Hour() >= 20 {
			n[0]++
		}
		n[1]++
		s.night[r.Category] = n
	}
	return nil
}

// TestStatisticalShape checks one year of a scaled-down national stream (150,000 reports, no
// injected events) against the patterns the volume model promises, with tolerances wide
// enough for the sampling noise at this size (each check's expected value is noted).
func TestStatisticalShape(t *testing.T) {
	if testing.Short() {
		t.Skip("one year of volume")
	}
	cfg := Config{From: date(2025, 1, 1), To: date(2026, 1, 1), Seed: 11, ReportsPerYear: 150_000,
		MalformedShare: -1, Clusters: -1, WatershedIncidents: -1, RepeatTargets: -1, Emergencies: -1}
	s := newShapeSink(t)
	if _, err := Run(context.Background(), cfg, s); err != nil {
		t.Fatal(err)
	}
	cal := calendar.Default()
	within := func(name string, got, lo, hi float64) {
		t.Helper()
		t.Logf("%-40s %.3f (want %.3f–%.3f)", name, got, lo, hi)
		if got < lo || got > hi {
			t.Errorf("%s = %.3f, want %.3f–%.3f", name, got, lo, hi)
		}
	}
	within("yearly volume / configured (trend +1.5%)", float64(s.total)/150_000, 0.98, 1.05)

	// working weekdays against ordinary weekends and against statutory holidays
	var work, weekend, holiday [2]float64
	for day, n := range s.perDay {
		w, _ := cal.IsWorkingDay(day)
		switch {
		case cal.IsHoliday(day):
			holiday[0] += float64(n)
			holiday[1]++
		case w && day.Weekday() != time.Saturday && day.Weekday() != time.Sunday:
			work[0] += float64(n)
			work[1]++
		case !w:
			weekend[0] += float64(n)
			weekend[1]++
		}
	}
	within("working day / weekend day (≈1.4)", (work[0]/work[1])/(weekend[0]/weekend[1]), 1.25, 1.6)
	within("holiday day / weekend day (≈0.8)", (holiday[0]/holiday[1])/(weekend[0]/weekend[1]), 0.6, 0.92)

	share := func(months []int, cat string) (n, all float64) {
		for _, m := range months {
			n += float64(s.monthCat[m][cat])
			all += float64(s.month[m])
		}
		return n, all
	}
	summer, winter, rainy, dry := []int{6, 7, 8}, []int{1, 2, 12}, []int{6, 7, 8, 9}, []int{1, 2, 3, 11, 12}
	noiseSummer, _ := share(summer, "noise")
	noiseWinter, _ := share(winter, "noise")
	within("noise summer / winter (≈1.6)", noiseSummer/noiseWinter, 1.35, 1.9)
	airW, allW := share(winter, "air")
	airS, allS := share(summer, "air")
	within("air share winter − summer (≈0.2)", airW/allW-airS/allS, 0.1, 0.3)
	waterR, allR := share(rainy, "water")
	waterD, allD := share(dry, "water")
	within("water share rainy / dry (≈1.7)", (waterR/allR)/(waterD/allD), 1.3, 2.2)

	var cats = map[string]int{}
	for m := 1; m <= 12; m++ {
		for c, n := range s.monthCat[m] {
			cats[c] += n
		}
	}
	total := float64(s.total)
	within("noise share (35–40%)", float64(cats["noise"])/total, 0.33, 0.42)
	within("air share (≈35%)", float64(cats["air"])/total, 0.30, 0.38)
	within("water share (≈10%)", float64(cats["water"])/total, 0.09, 0.16)
	within("solid waste share (≈5%)", float64(cats["solid_waste"])/total, 0.04, 0.08)

	// channels: 12369 (93%) phone 48%, WeChat 42%, web 10%; petitions (7%) by letter, visit, web …
	within("phone share (0.450)", float64(s.channel["phone"])/total, 0.43, 0.47)
	within("wechat share (0.391)", float64(s.channel["wechat"])/total, 0.37, 0.41)
	within("web share (0.114)", float64(s.channel["web"])/total, 0.10, 0.13)
	within("letter+visit+fax+email (0.046)", float64(s.channel["letter"]+s.channel["visit"]+s.channel["fax"]+s.channel["email"])/total, 0.035, 0.06)
	within("petition share (0.07)", float64(s.kind["petition"])/total, 0.06, 0.08)

	nightShare := func(c string) float64 { return float64(s.night[c][0]) / float64(s.night[c][1]) }
	within("noise share 20–24h / air share 20–24h", nightShare("noise")/nightShare("air"), 1.6, 5)

	// a district of a tier-1 city against rural counties
	regions := region.Default()
	var tier1, county [2]float64
	for _, d := range regions.All(region.County) {
		n := float64(s.region[d.Code])
		switch {
		case strings.HasSuffix(d.Name, "区") && (strings.HasPrefix(d.Code, "11") || strings.HasPrefix(d.Code, "31") ||
			strings.HasPrefix(d.Code, "4401") || strings.HasPrefix(d.Code, "4403")):
			tier1[0] += n
			tier1[1]++
		case strings.HasSuffix(d.Name, "县") && !strings.HasSuffix(d.Name, "自治县"):
			county[0] += n
			county[1]++
		}
	}
	within("mean tier-1 district / mean county (≈40)", (tier1[0]/tier1[1])/(county[0]/county[1]), 20, 80)
	nanshan, qumalai := float64(s.region["440305"]), float64(s.region["632726"])
	within("南山区 / max(曲麻莱县, 1)", nanshan/max(qumalai, 1), 20, 1e9)
}
