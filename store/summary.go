package store

import (
	"context"
	"fmt"
)

// IngestSummary counts what ingest made durable, each row counted once however often it was
// delivered.
type IngestSummary struct {
	Reports, CaseEvents, Contacts, RawMessages, DeadLetters uint64
	ByCode                                                  []CodeCount
}

// CodeCount is the number of dead letters with one error code, and one reason as an example.
type CodeCount struct {
	Code    string
	Count   uint64
	Example string
}

// IngestSummary reads the counts.
func (s *Store) IngestSummary(ctx context.Context) (*IngestSummary, error) {
	var sum IngestSummary
	counts := []struct {
		dst   *uint64
		query string
	}{
		{&sum.Reports, "SELECT uniqExact(report_id) FROM reports"},
		{&sum.CaseEvents, "SELECT uniqExact(event_id) FROM case_events"},
		{&sum.Contacts, "SELECT uniqExact(report_id) FROM contacts"},
		{&sum.RawMessages, "SELECT uniqExact(topic, partition, offset) FROM raw_messages"},
		{&sum.DeadLetters, "SELECT uniqExact(topic, partition, offset) FROM ingest_errors"},
	}
	for _, c := range counts {
		if err := s.conn.QueryRow(ctx, c.query).Scan(c.dst); err != nil {
			return nil, fmt.Errorf("store: %s: %w", c.query, err)
		}
	}
	rows, err := s.conn.Query(ctx, `
		SELECT code, count() AS n, min(reason)
		FROM (SELECT code, reason FROM ingest_errors LIMIT 1 BY topic, partition, offset)
		GROUP BY code ORDER BY n DESC, code`)
	if err != nil {
		return nil, fmt.Errorf("store: dead letters by code: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c CodeCount
		if err := rows.Scan(&c.Code, &c.Count, &c.Example); err != nil {
			return nil, fmt.Errorf("store: dead letters by code: %w", err)
		}
		sum.ByCode = append(sum.ByCode, c)
	}
	return &sum, rows.Err()
}
