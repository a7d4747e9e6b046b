package schedule

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/alerts"
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
