package reports

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ecowatch/ecowatch/store"
)

// candidateDays bounds the typical-case candidates to reports received at most this many days
// before the quarter (as the case detectors' history): older cases closed in the quarter are
// not candidates.
const candidateDays = 400

// candidates returns the best Query.Candidates cases closed substantiated in the quarter by
// CaseScore, scored on the server (numbers only), then their details.
func (m *ReadModel) candidates(ctx context.Context, q Query) ([]CaseCandidate, error) {
	limit := q.Candidates
	if limit <= 0 {
		limit = 200
	}
	closedIn := "type = 'closed' AND finding = 'substantiated' AND " + store.In("at", q.Quarter)
	history := store.Period{From: q.Quarter.From.AddDate(0, 0, -candidateDays), To: q.Quarter.To}
	// the reports closed substantiated in the quarter, at their latest version, received in the
	// history and in the scope
	closed := store.LatestReports{Received: []store.Period{history}, Scope: q.Scope,
		IDs: "cityHash64(report_id) IN (SELECT cityHash64(report_id) FROM case_events WHERE " + closedIn + ")"}
	eventsOf := "1"
	if !q.Scope.IsNation() {
		eventsOf = "cityHash64(report_id) IN (" + closed.KeySet() + ")"
	}
	// the reports of the quarter in the scope per target, for the attention points
	quarter := store.LatestReports{Received: []store.Period{q.Quarter}, Scope: q.Scope}
	// 1. score every case closed substantiated in the quarter and keep the best; ties by closing
	// time, then by the hash (stable, never shown)
	best := `
SELECT h, target_reports, summary_points + flag_points + ` + q.CaseScore.sql(scoreAttention) + ` AS score
FROM (
	SELECT h, closed_at, summary_points, flag_points, co_reporters, target_h
	FROM (
		SELECT cityHash64(report_id) AS h, max(at) AS closed_at,
			argMax(` + q.CaseScore.sql(scoreSummary) + `, at) AS summary_points
		FROM case_events
		WHERE ` + closedIn + ` AND ` + eventsOf + `
		GROUP BY h
	) AS closings
	ANY INNER JOIN (
		SELECT ` + store.LatestKey + ` AS h, flag_points, co_reporters, target_h
		FROM (` + closed.Query(store.Latest(q.CaseScore.sql(scoreFlags), "flag_points"), store.Latest("co_reporters", "co_reporters"),
		store.Latest("cityHash64(target_key)", "target_h")) + `)
	) AS closed_reports USING h
) AS scored
ANY LEFT JOIN (
	SELECT th AS target_h, toUInt64(count()) AS target_reports
	FROM (` + quarter.Query(store.Latest("cityHash64(target_key)", "th"), store.Latest("target_key != ''", "named")) + `)
	WHERE named
	GROUP BY th
) AS targets USING target_h
ORDER BY score DESC, closed_at, h
LIMIT ` + strconv.Itoa(limit)
	rows, err := m.db.Query(ctx, best)
	if err != nil {
		return nil, fmt.Errorf("reports: disclosure typical-case candidates: %w", err)
	}
	var order []uint64
	type ranked struct {
		targets uint64
		score   int64
	}
	byRank := map[uint64]ranked{}
	for rows.Next() {
		var h, n uint64
		var sc int64
		if err := rows.Scan(&h, &n, &sc); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reports: disclosure typical-case candidates: %w", err)
		}
		order = append(order, h)
		byRank[h] = ranked{n, sc}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reports: disclosure typical-case candidates: %w", err)
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
	picked := store.LatestReports{Received: []store.Period{history}, IDs: "cityHash64(report_id) IN " + hashes}
	details := `
SELECT h, kind, category, subcategory, region_code, target_industry, flags, co_reporters, target_name, summary, closed_at
FROM (
	SELECT ` + store.LatestKey + ` AS h, kind, category, subcategory, region_code, target_industry, flags, co_reporters, target_name
	FROM (` + picked.Query(store.Latest("kind", "kind"), store.Latest("category", "category"), store.Latest("subcategory", "subcategory"),
		store.Latest("region_code", "region_code"), store.Latest("target_industry", "target_industry"), store.Latest("flags", "flags"),
		store.Latest("co_reporters", "co_reporters"), store.Latest("target_name", "target_name")) + `)
) AS picked
ANY INNER JOIN (
	SELECT cityHash64(report_id) AS h, argMax(summary, at) AS summary, max(at) AS closed_at
	FROM case_events
	WHERE ` + closedIn + ` AND cityHash64(report_id) IN ` + hashes + `
	GROUP BY h
) AS closing USING h`
	rows, err = m.db.Query(ctx, details)
	if err != nil {
		return nil, fmt.Errorf("reports: disclosure typical-case details: %w", err)
	}
	defer rows.Close()
	byHash := map[uint64]CaseCandidate{}
	for rows.Next() {
		var h uint64
		var c CaseCandidate
		if err := rows.Scan(&h, &c.Kind, &c.Category, &c.Subcategory, &c.RegionCode, &c.Industry, &c.Flags, &c.CoReporters,
			&c.TargetName, &c.Summary, &c.ClosedAt); err != nil {
			return nil, fmt.Errorf("reports: disclosure typical-case details: %w", err)
		}
		c.TargetReports = byRank[h].targets
		c.Score = q.CaseScore.Of(c)
		c.RankScore = int(byRank[h].score)
		byHash[h] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reports: disclosure typical-case details: %w", err)
	}
	var out []CaseCandidate
	for _, h := range order {
		if c, ok := byHash[h]; ok {
			out = append(out, c)
		}
	}
	return out, nil
}
