package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ecowatch/ecowatch/region"
)

// Every --scope is read by the one parser: the four spellings of the nation are the zero
// Scope, and a refusal names the flag and the accepted values, the same for every command.
func TestScopeFlags(t *testing.T) {
	for _, s := range []string{"", "nation", "000000", "100000"} {
		sc, err := parseScope(region.Default(), s)
		if err != nil || sc != region.Nation() {
			t.Errorf("--scope %q: %+v, %v; want the nation", s, sc, err)
		}
		if sc, err := simulatorScope(region.Default(), s); err != nil || !sc.IsNation() {
			t.Errorf("simulator --scope %q: %+v, %v", s, sc, err)
		}
	}
	for _, args := range [][]string{
		{"report", "--quarter", "2026Q3", "--scope", "440305"},
		{"dashboard", "--out", "x", "--scope", "440305"},
		{"simulate", "--from", "2026-01-01", "--to", "2026-02-01", "--scope", "440305"},
		{"report", "--quarter", "2026Q3", "--scope", "110100"},
		{"dashboard", "--out", "x", "--scope", "nowhere"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), args, &out, &errOut)
		msg := errOut.String()
		if code != 2 || !strings.Contains(msg, "--scope") || !strings.Contains(msg, "accepted: "+region.ScopeHelp) {
			t.Errorf("%v: exit %d, %q", args, code, msg)
		}
	}
	// the simulator draws a province's or the nation's stream: a city is refused by name
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"simulate", "--from", "2026-01-01", "--to", "2026-02-01", "--scope", "440300"}, &out, &errOut)
	if code != 2 || !strings.Contains(errOut.String(), "the simulator draws the stream of the nation or of a province") {
		t.Errorf("simulate --scope 440300: exit %d, %q", code, errOut.String())
	}
}
