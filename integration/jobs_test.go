package integration

import (
	"context"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/internal/testenv"
	"github.com/ecowatch/ecowatch/store"
)

// job_runs tells a new leader where each job stands: the latest tick a run finished without
// error; for a job whose runs only started (its leader died in them) or failed, just before
// the first started one; nothing for a job that never ran.
func TestJobsDoneUntil(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	at := func(h int) time.Time { return time.Date(2026, 7, 1, h, 0, 0, 0, calendar.Shanghai) }
	for _, r := range []store.JobRun{
		{Job: "overdue", Tick: at(8), Outcome: store.JobStarted},
		{Job: "overdue", Tick: at(8), Outcome: store.JobDone},
		{Job: "overdue", Tick: at(9), Outcome: store.JobStarted},
		{Job: "overdue", Tick: at(9), Outcome: store.JobDone},
		{Job: "overdue", Tick: at(10), Outcome: store.JobStarted}, // died in it
		{Job: "cases", Tick: at(10), Outcome: store.JobStarted},
		{Job: "cases", Tick: at(10), Outcome: store.JobFailed, Error: "ClickHouse away"},
		{Job: "cases", Tick: at(11), Outcome: store.JobStarted},
	} {
		r.Instance, r.Started = "host-1", time.Now()
		if err := env.Store.SaveJobRun(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := env.Store.JobsDoneUntil(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got["overdue"].Equal(at(9)) || !got["cases"].Equal(at(10).Add(-time.Second)) {
		t.Fatalf("JobsDoneUntil = %v; want overdue done until 09:00, cases until just before 10:00", got)
	}
}
