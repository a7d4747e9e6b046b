package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Tables that ingest writes, named so callers cannot pass arbitrary SQL.
const (
	TableReports     = "reports"
	TableCaseEvents  = "case_events"
	TableContacts    = "contacts"
	TableRawMessages = "raw_messages"
	TableErrors      = "ingest_errors"
)

// InsertColumns writes rows given column by column into table with one native batch insert:
// values[i] fills the column columns[i] (the INSERT names them, which 18.16 requires) and is
// a Go slice the driver appends whole — []string, []uint8, []uint32, []int32, []int64 (also a
// DateTime, as Unix seconds), []float64, [][]string; rows is their length.
//
// The rows go in blocks of blockRows: the driver's column buffers then stay the size of a
// block and are reused from one block to the next, where a whole batch would grow them from
// empty (copying every byte again at each doubling) on every insert; the server squashes the
// blocks of one INSERT into one part (min_insert_block_size_rows), so the table sees the
// same parts.
func (s *Store) InsertColumns(ctx context.Context, table string, columns []string, values []any, rows int) error {
	if rows == 0 {
		return nil
	}
	query := "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ")"
	return s.insert(ctx, "rows into "+table, query, func(batch driver.Batch) error {
		for lo := 0; lo < rows; lo += blockRows {
			hi := min(lo+blockRows, rows)
			for i, v := range values {
				part, err := rowsOf(v, lo, hi)
				if err == nil {
					err = batch.Column(i).Append(part)
				}
				if err != nil {
					return fmt.Errorf("column %s: %w", columns[i], err)
				}
			}
			if hi < rows {
				if err := batch.Flush(); err != nil {
					return fmt.Errorf("sending rows %d–%d: %w", lo+1, hi, err)
				}
			}
		}
		return nil
	})
}

// blockRows is the most rows InsertColumns sends in one block.
const blockRows = 4096

// rowsOf returns the rows [lo, hi) of a column given as a Go slice.
func rowsOf(v any, lo, hi int) (any, error) {
	switch v := v.(type) {
	case []string:
		return v[lo:hi], nil
	case []uint8:
		return v[lo:hi], nil
	case []uint32:
		return v[lo:hi], nil
	case []int32:
		return v[lo:hi], nil
	case []int64:
		return v[lo:hi], nil
	case []float64:
		return v[lo:hi], nil
	case [][]string:
		return v[lo:hi], nil
	}
	return nil, fmt.Errorf("unsupported column type %T", v)
}
