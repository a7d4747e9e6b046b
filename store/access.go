package store

import (
	"context"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// AccessEvent is one row of access_audit: a sign-in, a failed sign-in, a sign-out, or a
// request for a page or data file of the served dashboards (package serve records them).
type AccessEvent struct {
	EventID      string
	At           time.Time
	Event        string // sign_in, sign_in_failed, sign_out, page, data, …
	Login        string // "" when nobody is signed in
	UserName     string
	Jurisdiction string // "nation" or the region code of the person's jurisdiction
	Via          string // password, sso, or "" when nobody is signed in
	RemoteAddr   string
	Method       string
	Path         string
	Status       uint16
	Allowed      bool
	Reason       string
	UserAgent    string
}

// InsertAccessEvents writes access audit events in one insert.
func (s *Store) InsertAccessEvents(ctx context.Context, events []AccessEvent) error {
	if len(events) == 0 {
		return nil
	}
	n := len(events)
	ids, at, event, login, name, jur, via := make([]string, n), make([]time.Time, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	addr, method, path, status, allowed, reason, ua := make([]string, n), make([]string, n), make([]string, n), make([]uint16, n), make([]uint8, n), make([]string, n), make([]string, n)
	for i, e := range events {
		ids[i], at[i], event[i], login[i], name[i], jur[i], via[i] = e.EventID, e.At, e.Event, e.Login, e.UserName, e.Jurisdiction, e.Via
		addr[i], method[i], path[i], status[i], reason[i], ua[i] = e.RemoteAddr, e.Method, e.Path, e.Status, e.Reason, e.UserAgent
		if e.Allowed {
			allowed[i] = 1
		}
	}
	return s.insert(ctx, "access audit events", `INSERT INTO access_audit (event_id, at, event, login, user_name, jurisdiction, via,
		remote_addr, method, path, status, allowed, reason, user_agent)`, func(b driver.Batch) error {
		return appendColumns(b, ids, at, event, login, name, jur, via, addr, method, path, status, allowed, reason, ua)
	})
}
