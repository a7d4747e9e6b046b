package main

import (
	"io"
	"log/slog"
	"maps"
	"slices"
	"testing"

	"github.com/ecowatch/ecowatch/config"
)

// Every job of `ecowatch run` — one per registered detector, and the cases, outbox,
// disclosure and dashboards jobs — has its schedule setting, and every schedule setting names
// a job: a detector added to the registry without its alerts.schedule.<name> (or a setting
// left behind by a removed one) fails here, not at start-up in production.
func TestEveryJobHasAScheduleSettingAndEverySettingAJob(t *testing.T) {
	e := &env{log: slog.New(slog.NewTextHandler(io.Discard, nil)), stdout: io.Discard, stderr: io.Discard}
	jobs, closeJobs, err := e.jobs(nil, nil) // builds the jobs; nothing runs, nothing connects
	if err != nil {
		t.Fatal(err)
	}
	defer closeJobs()
	var names []string
	for _, j := range jobs {
		names = append(names, j.Name)
		if j.Schedule == "" {
			t.Errorf("job %s has no schedule (setting alerts.schedule.%s)", j.Name, j.Name)
		}
	}
	settings := slices.Sorted(maps.Keys(config.Default().Alerts.Schedules))
	slices.Sort(names)
	if !slices.Equal(names, settings) {
		t.Errorf("jobs %v, schedule settings %v: want one setting per job", names, settings)
	}
	for _, want := range []string{"overdue", "supervision", "emergency", "cluster", "watershed", "cases", "outbox", "disclosure", "dashboards"} {
		if !slices.Contains(names, want) {
			t.Errorf("no %s job", want)
		}
	}
}
