package eval

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ecowatch/ecowatch/alerts"
)

// BacktestStore is what a backtest needs of the store: the runner's tables and the report
// points to preload. *store.Store implements it.
type BacktestStore interface {
	alerts.RunnerStore
	alerts.PointSource
}

// Backtest replays a period as the schedule would have run it: one cycle of the detectors at
// From, From+Step, … up to To, each as of its time, through the alerts Runner (warnings and
// notices carry the simulated time). The report points of the whole period are read once
// (Preload) and the runner is the sole writer of the detectors' warnings (kept in memory
// between cycles). The case states are not saved: that is the case-state stage (`ecowatch
// cases`).
type Backtest struct {
	Store     BacktestStore
	Notices   alerts.NoticeWriter
	Cases     alerts.CaseSource
	Detectors []alerts.Detector
	From, To  time.Time
	Step      time.Duration
	Log       *slog.Logger
}

// Totals are the warning changes of one detector over a backtest.
type Totals struct {
	Detector                string
	Opened, Updated, Closed int
}

// BacktestResult is what a backtest did.
type BacktestResult struct {
	Cycles int
	// Totals per detector, in the order of Backtest.Detectors.
	Totals  []Totals
	Notices int
	// NoticesByKind counts the notices by the kind of their warning (deliver.KindDigest for
	// the daily 续报).
	NoticesByKind map[string]int
}

// Run replays the period.
func (b *Backtest) Run(ctx context.Context) (BacktestResult, error) {
	if b.Step < time.Minute {
		return BacktestResult{}, fmt.Errorf("eval: backtest step %s is shorter than a minute", b.Step)
	}
	var lookback time.Duration
	for _, d := range b.Detectors {
		if pr, ok := d.(alerts.PointReader); ok {
			lookback = max(lookback, pr.Lookback())
		}
	}
	runner := &alerts.Runner{Store: b.Store, Notices: b.Notices, Cases: b.Cases, SoleWriter: true, Log: b.Log}
	if lookback > 0 {
		points, err := Preload(ctx, b.Store, b.From.Add(-lookback), b.To.Add(time.Second))
		if err != nil {
			return BacktestResult{}, err
		}
		runner.Points = points
	}
	res := BacktestResult{Totals: make([]Totals, len(b.Detectors)), NoticesByKind: map[string]int{}}
	index := map[string]int{}
	for i, d := range b.Detectors {
		res.Totals[i].Detector = d.Name()
		index[d.Name()] = i
	}
	for t := b.From; !t.After(b.To); t = t.Add(b.Step) {
		results, err := runner.Run(ctx, t, b.Detectors)
		if err != nil {
			return res, err
		}
		for _, r := range results {
			tt := &res.Totals[index[r.Detector]]
			tt.Opened += len(r.Changes.Opened)
			tt.Updated += len(r.Changes.Updated)
			tt.Closed += len(r.Changes.Closed)
			res.Notices += len(r.Notices)
			for _, n := range r.Notices {
				res.NoticesByKind[n.Kind]++
			}
		}
		res.Cycles++
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
	}
	return res, nil
}
