//go:build cluster

package cluster

import (
	"context"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/store"
)

// A replica that has fallen behind — here replica 1, whose fetches are stopped while a report
// is written to replica 2 — gets no new connection while another replica is up to date: the
// store, given replica 1 first, reads through replica 2 and sees the report.
func TestNewConnectionsPassOverALaggingReplica(t *testing.T) {
	env := newEnv(t)
	db := env.Config.ClickHouse.Database
	conns := replicas(t, env.Config.ClickHouse)
	exec1(t, conns[0], "SYSTEM STOP FETCHES "+db+".reports")
	t.Cleanup(func() { conns[0].Exec(context.Background(), "SYSTEM START FETCHES "+db+".reports") })
	exec1(t, conns[1], "INSERT INTO "+db+".reports (report_id, version) SELECT 'lagging-1', toUInt32(1)")

	deadline := time.Now().Add(time.Minute)
	for queryCount(t, conns[0], "SELECT toUInt64(max(absolute_delay)) FROM system.replicas WHERE database = ?", db) <= 5 {
		if time.Now().After(deadline) {
			t.Fatal("replica 1 did not fall more than 5 s behind within a minute")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n := queryCount(t, conns[0], "SELECT count() FROM "+db+".reports"); n != 0 {
		t.Fatalf("replica 1 holds %d reports although its fetches are stopped", n)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := store.Open(ctx, env.Config.ClickHouse) // replica 1 listed first
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var replica string
	if err := s.Conn().QueryRow(ctx, "SELECT substitution FROM system.macros WHERE macro = 'replica'").Scan(&replica); err != nil {
		t.Fatal(err)
	}
	var n uint64
	if err := s.Conn().QueryRow(ctx, "SELECT count() FROM reports").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if replica != "r2" || n != 1 {
		t.Fatalf("the store read %d reports from replica %s; want 1 from r2, the replica that is up to date", n, replica)
	}
}
