package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/alerts/deliver"
	"github.com/ecowatch/ecowatch/coord"
	"github.com/ecowatch/ecowatch/schedule"
	"github.com/ecowatch/ecowatch/store"
)

// coordination is this instance's ZooKeeper session (package coord), when zookeeper.addr is
// set: the election of the instance that runs the scheduled jobs, the outbox lock and the
// notice serial numbers. A nil *coordination is a single instance: it leads alone, publishes
// without a lock and numbers notices locally.
type coordination struct {
	client   *coord.Client
	instance string

	mu   sync.Mutex
	lead *coord.Hold // the election lock of the current term, while leading
}

// coordination opens the ZooKeeper session; nil without zookeeper.addr. On a ClickHouse cluster
// it is required: instances there are expected to be several.
func (e *env) coordination(ctx context.Context) (*coordination, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	if len(cfg.ZooKeeper.Addr) == 0 {
		if cfg.ClickHouse.Cluster != "" {
			return nil, fmt.Errorf("clickhouse.cluster is set but zookeeper.addr is empty: on a cluster, ecowatch instances elect " +
				"the one that runs the scheduled jobs and number their notices in ZooKeeper (set zookeeper.addr to the ensemble the replicas use)")
		}
		return nil, nil
	}
	c, err := coord.Dial(ctx, cfg.ZooKeeper, cfg.ClickHouse.Database, e.log)
	if err != nil {
		return nil, err
	}
	return &coordination{client: c, instance: instanceName()}, nil
}

// instanceName names this process in job_runs, lock nodes and logs: host and process id.
func instanceName() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown-host"
	}
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

func (c *coordination) Close() {
	if c != nil {
		c.client.Close()
	}
}

// Lead is the schedule.Leadership of the instances sharing the database: whoever holds the
// ZooKeeper lock "leader" runs the jobs.
func (c *coordination) Lead(ctx context.Context) (schedule.Term, error) {
	h, err := c.client.Acquire(ctx, "leader", []byte(c.instance))
	if err != nil {
		return schedule.Term{}, err
	}
	c.mu.Lock()
	c.lead = h
	c.mu.Unlock()
	return schedule.Term{ID: h.Term() + 1, Lost: h.Lost(), Release: func() {
		c.mu.Lock()
		c.lead = nil
		c.mu.Unlock()
		h.Release()
	}}, nil
}

// leader is the election lock of the current term, or coord.ErrNotHeld.
func (c *coordination) leader() (*coord.Hold, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lead == nil {
		return nil, coord.ErrNotHeld
	}
	return c.lead, nil
}

// leading is the fence of what the scheduled jobs write: the election lock is still held
// (asked of ZooKeeper, not remembered).
func (c *coordination) leading(ctx context.Context) error {
	h, err := c.leader()
	if err != nil {
		return err
	}
	return h.Check(ctx)
}

// serials numbers notices: in ZooKeeper when coordinated — for the scheduled jobs fenced by
// the lead (fenced), for a command run by hand not — and locally otherwise.
func (c *coordination) serials(fenced bool) deliver.SerialAllocator {
	if c == nil {
		return nil
	}
	s := &coord.Serials{Client: c.client}
	if fenced {
		s.Fence = c.leader
	}
	return s
}

// outbox runs f holding the ZooKeeper lock "outbox", so that two instances (the leader's
// outbox job, an `ecowatch alerts run`) never publish the same revisions at once; fence tells
// f, before each delivery, whether the lock is still held. Alone: no lock, no fence.
func (c *coordination) outbox(ctx context.Context, f func(ctx context.Context, fence func(context.Context) error) error) error {
	if c == nil {
		return f(ctx, func(context.Context) error { return nil })
	}
	h, err := c.client.Acquire(ctx, "outbox", []byte(c.instance))
	if err != nil {
		return err
	}
	defer h.Release()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-h.Lost():
			cancel()
		case <-ctx.Done():
		}
	}()
	return f(ctx, h.Check)
}

// What the scheduled jobs and the outbox write is fenced: each write first asks ZooKeeper
// whether this instance still holds its lock, so an instance that lost it — paused beyond its
// session timeout, say — finds out before writing, not after. (Notice numbers are fenced in
// ZooKeeper's own transaction: coord.Serials.)

// fencedWarnings writes warning revisions only while fence passes.
type fencedWarnings struct {
	alerts.RunnerStore
	fence func(context.Context) error
}

func (f fencedWarnings) SaveWarnings(ctx context.Context, rows []store.WarningRow) error {
	if len(rows) == 0 {
		return nil
	}
	if err := f.fence(ctx); err != nil {
		return fmt.Errorf("not writing %d warning revisions: %w", len(rows), err)
	}
	return f.RunnerStore.SaveWarnings(ctx, rows)
}

// fencedWriter publishes to Kafka only while fence passes.
type fencedWriter struct {
	w     deliver.MessageWriter
	fence func(context.Context) error
}

func (f fencedWriter) WriteMessages(ctx context.Context, msgs ...kafka.Message) error {
	if err := f.fence(ctx); err != nil {
		return fmt.Errorf("not publishing %d warning revisions: %w", len(msgs), err)
	}
	return f.w.WriteMessages(ctx, msgs...)
}

// fencedTransport posts a webhook only while fence passes.
type fencedTransport struct {
	base  http.RoundTripper
	fence func(context.Context) error
}

func (f fencedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := f.fence(req.Context()); err != nil {
		return nil, errors.Join(errors.New("not posting the webhook"), err)
	}
	return f.base.RoundTrip(req)
}

// webhookClient is the deliveries' HTTP client with the fence in front of every request.
func webhookClient(fence func(context.Context) error) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: fencedTransport{http.DefaultTransport, fence}}
}
