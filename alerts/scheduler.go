package alerts

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

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

// NewScheduler checks every schedule; a bad one is an error naming the job and the expression.
func NewScheduler(log *slog.Logger, jobs []Job) (*Scheduler, error) {
	for _, j := range jobs {
		if _, err := parser.Parse(j.Schedule); err != nil {
			return nil, fmt.Errorf("alerts: schedule of %s %q is not a cron expression (e.g. */5 * * * *): %w", j.Name, j.Schedule, err)
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
			return fmt.Errorf("alerts: scheduling %s: %w", j.Name, err)
		}
	}
	c.Start()
	s.log.Info("scheduler started", "jobs", len(s.jobs))
	<-ctx.Done()
	<-c.Stop().Done() // waits for the runs in progress
	return nil
}
