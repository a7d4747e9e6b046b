package cputime

import (
	"time"

	"golang.org/x/sys/unix"
)

// threadClock reads the calling thread's CPU clock. The clock id of a thread is the one
// pthread_getcpuclockid(3) computes: MAKE_THREAD_CPUCLOCK(tid, CPUCLOCK_SCHED), which any
// thread of the process may read (clock_gettime(2)) — so the watchdog can watch the worker.
func threadClock() func() time.Duration {
	id := int32(^uint32(unix.Gettid())<<3 | 6)
	return func() time.Duration {
		var ts unix.Timespec
		if err := unix.ClockGettime(id, &ts); err != nil {
			panic("cputime: reading a thread's CPU clock: " + err.Error())
		}
		return time.Duration(ts.Nano())
	}
}
