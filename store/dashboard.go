package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// The dashboard queries aggregate for every jurisdiction of a scope at once: they group by the
// finest unit a figure needs (region code, city, bureau) and the dashboards package rolls the
// rows up to cities, provinces and the nation. A national generation therefore runs the same
// handful of queries as a city's.
//
// Reports are read at their latest version with argMax over the versions whose received_at
// falls in the queried span (the filter sits inside the aggregation so that only the span is
// read, as in CaseHistories); a HAVING on the latest values drops a report whose latest version
// moved out of the span or scope.

// Span is a half-open interval [From, To) of time.
type Span struct{ From, To time.Time }

// Contains reports whether t is in the span.
func (s Span) Contains(t time.Time) bool { return !t.Before(s.From) && t.Before(s.To) }

// VolumeQuery asks for report counts in several spans at once.
type VolumeQuery struct {
	Scope string // "" for the nation, a province code (ending 0000) or a prefecture code
	Spans []Span // counted separately; reports outside all spans are not read
}

// VolumeRow is the number of reports of one region code, channel and primary category in each
// span of the query (Counts[i] for Spans[i]).
type VolumeRow struct {
	RegionCode, Channel, Category string
	Counts                        []uint64
}

// DailyRow is the number of reports of one city (or of a province when the report names no
// city) with one primary category received on one day (Asia/Shanghai).
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
	RegionCode   string // the region most of its reports name
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
	// Backfilled is the number of reports received by At (in the span asked) that were
	// ingested after At: the page shows them although they were not known at At.
	Backfilled uint64
}

// dashScopeFilter returns the condition on the raw province/city columns and on their latest
// values (aliases pc, cc) for a scope.
func dashScopeFilter(scope string) (raw, latest string, args []any) {
	switch {
	case scope == "":
		return "1", "1", nil
	case strings.HasSuffix(scope, "0000"):
		return "province_code = ?", "d_pc = ?", []any{scope}
	default:
		return "city_code = ?", "d_cc = ?", []any{scope}
	}
}

// dashLatestReports is the subquery of the latest version of the reports received in span within
// scope, with the columns d_at (received_at), d_rc (region code), d_pc, d_cc (province and
// city codes), d_ch (channel), d_cat (primary category) and the extra columns given as
// "argMax expression AS alias".
func dashLatestReports(scope string, span Span, extra ...string) (string, []any) {
	raw, latest, sargs := dashScopeFilter(scope)
	cols := []string{
		"argMax(received_at, version) AS d_at", "argMax(region_code, version) AS d_rc",
		"argMax(province_code, version) AS d_pc", "argMax(city_code, version) AS d_cc",
		"argMax(channel, version) AS d_ch", "argMax(category, version) AS d_cat",
	}
	cols = append(cols, extra...)
	q := `SELECT report_id, ` + strings.Join(cols, ", ") + `
		FROM reports
		WHERE received_at >= ? AND received_at < ? AND ` + raw + `
		GROUP BY report_id
		HAVING d_at >= ? AND d_at < ? AND ` + latest
	args := []any{span.From, span.To}
	args = append(args, sargs...)
	args = append(args, span.From, span.To)
	args = append(args, sargs...)
	return q, args
}

// DashboardVolumes counts reports per region code, channel and primary category in each span
// of q, in one pass over the union of the spans.
func (s *Store) DashboardVolumes(ctx context.Context, q VolumeQuery) ([]VolumeRow, error) {
	if len(q.Spans) == 0 {
		return nil, nil
	}
	all := q.Spans[0]
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
	sub, subArgs := dashLatestReports(q.Scope, all)
	query := `SELECT d_rc, d_ch, d_cat, ` + strings.Join(counts, ", ") + `
		FROM (` + sub + `)
		GROUP BY d_rc, d_ch, d_cat`
	rows, err := s.conn.Query(ctx, query, append(args, subArgs...)...)
	if err != nil {
		return nil, fmt.Errorf("store: dashboard volumes: %w", err)
	}
	defer rows.Close()
	var out []VolumeRow
	for rows.Next() {
		r := VolumeRow{Counts: make([]uint64, len(q.Spans))}
		dst := []any{&r.RegionCode, &r.Channel, &r.Category}
		for i := range r.Counts {
			dst = append(dst, &r.Counts[i])
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, fmt.Errorf("store: dashboard volumes: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// DashboardDaily counts reports per city, day and primary category in span.
func (s *Store) DashboardDaily(ctx context.Context, scope string, span Span) ([]DailyRow, error) {
	sub, args := dashLatestReports(scope, span)
	rows, err := s.conn.Query(ctx, `SELECT d_pc, d_cc, d_cat, toDate(d_at) AS d_day, count() AS d_n
		FROM (`+sub+`)
		GROUP BY d_pc, d_cc, d_cat, d_day`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: dashboard daily counts: %w", err)
	}
	defer rows.Close()
	var out []DailyRow
	for rows.Next() {
		var r DailyRow
		var day time.Time
		if err := rows.Scan(&r.ProvinceCode, &r.CityCode, &r.Category, &day, &r.Count); err != nil {
			return nil, fmt.Errorf("store: dashboard daily counts: %w", err)
		}
		// A Date comes back as midnight UTC; the day is a Shanghai calendar day.
		r.Day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, dashShanghai)
		out = append(out, r)
	}
	return out, rows.Err()
}

// dashShanghai is business time (the same zone as calendar.Shanghai; store does not import
// calendar).
var dashShanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// DashboardTargets lists, for the nation (when in scope), every province and every city of
// the scope, the TopN targets by reports in q.Recent and the TopN repeat targets by reports in
// q.Span. Reports without a target are not counted.
func (s *Store) DashboardTargets(ctx context.Context, q TargetQuery) ([]TargetRow, error) {
	sub, subArgs := dashLatestReports(q.Scope, q.Span,
		"argMax(target_key, version) AS d_tk", "argMax(target_name, version) AS d_tn",
		"argMax(reporter_pseudonym, version) AS d_rp")
	// The jurisdictions a (province, city) pair counts in: the nation when the scope is the
	// nation, the province unless the scope is a city, and the city when there is one.
	var levels []string
	switch {
	case q.Scope == "":
		levels = []string{"''", "t_pc", "t_cc"}
	case strings.HasSuffix(q.Scope, "0000"):
		levels = []string{"t_pc", "t_cc"}
	default:
		levels = []string{"t_cc"}
	}
	withCity := "[" + strings.Join(levels, ", ") + "]"
	withoutCity := "[" + strings.Join(levels[:len(levels)-1], ", ") + "]"
	if len(levels) == 1 {
		withoutCity = "['']" // unreachable for a city scope: every row has the city
	}
	inner := `SELECT d_pc AS t_pc, d_cc AS t_cc, d_tk AS t_tk, any(d_tn) AS t_tn, anyHeavy(d_rc) AS t_rc,
			countIf(d_at >= ? AND d_at < ?) AS t_recent, count() AS t_total,
			uniqExactState(toMonday(d_at)) AS t_weeks, uniqExactState(d_rp) AS t_rps, max(d_at) AS t_last
		FROM (` + sub + `)
		WHERE d_tk != ''
		GROUP BY t_pc, t_cc, t_tk`
	innerArgs := append([]any{q.Recent.From, q.Recent.To}, subArgs...)
	outer := func(having, order string) string {
		return `SELECT j_code, t_tk, any(t_tn) AS j_name, any(t_rc) AS j_rc, sum(t_recent) AS j_recent,
				sum(t_total) AS j_total, uniqExactMerge(t_weeks) AS j_weeks, uniqExactMerge(t_rps) AS j_rps,
				max(t_last) AS j_last
			FROM (` + inner + `)
			ARRAY JOIN if(t_cc = '', ` + withoutCity + `, ` + withCity + `) AS j_code
			GROUP BY j_code, t_tk
			` + having + `
			ORDER BY j_code, ` + order + `, t_tk
			LIMIT ? BY j_code`
	}
	type key struct{ j, k string }
	index := map[key]int{}
	var out []TargetRow
	run := func(query string, args []any, mark func(*TargetRow)) error {
		rows, err := s.conn.Query(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("store: dashboard targets: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r TargetRow
			if err := rows.Scan(&r.Jurisdiction, &r.Key, &r.Name, &r.RegionCode, &r.Recent, &r.Total,
				&r.Weeks, &r.Reporters, &r.Last); err != nil {
				return fmt.Errorf("store: dashboard targets: %w", err)
			}
			k := key{r.Jurisdiction, r.Key}
			if i, ok := index[k]; ok {
				mark(&out[i])
				continue
			}
			mark(&r)
			index[k] = len(out)
			out = append(out, r)
		}
		return rows.Err()
	}
	n := q.TopN
	if n <= 0 {
		n = 10
	}
	if err := run(outer("HAVING j_recent > 0", "j_recent DESC, j_total DESC"), append(innerArgs, n),
		func(r *TargetRow) { r.Top = true }); err != nil {
		return nil, err
	}
	having := fmt.Sprintf("HAVING j_total >= %d AND j_weeks >= %d", max(q.RepeatMin, 1), max(q.RepeatWeeks, 1))
	if err := run(outer(having, "j_total DESC, j_weeks DESC"), append(innerArgs, n),
		func(r *TargetRow) { r.Repeat = true }); err != nil {
		return nil, err
	}
	return out, nil
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

// DashboardDeadlines returns, per responsible bureau and step, the deadlines overdue at q.At
// and the on-time figures of those due in q.Due. It reads case_deadlines at their latest
// evaluation; the state at q.At follows from the columns (see migration 4), so a time before
// the last evaluation is answered as it stood then (stages advanced later are not undone).
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
	query := `
		SELECT l_org, l_step,
			countIf(l_start <= ? AND l_due < ? AND (l_done = toDateTime(0) OR l_done > ?) AND l_status != 'paused') AS n_overdue,
			minIf(l_due, l_start <= ? AND l_due < ? AND (l_done = toDateTime(0) OR l_done > ?) AND l_status != 'paused') AS n_oldest,
			countIf(l_due >= ? AND l_due < ? AND l_status != 'paused' AND l_done != toDateTime(0) AND l_done <= l_due AND l_done <= ?) AS n_ontime,
			countIf(l_due >= ? AND l_due < ? AND l_status != 'paused' AND NOT (l_done != toDateTime(0) AND l_done <= l_due AND l_done <= ?)) AS n_late
		FROM (
			SELECT report_id, step AS l_step, argMax(org, as_of) AS l_org, argMax(start_at, as_of) AS l_start,
				argMax(due_at, as_of) AS l_due, argMax(done_at, as_of) AS l_done, argMax(status, as_of) AS l_status
			FROM case_deadlines
			WHERE ` + cond + ` AND start_at <= ? AND start_at != toDateTime(0) AND due_at != toDateTime(0)
				AND (due_at >= ? OR done_at = toDateTime(0) OR done_at > ?)
			GROUP BY report_id, step
		)
		GROUP BY l_org, l_step`
	at := q.At
	all := []any{at, at, at, at, at, at, q.Due.From, q.Due.To, at, q.Due.From, q.Due.To, at}
	all = append(all, args...)
	all = append(all, at, q.Due.From, at)
	rows, err := s.conn.Query(ctx, query, all...)
	if err != nil {
		return nil, fmt.Errorf("store: dashboard deadlines: %w", err)
	}
	defer rows.Close()
	var out []DeadlineRow
	for rows.Next() {
		var r DeadlineRow
		if err := rows.Scan(&r.Org, &r.Step, &r.Overdue, &r.OldestDue, &r.OnTime, &r.Late); err != nil {
			return nil, fmt.Errorf("store: dashboard deadlines: %w", err)
		}
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

// DashboardIngestLag measures how current ingest was at t. reportsSince bounds the reports
// examined for backfill (received in [reportsSince, t]).
func (s *Store) DashboardIngestLag(ctx context.Context, t, reportsSince time.Time) (IngestLag, error) {
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
	err = s.conn.QueryRow(ctx, `
		SELECT uniqExact(report_id) FROM reports
		WHERE received_at >= ? AND received_at <= ? AND ingested_at > ?`, reportsSince, t, t).Scan(&lag.Backfilled)
	if err != nil {
		return lag, fmt.Errorf("store: ingest lag (backfill): %w", err)
	}
	return lag, nil
}
