package access

import (
	"sync"
	"time"
)

// ThrottleRule is how failed sign-ins of one key (an account, or an address) are slowed: the
// first Free failures cost nothing; after that each attempt must wait Base·2^(failures−Free)
// since the last failure, at most Max. A key without a failure for Forget is forgotten.
type ThrottleRule struct {
	Free      int
	Base, Max time.Duration
	Forget    time.Duration
}

// The rules of the server: five failures per account (a person mistyping), twenty per
// address (an office behind one NAT address signs in from it).
var (
	AccountRule = ThrottleRule{Free: 5, Base: 15 * time.Second, Max: 15 * time.Minute, Forget: time.Hour}
	AddressRule = ThrottleRule{Free: 20, Base: 15 * time.Second, Max: 15 * time.Minute, Forget: time.Hour}
)

// DefaultThrottleLimit is the number of keys each table of a Throttle keeps.
const DefaultThrottleLimit = 10000

// Throttle slows failed sign-ins per account and per address. Its memory is bounded: each of
// its two tables keeps at most Limit keys; when one is full, forgotten keys are dropped, then
// the one whose last failure is oldest. No goroutine.
type Throttle struct {
	accounts, addresses *failures
}

// NewThrottle makes a throttle with the given rules; limit 0 means DefaultThrottleLimit.
func NewThrottle(account, address ThrottleRule, limit int) *Throttle {
	if limit <= 0 {
		limit = DefaultThrottleLimit
	}
	return &Throttle{
		accounts:  &failures{rule: account, limit: limit, m: map[string]*failure{}},
		addresses: &failures{rule: address, limit: limit, m: map[string]*failure{}},
	}
}

// Wait is how long a sign-in of login from addr must still wait (0: it may be tried now).
func (t *Throttle) Wait(login, addr string, now time.Time) time.Duration {
	return max(t.accounts.wait(login, now), t.addresses.wait(addr, now))
}

// Failed records a failed sign-in.
func (t *Throttle) Failed(login, addr string, now time.Time) {
	t.accounts.add(login, now)
	t.addresses.add(addr, now)
}

// Succeeded forgets the account's failures (the address's stay: one right password does not
// excuse many wrong ones from the same place).
func (t *Throttle) Succeeded(login string) { t.accounts.forget(login) }

// Keys is the number of keys held in each table, for tests of the bound.
func (t *Throttle) Keys() (accounts, addresses int) {
	return t.accounts.len(), t.addresses.len()
}

type failure struct {
	n    int
	last time.Time
}

type failures struct {
	rule  ThrottleRule
	limit int
	mu    sync.Mutex
	m     map[string]*failure
}

func (f *failures) delay(n int) time.Duration {
	if n < f.rule.Free {
		return 0
	}
	d := f.rule.Base
	for i := f.rule.Free; i < n && d < f.rule.Max; i++ {
		d *= 2
	}
	return min(d, f.rule.Max)
}

func (f *failures) wait(key string, now time.Time) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := f.m[key]
	if e == nil {
		return 0
	}
	if now.Sub(e.last) >= f.rule.Forget {
		delete(f.m, key)
		return 0
	}
	return max(0, e.last.Add(f.delay(e.n)).Sub(now))
}

func (f *failures) add(key string, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e := f.m[key]
	if e == nil {
		if len(f.m) >= f.limit {
			f.evict(now)
		}
		e = &failure{}
		f.m[key] = e
	}
	e.n++
	e.last = now
}

func (f *failures) evict(now time.Time) {
	var oldest string
	var oldestAt time.Time
	for k, e := range f.m {
		if now.Sub(e.last) >= f.rule.Forget {
			delete(f.m, k)
			continue
		}
		if oldestAt.IsZero() || e.last.Before(oldestAt) {
			oldest, oldestAt = k, e.last
		}
	}
	if len(f.m) >= f.limit {
		delete(f.m, oldest)
	}
}

func (f *failures) forget(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.m, key)
}

func (f *failures) len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.m)
}
