package testenv

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"
)

// Acks are the times the broker acknowledged messages, by key: where the produce→visible
// latency of the benchmarks starts. Safe for concurrent use.
type Acks struct {
	mu sync.Mutex
	at map[string]time.Time
}

// ProducePaced writes msgs with w at rate messages a second — a tenth of them every 100 ms —
// and records when each was acknowledged. It returns the first write error.
func (a *Acks) ProducePaced(w *kafka.Writer, msgs []kafka.Message, rate int) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	per := max(rate/10, 1)
	for i := 0; i < len(msgs); i += per {
		<-tick.C
		batch := msgs[i:min(i+per, len(msgs))]
		if err := w.WriteMessages(context.Background(), batch...); err != nil {
			return fmt.Errorf("producing at %d of %d: %w", i, len(msgs), err)
		}
		now := time.Now()
		a.mu.Lock()
		if a.at == nil {
			a.at = make(map[string]time.Time, len(msgs))
		}
		for _, m := range batch {
			a.at[string(m.Key)] = now
		}
		a.mu.Unlock()
	}
	return nil
}

// Visible reads the report ids readable on conn and adds to visible each acknowledged one not
// yet in it, with the time since its acknowledgement.
func (a *Acks) Visible(ctx context.Context, conn driver.Conn, visible map[string]time.Duration) error {
	rows, err := conn.Query(ctx, "SELECT report_id FROM reports")
	if err != nil {
		return err
	}
	now := time.Now()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, id := range ids {
		if t, ok := a.at[id]; ok {
			if _, seen := visible[id]; !seen {
				visible[id] = now.Sub(t)
			}
		}
	}
	return nil
}
