package deliver

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// SerialAllocator numbers notices. Within a sequence — one issuing organ, one type of notice,
// one year — every notice id gets one number, never another id's, and the same number every
// time it is asked for (a retry after a crash, or a second instance issuing the same notice).
//
// With several instances (zookeeper.addr) it is coord.Serials: counters in ZooKeeper changed
// by compare-and-set. Notices.Serials nil means the local allocator, which is right for one
// instance only: it numbers after the notices recorded in the store and remembers, under a
// lock, what it gave in this process (the concurrent jobs of one `ecowatch run`).
type SerialAllocator interface {
	Allocate(ctx context.Context, sequence string, noticeIDs []string) (map[string]int, error)
}

// serialRequest is a notice to number: its id, its issuer and its warning kind.
type serialRequest struct {
	noticeID, issuer, kind string
}

// serialSequence names the sequence of a notice's number: year, issuer and type of notice
// (the character of the number: 催 reminder, 督 supervision, 预 warning).
func serialSequence(year int, issuer, kind string) string {
	typ := "warning"
	switch _, char := noticeKind(kind); char {
	case "催":
		typ = "reminder"
	case "督":
		typ = "supervision"
	case "续":
		typ = "digest" // a 预警续报 has no number: its records must not advance the 预 serials
	}
	return fmt.Sprintf("%d-%s-%s", year, issuer, typ)
}

// numbers returns the serial number of each notice to write, asking the allocator once per
// sequence with the notices in the order given.
func (n *Notices) numbers(ctx context.Context, year int, reqs []serialRequest) (map[string]int, error) {
	alloc := n.Serials
	if alloc == nil {
		n.localOnce.Do(func() { n.local = &localSerials{store: n.Store} })
		alloc = n.local
	}
	bySeq := map[string][]string{}
	var seqs []string
	for _, r := range reqs {
		seq := serialSequence(year, r.issuer, r.kind)
		if _, ok := bySeq[seq]; !ok {
			seqs = append(seqs, seq)
		}
		bySeq[seq] = append(bySeq[seq], r.noticeID)
	}
	out := map[string]int{}
	for _, seq := range seqs {
		got, err := alloc.Allocate(ctx, seq, bySeq[seq])
		if err != nil {
			return nil, fmt.Errorf("deliver: numbering %d notices of %s: %w", len(bySeq[seq]), seq, err)
		}
		for _, id := range bySeq[seq] {
			if got[id] <= 0 {
				return nil, fmt.Errorf("deliver: no number for notice %s in %s", id, seq)
			}
			out[id] = got[id]
		}
	}
	return out, nil
}

// localSerials is the allocator of a single instance: the next number of a sequence follows
// both the notices recorded in the store (NoticeCounts) and the numbers this process gave.
type localSerials struct {
	store NoticeStore
	mu    sync.Mutex
	given map[string]int // notice id → number, in this process
	last  map[string]int // sequence → last number given in this process
}

func (l *localSerials) Allocate(ctx context.Context, sequence string, ids []string) (map[string]int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.given == nil {
		l.given, l.last = map[string]int{}, map[string]int{}
	}
	parts := strings.SplitN(sequence, "-", 3)
	year, err := strconv.Atoi(parts[0])
	if len(parts) != 3 || err != nil {
		return nil, fmt.Errorf("deliver: %q is not a notice sequence", sequence)
	}
	counts, err := l.store.NoticeCounts(ctx, year)
	if err != nil {
		return nil, err
	}
	recorded := 0
	for key, c := range counts {
		issuer, kind, _ := strings.Cut(key, "|")
		if serialSequence(year, issuer, kind) == sequence {
			recorded += c
		}
	}
	last := max(recorded, l.last[sequence])
	out := map[string]int{}
	for _, id := range ids {
		if n, ok := l.given[id]; ok {
			out[id] = n
			continue
		}
		last++
		l.given[id], out[id] = last, last
	}
	l.last[sequence] = last
	return out, nil
}
