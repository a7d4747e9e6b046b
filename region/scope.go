package region

import (
	"fmt"
	"strings"
)

// NationCode is the code that stands for the whole country where a six-digit code is needed
// (the ministry's organisation code, the national map). GB/T 2260 itself has none.
const NationCode = "000000"

// Scope is a jurisdiction whose figures are asked for: the nation, a province or a
// prefecture-level city. The zero Scope is the nation. A placeholder prefecture (110100 市辖区,
// 429000 省直辖县级行政区划) is no scope: its figures are those of its province.
type Scope struct {
	// Code is "" for the nation, else the six-digit code of the province or prefecture.
	Code  string
	Level Level // 0 for the nation
	Name  string
}

// Nation is the scope of the whole country.
func Nation() Scope { return Scope{Name: "全国"} }

// IsNation reports whether the scope is the whole country.
func (s Scope) IsNation() bool { return s.Code == "" }

// String is "nation" or the scope's code.
func (s Scope) String() string {
	if s.IsNation() {
		return "nation"
	}
	return s.Code
}

// Contains reports whether a six-digit region code lies in the scope (by its digits: a code
// the table does not know still belongs to the province or city its digits name).
func (s Scope) Contains(code string) bool {
	switch {
	case s.IsNation():
		return true
	case len(code) != 6:
		return false
	case s.Level == Province:
		return code[:2] == s.Code[:2]
	}
	return code[:4] == s.Code[:4]
}

// Prefix is the leading digits every code in the scope shares: "" for the nation, two digits
// for a province, four for a prefecture.
func (s Scope) Prefix() string {
	switch {
	case s.IsNation():
		return ""
	case s.Level == Province:
		return s.Code[:2]
	}
	return s.Code[:4]
}

// ScopeHelp lists the spellings ParseScope accepts, for error messages and flag help.
const ScopeHelp = `nation (or "", 000000, 100000), a province code such as 440000, or a prefecture-level city code such as 440300`

// ParseScope reads a scope as people write it: "", "nation", "000000" (the ministry's code) or
// "100000" (the national map's code) for the nation; otherwise the six-digit code of a
// province or a prefecture-level city. The error says why another value is refused and what
// is accepted.
func (t *Table) ParseScope(s string) (Scope, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "", "nation", NationCode, "100000":
		return Nation(), nil
	}
	d, ok := t.Lookup(s)
	switch {
	case !ok:
		return Scope{}, fmt.Errorf("scope %q is not a region code of the GB/T 2260 table (accepted: %s)", s, ScopeHelp)
	case d.Level == County:
		return Scope{}, fmt.Errorf("scope %s (%s) is a county; accepted: %s", s, d.Name, ScopeHelp)
	case d.Placeholder():
		return Scope{}, fmt.Errorf("scope %s (%s) is not a jurisdiction of its own: use its province %s (accepted: %s)", s, d.Name, d.Parent, ScopeHelp)
	}
	return Scope{Code: d.Code, Level: d.Level, Name: t.FullName(d.Code)}, nil
}

// ScopeOf is the scope of a known province or prefecture code, ok false otherwise.
func (t *Table) ScopeOf(code string) (Scope, bool) {
	d, ok := t.Lookup(code)
	if !ok || d.Level == County || d.Placeholder() {
		return Scope{}, false
	}
	return Scope{Code: d.Code, Level: d.Level, Name: t.FullName(d.Code)}, true
}

// MarshalText writes the scope as String does ("nation" or the code), so that a scope in a
// JSON record (the simulator's ground truth) reads as people write it.
func (s Scope) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a scope written by MarshalText (or any spelling ParseScope accepts),
// against the default region table.
func (s *Scope) UnmarshalText(b []byte) error {
	sc, err := Default().ParseScope(string(b))
	if err != nil {
		return err
	}
	*s = sc
	return nil
}

// MustScope is the scope ParseScope reads from s in the default table, for scopes written as
// literals in code and tests; it panics on a value ParseScope refuses.
func MustScope(s string) Scope {
	sc, err := Default().ParseScope(s)
	if err != nil {
		panic(err)
	}
	return sc
}
