package pipeline

// Table is the rows a batch holds for one ClickHouse table, column by column: Columns[i]
// names the column that Values[i] fills. Each value is a Go slice of the type the ClickHouse
// driver appends whole, with no conversion:
//
//	String, LowCardinality(String)  []string (sealed bytes too)
//	UInt8, UInt32, Int32, Int64     []uint8, []uint32, []int32, []int64
//	Float64                         []float64
//	DateTime                        []int64, Unix seconds
//	Array(String)                   [][]string
//
// The slices belong to the batch: they are valid until it is Reset.
type Table struct {
	Columns []string
	Values  []any
	Len     int
}

// column is one column of a table being filled: a Go slice that grows a row at a time and is
// kept, emptied, for the next batch.
type column[T any] []T

func (c *column[T]) add(v T)     { *c = append(*c, v) }
func (c *column[T]) values() any { return []T(*c) }
func (c *column[T]) len() int    { return len(*c) }

// reset empties the column, keeping its memory; old values are cleared so that the strings
// of the last batch are not kept alive.
func (c *column[T]) reset() {
	clear(*c)
	*c = (*c)[:0]
}

// anyColumn is a column of whatever type.
type anyColumn interface {
	values() any
	len() int
	reset()
}

// named is a table's column under its ClickHouse name.
type named struct {
	name string
	col  anyColumn
}

// schema lists a table's columns in the order they are written. It is the one place a table's
// columns are named.
type schema []named

// table returns the rows of the columns (each column holds one value a row).
func (s schema) table() Table {
	t := Table{Columns: make([]string, len(s)), Values: make([]any, len(s)), Len: s[0].col.len()}
	for i, c := range s {
		t.Columns[i], t.Values[i] = c.name, c.col.values()
	}
	return t
}

func (s schema) reset() {
	for _, c := range s {
		c.col.reset()
	}
}
