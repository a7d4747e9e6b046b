package main

import (
	"context"
	"path/filepath"
	"sync"
	"time"

	"github.com/ecowatch/ecowatch/alerts/deliver"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/dashboards"
	"github.com/ecowatch/ecowatch/reports"
	"github.com/ecowatch/ecowatch/schedule"
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
	co, err := e.coordination(ctx)
	if err != nil {
		return err
	}
	defer co.Close()
	jobs, closeJobs, err := e.jobs(s, co)
	if err != nil {
		return err
	}
	defer closeJobs()
	sched, err := schedule.New(e.log, jobs)
	if err != nil {
		return err
	}
	// Every instance ingests (one consumer group shares the partitions); the jobs run on the
	// leader only, and a new leader first catches up what its predecessor missed.
	sched.Runs = s
	if co != nil {
		sched.Leadership, sched.Instance = co, co.instance
	} else {
		sched.Instance = instanceName()
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

// jobs are the scheduled tasks of `ecowatch run`, each on its configured schedule
// (alerts.schedule.<job>): one per detector of the registry, then the case-state stage, the
// outbox, the disclosure and the dashboards. With coordination (co not nil) what they write is
// fenced by the lead: warning revisions, notice numbers, publications and webhooks.
func (e *env) jobs(s *store.Store, co *coordination) ([]schedule.Job, func(), error) {
	cfg, err := e.config()
	if err != nil {
		return nil, nil, err
	}
	d, err := e.detection(s, nil, co.serials(true))
	if err != nil {
		return nil, nil, err
	}
	if co != nil {
		d.warnings = fencedWarnings{RunnerStore: s, fence: co.leading}
	}
	conn, err := e.broker()
	if err != nil {
		return nil, nil, err
	}
	var hooks []deliver.Webhook
	if cfg.Alerts.WebhooksFile != "" {
		if hooks, err = deliver.LoadWebhooks(cfg.Alerts.WebhooksFile); err != nil {
			return nil, nil, err
		}
	}
	writer := conn.Writer(cfg.Kafka.TopicWarnings)
	var fitted sync.Once // the topic's limit is asked at the first delivery, not while wiring
	sched := cfg.Alerts.Schedules
	// The detectors that read cases evaluate them through the stage: the hourly cases job and
	// the hourly overdue job, due at the same minute, share one evaluation.
	jobs := schedule.Detectors(d.runner(e, d.stage), d.registry.All(), sched)
	jobs = append(jobs,
		schedule.Job{Name: "cases", Schedule: sched["cases"], Run: func(ctx context.Context, asOf time.Time) error {
			_, err := d.stage.Run(ctx, asOf)
			return err
		}},
		schedule.Job{Name: "outbox", Schedule: sched["outbox"], Run: func(ctx context.Context, _ time.Time) error {
			fitted.Do(func() { e.fitWriter(ctx, conn, writer) })
			return co.outbox(ctx, func(ctx context.Context, fence func(context.Context) error) error {
				if _, err := deliver.PublishWarnings(ctx, s, fencedWriter{writer, fence}); err != nil {
					return err
				}
				deliverer := &deliver.Deliverer{Store: s, Log: e.log, Client: webhookClient(fence)}
				_, err := deliverer.Deliver(ctx, hooks)
				return err
			})
		}},
		schedule.Job{Name: "disclosure", Schedule: sched["disclosure"], Run: func(ctx context.Context, asOf time.Time) error {
			q, due := reports.DueQuarter(calendar.Default(), asOf)
			if !due {
				return nil
			}
			return reports.Generate(ctx, s, reports.Options{Quarter: q, Out: filepath.Join(cfg.OutDir, "disclosure", q.String())})
		}},
		schedule.Job{Name: "dashboards", Schedule: sched["dashboards"], Run: func(ctx context.Context, asOf time.Time) error {
			_, err := dashboards.Generate(ctx, s, dashboards.Options{Out: filepath.Join(cfg.OutDir, "dashboards"), At: asOf, Log: e.log})
			return err
		}},
	)
	return jobs, func() { writer.Close() }, nil
}
