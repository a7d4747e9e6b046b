// Package schedule runs the jobs of `ecowatch run` on their cron schedules (Asia/Shanghai): one
// job per detector of the registry (alerts/detect), each running a cycle of that detector
// through the alerts Runner, plus the jobs cmd/ecowatch wires in (the case-state stage, the
// outbox, the disclosure, the dashboards). Schedules are the settings alerts.schedule.<job>.
//
// With several instances only the leader runs the jobs (a Leadership: the ZooKeeper election
// of package coord; Alone for a single instance). A new term of leadership starts with the
// catch-up: each job whose latest scheduled time since its last recorded run was missed — the
// leader died before running it, or during it — runs at once for that time (as of it), then
// every job follows its schedule. Every run ends with a row of job_runs (RunLog).
//
// It owns timing and who runs: what a job does is its caller's.
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
	"github.com/ecowatch/ecowatch/store"
)

// Job is one scheduled task: a detector cycle, the outbox, a dashboard refresh.
type Job struct {
	Name     string
	Schedule string // cron expression, Asia/Shanghai: 5 fields, or 6 with leading seconds
	// Run does one cycle as of asOf (the scheduled time).
	Run func(ctx context.Context, asOf time.Time) error
}

// Leadership says when this instance runs the jobs.
type Leadership interface {
	// Lead blocks until this instance leads (or ctx ends) and returns the term.
	Lead(ctx context.Context) (Term, error)
}

// Term is one uninterrupted period of leading.
type Term struct {
	// ID numbers the term: a later term, of any instance, has a higher one. 0 when Alone.
	ID int
	// Lost is closed when the instance stops leading; nil: never.
	Lost <-chan struct{}
	// Release ends the term; nil: nothing to release.
	Release func()
}

// Alone is the leadership of a single instance: it leads from the start, for ever.
type Alone struct{}

// Lead returns at once.
func (Alone) Lead(context.Context) (Term, error) { return Term{}, nil }

// RunLog records the runs of the jobs and tells the catch-up where each job stands;
// *store.Store implements it.
type RunLog interface {
	SaveJobRun(ctx context.Context, r store.JobRun) error
	// JobsDoneUntil: per job that has run, the time after which a scheduled time of it counts
	// as missed (store.Store.JobsDoneUntil).
	JobsDoneUntil(ctx context.Context) (map[string]time.Time, error)
}

// Scheduler runs jobs on their cron schedules in Asia/Shanghai while it leads: one run at a
// time per job (a run still going when the next is due makes that next one skip, logged as an
// overrun).
type Scheduler struct {
	// Leadership: nil is Alone.
	Leadership Leadership
	// Runs records every run and serves the catch-up; nil records nothing and catches up
	// nothing.
	Runs RunLog
	// Instance names this instance in job_runs and the logs.
	Instance string

	jobs []job
	log  *slog.Logger
}

type job struct {
	Job
	sched   cron.Schedule
	running *sync.Mutex
}

var parser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// New checks every schedule; a missing or bad one is an error naming the job, its setting
// and the expression.
func New(log *slog.Logger, jobs []Job) (*Scheduler, error) {
	names := map[string]bool{}
	s := &Scheduler{log: log}
	for _, j := range jobs {
		if names[j.Name] {
			return nil, fmt.Errorf("schedule: two jobs named %s", j.Name)
		}
		names[j.Name] = true
		if j.Schedule == "" {
			return nil, fmt.Errorf("schedule: no schedule for job %s (setting %s)", j.Name, Setting(j.Name))
		}
		sched, err := parser.Parse(j.Schedule)
		if err != nil {
			return nil, fmt.Errorf("schedule: %s %q is not a cron expression (e.g. */5 * * * *): %w", Setting(j.Name), j.Schedule, err)
		}
		s.jobs = append(s.jobs, job{Job: j, sched: sched, running: &sync.Mutex{}})
	}
	return s, nil
}

// Run waits to lead, runs the jobs for as long as the term lasts, and waits to lead again,
// until ctx ends; it then waits for running jobs to finish.
func (s *Scheduler) Run(ctx context.Context) error {
	lead := s.Leadership
	if lead == nil {
		lead = Alone{}
	}
	wait := time.Second
	for {
		if s.Leadership != nil {
			s.log.Info("waiting to lead the scheduled jobs", "instance", s.Instance)
		}
		term, err := lead.Lead(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			// The coordination service away (ZooKeeper restarting, a network cut): this
			// instance goes on ingesting and tries again; another may lead meanwhile.
			s.log.Warn("could not campaign to lead the scheduled jobs; trying again", "instance", s.Instance, "in", wait, "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
			wait = min(2*wait, 30*time.Second)
			continue
		}
		wait = time.Second
		s.log.Info("leading: the scheduled jobs run here", "instance", s.Instance, "term", term.ID, "jobs", len(s.jobs))
		s.lead(ctx, term)
		if term.Release != nil {
			term.Release()
		}
		if ctx.Err() != nil {
			return nil
		}
		s.log.Warn("no longer leading: the scheduled jobs stopped here", "instance", s.Instance, "term", term.ID)
	}
}

// lead runs the catch-up, then every job on its schedule, until the term is lost or ctx ends;
// it returns once the runs it started have finished (they are cancelled with the term).
func (s *Scheduler) lead(parent context.Context, term Term) {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	if term.Lost != nil {
		go func() {
			select {
			case <-term.Lost:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	var runs sync.WaitGroup
	defer runs.Wait()
	now := time.Now().In(calendar.Shanghai)
	s.catchUp(ctx, term, now, &runs)
	var loops sync.WaitGroup
	for _, j := range s.jobs {
		loops.Go(func() { s.loop(ctx, term, j, now, &runs) })
	}
	loops.Wait()
}

// loop starts j at every scheduled time after from until ctx ends.
func (s *Scheduler) loop(ctx context.Context, term Term, j job, from time.Time, runs *sync.WaitGroup) {
	for {
		next := j.sched.Next(from)
		timer := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		}
		from = next
		s.start(ctx, term, j, next, false, runs)
	}
}

// catchUp starts, for every job that has run before, its latest scheduled time after its last
// finished run and not after now, if there is one: the tick a dead leader missed or left half
// done (a run that started and never finished counts as not run). Only the latest: each run is
// a whole cycle as of its time, so an earlier one would only be overtaken. A job that never
// started has missed nothing.
func (s *Scheduler) catchUp(ctx context.Context, term Term, now time.Time, runs *sync.WaitGroup) {
	if s.Runs == nil {
		return
	}
	last, err := s.Runs.JobsDoneUntil(ctx)
	if err != nil {
		s.log.Error("catch-up skipped: the record of job runs could not be read; the jobs follow their schedules", "err", err)
		return
	}
	for _, j := range s.jobs {
		done, ok := last[j.Name]
		if !ok {
			continue
		}
		if tick := LatestTick(j.sched, done, now); !tick.IsZero() {
			s.log.Info("catching up a missed run", "job", j.Name, "as_of", tick.Format(time.RFC3339), "done_until", done.In(calendar.Shanghai).Format(time.RFC3339))
			s.start(ctx, term, j, tick, true, runs)
		}
	}
}

// LatestTick is the latest scheduled time of sched after after and not after now, in
// Asia/Shanghai; zero when there is none.
func LatestTick(sched cron.Schedule, after, now time.Time) time.Time {
	after, now = after.In(calendar.Shanghai), now.In(calendar.Shanghai)
	var last time.Time
	for t := sched.Next(after); !t.IsZero() && !t.After(now); t = sched.Next(t) {
		last = t
	}
	return last
}

// start runs j as of tick in the background unless a run of j is still going.
func (s *Scheduler) start(ctx context.Context, term Term, j job, tick time.Time, catchUp bool, runs *sync.WaitGroup) {
	if !j.running.TryLock() {
		s.log.Warn("job overrun: previous run still going, this one skipped", "job", j.Name, "as_of", tick.Format(time.RFC3339))
		return
	}
	runs.Go(func() {
		defer j.running.Unlock()
		s.run(ctx, term, j, tick, catchUp)
	})
}

// run runs j as of tick, recording its start and its end.
func (s *Scheduler) run(ctx context.Context, term Term, j job, tick time.Time, catchUp bool) {
	tick = tick.In(calendar.Shanghai)
	rec := store.JobRun{Job: j.Name, Tick: tick, Outcome: store.JobStarted, Instance: s.Instance, Term: term.ID, CatchUp: catchUp, Started: time.Now()}
	s.log.Debug("job started", "job", j.Name, "as_of", tick.Format(time.RFC3339), "catch_up", catchUp)
	s.record(ctx, rec)
	err := j.Run(ctx, tick)
	rec.Finished, rec.Outcome = time.Now(), store.JobDone
	if err != nil {
		rec.Outcome, rec.Error = store.JobFailed, err.Error()
		if ctx.Err() != nil {
			s.log.Warn("job stopped: no longer leading or shutting down", "job", j.Name, "as_of", tick.Format(time.RFC3339), "err", err)
		} else {
			s.log.Error("job failed", "job", j.Name, "as_of", tick.Format(time.RFC3339), "err", err)
		}
	} else {
		s.log.Info("job done", "job", j.Name, "as_of", tick.Format(time.RFC3339), "took", rec.Finished.Sub(rec.Started).Round(time.Millisecond))
	}
	s.record(ctx, rec)
}

// record writes a row of job_runs, even when the term has just ended: a run that finished
// need not be caught up.
func (s *Scheduler) record(ctx context.Context, rec store.JobRun) {
	if s.Runs == nil {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := s.Runs.SaveJobRun(rctx, rec); err != nil {
		s.log.Error("recording a job run failed (a new leader may run this time again)", "job", rec.Job, "as_of", rec.Tick.Format(time.RFC3339), "outcome", rec.Outcome, "err", err)
	}
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
