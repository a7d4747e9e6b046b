package store

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/contract"
)

// The queries behind the quarterly public disclosure (信息公开, 12369 Art. 17). They aggregate
// in ClickHouse and return small tables of counts; the reports package turns them into pages.
// Every figure is in Asia/Shanghai business time (the DateTime columns are declared in that
// zone, so toYYYYMM and comparisons with the period bounds use it).

// Period is the half-open interval [From, To) of business time.
type Period struct {
	From, To time.Time
}

// Contains reports whether t lies in the period.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.From) && t.Before(p.To) }

// Period indices of DisclosureGroup, ClosureCount, DeadlineCount and MatterCount.
const (
	PeriodQuarter  = 0 // the quarter reported
	PeriodPrevious = 1 // the quarter before it
	PeriodLastYear = 2 // the same quarter a year before
)

// Dimensions of DisclosureGroup. Key holds the values named after the dimension, in order.
const (
	// DimRegionKindChannel: region_code, kind, channel. Every metric, as of the period's end.
	DimRegionKindChannel = "rkc"
	// DimRegionKindCategory: region_code, kind, category, once for every category of a report
	// (categories[]), so the counts of a report's categories sum past the number of reports.
	// Received only.
	DimRegionKindCategory = "rkg"
	// DimSubcategory: main category, subcategory. Received only.
	DimSubcategory = "sub"
	// DimIndustry: the target's industry ("" when not given). Received only.
	DimIndustry = "ind"
	// DimMonth: month as YYYYMM, kind. Received only.
	DimMonth = "mon"
	// DimRejectReason: rejection reason, kind; Received counts the reports rejected by the
	// period's end.
	DimRejectReason = "rej"
	// DimCohort: region_code, kind of the 60-day cohort (DisclosureQuery.Cohort), always period
	// PeriodQuarter; Received is the cohort, CohortClosed how many of it were closed before the
	// quarter's end.
	DimCohort = "c60"
)

// DisclosureQuery says what to aggregate.
type DisclosureQuery struct {
	// Scope is "" for the nation, a province code ("440000") or a prefecture code ("440300").
	Scope string
	// Quarter, Previous and LastYear are the three periods compared.
	Quarter, Previous, LastYear Period
	// Cohort is a period of acceptance: the reports accepted in it form the 60-day cohort,
	// whose closures are counted up to Quarter.To.
	Cohort Period
	// VerificationMethods classify how unsubstantiated cases closed in the quarter were
	// verified, by terms of their handling summary; a case counts once for every method whose
	// terms it mentions.
	VerificationMethods []TermClass
	// CaseScore scores closed substantiated cases for the choice of typical cases; Candidates
	// is how many of the best are returned (default 200).
	CaseScore  CaseScore
	Candidates int
	// Progress, when set, is told each step before it runs.
	Progress func(step string)
}

// TermClass is a named set of terms, one of which must occur in a text.
type TermClass struct {
	Name  string
	Terms []string
}

// CaseScore is the severity and public-attention score of a closed case: the points of every
// flag it carries and every term its summary contains, plus attention points for the reports
// about the same target in the quarter and for joint reporters.
type CaseScore struct {
	Flags map[string]int // flag → points
	Terms []ScoredTerm   // summary term → points (each term counts once)
	// TargetReports gives points by how many reports named the same target in the quarter:
	// SameTargetPoints[i] for at least i+2 reports (the last entry for that many or more).
	SameTargetPoints []int
	// CoReporterPoints gives points when co_reporters >= CoReportersAtLeast.
	CoReportersAtLeast uint32
	CoReporterPoints   int
}

// ScoredTerm is a term of a summary with its points.
type ScoredTerm struct {
	Term   string
	Points int
}

// DisclosureData is what the disclosure queries return.
type DisclosureData struct {
	Groups       []DisclosureGroup
	Closures     []ClosureCount
	Verification []VerificationCount
	Deadlines    []DeadlineCount
	Matters      []MatterCount
	Candidates   []CaseCandidate
	// DataFrom and DataTo are the first and last received_at in the whole reports table (any
	// scope): the extent of the data, to tell missing data from an empty period.
	DataFrom, DataTo time.Time
	// StatesAsOf is the time case_states and case_deadlines were last evaluated (zero when
	// the case detectors never saved them).
	StatesAsOf time.Time
}

// DisclosureGroup is the counts of one group of reports received in a period (see the Dim
// constants). Accepted … Merged count what had happened by the end of the report's period;
// they are computed for the quarter and the previous quarter, and are zero for the same
// quarter last year (only its receipts are compared).
type DisclosureGroup struct {
	Period                                 int
	Dim                                    string
	Key                                    []string
	Received, Accepted, Rejected, Assigned uint64
	Closed, Replied, Merged, CohortClosed  uint64
}

// ClosureCount is the number of cases closed in a period (the quarter or the previous one)
// with a finding (the last closure of a case within the period counts).
type ClosureCount struct {
	Period  int
	Finding string
	Cases   uint64
}

// VerificationCount is the number of unsubstantiated cases closed in the quarter whose summary
// names a verification method; Method "" is the total of such cases.
type VerificationCount struct {
	Method string
	Cases  uint64
}

// DeadlineCount is the deadlines of one step that fell due in a period (the quarter or the
// previous one), by status as of
// StatesAsOf: met, missed_done, overdue, and the others (pending, paused).
type DeadlineCount struct {
	Period                               int
	Step                                 string
	Due, Met, MissedDone, Overdue, Other uint64
}

// MatterCount is the reports received in a period (the quarter or the previous one) and the
// matters they make (a report merged into another counts with that one), by kind, from
// case_states.
type MatterCount struct {
	Period           int
	Kind             string
	Reports, Matters uint64
}

// CaseCandidate is a case closed substantiated in the quarter, a candidate typical case. It
// carries no report id and no reporter information; TargetName is only there to be masked in
// the summary.
type CaseCandidate struct {
	Kind, Category, Subcategory, RegionCode, Industry string
	Flags                                             []string
	CoReporters                                       uint32
	TargetReports                                     uint64
	TargetName, Summary                               string
	ClosedAt                                          time.Time
	Score                                             int
}

// ---- SQL ------------------------------------------------------------------------------------
//
// Speed on tens of millions of rows, on the old local server as on current ones, comes from
// three choices:
//   - the latest version of a report is found by GROUP BY over cityHash64(report_id) (a
//     64-bit key: for 10 million reports the chance that two share a key is about 3·10⁻⁶)
//     with argMax over numbers only: the report's region, kind, channel, category and
//     categories are packed into one UInt64, subcategory and industry are hashed and named
//     afterwards from a small dictionary query;
//   - a report's handling steps are the earliest time of each event type, aggregated over
//     case events by the same key (events are idempotent on event_id, so a redelivered copy
//     changes no minimum) and joined once;
//   - every breakdown comes from one scan: each report fans out (ARRAY JOIN) into one row per
//     grouping with a numeric key, and the category counts are bit sums on the region rows.

// scopeCond is a condition on a region code held as a number (toUInt32 of the six digits).
func scopeCond(scope, col string) (string, error) {
	switch {
	case scope == "":
		return "1", nil
	case len(scope) != 6 || strings.Trim(scope, "0123456789") != "":
		return "", fmt.Errorf("store: disclosure scope %q is not a six-digit region code", scope)
	case strings.HasSuffix(scope, "0000"):
		return "intDiv(" + col + ", 10000) = " + strings.TrimLeft(scope[:2], "0"), nil
	case strings.HasSuffix(scope, "00"):
		return "intDiv(" + col + ", 100) = " + strings.TrimLeft(scope[:4], "0"), nil
	}
	return "", fmt.Errorf("store: disclosure scope %q is a county; the disclosure is published by the nation, provinces and prefectures", scope)
}

// scopePrefilter is a condition on the raw rows of reports: this version is in scope. It
// selects rows only where a superset is enough (dictionaries, target counts); queries that
// take the latest version use scopeIDs.
func scopePrefilter(scope string) string {
	switch {
	case scope == "":
		return "1"
	case strings.HasSuffix(scope, "0000"):
		return "province_code = '" + scope + "'"
	}
	return "city_code = '" + scope + "'"
}

// sqlTime is a DateTime literal in Asia/Shanghai.
func sqlTime(t time.Time) string {
	return "toDateTime(" + strconv.FormatInt(t.Unix(), 10) + ", 'Asia/Shanghai')"
}

// sqlString quotes a string literal.
func sqlString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func sqlStrings(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = sqlString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func sqlIn(col string, p Period) string {
	return "(" + col + " >= " + sqlTime(p.From) + " AND " + col + " < " + sqlTime(p.To) + ")"
}

func sqlInAny(col string, ps ...Period) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, sqlIn(col, p))
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// sqlPeriod is the period index of a time column, -1 outside the three periods.
func sqlPeriod(col string, q DisclosureQuery) string {
	return "toInt8(multiIf(" + sqlIn(col, q.Quarter) + ", 0, " + sqlIn(col, q.Previous) + ", 1, " + sqlIn(col, q.LastYear) + ", 2, -1))"
}

// anyTerm is a condition that text contains one of the terms.
func anyTerm(col string, terms []string) string {
	if len(terms) == 0 {
		return "0"
	}
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = "position(" + col + ", " + sqlString(t) + ") > 0"
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// reportWindow is the receipt window read for the quarter and the previous quarter together
// with the 60-day cohort (whose reports were accepted up to 60 days after receipt).
func reportWindow(q DisclosureQuery) Period {
	from := q.Previous.From
	if !q.Cohort.From.IsZero() {
		if c := q.Cohort.From.AddDate(0, 0, -60); c.Before(from) {
			from = c
		}
	}
	if q.Quarter.From.Before(from) {
		from = q.Quarter.From
	}
	return Period{from, q.Quarter.To}
}

// Disclosure runs the disclosure queries for one scope and quarter.
func (s *Store) Disclosure(ctx context.Context, q DisclosureQuery) (*DisclosureData, error) {
	if _, err := scopeCond(q.Scope, "r"); err != nil {
		return nil, err
	}
	progress := q.Progress
	if progress == nil {
		progress = func(string) {}
	}
	d := &DisclosureData{}

	progress("extent of the data")
	var inQuarter uint64
	if err := s.conn.QueryRow(ctx, `SELECT
			(SELECT min(received_at) FROM reports), (SELECT max(received_at) FROM reports),
			(SELECT max(as_of) FROM case_states),
			(SELECT count() FROM reports WHERE `+sqlIn("received_at", q.Quarter)+` AND `+scopePrefilter(q.Scope)+`)`).Scan(
		&d.DataFrom, &d.DataTo, &d.StatesAsOf, &inQuarter); err != nil {
		return nil, fmt.Errorf("store: disclosure: extent of the data: %w", err)
	}
	if d.StatesAsOf.Unix() <= 0 {
		d.StatesAsOf = time.Time{}
	}
	if d.DataFrom.Unix() <= 0 {
		d.DataFrom, d.DataTo = time.Time{}, time.Time{}
	}
	if inQuarter == 0 {
		return d, nil // nothing received in the quarter: no group, and the caller says so
	}

	var err error
	progress("reports received, by channel, category, region and month, and their handling")
	if d.Groups, err = s.disclosureGroups(ctx, q); err != nil {
		return nil, err
	}
	progress("closures and findings")
	if d.Closures, d.Verification, err = s.disclosureClosures(ctx, q); err != nil {
		return nil, err
	}
	if !d.StatesAsOf.IsZero() {
		progress("deadlines and matters")
		if d.Deadlines, err = s.disclosureDeadlines(ctx, q); err != nil {
			return nil, err
		}
		if d.Matters, err = s.disclosureMatters(ctx, q); err != nil {
			return nil, err
		}
	}
	progress("typical-case candidates")
	if d.Candidates, err = s.disclosureCandidates(ctx, q); err != nil {
		return nil, err
	}
	return d, nil
}

// Codes of the packed report: kind 0 report, 1 petition; channel and categories by their
// position (1-based) in the contract lists, 0 when unknown.
var (
	kindList     = []string{contract.KindReport, contract.KindPetition}
	channelList  = contract.Channels
	categoryList = contract.Categories
)

// packedReport packs what the breakdowns need of a report version into one UInt64, so that a
// single argMax over version keeps it: region code (20 bits), kind (1: petition), channel and
// main category (4 bits each: 1-based positions in the contract lists, 0 when unknown), the
// categories as a bit mask (8 bits), the period of receipt (2 bits: period index + 1, 0 when
// outside the periods) and the month of receipt (10 bits: months since January 2000).
func packedReport(q DisclosureQuery) string {
	return `((((((toUInt64(toUInt32OrZero(region_code)) * 2 + (kind = 'petition')) * 16
			+ indexOf(` + sqlStrings(channelList) + `, channel)) * 16
			+ indexOf(` + sqlStrings(categoryList) + `, category)) * 256
			+ arraySum(arrayMap(c -> bitShiftLeft(toUInt64(1), indexOf(` + sqlStrings(categoryList) + `, c) - 1),
				arrayFilter(c -> has(` + sqlStrings(categoryList) + `, c), if(empty(categories), [category], categories))))) * 4
			+ toUInt64(` + sqlPeriod("received_at", q) + ` + 1)) * 1024
			+ toUInt64((toYear(received_at) - 2000) * 12 + toMonth(received_at) - 1))`
}

// Event bits: a handling step of type i (stepTypes) that happened before the end of the
// previous quarter sets bit 2i, before the end of the quarter bit 2i+1; an acceptance within
// the cohort's window sets bit cohortBit.
var stepTypes = []string{"accepted", "rejected", "assigned", "closed", "replied", "merged"}

const cohortBit = 12

// groupsWindows are the receipt windows of the groups query: the recent one (previous quarter,
// quarter, cohort) and the same quarter last year.
func groupsWindows(q DisclosureQuery) []Period { return []Period{reportWindow(q), q.LastYear} }

// groupsSQL is the query behind disclosureGroups.
func groupsSQL(q DisclosureQuery) string {
	windows := groupsWindows(q)
	recent := windows[0]
	cond, _ := scopeCond(q.Scope, "r")
	// One GROUP BY over the reports received in the windows and the case events of the recent
	// window together (UNION ALL), with five aggregates: the latest version's packed report and
	// packed sub-type and industry (argMax over version; event rows carry version 0), the
	// handling steps as bits (groupBitOr) and the first rejection's reason. Events of reports
	// outside the windows or the scope make groups without a report row (version 0), dropped
	// by HAVING. A report counts as rejected only when it was not accepted. The handling of the
	// same quarter last year is not computed (its events are not read): only its receipts are
	// compared.
	var bitExpr []string
	for i, t := range stepTypes {
		tt := "type = '" + t + "'"
		if t == "assigned" {
			tt = "(type = 'assigned' OR type = 'transferred')"
		}
		bitExpr = append(bitExpr,
			fmt.Sprintf("if(%s AND at < %s, %d, 0)", tt, sqlTime(q.Previous.To), uint32(1)<<(2*i)),
			fmt.Sprintf("if(%s AND at < %s, %d, 0)", tt, sqlTime(q.Quarter.To), uint32(1)<<(2*i+1)))
	}
	bitExpr = append(bitExpr, fmt.Sprintf("if(type = 'accepted' AND %s, %d, 0)", sqlIn("at", q.Cohort), uint32(1)<<cohortBit))
	has := func(step string, end string) string {
		for i, t := range stepTypes {
			if t == step {
				return fmt.Sprintf("bitTest(b, %d * 2 + %s)", i, end)
			}
		}
		panic("unknown step " + step)
	}
	perReport := `
		SELECT h, reason_h, b,
			intDiv(pk, 4096 * 256 * 16 * 16 * 2) AS r, intDiv(pk, 4096 * 256 * 16 * 16) % 2 AS k,
			intDiv(pk, 4096 * 256 * 16) % 16 AS ch, intDiv(pk, 4096 * 256) % 16 AS cat, intDiv(pk, 4096) % 256 AS mask,
			toInt8(intDiv(pk, 1024) % 4) - 1 AS period, pk % 1024 AS month, intDiv(si, 4294967296) AS subh, si % 4294967296 AS indh
		FROM (
			SELECT h, max(version) AS v, argMax(pk0, version) AS pk, argMax(si0, version) AS si,
				groupBitOr(b0) AS b, argMinIf(reason0, at, type = 'rejected') AS reason_h
			FROM (
				SELECT cityHash64(report_id) AS h, version, toUInt64(` + packedReport(q) + `) AS pk0,
					(cityHash64(subcategory) % 4294967296) * 4294967296 + cityHash64(target_industry) % 4294967296 AS si0,
					toUInt32(0) AS b0, toDateTime(0, 'Asia/Shanghai') AS at, '' AS type, toUInt64(0) AS reason0
				FROM reports
				WHERE ` + sqlInAny("received_at", windows...) + ` AND ` + scopeIDs(q) + `
				UNION ALL
				SELECT cityHash64(report_id) AS h, toUInt32(0) AS version, toUInt64(0) AS pk0, toUInt64(0) AS si0,
					toUInt32(` + strings.Join(bitExpr, " + ") + `) AS b0, at, type, cityHash64(reason) AS reason0
				FROM case_events
				WHERE ` + sqlIn("at", recent) + `
					AND type IN ('accepted', 'rejected', 'assigned', 'transferred', 'closed', 'replied', 'merged')
					AND ` + scopeIDs(q) + `
			)
			GROUP BY h
			HAVING v > 0
		)
		WHERE ` + cond
	// e is 0 for a report of the previous quarter (its handling as of that quarter's end), 1
	// for the quarter
	var bits []string
	for i := range categoryList {
		bits = append(bits, fmt.Sprintf("sum(bitTest(mask, %d))", i))
	}
	query := `
SELECT toInt8(if(key.1 = 4, 0, period)) AS p, key.1 AS g, key.2 AS k1, key.3 AS k2, key.4 AS k3,
	count(), sum(accepted), sum(rejected), sum(assigned), sum(closed), sum(replied), sum(merged), sum(cohort_closed),
	[` + strings.Join(bits, ", ") + `]
FROM (
	SELECT period, mask, accepted, rejected, assigned, closed, replied, merged, cohort_closed,
		arrayFilter(x -> x.1 != 0, [
			(toUInt8(if(period >= 0, 1, 0)), toUInt64(r) * 1000000 + (2000 + intDiv(month, 12)) * 100 + month % 12 + 1,
				toUInt64(k * 16 + ch), toUInt64(0)),
			(toUInt8(if(period >= 0, 2, 0)), toUInt64(cat), subh, indh),
			(toUInt8(if(period >= 0 AND rejected, 5, 0)), reason_h, toUInt64(k), toUInt64(0)),
			(toUInt8(if(cohort, 4, 0)), toUInt64(r), toUInt64(k), toUInt64(0))]) AS keys
	FROM (
		SELECT *,
			period = 0 OR period = 1 AS handled,
			toUInt8(period = 0) AS e,
			handled AND ` + has("accepted", "e") + ` AS accepted,
			handled AND ` + has("rejected", "e") + ` AND NOT accepted AS rejected,
			handled AND ` + has("assigned", "e") + ` AS assigned,
			handled AND ` + has("closed", "e") + ` AS closed,
			handled AND ` + has("replied", "e") + ` AS replied,
			handled AND ` + has("merged", "e") + ` AS merged,
			bitTest(b, ` + strconv.Itoa(cohortBit) + `) AND NOT ` + has("merged", "1") + ` AS cohort,
			cohort AND ` + has("closed", "1") + ` AS cohort_closed
		FROM (` + perReport + `)
	)
)
ARRAY JOIN keys AS key
GROUP BY p, g, k1, k2, k3
ORDER BY p, g, k1, k2, k3`
	return query
}

func (s *Store) disclosureGroups(ctx context.Context, q DisclosureQuery) ([]DisclosureGroup, error) {
	windows := groupsWindows(q)
	rows, err := s.conn.Query(ctx, groupsSQL(q))
	if err != nil {
		return nil, fmt.Errorf("store: disclosure groups: %w", err)
	}
	type raw struct {
		p                                             int8
		g                                             uint8
		k1, k2, k3                                    uint64
		n, acc, rej, asg, cls, rep, mrg, cohortClosed uint64
		bits                                          []uint64
	}
	var raws []raw
	needNames, needShort := map[uint64]bool{}, map[uint64]bool{}
	for rows.Next() {
		var x raw
		if err := rows.Scan(&x.p, &x.g, &x.k1, &x.k2, &x.k3, &x.n, &x.acc, &x.rej, &x.asg, &x.cls, &x.rep, &x.mrg,
			&x.cohortClosed, &x.bits); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: disclosure groups: %w", err)
		}
		raws = append(raws, x)
		switch x.g {
		case 2:
			needShort[x.k2], needShort[x.k3] = true, true
		case 5:
			needNames[x.k1] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: disclosure groups: %w", err)
	}
	names, err := s.hashNames(ctx, q, windows)
	if err != nil {
		return nil, err
	}
	// sub-types and industries travel as 32-bit hashes (two in one UInt64)
	short := map[uint64]string{}
	for h, x := range names {
		k := h % (1 << 32)
		if other, ok := short[k]; ok && other != x && (needShort[k]) {
			return nil, fmt.Errorf("store: disclosure groups: %q and %q share a 32-bit hash", other, x)
		}
		short[k] = x
	}
	for h := range needNames {
		if _, ok := names[h]; !ok {
			return nil, fmt.Errorf("store: disclosure groups: no text for hash %d (data changed during the report?)", h)
		}
	}
	for h := range needShort {
		if _, ok := short[h]; !ok {
			return nil, fmt.Errorf("store: disclosure groups: no text for hash %d (data changed during the report?)", h)
		}
	}
	code := func(r uint64) string { return fmt.Sprintf("%06d", r) }
	pick := func(list []string, i uint64) string {
		if i >= 1 && int(i) <= len(list) {
			return list[i-1]
		}
		return "other"
	}
	var out []DisclosureGroup
	for _, x := range raws {
		g := DisclosureGroup{Period: int(x.p), Received: x.n, Accepted: x.acc, Rejected: x.rej, Assigned: x.asg,
			Closed: x.cls, Replied: x.rep, Merged: x.mrg, CohortClosed: x.cohortClosed}
		switch x.g {
		case 1: // region and month, kind and channel
			kind := kindList[x.k2/16%2]
			reg := code(x.k1 / 1000000)
			g.Dim, g.Key = DimRegionKindChannel, []string{reg, kind, pick(channelList, x.k2%16)}
			out = append(out, g)
			m := g
			m.Dim, m.Key = DimMonth, []string{strconv.FormatUint(x.k1%1000000, 10), kind}
			out = append(out, m)
			for i, n := range x.bits {
				if n > 0 && i < len(categoryList) {
					out = append(out, DisclosureGroup{Period: int(x.p), Dim: DimRegionKindCategory,
						Key: []string{reg, kind, categoryList[i]}, Received: n})
				}
			}
		case 2:
			cat := pick(categoryList, x.k1)
			out = append(out, DisclosureGroup{Period: int(x.p), Dim: DimSubcategory, Key: []string{cat, short[x.k2]}, Received: x.n})
			out = append(out, DisclosureGroup{Period: int(x.p), Dim: DimIndustry, Key: []string{short[x.k3]}, Received: x.n})
		case 4:
			g.Dim, g.Key = DimCohort, []string{code(x.k1), kindList[x.k2%2]}
			out = append(out, g)
		case 5:
			g.Dim, g.Key = DimRejectReason, []string{names[x.k1], kindList[x.k2%2]}
			out = append(out, g)
		}
	}
	return mergeGroups(out), nil
}

// mergeGroups sums groups with the same period, dimension and key (subcategory and industry
// rows come from finer groups) and sorts them.
func mergeGroups(in []DisclosureGroup) []DisclosureGroup {
	index := map[string]int{}
	var out []DisclosureGroup
	for _, g := range in {
		id := strconv.Itoa(g.Period) + "\x1e" + g.Dim + "\x1e" + strings.Join(g.Key, "\x1f")
		i, ok := index[id]
		if !ok {
			index[id] = len(out)
			out = append(out, g)
			continue
		}
		o := &out[i]
		o.Received += g.Received
		o.Accepted += g.Accepted
		o.Rejected += g.Rejected
		o.Assigned += g.Assigned
		o.Closed += g.Closed
		o.Replied += g.Replied
		o.Merged += g.Merged
		o.CohortClosed += g.CohortClosed
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Period != b.Period {
			return a.Period < b.Period
		}
		if a.Dim != b.Dim {
			return a.Dim < b.Dim
		}
		return strings.Join(a.Key, "\x1f") < strings.Join(b.Key, "\x1f")
	})
	return out
}

// hashNames returns the texts of the subcategory, industry and rejection-reason hashes of the
// windows.
func (s *Store) hashNames(ctx context.Context, q DisclosureQuery, windows []Period) (map[uint64]string, error) {
	query := `
SELECT cityHash64(x) AS h, any(x) FROM (
	SELECT arrayJoin([subcategory, target_industry]) AS x FROM reports
	WHERE ` + sqlInAny("received_at", windows...) + ` AND ` + scopePrefilter(q.Scope) + `
	UNION ALL
	SELECT reason AS x FROM case_events WHERE type = 'rejected' AND ` + sqlInAny("at", windows...) + `
) GROUP BY h`
	rows, err := s.conn.Query(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("store: disclosure names: %w", err)
	}
	defer rows.Close()
	names := map[uint64]string{}
	for rows.Next() {
		var h uint64
		var x string
		if err := rows.Scan(&h, &x); err != nil {
			return nil, fmt.Errorf("store: disclosure names: %w", err)
		}
		names[h] = x
	}
	return names, rows.Err()
}

// inScope restricts rows of a table with report_id to reports whose latest version is in scope
// (any receipt time).
func inScope(q DisclosureQuery) string {
	if q.Scope == "" {
		return "1"
	}
	cond, _ := scopeCond(q.Scope, "r")
	return `cityHash64(report_id) IN (
		SELECT h FROM (
			SELECT cityHash64(report_id) AS h, argMax(toUInt32OrZero(region_code), version) AS r
			FROM reports
			WHERE ` + scopeIDs(q) + `
			GROUP BY h
		) WHERE ` + cond + `)`
}

func (s *Store) disclosureClosures(ctx context.Context, q DisclosureQuery) ([]ClosureCount, []VerificationCount, error) {
	// per case and period: the finding and the verification methods named by the summary
	// (bit i for method i) of its last closure in the period
	var mask []string
	for i, m := range q.VerificationMethods {
		mask = append(mask, fmt.Sprintf("if(%s, %d, 0)", anyTerm("summary", m.Terms), uint64(1)<<i))
	}
	if len(mask) == 0 {
		mask = []string{"0"}
	}
	var ver []string
	for i := range q.VerificationMethods {
		ver = append(ver, fmt.Sprintf("countIf(period = 0 AND f = 3 AND bitTest(m, %d))", i))
	}
	ver = append(ver, "countIf(period = 0 AND f = 3)")
	query := `
SELECT period, f, count(), [` + strings.Join(ver, ", ") + `]
FROM (
	SELECT cityHash64(report_id) AS h, ` + sqlPeriod("at", q) + ` AS period,
		argMax(indexOf(['substantiated', 'partly_substantiated', 'unsubstantiated'], finding), at) AS f,
		argMax(toUInt64(` + strings.Join(mask, " + ") + `), at) AS m
	FROM case_events
	WHERE type = 'closed' AND ` + sqlInAny("at", q.Quarter, q.Previous) + ` AND ` + inScope(q) + `
	GROUP BY h, period
)
GROUP BY period, f
ORDER BY period, f`
	rows, err := s.conn.Query(ctx, query)
	if err != nil {
		return nil, nil, fmt.Errorf("store: disclosure closures: %w", err)
	}
	defer rows.Close()
	findings := []string{"", "substantiated", "partly_substantiated", "unsubstantiated"}
	var out []ClosureCount
	ver0 := make([]uint64, len(q.VerificationMethods)+1)
	for rows.Next() {
		var c ClosureCount
		var p int8
		var f uint64
		var v []uint64
		if err := rows.Scan(&p, &f, &c.Cases, &v); err != nil {
			return nil, nil, fmt.Errorf("store: disclosure closures: %w", err)
		}
		c.Period = int(p)
		if int(f) < len(findings) {
			c.Finding = findings[f]
		}
		out = append(out, c)
		for i := range v {
			ver0[i] += v[i]
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("store: disclosure closures: %w", err)
	}
	var vc []VerificationCount
	for i, m := range q.VerificationMethods {
		vc = append(vc, VerificationCount{Method: m.Name, Cases: ver0[i]})
	}
	vc = append(vc, VerificationCount{Method: "", Cases: ver0[len(ver0)-1]})
	return out, vc, nil
}

// statesInScope restricts case_states / case_deadlines to reports in scope, by the region
// code case_states recorded.
func statesInScope(q DisclosureQuery) string {
	if q.Scope == "" {
		return "1"
	}
	cond, _ := scopeCond(q.Scope, "toUInt32OrZero(region_code)")
	return "cityHash64(report_id) IN (SELECT cityHash64(report_id) FROM case_states WHERE " + cond + ")"
}

func (s *Store) disclosureDeadlines(ctx context.Context, q DisclosureQuery) ([]DeadlineCount, error) {
	steps := []string{"accept", "assign", "return", "close", "review", "recheck"}
	statuses := []string{"met", "missed_done", "overdue"}
	query := `
SELECT period, st, count(), countIf(s = 1), countIf(s = 2), countIf(s = 3), countIf(s = 0)
FROM (
	SELECT ` + sqlPeriod("due", q) + ` AS period, st, s
	FROM (
		SELECT cityHash64(report_id, step) AS h, any(indexOf(` + sqlStrings(steps) + `, step)) AS st,
			argMax(indexOf(` + sqlStrings(statuses) + `, status), as_of) AS s, argMax(due_at, as_of) AS due
		FROM case_deadlines
		WHERE ` + sqlInAny("due_at", q.Quarter, q.Previous) + ` AND ` + statesInScope(q) + `
		GROUP BY h
	)
)
WHERE period >= 0
GROUP BY period, st
ORDER BY period, st`
	rows, err := s.conn.Query(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("store: disclosure deadlines: %w", err)
	}
	defer rows.Close()
	var out []DeadlineCount
	for rows.Next() {
		var c DeadlineCount
		var p int8
		var st uint64
		if err := rows.Scan(&p, &st, &c.Due, &c.Met, &c.MissedDone, &c.Overdue, &c.Other); err != nil {
			return nil, fmt.Errorf("store: disclosure deadlines: %w", err)
		}
		c.Period = int(p)
		if st >= 1 && int(st) <= len(steps) {
			c.Step = steps[st-1]
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *Store) disclosureMatters(ctx context.Context, q DisclosureQuery) ([]MatterCount, error) {
	cond, _ := scopeCond(q.Scope, "r")
	query := `
SELECT ` + sqlPeriod("received", q) + ` AS period, k, count(), uniqExact(matter)
FROM (
	SELECT cityHash64(report_id) AS h, argMax(kind = 'petition', as_of) AS k, argMax(received_at, as_of) AS received,
		argMax(toUInt32OrZero(region_code), as_of) AS r, argMax(cityHash64(matter_id), as_of) AS matter
	FROM case_states
	WHERE ` + sqlInAny("received_at", q.Quarter, q.Previous) + `
	GROUP BY h
)
WHERE period >= 0 AND ` + cond + `
GROUP BY period, k
ORDER BY period, k`
	rows, err := s.conn.Query(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("store: disclosure matters: %w", err)
	}
	defer rows.Close()
	var out []MatterCount
	for rows.Next() {
		var c MatterCount
		var p int8
		var k uint8
		if err := rows.Scan(&p, &k, &c.Reports, &c.Matters); err != nil {
			return nil, fmt.Errorf("store: disclosure matters: %w", err)
		}
		c.Period = int(p)
		c.Kind = kindList[k%2]
		out = append(out, c)
	}
	return out, rows.Err()
}

// sqlScore is CaseScore as an expression over flags, summary, co_reporters and
// target_reports; parts names which of them (flags, summary, attention).
func sqlScore(sc CaseScore, part string) string {
	parts := []string{"0"}
	switch part {
	case "flags":
		flags := make([]string, 0, len(sc.Flags))
		for f := range sc.Flags {
			flags = append(flags, f)
		}
		sort.Strings(flags)
		for _, f := range flags {
			parts = append(parts, fmt.Sprintf("if(has(flags, %s), %d, 0)", sqlString(f), sc.Flags[f]))
		}
	case "summary":
		for _, t := range sc.Terms {
			parts = append(parts, fmt.Sprintf("if(position(summary, %s) > 0, %d, 0)", sqlString(t.Term), t.Points))
		}
	case "attention":
		if n := len(sc.SameTargetPoints); n > 0 {
			expr := "0" // the highest threshold outermost
			for i := 0; i < n; i++ {
				expr = fmt.Sprintf("if(target_reports >= %d, %d, %s)", i+2, sc.SameTargetPoints[i], expr)
			}
			parts = append(parts, expr)
		}
		if sc.CoReporterPoints != 0 {
			parts = append(parts, fmt.Sprintf("if(co_reporters >= %d, %d, 0)", sc.CoReportersAtLeast, sc.CoReporterPoints))
		}
	}
	return "toInt64(" + strings.Join(parts, " + ") + ")"
}

// candidateDays bounds the typical-case candidates to reports received at most this many days
// before the quarter (as the case detectors' history): older cases closed in the quarter are
// not candidates.
const candidateDays = 400

func (s *Store) disclosureCandidates(ctx context.Context, q DisclosureQuery) ([]CaseCandidate, error) {
	limit := q.Candidates
	if limit <= 0 {
		limit = 200
	}
	cond, _ := scopeCond(q.Scope, "r")
	closedIn := "type = 'closed' AND finding = 'substantiated' AND " + sqlIn("at", q.Quarter)
	// 1. score every case closed substantiated in the quarter (numbers only) and keep the
	// best; ties by closing time, then by the hash (stable, never shown)
	best := `
SELECT h, target_reports
FROM (
	SELECT h, closed_at, summary_points, flag_points, co_reporters, target_h FROM (
		SELECT cityHash64(report_id) AS h, max(at) AS closed_at,
			argMax(` + sqlScore(q.CaseScore, "summary") + `, at) AS summary_points
		FROM case_events
		WHERE ` + closedIn + ` AND ` + scopeIDs(q) + `
		GROUP BY h
	) AS closed
	ANY INNER JOIN (
		SELECT * FROM (
			SELECT cityHash64(report_id) AS h, argMax(toUInt32OrZero(region_code), version) AS r,
				argMax(` + sqlScore(q.CaseScore, "flags") + `, version) AS flag_points,
				argMax(co_reporters, version) AS co_reporters, argMax(cityHash64(target_key), version) AS target_h
			FROM reports
			WHERE ` + sqlIn("received_at", Period{q.Quarter.From.AddDate(0, 0, -candidateDays), q.Quarter.To}) + `
				AND ` + scopeIDs(q) + `
				AND cityHash64(report_id) IN (SELECT cityHash64(report_id) FROM case_events WHERE ` + closedIn + `)
			GROUP BY h
		) WHERE ` + cond + `
	) AS received USING h
) AS scored
ANY LEFT JOIN (
	SELECT th AS target_h, toUInt64(count()) AS target_reports FROM (
		SELECT cityHash64(report_id) AS h, argMax(cityHash64(target_key), version) AS th, argMax(target_key, version) != '' AS named
		FROM reports
		WHERE ` + sqlIn("received_at", q.Quarter) + ` AND ` + scopePrefilter(q.Scope) + `
		GROUP BY h
	)
	WHERE named
	GROUP BY th
) AS targets USING target_h
ORDER BY summary_points + flag_points + ` + sqlScore(q.CaseScore, "attention") + ` DESC, closed_at, h
LIMIT ` + strconv.Itoa(limit)
	rows, err := s.conn.Query(ctx, best)
	if err != nil {
		return nil, fmt.Errorf("store: disclosure typical-case candidates: %w", err)
	}
	var order []uint64
	targets := map[uint64]uint64{}
	for rows.Next() {
		var h, n uint64
		if err := rows.Scan(&h, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: disclosure typical-case candidates: %w", err)
		}
		order = append(order, h)
		targets[h] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: disclosure typical-case candidates: %w", err)
	}
	if len(order) == 0 {
		return nil, nil
	}
	// 2. the details of those few
	list := make([]string, len(order))
	for i, h := range order {
		list[i] = strconv.FormatUint(h, 10)
	}
	hashes := "(" + strings.Join(list, ", ") + ")"
	details := `
SELECT h, kind, category, subcategory, region_code, target_industry, flags, co_reporters, target_name, summary, closed_at
FROM (
	SELECT cityHash64(report_id) AS h, argMax(kind, version) AS kind, argMax(category, version) AS category,
		argMax(subcategory, version) AS subcategory, argMax(region_code, version) AS region_code,
		argMax(target_industry, version) AS target_industry, argMax(flags, version) AS flags,
		argMax(co_reporters, version) AS co_reporters, argMax(target_name, version) AS target_name
	FROM reports
	WHERE ` + sqlIn("received_at", Period{q.Quarter.From.AddDate(0, 0, -candidateDays), q.Quarter.To}) + `
		AND cityHash64(report_id) IN ` + hashes + `
	GROUP BY h
) AS report
ANY INNER JOIN (
	SELECT cityHash64(report_id) AS h, argMax(summary, at) AS summary, max(at) AS closed_at
	FROM case_events
	WHERE ` + closedIn + ` AND cityHash64(report_id) IN ` + hashes + `
	GROUP BY h
) AS closing USING h`
	rows, err = s.conn.Query(ctx, details)
	if err != nil {
		return nil, fmt.Errorf("store: disclosure typical-case details: %w", err)
	}
	defer rows.Close()
	byHash := map[uint64]CaseCandidate{}
	for rows.Next() {
		var h uint64
		var c CaseCandidate
		if err := rows.Scan(&h, &c.Kind, &c.Category, &c.Subcategory, &c.RegionCode, &c.Industry, &c.Flags, &c.CoReporters,
			&c.TargetName, &c.Summary, &c.ClosedAt); err != nil {
			return nil, fmt.Errorf("store: disclosure typical-case details: %w", err)
		}
		c.TargetReports = targets[h]
		c.Score = q.CaseScore.Of(c)
		byHash[h] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: disclosure typical-case details: %w", err)
	}
	var out []CaseCandidate
	for _, h := range order {
		if c, ok := byHash[h]; ok {
			out = append(out, c)
		}
	}
	return out, nil
}

// Of is the score of a candidate (the same rule as the SQL that preselects them).
func (sc CaseScore) Of(c CaseCandidate) int {
	s := 0
	for _, f := range c.Flags {
		s += sc.Flags[f]
	}
	for _, t := range sc.Terms {
		if strings.Contains(c.Summary, t.Term) {
			s += t.Points
		}
	}
	if n := len(sc.SameTargetPoints); n > 0 && c.TargetReports >= 2 {
		s += sc.SameTargetPoints[min(int(c.TargetReports), n+1)-2]
	}
	if sc.CoReporterPoints != 0 && c.CoReporters >= sc.CoReportersAtLeast {
		s += sc.CoReporterPoints
	}
	return s
}

// scopeIDs restricts rows (of reports or case events) to the reports with any version in
// scope: every version of such a report is kept, so that argMax sees the latest even when a
// correction moved the report out of the scope (the exact condition on the latest version
// follows the aggregation).
func scopeIDs(q DisclosureQuery) string {
	if q.Scope == "" {
		return "1"
	}
	return "cityHash64(report_id) IN (SELECT cityHash64(report_id) FROM reports WHERE " + scopePrefilter(q.Scope) + ")"
}
