// Package reportstest reads a generated disclosure site back for tests, as a reader of its
// published data files would.
package reportstest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// Table reads data/<id>.json of the site in dir as rows keyed by the first column's text, with
// values as the CSV shows them ("<5", "*", numbers; "—" when null).
func Table(t testing.TB, dir, id string) map[string]map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "data", id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var jt struct {
		Columns []struct{ Key string }
		Rows    []map[string]any
	}
	if err := json.Unmarshal(b, &jt); err != nil {
		t.Fatalf("%s.json: %v", id, err)
	}
	out := map[string]map[string]string{}
	for _, r := range jt.Rows {
		row := map[string]string{}
		for _, c := range jt.Columns {
			switch v := r[c.Key].(type) {
			case nil:
				row[c.Key] = "—"
			case float64:
				row[c.Key] = strconv.FormatFloat(v, 'f', -1, 64)
			case string:
				row[c.Key] = v
			}
		}
		out[row[jt.Columns[0].Key]] = row
	}
	return out
}
