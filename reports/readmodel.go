package reports

import (
	"context"
	"fmt"
	"time"

	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/store"
)

// ReadModel is the disclosure's ClickHouse read model: the queries behind the quarterly public
// disclosure (信息公开, 12369 Art. 17). They aggregate in ClickHouse and return small tables of
// counts (Data); the rest of the package turns them into pages. Every figure is in
// Asia/Shanghai business time (the DateTime columns are declared in that zone, so toYYYYMM and
// comparisons with the period bounds use it).
//
// Reports are read at their latest version and kept in a period or scope by their latest
// version (store.LatestReports); the scope is applied with store.ScopeFilter. Speed on tens of
// millions of rows, on the old local server as on current ones, comes from three choices:
//   - versions are grouped by a 64-bit hash of the report id, with argMax over numbers only:
//     the report's region, kind, channel, category and categories are packed into one UInt64
//     (packedReport), subcategory and industry are hashed and named afterwards from a small
//     dictionary query;
//   - a report's handling steps are the earliest time of each event type, aggregated over
//     case events by the same key in the same GROUP BY (events are idempotent on event_id, so
//     a redelivered copy changes no minimum);
//   - every breakdown comes from one scan: each report fans out (ARRAY JOIN) into one row per
//     grouping with a numeric key, and the category counts are bit sums on the region rows.
type ReadModel struct {
	db store.Querier
}

// NewReadModel reads the disclosure's figures from db (a *store.Store).
func NewReadModel(db store.Querier) *ReadModel { return &ReadModel{db: db} }

// kinds in page order; a packed report holds the index (0 report, 1 petition).
var kinds = []string{contract.KindReport, contract.KindPetition}

// sqlPeriod is the period index of a time column, -1 outside the three periods.
func sqlPeriod(col string, q Query) string {
	return "toInt8(multiIf(" + store.In(col, q.Quarter) + ", 0, " + store.In(col, q.Previous) + ", 1, " +
		store.In(col, q.LastYear) + ", 2, -1))"
}

// reportWindow is the receipt window read for the quarter and the previous quarter together
// with the 60-day cohort (whose reports were accepted up to 60 days after receipt).
func reportWindow(q Query) store.Period {
	from := q.Previous.From
	if !q.Cohort.From.IsZero() {
		if c := q.Cohort.From.AddDate(0, 0, -60); c.Before(from) {
			from = c
		}
	}
	if q.Quarter.From.Before(from) {
		from = q.Quarter.From
	}
	return store.Period{From: from, To: q.Quarter.To}
}

// Disclosure runs the disclosure queries for one scope and quarter.
func (m *ReadModel) Disclosure(ctx context.Context, q Query) (*Data, error) {
	progress := q.Progress
	if progress == nil {
		progress = func(string) {}
	}
	d := &Data{}

	progress("extent of the data")
	var inQuarter uint64
	if err := m.db.QueryRow(ctx, `SELECT
			(SELECT min(received_at) FROM reports), (SELECT max(received_at) FROM reports),
			(SELECT max(as_of) FROM case_states),
			(SELECT count() FROM reports WHERE `+store.In("received_at", q.Quarter)+` AND `+store.Scope(q.Scope).Report()+`)`).Scan(
		&d.DataFrom, &d.DataTo, &d.StatesAsOf, &inQuarter); err != nil {
		return nil, fmt.Errorf("reports: disclosure: extent of the data: %w", err)
	}
	if d.StatesAsOf.Unix() <= 0 {
		d.StatesAsOf = time.Time{}
	}
	if d.DataFrom.Unix() <= 0 {
		d.DataFrom, d.DataTo = time.Time{}, time.Time{}
	}
	if inQuarter == 0 {
		return d, nil // nothing received in the quarter: no group, and the caller says so
	}

	progress("reports received, by channel, category, region and month, and their handling")
	if err := m.groups(ctx, q, d); err != nil {
		return nil, err
	}
	progress("closures and findings")
	var err error
	if d.Closures, d.Verification, err = m.closures(ctx, q); err != nil {
		return nil, err
	}
	if !d.StatesAsOf.IsZero() {
		progress("deadlines and matters")
		if d.Deadlines, err = m.deadlines(ctx, q); err != nil {
			return nil, err
		}
		if d.Matters, err = m.matters(ctx, q); err != nil {
			return nil, err
		}
	}
	progress("typical-case candidates")
	if d.Candidates, err = m.candidates(ctx, q); err != nil {
		return nil, err
	}
	return d, nil
}
