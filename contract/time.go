package contract

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
)

// Time is a contract timestamp. On the wire it is RFC 3339; a timestamp without an offset is
// Asia/Shanghai time (DESIGN §3). Decoding never fails on a bad value: the raw text is kept
// and Validate reports it with the field's name, so that the dead letter says which field was
// wrong rather than a generic JSON error.
type Time struct {
	time.Time
	raw string
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
}

// maxTimeLen is longer than any accepted timestamp (RFC 3339 with nanoseconds and an offset is
// 35 bytes): a longer value is refused without trying the layouts.
const maxTimeLen = 64

// ParseTime parses a contract timestamp; a value without an offset is Asia/Shanghai time.
func ParseTime(s string) (time.Time, bool) {
	if len(s) > maxTimeLen {
		return time.Time{}, false
	}
	for i, layout := range timeLayouts {
		var t time.Time
		var err error
		if i == 0 {
			t, err = time.Parse(layout, s)
		} else {
			t, err = time.ParseInLocation(layout, s, calendar.Shanghai)
		}
		if err == nil {
			return t.In(calendar.Shanghai), true
		}
	}
	return time.Time{}, false
}

// NewTime wraps t as a contract timestamp.
func NewTime(t time.Time) Time { return Time{Time: t.In(calendar.Shanghai)} }

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	*t = Time{}
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		t.raw = string(b) // a number or object: reported by Validate as bad_time
		if t.raw == "" {
			t.raw = "?"
		}
		return nil
	}
	t.raw = s
	if parsed, ok := ParseTime(s); ok {
		t.Time = parsed
	}
	return nil
}

// MarshalJSON implements json.Marshaler: RFC 3339 with the +08:00 offset.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte(`""`), nil
	}
	return []byte(`"` + t.In(calendar.Shanghai).Format(time.RFC3339) + `"`), nil
}

// present reports whether the field was given at all.
func (t Time) present() bool { return t.raw != "" || !t.IsZero() }
