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

// CaseDeadline is one row of case_deadlines.
type CaseDeadline struct {
	ReportID, Step, Org, Status, RuleArticle, RuleText string
	Start, Due, Done, AsOf                             time.Time
	ExtensionDays, PausedDays                          int
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

// SaveCaseStates writes case states and their deadlines.
func (s *Store) SaveCaseStates(ctx context.Context, states []CaseState, deadlines []CaseDeadline) error {
	if len(states) > 0 {
		err := s.insert(ctx, "case states", `INSERT INTO case_states (report_id, as_of, kind, channel, received_at,
			region_code, category, stage, responsible_org, matter_id, merged_into, finding, closed_at, rejected_at,
			overdue_steps, violations, anomalies)`, func(batch driver.Batch) error {
			for _, c := range states {
				if err := batch.Append(c.ReportID, c.AsOf, c.Kind, c.Channel, orEpoch(c.ReceivedAt), c.RegionCode, c.Category,
					c.Stage, c.ResponsibleOrg, c.MatterID, c.MergedInto, c.Finding, orEpoch(c.ClosedAt), orEpoch(c.RejectedAt),
					nonNil(c.OverdueSteps), nonNil(c.Violations), nonNil(c.Anomalies)); err != nil {
					return fmt.Errorf("case %s: %w", c.ReportID, err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if len(deadlines) == 0 {
		return nil
	}
	return s.insert(ctx, "deadlines", `INSERT INTO case_deadlines (report_id, step, org, start_at, due_at, done_at,
		status, extension_days, paused_days, rule_article, rule_text, as_of)`, func(batch driver.Batch) error {
		for _, d := range deadlines {
			if err := batch.Append(d.ReportID, d.Step, d.Org, orEpoch(d.Start), orEpoch(d.Due), orEpoch(d.Done), d.Status,
				uint16(d.ExtensionDays), uint16(d.PausedDays), d.RuleArticle, d.RuleText, d.AsOf); err != nil {
				return fmt.Errorf("deadline %s/%s: %w", d.ReportID, d.Step, err)
			}
		}
		return nil
	})
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
