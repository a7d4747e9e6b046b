//go:build cluster

package cluster

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/ecowatch/ecowatch/config"
	"github.com/ecowatch/ecowatch/coord"
)

// zkClient opens a coordination session on the cluster's ZooKeeper under a folder of its own
// (database stands for clickhouse.database), removed when the test ends.
func zkClient(t testing.TB, database string) *coord.Client {
	t.Helper()
	cfg, err := config.Load("", os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.ZooKeeper.Addr) == 0 {
		t.Fatal("the cluster tests need ZooKeeper: run them with `make cluster-test` (ECOWATCH_ZOOKEEPER_ADDR)")
	}
	cfg.ZooKeeper.SessionTimeout = 4 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := coord.Dial(ctx, cfg.ZooKeeper, database, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		deleteTree(t, cfg.ZooKeeper.Addr, cfg.ZooKeeper.Root+"/"+database)
	})
	return c
}

// deleteTree removes a ZooKeeper folder and everything under it.
func deleteTree(t testing.TB, addrs []string, path string) {
	conn, _, err := zk.Connect(addrs, 10*time.Second, zk.WithLogInfo(false), zk.WithLogger(zkQuiet{}))
	if err != nil {
		t.Logf("cleaning %s: %v", path, err)
		return
	}
	defer conn.Close()
	var del func(p string)
	del = func(p string) {
		children, _, _ := conn.Children(p)
		for _, ch := range children {
			del(p + "/" + ch)
		}
		conn.Delete(p, -1)
	}
	del(path)
}

type zkQuiet struct{}

func (zkQuiet) Printf(string, ...any) {}

// One client holds a lock at a time; when its session ends the next in line holds it, and the
// first one's hold is lost.
func TestLockOneHolderThenTheNext(t *testing.T) {
	db := "coord_lock_" + fmt.Sprint(time.Now().UnixNano())
	a, b := zkClient(t, db), zkClient(t, db)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ha, err := a.Acquire(ctx, "leader", []byte("a"))
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *coord.Hold, 1)
	errs := make(chan error, 1)
	go func() {
		hb, err := b.Acquire(ctx, "leader", []byte("b"))
		if err != nil {
			errs <- err
			return
		}
		got <- hb
	}()
	select {
	case <-got:
		t.Fatal("b acquired the lock while a holds it")
	case err := <-errs:
		t.Fatal(err)
	case <-time.After(2 * time.Second):
	}
	if err := ha.Check(ctx); err != nil {
		t.Fatalf("a's hold does not check: %v", err)
	}
	a.Close() // as a process that ends: its ephemeral node goes with the session
	var hb *coord.Hold
	select {
	case hb = <-got:
	case err := <-errs:
		t.Fatal(err)
	case <-time.After(20 * time.Second):
		t.Fatal("b did not take the lock within 20 s of a's session ending")
	}
	select {
	case <-ha.Lost():
	case <-time.After(5 * time.Second):
		t.Fatal("a's hold is not marked lost")
	}
	if hb.Term() <= ha.Term() {
		t.Fatalf("b's term %d is not after a's %d", hb.Term(), ha.Term())
	}
	if err := hb.Check(ctx); err != nil {
		t.Fatalf("b's hold does not check: %v", err)
	}
}

// A holder whose node has gone (its session expired while it was paused) is fenced: Check
// says so, and it cannot number anything, while the new holder can.
func TestFormerHolderIsFenced(t *testing.T) {
	db := "coord_fence_" + fmt.Sprint(time.Now().UnixNano())
	a, b := zkClient(t, db), zkClient(t, db)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ha, err := a.Acquire(ctx, "leader", nil)
	if err != nil {
		t.Fatal(err)
	}
	serialsA := &coord.Serials{Client: a, Fence: func() (*coord.Hold, error) { return ha, nil }}
	if n, err := serialsA.Allocate(ctx, "2026-440000-warning", []string{"N-1"}); err != nil || n["N-1"] != 1 {
		t.Fatalf("the holder's first number: %v %v", n, err)
	}
	// What the server does when a's session expires: its ephemeral node is deleted. The
	// deletion here comes from b's session, so a's client sees no session event; only its
	// synchronous checks can tell.
	cfg, _ := config.Load("", os.LookupEnv)
	conn, _, err := zk.Connect(cfg.ZooKeeper.Addr, 10*time.Second, zk.WithLogInfo(false), zk.WithLogger(zkQuiet{}))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Delete(ha.Path(), -1); err != nil {
		t.Fatal(err)
	}
	hb, err := b.Acquire(ctx, "leader", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ha.Check(ctx); !errors.Is(err, coord.ErrNotHeld) {
		t.Fatalf("the former holder's check: %v, want ErrNotHeld", err)
	}
	if n, err := serialsA.Allocate(ctx, "2026-440000-warning", []string{"N-2"}); !errors.Is(err, coord.ErrNotHeld) {
		t.Fatalf("the former holder numbered N-2 (%v, %v); want ErrNotHeld", n, err)
	}
	serialsB := &coord.Serials{Client: b, Fence: func() (*coord.Hold, error) { return hb, nil }}
	n, err := serialsB.Allocate(ctx, "2026-440000-warning", []string{"N-1", "N-2"})
	if err != nil || n["N-1"] != 1 || n["N-2"] != 2 {
		t.Fatalf("the new holder's numbers %v (%v); want N-1 → 1 (as before), N-2 → 2", n, err)
	}
}

// Four instances numbering overlapping sets of notices at once, each in its own order: every
// notice gets one number, the same whoever asks, and the numbers are 1…N without a gap.
func TestSerialsUniqueAndIdempotentAcrossInstances(t *testing.T) {
	db := "coord_serials_" + fmt.Sprint(time.Now().UnixNano())
	const shared, own, instances = 300, 200, 4
	clients := make([]*coord.Client, instances)
	for i := range clients {
		clients[i] = zkClient(t, db)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	answers := make([]map[string]int, instances)
	errs := make([]error, instances)
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ids []string
			for j := range shared {
				ids = append(ids, fmt.Sprintf("N-shared-%03d", j))
			}
			for j := range own {
				ids = append(ids, fmt.Sprintf("N-%d-%03d", i, j))
			}
			rand.Shuffle(len(ids), func(a, b int) { ids[a], ids[b] = ids[b], ids[a] })
			s := &coord.Serials{Client: c}
			answers[i] = map[string]int{}
			for k := 0; k < len(ids); k += 37 { // many small transactions, interleaving
				got, err := s.Allocate(ctx, "2026-440300-reminder", ids[k:min(k+37, len(ids))])
				if err != nil {
					errs[i] = err
					return
				}
				for id, n := range got {
					answers[i][id] = n
				}
			}
		}()
	}
	wg.Wait()
	all := map[string]int{}
	for i, a := range answers {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		for id, n := range a {
			if prev, ok := all[id]; ok && prev != n {
				t.Fatalf("%s got %d from one instance and %d from another", id, prev, n)
			}
			all[id] = n
		}
	}
	var numbers []int
	for _, n := range all {
		numbers = append(numbers, n)
	}
	sort.Ints(numbers)
	want := shared + own*instances
	if len(numbers) != want {
		t.Fatalf("%d ids numbered, want %d", len(numbers), want)
	}
	for i, n := range numbers {
		if n != i+1 {
			t.Fatalf("the numbers are not 1…%d without gaps or repeats: position %d holds %d", want, i+1, n)
		}
	}
	// Asked again, in another order, nothing changes.
	again, err := (&coord.Serials{Client: clients[0]}).Allocate(ctx, "2026-440300-reminder", []string{"N-3-007", "N-shared-000"})
	if err != nil || again["N-3-007"] != all["N-3-007"] || again["N-shared-000"] != all["N-shared-000"] {
		t.Fatalf("numbered again: %v (%v); had %d and %d", again, err, all["N-3-007"], all["N-shared-000"])
	}
}
