package eval

import (
	"context"
	"sort"
	"time"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/store"
)

// Preloaded holds every report point of a period in memory and serves slices of it, for
// backtests that run thousands of cycles over the same data. Merges are applied as of the end
// of the period (a report merged later is left out from the start), the one way it differs
// from asking the store at each step.
type Preloaded struct {
	points []store.ReportPoint // in time order
}

// Preload loads the points of [from, to) with their text.
func Preload(ctx context.Context, src alerts.PointSource, from, to time.Time) (*Preloaded, error) {
	ps, err := src.ReportPoints(ctx, from, to, to, true)
	if err != nil {
		return nil, err
	}
	return &Preloaded{points: ps}, nil
}

// ReportPoints implements alerts.PointSource.
func (p *Preloaded) ReportPoints(_ context.Context, from, to, _ time.Time, _ bool) ([]store.ReportPoint, error) {
	i := sort.Search(len(p.points), func(i int) bool { return !p.points[i].ReceivedAt.Before(from) })
	j := sort.Search(len(p.points), func(i int) bool { return !p.points[i].ReceivedAt.Before(to) })
	return p.points[i:j], nil
}
