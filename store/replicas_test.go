package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// chooserWith is a replicaChooser over fake replicas: states maps an address to what its probe
// says (missing: the probe fails). It returns the chooser, the addresses dialled (filled by
// dialer) and the number of probes.
func chooserWith(states map[string]replicaState) (*replicaChooser, *[]string, *int) {
	probes := 0
	c := &replicaChooser{maxLag: 5 * time.Second, recent: map[string]probeResult{}}
	c.probe = func(_ context.Context, addr string) (replicaState, error) {
		probes++
		st, ok := states[addr]
		if !ok {
			return replicaState{}, fmt.Errorf("%s: connection refused", addr)
		}
		return st, nil
	}
	var dialed []string
	return c, &dialed, &probes
}

// dialer records the addresses dialled; those in down refuse.
func dialer(dialed *[]string, down ...string) clickhouse.Dial {
	return func(_ context.Context, addr string, _ *clickhouse.Options) (clickhouse.DialResult, error) {
		*dialed = append(*dialed, addr)
		for _, d := range down {
			if d == addr {
				return clickhouse.DialResult{}, errors.New(addr + ": connection refused")
			}
		}
		return clickhouse.DialResult{}, nil
	}
}

func TestChooserKeepsTheListedOrderWhileTheReplicasAreFit(t *testing.T) {
	c, dialed, _ := chooserWith(map[string]replicaState{"r1": {Lag: time.Second}, "r2": {}})
	if _, err := c.dial(context.Background(), 1, &clickhouse.Options{Addr: []string{"r1", "r2"}}, dialer(dialed)); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(*dialed) != "[r1]" {
		t.Fatalf("dialed %v, want the first replica only", *dialed)
	}
}

func TestChooserPassesOverALaggingOrReadOnlyReplica(t *testing.T) {
	for name, first := range map[string]replicaState{
		"behind":    {Lag: 42 * time.Second},
		"read-only": {ReadOnly: true},
	} {
		c, dialed, _ := chooserWith(map[string]replicaState{"r1": first, "r2": {}})
		if _, err := c.dial(context.Background(), 1, &clickhouse.Options{Addr: []string{"r1", "r2"}}, dialer(dialed)); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(*dialed) != "[r2]" {
			t.Errorf("%s first replica: dialed %v, want r2", name, *dialed)
		}
	}
}

func TestChooserFallsBackToAnUnfitReplicaRatherThanNone(t *testing.T) {
	// r2 is down (probe and dial fail); r1 is far behind: r1 still gets the connection.
	c, dialed, _ := chooserWith(map[string]replicaState{"r1": {Lag: time.Hour}})
	if _, err := c.dial(context.Background(), 1, &clickhouse.Options{Addr: []string{"r1", "r2"}}, dialer(dialed, "r2")); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(*dialed) != "[r1]" {
		t.Fatalf("dialed %v, want r1 as the last resort", *dialed)
	}
	// r1 does not answer its probe (it hangs, say), r2 answers but is behind: r2 is dialled
	// before r1, so that r1 cannot use up the dial timeout.
	c, dialed, _ = chooserWith(map[string]replicaState{"r2": {Lag: time.Minute}})
	if _, err := c.dial(context.Background(), 1, &clickhouse.Options{Addr: []string{"r1", "r2"}}, dialer(dialed)); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(*dialed) != "[r2]" {
		t.Fatalf("dialed %v, want r2 (answering, behind) before r1 (silent)", *dialed)
	}
	// Both down: the error of the last dial, naming the address.
	c, dialed, _ = chooserWith(nil)
	_, err := c.dial(context.Background(), 1, &clickhouse.Options{Addr: []string{"r1", "r2"}}, dialer(dialed, "r1", "r2"))
	if err == nil || err.Error() != "r2: connection refused" || fmt.Sprint(*dialed) != "[r1 r2]" {
		t.Fatalf("all down: err %v after dialing %v", err, *dialed)
	}
}

func TestChooserReusesARecentProbe(t *testing.T) {
	c, dialed, probes := chooserWith(map[string]replicaState{"r1": {}, "r2": {}})
	for range 8 { // a pool filling up
		c.dial(context.Background(), 1, &clickhouse.Options{Addr: []string{"r1", "r2"}}, dialer(dialed))
	}
	if *probes != 1 {
		t.Fatalf("%d probes for 8 connections made at once, want 1", *probes)
	}
}
