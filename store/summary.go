package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
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
	// Per code, the count and, as the example, the reason most dead letters of the code give
	// (ties: the smallest text), so that the summary is the same at every run.
	rows, err := s.conn.Query(ctx, `
		SELECT code, reason, count() AS n
		FROM (SELECT code, reason FROM ingest_errors LIMIT 1 BY topic, partition, offset)
		GROUP BY code, reason
		ORDER BY code, n DESC, reason`)
	if err != nil {
		return nil, fmt.Errorf("store: dead letters by code: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code, reason string
		var n uint64
		if err := rows.Scan(&code, &reason, &n); err != nil {
			return nil, fmt.Errorf("store: dead letters by code: %w", err)
		}
		if k := len(sum.ByCode); k > 0 && sum.ByCode[k-1].Code == code {
			sum.ByCode[k-1].Count += n
			continue
		}
		sum.ByCode = append(sum.ByCode, CodeCount{Code: code, Count: n, Example: reason})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: dead letters by code: %w", err)
	}
	slices.SortStableFunc(sum.ByCode, func(a, b CodeCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Code, b.Code))
	})
	return &sum, nil
}
