package store

import (
	"strconv"
	"strings"
	"time"
)

// The literals of the SQL that read models build. Values that vary per call are passed as
// arguments (?) where a statement is run once; where a statement is assembled from many
// generated parts (the disclosure's breakdowns) they are written as literals, always through
// these functions: one quoting rule, one time literal.

// quoter escapes a string for a single-quoted ClickHouse literal: backslash and quote.
var quoter = strings.NewReplacer(`\`, `\\`, `'`, `\'`)

// Quote is s as an SQL string literal ('…', with \ and ' escaped).
func Quote(s string) string { return "'" + quoter.Replace(s) + "'" }

// Strings is the list as an SQL array literal of strings.
func Strings(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// Time is t as a DateTime literal in Asia/Shanghai, to the second (DateTime has whole
// seconds; a fraction is dropped).
func Time(t time.Time) string {
	return "toDateTime(" + strconv.FormatInt(t.Unix(), 10) + ", 'Asia/Shanghai')"
}

// In is the condition that the time column (or expression) col lies in p.
func In(col string, p Period) string {
	return "(" + col + " >= " + Time(p.From) + " AND " + col + " < " + Time(p.To) + ")"
}

// InAny is the condition that col lies in one of the periods ("0" for none).
func InAny(col string, ps ...Period) string {
	if len(ps) == 0 {
		return "0"
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = In(col, p)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// Enum is the position (1-based; 0 for any other value) of the string expression col in
// values: grouping by small numbers is much faster than by strings on 18.16.
func Enum(col string, values []string) string {
	return "indexOf(" + Strings(values) + ", " + col + ")"
}

// EnumValue is the value at a position Enum returned ("" for 0 or out of range).
func EnumValue(values []string, i uint64) string {
	if i >= 1 && i <= uint64(len(values)) {
		return values[i-1]
	}
	return ""
}
