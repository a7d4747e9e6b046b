package alerts

import (
	"context"
	"sync"

	"github.com/ecowatch/ecowatch/store"
)

// cachedWarnings is a WarningStore that reads each kind's warnings from the store once and then
// keeps them current from what it writes. Only a process that is the sole writer of those
// kinds may use it — a backtest, which replays thousands of cycles.
type cachedWarnings struct {
	WarningStore
	mu   sync.Mutex
	rows map[string]map[string]store.WarningRow // kind → warning id → current revision
}

func (c *cachedWarnings) CurrentWarnings(ctx context.Context, kind string, includeClosed bool) ([]store.WarningRow, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rows == nil {
		c.rows = map[string]map[string]store.WarningRow{}
	}
	if _, ok := c.rows[kind]; !ok {
		rows, err := c.WarningStore.CurrentWarnings(ctx, kind, true)
		if err != nil {
			return nil, err
		}
		m := map[string]store.WarningRow{}
		for _, r := range rows {
			m[r.WarningID] = r
		}
		c.rows[kind] = m
	}
	var out []store.WarningRow
	for _, r := range c.rows[kind] {
		if includeClosed || r.Status != "closed" {
			out = append(out, r)
		}
	}
	return out, nil
}

func (c *cachedWarnings) SaveWarnings(ctx context.Context, rows []store.WarningRow) error {
	if err := c.WarningStore.SaveWarnings(ctx, rows); err != nil {
		c.mu.Lock()
		c.rows = nil // unknown state: read again next time
		c.mu.Unlock()
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range rows {
		if m, ok := c.rows[r.Kind]; ok {
			m[r.WarningID] = r
		}
	}
	return nil
}
