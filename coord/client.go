// Package coord coordinates several ecowatch instances through ZooKeeper, the coordination
// service a replicated ClickHouse deployment already runs: the leader election of
// `ecowatch run` (a lock held for as long as the instance leads), short locks around the
// outbox, and the serial numbers of notices (counters changed only by ZooKeeper's
// compare-and-set, fenced by the leader's lock).
//
// Every node lives under <zookeeper.root>/<clickhouse.database>, so that test databases and
// deployments sharing an ensemble never see each other's nodes.
//
// It owns the ZooKeeper session and the recipes; what is done while leading is the
// scheduler's, what is numbered is alerts/deliver's. It must not touch ClickHouse or Kafka.
package coord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/ecowatch/ecowatch/config"
)

// Client is one ZooKeeper session of an ecowatch instance. It is safe for concurrent use.
type Client struct {
	conn *zk.Conn
	root string
	log  *slog.Logger

	mu      sync.Mutex
	closing bool
	// watchers are closed when the session is interrupted (disconnected or expired): every
	// lock held through it is then given up, since this instance can no longer know that it
	// still holds it.
	watchers []chan struct{}
}

// Dial opens a session with the ensemble of cfg and waits (at most a minute, or until ctx
// ends) until it is established. Nodes live under cfg.Root/database.
func Dial(ctx context.Context, cfg config.ZooKeeper, database string, log *slog.Logger) (*Client, error) {
	if len(cfg.Addr) == 0 {
		return nil, errors.New("coord: no ZooKeeper address (zookeeper.addr)")
	}
	if log == nil {
		log = slog.Default()
	}
	c := &Client{root: cfg.Root + "/" + database, log: log}
	established := make(chan struct{})
	var once sync.Once
	conn, _, err := zk.Connect(cfg.Addr, cfg.SessionTimeout,
		zk.WithLogger(zkLogger{log}), zk.WithLogInfo(false),
		zk.WithEventCallback(func(ev zk.Event) {
			if ev.Type != zk.EventSession {
				return
			}
			switch ev.State {
			case zk.StateHasSession:
				once.Do(func() { close(established) })
			case zk.StateDisconnected, zk.StateExpired:
				c.interrupted(ev.State)
			}
		}))
	if err != nil {
		return nil, fmt.Errorf("coord: connecting to ZooKeeper at %v (zookeeper.addr): %w", cfg.Addr, err)
	}
	c.conn = conn
	wait, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	select {
	case <-established:
	case <-wait.Done():
		conn.Close()
		return nil, fmt.Errorf("coord: no ZooKeeper session with %v (zookeeper.addr) within a minute: %w", cfg.Addr, wait.Err())
	}
	if err := c.createAll(ctx, c.root); err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

// Close ends the session: the ephemeral nodes of the locks it holds disappear at once.
func (c *Client) Close() {
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	c.conn.Close()
}

// Root is the folder of this deployment's nodes.
func (c *Client) Root() string { return c.root }

// interrupted tells every current watcher that the session was interrupted.
func (c *Client) interrupted(state zk.State) {
	c.mu.Lock()
	ws, closing := c.watchers, c.closing
	c.watchers = nil
	c.mu.Unlock()
	if len(ws) > 0 && !closing {
		c.log.Warn("ZooKeeper session interrupted: the locks held through it are given up", "state", state.String())
	}
	for _, w := range ws {
		close(w)
	}
}

// watchSession returns a channel closed at the next interruption of the session.
func (c *Client) watchSession() <-chan struct{} {
	ch := make(chan struct{})
	c.mu.Lock()
	c.watchers = append(c.watchers, ch)
	c.mu.Unlock()
	return ch
}

// call runs a ZooKeeper request, giving up when ctx ends (the client has no deadlines of its
// own: a request waits through a disconnection until the session is back or expired).
func call[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// createAll creates path and its parents where missing, as persistent empty nodes.
func (c *Client) createAll(ctx context.Context, path string) error {
	p := ""
	for _, part := range strings.Split(strings.TrimPrefix(path, "/"), "/") {
		p += "/" + part
		_, err := call(ctx, func() (string, error) { return c.conn.Create(p, nil, 0, zk.WorldACL(zk.PermAll)) })
		if err != nil && !errors.Is(err, zk.ErrNodeExists) {
			return fmt.Errorf("coord: creating ZooKeeper node %s: %w", p, err)
		}
	}
	return nil
}

// zkLogger sends the client library's messages to slog at debug level (it logs every
// reconnection attempt; the session's state changes are logged by Client).
type zkLogger struct{ log *slog.Logger }

func (l zkLogger) Printf(format string, args ...any) {
	l.log.Debug("zookeeper: " + fmt.Sprintf(format, args...))
}
