package store

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// SealedContact is the sealed reporter identity of a report's latest version.
type SealedContact struct {
	ReportID string
	Version  uint32
	KeyID    string
	Sealed   []byte
}

// SealedContact reads the sealed identity of a report; ok is false when the report has none
// (anonymous, or unknown).
func (s *Store) SealedContact(ctx context.Context, reportID string) (c SealedContact, ok bool, err error) {
	rows, err := s.conn.Query(ctx, `SELECT report_id, version, key_id, sealed FROM contacts
		WHERE report_id = ? ORDER BY version DESC LIMIT 1`, reportID)
	if err != nil {
		return c, false, fmt.Errorf("store: reading contacts: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return c, false, rows.Err()
	}
	var sealed string
	if err := rows.Scan(&c.ReportID, &c.Version, &c.KeyID, &sealed); err != nil {
		return c, false, fmt.Errorf("store: reading contacts: %w", err)
	}
	c.Sealed = []byte(sealed)
	return c, true, nil
}

// RevealAudit is one record of an identity being read.
type RevealAudit struct {
	ReportID, Purpose, Operator, Host, KeyID string
	At                                       time.Time
}

// AuditReveal records a reveal. It must succeed before the identity is shown.
func (s *Store) AuditReveal(ctx context.Context, a RevealAudit) error {
	return s.insert(ctx, "reveal audit records", "INSERT INTO reveal_audit (report_id, purpose, operator, host, key_id, revealed_at)",
		func(batch driver.Batch) error {
			return batch.Append(a.ReportID, a.Purpose, a.Operator, a.Host, a.KeyID, a.At)
		})
}
