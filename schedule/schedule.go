// Package schedule runs the jobs of `ecowatch run` on their cron schedules (Asia/Shanghai): one
// job per detector of the registry (alerts/detect), each running a cycle of that detector
// through the alerts Runner, plus the jobs cmd/ecowatch wires in (the case-state stage, the
// outbox, the disclosure, the dashboards). Schedules are the settings alerts.schedule.<job>.
//
// It owns timing only: what a job does is its caller's.
package schedule

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/calendar"
)

// Job is one scheduled task: a detector cycle, the outbox, a dashboard refresh.
type Job struct {
	Name     string
	Schedule string // cron expression, Asia/Shanghai: 5 fields, or 6 with leading seconds
	// Run does one cycle as of asOf (the scheduled time).
	Run func(ctx context.Context, asOf time.Time) error
}

// Scheduler runs jobs on their cron schedules in Asia/Shanghai: one run at a time per job (a
// run still going when the next is due makes that next one skip, logged as an overrun).
type Scheduler struct {
	jobs []Job
	log  *slog.Logger
}

var parser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// New checks every schedule; a missing or bad one is an error naming the job, its setting
// and the expression.
func New(log *slog.Logger, jobs []Job) (*Scheduler, error) {
	names := map[string]bool{}
	for _, j := range jobs {
		if names[j.Name] {
			return nil, fmt.Errorf("schedule: two jobs named %s", j.Name)
		}
		names[j.Name] = true
		if j.Schedule == "" {
			return nil, fmt.Errorf("schedule: no schedule for job %s (setting %s)", j.Name, Setting(j.Name))
		}
		if _, err := parser.Parse(j.Schedule); err != nil {
			return nil, fmt.Errorf("schedule: %s %q is not a cron expression (e.g. */5 * * * *): %w", Setting(j.Name), j.Schedule, err)
		}
	}
	return &Scheduler{jobs: jobs, log: log}, nil
}

// Run starts the jobs and blocks until ctx ends; it then waits for running jobs to finish.
func (s *Scheduler) Run(ctx context.Context) error {
	c := cron.New(cron.WithLocation(calendar.Shanghai), cron.WithParser(parser))
	for _, j := range s.jobs {
		var running sync.Mutex
		_, err := c.AddFunc(j.Schedule, func() {
			if !running.TryLock() {
				s.log.Warn("job overrun: previous run still going, this one skipped", "job", j.Name)
				return
			}
			defer running.Unlock()
			asOf := time.Now().In(calendar.Shanghai).Truncate(time.Minute)
			started := time.Now()
			if err := j.Run(ctx, asOf); err != nil && ctx.Err() == nil {
				s.log.Error("job failed", "job", j.Name, "as_of", asOf.Format(time.RFC3339), "err", err)
				return
			}
			s.log.Info("job done", "job", j.Name, "as_of", asOf.Format(time.RFC3339), "took", time.Since(started).Round(time.Millisecond))
		})
		if err != nil {
			return fmt.Errorf("schedule: scheduling %s: %w", j.Name, err)
		}
	}
	c.Start()
	s.log.Info("scheduler started", "jobs", len(s.jobs))
	<-ctx.Done()
	<-c.Stop().Done() // waits for the runs in progress
	return nil
}

// Setting is the configuration setting of a job's schedule.
func Setting(job string) string { return "alerts.schedule." + job }

// Detectors makes one job per detector, named after it, on its schedule in schedules (the
// configuration's alerts.schedule.* by job name): each run is a cycle of that detector alone.
func Detectors(r *alerts.Runner, detectors []alerts.Detector, schedules map[string]string) []Job {
	jobs := make([]Job, len(detectors))
	for i, d := range detectors {
		jobs[i] = Job{Name: d.Name(), Schedule: schedules[d.Name()], Run: func(ctx context.Context, asOf time.Time) error {
			_, err := r.Run(ctx, asOf, []alerts.Detector{d})
			return err
		}}
	}
	return jobs
}
