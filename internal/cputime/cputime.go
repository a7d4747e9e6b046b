// Package cputime bounds the work of one call in tests: the CPU time of the OS thread that ran
// it, not wall time, so that a loaded machine does not make a linear step look slow, and a
// watchdog that stops a call caught in super-linear work instead of letting it run for hours.
//
// It is for tests and fuzz targets only; production code must not import it.
package cputime

import (
	"fmt"
	"runtime"
	"time"
)

// Bound runs f locked to one OS thread and returns the CPU time that thread spent on it.
//
// While f runs, a watchdog reads the thread's CPU clock; once f has used more than limit it
// panics with what(), since a call stuck in super-linear work cannot be stopped any other way.
// The panic ends the test binary, or the fuzz worker — which makes `go test -fuzz` record the
// input as failing rather than report zero executions a second and pass.
//
// The caller compares the returned time with its own bound: the watchdog only catches what
// never returns.
func Bound(limit time.Duration, what func() string, f func()) time.Duration {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	clock := threadClock()
	start := clock()
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTimer(limit)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			used := clock() - start
			if used <= limit {
				t.Reset(limit - used + time.Millisecond)
				continue
			}
			select {
			case <-done: // f returned meanwhile: the caller has the exact figure
				return
			default:
			}
			panic(fmt.Sprintf("cputime: %s has used more than %s of CPU and is still running", what(), limit))
		}
	}()
	f()
	used := clock() - start
	close(done)
	<-stopped
	return used
}

// Thread returns a reader of the calling OS thread's CPU time. The goroutine must be locked
// to its thread (runtime.LockOSThread) for the figures to mean anything.
func Thread() func() time.Duration { return threadClock() }
