package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/alerts/deliver"
	"github.com/ecowatch/ecowatch/alerts/detect"
	"github.com/ecowatch/ecowatch/alerts/notice"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/cases"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/eval"
	"github.com/ecowatch/ecowatch/org"
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

// detection is what the detector commands and jobs share over an open store: the registry of
// detectors, the case-state stage and the notice writer.
type detection struct {
	store    *store.Store
	registry *alerts.Registry
	stage    *cases.Stage
	notices  *deliver.Notices
	// warnings is where the runner reads and writes warnings: the store, or the store behind
	// the lead's fence in `ecowatch run`.
	warnings alerts.RunnerStore
}

// detection assembles them; reg nil builds the registry; serials numbers the notices (nil:
// locally, for a single instance).
func (e *env) detection(s *store.Store, reg *alerts.Registry, serials deliver.SerialAllocator) (*detection, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	deps := detect.DefaultDeps()
	if reg == nil {
		if reg, err = e.registry(); err != nil {
			return nil, err
		}
	}
	return &detection{
		store:    s,
		registry: reg,
		stage:    &cases.Stage{Store: s, Regions: deps.Regions, Calendar: deps.Calendar, Log: e.log},
		notices: &deliver.Notices{Store: s, Orgs: org.New(deps.Regions), Regions: deps.Regions, Dir: cfg.OutDir, Serials: serials,
			Policy: deliver.Policy{Interval: cfg.Alerts.NoticeInterval}},
		warnings: s,
	}, nil
}

// registry builds the detectors with the configuration's settings.
func (e *env) registry() (*alerts.Registry, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	return detect.RegistryWith(detect.DefaultDeps(), detect.Options{WatershedReach: cfg.Alerts.WatershedReach})
}

// runner is the alerts Runner over the store, reading cases from cs.
func (d *detection) runner(e *env, cs alerts.CaseSource) *alerts.Runner {
	return &alerts.Runner{Store: d.warnings, Notices: d.notices, Points: d.store, Cases: cs, Log: e.log}
}

func (e *env) detectorFlag(reg *alerts.Registry, list string) ([]alerts.Detector, error) {
	ds, err := reg.Select(list)
	if err != nil {
		return nil, usageError{"--detectors: " + err.Error()}
	}
	return ds, nil
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
	s, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	co, err := e.coordination(ctx)
	if err != nil {
		return err
	}
	defer co.Close()
	d, err := e.detection(s, nil, co.serials(false))
	if err != nil {
		return err
	}
	// The case-state stage first (as its scheduled job would), then every detector on the
	// same evaluation.
	snap, err := d.stage.Evaluate(ctx, asOf)
	if err != nil {
		return err
	}
	saved, err := d.stage.Save(ctx, snap)
	if err != nil {
		return err
	}
	printCases(e, saved)
	results, err := d.runner(e, snap).Run(ctx, asOf, d.registry.All())
	printResults(e, asOf, results)
	if err != nil {
		return err
	}
	return e.publishWarnings(ctx, s, co)
}

func runAlertsBacktest(ctx context.Context, e *env, args []string) error {
	fs := flags("alerts backtest", e)
	from := fs.String("from", "", "first time of the replay")
	to := fs.String("to", "", "last time of the replay")
	step := fs.Duration("step", 24*time.Hour, "time between two cycles, as the schedule would run them")
	which := fs.String("detectors", "", "comma-separated detectors to replay (default: all)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return usageError{"--from and --to are required"}
	}
	if *step < time.Minute {
		return usageError{"--step must be at least 1m"}
	}
	t1, err := parseTime("from", *from)
	if err != nil {
		return err
	}
	t2, err := parseTime("to", *to)
	if err != nil {
		return err
	}
	reg, err := e.registry()
	if err != nil {
		return err
	}
	if *which == "" {
		*which = strings.Join(reg.Names(), ",")
	}
	selected, err := e.detectorFlag(reg, *which)
	if err != nil {
		return err
	}
	s, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	co, err := e.coordination(ctx)
	if err != nil {
		return err
	}
	defer co.Close()
	d, err := e.detection(s, reg, co.serials(false))
	if err != nil {
		return err
	}
	bt := &eval.Backtest{Store: s, Notices: d.notices, Cases: d.stage, Detectors: selected, From: t1, To: t2, Step: *step, Log: e.log}
	res, err := bt.Run(ctx)
	if err != nil {
		return err
	}
	early, numbered := 0, 0
	for _, t := range res.Totals {
		fmt.Fprintf(e.stdout, "backtest %s: %d opened, %d updated, %d closed\n", t.Detector, t.Opened, t.Updated, t.Closed)
		for _, d := range selected {
			if d.Name() != t.Detector {
				continue
			}
			for _, k := range d.Kinds() {
				if deliver.Early(k) {
					early += t.Opened
					numbered += res.NoticesByKind[k]
					fmt.Fprintf(e.stdout, "backtest %s: %d 预警通知书 for %d warnings opened\n", t.Detector, res.NoticesByKind[k], t.Opened)
				}
			}
		}
	}
	fmt.Fprintf(e.stdout, "backtest: %d notices written under %s/notices/\n", res.Notices, e.cfg.OutDir)
	if early > 0 {
		fmt.Fprintf(e.stdout, "backtest: %.1f numbered 预警通知书 per early warning (%d for %d), %d 预警续报 (daily digests)\n",
			float64(numbered)/float64(early), numbered, early, res.NoticesByKind[deliver.KindDigest])
	}
	return e.publishWarnings(ctx, s, co)
}

func printCases(e *env, r cases.Result) {
	fmt.Fprintf(e.stdout, "cases as of %s: %d cases, %d deadlines (%d overdue), %d merge suggestions (%d already merged) saved\n",
		r.AsOf.In(calendar.Shanghai).Format("2006-01-02 15:04"), r.Cases, r.Deadlines, r.Overdue, r.MergeSuggestions, r.AlreadyMerged)
}

func printResults(e *env, asOf time.Time, results []alerts.RunResult) {
	for _, r := range results {
		fmt.Fprintf(e.stdout, "%s as of %s: %d found; %d opened, %d updated, %d closed; %d notices\n",
			r.Detector, asOf.In(calendar.Shanghai).Format("2006-01-02 15:04"), r.Found,
			len(r.Changes.Opened), len(r.Changes.Updated), len(r.Changes.Closed), len(r.Notices))
	}
}

// publishWarnings empties the warnings outbox onto the warnings.v1 topic, holding the outbox
// lock when coordinated (another instance publishing at the same moment waits, then finds the
// revisions published).
func (e *env) publishWarnings(ctx context.Context, s *store.Store, co *coordination) error {
	conn, err := e.broker()
	if err != nil {
		return err
	}
	w := conn.Writer(conn.Config().TopicWarnings)
	defer w.Close()
	e.fitWriter(ctx, conn, w)
	var n int
	err = co.outbox(ctx, func(ctx context.Context, fence func(context.Context) error) error {
		n, err = deliver.PublishWarnings(ctx, s, fencedWriter{w, fence})
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "warnings.v1: %d warning revisions published to %s\n", n, conn.Config().TopicWarnings)
	return nil
}

func runAlertsList(ctx context.Context, e *env, args []string) error {
	fs := flags("alerts list", e)
	kind := fs.String("kind", "", "only warnings of this kind (cluster, watershed, emergency, repeat, procedure, overdue)")
	recipients := fs.Bool("recipients", false, "list each warning's recipients: addressed or copied (抄送), and for a jurisdiction downstream its river, distance and the estimated arrival of the water")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *kind != "" && !slices.Contains(contract.WarningKinds, *kind) {
		return usageError{fmt.Sprintf("--kind %q is not accepted (accepted: %s)", *kind, strings.Join(contract.WarningKinds, ", "))}
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
		if *kind != "" && w.Kind != *kind {
			continue
		}
		fmt.Fprintf(e.stdout, "%-28s r%-2d %-9s %-7s L%d %s\n", w.WarningID, w.Revision, w.Kind, w.Status, w.Level, w.Title)
		if !*recipients {
			continue
		}
		for _, r := range w.Recipients {
			how := "主送"
			if r.Copy {
				how = "抄送"
			}
			line := fmt.Sprintf("    %s %s", how, r.OrgName)
			if d := r.Downstream; d != nil {
				line += fmt.Sprintf("（下游：%s，约 %.0f 公里，预计%s到达本辖区河段", d.River, d.DistanceKm, notice.ArrivalText(d.ArrivalFrom.Time, d.ArrivalTo.Time))
				if d.DrinkingWater != "" {
					line += "；饮用水水源：" + d.DrinkingWater
				}
				line += "）"
			}
			fmt.Fprintln(e.stdout, line)
		}
	}
	return nil
}

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
	truth, err := eval.ReadTruth(*truthPath)
	if err != nil {
		return err
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
	return eval.WriteComparison(e.stdout, eval.Compare(truth, warnings, start), len(warnings))
}
