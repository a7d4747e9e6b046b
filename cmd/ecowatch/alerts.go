package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/basin"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/org"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

func runAlerts(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageError{"a subcommand is required: run, backtest, list or compare"}
	}
	switch args[0] {
	case "run":
		return runAlertsRun(ctx, e, args[1:])
	case "backtest":
		return runAlertsBacktest(ctx, e, args[1:])
	case "list":
		return runAlertsList(ctx, e, args[1:])
	case "compare":
		return runAlertsCompare(ctx, e, args[1:])
	}
	return usageError{fmt.Sprintf("unknown subcommand %q (accepted: run, backtest, list, compare)", args[0])}
}

// caseDetectors opens the store and assembles the case detectors with their notice writer.
func (e *env) caseDetectors(ctx context.Context) (*alerts.CaseDetectors, *store.Store, error) {
	s, err := e.openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	cd, err := e.caseDetectorsOn(s)
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return cd, s, nil
}

// caseDetectorsOn assembles the case detectors over an open store.
func (e *env) caseDetectorsOn(s *store.Store) (*alerts.CaseDetectors, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	regions := region.Default()
	return &alerts.CaseDetectors{
		Store: s, Regions: regions, Calendar: calendar.Default(), Log: e.log,
		Notices: &alerts.Notices{Store: s, Orgs: org.New(regions), Regions: regions, Dir: cfg.OutDir},
	}, nil
}

// earlyWarning assembles the cluster, watershed and emergency detectors over a store.
// soleWriter is set for a backtest (see alerts.EarlyWarning.SoleWriter).
func (e *env) earlyWarning(s *store.Store, soleWriter bool) (*alerts.EarlyWarning, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	regions := region.Default()
	ew := &alerts.EarlyWarning{
		Store: s, Regions: regions, Basins: basin.Default(), Calendar: calendar.Default(), Log: e.log,
		Notices:    &alerts.Notices{Store: s, Orgs: org.New(regions), Regions: regions, Dir: cfg.OutDir},
		SoleWriter: soleWriter,
	}
	return ew, ew.Prepare()
}

// runEarly runs the three early-warning detectors.
func runEarly(ctx context.Context, ew *alerts.EarlyWarning, asOf time.Time) ([]alerts.RunResult, error) {
	var out []alerts.RunResult
	for _, run := range []func(context.Context, time.Time) (alerts.RunResult, error){ew.RunEmergency, ew.RunCluster, ew.RunWatershed} {
		r, err := run(ctx, asOf)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

func runAlertsRun(ctx context.Context, e *env, args []string) error {
	fs := flags("alerts run", e)
	at := fs.String("at", "", "run as of this time (default: now), e.g. 2026-09-30T18:00")
	if err := parse(fs, args); err != nil {
		return err
	}
	asOf := time.Now()
	if *at != "" {
		var err error
		if asOf, err = parseTime("at", *at); err != nil {
			return err
		}
	}
	cd, s, err := e.caseDetectors(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	cd.SaveStates = true
	results, err := cd.Run(ctx, asOf)
	if err != nil {
		return err
	}
	ew, err := e.earlyWarning(s, false)
	if err != nil {
		return err
	}
	early, err := runEarly(ctx, ew, asOf)
	if err != nil {
		return err
	}
	printResults(e, asOf, append(results, early...))
	return e.publishWarnings(ctx, s)
}

// allDetectors are the detectors in the order a cycle runs them.
var allDetectors = []string{alerts.DetectorOverdue, alerts.DetectorSupervision, alerts.DetectorEmergency, alerts.DetectorCluster, alerts.DetectorWatershed}

func parseDetectors(s string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, d := range strings.Split(s, ",") {
		d = strings.TrimSpace(d)
		if !slices.Contains(allDetectors, d) {
			return nil, usageError{fmt.Sprintf("--detectors: %q is not a detector (accepted: %s)", d, strings.Join(allDetectors, ", "))}
		}
		out[d] = true
	}
	return out, nil
}

func runAlertsBacktest(ctx context.Context, e *env, args []string) error {
	fs := flags("alerts backtest", e)
	from := fs.String("from", "", "first time of the replay")
	to := fs.String("to", "", "last time of the replay")
	step := fs.Duration("step", 24*time.Hour, "time between two cycles, as the schedule would run them")
	which := fs.String("detectors", strings.Join(allDetectors, ","), "comma-separated detectors to replay")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return usageError{"--from and --to are required"}
	}
	if *step < time.Minute {
		return usageError{"--step must be at least 1m"}
	}
	selected, err := parseDetectors(*which)
	if err != nil {
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
	cd, s, err := e.caseDetectors(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	ew, err := e.earlyWarning(s, true)
	if err != nil {
		return err
	}
	if ew.Points, err = alerts.Preload(ctx, s, t1.Add(-ew.History()), t2.Add(time.Second)); err != nil {
		return err
	}
	early := map[string]func(context.Context, time.Time) (alerts.RunResult, error){
		alerts.DetectorEmergency: ew.RunEmergency, alerts.DetectorCluster: ew.RunCluster, alerts.DetectorWatershed: ew.RunWatershed,
	}
	totals := map[string][3]int{}
	notices := 0
	add := func(results ...alerts.RunResult) {
		for _, r := range results {
			v := totals[r.Detector]
			v[0] += len(r.Changes.Opened)
			v[1] += len(r.Changes.Updated)
			v[2] += len(r.Changes.Closed)
			totals[r.Detector] = v
			notices += len(r.Notices)
		}
	}
	for t := t1; !t.After(t2); t = t.Add(*step) {
		if selected[alerts.DetectorOverdue] || selected[alerts.DetectorSupervision] {
			cd.SaveStates = t.Add(*step).After(t2) // the case tables are written at the last step only
			results, err := cd.Run(ctx, t)
			if err != nil {
				return err
			}
			add(results...)
		}
		for _, d := range allDetectors {
			if run, ok := early[d]; ok && selected[d] {
				r, err := run(ctx, t)
				if err != nil {
					return err
				}
				add(r)
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	for _, d := range allDetectors {
		if selected[d] {
			v := totals[d]
			fmt.Fprintf(e.stdout, "backtest %s: %d opened, %d updated, %d closed\n", d, v[0], v[1], v[2])
		}
	}
	fmt.Fprintf(e.stdout, "backtest: %d notices written under %s/notices/\n", notices, e.cfg.OutDir)
	return e.publishWarnings(ctx, s)
}

func printResults(e *env, asOf time.Time, results []alerts.RunResult) {
	for _, r := range results {
		fmt.Fprintf(e.stdout, "%s as of %s: %d found; %d opened, %d updated, %d closed; %d notices\n",
			r.Detector, asOf.In(calendar.Shanghai).Format("2006-01-02 15:04"), r.Found,
			len(r.Changes.Opened), len(r.Changes.Updated), len(r.Changes.Closed), len(r.Notices))
	}
}

// publishWarnings empties the warnings outbox onto the warnings.v1 topic.
func (e *env) publishWarnings(ctx context.Context, s *store.Store) error {
	conn, err := e.broker()
	if err != nil {
		return err
	}
	w := conn.Writer(conn.Config().TopicWarnings)
	defer w.Close()
	n, err := alerts.PublishWarnings(ctx, s, w)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "warnings.v1: %d warning revisions published to %s\n", n, conn.Config().TopicWarnings)
	return nil
}

func runAlertsList(ctx context.Context, e *env, args []string) error {
	if err := parse(flags("alerts list", e), args); err != nil {
		return err
	}
	s, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	ws, err := s.AllWarnings(ctx)
	if err != nil {
		return err
	}
	for _, w := range ws {
		fmt.Fprintf(e.stdout, "%-28s r%-2d %-9s %-7s L%d %s\n", w.WarningID, w.Revision, w.Kind, w.Status, w.Level, w.Title)
	}
	return nil
}
