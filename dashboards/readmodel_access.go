package dashboards

import (
	"context"
	"fmt"

	"github.com/ecowatch/ecowatch/store"
)

// Access summarises the access audit of the served dashboards (access_audit, written by
// `ecowatch serve`) over a period: totals per event, the people who opened pages, and the
// addresses failed sign-ins came from. The table is small (thousands of rows a day); FINAL
// drops an event a retried insert wrote twice.
func (m *ReadModel) Access(ctx context.Context, p store.Period) (AccessSummary, error) {
	var s AccessSummary
	where := "at >= ? AND at < ?"
	rows, err := m.db.Query(ctx, `SELECT event, allowed, count() AS n FROM access_audit FINAL WHERE `+where+`
		GROUP BY event, allowed ORDER BY event, allowed`, p.From, p.To)
	if err != nil {
		return s, fmt.Errorf("dashboards: access audit totals: %w", err)
	}
	for rows.Next() {
		var ev string
		var allowed uint8
		var n uint64
		if err := rows.Scan(&ev, &allowed, &n); err != nil {
			rows.Close()
			return s, fmt.Errorf("dashboards: access audit totals: %w", err)
		}
		s.add(ev, allowed == 1, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s, fmt.Errorf("dashboards: access audit totals: %w", err)
	}

	// People: the name and jurisdiction shown are the greatest recorded in the period (they
	// change only when an account is edited).
	rows, err = m.db.Query(ctx, `SELECT login, max(user_name) AS name, max(jurisdiction) AS jur,
			countIf(event IN ('page', 'data') AND allowed = 1) AS opened, countIf(allowed = 0) AS refused,
			countIf(event = 'sign_in') AS sign_ins, max(at) AS last
		FROM access_audit FINAL WHERE `+where+` AND login != ''
		GROUP BY login ORDER BY opened DESC, login LIMIT ?`, p.From, p.To, maxAccessRows)
	if err != nil {
		return s, fmt.Errorf("dashboards: access audit per person: %w", err)
	}
	for rows.Next() {
		var u AccessUser
		if err := rows.Scan(&u.Login, &u.Name, &u.Jurisdiction, &u.Opened, &u.Refused, &u.SignIns, &u.Last); err != nil {
			rows.Close()
			return s, fmt.Errorf("dashboards: access audit per person: %w", err)
		}
		s.Users = append(s.Users, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s, fmt.Errorf("dashboards: access audit per person: %w", err)
	}

	rows, err = m.db.Query(ctx, `SELECT remote_addr, count() AS failed, uniqExactIf(login, login != '') AS logins, max(at) AS last
		FROM access_audit FINAL WHERE `+where+` AND event = 'sign_in_failed'
		GROUP BY remote_addr ORDER BY failed DESC, remote_addr LIMIT 10`, p.From, p.To)
	if err != nil {
		return s, fmt.Errorf("dashboards: access audit failed sign-ins: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a AccessAddress
		if err := rows.Scan(&a.Addr, &a.Failed, &a.Logins, &a.Last); err != nil {
			return s, fmt.Errorf("dashboards: access audit failed sign-ins: %w", err)
		}
		s.FailedFrom = append(s.FailedFrom, a)
	}
	return s, rows.Err()
}

// maxAccessRows is the number of people listed.
const maxAccessRows = 30
