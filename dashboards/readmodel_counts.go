package dashboards

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/store"
)

// Counts counts reports per region code, channel and primary category in each span of q, and
// per prefecture-level prefix, primary category and day in q.Trend, in one pass over the
// reports.
func (m *ReadModel) Counts(ctx context.Context, q CountQuery) (*Counts, error) {
	all := q.Trend
	var cols []string
	var args []any
	for i, sp := range q.Spans {
		if sp.From.Before(all.From) {
			all.From = sp.From
		}
		if sp.To.After(all.To) {
			all.To = sp.To
		}
		cols = append(cols, fmt.Sprintf("countIf(%s >= ? AND %s < ?) AS w%d", store.LatestAt, store.LatestAt, i))
		args = append(args, sp.From, sp.To)
	}
	cols = append(cols, "countIf(d_first > ?) AS v_back", "count() AS v_n")
	args = append(args, q.IngestedAfter)
	latest := store.LatestReports{Received: []store.Period{all}, Scope: q.Scope}
	sub := latest.Query(store.Latest(store.Enum("channel", contract.Channels), "d_ch"),
		store.Latest(store.Enum("category", contract.Categories), "d_cat"), store.OverVersions("min", "ingested_at", "d_first"))
	// One GROUP BY on a single UInt64 key (several times faster on 18.16 than on five columns):
	// the volumes are keyed region << 8 | channel << 4 | category; the days of the trend (a
	// report in it gives both rows, through arrayJoin) 1 << 62 | prefix << 24 | day << 4 |
	// category, prefix being the region code's first four digits and day the days since
	// 1970. The enumerations are below 16.
	at, rc := store.LatestAt, store.LatestRegion
	query := `SELECT v_key, ` + strings.Join(cols, ", ") + `
		FROM (
			SELECT ` + at + `, d_first, arrayJoin(if(` + at + ` >= ? AND ` + at + ` < ?, [v_k1, v_k2], [v_k1])) AS v_key
			FROM (
				SELECT ` + at + `, d_first,
					bitOr(bitShiftLeft(toUInt64(` + rc + `), 8), bitOr(bitShiftLeft(toUInt64(d_ch), 4), toUInt64(d_cat))) AS v_k1,
					bitOr(bitShiftLeft(toUInt64(1), 62), bitOr(bitShiftLeft(toUInt64(intDiv(` + rc + `, 100)), 24),
						bitOr(bitShiftLeft(toUInt64(toUInt16(toDate(` + at + `))), 4), toUInt64(d_cat)))) AS v_k2
				FROM (` + sub + `)
			)
		)
		GROUP BY v_key`
	args = append(args, q.Trend.From, q.Trend.To)
	rows, err := m.db.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("dashboards: counts: %w", err)
	}
	defer rows.Close()
	out := &Counts{}
	for rows.Next() {
		var key uint64
		var w counts
		var back, n uint64
		dst := []any{&key}
		for i := range w {
			dst = append(dst, &w[i])
		}
		dst = append(dst, &back, &n)
		if err := rows.Scan(dst...); err != nil {
			return nil, fmt.Errorf("dashboards: counts: %w", err)
		}
		category := store.EnumValue(contract.Categories, key&0xf)
		if key>>62 == 0 {
			out.Volumes = append(out.Volumes, VolumeRow{RegionCode: code(key >> 8),
				Channel: store.EnumValue(contract.Channels, key>>4&0xf), Category: category, Counts: w})
			out.Backfilled += back
			continue
		}
		prefix := (key >> 24 & 0xfffff) * 100
		d := time.Unix(int64(key>>4&0xffff)*86400, 0).UTC()
		out.Daily = append(out.Daily, DailyRow{ProvinceCode: code(prefix / 10000 * 10000), CityCode: code(prefix),
			Category: category, Count: n, Day: time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, calendar.Shanghai)})
	}
	return out, rows.Err()
}
