package simulate

import (
	"fmt"
	"math"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/region"
)

// NationReportsPerYear is the default national volume: the 12369 platform and the petition
// system together receive about half a million environmental reports a year.
const NationReportsPerYear = 500_000

// Config describes one simulated stream. The zero value of every optional field means "use
// the documented default"; for shares and counts a negative value means "none".
type Config struct {
	// From and To bound the stream: reports are received in [From, To) and case events are
	// emitted only before To (cases still open at To stay open). Required; interpreted in
	// Asia/Shanghai.
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Scope is the nation (the zero Scope) or a province (region.Table.ParseScope); a
	// prefecture-level city is refused.
	Scope region.Scope `json:"scope"`
	// ReportsPerYear is the expected yearly volume of valid reports in the scope, before
	// injected events. Default: NationReportsPerYear for the nation; for a province, the
	// nation's volume times the province's share of the population-like weights.
	ReportsPerYear int `json:"reports_per_year"`
	// Seed selects the stream: the same Seed and Config give byte-identical output.
	Seed int64 `json:"seed"`

	// AnonymousShare is the share of 12369 reports (kind report) filed anonymously, without
	// any reporter field. Petitions are filed under a real name. Default 0.2.
	AnonymousShare float64 `json:"anonymous_share"`
	// PetitionShare is the share of petitions (信访, kind petition) in the volume. Default 0.07.
	PetitionShare float64 `json:"petition_share"`
	// MalformedShare is the number of malformed messages per valid report. Default 0.005.
	MalformedShare float64 `json:"malformed_share"`
	// Late gives the share of cases that miss each deadline.
	Late LateShares `json:"late"`

	// Injected events over the whole period. Defaults scale with the period's length and the
	// scope's volume; see defaultCount.
	Clusters           int `json:"clusters"`
	WatershedIncidents int `json:"watershed_incidents"`
	RepeatTargets      int `json:"repeat_targets"`
	Emergencies        int `json:"emergencies"`

	// BatchSize is the number of messages per Sink.Write. Default 1000.
	BatchSize int `json:"batch_size"`
}

// LateShares is, per deadline, the share of cases planned to miss it. Cases not chosen are
// planned well inside every deadline, so the truth file lists every violation in the stream.
type LateShares struct {
	// Accept: acceptance decided more than 15 days after receipt. Default 0.02 of reports.
	Accept float64 `json:"accept"`
	// Assign: assigned more than 3 working days after acceptance. Default 0.03 of accepted.
	Assign float64 `json:"assign"`
	// Close: closed more than 60 days (+ approved extension) after acceptance. Default 0.04.
	Close float64 `json:"close"`
	// Extension: of cases with an extension, the share whose extension breaks the rules
	// (longer than 30 days, or approved after the due date). Default 0.15.
	Extension float64 `json:"extension"`
}

// Defaults of the event counts, per year of national volume.
const (
	clustersPerYear    = 60
	watershedPerYear   = 12
	repeatsPerYear     = 40
	emergenciesPerYear = 12
)

func share(v, def float64) float64 {
	switch {
	case v < 0:
		return 0
	case v == 0:
		return def
	}
	return math.Min(v, 1)
}

// resolve validates cfg and fills in defaults. volumeShare is the scope's share of the
// national weights.
func (cfg Config) resolve(volumeShare float64) (Config, error) {
	if cfg.From.IsZero() || cfg.To.IsZero() {
		return cfg, fmt.Errorf("simulate: from and to are required (from %v, to %v)", cfg.From, cfg.To)
	}
	if !cfg.To.After(cfg.From) {
		return cfg, fmt.Errorf("simulate: to %s is not after from %s", cfg.To.Format(time.RFC3339), cfg.From.Format(time.RFC3339))
	}
	if cfg.To.Sub(cfg.From) > 11*366*24*time.Hour {
		return cfg, fmt.Errorf("simulate: period %s–%s longer than 11 years", cfg.From.Format(time.DateOnly), cfg.To.Format(time.DateOnly))
	}
	cfg.From = cfg.From.In(calendar.Shanghai)
	cfg.To = cfg.To.In(calendar.Shanghai)
	if cfg.ReportsPerYear < 0 {
		return cfg, fmt.Errorf("simulate: reports per year %d is negative", cfg.ReportsPerYear)
	}
	if cfg.ReportsPerYear == 0 {
		cfg.ReportsPerYear = int(math.Round(NationReportsPerYear * volumeShare))
	}
	cfg.AnonymousShare = share(cfg.AnonymousShare, 0.2)
	cfg.PetitionShare = share(cfg.PetitionShare, 0.07)
	cfg.MalformedShare = share(cfg.MalformedShare, 0.005)
	cfg.Late.Accept = share(cfg.Late.Accept, 0.02)
	cfg.Late.Assign = share(cfg.Late.Assign, 0.03)
	cfg.Late.Close = share(cfg.Late.Close, 0.04)
	cfg.Late.Extension = share(cfg.Late.Extension, 0.15)

	years := cfg.To.Sub(cfg.From).Hours() / (24 * 365)
	cfg.Clusters = defaultCount(cfg.Clusters, clustersPerYear, years, volumeShare, 2)
	cfg.WatershedIncidents = defaultCount(cfg.WatershedIncidents, watershedPerYear, years, volumeShare, 1)
	cfg.RepeatTargets = defaultCount(cfg.RepeatTargets, repeatsPerYear, years, volumeShare, 2)
	cfg.Emergencies = defaultCount(cfg.Emergencies, emergenciesPerYear, years, volumeShare, 1)
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 1000
	}
	return cfg, nil
}

// defaultCount scales a national yearly rate to the period and the scope. A province gets at
// least a fifth of the national rate (detection has to be exercised there too), and any
// period of two weeks or more at least min events.
func defaultCount(v, perYear int, years, volumeShare float64, min int) int {
	if v < 0 {
		return 0
	}
	if v > 0 {
		return v
	}
	n := int(math.Round(float64(perYear) * years * math.Max(volumeShare, 0.2)))
	if years*365 >= 14 && n < min {
		n = min
	}
	return n
}

// ScopeHelp says which scopes the simulator takes.
const ScopeHelp = `nation (or "", 000000, 100000), or a province code such as 440000`

// scopeOf checks the scope against the table: the nation or a province.
func scopeOf(t *region.Table, scope region.Scope) (region.Scope, error) {
	if scope.IsNation() {
		return region.Nation(), nil
	}
	sc, ok := t.ScopeOf(scope.Code)
	if !ok || sc.Level != region.Province {
		return region.Scope{}, fmt.Errorf("simulate: scope %s is neither the nation nor a province (accepted: %s)", scope.Code, ScopeHelp)
	}
	return sc, nil
}
