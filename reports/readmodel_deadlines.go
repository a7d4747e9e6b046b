package reports

import (
	"context"
	"fmt"

	"github.com/ecowatch/ecowatch/lifecycle"
	"github.com/ecowatch/ecowatch/store"
)

// The deadlines and matters come from the case states the case-state stage saves
// (case_states, case_deadlines: the latest evaluation of each row, argMax by as_of); a case
// is in the scope by the region code its state records.

// deadlineStatuses in the order of the deadlines query's index (1-based; 0 for the others).
var deadlineStatuses = []string{string(lifecycle.Met), string(lifecycle.MissedDone), string(lifecycle.Overdue)}

func stepNames() []string {
	out := make([]string, len(lifecycle.Steps))
	for i, s := range lifecycle.Steps {
		out[i] = string(s)
	}
	return out
}

// deadlines counts the deadlines due in the quarter and the previous quarter by step and
// status.
func (m *ReadModel) deadlines(ctx context.Context, q Query) ([]DeadlineCount, error) {
	steps := stepNames()
	inScope := "1"
	if !q.Scope.IsNation() {
		inScope = "cityHash64(report_id) IN (SELECT cityHash64(report_id) FROM case_states WHERE " +
			store.Scope(q.Scope).Code("region_code") + ")"
	}
	// st is the same on every row of a group (the step is part of its key)
	query := `
SELECT period, st, count(), countIf(s = 1), countIf(s = 2), countIf(s = 3), countIf(s = 0)
FROM (
	SELECT ` + sqlPeriod("due", q) + ` AS period, st, s
	FROM (
		SELECT cityHash64(report_id, step) AS h, any(` + store.Enum("step", steps) + `) AS st,
			argMax(` + store.Enum("status", deadlineStatuses) + `, as_of) AS s, argMax(due_at, as_of) AS due
		FROM case_deadlines
		WHERE ` + store.InAny("due_at", q.Quarter, q.Previous) + ` AND ` + inScope + `
		GROUP BY h
	)
)
WHERE period >= 0
GROUP BY period, st
ORDER BY period, st`
	rows, err := m.db.Query(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("reports: disclosure deadlines: %w", err)
	}
	defer rows.Close()
	var out []DeadlineCount
	for rows.Next() {
		var c DeadlineCount
		var p int8
		var st uint64
		if err := rows.Scan(&p, &st, &c.Due, &c.Met, &c.MissedDone, &c.Overdue, &c.Other); err != nil {
			return nil, fmt.Errorf("reports: disclosure deadlines: %w", err)
		}
		c.Period = PeriodIndex(p)
		c.Step = lifecycle.Step(store.EnumValue(steps, st))
		out = append(out, c)
	}
	return out, rows.Err()
}

// matters counts the reports received in the quarter and the previous quarter and the matters
// they make, by kind.
func (m *ReadModel) matters(ctx context.Context, q Query) ([]MatterCount, error) {
	query := `
SELECT ` + sqlPeriod("received", q) + ` AS period, k, count(), uniqExact(matter)
FROM (
	SELECT cityHash64(report_id) AS h, argMax(kind = 'petition', as_of) AS k, argMax(received_at, as_of) AS received,
		argMax(toUInt32OrZero(region_code), as_of) AS r, argMax(cityHash64(matter_id), as_of) AS matter
	FROM case_states
	WHERE ` + store.InAny("received_at", q.Quarter, q.Previous) + `
	GROUP BY h
)
WHERE period >= 0 AND ` + store.Scope(q.Scope).Number("r") + `
GROUP BY period, k
ORDER BY period, k`
	rows, err := m.db.Query(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("reports: disclosure matters: %w", err)
	}
	defer rows.Close()
	var out []MatterCount
	for rows.Next() {
		var c MatterCount
		var p int8
		var k uint8
		if err := rows.Scan(&p, &k, &c.Reports, &c.Matters); err != nil {
			return nil, fmt.Errorf("reports: disclosure matters: %w", err)
		}
		c.Period = PeriodIndex(p)
		c.Kind = kinds[k%2]
		out = append(out, c)
	}
	return out, rows.Err()
}
