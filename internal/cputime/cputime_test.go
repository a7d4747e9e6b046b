package cputime

import (
	"crypto/sha256"
	"testing"
	"time"
)

// Waiting is not work: a call that sleeps uses almost no CPU, however long it sleeps.
func TestSleepIsNotCounted(t *testing.T) {
	used := Bound(time.Second, func() string { return "sleep" }, func() { time.Sleep(200 * time.Millisecond) })
	if used >= 100*time.Millisecond {
		t.Fatalf("a 200 ms sleep counted as %s of CPU", used)
	}
}

// Work is counted: hashing 64 MiB takes tens of milliseconds of CPU on any machine, and more
// than hashing 64 KiB.
func TestWorkIsCounted(t *testing.T) {
	hash := func(n int) func() {
		buf := make([]byte, 1<<10)
		return func() {
			for range n {
				sha256.Sum256(buf)
			}
		}
	}
	small := Bound(time.Minute, func() string { return "small" }, hash(64))
	large := Bound(time.Minute, func() string { return "large" }, hash(64<<10))
	if large < time.Millisecond || large <= small {
		t.Fatalf("hashing 64 MiB used %s of CPU, 64 KiB %s", large, small)
	}
}
