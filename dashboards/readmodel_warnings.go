package dashboards

import (
	"context"
	"fmt"
	"time"
)

// Warnings returns the warnings open at t: for each warning, its last revision issued at or
// before t, when that revision's status is not closed.
func (m *ReadModel) Warnings(ctx context.Context, t time.Time) ([]OpenWarning, error) {
	rows, err := m.db.Query(ctx, `
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
		return nil, fmt.Errorf("dashboards: warnings: %w", err)
	}
	defer rows.Close()
	var out []OpenWarning
	for rows.Next() {
		var w OpenWarning
		var level uint8
		if err := rows.Scan(&w.WarningID, &w.Revision, &w.Kind, &w.Status, &level, &w.Title, &w.RegionCodes,
			&w.RecipientNames, &w.OpenedAt, &w.IssuedAt); err != nil {
			return nil, fmt.Errorf("dashboards: warnings: %w", err)
		}
		w.Level = int(level)
		out = append(out, w)
	}
	return out, rows.Err()
}
