package basin

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
}

// Reach is a unit downstream of a starting point and the approximate river distance to it.
type Reach struct {
	Unit
	CumulativeKm float64
}
