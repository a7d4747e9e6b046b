package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/lifecycle"
)

// The dashboard queries aggregate for every jurisdiction of a scope at once: they group by the
// finest unit a figure needs (region code, city, bureau) and the dashboards package rolls the
// rows up to cities, provinces and the nation. A national generation therefore runs the same
// handful of queries as a city's, and each reads the reports of its span once.
//
// Reports are read at their latest version with argMax over the versions whose received_at
// falls in the queried span (the filter sits inside the aggregation so that only the span is
// read, as in CaseHistories); an outer filter on the latest values drops a report whose latest
// version moved out of the span or scope. The versions are grouped by a 64-bit hash of the
// report id rather than by the id itself, which is more than twice as fast on 18.16; two ids
// of one span colliding (probability about n²/2⁶⁵, 3·10⁻⁶ for ten million reports) would
// count as one report.

// Span is a half-open interval [From, To) of time.
type Span struct{ From, To time.Time }

// Contains reports whether t is in the span.
func (s Span) Contains(t time.Time) bool { return !t.Before(s.From) && t.Before(s.To) }

// CountQuery asks for report counts in several spans and per day, in one pass.
type CountQuery struct {
	Scope string // "" for the nation, a province code (ending 0000) or a prefecture code
	Spans []Span // counted separately
	// Trend is the span of the daily counts.
	Trend Span
	// IngestedAfter: reports (in the spans) first ingested after this time are counted in
	// Backfilled.
	IngestedAfter time.Time
}

// Counts is the answer to a CountQuery.
type Counts struct {
	Volumes []VolumeRow
	Daily   []DailyRow
	// Backfilled is the number of reports received in the union of the spans that were first
	// ingested after IngestedAfter.
	Backfilled uint64
}

// VolumeRow is the number of reports of one region code, channel and primary category in each
// span of the query (Counts[i] for Spans[i]).
type VolumeRow struct {
	RegionCode, Channel, Category string
	Counts                        []uint64
}

// DailyRow is the number of reports with one primary category received on one day (Asia/Shanghai)
// under one prefecture-level code prefix: CityCode is the first four digits of the region code
// followed by 00 (440300 for 440305; a placeholder such as 110100 for a district of Beijing;
// the province's own code for a province-level region code), ProvinceCode the first two
// followed by 0000.
type DailyRow struct {
	ProvinceCode, CityCode, Category string
	Day                              time.Time
	Count                            uint64
}

// TargetQuery asks for the most reported targets and the repeatedly reported ones, per
// jurisdiction.
type TargetQuery struct {
	Scope string
	// Span is the period read (e.g. 90 days); Recent its tail (e.g. the last 30 days).
	Span, Recent Span
	// TopN is the number of targets listed per jurisdiction in each list.
	TopN int
	// A repeat target has at least RepeatMin reports in Span, received in at least
	// RepeatWeeks different weeks (Monday to Sunday).
	RepeatMin, RepeatWeeks int
}

// TargetRow is one reported target (a company or site; never a reporter) in one jurisdiction.
type TargetRow struct {
	// Jurisdiction is "" for the nation, or the province or city code the figures are for.
	Jurisdiction string
	Key, Name    string
	RegionCode   string // the region most of its reports name (ties: the lowest code)
	Recent       uint64 // reports in Recent
	Total        uint64 // reports in Span
	Weeks        uint64 // distinct weeks with a report in Span
	Reporters    uint64 // distinct reporters (by pseudonym) in Span; a count only
	Last         time.Time
	Top          bool // among the TopN by Recent
	Repeat       bool // a repeat target, among the TopN of them by Total
}

// OpenWarning is the revision of a warning current at a time, when it is not closed.
type OpenWarning struct {
	WarningID, Kind, Status, Title string
	Revision                       uint32
	Level                          int
	RegionCodes, RecipientNames    []string
	OpenedAt, IssuedAt             time.Time
}

// DeadlineQuery asks for the state of the case deadlines per responsible bureau at a time.
type DeadlineQuery struct {
	Scope string // filters on the bureau's code
	At    time.Time
	// Due is the period whose deadlines count for the on-time rate (those falling due in it).
	Due Span
}

// DeadlineRow is, for one responsible bureau (its region code) and one step, the deadlines
// overdue at the query time and the deadlines that fell due in the Due span.
type DeadlineRow struct {
	Org, Step string
	// Overdue is the number of cases whose step is overdue at At: started, past due, not done
	// by At, clock not paused. OldestDue is the earliest due time among them.
	Overdue   uint64
	OldestDue time.Time
	// Of the deadlines due in the Due span: done by the due time (OnTime) or not (Late: done
	// after it, or still not done at At).
	OnTime, Late uint64
}

// IngestLag describes how current the ingested data was at a time At.
type IngestLag struct {
	At time.Time
	// NewestMessage is the newest Kafka message time among the messages ingested by At (zero
	// when none was). At − NewestMessage is the lag: nothing produced after NewestMessage had
	// been ingested at At.
	NewestMessage time.Time
	// Delay of the messages ingested in the hour before At (ingested_at − message_time):
	// median and maximum, and how many messages.
	DelayMedian, DelayMax time.Duration
	RecentMessages        uint64
	// Backfilled is the number of reports received by At that were ingested after At: the
	// page shows them although they were not known at At (Counts.Backfilled; the dashboards
	// fill it in).
	Backfilled uint64
}

// dashScopeFilter returns the condition on the raw province/city columns and on the latest
// region code (alias d_rc, a UInt32) for a scope.
func dashScopeFilter(scope string) (raw, latest string, args []any) {
	switch {
	case scope == "":
		return "1", "1", nil
	case strings.HasSuffix(scope, "0000"):
		return "province_code = ?", "intDiv(d_rc, 10000) = " + dashNumber(scope[:2]), []any{scope}
	default:
		return "city_code = ?", "intDiv(d_rc, 100) = " + dashNumber(scope[:4]), []any{scope}
	}
}

// dashPopcount is the SQL expression of the number of bits set in a UInt64 (18.16 has no
// bitCount): the usual SWAR reduction.
func dashPopcount(x string) string {
	p1 := fmt.Sprintf("minus(%s, bitAnd(bitShiftRight(%s, 1), 6148914691236517205))", x, x)
	p2 := fmt.Sprintf("plus(bitAnd(%s, 3689348814741910323), bitAnd(bitShiftRight(%s, 2), 3689348814741910323))", p1, p1)
	p3 := fmt.Sprintf("bitAnd(plus(%s, bitShiftRight(%s, 4)), 1085102592571150095)", p2, p2)
	return fmt.Sprintf("bitShiftRight(multiply(%s, 72340172838076673), 56)", p3)
}

// dashNumber is a string of digits as an SQL number ("0" when it is not one).
func dashNumber(s string) string {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return "0"
	}
	return strconv.FormatUint(n, 10)
}

// dashEnum is the SQL expression of a column's position in a list of accepted values (1-based;
// 0 for anything else): grouping by small numbers is much faster than by strings on 18.16.
func dashEnum(col string, values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = "'" + strings.ReplaceAll(v, "'", "") + "'"
	}
	return "indexOf([" + strings.Join(quoted, ", ") + "], " + col + ")"
}

func dashEnumName(values []string, i uint64) string {
	if i >= 1 && int(i) <= len(values) {
		return values[i-1]
	}
	return ""
}

func dashCode(n uint64) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%06d", n)
}

// dashLatestReports is the subquery of the latest version of the reports received in span
// within scope. Its columns are d_at (received_at) and d_rc (the region code as a UInt32: the
// province is intDiv(d_rc, 10000) * 10000, the prefecture-level prefix intDiv(d_rc, 100) * 100)
// and the extra ones given as "expression AS alias", each the expression's value at the latest
// version (or, for an expression starting with "min(" or "max(", the aggregate itself).
//
// Each column has its own argMax: one argMax over a tuple is several times slower on 18.16,
// and argMax over numbers is faster than over strings, hence the numeric region code and the
// enumerations.
func dashLatestReports(scope string, span Span, extra ...string) (string, []any) {
	return dashLatestReportsWhere(scope, span, "1", nil, extra...)
}

// dashLatestReportsWhere is dashLatestReports reading only the versions that also satisfy the
// condition where (with its arguments).
func dashLatestReportsWhere(scope string, span Span, where string, whereArgs []any, extra ...string) (string, []any) {
	raw, latest, sargs := dashScopeFilter(scope)
	cols := []string{"argMax(received_at, version) AS d_at", "argMax(toUInt32(region_code), version) AS d_rc"}
	names := []string{"d_at", "d_rc"}
	for _, e := range extra {
		expr, alias, _ := strings.Cut(e, " AS ")
		if strings.HasPrefix(expr, "min(") || strings.HasPrefix(expr, "max(") {
			cols = append(cols, expr+" AS "+alias)
		} else {
			cols = append(cols, "argMax("+expr+", version) AS "+alias)
		}
		names = append(names, alias)
	}
	q := `SELECT ` + strings.Join(names, ", ") + `
		FROM (
			SELECT cityHash64(report_id) AS d_h, ` + strings.Join(cols, ", ") + `
			FROM reports
			WHERE received_at >= ? AND received_at < ? AND ` + raw + ` AND ` + where + `
			GROUP BY d_h
		)
		WHERE d_at >= ? AND d_at < ? AND ` + latest
	args := []any{span.From, span.To}
	args = append(args, sargs...)
	args = append(args, whereArgs...)
	args = append(args, span.From, span.To)
	return q, args
}

// DashboardCounts counts reports per region code, channel and primary category in each span
// of q, and per prefecture-level prefix, primary category and day in q.Trend, in one pass over
// the reports.
func (s *Store) DashboardCounts(ctx context.Context, q CountQuery) (*Counts, error) {
	all := q.Trend
	var counts []string
	var args []any
	for i, sp := range q.Spans {
		if sp.From.Before(all.From) {
			all.From = sp.From
		}
		if sp.To.After(all.To) {
			all.To = sp.To
		}
		counts = append(counts, fmt.Sprintf("countIf(d_at >= ? AND d_at < ?) AS w%d", i))
		args = append(args, sp.From, sp.To)
	}
	counts = append(counts, "countIf(d_first > ?) AS v_back", "count() AS v_n")
	args = append(args, q.IngestedAfter)
	sub, subArgs := dashLatestReports(q.Scope, all,
		dashEnum("channel", contract.Channels)+" AS d_ch", dashEnum("category", contract.Categories)+" AS d_cat",
		"min(ingested_at) AS d_first")
	// One GROUP BY on a single UInt64 key (several times faster on 18.16 than on five columns):
	// the volumes are keyed region << 8 | channel << 4 | category; the days of the trend (a
	// report in it gives both rows, through arrayJoin) 1 << 62 | prefix << 24 | day << 4 |
	// category, prefix being the region code's first four digits and day the days since
	// 1970. The enumerations are below 16.
	query := `SELECT v_key, ` + strings.Join(counts, ", ") + `
		FROM (
			SELECT d_at, d_first, arrayJoin(if(d_at >= ? AND d_at < ?, [v_k1, v_k2], [v_k1])) AS v_key
			FROM (
				SELECT d_at, d_first,
					bitOr(bitShiftLeft(toUInt64(d_rc), 8), bitOr(bitShiftLeft(toUInt64(d_ch), 4), toUInt64(d_cat))) AS v_k1,
					bitOr(bitShiftLeft(toUInt64(1), 62), bitOr(bitShiftLeft(toUInt64(intDiv(d_rc, 100)), 24),
						bitOr(bitShiftLeft(toUInt64(toUInt16(toDate(d_at))), 4), toUInt64(d_cat)))) AS v_k2
				FROM (` + sub + `)
			)
		)
		GROUP BY v_key`
	args = append(args, q.Trend.From, q.Trend.To)
	args = append(args, subArgs...)
	rows, err := s.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: dashboard counts: %w", err)
	}
	defer rows.Close()
	out := &Counts{}
	for rows.Next() {
		var key uint64
		w := make([]uint64, len(q.Spans))
		var back, n uint64
		dst := []any{&key}
		for i := range w {
			dst = append(dst, &w[i])
		}
		dst = append(dst, &back, &n)
		if err := rows.Scan(dst...); err != nil {
			return nil, fmt.Errorf("store: dashboard counts: %w", err)
		}
		category := dashEnumName(contract.Categories, key&0xf)
		if key>>62 == 0 {
			out.Volumes = append(out.Volumes, VolumeRow{RegionCode: dashCode(key >> 8),
				Channel: dashEnumName(contract.Channels, key>>4&0xf), Category: category, Counts: w})
			out.Backfilled += back
			continue
		}
		prefix := (key >> 24 & 0xfffff) * 100
		d := time.Unix(int64(key>>4&0xffff)*86400, 0).UTC()
		out.Daily = append(out.Daily, DailyRow{ProvinceCode: dashCode(prefix / 10000 * 10000), CityCode: dashCode(prefix),
			Category: category, Count: n, Day: time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, dashShanghai)})
	}
	return out, rows.Err()
}

// dashShanghai is business time (the same zone as calendar.Shanghai).
var dashShanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// DashboardTargets lists, for the nation (when in scope), every province and every city of
// the scope, the TopN targets by reports in q.Recent and the TopN repeat targets by reports in
// q.Span. Only targets with at least two reports in q.Span are listed (a list of targets
// reported once says nothing); reports without a target are not counted.
//
// It first finds the targets named in at least two versions of reports of the span (a
// superset of those with two reports), then reads only their reports. Targets are grouped by
// 64-bit hashes of their keys, and (jurisdiction, target) pairs by a hash of the pair: numbers
// group several times faster than strings on 18.16. The keys, names and reporters of the
// targets listed are read afterwards.
func (s *Store) DashboardTargets(ctx context.Context, q TargetQuery) ([]TargetRow, error) {
	raw, _, sargs := dashScopeFilter(q.Scope)
	candidates := `cityHash64(target_key) IN (
		SELECT cityHash64(target_key) AS c_h FROM reports
		WHERE received_at >= ? AND received_at < ? AND ` + raw + ` AND target_key != ''
		GROUP BY c_h HAVING count() >= 2)`
	cargs := append([]any{q.Span.From, q.Span.To}, sargs...)
	sub, subArgs := dashLatestReportsWhere(q.Scope, q.Span, candidates, cargs, "cityHash64(target_key) AS d_tk")
	// The jurisdictions a (province, prefecture-level prefix) pair counts in: the nation when the
	// scope is the nation, the province unless the scope is a city, and the prefix when it is
	// not the province itself.
	var levels []string
	switch {
	case q.Scope == "":
		levels = []string{"toUInt64(0)", "t_pc", "t_cc"}
	case strings.HasSuffix(q.Scope, "0000"):
		levels = []string{"t_pc", "t_cc"}
	default:
		levels = []string{"t_cc"}
	}
	withCity := "[" + strings.Join(levels, ", ") + "]"
	withoutCity := withCity
	if len(levels) > 1 {
		withoutCity = "[" + strings.Join(levels[:len(levels)-1], ", ") + "]"
	}
	n := q.TopN
	if n <= 0 {
		n = 10
	}
	monday := q.Span.From.In(dashShanghai)
	monday = time.Date(monday.Year(), monday.Month(), monday.Day(), 0, 0, 0, 0, dashShanghai).
		AddDate(0, 0, -((int(monday.Weekday()) + 6) % 7))
	// The Date toMonday returns, as a number, counts days since 1970-01-01.
	firstWeek := time.Date(monday.Year(), monday.Month(), monday.Day(), 0, 0, 0, 0, time.UTC).Unix() / 86400
	// Per (prefix, target), then per (jurisdiction, target); each pair is offered to two lists
	// (kind 1: top by recent reports, kind 2: repeat targets by total) and each list keeps its
	// first n per jurisdiction. Weeks are a bitmask of the weeks since the span's first Monday.
	// The region shown is the one with most reports, ties by the lowest code, whatever the
	// engine or the order of parts: per prefix, each region's count (sumMap) folds into
	// count * 10^6 + (999999 - code), whose maximum over the prefixes (their regions are
	// disjoint) names it.
	query := `SELECT j_kind, toUInt64(j_code), j_tk, toUInt64(999999 - j_rck % 1000000), j_recent, j_total, j_weeks, j_last,
			toUInt64(` + dashPopcount("j_weeks") + `) AS j_nweeks
		FROM (
			SELECT any(j_one) AS j_code, any(t_tk) AS j_tk,
				max(arrayReduce('max', arrayMap((k, n) -> n * 1000000 + (999999 - k), t_rcs.1, t_rcs.2))) AS j_rck, sum(t_recent) AS j_recent,
				sum(t_total) AS j_total, groupBitOr(t_weeks) AS j_weeks, max(t_last) AS j_last
			FROM (
				SELECT any(intDiv(d_rc, 10000) * 10000) AS t_pc, any(intDiv(d_rc, 100) * 100) AS t_cc, any(d_tk) AS t_tk,
					sumMap([toUInt64(d_rc)], [toUInt64(1)]) AS t_rcs, countIf(d_at >= ? AND d_at < ?) AS t_recent, count() AS t_total,
					groupBitOr(toUInt64(bitShiftLeft(toUInt64(1), intDiv(toUInt32(toMonday(d_at)) - ` + strconv.FormatInt(firstWeek, 10) + `, 7)))) AS t_weeks,
					max(d_at) AS t_last
				FROM (` + sub + `)
				WHERE d_tk != cityHash64('')
				GROUP BY cityHash64(intDiv(d_rc, 100), d_tk)
			)
			ARRAY JOIN if(t_cc = t_pc, ` + withoutCity + `, ` + withCity + `) AS j_one
			GROUP BY cityHash64(j_one, t_tk)
		)
		ARRAY JOIN [1, 2] AS j_kind
		WHERE (j_kind = 1 AND j_recent > 0 AND j_total >= 2) OR (j_kind = 2 AND j_total >= ? AND j_nweeks >= ?)
		ORDER BY j_code, j_kind, if(j_kind = 1, j_recent, j_total) DESC, if(j_kind = 1, j_total, j_nweeks) DESC, j_tk
		LIMIT ? BY j_code, j_kind`
	args := append([]any{q.Recent.From, q.Recent.To}, subArgs...)
	args = append(args, max(q.RepeatMin, 2), max(q.RepeatWeeks, 1), n)
	rows, err := s.conn.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: dashboard targets: %w", err)
	}
	type key struct{ j, tk uint64 }
	index := map[key]int{}
	var out []TargetRow
	var tks []uint64
	seen := map[uint64]bool{}
	for rows.Next() {
		var kind uint8
		var j, tk, rc, weeks, nweeks uint64
		var r TargetRow
		if err := rows.Scan(&kind, &j, &tk, &rc, &r.Recent, &r.Total, &weeks, &r.Last, &nweeks); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: dashboard targets: %w", err)
		}
		r.Weeks = nweeks
		i, ok := index[key{j, tk}]
		if !ok {
			r.Jurisdiction, r.RegionCode = dashCode(j), dashCode(rc)
			i = len(out)
			index[key{j, tk}] = i
			out = append(out, r)
			if !seen[tk] {
				seen[tk] = true
				tks = append(tks, tk)
			}
		}
		if kind == 1 {
			out[i].Top = true
		} else {
			out[i].Repeat = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: dashboard targets: %w", err)
	}
	details, err := s.dashTargetDetails(ctx, q, tks)
	if err != nil {
		return nil, err
	}
	for k, i := range index {
		d := details[k.tk]
		out[i].Key, out[i].Name = d.key, d.name
		// Distinct reporters of the target in the jurisdiction: the union over its prefixes.
		people := map[uint64]bool{}
		for prefix, ps := range d.reporters {
			if k.j == 0 || k.j == prefix || k.j%10000 == 0 && prefix/10000 == k.j/10000 {
				for _, p := range ps {
					people[p] = true
				}
			}
		}
		out[i].Reporters = uint64(len(people))
	}
	return out, nil
}

// dashTarget is what is read about a listed target after the lists are made.
type dashTarget struct {
	key, name string
	reporters map[uint64][]uint64 // prefecture-level prefix → hashes of the reporters' pseudonyms
}

// dashTargetDetails reads the key, the most frequent name (ties: the first in byte order) and
// the reporters (by prefix) of the targets whose key hashes are given, from the reports of the
// query's span (all versions: these are labels and a count of people, not report counts).
func (s *Store) dashTargetDetails(ctx context.Context, q TargetQuery, hashes []uint64) (map[uint64]dashTarget, error) {
	out := map[uint64]dashTarget{}
	if len(hashes) == 0 {
		return out, nil
	}
	list := make([]string, len(hashes))
	for i, h := range hashes {
		list[i] = strconv.FormatUint(h, 10)
	}
	raw, _, sargs := dashScopeFilter(q.Scope)
	args := append([]any{q.Span.From, q.Span.To}, sargs...)
	rows, err := s.conn.Query(ctx, `
		SELECT n_h, n_prefix, min(target_key), target_name, count(), groupUniqArray(cityHash64(reporter_pseudonym))
		FROM reports
		WHERE received_at >= ? AND received_at < ? AND `+raw+`
			AND cityHash64(target_key) IN (`+strings.Join(list, ", ")+`)
		GROUP BY cityHash64(target_key) AS n_h, toUInt64(intDiv(toUInt32(region_code), 100) * 100) AS n_prefix, target_name`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: dashboard target details: %w", err)
	}
	defer rows.Close()
	names := map[uint64]map[string]uint64{} // target → name → reports naming it
	for rows.Next() {
		var h, prefix, n uint64
		var k, nm string
		var people []uint64
		if err := rows.Scan(&h, &prefix, &k, &nm, &n, &people); err != nil {
			return nil, fmt.Errorf("store: dashboard target details: %w", err)
		}
		d, ok := out[h]
		if !ok {
			d = dashTarget{key: k, reporters: map[uint64][]uint64{}}
			names[h] = map[string]uint64{}
		}
		if k < d.key {
			d.key = k
		}
		names[h][nm] += n
		d.reporters[prefix] = append(d.reporters[prefix], people...)
		out[h] = d
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: dashboard target details: %w", err)
	}
	for h, byName := range names {
		d := out[h]
		d.name = mostFrequent(byName)
		out[h] = d
	}
	return out, nil
}

// mostFrequent is the name with the highest count; ties go to the first in byte order, so the
// choice never depends on the order rows arrive in.
func mostFrequent(counts map[string]uint64) string {
	best, bestN := "", uint64(0)
	for name, n := range counts {
		if n > bestN || n == bestN && name < best {
			best, bestN = name, n
		}
	}
	return best
}

// DashboardWarnings returns the warnings open at t: for each warning, its last revision issued
// at or before t, when that revision's status is not closed.
func (s *Store) DashboardWarnings(ctx context.Context, t time.Time) ([]OpenWarning, error) {
	rows, err := s.conn.Query(ctx, `
		SELECT warning_id, max(revision) AS w_rev, argMax(kind, revision) AS w_kind, argMax(status, revision) AS w_status,
			argMax(level, revision) AS w_level, argMax(title, revision) AS w_title,
			argMax(region_codes, revision) AS w_regions, argMax(recipient_names, revision) AS w_recipients,
			min(opened_at) AS w_opened, argMax(issued_at, revision) AS w_issued
		FROM warnings
		WHERE issued_at <= ?
		GROUP BY warning_id
		HAVING w_status != 'closed'
		ORDER BY w_level, w_opened, warning_id`, t)
	if err != nil {
		return nil, fmt.Errorf("store: dashboard warnings: %w", err)
	}
	defer rows.Close()
	var out []OpenWarning
	for rows.Next() {
		var w OpenWarning
		var level uint8
		if err := rows.Scan(&w.WarningID, &w.Revision, &w.Kind, &w.Status, &level, &w.Title, &w.RegionCodes,
			&w.RecipientNames, &w.OpenedAt, &w.IssuedAt); err != nil {
			return nil, fmt.Errorf("store: dashboard warnings: %w", err)
		}
		w.Level = int(level)
		out = append(out, w)
	}
	return out, rows.Err()
}

// dashSteps are the steps of case_deadlines.
var dashSteps = []string{string(lifecycle.StepAccept), string(lifecycle.StepAssign), string(lifecycle.StepReturn),
	string(lifecycle.StepClose), string(lifecycle.StepReview), string(lifecycle.StepRecheck)}

// DashboardDeadlines returns, per responsible bureau and step, the deadlines overdue at q.At
// and the on-time figures of those due in q.Due.
//
// It reads the latest evaluation: the rows of case_deadlines with the greatest as_of. Every
// run that saves case states writes the deadlines of every case of its history window with the
// run's as_of, so those rows are a complete snapshot, and reading one snapshot needs no
// deduplication by version (a snapshot written twice has identical rows, counted once by
// report). The state at q.At follows from the columns (see migration 4): a time before the
// evaluation is answered as it stood then, except that extensions granted later are kept.
func (s *Store) DashboardDeadlines(ctx context.Context, q DeadlineQuery) ([]DeadlineRow, error) {
	cond, args := "1", []any{}
	if q.Scope != "" {
		prefix := strings.TrimRight(q.Scope, "0")
		if len(prefix) < 2 {
			prefix = q.Scope[:2]
		}
		if len(prefix)%2 == 1 {
			prefix = q.Scope[:len(prefix)+1]
		}
		cond, args = "org LIKE ?", []any{prefix + "%"}
	}
	// done_at and the other absent times are epoch 0 (1970-01-01 08:00 in Shanghai).
	const (
		overdue = `(start_at <= ? AND due_at < ? AND (done_at = toDateTime(0) OR done_at > ?) AND status != 'paused')`
		onTime  = `(due_at >= ? AND due_at < ? AND status != 'paused' AND done_at != toDateTime(0) AND done_at <= due_at AND done_at <= ?)`
		late    = `(due_at >= ? AND due_at < ? AND status != 'paused' AND NOT (done_at != toDateTime(0) AND done_at <= due_at AND done_at <= ?))`
	)
	query := `
		SELECT bitOr(bitShiftLeft(toUInt64(toUInt32OrZero(org)), 4), toUInt64(` + dashEnum("step", dashSteps) + `)) AS n_key,
			uniqExactIf(cityHash64(report_id), ` + overdue + `) AS n_overdue,
			minIf(due_at, ` + overdue + `) AS n_oldest,
			uniqExactIf(cityHash64(report_id), ` + onTime + `) AS n_ontime,
			uniqExactIf(cityHash64(report_id), ` + late + `) AS n_late
		FROM case_deadlines
		WHERE as_of = (SELECT max(as_of) FROM case_deadlines) AND ` + cond + `
			AND start_at != toDateTime(0) AND start_at <= ? AND due_at != toDateTime(0) AND due_at < ?
			AND (due_at >= ? OR done_at = toDateTime(0) OR done_at > ?)
		GROUP BY n_key`
	at, end := q.At, q.At.Add(time.Second)
	all := []any{at, at, at, at, at, at, q.Due.From, q.Due.To, at, q.Due.From, q.Due.To, at}
	all = append(all, args...)
	all = append(all, at, end, q.Due.From, at)
	rows, err := s.conn.Query(ctx, query, all...)
	if err != nil {
		return nil, fmt.Errorf("store: dashboard deadlines: %w", err)
	}
	defer rows.Close()
	var out []DeadlineRow
	for rows.Next() {
		var r DeadlineRow
		var key uint64
		if err := rows.Scan(&key, &r.Overdue, &r.OldestDue, &r.OnTime, &r.Late); err != nil {
			return nil, fmt.Errorf("store: dashboard deadlines: %w", err)
		}
		r.Org, r.Step = fmt.Sprintf("%06d", key>>4), dashEnumName(dashSteps, key&0xf)
		if r.Overdue == 0 {
			r.OldestDue = time.Time{}
		}
		if r.Overdue == 0 && r.OnTime == 0 && r.Late == 0 {
			continue
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// DashboardIngestLag measures how current ingest was at t, from the raw message archive.
func (s *Store) DashboardIngestLag(ctx context.Context, t time.Time) (IngestLag, error) {
	lag := IngestLag{At: t}
	var newest time.Time
	var n uint64
	var median, longest float64
	err := s.conn.QueryRow(ctx, `
		SELECT maxIf(message_time, ingested_at <= ?) AS g_newest,
			countIf(ingested_at > ? - 3600 AND ingested_at <= ?) AS g_n,
			quantileIf(0.5)(toFloat64(ingested_at) - toFloat64(message_time), ingested_at > ? - 3600 AND ingested_at <= ?) AS g_median,
			maxIf(toFloat64(ingested_at) - toFloat64(message_time), ingested_at > ? - 3600 AND ingested_at <= ?) AS g_max
		FROM raw_messages`, t, t, t, t, t, t, t).Scan(&newest, &n, &median, &longest)
	if err != nil {
		return lag, fmt.Errorf("store: ingest lag: %w", err)
	}
	if newest.Unix() > 0 {
		lag.NewestMessage = newest
	}
	lag.RecentMessages = n
	if n > 0 {
		lag.DelayMedian = time.Duration(median * float64(time.Second))
		lag.DelayMax = time.Duration(longest * float64(time.Second))
	}
	return lag, nil
}
