package store

import "time"

// Period is a half-open interval [From, To) of time: a quarter, a day so far, a read window.
// Business periods are taken in Asia/Shanghai (calendar.Shanghai) by the callers that make
// them; the DateTime columns are declared in that zone.
type Period struct {
	From, To time.Time
}

// Contains reports whether t lies in the period.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.From) && t.Before(p.To) }

// IsZero reports whether the period is unset.
func (p Period) IsZero() bool { return p.From.IsZero() && p.To.IsZero() }
