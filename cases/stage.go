package cases

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/lifecycle"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

// DefaultHistory is how far back cases are loaded: every deadline of the regulations (60 + 30
// days, reviews 30 + 30 days) ends well inside 400 days.
const DefaultHistory = 400 * 24 * time.Hour

// Store is what the stage needs of the store; *store.Store implements it.
type Store interface {
	CaseHistories(ctx context.Context, from, asOf time.Time) ([]*store.CaseHistory, error)
	SaveCaseStates(ctx context.Context, states []store.CaseState, deadlines []store.CaseDeadline) error
	SaveMergeSuggestions(ctx context.Context, groups []store.MergeSuggestion) error
}

// Stage evaluates every case as of a time and saves the snapshot. It is safe for concurrent
// use: calls of Evaluate for the same time that overlap share one evaluation (the hourly cases
// job and the hourly overdue job of `ecowatch run` start together).
type Stage struct {
	Store    Store
	Regions  *region.Table
	Calendar *calendar.Calendar
	// History is how far back cases are loaded. Default DefaultHistory.
	History time.Duration
	Log     *slog.Logger

	inflight singleflight.Group
}

// Snapshot is every case received within the history window before AsOf, evaluated as of
// AsOf. States[i] is the state of Cases[i]. It is shared by the detectors of a cycle and must
// not be modified.
type Snapshot struct {
	AsOf   time.Time
	Cases  []*store.CaseHistory
	States []lifecycle.State
}

// Evaluate returns the snapshot itself when asked for its own time: a snapshot already
// evaluated is the case source (alerts.CaseSource) of a detector cycle as of the same time.
func (s *Snapshot) Evaluate(_ context.Context, asOf time.Time) (*Snapshot, error) {
	if !asOf.Equal(s.AsOf) {
		return nil, fmt.Errorf("cases: the snapshot as of %s was asked for %s", s.AsOf.Format(time.RFC3339), asOf.Format(time.RFC3339))
	}
	return s, nil
}

// Result is what one run of the stage saved.
type Result struct {
	AsOf                            time.Time
	Cases, Deadlines, Overdue       int
	MergeSuggestions, AlreadyMerged int
}

// Evaluate loads every case received within History before asOf and evaluates it as of asOf.
func (s *Stage) Evaluate(ctx context.Context, asOf time.Time) (*Snapshot, error) {
	key := strconv.FormatInt(asOf.UnixNano(), 10)
	v, err, _ := s.inflight.Do(key, func() (any, error) { return s.evaluate(ctx, asOf) })
	if err != nil {
		return nil, err
	}
	return v.(*Snapshot), nil
}

func (s *Stage) evaluate(ctx context.Context, asOf time.Time) (*Snapshot, error) {
	history := s.History
	if history <= 0 {
		history = DefaultHistory
	}
	started := time.Now()
	cs, err := s.Store.CaseHistories(ctx, asOf.Add(-history), asOf)
	if err != nil {
		return nil, fmt.Errorf("cases: loading the histories as of %s: %w", asOf.Format(time.RFC3339), err)
	}
	snap := &Snapshot{AsOf: asOf, Cases: cs, States: evaluateAll(s.Calendar, cs, asOf)}
	s.log().Debug("cases evaluated", "as_of", asOf.Format(time.RFC3339), "cases", len(cs), "took", time.Since(started).Round(time.Millisecond))
	return snap, nil
}

// Save writes a snapshot: case_states, case_deadlines and merge_suggestions as of its time.
func (s *Stage) Save(ctx context.Context, snap *Snapshot) (Result, error) {
	matters := matterIDs(snap.Cases, snap.States)
	rows, deadlines := caseRows(snap.Cases, snap.States, matters, snap.AsOf)
	res := Result{AsOf: snap.AsOf, Cases: len(rows), Deadlines: len(deadlines)}
	for _, d := range deadlines {
		if d.Status == string(lifecycle.Overdue) {
			res.Overdue++
		}
	}
	if err := s.Store.SaveCaseStates(ctx, rows, deadlines); err != nil {
		return res, fmt.Errorf("cases: saving the states as of %s: %w", snap.AsOf.Format(time.RFC3339), err)
	}
	groups := mergeSuggestions(s.Regions, snap.Cases, snap.States, matters, snap.AsOf)
	res.MergeSuggestions = len(groups)
	for _, g := range groups {
		if g.Merged {
			res.AlreadyMerged++
		}
	}
	if err := s.Store.SaveMergeSuggestions(ctx, groups); err != nil {
		return res, fmt.Errorf("cases: saving the merge suggestions as of %s: %w", snap.AsOf.Format(time.RFC3339), err)
	}
	return res, nil
}

// Run evaluates every case as of asOf and saves the snapshot: the scheduled job and
// `ecowatch cases`.
func (s *Stage) Run(ctx context.Context, asOf time.Time) (Result, error) {
	snap, err := s.Evaluate(ctx, asOf)
	if err != nil {
		return Result{}, err
	}
	res, err := s.Save(ctx, snap)
	if err != nil {
		return res, err
	}
	s.log().Info("case states saved", "as_of", asOf.Format(time.RFC3339), "cases", res.Cases, "deadlines", res.Deadlines,
		"overdue", res.Overdue, "merge_suggestions", res.MergeSuggestions)
	return res, nil
}

func (s *Stage) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
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
