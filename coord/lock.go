package coord

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"
)

// ErrNotHeld is the error of a fenced action whose lock is no longer held.
var ErrNotHeld = errors.New("coord: the lock is no longer held (another instance may hold it now)")

// Hold is a lock held through the client's session: ZooKeeper's lock recipe, an ephemeral
// sequential node under the lock's folder, the lowest one holding. The node disappears when
// the session ends — the holder died, or was silent for longer than the session timeout — and
// the next in line takes the lock.
type Hold struct {
	c       *Client
	path    string // the holder's node
	session int64  // the session the node belongs to
	seq     int

	lost     chan struct{}
	loseOnce sync.Once
	stop     chan struct{}
	stopOnce sync.Once
}

// Acquire blocks until this client holds the lock name (or ctx ends). data is stored in the
// holder's node, for operators (the instance name).
func (c *Client) Acquire(ctx context.Context, name string, data []byte) (*Hold, error) {
	dir := c.root + "/" + name
	if err := c.createAll(ctx, dir); err != nil {
		return nil, err
	}
	session := c.watchSession()
	path, err := call(ctx, func() (string, error) {
		return c.conn.CreateProtectedEphemeralSequential(dir+"/lock-", data, zk.WorldACL(zk.PermAll))
	})
	if err != nil {
		return nil, fmt.Errorf("coord: queueing for lock %s: %w", dir, err)
	}
	h := &Hold{c: c, path: path, session: c.conn.SessionID(), lost: make(chan struct{}), stop: make(chan struct{})}
	if h.seq, err = sequence(path); err != nil {
		h.Release()
		return nil, err
	}
	for {
		children, err := call(ctx, func() ([]string, error) {
			ch, _, err := c.conn.Children(dir)
			return ch, err
		})
		if err != nil {
			h.Release()
			return nil, fmt.Errorf("coord: reading lock %s: %w", dir, err)
		}
		prev, mine := predecessor(children, h.seq)
		if !mine {
			// Our node is gone: the session expired while we waited.
			return nil, fmt.Errorf("coord: waiting for lock %s: %w", dir, ErrNotHeld)
		}
		if prev == "" {
			break
		}
		type watch struct {
			exists bool
			owner  int64
			ch     <-chan zk.Event
		}
		w, err := call(ctx, func() (watch, error) {
			ok, st, ch, err := c.conn.ExistsW(dir + "/" + prev)
			if st == nil {
				return watch{ok, 0, ch}, err
			}
			return watch{ok, st.EphemeralOwner, ch}, err
		})
		if err != nil {
			h.Release()
			return nil, fmt.Errorf("coord: watching lock %s: %w", dir, err)
		}
		if !w.exists {
			continue
		}
		if w.owner == h.session {
			// A node of an earlier hold of this same session, whose release did not reach
			// ZooKeeper (it was away): it would block everyone behind it for as long as this
			// session lives.
			_, err := call(ctx, func() (struct{}, error) { return struct{}{}, c.conn.Delete(dir+"/"+prev, -1) })
			if err != nil && !errors.Is(err, zk.ErrNoNode) {
				h.Release()
				return nil, fmt.Errorf("coord: removing an old node of this instance from lock %s: %w", dir, err)
			}
			continue
		}
		select {
		case <-w.ch:
		case <-session:
			// While disconnected nothing is known; once the session is back (or a new one
			// replaced an expired one) the loop finds out whether our node still exists.
			session = c.watchSession()
		case <-ctx.Done():
			h.Release()
			return nil, ctx.Err()
		}
	}
	go h.watch(session)
	return h, nil
}

// watch ends the hold when the session is interrupted or the node is deleted.
func (h *Hold) watch(session <-chan struct{}) {
	_, _, ch, err := h.c.conn.ExistsW(h.path)
	if err != nil {
		h.lose()
		return
	}
	for {
		select {
		case ev := <-ch:
			if ev.Type == zk.EventNodeDeleted || ev.Err != nil {
				h.lose()
				return
			}
			if _, _, ch, err = h.c.conn.ExistsW(h.path); err != nil {
				h.lose()
				return
			}
		case <-session:
			h.lose()
			return
		case <-h.stop:
			return
		}
	}
}

func (h *Hold) lose() { h.loseOnce.Do(func() { close(h.lost) }) }

// Lost is closed when this instance may no longer hold the lock: its session was interrupted
// or its node is gone. A disconnection counts even if the session later resumes: while
// disconnected the holder cannot know whether another has taken over.
func (h *Hold) Lost() <-chan struct{} { return h.lost }

// Path is the holder's node; Allocate's fence checks it in the same transaction.
func (h *Hold) Path() string { return h.path }

// Term is the holder's sequence number: later holders have higher ones.
func (h *Hold) Term() int { return h.seq }

// Check asks ZooKeeper, synchronously, whether the lock is still held: the node exists and
// belongs to this session. It is the fence in front of an action a former holder must not
// repeat: a holder that was paused beyond its session timeout (a long stop, a frozen VM)
// finds out here, before acting, even before its client has noticed the expiry.
func (h *Hold) Check(ctx context.Context) error {
	select {
	case <-h.lost:
		return ErrNotHeld
	default:
	}
	if h.c.conn.SessionID() != h.session {
		h.lose()
		return ErrNotHeld
	}
	stat, err := call(ctx, func() (*zk.Stat, error) {
		ok, st, err := h.c.conn.Exists(h.path)
		if err == nil && !ok {
			return nil, nil
		}
		return st, err
	})
	if err != nil {
		return fmt.Errorf("coord: checking lock node %s: %w", h.path, err)
	}
	if stat == nil || stat.EphemeralOwner != h.session {
		h.lose()
		return ErrNotHeld
	}
	return nil
}

// Release gives the lock up (deletes the node) and stops watching it.
func (h *Hold) Release() {
	h.stopOnce.Do(func() { close(h.stop) })
	h.lose()
	// Bounded: with ZooKeeper away the node goes with the session anyway.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := call(ctx, func() (struct{}, error) { return struct{}{}, h.c.conn.Delete(h.path, -1) })
	if err != nil && !errors.Is(err, zk.ErrNoNode) && !errors.Is(err, zk.ErrClosing) {
		h.c.log.Warn("releasing a ZooKeeper lock failed; it ends with the session", "node", h.path, "err", err)
	}
}

// sequence reads the sequence number ZooKeeper appended to a lock node.
func sequence(path string) (int, error) {
	i := strings.LastIndex(path, "lock-")
	if i < 0 {
		return 0, fmt.Errorf("coord: %s is not a lock node", path)
	}
	n, err := strconv.Atoi(path[i+len("lock-"):])
	if err != nil {
		return 0, fmt.Errorf("coord: %s is not a lock node: %w", path, err)
	}
	return n, nil
}

// predecessor returns the node just before seq among a lock's children ("" when seq is the
// lowest), and whether seq is among them at all.
func predecessor(children []string, seq int) (prev string, present bool) {
	type node struct {
		name string
		seq  int
	}
	var nodes []node
	for _, ch := range children {
		if s, err := sequence(ch); err == nil {
			nodes = append(nodes, node{ch, s})
		}
	}
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].seq < nodes[j].seq })
	for i, n := range nodes {
		if n.seq == seq {
			if i > 0 {
				return nodes[i-1].name, true
			}
			return "", true
		}
	}
	return "", false
}
