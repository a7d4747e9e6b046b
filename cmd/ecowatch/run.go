package main

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/dashboards"
	"github.com/ecowatch/ecowatch/reports"
	"github.com/ecowatch/ecowatch/store"
)

// runRun is the long-running service: ingest and the scheduled jobs in one process, until
// SIGTERM. Any part failing stops the whole (a supervisor restarts it; nothing is lost, since
// offsets and deliveries are only acknowledged once durable).
func runRun(ctx context.Context, e *env, args []string) error {
	if err := parse(flags("run", e), args); err != nil {
		return err
	}
	s, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	in, stopIngest, err := e.ingester(ctx, s, 0)
	if err != nil {
		return err
	}
	defer stopIngest()
	jobs, closeJobs, err := e.jobs(s)
	if err != nil {
		return err
	}
	defer closeJobs()
	sched, err := alerts.NewScheduler(e.log, jobs)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, part := range []func(context.Context) error{in.Run, sched.Run} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := part(ctx); err != nil {
				errs <- err
				cancel()
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs // nil when both stopped cleanly on SIGTERM
}

// jobs are the scheduled tasks of `ecowatch run`, each on its configured schedule.
func (e *env) jobs(s *store.Store) ([]alerts.Job, func(), error) {
	cfg, err := e.config()
	if err != nil {
		return nil, nil, err
	}
	ew, err := e.earlyWarning(s, false)
	if err != nil {
		return nil, nil, err
	}
	caseJob := func(only string) func(context.Context, time.Time) error {
		return func(ctx context.Context, asOf time.Time) error {
			cd, err := e.caseDetectorsOn(s)
			if err != nil {
				return err
			}
			cd.Only, cd.SaveStates = []string{only}, only == alerts.DetectorOverdue
			_, err = cd.Run(ctx, asOf)
			return err
		}
	}
	early := func(run func(context.Context, time.Time) (alerts.RunResult, error)) func(context.Context, time.Time) error {
		return func(ctx context.Context, asOf time.Time) error { _, err := run(ctx, asOf); return err }
	}
	conn, err := e.broker()
	if err != nil {
		return nil, nil, err
	}
	writer := conn.Writer(cfg.Kafka.TopicWarnings)
	var hooks []alerts.Webhook
	if cfg.Alerts.WebhooksFile != "" {
		if hooks, err = alerts.LoadWebhooks(cfg.Alerts.WebhooksFile); err != nil {
			return nil, nil, err
		}
	}
	deliverer := &alerts.Deliverer{Store: s, Log: e.log}
	outbox := func(ctx context.Context, _ time.Time) error {
		if _, err := alerts.PublishWarnings(ctx, s, writer); err != nil {
			return err
		}
		_, err := deliverer.Deliver(ctx, hooks)
		return err
	}
	sched := cfg.Alerts.Schedules
	jobs := []alerts.Job{
		{Name: alerts.DetectorEmergency, Schedule: sched["emergency"], Run: early(ew.RunEmergency)},
		{Name: alerts.DetectorCluster, Schedule: sched["cluster"], Run: early(ew.RunCluster)},
		{Name: alerts.DetectorWatershed, Schedule: sched["watershed"], Run: early(ew.RunWatershed)},
		{Name: alerts.DetectorOverdue, Schedule: sched["overdue"], Run: caseJob(alerts.DetectorOverdue)},
		{Name: alerts.DetectorSupervision, Schedule: sched["supervision"], Run: caseJob(alerts.DetectorSupervision)},
		{Name: "outbox", Schedule: sched["outbox"], Run: outbox},
		{Name: "disclosure", Schedule: sched["disclosure"], Run: func(ctx context.Context, asOf time.Time) error {
			q, due := reports.DueQuarter(calendar.Default(), asOf)
			if !due {
				return nil
			}
			return reports.Generate(ctx, s, reports.Options{Quarter: q, Out: filepath.Join(cfg.OutDir, "disclosure", q.String())})
		}},
		{Name: "dashboards", Schedule: sched["dashboards"], Run: func(ctx context.Context, asOf time.Time) error {
			_, err := dashboards.Generate(ctx, s, dashboards.Options{Out: filepath.Join(cfg.OutDir, "dashboards"), At: asOf, Log: e.log})
			return err
		}},
	}
	for _, j := range jobs {
		if j.Schedule == "" {
			return nil, nil, fmt.Errorf("no schedule for job %s (alerts.schedule.%s)", j.Name, j.Name)
		}
	}
	return jobs, func() { writer.Close() }, nil
}
