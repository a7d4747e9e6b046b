package store

import (
	"context"
	"fmt"
	"time"

	"github.com/ecowatch/ecowatch/contract"
)

// CaseHistory is a report's facts and its handling events, as the case lifecycle and the
// supervision detector need them. It carries the reporter's pseudonym only (never identity).
type CaseHistory struct {
	ReportID, Kind, Channel, RegionCode, IntakeOrg string
	Category, TargetKey, TargetName, Pseudonym     string
	Place                                          string // redacted address of the problem
	ReceivedAt                                     time.Time
	Events                                         []contract.CaseEvent // in time order
}

// CaseHistories loads the reports received in [from, asOf] (latest versions) with their events
// that happened at or before asOf. Events are read from a day before from on (partition
// pruning: an event cannot precede its report by more than a producer's clock skew).
func (s *Store) CaseHistories(ctx context.Context, from, asOf time.Time) ([]*CaseHistory, error) {
	// The filter sits inside the aggregation so only the window is read; a correction that
	// moved received_at is still resolved by argMax over the versions in the window.
	rows, err := s.conn.Query(ctx, `
		SELECT report_id, argMax(kind, version), argMax(channel, version), argMax(region_code, version),
			argMax(intake_org, version), argMax(category, version), argMax(target_key, version),
			argMax(target_name, version), argMax(reporter_pseudonym, version), argMax(received_at, version),
			argMax(location_address, version)
		FROM reports
		WHERE received_at >= ? AND received_at <= ?
		GROUP BY report_id
		ORDER BY report_id`, from, asOf)
	if err != nil {
		return nil, fmt.Errorf("store: reading cases: %w", err)
	}
	var out []*CaseHistory
	index := map[string]*CaseHistory{}
	for rows.Next() {
		c := &CaseHistory{}
		if err := rows.Scan(&c.ReportID, &c.Kind, &c.Channel, &c.RegionCode, &c.IntakeOrg, &c.Category,
			&c.TargetKey, &c.TargetName, &c.Pseudonym, &c.ReceivedAt, &c.Place); err != nil {
			rows.Close()
			return nil, fmt.Errorf("store: reading cases: %w", err)
		}
		out = append(out, c)
		index[c.ReportID] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading cases: %w", err)
	}

	erows, err := s.conn.Query(ctx, `
		SELECT event_id, any(report_id), any(type), any(at), any(org_code), any(to_org_code),
			any(extension_days), any(merged_into), any(finding)
		FROM case_events
		WHERE at >= ? AND at <= ? AND report_id IN (SELECT report_id FROM reports WHERE received_at >= ? AND received_at <= ?)
		GROUP BY event_id
		ORDER BY any(at), event_id`, from.Add(-24*time.Hour), asOf, from, asOf)
	if err != nil {
		return nil, fmt.Errorf("store: reading case events: %w", err)
	}
	defer erows.Close()
	for erows.Next() {
		var e contract.CaseEvent
		var at time.Time
		if err := erows.Scan(&e.EventID, &e.ReportID, &e.Type, &at, &e.OrgCode, &e.ToOrgCode,
			&e.ExtensionDays, &e.MergedInto, &e.Finding); err != nil {
			return nil, fmt.Errorf("store: reading case events: %w", err)
		}
		e.Schema = contract.SchemaCaseEvents
		e.At = contract.NewTime(at)
		if c := index[e.ReportID]; c != nil {
			c.Events = append(c.Events, e)
		}
	}
	return out, erows.Err()
}
