package dashboards

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/lifecycle"
)

// TestEveryNameIsTheOneOfTheTable renders a page with a warning of every kind, level and open
// status, overdue deadlines of every step and reports of every channel and category, and
// compares every name the page shows with the one table of names (contract, lifecycle).
func TestEveryNameIsTheOneOfTheTable(t *testing.T) {
	src := newFixture()
	src.warnings = nil
	for i, kind := range contract.WarningKinds {
		status := []string{contract.StatusOpen, contract.StatusUpdated}[i%2]
		src.warnings = append(src.warnings, OpenWarning{WarningID: fmt.Sprint("N", i), Kind: kind, Status: status, Level: 1 + i%4,
			Title: contract.WarningTitle(kind, "广东省深圳市南山区"), RegionCodes: []string{"440305"},
			OpenedAt: fxAt.Add(-time.Duration(i+1) * time.Hour), IssuedAt: fxAt.Add(-time.Hour)})
	}
	src.deadlines = nil
	for _, st := range lifecycle.Steps {
		src.deadlines = append(src.deadlines, DeadlineRow{Org: "440305", Step: st, Overdue: 1, OldestDue: fxAt.Add(-48 * time.Hour)})
	}
	for i, ch := range contract.Channels {
		src.reports = append(src.reports, fxReport{at: fxAt.Add(-time.Duration(i+1) * time.Hour), region: "440305", channel: ch,
			category: contract.Categories[i%len(contract.Categories)]})
	}
	out := generate(t, src, "")
	page := readFile(t, out, "440000.html")

	// the open warnings: kind, level and status columns
	warnTable := regexp.MustCompile(`(?s)id="p-warn".*?<tbody>(.*?)</tbody>`).FindStringSubmatch(page)
	if warnTable == nil {
		t.Fatal("no warnings table")
	}
	cell := regexp.MustCompile(`(?s)<tr><td><span class="lvl l\d">([^<]*)</span></td><td>([^<]*)</td>.*?<td>([^<]*)</td></tr>`)
	var kinds, levels, statuses []string
	for _, m := range cell.FindAllStringSubmatch(warnTable[1], -1) {
		levels, kinds, statuses = append(levels, m[1]), append(kinds, m[2]), append(statuses, m[3])
	}
	var wantKinds, wantLevels []string
	for i, k := range contract.WarningKinds {
		wantKinds = append(wantKinds, contract.WarningKindName(k))
		wantLevels = append(wantLevels, contract.WarningLevelName(1+i%4))
	}
	same := func(what string, got, want []string) {
		t.Helper()
		g, w := slices.Clone(got), slices.Clone(want)
		sort.Strings(g)
		sort.Strings(w)
		if !slices.Equal(g, w) {
			t.Errorf("%s on the page: %v, the table's: %v", what, g, w)
		}
	}
	same("warning kinds", kinds, wantKinds)
	same("warning levels", levels, wantLevels)
	same("warning statuses", slices.Compact(sorted(statuses)), []string{contract.WarningStatusName(contract.StatusOpen), contract.WarningStatusName(contract.StatusUpdated)})

	// the steps: the bureaus table's columns, the overdue chart, the headline card
	var steps []string
	for _, s := range lifecycle.Steps {
		steps = append(steps, s.Name())
	}
	head := regexp.MustCompile(`(?s)id="p-bureaus".*?<thead><tr><th class="n">#</th><th>责任单位</th>(.*?)<th class="n">合计</th>`).FindStringSubmatch(page)
	if head == nil {
		t.Fatal("no bureaus table")
	}
	var cols []string
	for _, m := range regexp.MustCompile(`<th class="n">([^<]*)</th>`).FindAllStringSubmatch(head[1], -1) {
		cols = append(cols, m[1])
	}
	if !slices.Equal(cols, steps) {
		t.Errorf("step columns %v, the table's %v", cols, steps)
	}
	chart := chartOption(t, page, "c_overdue")
	var yAxis []struct{ Data []string }
	if err := json.Unmarshal(chart["yAxis"], &yAxis); err != nil || len(yAxis) == 0 {
		t.Fatalf("overdue chart axis: %v", err)
	}
	same("steps of the overdue chart", yAxis[0].Data, steps)
	for _, s := range steps {
		if !strings.Contains(page, s+" 1") {
			t.Errorf("the overdue card does not name %s", s)
		}
	}

	// channels and categories in the charts
	var pie []struct{ Data []struct{ Name string } }
	if err := json.Unmarshal(chartOption(t, page, "c_channels")["series"], &pie); err != nil || len(pie) == 0 {
		t.Fatalf("channel chart: %v", err)
	}
	var channels, wantChannels []string
	for _, d := range pie[0].Data {
		channels = append(channels, d.Name)
	}
	for _, c := range contract.Channels {
		wantChannels = append(wantChannels, contract.ChannelName(c))
	}
	same("channels", channels, wantChannels)
	var bars []struct{ Data []string }
	if err := json.Unmarshal(chartOption(t, page, "c_categories")["xAxis"], &bars); err != nil || len(bars) == 0 {
		t.Fatalf("category chart: %v", err)
	}
	var wantCategories []string
	for _, c := range contract.Categories {
		wantCategories = append(wantCategories, contract.CategoryName(c))
	}
	same("categories", bars[0].Data, wantCategories)
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// chartOption is the option of a chart of a page, by its element id.
func chartOption(t *testing.T, page, id string) map[string]json.RawMessage {
	t.Helper()
	m := regexp.MustCompile(`<script type="application/json" id="ew-data">(.*?)</script>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no page data for chart %s", id)
	}
	var data struct{ Charts map[string]json.RawMessage }
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatalf("page data: %v", err)
	}
	var opt map[string]json.RawMessage
	if err := json.Unmarshal(data.Charts[id], &opt); err != nil {
		t.Fatalf("chart %s: %v", id, err)
	}
	return opt
}
