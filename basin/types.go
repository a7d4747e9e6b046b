package basin

import "time"

// Basin is a river basin and the bureau that supervises it.
type Basin struct {
	ID     string // stable identifier, e.g. "changjiang"
	Name   string // e.g. "长江流域"
	River  string // main river or water body, e.g. "长江"
	Bureau string // full official name of the supervision bureau (监督管理局)
}

// Unit is one jurisdiction on one river: a line of units.tsv.
type Unit struct {
	Code       string  // GB/T 2260 code (prefecture level in the embedded sample)
	Basin      string  // basin id
	River      string  // river or lake, e.g. "长江", "汉江", "太湖"
	Downstream string  // code of the next unit downstream; "" at the end of the river
	DistanceKm float64 // approximate river distance to Downstream; 0 when there is none
	// DrinkingWater names the drinking-water sources known on the unit's reach of the river;
	// "" when the data records none (which does not mean there is none).
	DrinkingWater string
}

// FlowClass is a class of river and the range of speeds at which water travels down it
// (classes.tsv).
type FlowClass struct {
	Name                     string
	MinKmPerDay, MaxKmPerDay float64
	Description              string
}

// Reach is a unit downstream of a starting point: the river distance to it and the time water
// takes to get there, at the fast end (Earliest) and the slow end (Latest) of the flow class
// of every reach on the way.
type Reach struct {
	Unit
	CumulativeKm     float64
	Earliest, Latest time.Duration
}

// travel is the time water takes over km at kmPerDay.
func travel(km, kmPerDay float64) time.Duration {
	return time.Duration(km / kmPerDay * 24 * float64(time.Hour))
}
