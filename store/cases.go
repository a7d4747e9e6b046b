package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
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
// that happened at or before asOf, in report id order. Events are read from a day before from
// on (partition pruning: an event cannot precede its report by more than a producer's clock
// skew).
//
// A national history of 400 days is about a million cases and three million events, so this
// is built for volume: the two queries run at once, both sorted by report id; the events land
// in one flat slice and each case gets its run of it (no per-case allocation, no map), and
// copies of an event are dropped here rather than by a GROUP BY on the server (which cost
// more than the whole read).
func (s *Store) CaseHistories(ctx context.Context, from, asOf time.Time) ([]*CaseHistory, error) {
	type result struct {
		events []contract.CaseEvent
		err    error
	}
	done := make(chan result, 1)
	go func() {
		events, err := s.caseEvents(ctx, from, asOf)
		done <- result{events, err}
	}()
	cases, err := s.caseReports(ctx, from, asOf)
	ev := <-done
	if err != nil {
		return nil, err
	}
	if ev.err != nil {
		return nil, ev.err
	}
	events := ev.events
	for _, c := range cases {
		for len(events) > 0 && events[0].ReportID < c.ReportID {
			events = events[1:] // events of a report outside the window's latest versions
		}
		n := 0
		for n < len(events) && events[n].ReportID == c.ReportID {
			n++
		}
		c.Events = dedupEvents(events[:n:n])
		events = events[n:]
	}
	return cases, nil
}

// caseReports reads the latest version of every report received in [from, asOf], in report
// id order (LatestReports).
func (s *Store) caseReports(ctx context.Context, from, asOf time.Time) ([]*CaseHistory, error) {
	latest := LatestReports{Received: []Period{{From: from, To: asOf.Truncate(time.Second).Add(time.Second)}}, Key: "report_id"}
	rows, err := s.conn.Query(ctx, latest.Query(
		Latest("kind", "c_kind"), Latest("channel", "c_channel"), Latest("region_code", "c_region"),
		Latest("intake_org", "c_intake"), Latest("category", "c_category"), Latest("target_key", "c_target_key"),
		Latest("target_name", "c_target_name"), Latest("reporter_pseudonym", "c_pseudonym"),
		Latest("location_address", "c_place"),
	)+`
		ORDER BY `+LatestKey)
	if err != nil {
		return nil, fmt.Errorf("store: reading cases: %w", err)
	}
	defer rows.Close()
	var out []*CaseHistory
	for rows.Next() {
		c := &CaseHistory{}
		var region uint32
		if err := rows.Scan(&c.ReportID, &c.ReceivedAt, &region, &c.Kind, &c.Channel, &c.RegionCode, &c.IntakeOrg, &c.Category,
			&c.TargetKey, &c.TargetName, &c.Pseudonym, &c.Place); err != nil {
			return nil, fmt.Errorf("store: reading cases: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading cases: %w", err)
	}
	return out, nil
}

// caseEvents reads the events at or before asOf of the reports received in [from, asOf], in
// report id order. Copies of an event (a redelivery) are still there.
func (s *Store) caseEvents(ctx context.Context, from, asOf time.Time) ([]contract.CaseEvent, error) {
	// Sized once from a cheap upper bound: growing a slice of millions of events by doubling
	// copied more than a gigabyte.
	var bound uint64
	if err := s.conn.QueryRow(ctx, `SELECT count() FROM case_events WHERE at >= ? AND at <= ?`,
		from.Add(-24*time.Hour), asOf).Scan(&bound); err != nil {
		return nil, fmt.Errorf("store: counting case events: %w", err)
	}
	rows, err := s.conn.Query(ctx, `
		SELECT event_id, report_id, type, at, org_code, to_org_code, extension_days, merged_into, finding
		FROM case_events
		WHERE at >= ? AND at <= ? AND report_id IN (SELECT report_id FROM reports WHERE received_at >= ? AND received_at <= ?)
		ORDER BY report_id`, from.Add(-24*time.Hour), asOf, from, asOf)
	if err != nil {
		return nil, fmt.Errorf("store: reading case events: %w", err)
	}
	defer rows.Close()
	out := make([]contract.CaseEvent, 0, bound)
	// Event types and organisation codes repeat across millions of events: one copy of each.
	intern := map[string]string{}
	in := func(s *string) {
		if v, ok := intern[*s]; ok {
			*s = v
		} else {
			intern[*s] = *s
		}
	}
	for rows.Next() {
		var e contract.CaseEvent
		var at time.Time
		if err := rows.Scan(&e.EventID, &e.ReportID, &e.Type, &at, &e.OrgCode, &e.ToOrgCode,
			&e.ExtensionDays, &e.MergedInto, &e.Finding); err != nil {
			return nil, fmt.Errorf("store: reading case events: %w", err)
		}
		in(&e.Type)
		in(&e.OrgCode)
		in(&e.ToOrgCode)
		in(&e.Finding)
		e.Schema = contract.SchemaCaseEvents
		e.At = contract.NewTime(at)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: reading case events: %w", err)
	}
	return out, nil
}

// dedupEvents puts a case's events in time order and keeps one copy of each event id (a
// redelivered event is stored again; the copies are the same message). Deduplicating here,
// among the few events of one case, is much cheaper than a GROUP BY event_id over millions
// of events on the server.
func dedupEvents(events []contract.CaseEvent) []contract.CaseEvent {
	slices.SortFunc(events, func(a, b contract.CaseEvent) int {
		return cmp.Or(a.At.Time.Compare(b.At.Time), cmp.Compare(a.EventID, b.EventID))
	})
	out := events[:0]
	for _, e := range events {
		if !slices.ContainsFunc(out, func(o contract.CaseEvent) bool { return o.EventID == e.EventID }) {
			out = append(out, e)
		}
	}
	return out
}
