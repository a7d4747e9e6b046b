package store

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Outcomes of a job run in job_runs.
const (
	JobStarted = "started"
	JobDone    = "done"
	JobFailed  = "failed"
)

// JobRun is one row of job_runs: a run of a scheduled job of `ecowatch run` starting or ending.
type JobRun struct {
	Job      string
	Tick     time.Time // the scheduled time the run is for (its as-of time)
	Outcome  string    // JobStarted, JobDone or JobFailed
	Instance string    // which `ecowatch run` ran it
	Term     int       // the instance's term of leadership (0 alone)
	CatchUp  bool      // run at the start of a term for a tick no instance finished
	Started  time.Time
	Finished time.Time // zero while started
	Error    string
}

// SaveJobRun records a run of a scheduled job starting or ending.
func (s *Store) SaveJobRun(ctx context.Context, r JobRun) error {
	var catchUp uint8
	if r.CatchUp {
		catchUp = 1
	}
	return s.insert(ctx, "job runs", "INSERT INTO job_runs (job, tick, outcome, instance, term, catch_up, started_at, finished_at, error)",
		func(batch driver.Batch) error {
			return batch.Append(r.Job, r.Tick, r.Outcome, r.Instance, uint64(r.Term), catchUp, r.Started, orEpoch(r.Finished), r.Error)
		})
}

// JobsDoneUntil returns, for every job that has run, the time after which a scheduled time of
// it counts as missed: the latest tick a run of it finished without error, or — for a job none
// of whose runs finished — just before the first tick a run started for.
func (s *Store) JobsDoneUntil(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.conn.Query(ctx, `SELECT job, countIf(outcome = 'done'), maxIf(tick, outcome = 'done'), minIf(tick, outcome = 'started')
		FROM job_runs GROUP BY job`)
	if err != nil {
		return nil, fmt.Errorf("store: reading job_runs: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var job string
		var done uint64
		var lastDone, firstStarted time.Time
		if err := rows.Scan(&job, &done, &lastDone, &firstStarted); err != nil {
			return nil, fmt.Errorf("store: reading job_runs: %w", err)
		}
		if done > 0 {
			out[job] = lastDone
		} else {
			out[job] = firstStarted.Add(-time.Second)
		}
	}
	return out, rows.Err()
}
