package store

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// CaseState is one row of case_states.
type CaseState struct {
	ReportID, Kind, Channel, RegionCode, Category, Stage, ResponsibleOrg string
	MatterID, MergedInto, Finding                                        string
	ReceivedAt, ClosedAt, RejectedAt, AsOf                               time.Time
	OverdueSteps, Violations, Anomalies                                  []string
}

// CaseDeadline is one row of case_deadlines. The rule is named by its article (the column
// rule_text is left empty; see migration 4).
type CaseDeadline struct {
	ReportID, Step, Org, Status, RuleArticle string
	Start, Due, Done, AsOf                   time.Time
	ExtensionDays, PausedDays                int
}

// MergeSuggestion is one group of likely duplicates.
type MergeSuggestion struct {
	GroupID, Reason, TargetKey, Category, RegionCode string
	ReportIDs                                        []string
	First, Last, AsOf                                time.Time
	Merged                                           bool
}

// epoch stands for an absent time in DateTime columns (which cannot hold Go's zero time).
var epoch = time.Unix(0, 0)

func orEpoch(t time.Time) time.Time {
	if t.IsZero() {
		return epoch
	}
	return t
}

// SaveCaseStates writes case states and their deadlines, column by column: a national history
// is a million states and three million deadlines.
func (s *Store) SaveCaseStates(ctx context.Context, states []CaseState, deadlines []CaseDeadline) error {
	if len(states) > 0 {
		err := s.insert(ctx, "case states", `INSERT INTO case_states (report_id, as_of, kind, channel, received_at,
			region_code, category, stage, responsible_org, matter_id, merged_into, finding, closed_at, rejected_at,
			overdue_steps, violations, anomalies)`, func(batch driver.Batch) error {
			return appendColumns(batch,
				column(states, func(c *CaseState) string { return c.ReportID }),
				column(states, func(c *CaseState) time.Time { return c.AsOf }),
				column(states, func(c *CaseState) string { return c.Kind }),
				column(states, func(c *CaseState) string { return c.Channel }),
				column(states, func(c *CaseState) time.Time { return orEpoch(c.ReceivedAt) }),
				column(states, func(c *CaseState) string { return c.RegionCode }),
				column(states, func(c *CaseState) string { return c.Category }),
				column(states, func(c *CaseState) string { return c.Stage }),
				column(states, func(c *CaseState) string { return c.ResponsibleOrg }),
				column(states, func(c *CaseState) string { return c.MatterID }),
				column(states, func(c *CaseState) string { return c.MergedInto }),
				column(states, func(c *CaseState) string { return c.Finding }),
				column(states, func(c *CaseState) time.Time { return orEpoch(c.ClosedAt) }),
				column(states, func(c *CaseState) time.Time { return orEpoch(c.RejectedAt) }),
				column(states, func(c *CaseState) []string { return nonNil(c.OverdueSteps) }),
				column(states, func(c *CaseState) []string { return nonNil(c.Violations) }),
				column(states, func(c *CaseState) []string { return nonNil(c.Anomalies) }))
		})
		if err != nil {
			return err
		}
	}
	if len(deadlines) == 0 {
		return nil
	}
	return s.insert(ctx, "deadlines", `INSERT INTO case_deadlines (report_id, step, org, start_at, due_at, done_at,
		status, extension_days, paused_days, rule_article, as_of)`, func(batch driver.Batch) error {
		return appendColumns(batch,
			column(deadlines, func(d *CaseDeadline) string { return d.ReportID }),
			column(deadlines, func(d *CaseDeadline) string { return d.Step }),
			column(deadlines, func(d *CaseDeadline) string { return d.Org }),
			column(deadlines, func(d *CaseDeadline) time.Time { return orEpoch(d.Start) }),
			column(deadlines, func(d *CaseDeadline) time.Time { return orEpoch(d.Due) }),
			column(deadlines, func(d *CaseDeadline) time.Time { return orEpoch(d.Done) }),
			column(deadlines, func(d *CaseDeadline) string { return d.Status }),
			column(deadlines, func(d *CaseDeadline) uint16 { return uint16(d.ExtensionDays) }),
			column(deadlines, func(d *CaseDeadline) uint16 { return uint16(d.PausedDays) }),
			column(deadlines, func(d *CaseDeadline) string { return d.RuleArticle }),
			column(deadlines, func(d *CaseDeadline) time.Time { return d.AsOf }))
	})
}

// column is one column of rows, for a columnar append.
func column[R, V any](rows []R, value func(*R) V) []V {
	out := make([]V, len(rows))
	for i := range rows {
		out[i] = value(&rows[i])
	}
	return out
}

// appendColumns appends whole columns to a batch, in the order of its INSERT.
func appendColumns(batch driver.Batch, columns ...any) error {
	for i, c := range columns {
		if err := batch.Column(i).Append(c); err != nil {
			return fmt.Errorf("column %d: %w", i+1, err)
		}
	}
	return nil
}

// SaveMergeSuggestions writes groups of likely duplicates.
func (s *Store) SaveMergeSuggestions(ctx context.Context, groups []MergeSuggestion) error {
	if len(groups) == 0 {
		return nil
	}
	return s.insert(ctx, "merge suggestions", `INSERT INTO merge_suggestions (group_id, as_of, reason, report_ids, target_key,
		category, region_code, first_at, last_at, merged)`, func(batch driver.Batch) error {
		for _, g := range groups {
			merged := uint8(0)
			if g.Merged {
				merged = 1
			}
			if err := batch.Append(g.GroupID, g.AsOf, g.Reason, nonNil(g.ReportIDs), g.TargetKey, g.Category, g.RegionCode,
				orEpoch(g.First), orEpoch(g.Last), merged); err != nil {
				return fmt.Errorf("group %s: %w", g.GroupID, err)
			}
		}
		return nil
	})
}
