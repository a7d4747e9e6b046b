package main

import (
	"context"
	"fmt"
	"time"

	"github.com/ecowatch/ecowatch/alerts/deliver"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/eval"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/simulate"
)

// runEval measures detection quality: `ecowatch eval detection` (see eval.Detection).
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
	clusters := fs.Int("clusters", 0, "injected clusters (0: the simulator's default for the period and scope)")
	watershed := fs.Int("watershed", 6, "injected watershed incidents (0: the simulator's default)")
	only := fs.String("only", "", "evaluate only clusters or watershed (default: both)")
	ears := fs.Bool("ears", true, "also run the EARS C2 baseline")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if *only != "" && *only != "clusters" && *only != "watershed" {
		return usageError{fmt.Sprintf("--only %q is not accepted (accepted: clusters, watershed, or empty for both)", *only)}
	}
	if *clusters < 0 || *watershed < 0 {
		return usageError{"--clusters and --watershed must be 0 or more"}
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
	cfg, err := e.config()
	if err != nil {
		return err
	}
	return eval.Detection(ctx, e.stdout, regions, calendar.Default(),
		eval.DetectionOptions{Scope: sc, From: t1, To: t2, Seed: *seed, Warmup: *warmup, Clusters: *clusters, Watershed: *watershed,
			Only: *only, SkipSlowBaselines: !*ears, Policy: deliver.Policy{Interval: cfg.Alerts.NoticeInterval},
			WatershedReachDays: int(cfg.Alerts.WatershedReach.Hours() / 24)})
}
