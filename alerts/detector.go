package alerts

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/ecowatch/ecowatch/cases"
	"github.com/ecowatch/ecowatch/store"
)

// Detector finds situations as of a time. It owns the warning kinds it names: reconciliation
// opens, updates and closes the warnings of those kinds, and of no other, from its findings.
// Detect is stateless between cycles (what was warned before is reconciliation's business).
type Detector interface {
	// Name is the detector's name in detector_runs, in --detectors lists and in its schedule
	// setting (alerts.schedule.<name>).
	Name() string
	// Kinds are the warning kinds (contract.Warning*) the detector owns.
	Kinds() []string
	// Detect returns one finding per situation found as of asOf.
	Detect(ctx context.Context, in *Input, asOf time.Time) ([]Finding, error)
}

// Holder is a Detector whose warnings stay open for a while after their situation was last
// found, so that a signal flickering between runs does not close and reopen a warning.
type Holder interface {
	// Keep says whether an open warning not found as of asOf stays open as it is.
	Keep(w store.WarningRow, asOf time.Time) bool
}

// PointReader is a Detector that reads report points, and how far back before the run it
// reads them (a backtest preloads that much before its first cycle).
type PointReader interface {
	Lookback() time.Duration
}

// PointSource gives the report points of a period; *store.Store implements it (and so does a
// backtest's preloaded copy).
type PointSource interface {
	ReportPoints(ctx context.Context, from, to, asOf time.Time, withText bool) ([]store.ReportPoint, error)
}

// CaseSource evaluates every case as of a time; *cases.Stage implements it.
type CaseSource interface {
	Evaluate(ctx context.Context, asOf time.Time) (*cases.Snapshot, error)
}

// Input is what the detectors of one cycle read. The cases are evaluated at most once per
// cycle — on first use, then shared — so a cycle of the overdue and supervision detectors
// evaluates a national history once.
type Input struct {
	asOf     time.Time
	points   PointSource
	cases    CaseSource
	warnings WarningStore

	once sync.Once
	snap *cases.Snapshot
	err  error
}

// NewInput is the input of a cycle as of asOf over the given sources.
func NewInput(asOf time.Time, points PointSource, cs CaseSource) *Input {
	return &Input{asOf: asOf, points: points, cases: cs}
}

// WithWarnings lets the detectors of the cycle read the warnings open before it (OpenWarnings)
// from ws; the runner sets it. It returns in.
func (in *Input) WithWarnings(ws WarningStore) *Input {
	in.warnings = ws
	return in
}

// OpenWarnings returns the warnings of kind open before the cycle (not closed), so that a
// detector can go on with the situation of an open warning instead of opening another one for
// the same event (a watershed incident moving down the river). None when the input has no
// warnings source.
func (in *Input) OpenWarnings(ctx context.Context, kind string) ([]store.WarningRow, error) {
	if in.warnings == nil {
		return nil, nil
	}
	rows, err := in.warnings.CurrentWarnings(ctx, kind, false)
	if err != nil {
		return nil, err
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].WarningID < rows[j].WarningID })
	return rows, nil
}

// Cases returns every case evaluated as of the cycle's time.
func (in *Input) Cases(ctx context.Context) (*cases.Snapshot, error) {
	in.once.Do(func() {
		if in.cases == nil {
			in.err = errNoSource("cases")
			return
		}
		in.snap, in.err = in.cases.Evaluate(ctx, in.asOf)
	})
	return in.snap, in.err
}

// Points returns the reports received in [from, to), latest versions, in time order, without
// the reports merged into another case by the cycle's time; withText loads their redacted text.
func (in *Input) Points(ctx context.Context, from, to time.Time, withText bool) ([]store.ReportPoint, error) {
	if in.points == nil {
		return nil, errNoSource("report points")
	}
	return in.points.ReportPoints(ctx, from, to, in.asOf, withText)
}

type errNoSource string

func (e errNoSource) Error() string { return "alerts: the runner was given no source of " + string(e) }
