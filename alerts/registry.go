package alerts

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ecowatch/ecowatch/contract"
)

// Registry is the list of detectors, in the order a cycle runs them. Every warning kind is
// owned by exactly one detector; names are unique. Package alerts/detect builds the registry
// of ecowatch's detectors; `ecowatch alerts`, the backtest and the scheduler all take their
// detectors from it.
type Registry struct {
	detectors []Detector
}

// NewRegistry checks the detectors: names unique and non-empty, every kind a known warning
// kind, owned by one detector only.
func NewRegistry(ds ...Detector) (*Registry, error) {
	names, owner := map[string]bool{}, map[string]string{}
	for _, d := range ds {
		if d.Name() == "" || strings.ContainsAny(d.Name(), ", ") || names[d.Name()] {
			return nil, fmt.Errorf("alerts: detector name %q is empty, repeated or holds a comma or space", d.Name())
		}
		names[d.Name()] = true
		if len(d.Kinds()) == 0 {
			return nil, fmt.Errorf("alerts: detector %s owns no warning kind", d.Name())
		}
		for _, k := range d.Kinds() {
			if !slices.Contains(contract.WarningKinds, k) {
				return nil, fmt.Errorf("alerts: detector %s owns %q, which is not a warning kind (contract.WarningKinds)", d.Name(), k)
			}
			if o, ok := owner[k]; ok {
				return nil, fmt.Errorf("alerts: warning kind %s is owned by both %s and %s", k, o, d.Name())
			}
			owner[k] = d.Name()
		}
	}
	return &Registry{detectors: ds}, nil
}

// All returns every detector, in cycle order.
func (r *Registry) All() []Detector { return slices.Clone(r.detectors) }

// Names returns the detectors' names, in cycle order.
func (r *Registry) Names() []string {
	out := make([]string, len(r.detectors))
	for i, d := range r.detectors {
		out[i] = d.Name()
	}
	return out
}

// Get returns the detector of a name.
func (r *Registry) Get(name string) (Detector, bool) {
	for _, d := range r.detectors {
		if d.Name() == name {
			return d, true
		}
	}
	return nil, false
}

// Select parses a comma-separated list of detector names and returns those detectors in cycle
// order. An unknown name is an error naming the accepted ones.
func (r *Registry) Select(list string) ([]Detector, error) {
	want := map[string]bool{}
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		if _, ok := r.Get(n); !ok {
			return nil, fmt.Errorf("%q is not a detector (accepted: %s)", n, strings.Join(r.Names(), ", "))
		}
		want[n] = true
	}
	var out []Detector
	for _, d := range r.detectors {
		if want[d.Name()] {
			out = append(out, d)
		}
	}
	return out, nil
}
