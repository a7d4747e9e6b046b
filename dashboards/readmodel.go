package dashboards

import (
	"fmt"

	"github.com/ecowatch/ecowatch/store"
)

// ReadModel is the dashboards' ClickHouse read model: the handful of queries behind every page
// (readmodel_*.go). Each aggregates for every jurisdiction of a scope at once, so a national
// generation runs the same queries as a city's and reads the reports of its span once.
//
// Reports are read at their latest version and kept in a span or scope by their latest
// version (store.LatestReports, the rule the disclosure and the detectors follow too); the
// scope is applied with store.ScopeFilter. Grouping is on single 64-bit keys (hashed report
// ids and targets, packed region/channel/category): several times faster than strings or
// tuples on 18.16.
type ReadModel struct {
	db store.Querier
}

// NewReadModel reads the dashboards' figures from db (a *store.Store).
func NewReadModel(db store.Querier) *ReadModel { return &ReadModel{db: db} }

// popcount is the SQL expression of the number of bits set in a UInt64 (18.16 has no
// bitCount): the usual SWAR reduction.
func popcount(x string) string {
	p1 := fmt.Sprintf("minus(%s, bitAnd(bitShiftRight(%s, 1), 6148914691236517205))", x, x)
	p2 := fmt.Sprintf("plus(bitAnd(%s, 3689348814741910323), bitAnd(bitShiftRight(%s, 2), 3689348814741910323))", p1, p1)
	p3 := fmt.Sprintf("bitAnd(plus(%s, bitShiftRight(%s, 4)), 1085102592571150095)", p2, p2)
	return fmt.Sprintf("bitShiftRight(multiply(%s, 72340172838076673), 56)", p3)
}

// code is a region code held as a number, written with its six digits ("" for 0).
func code(n uint64) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%06d", n)
}
