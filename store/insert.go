package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/apache/arrow/go/v17/arrow"
	"github.com/apache/arrow/go/v17/arrow/array"
)

// Tables that ingest writes, named so callers cannot pass arbitrary SQL.
const (
	TableReports     = "reports"
	TableCaseEvents  = "case_events"
	TableContacts    = "contacts"
	TableRawMessages = "raw_messages"
	TableErrors      = "ingest_errors"
)

// InsertRecord writes an Arrow record batch into table with one native batch insert. The
// record's field names are the column names (the INSERT names them, which 18.16 requires);
// columns are appended whole, not row by row. Supported Arrow types: string, binary, uint8,
// uint32, int32, int64, float64, timestamp (seconds; written as DateTime) and list<string>.
func (s *Store) InsertRecord(ctx context.Context, table string, rec arrow.Record) error {
	if rec.NumRows() == 0 {
		return nil
	}
	names := make([]string, rec.NumCols())
	for i, f := range rec.Schema().Fields() {
		names[i] = f.Name
	}
	query := fmt.Sprintf("INSERT INTO %s (%s)", table, strings.Join(names, ", "))
	return s.insert(ctx, "rows into "+table, query, func(batch driver.Batch) error {
		for i, col := range rec.Columns() {
			v, err := goColumn(col)
			if err == nil {
				err = batch.Column(i).Append(v)
			}
			if err != nil {
				return fmt.Errorf("column %s: %w", names[i], err)
			}
		}
		return nil
	})
}

// goColumn converts an Arrow array to the Go slice clickhouse-go appends as a column.
func goColumn(col arrow.Array) (any, error) {
	n := col.Len()
	switch a := col.(type) {
	case *array.String:
		out := make([]string, n)
		for i := range out {
			out[i] = a.Value(i)
		}
		return out, nil
	case *array.Binary:
		out := make([]string, n)
		for i := range out {
			out[i] = a.ValueString(i) // no copy: the driver copies when it appends
		}
		return out, nil
	case *array.Uint8:
		return a.Uint8Values(), nil
	case *array.Uint32:
		return a.Uint32Values(), nil
	case *array.Int32:
		return a.Int32Values(), nil
	case *array.Int64:
		return a.Int64Values(), nil
	case *array.Float64:
		return a.Float64Values(), nil
	case *array.Timestamp:
		out := make([]time.Time, n)
		for i, ts := range a.TimestampValues() {
			out[i] = time.Unix(int64(ts), 0)
		}
		return out, nil
	case *array.List:
		values, ok := a.ListValues().(*array.String)
		if !ok {
			return nil, fmt.Errorf("unsupported list element type %s", a.ListValues().DataType())
		}
		offsets := a.Offsets()
		out := make([][]string, n)
		for i := range out {
			lo, hi := int(offsets[i]), int(offsets[i+1])
			row := make([]string, 0, hi-lo)
			for j := lo; j < hi; j++ {
				row = append(row, values.Value(j))
			}
			out[i] = row
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported Arrow type %s", col.DataType())
}
