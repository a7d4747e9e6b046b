package alerts

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/lifecycle"
	"github.com/ecowatch/ecowatch/org"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

// Detector names, as recorded in detector_runs and used in schedules.
const (
	DetectorOverdue     = "overdue"
	DetectorSupervision = "supervision"
)

// CaseDetectors runs the two detectors that read case histories — overdue (催办) and
// supervision (督办) — as of a time, and writes their warnings and notices.
type CaseDetectors struct {
	Store       *store.Store
	Regions     *region.Table
	Calendar    *calendar.Calendar
	Notices     *Notices
	Overdue     OverdueConfig
	Supervision SupervisionConfig
	// Only, when not empty, limits a run to these detectors (DetectorOverdue,
	// DetectorSupervision), so that a schedule can run them at different rates.
	Only []string
	// SaveStates writes case_states, case_deadlines and merge_suggestions as of the run
	// (a backtest saves them at its last step only).
	SaveStates bool
	// History is how far back reports are loaded. Default 400 days: every deadline of the
	// regulations (60 + 30 days, reviews 30 + 30 days) ends well inside it.
	History time.Duration
	Log     *slog.Logger
}

// RunResult is what one detector did in a cycle.
type RunResult struct {
	Detector string
	Found    int
	Changes  Changes
	Notices  []store.NoticeRecord
}

// Run evaluates every case received within History before asOf and runs both detectors.
func (cd *CaseDetectors) Run(ctx context.Context, asOf time.Time) ([]RunResult, error) {
	history := cd.History
	if history <= 0 {
		history = 400 * 24 * time.Hour
	}
	log := cd.Log
	if log == nil {
		log = slog.Default()
	}
	started := time.Now()
	cases, err := cd.Store.CaseHistories(ctx, asOf.Add(-history), asOf)
	if err != nil {
		return nil, err
	}
	states := evaluateAll(cd.Calendar, cases, asOf)
	d := describer{orgs: org.New(cd.Regions), regions: cd.Regions, cal: cd.Calendar}
	if cd.SaveStates {
		matters := matterIDs(cases, states)
		rows, deadlines := caseRows(cases, states, matters, asOf)
		if err := cd.Store.SaveCaseStates(ctx, rows, deadlines); err != nil {
			return nil, err
		}
		if err := cd.Store.SaveMergeSuggestions(ctx, mergeSuggestions(d, cases, states, matters, asOf)); err != nil {
			return nil, err
		}
	}
	runs := []struct {
		name     string
		kinds    []string
		findings []Finding
	}{
		{DetectorOverdue, []string{contract.WarningOverdue}, overdueFindings(cd.Overdue, d, cd.Calendar, cases, states, asOf)},
		{DetectorSupervision, []string{contract.WarningRepeat, contract.WarningProcedure}, slices.Concat(
			repeatFindings(cd.Supervision, d, cases, asOf),
			resubmissionFindings(cd.Supervision, d, cases, asOf),
			procedureFindings(d, cd.Calendar, cases, states, asOf))},
	}
	var results []RunResult
	for _, r := range runs {
		if len(cd.Only) > 0 && !slices.Contains(cd.Only, r.name) {
			continue
		}
		res := RunResult{Detector: r.name, Found: len(r.findings)}
		rec := store.DetectorRun{Detector: r.name, AsOf: asOf, Started: started, Found: len(r.findings)}
		res.Changes, err = Reconcile(ctx, cd.Store, r.kinds, r.findings, asOf, nil)
		if err == nil {
			res.Notices, err = cd.Notices.FlushIfNeeded(ctx, r.kinds, res.Changes, asOf)
		}
		rec.Finished = time.Now()
		rec.Opened, rec.Updated, rec.Closed = len(res.Changes.Opened), len(res.Changes.Updated), len(res.Changes.Closed)
		if err != nil {
			rec.Error = err.Error()
		}
		if serr := cd.Store.SaveDetectorRun(ctx, rec); serr != nil && err == nil {
			err = serr
		}
		if err != nil {
			return results, fmt.Errorf("alerts: %s detector as of %s: %w", r.name, asOf.Format(time.RFC3339), err)
		}
		log.Info("detector run", "detector", r.name, "as_of", asOf.Format(time.RFC3339), "cases", len(cases),
			"found", res.Found, "opened", rec.Opened, "updated", rec.Updated, "closed", rec.Closed, "notices", len(res.Notices))
		results = append(results, res)
	}
	return results, nil
}

// evaluateAll evaluates every case as of asOf, on every core: a national history is about a
// million cases, and cases are independent.
func evaluateAll(cal *calendar.Calendar, cases []*store.CaseHistory, asOf time.Time) []lifecycle.State {
	states := make([]lifecycle.State, len(cases))
	workers := min(runtime.GOMAXPROCS(0), max(len(cases)/1000, 1))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(cases); i += workers {
				c := cases[i]
				states[i] = lifecycle.Evaluate(cal, lifecycle.Case{
					ReportID: c.ReportID, Kind: c.Kind, Channel: c.Channel, ReceivedAt: c.ReceivedAt,
					RegionCode: c.RegionCode, IntakeOrg: c.IntakeOrg,
				}, c.Events, asOf)
			}
		})
	}
	wg.Wait()
	return states
}
