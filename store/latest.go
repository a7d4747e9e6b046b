package store

import (
	"strconv"
	"strings"

	"github.com/ecowatch/ecowatch/region"
)

// LatestReports is the one rule of the project for reading reports at their latest version
// (see the package comment): the case histories and report points of the detectors, the
// dashboards and the disclosure all read reports through it.
//
//   - A report's latest version is its row with the highest version. Rows with the same
//     report_id and version are copies of one redelivered message (ingest is at least once).
//   - A report was received in a period, and lies in a scope, when its latest version was and
//     does: a correction that moves a report to another day, region or category moves it in
//     every figure, and a correction that moves it out of the window read takes it out.
//   - A column of a report is its value at the latest version (argMax(…, version)), or an
//     aggregate over all its versions where a caller asks for one (min(ingested_at)).
//
// How it reads: the rows of the reports received in the windows (partition pruning on
// received_at), of which the first versions (version 1, the contract's first) only when they
// are in the scope and pass Narrow, plus every row with version > 1 outside the windows
// (PREWHERE version > 1: the version column alone is read there). A first version left out is
// either not its report's latest (a later version decides, and is read) or the latest of a
// report outside the windows, the scope or Narrow; so the grouping sees every report's latest
// version, and the outer condition (Keep) drops the reports whose latest version lies outside.
// The rule is exact, with two limits: versions are grouped by Key, by default a 64-bit hash of
// the report id (two ids colliding, probability about n²/2⁶⁵ — 3·10⁻⁶ for ten million reports
// in a window — would count as one report); and every corrected row of the table is read
// whatever the window, which costs in proportion to the corrections, not to the window.
type LatestReports struct {
	// Received are the periods of receipt read: a report is kept when its latest version's
	// received_at lies in one of them. None: any time (the whole table).
	Received []Period
	// Scope keeps the reports whose latest version's region code lies in it (the nation:
	// all).
	Scope region.Scope
	// IDs, when set, is a condition on report_id (the same on every version of a report),
	// e.g. the reports closed in a quarter. It is applied to the rows in the windows; a later
	// version outside them only matters as the latest version of a report, which then lies
	// outside and is not kept.
	IDs string
	// Narrow, when set, is a condition on a row that the latest version of every report the
	// caller needs satisfies; first versions that fail it are not read (a later version is
	// always read). The caller filters on the result where it must be exact.
	Narrow string
	// Key is the expression versions are grouped by: cityHash64(report_id) when empty (several
	// times faster than the String on 18.16), or report_id where the caller needs the id.
	Key string
}

// The columns every Query result has: the group key, the latest received_at and the latest
// region code as a UInt32 (the province is intDiv(region, 10000) * 10000, the prefecture-level
// prefix intDiv(region, 100) * 100).
const (
	LatestKey    = "latest_key"
	LatestAt     = "latest_at"
	LatestRegion = "latest_region"
)

// Column is a column of a Query: the value at the latest version of an expression on a row of
// reports, or an aggregate of it over the versions.
type Column struct {
	Name string // the name in the result
	Row  string // an expression on a row of reports
	Agg  string // "" for the value at the latest version; else an aggregate function such as "min"
}

// Latest is the value of the row expression at the latest version, as name.
func Latest(row, name string) Column { return Column{Name: name, Row: row} }

// OverVersions is an aggregate (min, max …) of the row expression over the versions read (a
// first version outside the windows, the scope or Narrow is not read).
func OverVersions(agg, row, name string) Column { return Column{Name: name, Row: row, Agg: agg} }

func (l LatestReports) key() string {
	if l.Key == "" {
		return "cityHash64(report_id)"
	}
	return l.Key
}

// Rows is the SQL of the rows the rule reads, each with the select list given: the versions of
// every report whose latest version may be kept (see the type's comment). Callers that
// aggregate themselves group them by the key with argMax(…, version) and filter with Keep.
func (l LatestReports) Rows(selectList string) string {
	var first []string // conditions a first version must meet
	if c := Scope(l.Scope).Report(); c != "1" {
		first = append(first, c)
	}
	if l.Narrow != "" {
		first = append(first, "("+l.Narrow+")")
	}
	var where []string
	if len(l.Received) > 0 {
		where = append(where, InAny("received_at", l.Received...))
	}
	if l.IDs != "" {
		where = append(where, "("+l.IDs+")")
	}
	if len(first) > 0 {
		where = append(where, "(version > 1 OR "+strings.Join(first, " AND ")+")")
	}
	q := "SELECT " + selectList + " FROM reports"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	if len(l.Received) == 0 {
		return q
	}
	// Later versions received outside the windows: such a row matters only as the latest
	// version of a report, which then lies outside and is dropped by Keep (IDs need not be
	// checked here).
	return q + "\n\tUNION ALL\n\tSELECT " + selectList + " FROM reports PREWHERE version > 1 WHERE NOT " +
		InAny("received_at", l.Received...)
}

// InWindow is the condition that the time col lies in the periods of receipt ("1" when any
// time is read).
func (l LatestReports) InWindow(col string) string {
	if len(l.Received) == 0 {
		return "1"
	}
	return InAny(col, l.Received...)
}

// Keep is the condition, on a report's aggregated latest values, that it is kept: at is its
// latest received_at, region its latest region code as a UInt32. A caller that aggregates the
// Rows itself keeps a report exactly when InWindow holds for its latest version's received_at
// and the scope holds its latest region (as the disclosure does with packed values).
func (l LatestReports) Keep(at, region string) string {
	var c []string
	if len(l.Received) > 0 {
		c = append(c, InAny(at, l.Received...))
	}
	if s := Scope(l.Scope).Number(region); s != "1" {
		c = append(c, s)
	}
	if len(c) == 0 {
		return "1"
	}
	return strings.Join(c, " AND ")
}

// KeySet is a subquery of the keys of the rows read: a superset of the reports kept, to
// restrict another table (case events) to them.
func (l LatestReports) KeySet() string {
	return "SELECT l_key FROM (" + l.Rows(l.key()+" AS l_key") + ")"
}

// Query is the SQL of the reports kept, one row each: LatestKey, LatestAt, LatestRegion and
// the columns, in that order.
//
// Each column has its own argMax: one argMax over a tuple is several times slower on 18.16,
// and argMax over numbers is faster than over strings (hence enumerations and hashes where a
// caller can).
func (l LatestReports) Query(cols ...Column) string {
	row := []string{l.key() + " AS l_key", "version", "received_at AS l_at", "toUInt32OrZero(region_code) AS l_rc"}
	agg := []string{"l_key AS " + LatestKey, "argMax(l_at, version) AS " + LatestAt, "argMax(l_rc, version) AS " + LatestRegion}
	names := []string{LatestKey, LatestAt, LatestRegion}
	for i, c := range cols {
		in := "l_c" + strconv.Itoa(i)
		row = append(row, c.Row+" AS "+in)
		if c.Agg == "" {
			agg = append(agg, "argMax("+in+", version) AS "+c.Name)
		} else {
			agg = append(agg, c.Agg+"("+in+") AS "+c.Name)
		}
		names = append(names, c.Name)
	}
	return `SELECT ` + strings.Join(names, ", ") + `
	FROM (
		SELECT ` + strings.Join(agg, ", ") + `
		FROM (` + l.Rows(strings.Join(row, ", ")) + `)
		GROUP BY l_key
	)
	WHERE ` + l.Keep(LatestAt, LatestRegion)
}
