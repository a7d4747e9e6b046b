package coord

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-zookeeper/zk"
)

// Serials hands out serial numbers from counters kept in ZooKeeper, one per sequence (for
// notices: an issuing organ, a notice type and a year). A number is given to an id once: the
// id's own node records it, created in the same transaction that moves the counter on, with a
// compare-and-set on the counter's version. So two instances numbering at once never give two
// ids one number, and an id numbered again — a retry after a crash, or another instance
// issuing the same notice — gets the number it already has.
//
// Nodes: <root>/notice-serials/<sequence> holds the last number given; its child <id> holds
// the id's number. A year's sequences can be deleted once its notices are all recorded.
type Serials struct {
	Client *Client
	// Fence, when set, returns the lock this instance must hold to number anything (the
	// leader's): the transaction then also checks that the lock's node still exists, so an
	// instance that lost the lead — however late it wakes up — numbers nothing.
	Fence func() (*Hold, error)
}

// maxPerTransaction bounds a transaction's size well below ZooKeeper's 1 MB request limit.
const maxPerTransaction = 500

// Allocate returns the number of every id in the sequence: ids already numbered keep their
// number, the others get the counter's next numbers in the order given.
func (s *Serials) Allocate(ctx context.Context, sequence string, ids []string) (map[string]int, error) {
	if sequence == "" || strings.Contains(sequence, "/") {
		return nil, fmt.Errorf("coord: %q is not a sequence name (one path element)", sequence)
	}
	dir := s.Client.root + "/notice-serials/" + sequence
	if err := s.Client.createAll(ctx, dir); err != nil {
		return nil, err
	}
	out := map[string]int{}
	var todo []string
	for _, id := range ids {
		if _, dup := out[id]; !dup && id != "" && !strings.Contains(id, "/") {
			out[id] = 0
			todo = append(todo, id)
		} else if id == "" || strings.Contains(id, "/") {
			return nil, fmt.Errorf("coord: %q is not an id to number (one path element)", id)
		}
	}
	conn := s.Client.conn
	for len(todo) > 0 {
		chunk := todo[:min(maxPerTransaction, len(todo))]
		type node struct {
			data []byte
			stat *zk.Stat
		}
		counter, err := call(ctx, func() (node, error) {
			d, st, err := conn.Get(dir)
			return node{d, st}, err
		})
		if err != nil {
			return nil, fmt.Errorf("coord: reading counter %s: %w", dir, err)
		}
		last, err := number(counter.data)
		if err != nil {
			return nil, fmt.Errorf("coord: counter %s: %w", dir, err)
		}
		ops := []any{&zk.SetDataRequest{Path: dir, Data: []byte(strconv.Itoa(last + len(chunk))), Version: counter.stat.Version}}
		for i, id := range chunk {
			ops = append(ops, &zk.CreateRequest{Path: dir + "/" + id, Data: []byte(strconv.Itoa(last + 1 + i)), Acl: zk.WorldACL(zk.PermAll)})
		}
		if s.Fence != nil {
			h, err := s.Fence()
			if err != nil {
				return nil, err
			}
			ops = append(ops, &zk.CheckVersionRequest{Path: h.Path(), Version: -1})
		}
		resp, err := call(ctx, func() ([]zk.MultiResponse, error) { return conn.Multi(ops...) })
		if err == nil {
			for i, id := range chunk {
				out[id] = last + 1 + i
			}
			todo = todo[len(chunk):]
			continue
		}
		if len(resp) != len(ops) {
			return nil, fmt.Errorf("coord: numbering %d ids in %s: %w", len(chunk), dir, err)
		}
		retry := false
		for i, r := range resp {
			switch {
			case i == 0 && errors.Is(r.Error, zk.ErrBadVersion):
				retry = true // another instance numbered something meanwhile
			case i > 0 && i <= len(chunk) && errors.Is(r.Error, zk.ErrNodeExists):
				// Numbered already (by another instance, or before a crash): keep that number.
				id := chunk[i-1]
				data, err := call(ctx, func() ([]byte, error) {
					d, _, err := conn.Get(dir + "/" + id)
					return d, err
				})
				if err != nil {
					return nil, fmt.Errorf("coord: reading the number of %s in %s: %w", id, dir, err)
				}
				if out[id], err = number(data); err != nil {
					return nil, fmt.Errorf("coord: number of %s in %s: %w", id, dir, err)
				}
				todo = remove(todo, id)
				retry = true
			case i == len(chunk)+1 && errors.Is(r.Error, zk.ErrNoNode):
				return nil, fmt.Errorf("coord: numbering in %s: %w", dir, ErrNotHeld)
			}
		}
		if !retry {
			return nil, fmt.Errorf("coord: numbering %d ids in %s: %w", len(chunk), dir, err)
		}
	}
	return out, nil
}

func number(data []byte) (int, error) {
	if len(data) == 0 {
		return 0, nil
	}
	n, err := strconv.Atoi(string(data))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a serial number", data)
	}
	return n, nil
}

func remove(list []string, v string) []string {
	out := list[:0:0]
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}
