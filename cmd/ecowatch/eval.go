package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/ecowatch/ecowatch/alerts/cluster"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/simulate"
	"github.com/ecowatch/ecowatch/store"
)

// runAlertsCompare lists every event the simulator injected next to the first warning of the
// matching kind that opened for its places in time.
func runAlertsCompare(ctx context.Context, e *env, args []string) error {
	fs := flags("alerts compare", e)
	truthPath := fs.String("truth", "", "the simulator's truth.json")
	since := fs.String("from", "", "leave out events before this time (the start of the replay)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *truthPath == "" {
		return usageError{"--truth is required"}
	}
	var start time.Time
	if *since != "" {
		var err error
		if start, err = parseTime("from", *since); err != nil {
			return err
		}
	}
	b, err := os.ReadFile(*truthPath)
	if err != nil {
		return err
	}
	var truth simulate.Truth
	if err := json.Unmarshal(b, &truth); err != nil {
		return fmt.Errorf("%s is not a simulator truth file: %w", *truthPath, err)
	}
	s, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	warnings, err := s.AllWarnings(ctx)
	if err != nil {
		return err
	}
	kinds := map[string]string{simulate.EventCluster: contract.WarningCluster, simulate.EventWatershed: contract.WarningWatershed,
		simulate.EventEmergency: contract.WarningEmergency, simulate.EventRepeat: contract.WarningRepeat}
	names := map[string]string{simulate.EventCluster: "集中举报", simulate.EventWatershed: "流域污染", simulate.EventEmergency: "突发事件", simulate.EventRepeat: "反复举报"}
	events := truth.Events
	sort.Slice(events, func(i, j int) bool { return events[i].Onset.Before(events[j].Onset) })
	found, listed := 0, 0
	fmt.Fprintln(e.stdout, "注入事件（模拟器）                               预警")
	for _, ev := range events {
		if ev.Onset.Before(start) {
			continue
		}
		listed++
		// A repeated complaint becomes one only after several reports: it may be warned up to a
		// week after its last report; the others within 72 hours of onset.
		until := ev.Onset.Add(72 * time.Hour)
		if ev.Type == simulate.EventRepeat {
			until = ev.End.Add(7 * 24 * time.Hour)
		}
		w, ok := firstMatch(warnings, kinds[ev.Type], append(append([]string{}, ev.Places...), ev.Counties...), ev.Onset, until)
		line := fmt.Sprintf("%-9s %s %-6s %-22v", ev.ID, ev.Onset.In(calendar.Shanghai).Format("01-02 15:04"), names[ev.Type], ev.Places)
		if ok {
			found++
			fmt.Fprintf(e.stdout, "%s → %s %s 级别%d，开始后 %s：%s\n", line, w.WarningID, w.OpenedAt.In(calendar.Shanghai).Format("01-02 15:04"),
				w.Level, w.OpenedAt.Sub(ev.Onset).Round(time.Minute), w.Title)
		} else {
			fmt.Fprintf(e.stdout, "%s → 未预警\n", line)
		}
	}
	fmt.Fprintf(e.stdout, "%d of %d injected events warned in time; %d warnings in all\n", found, listed, len(warnings))
	return nil
}

// firstMatch is the earliest warning of kind whose places overlap places (or their
// prefectures), opened between an hour before onset and until.
func firstMatch(ws []store.WarningRow, kind string, places []string, onset, until time.Time) (store.WarningRow, bool) {
	var best store.WarningRow
	ok := false
	for _, w := range ws {
		if w.Kind != kind || w.OpenedAt.Before(onset.Add(-time.Hour)) || w.OpenedAt.After(until) {
			continue
		}
		if !overlapsPlaces(w.RegionCodes, places) {
			continue
		}
		if !ok || w.OpenedAt.Before(best.OpenedAt) {
			best, ok = w, true
		}
	}
	return best, ok
}

func overlapsPlaces(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y || (len(x) == 6 && len(y) == 6 && (x[:4]+"00" == y || y[:4]+"00" == x)) {
				return true
			}
		}
	}
	return false
}

// runEval measures detection quality: `ecowatch eval detection` runs the simulator with
// injected clusters over a period, runs the cluster detector every hour on the data known at
// that hour, and prints how many injected clusters it found within 24 and 72 hours, the median
// delay and the false warnings per 1,000 area-weeks, next to fixed-threshold baselines.
func runEval(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "detection" {
		return usageError{"the only subcommand is `detection`"}
	}
	fs := flags("eval detection", e)
	scope := fs.String("scope", "440000", "the simulated jurisdiction: "+simulate.ScopeHelp)
	from := fs.String("from", "2025-03-01", "start of the evaluated period (after the warm-up)")
	to := fs.String("to", "2025-07-01", "end of the evaluated period")
	seed := fs.Int64("seed", 1, "simulator seed")
	warmup := fs.Int("warmup", 70, "days of history simulated before --from")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	t1, err := parseTime("from", *from)
	if err != nil {
		return err
	}
	t2, err := parseTime("to", *to)
	if err != nil {
		return err
	}
	if !t2.After(t1.Add(72 * time.Hour)) {
		return usageError{"--to must be more than 72 hours after --from"}
	}
	regions := region.Default()
	sc, err := simulatorScope(regions, *scope)
	if err != nil {
		return err
	}
	areas := len(regions.Leaves(sc.Code))
	start := time.Now()
	st, err := cluster.NewSimulatedStream(simulate.Config{From: t1.AddDate(0, 0, -*warmup), To: t2, Scope: sc, Seed: *seed})
	if err != nil {
		return err
	}
	det, err := cluster.NewDetector(cluster.Config{}, regions, calendar.Default())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "simulated %d reports in %s (scope %s, seed %d); evaluating %s to %s hourly over %d areas\n",
		st.Reports(), time.Since(start).Round(time.Second), *scope, *seed, t1.Format("2006-01-02"), t2.Format("2006-01-02"), areas)
	sources := []struct {
		name string
		src  cluster.Source
	}{
		{"cluster detector", det},
		{"fixed ≥10 in 24 h", cluster.FixedThreshold{Count: 10, Window: 24 * time.Hour}},
		{"fixed ≥5 in 24 h", cluster.FixedThreshold{Count: 5, Window: 24 * time.Hour}},
	}
	fmt.Fprintf(e.stdout, "%-20s %8s %10s %10s %12s %14s\n", "detector", "clusters", "24 h", "72 h", "median delay", "false/1000 aw")
	for _, s := range sources {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		res := cluster.Evaluate(s.src, st.Rewind().Events(), cluster.EvalOptions{From: t1, To: t2, Areas: areas, Series: st.At})
		pct := func(n int) string {
			if res.Events == 0 {
				return "-"
			}
			return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(res.Events))
		}
		fmt.Fprintf(e.stdout, "%-20s %8d %10s %10s %12s %14.2f\n", s.name, res.Events, pct(res.Detected24), pct(res.Detected72),
			res.MedianDelay.Round(time.Minute), res.FalsePer1000)
	}
	return nil
}
