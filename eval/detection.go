package eval

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/ecowatch/ecowatch/alerts/cluster"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/simulate"
)

// DetectionOptions describe a detection evaluation: the simulator's stream of Scope (the
// nation or a province) with seed Seed, Warmup days of history before From, the cluster
// detector run every hour from From to To.
type DetectionOptions struct {
	Scope    region.Scope
	From, To time.Time
	Seed     int64
	Warmup   int
}

// Detection runs the simulator with its injected clusters, runs the cluster detector every
// hour of the period on the data known at that hour, and writes how many injected clusters it
// found within 24 and 72 hours, the median delay and the false warnings per 1,000 area-weeks,
// next to fixed-threshold baselines (`ecowatch eval detection`).
func Detection(ctx context.Context, w io.Writer, regions *region.Table, cal *calendar.Calendar, opt DetectionOptions) error {
	areas := len(regions.Leaves(opt.Scope.Code))
	if areas == 0 {
		return fmt.Errorf("eval: scope %v has no counties", opt.Scope)
	}
	start := time.Now()
	st, err := NewSimulatedStream(simulate.Config{From: opt.From.AddDate(0, 0, -opt.Warmup), To: opt.To, Scope: opt.Scope, Seed: opt.Seed})
	if err != nil {
		return err
	}
	det, err := cluster.NewDetector(cluster.Config{}, regions, cal)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "simulated %d reports in %s (scope %v, seed %d); evaluating %s to %s hourly over %d areas\n",
		st.Reports(), time.Since(start).Round(time.Second), opt.Scope, opt.Seed, opt.From.Format("2006-01-02"), opt.To.Format("2006-01-02"), areas)
	sources := []struct {
		name string
		src  Source
	}{
		{"cluster detector", det},
		{"fixed ≥10 in 24 h", FixedThreshold{Count: 10, Window: 24 * time.Hour}},
		{"fixed ≥5 in 24 h", FixedThreshold{Count: 5, Window: 24 * time.Hour}},
	}
	fmt.Fprintf(w, "%-20s %8s %10s %10s %12s %14s\n", "detector", "clusters", "24 h", "72 h", "median delay", "false/1000 aw")
	for _, s := range sources {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		res := Evaluate(s.src, st.Rewind().Events(), EvalOptions{From: opt.From, To: opt.To, Areas: areas, Series: st.At})
		pct := func(n int) string {
			if res.Events == 0 {
				return "-"
			}
			return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(res.Events))
		}
		if _, err := fmt.Fprintf(w, "%-20s %8d %10s %10s %12s %14.2f\n", s.name, res.Events, pct(res.Detected24), pct(res.Detected72),
			res.MedianDelay.Round(time.Minute), res.FalsePer1000); err != nil {
			return err
		}
	}
	return nil
}
