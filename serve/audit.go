package serve

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/ecowatch/ecowatch/store"
)

// AuditWriter is where the audit goes: *store.Store.
type AuditWriter interface {
	InsertAccessEvents(ctx context.Context, events []store.AccessEvent) error
}

// Auditor batches access events into the audit table asynchronously. Memory is bounded: at
// most Capacity events wait in its queue and at most Capacity more in the batch being written.
// When both are full (ClickHouse has been unreachable for a while) Record refuses the event and
// the server refuses the request it describes: nothing is served that is not recorded. A
// failed write is retried every interval with the same batch; Run writes what is left when its
// context ends.
type Auditor struct {
	w        AuditWriter
	log      *slog.Logger
	ch       chan store.AccessEvent
	capacity int
	interval time.Duration
	refused  atomic.Int64
	written  atomic.Int64
}

// AuditCapacity is the default bound of the queue and of the batch.
const AuditCapacity = 10000

// NewAuditor makes an auditor; capacity 0 means AuditCapacity, interval 0 two seconds.
func NewAuditor(w AuditWriter, log *slog.Logger, capacity int, interval time.Duration) *Auditor {
	if capacity <= 0 {
		capacity = AuditCapacity
	}
	if interval <= 0 {
		interval = 2 * time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	return &Auditor{w: w, log: log, ch: make(chan store.AccessEvent, capacity), capacity: capacity, interval: interval}
}

// Record queues an event without waiting; false when the queue is full.
func (a *Auditor) Record(e store.AccessEvent) bool {
	select {
	case a.ch <- e:
		return true
	default:
		a.refused.Add(1)
		return false
	}
}

// Stats are the events written and refused so far.
func (a *Auditor) Stats() (written, refused int64) { return a.written.Load(), a.refused.Load() }

// shutdownFlush bounds the last write when Run's context ends.
const shutdownFlush = 10 * time.Second

// Run writes the queued events every interval, or sooner when a batch is full, until ctx
// ends; then it writes what is queued (for at most ten seconds) and returns.
func (a *Auditor) Run(ctx context.Context) error {
	t := time.NewTicker(a.interval)
	defer t.Stop()
	var pending []store.AccessEvent
	flush := func(ctx context.Context) {
		if len(pending) == 0 {
			return
		}
		if err := a.w.InsertAccessEvents(ctx, pending); err != nil {
			a.log.Warn("access audit: writing failed; retrying", "events", len(pending), "err", err)
			return
		}
		a.written.Add(int64(len(pending)))
		pending = pending[:0]
	}
	for {
		in := a.ch
		if len(pending) >= a.capacity {
			in = nil // hold: the queue fills and Record refuses
		}
		select {
		case e := <-in:
			pending = append(pending, e)
			if len(pending) >= min(1000, a.capacity) {
				flush(ctx)
			}
		case <-t.C:
			flush(ctx)
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownFlush)
			defer cancel()
			for {
				select {
				case e := <-a.ch:
					pending = append(pending, e)
					continue
				default:
				}
				break
			}
			flush(fctx)
			if len(pending) > 0 {
				a.log.Error("access audit: events lost at shutdown (ClickHouse did not take them)", "events", len(pending))
			}
			return nil
		}
	}
}
