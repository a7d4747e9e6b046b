package main

import (
	"fmt"

	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/simulate"
)

// scopeFlagHelp is the help of every --scope flag.
const scopeFlagHelp = "the jurisdiction: " + region.ScopeHelp

// parseScope reads a --scope flag with the one parser of scopes (region.Table.ParseScope),
// which accepts the four spellings of the nation; a refusal names the flag and the accepted
// values.
func parseScope(regions *region.Table, value string) (region.Scope, error) {
	sc, err := regions.ParseScope(value)
	if err != nil {
		return region.Scope{}, usageError{fmt.Sprintf("--scope: %v", err)}
	}
	return sc, nil
}

// simulatorScope reads the --scope of the commands that run the simulator, which draws the
// stream of the nation or of one province.
func simulatorScope(regions *region.Table, value string) (region.Scope, error) {
	sc, err := parseScope(regions, value)
	if err != nil {
		return sc, err
	}
	if !sc.IsNation() && sc.Level != region.Province {
		return region.Scope{}, usageError{fmt.Sprintf("--scope %s (%s): the simulator draws the stream of the nation or of a province (accepted: %s)",
			sc.Code, sc.Name, simulate.ScopeHelp)}
	}
	return sc, nil
}
