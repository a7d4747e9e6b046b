package dashboards

import (
	"context"
	"fmt"
	"time"
)

// IngestLag measures how current ingest was at t, from the raw message archive.
func (m *ReadModel) IngestLag(ctx context.Context, t time.Time) (IngestLag, error) {
	lag := IngestLag{At: t}
	var newest time.Time
	var n uint64
	var median, longest float64
	err := m.db.QueryRow(ctx, `
		SELECT maxIf(message_time, ingested_at <= ?) AS g_newest,
			countIf(ingested_at > ? - 3600 AND ingested_at <= ?) AS g_n,
			quantileIf(0.5)(toFloat64(ingested_at) - toFloat64(message_time), ingested_at > ? - 3600 AND ingested_at <= ?) AS g_median,
			maxIf(toFloat64(ingested_at) - toFloat64(message_time), ingested_at > ? - 3600 AND ingested_at <= ?) AS g_max
		FROM raw_messages`, t, t, t, t, t, t, t).Scan(&newest, &n, &median, &longest)
	if err != nil {
		return lag, fmt.Errorf("dashboards: ingest lag: %w", err)
	}
	if newest.Unix() > 0 {
		lag.NewestMessage = newest
	}
	lag.RecentMessages = n
	if n > 0 {
		lag.DelayMedian = time.Duration(median * float64(time.Second))
		lag.DelayMax = time.Duration(longest * float64(time.Second))
	}
	return lag, nil
}
