package store

import (
	"context"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Querier is the read API the read models beside their readers (reports, dashboards) use: a
// query with positional arguments (?), its rows or its one row. *Store implements it. A read
// model writes its own SELECT statements, built with the shared rules of this package (the
// latest version of a report, LatestReports; the scope filter, ScopeFilter; literals, Quote
// and Time); it never inserts.
type Querier interface {
	Query(ctx context.Context, query string, args ...any) (driver.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) driver.Row
}

var _ Querier = (*Store)(nil)

// Query runs a SELECT and returns its rows; close them.
func (s *Store) Query(ctx context.Context, query string, args ...any) (driver.Rows, error) {
	return s.conn.Query(ctx, query, args...)
}

// QueryRow runs a SELECT that returns one row.
func (s *Store) QueryRow(ctx context.Context, query string, args ...any) driver.Row {
	return s.conn.QueryRow(ctx, query, args...)
}
