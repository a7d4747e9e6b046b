package store

import (
	"strconv"

	"github.com/ecowatch/ecowatch/region"
)

// ScopeFilter is the one way a region.Scope restricts rows: by the leading digits of a
// six-digit region code (region.Scope.Prefix, the rule of region.Scope.Contains), rendered on
// the column forms the tables have. The nation restricts nothing ("1").
type ScopeFilter struct{ scope region.Scope }

// Scope is the filter of a scope.
func Scope(s region.Scope) ScopeFilter { return ScopeFilter{s} }

// Code is the condition on a six-digit region code held as a String column or expression
// (region_code, org, case_states.region_code).
func (f ScopeFilter) Code(col string) string {
	p := f.scope.Prefix()
	if p == "" {
		return "1"
	}
	return "substring(" + col + ", 1, " + strconv.Itoa(len(p)) + ") = " + Quote(p)
}

// Number is the condition on a region code held as a number (toUInt32 of the six digits):
// faster than strings where a query already carries the code as a number.
func (f ScopeFilter) Number(expr string) string {
	p := f.scope.Prefix()
	if p == "" {
		return "1"
	}
	n, _ := strconv.Atoi(p) // a prefix is digits (region.Table.ParseScope)
	div := "10000"
	if len(p) == 4 {
		div = "100"
	}
	return "intDiv(" + expr + ", " + div + ") = " + strconv.Itoa(n)
}

// Report is the condition on a row of the reports table, by the province and prefecture
// codes ingest derives from the region code (province_code is the first two digits and 0000;
// city_code the prefecture the region table gives, which is the first four digits and 00 for
// every known code — region tests hold the table to that). A condition on one column that the
// server can skip granules by.
func (f ScopeFilter) Report() string {
	switch {
	case f.scope.IsNation():
		return "1"
	case f.scope.Level == region.Province:
		return "province_code = " + Quote(f.scope.Code)
	}
	return "city_code = " + Quote(f.scope.Code)
}
