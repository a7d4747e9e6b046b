package dashboards

import "github.com/ecowatch/ecowatch/webassets"

// mapFor is the map of a jurisdiction ("" for the nation), from webassets.
func mapFor(code string) (webassets.Map, bool) {
	return webassets.Lookup(code)
}
