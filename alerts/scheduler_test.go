package alerts

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"
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
	s, err := NewScheduler(slog.New(slog.NewTextHandler(&logs, nil)), []Job{job})
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
	_, err := NewScheduler(slog.New(slog.NewTextHandler(io.Discard, nil)), []Job{{Name: "cluster", Schedule: "every five minutes"}})
	if err == nil || !strings.Contains(err.Error(), "cluster") || !strings.Contains(err.Error(), "every five minutes") {
		t.Fatalf("error %v", err)
	}
}
