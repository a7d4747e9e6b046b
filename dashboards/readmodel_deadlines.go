package dashboards

import (
	"context"
	"fmt"
	"time"

	"github.com/ecowatch/ecowatch/lifecycle"
	"github.com/ecowatch/ecowatch/store"
)

// steps are the steps of case_deadlines, by their codes.
func steps() []string {
	out := make([]string, len(lifecycle.Steps))
	for i, s := range lifecycle.Steps {
		out[i] = string(s)
	}
	return out
}

// Deadlines returns, per responsible bureau and step, the deadlines overdue at q.At and the
// on-time figures of those due in q.Due.
//
// It reads the latest evaluation: the rows of case_deadlines with the greatest as_of. Every
// run that saves case states writes the deadlines of every case of its history window with the
// run's as_of, so those rows are a complete snapshot, and reading one snapshot needs no
// deduplication by version (a snapshot written twice has identical rows, counted once by
// report). The state at q.At follows from the columns (see migration 4): a time before the
// evaluation is answered as it stood then, except that extensions granted later are kept.
func (m *ReadModel) Deadlines(ctx context.Context, q DeadlineQuery) ([]DeadlineRow, error) {
	names := steps()
	// done_at and the other absent times are epoch 0 (1970-01-01 08:00 in Shanghai).
	const (
		overdue = `(start_at <= ? AND due_at < ? AND (done_at = toDateTime(0) OR done_at > ?) AND status != 'paused')`
		onTime  = `(due_at >= ? AND due_at < ? AND status != 'paused' AND done_at != toDateTime(0) AND done_at <= due_at AND done_at <= ?)`
		late    = `(due_at >= ? AND due_at < ? AND status != 'paused' AND NOT (done_at != toDateTime(0) AND done_at <= due_at AND done_at <= ?))`
	)
	query := `
		SELECT bitOr(bitShiftLeft(toUInt64(toUInt32OrZero(org)), 4), toUInt64(` + store.Enum("step", names) + `)) AS n_key,
			uniqExactIf(cityHash64(report_id), ` + overdue + `) AS n_overdue,
			minIf(due_at, ` + overdue + `) AS n_oldest,
			uniqExactIf(cityHash64(report_id), ` + onTime + `) AS n_ontime,
			uniqExactIf(cityHash64(report_id), ` + late + `) AS n_late
		FROM case_deadlines
		WHERE as_of = (SELECT max(as_of) FROM case_deadlines) AND ` + store.Scope(q.Scope).Code("org") + `
			AND start_at != toDateTime(0) AND start_at <= ? AND due_at != toDateTime(0) AND due_at < ?
			AND (due_at >= ? OR done_at = toDateTime(0) OR done_at > ?)
		GROUP BY n_key`
	at, end := q.At, q.At.Add(time.Second)
	args := []any{at, at, at, at, at, at, q.Due.From, q.Due.To, at, q.Due.From, q.Due.To, at, at, end, q.Due.From, at}
	rows, err := m.db.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("dashboards: deadlines: %w", err)
	}
	defer rows.Close()
	var out []DeadlineRow
	for rows.Next() {
		var r DeadlineRow
		var key uint64
		if err := rows.Scan(&key, &r.Overdue, &r.OldestDue, &r.OnTime, &r.Late); err != nil {
			return nil, fmt.Errorf("dashboards: deadlines: %w", err)
		}
		r.Org, r.Step = fmt.Sprintf("%06d", key>>4), lifecycle.Step(store.EnumValue(names, key&0xf))
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
