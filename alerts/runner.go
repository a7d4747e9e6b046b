package alerts

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ecowatch/ecowatch/store"
)

// RunResult is what one detector did in a cycle.
type RunResult struct {
	Detector string
	Found    int
	Changes  Changes
	Notices  []store.NoticeRecord
}

// RunnerStore is what the runner needs of the store: the warnings it reconciles and the
// record of each run (detector_runs). *store.Store implements it.
type RunnerStore interface {
	WarningStore
	SaveDetectorRun(ctx context.Context, r store.DetectorRun) error
}

// NoticeWriter writes the notices that a run's warning changes call for, and those that an
// earlier failed run left behind; *deliver.Notices implements it.
type NoticeWriter interface {
	FlushIfNeeded(ctx context.Context, kinds []string, ch Changes, at time.Time) ([]store.NoticeRecord, error)
}

// Runner runs cycles of detectors: for each detector, in the order given, detect → reconcile
// its warnings → write the notices → record the run in detector_runs. It is the one loop used
// by `ecowatch alerts run`, the backtest and the scheduled jobs of `ecowatch run`.
type Runner struct {
	Store   RunnerStore
	Notices NoticeWriter
	// Points and Cases are what detectors read (see Input). Points is usually the store; a
	// backtest gives a preloaded copy. Cases is usually the case-state stage (*cases.Stage).
	Points PointSource
	Cases  CaseSource
	// SoleWriter, for a backtest, keeps the current warnings in memory between cycles instead
	// of reading them at every cycle. Only for a process that alone writes these kinds.
	SoleWriter bool
	Log        *slog.Logger

	once     sync.Once
	warnings WarningStore
}

// Run runs one cycle of the detectors as of asOf. The detectors share one Input, so the cases
// are evaluated once however many detectors read them. The first failing detector stops the
// cycle; the results of those before it are returned with the error.
func (r *Runner) Run(ctx context.Context, asOf time.Time, detectors []Detector) ([]RunResult, error) {
	r.once.Do(func() {
		r.warnings = r.Store
		if r.SoleWriter {
			r.warnings = &cachedWarnings{WarningStore: r.Store}
		}
		if r.Log == nil {
			r.Log = slog.Default()
		}
	})
	in := NewInput(asOf, r.Points, r.Cases).WithWarnings(r.warnings)
	var results []RunResult
	for _, d := range detectors {
		res, err := r.runOne(ctx, d, in, asOf)
		if err != nil {
			return results, err
		}
		results = append(results, res)
	}
	return results, nil
}

func (r *Runner) runOne(ctx context.Context, d Detector, in *Input, asOf time.Time) (RunResult, error) {
	rec := store.DetectorRun{Detector: d.Name(), AsOf: asOf, Started: time.Now()}
	res := RunResult{Detector: d.Name()}
	err := func() error {
		findings, err := d.Detect(ctx, in, asOf)
		if err != nil {
			return err
		}
		res.Found = len(findings)
		var keep func(store.WarningRow) bool
		if h, ok := d.(Holder); ok {
			keep = func(w store.WarningRow) bool { return h.Keep(w, asOf) }
		}
		if res.Changes, err = Reconcile(ctx, r.warnings, d.Kinds(), findings, asOf, keep); err != nil {
			return err
		}
		res.Notices, err = r.Notices.FlushIfNeeded(ctx, d.Kinds(), res.Changes, asOf)
		return err
	}()
	rec.Finished, rec.Found = time.Now(), res.Found
	rec.Opened, rec.Updated, rec.Closed = len(res.Changes.Opened), len(res.Changes.Updated), len(res.Changes.Closed)
	if err != nil {
		rec.Error = err.Error()
	}
	if serr := r.Store.SaveDetectorRun(ctx, rec); serr != nil && err == nil {
		err = serr
	}
	if err != nil {
		return res, fmt.Errorf("alerts: %s detector as of %s: %w", d.Name(), asOf.Format(time.RFC3339), err)
	}
	r.Log.Debug("detector run", "detector", d.Name(), "as_of", asOf.Format(time.RFC3339), "found", res.Found,
		"opened", rec.Opened, "updated", rec.Updated, "closed", rec.Closed, "notices", len(res.Notices))
	return res, nil
}
