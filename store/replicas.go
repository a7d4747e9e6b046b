package store

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/ecowatch/ecowatch/config"
)

// In cluster mode the store connects to the replicas in the order clickhouse.addr lists them
// (clickhouse-go's ConnOpenInOrder): every instance writes to and reads from the same replica
// while it is up, so what ingest has written is what the detectors read, and the next replica
// takes over when it does not answer. Quorum inserts were measured and rejected (see
// docs/cluster.md): with two replicas a quorum of two stops every insert while one replica is
// down, and 18.16 runs one quorum insert per table at a time.
//
// In order alone would read from a replica that is behind: the first replica, back after an
// outage, answers at once but has not yet fetched the parts written while it was away; and a
// replica that has lost its ZooKeeper session refuses inserts. replicaChooser looks before a
// new connection is made: a replica whose replication queue is older than maxReplicaLag, or
// that is read-only, goes to the back of the order. If no replica is fit, the first that
// answers is used all the same: a stale read beats no read, and inserts then fail and are
// retried until the cluster heals.

// maxReplicaLag is how far behind a replica may be and still take new connections in its turn.
// Replication normally keeps the second replica within a second of the first (measured under
// a full-speed replay; docs/benchmarks.md), and ClickHouse counts the delay in whole seconds.
const maxReplicaLag = 5 * time.Second

// clusterConnMaxLifetime bounds how long a pooled connection stays with the replica it was
// made to, so that connections move back to the first replica once it has caught up.
const clusterConnMaxLifetime = time.Minute

// probeTimeout bounds one look at a replica; two of them fit in the dial timeout.
const probeTimeout = 1500 * time.Millisecond

// probeTTL is how long a look at a replica is reused by the connections made after it.
const probeTTL = time.Second

// replicaState is what a replica says of the store's replicated tables.
type replicaState struct {
	// Lag is the oldest entry of its replication queue not yet applied (absolute_delay).
	Lag time.Duration
	// ReadOnly: it has no ZooKeeper session and refuses inserts.
	ReadOnly bool
}

type probeResult struct {
	at    time.Time
	state replicaState
	err   error
}

// replicaChooser is a clickhouse-go DialStrategy for the replicas of a cluster.
type replicaChooser struct {
	maxLag time.Duration
	// probe reads a replica's state; replaced in tests.
	probe func(ctx context.Context, addr string) (replicaState, error)

	cfg    config.ClickHouse
	mu     sync.Mutex
	conns  map[string]driver.Conn // one small connection per replica, for the probes
	recent map[string]probeResult
}

func newReplicaChooser(cfg config.ClickHouse) *replicaChooser {
	c := &replicaChooser{maxLag: maxReplicaLag, cfg: cfg, conns: map[string]driver.Conn{}, recent: map[string]probeResult{}}
	c.probe = c.probeServer
	return c
}

// dial tries the fit replicas in the configured order, then those that answered but are behind
// or read-only, then those that did not answer (a replica that hangs would otherwise use up
// the dial timeout before an answering one is tried).
func (c *replicaChooser) dial(ctx context.Context, _ int, opt *clickhouse.Options, dial clickhouse.Dial) (clickhouse.DialResult, error) {
	var unfit, silent []string
	var err error
	for _, addr := range opt.Addr {
		switch r := c.look(ctx, addr); {
		case r.err != nil:
			silent = append(silent, addr)
			continue
		case r.state.ReadOnly || r.state.Lag > c.maxLag:
			unfit = append(unfit, addr)
			continue
		}
		var res clickhouse.DialResult
		if res, err = dial(ctx, addr, opt); err == nil {
			return res, nil
		}
	}
	for _, addr := range append(unfit, silent...) {
		var res clickhouse.DialResult
		if res, err = dial(ctx, addr, opt); err == nil {
			return res, nil
		}
	}
	if err == nil {
		err = errors.New("no replica answers")
	}
	return clickhouse.DialResult{}, err
}

// look returns what a replica said of itself, probing it unless it did within probeTTL.
func (c *replicaChooser) look(ctx context.Context, addr string) probeResult {
	c.mu.Lock()
	r, ok := c.recent[addr]
	c.mu.Unlock()
	if ok && time.Since(r.at) <= probeTTL {
		return r
	}
	pctx, cancel := context.WithTimeout(ctx, probeTimeout)
	state, err := c.probe(pctx, addr)
	cancel()
	r = probeResult{at: time.Now(), state: state, err: err}
	c.mu.Lock()
	c.recent[addr] = r
	c.mu.Unlock()
	return r
}

// probeServer asks the replica at addr about the store's database's replicated tables.
func (c *replicaChooser) probeServer(ctx context.Context, addr string) (replicaState, error) {
	conn, err := c.conn(addr)
	if err != nil {
		return replicaState{}, err
	}
	var readonly, delay uint64
	err = conn.QueryRow(ctx, `SELECT toUInt64(countIf(is_readonly)), toUInt64(max(absolute_delay))
		FROM system.replicas WHERE database = ?`, c.cfg.Database).Scan(&readonly, &delay)
	if err != nil {
		return replicaState{}, fmt.Errorf("store: asking replica %s how far behind it is: %w", addr, err)
	}
	return replicaState{Lag: time.Duration(delay) * time.Second, ReadOnly: readonly > 0}, nil
}

func (c *replicaChooser) conn(addr string) (driver.Conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if conn, ok := c.conns[addr]; ok {
		return conn, nil
	}
	opts := &clickhouse.Options{
		Addr:         []string{addr},
		Auth:         clickhouse.Auth{Database: "default", Username: c.cfg.Username, Password: c.cfg.Password},
		DialTimeout:  probeTimeout,
		MaxOpenConns: 1,
		MaxIdleConns: 1,
	}
	if c.cfg.TLS {
		opts.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("store: connecting to replica %s: %w", addr, err)
	}
	c.conns[addr] = conn
	return conn, nil
}

// Close closes the probe connections.
func (c *replicaChooser) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for _, conn := range c.conns {
		errs = append(errs, conn.Close())
	}
	c.conns = map[string]driver.Conn{}
	return errors.Join(errs...)
}
