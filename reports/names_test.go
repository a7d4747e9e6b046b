package reports

import (
	"strings"
	"testing"

	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/lifecycle"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

// TestEveryNameIsTheOneOfTheTable builds a disclosure with reports of every kind, channel and
// category, closures of every finding and deadlines of every step, and compares every name
// its tables and page show with the one table of names (contract, lifecycle).
func TestEveryNameIsTheOneOfTheTable(t *testing.T) {
	d := &Data{DataFrom: at("2025-01-01 00:00"), DataTo: at("2026-09-30 23:00"), StatesAsOf: at("2026-10-02 00:00")}
	for i, k := range kinds {
		for j, ch := range contract.Channels {
			d.Channels = append(d.Channels, ChannelRow{Period: InQuarter, Region: "440305", Kind: k, Channel: ch,
				Handling: Handling{Received: uint64(10 + i + j)}})
		}
	}
	for i, c := range contract.Categories {
		d.Categories = append(d.Categories, CategoryRow{Period: InQuarter, Region: "440305", Kind: contract.KindReport, Category: c, Received: uint64(10 + i)})
	}
	for _, f := range findings {
		d.Closures = append(d.Closures, ClosureCount{Period: InQuarter, Finding: f, Cases: 20})
	}
	for _, s := range lifecycle.Steps {
		d.Deadlines = append(d.Deadlines, DeadlineCount{Period: InQuarter, Step: s, Met: 20, MissedDone: 1})
	}
	q, _ := ParseQuarter("2026Q3")
	sc := scope{region.MustScope("440000"), region.Default()}
	f := summarize(sc, d, [3]store.Period{q.Period(), q.Previous().Period(), q.LastYear().Period()})
	f.threshold = DefaultThreshold
	s, err := build(f, q, Options{Quarter: q, Scope: sc.Scope, Threshold: DefaultThreshold, Regions: region.Default()})
	if err != nil {
		t.Fatal(err)
	}
	page := string(s.files["index.html"])
	tables := map[string]*Table{}
	for _, tb := range s.tables {
		tables[tb.ID] = tb
	}
	// rows: their key is the code, their first cell the name
	check := func(table string, name func(key string) (string, bool), n int) {
		t.Helper()
		tb := tables[table]
		if tb == nil {
			t.Fatalf("no table %s", table)
		}
		seen := 0
		for _, r := range tb.Rows {
			want, ok := name(r.Key)
			if !ok {
				continue
			}
			seen++
			if r.Cells[0].Text != want {
				t.Errorf("%s / %s is called %q, the table says %q", table, r.Key, r.Cells[0].Text, want)
			}
			if !strings.Contains(page, want) {
				t.Errorf("%s / %s: %q is not on the page", table, r.Key, want)
			}
		}
		if seen != n {
			t.Errorf("%s: %d rows named, want %d", table, seen, n)
		}
	}
	check("by_channel", func(key string) (string, bool) {
		k, ch, ok := strings.Cut(key, "/")
		return contract.KindName(k) + "·" + contract.ChannelName(ch), ok
	}, len(kinds)*len(contract.Channels))
	check("by_category", func(key string) (string, bool) { return contract.CategoryName(key), true }, len(contract.Categories))
	check("findings", func(key string) (string, bool) {
		return contract.FindingName(key), key != "total" && key != "substantiated_or_partly"
	}, len(findings))
	check("on_time", func(key string) (string, bool) {
		s := lifecycle.Step(key)
		return stepLabel(s), true
	}, len(lifecycle.Steps))
	for _, s := range lifecycle.Steps {
		if label := stepLabel(s); !strings.HasPrefix(label, s.Name()+"（"+s.Rules()[0].Period()+"内") {
			t.Errorf("step %s is labelled %q: not its name and its rule's period", s, label)
		}
	}
	if got := stepLabel(lifecycle.StepAccept); got != "受理（15日内）" {
		t.Errorf("the acceptance step is labelled %q", got)
	}
	// the columns named after kinds and channels
	for _, c := range tables["overall"].Columns {
		if c.Key == contract.KindReport || c.Key == contract.KindPetition {
			if c.Name != contract.KindName(c.Key) {
				t.Errorf("overall column %s is called %q", c.Key, c.Name)
			}
		}
	}
	for _, c := range tables["region_by_channel"].Columns[1:] {
		if c.Name != contract.ChannelName(c.Key) {
			t.Errorf("region_by_channel column %s is called %q", c.Key, c.Name)
		}
	}
}
