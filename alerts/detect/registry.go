package detect

import (
	"time"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/basin"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/region"
)

// Deps is the reference data detectors are built from.
type Deps struct {
	Regions  *region.Table
	Basins   *basin.Topology
	Calendar *calendar.Calendar
}

// DefaultDeps is the embedded reference data.
func DefaultDeps() Deps {
	return Deps{Regions: region.Default(), Basins: basin.Default(), Calendar: calendar.Default()}
}

// Options are the settings of the detectors that the configuration holds (zero: defaults).
type Options struct {
	// WatershedReach is WatershedConfig.Reach (setting alerts.watershed-reach).
	WatershedReach time.Duration
}

// Registry builds ecowatch's detectors with their defaults; see RegistryWith.
func Registry(deps Deps) (*alerts.Registry, error) { return RegistryWith(deps, Options{}) }

// RegistryWith builds ecowatch's detectors, in the order a cycle runs them (the case detectors
// first, then the early warnings, the most urgent first). A new detector is a file of this
// package and one line here; its schedule is the setting alerts.schedule.<name>.
func RegistryWith(deps Deps, opt Options) (*alerts.Registry, error) {
	cluster, err := NewCluster(deps, ClusterConfig{})
	if err != nil {
		return nil, err
	}
	watershed, err := NewWatershed(deps, WatershedConfig{Reach: opt.WatershedReach})
	if err != nil {
		return nil, err
	}
	return alerts.NewRegistry(
		NewOverdue(deps, OverdueConfig{}),
		NewSupervision(deps, SupervisionConfig{}),
		NewEmergency(deps, EmergencyConfig{}),
		cluster,
		watershed,
	)
}
