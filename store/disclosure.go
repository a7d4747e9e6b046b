package store

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
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
// constants). Accepted … Merged count what had happened by the end of the report's period.
type DisclosureGroup struct {
	Period                                      int
	Dim                                         string
	Key                                         []string
	Received, Accepted, Rejected, Assigned      uint64
	Closed, Replied, Merged, CohortClosed       uint64
}

// ClosureCount is the number of cases closed in a period with a finding (the last closure of a
// case within the period counts), by the report's kind.
type ClosureCount struct {
	Period        int
	Kind, Finding string
	Cases         uint64
}

// VerificationCount is the number of unsubstantiated cases closed in the quarter whose summary
// names a verification method; Method "" is the total of such cases.
type VerificationCount struct {
	Method string
	Cases  uint64
}

// DeadlineCount is the deadlines of one step that fell due in a period, by status as of
// StatesAsOf: met, missed_done, overdue, and the others (pending, paused).
type DeadlineCount struct {
	Period                             int
	Step                               string
	Due, Met, MissedDone, Overdue, Other uint64
}

// MatterCount is the reports received in a period and the matters they make (a report merged
// into another counts with that one), by kind, from case_states.
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

// scopeFilter returns a condition on the latest province_code / city_code of a report, and the
// same on a region_code column.
func scopeFilter(scope string) (reports, regionCode string, err error) {
	switch {
	case scope == "":
		return "1", "1", nil
	case len(scope) != 6 || strings.Trim(scope, "0123456789") != "":
		return "", "", fmt.Errorf("store: disclosure scope %q is not a six-digit region code", scope)
	case strings.HasSuffix(scope, "0000"):
		return "province_code = '" + scope + "'", "substring(region_code, 1, 2) = '" + scope[:2] + "'", nil
	case strings.HasSuffix(scope, "00"):
		return "city_code = '" + scope + "'", "substring(region_code, 1, 4) = '" + scope[:4] + "'", nil
	}
	return "", "", fmt.Errorf("store: disclosure scope %q is a county; the disclosure is published by the nation, provinces and prefectures", scope)
}

// sqlTime is a DateTime literal in Asia/Shanghai.
func sqlTime(t time.Time) string {
	return "toDateTime(" + strconv.FormatInt(t.Unix(), 10) + ", 'Asia/Shanghai')"
}

// sqlString quotes a string literal.
func sqlString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func sqlIn(col string, p Period) string {
	return "(" + col + " >= " + sqlTime(p.From) + " AND " + col + " < " + sqlTime(p.To) + ")"
}

// sqlPeriod is the period index of a time column, -1 outside the three periods.
func sqlPeriod(col string, q DisclosureQuery) string {
	return "multiIf(" + sqlIn(col, q.Quarter) + ", 0, " + sqlIn(col, q.Previous) + ", 1, " + sqlIn(col, q.LastYear) + ", 2, -1)"
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

// reportWindow is the receipt window read for the groups: the three periods and, for the
// 60-day cohort, receipts up to 60 days before the first acceptance of the cohort.
func reportWindow(q DisclosureQuery) (Period, Period) {
	from := q.Previous.From
	if c := q.Cohort.From.AddDate(0, 0, -60); !q.Cohort.From.IsZero() && c.Before(from) {
		from = c
	}
	if q.Quarter.From.Before(from) {
		from = q.Quarter.From
	}
	return Period{from, q.Quarter.To}, q.LastYear
}

// Disclosure runs the disclosure queries for one scope and quarter.
func (s *Store) Disclosure(ctx context.Context, q DisclosureQuery) (*DisclosureData, error) {
	scopeReports, scopeRegion, err := scopeFilter(q.Scope)
	if err != nil {
		return nil, err
	}
	progress := q.Progress
	if progress == nil {
		progress = func(string) {}
	}
	d := &DisclosureData{}

	progress("extent of the data")
	if err := s.conn.QueryRow(ctx, `SELECT
			(SELECT min(received_at) FROM reports), (SELECT max(received_at) FROM reports),
			(SELECT max(as_of) FROM case_states)`).Scan(&d.DataFrom, &d.DataTo, &d.StatesAsOf); err != nil {
		return nil, fmt.Errorf("store: disclosure: extent of the data: %w", err)
	}
	if d.StatesAsOf.Unix() <= 0 {
		d.StatesAsOf = time.Time{}
	}

	progress("reports received, by channel, category, region and month")
	if d.Groups, err = s.disclosureGroups(ctx, q, scopeReports); err != nil {
		return nil, err
	}
	progress("closures and findings")
	if d.Closures, d.Verification, err = s.disclosureClosures(ctx, q, scopeReports); err != nil {
		return nil, err
	}
	progress("deadlines and matters")
	if d.Deadlines, err = s.disclosureDeadlines(ctx, q, scopeRegion); err != nil {
		return nil, err
	}
	if d.Matters, err = s.disclosureMatters(ctx, q, scopeRegion); err != nil {
		return nil, err
	}
	progress("typical-case candidates")
	if d.Candidates, err = s.disclosureCandidates(ctx, q, scopeReports); err != nil {
		return nil, err
	}
	return d, nil
}

// scopeIDs restricts a table to the reports with a version received in window and in scope (a
// superset of the reports whose latest version is; the outer query decides on the latest).
func scopeIDs(scopeReports string, windows ...Period) string {
	if scopeReports == "1" {
		return "1"
	}
	var w []string
	for _, p := range windows {
		w = append(w, sqlIn("received_at", p))
	}
	return "report_id IN (SELECT report_id FROM reports WHERE (" + strings.Join(w, " OR ") + ") AND " + scopeReports + ")"
}

func (s *Store) disclosureGroups(ctx context.Context, q DisclosureQuery, scopeReports string) ([]DisclosureGroup, error) {
	recent, lastYear := reportWindow(q)
	inWindow := func(col string) string { return "(" + sqlIn(col, recent) + " OR " + sqlIn(col, lastYear) + ")" }
	ids := scopeIDs(scopeReports, recent, lastYear)
	// One pass: the latest version of every report received in the windows (argMax over
	// version) joined with the times of its first handling steps — both sides in one GROUP BY
	// report_id over a UNION ALL, so no side is held in memory for a JOIN. Case events are
	// idempotent on event_id (a redelivered copy is identical), so the earliest time of each
	// type is the same whichever copies are read. The outer level tags each report with its
	// period, evaluates its steps as of the period's end, and fans it out into one row per
	// dimension (ARRAY JOIN), so that every breakdown comes from the same single scan.
	const sep = `'\x1f'`
	end := "multiIf(period = 1, " + sqlTime(q.Previous.To) + ", period = 2, " + sqlTime(q.LastYear.To) + ", " + sqlTime(q.Quarter.To) + ")"
	query := `
SELECT if(d.1 = 'c60', 0, period) AS p, d.1 AS dim, d.2 AS key, count(),
	sum(accepted), sum(rejected), sum(assigned), sum(closed), sum(replied), sum(merged), sum(cohort_closed)
FROM (
	SELECT period, accepted, rejected, assigned, closed, replied, merged, cohort_closed,
		arrayFilter(x -> x.1 != '', arrayConcat(
			[(if(period >= 0, 'rkc', ''), concat(region_code, ` + sep + `, kind, ` + sep + `, channel)),
			 (if(period >= 0, 'sub', ''), concat(category, ` + sep + `, subcategory)),
			 (if(period >= 0, 'ind', ''), target_industry),
			 (if(period >= 0, 'mon', ''), concat(toString(toYYYYMM(received_at)), ` + sep + `, kind)),
			 (if(period >= 0 AND rejected, 'rej', ''), concat(rej_reason, ` + sep + `, kind)),
			 (if(cohort, 'c60', ''), concat(region_code, ` + sep + `, kind))],
			arrayMap(c -> (if(period >= 0, 'rkg', ''), concat(region_code, ` + sep + `, kind, ` + sep + `, c)),
				if(empty(categories), [category], categories)))) AS dims
	FROM (
		SELECT *,
			acc_at > 0 AND acc_at < period_end AS acc_ok,
			rej_at > 0 AND rej_at < period_end AS rej_ok,
			acc_ok AND (NOT rej_ok OR acc_at >= rej_at) AS accepted,
			rej_ok AND (NOT acc_ok OR rej_at > acc_at) AS rejected,
			asg_at > 0 AND asg_at < period_end AS assigned,
			cls_at > 0 AND cls_at < period_end AS closed,
			rep_at > 0 AND rep_at < period_end AS replied,
			mrg_at > 0 AND mrg_at < period_end AS merged,
			` + sqlIn("acc_at", q.Cohort) + ` AND NOT (mrg_at > 0 AND mrg_at < ` + sqlTime(q.Quarter.To) + `) AS cohort,
			cohort AND cls_at > 0 AND cls_at < ` + sqlTime(q.Quarter.To) + ` AS cohort_closed
		FROM (
			SELECT *, ` + sqlPeriod("received_at", q) + ` AS period, ` + end + ` AS period_end
			FROM (
				SELECT report_id,
					countIf(src = 0) AS versions,
					argMaxIf(kind, version, src = 0) AS kind,
					argMaxIf(channel, version, src = 0) AS channel,
					argMaxIf(received_at, version, src = 0) AS received_at,
					argMaxIf(region_code, version, src = 0) AS region_code,
					argMaxIf(province_code, version, src = 0) AS province_code,
					argMaxIf(city_code, version, src = 0) AS city_code,
					argMaxIf(category, version, src = 0) AS category,
					argMaxIf(categories, version, src = 0) AS categories,
					argMaxIf(subcategory, version, src = 0) AS subcategory,
					argMaxIf(target_industry, version, src = 0) AS target_industry,
					minIf(at, src = 1 AND type = 'accepted') AS acc_at,
					minIf(at, src = 1 AND type = 'rejected') AS rej_at,
					argMinIf(reason, at, src = 1 AND type = 'rejected') AS rej_reason,
					minIf(at, src = 1 AND (type = 'assigned' OR type = 'transferred')) AS asg_at,
					minIf(at, src = 1 AND type = 'closed') AS cls_at,
					minIf(at, src = 1 AND type = 'replied') AS rep_at,
					minIf(at, src = 1 AND type = 'merged') AS mrg_at
				FROM (
					SELECT report_id, 0 AS src, version, kind, channel, received_at, region_code, province_code,
						city_code, category, categories, subcategory, target_industry,
						toDateTime(0, 'Asia/Shanghai') AS at, '' AS type, '' AS reason
					FROM reports
					WHERE ` + inWindow("received_at") + ` AND ` + ids + `
					UNION ALL
					SELECT report_id, 1 AS src, toUInt32(0) AS version, '' AS kind, '' AS channel,
						toDateTime(0, 'Asia/Shanghai') AS received_at, '' AS region_code, '' AS province_code,
						'' AS city_code, '' AS category, emptyArrayString() AS categories, '' AS subcategory,
						'' AS target_industry, at, type, reason
					FROM case_events
					WHERE ` + inWindow("at") + `
						AND type IN ('accepted', 'rejected', 'assigned', 'transferred', 'closed', 'replied', 'merged')
						AND ` + ids + `
				)
				GROUP BY report_id
				HAVING versions > 0
			)
			WHERE ` + scopeReports + `
		)
	)
)
ARRAY JOIN dims AS d
GROUP BY p, dim, key
ORDER BY p, dim, key`
	rows, err := s.conn.Query(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("store: disclosure groups: %w", err)
	}
	defer rows.Close()
	var out []DisclosureGroup
	for rows.Next() {
		var g DisclosureGroup
		var p int8
		var key string
		if err := rows.Scan(&p, &g.Dim, &key, &g.Received, &g.Accepted, &g.Rejected, &g.Assigned, &g.Closed,
			&g.Replied, &g.Merged, &g.CohortClosed); err != nil {
			return nil, fmt.Errorf("store: disclosure groups: %w", err)
		}
		g.Period = int(p)
		g.Key = strings.Split(key, "\x1f")
		out = append(out, g)
	}
	return out, rows.Err()
}

// closedInPeriods is the last closure in each period of every case closed in the three
// periods, with the latest version of its report (kind and scope).
func closedInPeriods(q DisclosureQuery, scopeReports string, extra string) string {
	closedIn := "(" + sqlIn("at", q.Quarter) + " OR " + sqlIn("at", q.Previous) + " OR " + sqlIn("at", q.LastYear) + ")"
	ids := "1"
	if scopeReports != "1" {
		ids = "report_id IN (SELECT report_id FROM reports WHERE " + scopeReports + ")"
	}
	return `
		SELECT * FROM (
			SELECT report_id, period, argMax(finding, at) AS finding, argMax(summary, at) AS summary, max(at) AS closed_at
			FROM (
				SELECT report_id, ` + sqlPeriod("at", q) + ` AS period, finding, summary, at
				FROM case_events
				WHERE type = 'closed' AND ` + closedIn + ` AND ` + ids + `
			)
			GROUP BY report_id, period
		)
		ANY INNER JOIN (
			SELECT report_id, argMax(kind, version) AS kind, argMax(province_code, version) AS province_code,
				argMax(city_code, version) AS city_code` + extra + `
			FROM reports
			WHERE report_id IN (SELECT report_id FROM case_events WHERE type = 'closed' AND ` + closedIn + `)
			GROUP BY report_id
		) USING report_id
		WHERE ` + scopeReports
}

func (s *Store) disclosureClosures(ctx context.Context, q DisclosureQuery, scopeReports string) ([]ClosureCount, []VerificationCount, error) {
	var methods []string
	for _, m := range q.VerificationMethods {
		methods = append(methods, "countIf(period = 0 AND finding = 'unsubstantiated' AND "+anyTerm("summary", m.Terms)+")")
	}
	methods = append(methods, "countIf(period = 0 AND finding = 'unsubstantiated')")
	// one row per (period, kind, finding); the verification counts repeat on every row and are
	// read from the totals row (WITH TOTALS is avoided: it needs care on old servers).
	query := `
SELECT period, kind, finding, count(), [` + strings.Join(methods, ", ") + `]
FROM (` + closedInPeriods(q, scopeReports, "") + `)
GROUP BY period, kind, finding
ORDER BY period, kind, finding`
	rows, err := s.conn.Query(ctx, query)
	if err != nil {
		return nil, nil, fmt.Errorf("store: disclosure closures: %w", err)
	}
	defer rows.Close()
	var out []ClosureCount
	ver := make([]uint64, len(q.VerificationMethods)+1)
	for rows.Next() {
		var c ClosureCount
		var p int8
		var v []uint64
		if err := rows.Scan(&p, &c.Kind, &c.Finding, &c.Cases, &v); err != nil {
			return nil, nil, fmt.Errorf("store: disclosure closures: %w", err)
		}
		c.Period = int(p)
		out = append(out, c)
		for i := range v {
			ver[i] += v[i]
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("store: disclosure closures: %w", err)
	}
	var vc []VerificationCount
	for i, m := range q.VerificationMethods {
		vc = append(vc, VerificationCount{Method: m.Name, Cases: ver[i]})
	}
	vc = append(vc, VerificationCount{Method: "", Cases: ver[len(ver)-1]})
	return out, vc, nil
}

func (s *Store) disclosureDeadlines(ctx context.Context, q DisclosureQuery, scopeRegion string) ([]DeadlineCount, error) {
	ids := "1"
	if scopeRegion != "1" {
		ids = "report_id IN (SELECT report_id FROM case_states WHERE " + scopeRegion + ")"
	}
	dueIn := "(" + sqlIn("due_at", q.Quarter) + " OR " + sqlIn("due_at", q.Previous) + " OR " + sqlIn("due_at", q.LastYear) + ")"
	query := `
SELECT ` + sqlPeriod("due", q) + ` AS period, step, count(), countIf(status = 'met'), countIf(status = 'missed_done'),
	countIf(status = 'overdue'), countIf(status NOT IN ('met', 'missed_done', 'overdue'))
FROM (
	SELECT report_id, step, argMax(status, as_of) AS status, argMax(due_at, as_of) AS due
	FROM case_deadlines
	WHERE ` + dueIn + ` AND ` + ids + `
	GROUP BY report_id, step
)
WHERE period >= 0
GROUP BY period, step
ORDER BY period, step`
	rows, err := s.conn.Query(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("store: disclosure deadlines: %w", err)
	}
	defer rows.Close()
	var out []DeadlineCount
	for rows.Next() {
		var c DeadlineCount
		var p int8
		if err := rows.Scan(&p, &c.Step, &c.Due, &c.Met, &c.MissedDone, &c.Overdue, &c.Other); err != nil {
			return nil, fmt.Errorf("store: disclosure deadlines: %w", err)
		}
		c.Period = int(p)
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *Store) disclosureMatters(ctx context.Context, q DisclosureQuery, scopeRegion string) ([]MatterCount, error) {
	in := "(" + sqlIn("received_at", q.Quarter) + " OR " + sqlIn("received_at", q.Previous) + " OR " + sqlIn("received_at", q.LastYear) + ")"
	query := `
SELECT ` + sqlPeriod("received", q) + ` AS period, kind, count(), uniqExact(matter)
FROM (
	SELECT report_id, argMax(kind, as_of) AS kind, argMax(received_at, as_of) AS received,
		argMax(region_code, as_of) AS region_code, argMax(matter_id, as_of) AS matter
	FROM case_states
	WHERE ` + in + `
	GROUP BY report_id
)
WHERE period >= 0 AND ` + scopeRegion + `
GROUP BY period, kind
ORDER BY period, kind`
	rows, err := s.conn.Query(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("store: disclosure matters: %w", err)
	}
	defer rows.Close()
	var out []MatterCount
	for rows.Next() {
		var c MatterCount
		var p int8
		if err := rows.Scan(&p, &c.Kind, &c.Reports, &c.Matters); err != nil {
			return nil, fmt.Errorf("store: disclosure matters: %w", err)
		}
		c.Period = int(p)
		out = append(out, c)
	}
	return out, rows.Err()
}

// sqlScore is CaseScore as an expression over flags, summary, co_reporters and
// target_reports.
func sqlScore(sc CaseScore) string {
	parts := []string{"0"}
	flags := make([]string, 0, len(sc.Flags))
	for f := range sc.Flags {
		flags = append(flags, f)
	}
	sort.Strings(flags)
	for _, f := range flags {
		parts = append(parts, fmt.Sprintf("if(has(flags, %s), %d, 0)", sqlString(f), sc.Flags[f]))
	}
	for _, t := range sc.Terms {
		parts = append(parts, fmt.Sprintf("if(position(summary, %s) > 0, %d, 0)", sqlString(t.Term), t.Points))
	}
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
	return strings.Join(parts, " + ")
}

func (s *Store) disclosureCandidates(ctx context.Context, q DisclosureQuery, scopeReports string) ([]CaseCandidate, error) {
	limit := q.Candidates
	if limit <= 0 {
		limit = 200
	}
	targetsIn := "1"
	if scopeReports != "1" {
		targetsIn = scopeReports
	}
	// the cases closed substantiated in the quarter, with the number of reports about the same
	// target received in the quarter (in scope), best score first; ties by closing time and a
	// hash of the report id (stable, never returned)
	query := `
SELECT kind, category, subcategory, region_code, target_industry, flags, co_reporters, target_reports,
	target_name, summary, closed_at, ` + sqlScore(q.CaseScore) + ` AS score
FROM (
	SELECT * FROM (` + closedInPeriods(q, scopeReports, `,
				argMax(category, version) AS category, argMax(subcategory, version) AS subcategory,
				argMax(region_code, version) AS region_code, argMax(target_industry, version) AS target_industry,
				argMax(flags, version) AS flags, argMax(co_reporters, version) AS co_reporters,
				argMax(target_key, version) AS target_key, argMax(target_name, version) AS target_name`) + `
		AND period = 0 AND finding = 'substantiated'
	)
	ANY LEFT JOIN (
		SELECT target_key, toUInt64(uniqExact(report_id)) AS target_reports
		FROM reports
		WHERE ` + sqlIn("received_at", q.Quarter) + ` AND target_key != '' AND ` + targetsIn + `
		GROUP BY target_key
	) USING target_key
)
ORDER BY score DESC, closed_at, cityHash64(report_id)
LIMIT ` + strconv.Itoa(limit)
	rows, err := s.conn.Query(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("store: disclosure typical-case candidates: %w", err)
	}
	defer rows.Close()
	var out []CaseCandidate
	for rows.Next() {
		var c CaseCandidate
		var score int64
		if err := rows.Scan(&c.Kind, &c.Category, &c.Subcategory, &c.RegionCode, &c.Industry, &c.Flags, &c.CoReporters,
			&c.TargetReports, &c.TargetName, &c.Summary, &c.ClosedAt, &score); err != nil {
			return nil, fmt.Errorf("store: disclosure typical-case candidates: %w", err)
		}
		c.Score = int(score)
		out = append(out, c)
	}
	return out, rows.Err()
}
