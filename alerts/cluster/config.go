package cluster

import (
	"fmt"
	"time"
)

// Config holds the detector's parameters. The zero value of each field means its documented
// default.
type Config struct {
	// HistoryWeeks is the length of the history the expected counts are estimated from: whole
	// days ending before the guard (the longest window), so that the window under test never
	// feeds its own expectation. Default 8.
	HistoryWeeks int
	// Windows are the lengths of the time windows searched, all ending at `now`; each must be
	// a whole number of hours. Default 6 h, 12 h, 24 h, 48 h, 72 h.
	Windows []time.Duration
	// FalseWarningRate is the designed rate of false warnings per 1,000 area-weeks. The
	// detector turns it into Alpha for each run: Alpha = FalseWarningRate/1000 × areas / 168,
	// the probability, summed over all tests of the run, that one hour of data on a quiet
	// stream makes a test cross its threshold. Default 0.5 (the aim is below 1).
	FalseWarningRate float64
	// Alpha, when positive, overrides the level derived from FalseWarningRate: the
	// family-wise probability of a false onset per hour of data over all (zone × window ×
	// category) tests of one run.
	Alpha float64
	// NeighbourRadiusKm is the radius of the multi-county zones: an area's neighbours are the
	// areas whose points lie within this distance (region.Neighbours, which falls back to the
	// siblings of a county without coordinates). Default 30.
	NeighbourRadiusKm float64
	// MaxNeighbours is the largest number of neighbours in a zone: the zones of an area are
	// the area with its 1, 2, … MaxNeighbours nearest neighbours within the radius (the
	// circles of a space-time scan), so that a zone stays a compact place a bureau can act
	// on. Default 6; negative: every area alone, no multi-county zones.
	MaxNeighbours int
	// MinCount is the least number of distinct reporters in a window for a signal. Default 3.
	MinCount int
	// Paths are further zones: areas along the flow of a river, each read over the window
	// shifted back by the time water takes from it to the path's last area (see Path). They
	// are tested with the zones above, in the same family and under the same threshold.
	Paths []Path
	// OnlyPaths tests the paths alone: no area alone, no zone of neighbours (a family of its
	// own, with its own false-warning budget).
	OnlyPaths bool
}

// Path is a zone of areas along a river, upstream first; the last area is the front, where
// the water is now. Its count in a window of length W is the sum, over its stops, of the
// stop's distinct reporters in the W hours ending Lag before the run, and so is its
// expectation: a pollution carried downstream shows at each stop when the water passes, and
// a signal at an upstream stop raises what the path expects at the front. A stop whose area
// has no series counts zero.
type Path struct {
	Stops []Stop
}

// Stop is one area of a Path and how long before the front the water passed it (whole
// hours; the front's Lag is 0).
type Stop struct {
	Area string
	Lag  time.Duration
}

// Defaults of Config.
const (
	DefaultHistoryWeeks      = 8
	DefaultFalseWarningRate  = 0.5
	DefaultNeighbourRadiusKm = 30
	DefaultMaxNeighbours     = 6
	DefaultMinCount          = 3
)

// MaxLag is the longest lag of a path's stop.
const MaxLag = 14 * 24 * time.Hour

// DefaultWindows are the default window lengths.
var DefaultWindows = []time.Duration{6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 48 * time.Hour, 72 * time.Hour}

// resolve fills in the defaults and checks the values.
func (c Config) resolve() (Config, error) {
	if c.HistoryWeeks == 0 {
		c.HistoryWeeks = DefaultHistoryWeeks
	}
	if c.HistoryWeeks < 1 || c.HistoryWeeks > 104 {
		return c, fmt.Errorf("cluster: history of %d weeks, want 1–104", c.HistoryWeeks)
	}
	if len(c.Windows) == 0 {
		c.Windows = DefaultWindows
	}
	c.Windows = append([]time.Duration(nil), c.Windows...)
	for _, w := range c.Windows {
		if w < time.Hour || w%time.Hour != 0 || w > 14*24*time.Hour {
			return c, fmt.Errorf("cluster: window %s is not a whole number of hours between 1 h and 14 days", w)
		}
	}
	if c.FalseWarningRate == 0 {
		c.FalseWarningRate = DefaultFalseWarningRate
	}
	if c.FalseWarningRate < 0 || c.Alpha < 0 || c.Alpha >= 1 {
		return c, fmt.Errorf("cluster: false-warning rate %g and alpha %g must be positive (alpha below 1)", c.FalseWarningRate, c.Alpha)
	}
	if c.NeighbourRadiusKm == 0 {
		c.NeighbourRadiusKm = DefaultNeighbourRadiusKm
	}
	if c.NeighbourRadiusKm < 0 {
		return c, fmt.Errorf("cluster: neighbour radius %g km is negative", c.NeighbourRadiusKm)
	}
	if c.MaxNeighbours == 0 {
		c.MaxNeighbours = DefaultMaxNeighbours
	}
	if c.MinCount == 0 {
		c.MinCount = DefaultMinCount
	}
	if c.MinCount < 1 {
		return c, fmt.Errorf("cluster: min count %d, want at least 1", c.MinCount)
	}
	c.Paths = append([]Path(nil), c.Paths...)
	for i, p := range c.Paths {
		if len(p.Stops) < 2 {
			return c, fmt.Errorf("cluster: path %d has %d stops, want at least 2", i, len(p.Stops))
		}
		for _, s := range p.Stops {
			if s.Lag < 0 || s.Lag%time.Hour != 0 || s.Lag > MaxLag {
				return c, fmt.Errorf("cluster: path %d: lag %s of %s is not a whole number of hours between 0 and %s", i, s.Lag, s.Area, MaxLag)
			}
		}
	}
	return c, nil
}

// AlphaFor returns the family-wise level per hour of data that the configuration gives a run
// over `areas` areas: Alpha when set, else FalseWarningRate/1000 × areas / 168.
func (c Config) AlphaFor(areas int) float64 {
	if c.Alpha > 0 {
		return c.Alpha
	}
	rate := c.FalseWarningRate
	if rate == 0 {
		rate = DefaultFalseWarningRate
	}
	return rate / 1000 * float64(areas) / 168
}
