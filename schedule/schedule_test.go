package schedule

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/store"
)

func TestSchedulerRunsOneAtATimeAndStops(t *testing.T) {
	var runs, concurrent, maxConcurrent atomic.Int32
	job := Job{Name: "slow", Schedule: "* * * * * *", Run: func(ctx context.Context, asOf time.Time) error {
		runs.Add(1)
		n := concurrent.Add(1)
		if n > maxConcurrent.Load() {
			maxConcurrent.Store(n)
		}
		time.Sleep(1500 * time.Millisecond) // overruns the next second's run
		concurrent.Add(-1)
		return nil
	}}
	var logs strings.Builder
	s, err := New(slog.New(slog.NewTextHandler(&logs, nil)), []Job{job})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4500*time.Millisecond)
	defer cancel()
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if concurrent.Load() != 0 {
		t.Fatal("Run returned with a job still running")
	}
	if maxConcurrent.Load() != 1 || runs.Load() < 2 {
		t.Fatalf("runs %d, max concurrent %d: want ≥ 2 runs, one at a time", runs.Load(), maxConcurrent.Load())
	}
	if !strings.Contains(logs.String(), "overrun") {
		t.Fatal("an overrun was not logged")
	}
}

func TestSchedulerRejectsBadSchedule(t *testing.T) {
	_, err := New(slog.New(slog.NewTextHandler(io.Discard, nil)), []Job{{Name: "cluster", Schedule: "every five minutes"}})
	if err == nil || !strings.Contains(err.Error(), "alerts.schedule.cluster") || !strings.Contains(err.Error(), "every five minutes") {
		t.Fatalf("error %v", err)
	}
	_, err = New(slog.New(slog.NewTextHandler(io.Discard, nil)), []Job{{Name: "cases"}})
	if err == nil || !strings.Contains(err.Error(), "alerts.schedule.cases") {
		t.Fatalf("a job without a schedule: error %v; want one naming its setting", err)
	}
}

type nopStore struct{}

func (nopStore) CurrentWarnings(context.Context, string, bool) ([]store.WarningRow, error) {
	return nil, nil
}
func (nopStore) SaveWarnings(context.Context, []store.WarningRow) error   { return nil }
func (nopStore) SaveDetectorRun(context.Context, store.DetectorRun) error { return nil }
func (nopStore) FlushIfNeeded(context.Context, []string, alerts.Changes, time.Time) ([]store.NoticeRecord, error) {
	return nil, nil
}

type countingDetector struct {
	name string
	runs []time.Time
}

func (d *countingDetector) Name() string    { return d.name }
func (d *countingDetector) Kinds() []string { return []string{contract.WarningCluster} }
func (d *countingDetector) Detect(_ context.Context, _ *alerts.Input, asOf time.Time) ([]alerts.Finding, error) {
	d.runs = append(d.runs, asOf)
	return nil, nil
}

func TestDetectorJobsRunOneDetectorEachOnItsSchedule(t *testing.T) {
	a, b := &countingDetector{name: "a"}, &countingDetector{name: "b"}
	r := &alerts.Runner{Store: nopStore{}, Notices: nopStore{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	jobs := Detectors(r, []alerts.Detector{a, b}, map[string]string{"a": "* * * * *", "b": "0 * * * *"})
	if len(jobs) != 2 || jobs[0].Name != "a" || jobs[0].Schedule != "* * * * *" || jobs[1].Schedule != "0 * * * *" {
		t.Fatalf("jobs %+v", jobs)
	}
	at := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	if err := jobs[1].Run(context.Background(), at); err != nil {
		t.Fatal(err)
	}
	if len(a.runs) != 0 || len(b.runs) != 1 || !b.runs[0].Equal(at) {
		t.Fatalf("job b ran a %v and b %v", a.runs, b.runs)
	}
	if _, err := New(slog.New(slog.NewTextHandler(io.Discard, nil)), Detectors(r, []alerts.Detector{a}, nil)); err == nil || !strings.Contains(err.Error(), "alerts.schedule.a") {
		t.Fatalf("a detector without a schedule: %v", err)
	}
}

// runLog is a RunLog in memory.
type runLog struct {
	mu     sync.Mutex
	last   map[string]time.Time
	starts int
	runs   []store.JobRun
	ran    chan store.JobRun
}

// SaveJobRun keeps the ends of runs (their starts are only counted).
func (l *runLog) SaveJobRun(_ context.Context, r store.JobRun) error {
	l.mu.Lock()
	if r.Outcome == store.JobStarted {
		l.starts++
		l.mu.Unlock()
		return nil
	}
	l.runs = append(l.runs, r)
	l.mu.Unlock()
	if l.ran != nil {
		l.ran <- r
	}
	return nil
}

func (l *runLog) JobsDoneUntil(context.Context) (map[string]time.Time, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.last), nil
}

func TestLatestTick(t *testing.T) {
	hourly, _ := parser.Parse("0 * * * *")
	daily, _ := parser.Parse("15 2 * * *")
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05", s, calendar.Shanghai)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		sched       cron.Schedule
		after, now  string
		want        string // "" none
		explanation string
	}{
		{hourly, "2026-07-01 08:00:00", "2026-07-01 10:59:59", "2026-07-01 10:00:00", "three hours missed: only the latest"},
		{hourly, "2026-07-01 10:00:00", "2026-07-01 10:59:59", "", "the last run is the latest tick"},
		{hourly, "2026-07-01 09:00:00", "2026-07-01 10:00:00", "2026-07-01 10:00:00", "a tick at now counts"},
		{daily, "2026-06-30 02:15:00", "2026-07-01 02:14:00", "", "not yet due today"},
		{daily, "2026-06-30 02:15:00", "2026-07-01 09:00:00", "2026-07-01 02:15:00", "today's, in Shanghai"},
	} {
		got := LatestTick(c.sched, at(c.after).UTC(), at(c.now).UTC())
		want := time.Time{}
		if c.want != "" {
			want = at(c.want)
		}
		if !got.Equal(want) || (!got.IsZero() && got.Location() != calendar.Shanghai) {
			t.Errorf("%s: LatestTick(%s, %s) = %v, want %v", c.explanation, c.after, c.now, got, want)
		}
	}
}

// A new term first runs, as of that time, the latest tick each job missed since its last
// recorded run; a job that never ran, or ran at its latest tick, is not run; every run is
// recorded with the instance, the term and whether it was a catch-up.
func TestTermStartsWithTheCatchUpOfMissedTicks(t *testing.T) {
	now := time.Now().In(calendar.Shanghai)
	yearly, _ := parser.Parse("0 0 1 1 *")
	lastNewYear := LatestTick(yearly, now.AddDate(-1, 0, -1), now)
	log := &runLog{ran: make(chan store.JobRun, 10), last: map[string]time.Time{
		"missed":  lastNewYear.AddDate(-1, 0, 0), // ran a year before the latest new year
		"current": lastNewYear,                   // ran at its latest tick
	}}
	var mu sync.Mutex
	asOf := map[string][]time.Time{}
	job := func(name string) Job {
		return Job{Name: name, Schedule: "0 0 1 1 *", Run: func(_ context.Context, at time.Time) error {
			mu.Lock()
			asOf[name] = append(asOf[name], at)
			mu.Unlock()
			return nil
		}}
	}
	s, err := New(slog.New(slog.NewTextHandler(io.Discard, nil)), []Job{job("missed"), job("current"), job("never")})
	if err != nil {
		t.Fatal(err)
	}
	s.Runs, s.Instance = log, "host-1"
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var r store.JobRun
	select {
	case r = <-log.ran:
	case <-time.After(30 * time.Second):
		t.Fatal("no catch-up run")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if r.Job != "missed" || !r.Tick.Equal(lastNewYear) || !r.CatchUp || r.Instance != "host-1" || r.Outcome != store.JobDone || log.starts != 1 {
		t.Fatalf("catch-up run %+v; want job missed as of %v, a catch-up by host-1", r, lastNewYear)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(asOf) != 1 || len(asOf["missed"]) != 1 || !asOf["missed"][0].Equal(lastNewYear) {
		t.Fatalf("jobs ran %v; want only missed, once, as of %v", asOf, lastNewYear)
	}
}

// leadership hands out terms when told to and records when they are released.
type leadership struct {
	terms    chan Term
	released chan int
}

func (l *leadership) Lead(ctx context.Context) (Term, error) {
	select {
	case t := <-l.terms:
		id := t.ID
		t.Release = func() { l.released <- id }
		return t, nil
	case <-ctx.Done():
		return Term{}, ctx.Err()
	}
}

// Jobs run only during a term: when the term is lost the running job is cancelled and nothing
// runs until the next term, which starts by catching up the tick the lost term left unrecorded.
func TestJobsRunOnlyWhileLeading(t *testing.T) {
	lead := &leadership{terms: make(chan Term), released: make(chan int, 2)}
	log := &runLog{ran: make(chan store.JobRun, 100), last: map[string]time.Time{}}
	started := make(chan time.Time, 100)
	var running atomic.Int32
	slow := Job{Name: "slow", Schedule: "* * * * * *", Run: func(ctx context.Context, at time.Time) error {
		running.Add(1)
		defer running.Add(-1)
		started <- at
		<-ctx.Done() // runs until the term ends
		return ctx.Err()
	}}
	s, err := New(slog.New(slog.NewTextHandler(io.Discard, nil)), []Job{slow})
	if err != nil {
		t.Fatal(err)
	}
	s.Leadership, s.Runs, s.Instance = lead, log, "host-1"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	select {
	case <-started:
		t.Fatal("a job ran before the instance led")
	case <-time.After(2 * time.Second):
	}
	lost1 := make(chan struct{})
	lead.terms <- Term{ID: 7, Lost: lost1}
	var first time.Time
	select {
	case first = <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("no job ran in the first term")
	}
	close(lost1)
	select {
	case id := <-lead.released:
		if id != 7 {
			t.Fatalf("released term %d, want 7", id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the lost term was not released")
	}
	if n := running.Load(); n != 0 {
		t.Fatalf("%d runs still going after the term was lost", n)
	}
	r := <-log.ran
	if r.Term != 7 || r.Outcome != store.JobFailed || r.Error == "" || !r.Tick.Equal(first) {
		t.Fatalf("the interrupted run was recorded as %+v; want term 7, with its error, as of %v", r, first)
	}
	select {
	case at := <-started:
		t.Fatalf("a job ran as of %v between terms", at)
	case <-time.After(2 * time.Second):
	}
	// The interrupted run is no successful run: with the last success before it, the next
	// term catches up the latest tick.
	log.mu.Lock()
	log.last["slow"] = first.Add(-time.Second)
	log.mu.Unlock()
	lead.terms <- Term{ID: 9, Lost: make(chan struct{})}
	select {
	case at := <-started:
		if !at.After(first) || at.After(time.Now()) {
			t.Fatalf("the second term's catch-up ran as of %v; want the latest tick after %v", at, first)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no job ran in the second term")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for len(log.ran) > 0 {
		if r := <-log.ran; r.Term != 9 {
			t.Fatalf("a run of term %d after the second term began: %+v", r.Term, r)
		}
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	catchUps := 0
	for _, r := range log.runs {
		if r.CatchUp {
			catchUps++
			if r.Term != 9 {
				t.Errorf("catch-up in term %d", r.Term)
			}
		}
	}
	if catchUps != 1 {
		t.Errorf("%d catch-up runs, want 1 (the second term's)", catchUps)
	}
}

// failingOnce fails its first campaign (ZooKeeper away), then leads.
type failingOnce struct{ calls atomic.Int32 }

func (f *failingOnce) Lead(ctx context.Context) (Term, error) {
	if f.calls.Add(1) == 1 {
		return Term{}, errors.New("zk: could not connect to a server")
	}
	return Term{ID: 2}, nil
}

// The coordination service away does not stop the scheduler (nor, with it, `ecowatch run`
// and its ingest): it tries again and leads once it can.
func TestSchedulerCampaignsAgainAfterAnError(t *testing.T) {
	ran := make(chan struct{}, 10)
	s, err := New(slog.New(slog.NewTextHandler(io.Discard, nil)), []Job{{Name: "a", Schedule: "* * * * * *", Run: func(context.Context, time.Time) error {
		ran <- struct{}{}
		return nil
	}}})
	if err != nil {
		t.Fatal(err)
	}
	lead := &failingOnce{}
	s.Leadership = lead
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	select {
	case <-ran:
	case err := <-done:
		t.Fatalf("the scheduler stopped: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("no job ran after the failed campaign")
	}
	cancel()
	if err := <-done; err != nil || lead.calls.Load() != 2 {
		t.Fatalf("Run returned %v after %d campaigns; want nil after 2", err, lead.calls.Load())
	}
}
