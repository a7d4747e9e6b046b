package cluster

import (
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/simulate"
)

// simulateStream runs the simulator and builds the series of distinct reporters.
func simulateStream(t testing.TB, cfg simulate.Config) *SimulatedStream {
	t.Helper()
	st, err := NewSimulatedStream(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func day(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, calendar.Shanghai)
}
