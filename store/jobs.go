package store

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// JobRun is one run of a scheduled job of `ecowatch run` (a row of job_runs).
type JobRun struct {
	Job      string
	Tick     time.Time // the scheduled time the run was for (its as-of time)
	Instance string    // which `ecowatch run` ran it
	Term     int       // the instance's term of leadership (ZooKeeper's sequence; 0 alone)
	CatchUp  bool      // run at the start of a term for a tick no instance ran
	Started  time.Time
	Finished time.Time
	Error    string
}

// SaveJobRun records a run of a scheduled job.
func (s *Store) SaveJobRun(ctx context.Context, r JobRun) error {
	var catchUp uint8
	if r.CatchUp {
		catchUp = 1
	}
	return s.insert(ctx, "job runs", "INSERT INTO job_runs (job, tick, instance, term, catch_up, started_at, finished_at, error)",
		func(batch driver.Batch) error {
			return batch.Append(r.Job, r.Tick, r.Instance, uint64(r.Term), catchUp, r.Started, r.Finished, r.Error)
		})
}

// LastJobTicks returns, for every job that has run, the latest tick a run of it finished
// without error.
func (s *Store) LastJobTicks(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.conn.Query(ctx, "SELECT job, max(tick) FROM job_runs WHERE error = '' GROUP BY job")
	if err != nil {
		return nil, fmt.Errorf("store: reading job_runs: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var job string
		var tick time.Time
		if err := rows.Scan(&job, &tick); err != nil {
			return nil, fmt.Errorf("store: reading job_runs: %w", err)
		}
		out[job] = tick
	}
	return out, rows.Err()
}
