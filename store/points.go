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

// ReportPoints returns the reports received in [from, to) at their latest version
// (LatestReports), in time order, leaving out reports merged into another case by asOf (a
// merged duplicate is one matter with the case it joined). withText also loads the redacted
// title and content.
func (s *Store) ReportPoints(ctx context.Context, from, to, asOf time.Time, withText bool) ([]ReportPoint, error) {
	title, content := "''", "''"
	if withText {
		title, content = "title", "content"
	}
	latest := LatestReports{Received: []Period{{From: from, To: to}}, Key: "report_id",
		IDs: "report_id NOT IN (SELECT report_id FROM case_events WHERE type = 'merged' AND at <= " + Time(asOf) + ")"}
	rows, err := s.conn.Query(ctx, latest.Query(
		Latest("region_code", "p_area"), Latest("category", "p_category"), Latest("reporter_pseudonym", "p_reporter"),
		Latest("flags", "p_flags"), Latest("co_reporters", "p_co"),
		Latest(title, "p_title"), Latest(content, "p_content"),
	)+`
		ORDER BY `+LatestAt+`, `+LatestKey)
	if err != nil {
		return nil, fmt.Errorf("store: reading report points: %w", err)
	}
	defer rows.Close()
	var out []ReportPoint
	for rows.Next() {
		var p ReportPoint
		var region uint32
		var title, content string
		if err := rows.Scan(&p.ReportID, &p.ReceivedAt, &region, &p.Area, &p.Category, &p.Reporter, &p.Flags, &p.CoReporters,
			&title, &content); err != nil {
			return nil, fmt.Errorf("store: reading report points: %w", err)
		}
		if withText {
			p.Text = title + "\n" + content
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
