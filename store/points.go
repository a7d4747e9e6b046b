package store

import (
	"context"
	"fmt"
	"time"
)

// ReportPoint is one report as the early-warning detectors see it: where, what, when, and a
// reporter key (the keyed pseudonym; empty for an anonymous report) — never identity.
type ReportPoint struct {
	ReportID, Area, Category, Reporter string
	ReceivedAt                         time.Time
	Flags                              []string
	CoReporters                        uint32
	Text                               string // redacted title and content, for text signals
}

// ReportPoints returns the reports received in [from, to), latest versions, in time order,
// leaving out reports merged into another case by asOf (a merged duplicate is one matter with
// the case it joined). withText also loads the redacted title and content.
func (s *Store) ReportPoints(ctx context.Context, from, to, asOf time.Time, withText bool) ([]ReportPoint, error) {
	text := "''"
	if withText {
		text = "concat(argMax(title, version), '\n', argMax(content, version))"
	}
	rows, err := s.conn.Query(ctx, `
		SELECT report_id, argMax(region_code, version), argMax(category, version), argMax(reporter_pseudonym, version),
			argMax(received_at, version) AS at, argMax(flags, version), argMax(co_reporters, version), `+text+`
		FROM reports
		WHERE received_at >= ? AND received_at < ?
			AND report_id NOT IN (SELECT report_id FROM case_events WHERE type = 'merged' AND at <= ?)
		GROUP BY report_id
		ORDER BY at, report_id`, from, to, asOf)
	if err != nil {
		return nil, fmt.Errorf("store: reading report points: %w", err)
	}
	defer rows.Close()
	var out []ReportPoint
	for rows.Next() {
		var p ReportPoint
		if err := rows.Scan(&p.ReportID, &p.Area, &p.Category, &p.Reporter, &p.ReceivedAt, &p.Flags, &p.CoReporters, &p.Text); err != nil {
			return nil, fmt.Errorf("store: reading report points: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
