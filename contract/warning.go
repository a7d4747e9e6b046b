package contract

// Warning is one warnings.v1 message, produced by ecowatch each time a warning opens, changes
// or closes. WarningID is stable across updates. It never carries reporter identity.
type Warning struct {
	Schema      string      `json:"schema"`
	WarningID   string      `json:"warning_id"`
	Revision    uint32      `json:"revision"` // 1, 2, … per change; (warning_id, revision) is the idempotency key
	Kind        string      `json:"kind"`     // cluster, watershed, repeat, overdue, emergency, procedure
	Status      string      `json:"status"`   // open, updated, closed
	Level       int         `json:"level"`    // 1 most severe … 4
	Title       string      `json:"title"`
	RegionCodes []string    `json:"region_codes"`
	Basin       string      `json:"basin,omitempty"`
	Recipients  []Recipient `json:"recipients"`
	Window      Window      `json:"window"`
	Evidence    Evidence    `json:"evidence"`
	ReportIDs   []string    `json:"report_ids"`
	IssuedAt    Time        `json:"issued_at"`
}

// Normalized returns w with empty lists as [] rather than null, as the schema wants.
func (w Warning) Normalized() Warning {
	if w.RegionCodes == nil {
		w.RegionCodes = []string{}
	}
	if w.Recipients == nil {
		w.Recipients = []Recipient{}
	}
	if w.ReportIDs == nil {
		w.ReportIDs = []string{}
	}
	return w
}

// Warning kinds.
const (
	WarningCluster   = "cluster"
	WarningWatershed = "watershed"
	WarningRepeat    = "repeat"
	WarningOverdue   = "overdue"
	WarningEmergency = "emergency"
	WarningProcedure = "procedure"
)

// Warning statuses.
const (
	StatusOpen    = "open"
	StatusUpdated = "updated"
	StatusClosed  = "closed"
)

// Recipient is an organisation a warning is addressed to.
type Recipient struct {
	OrgCode string `json:"org_code"`
	OrgName string `json:"org_name"`
	Role    string `json:"role"` // bureau, government, basin_bureau
	// Copy is true for an organisation copied (抄送) on the notices of the others rather than
	// sent one of its own: the government of an addressed bureau's jurisdiction, the bureau of
	// the level above the places warned.
	Copy bool `json:"copy,omitempty"`
	// Downstream is set for a jurisdiction warned because the water of a watershed warning
	// flows to it: where, how far and when.
	Downstream *Downstream `json:"downstream,omitempty"`
}

// Downstream is how the water of a watershed warning reaches a jurisdiction downstream.
type Downstream struct {
	River      string  `json:"river"`       // the river at the jurisdiction
	DistanceKm float64 `json:"distance_km"` // river distance from the last place warned
	// ArrivalFrom and ArrivalTo bound the estimated arrival of the water: from the time it was
	// seen at the last place warned, at the fast and the slow end of each reach's flow speed.
	ArrivalFrom Time `json:"arrival_from"`
	ArrivalTo   Time `json:"arrival_to"`
	// DrinkingWater names the drinking-water sources known on the jurisdiction's reach.
	DrinkingWater string `json:"drinking_water,omitempty"`
}

// Window is the period a warning covers.
type Window struct {
	From Time `json:"from"`
	To   Time `json:"to"`
}

// Evidence is what a warning rests on.
type Evidence struct {
	Observed  float64 `json:"observed"`
	Expected  float64 `json:"expected,omitempty"`
	Baseline  float64 `json:"baseline,omitempty"`
	Statistic float64 `json:"statistic,omitempty"`
	PValue    float64 `json:"p_value,omitempty"`
	Score     float64 `json:"score,omitempty"`
	Reporters int     `json:"reporters,omitempty"` // distinct reporters (by pseudonym)
}
