package integration

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/basin"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/internal/testenv"
	"github.com/ecowatch/ecowatch/pipeline"
	"github.com/ecowatch/ecowatch/privacy"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

// A batch larger than one block of store.InsertColumns is sent in several blocks of one
// INSERT: the server must still write it as one part (what the batch size is for: fewer parts
// to write and merge), with every row once and in order, and a reused batch must write only
// its own rows.
func TestInsertColumnsWritesABatchAsOnePart(t *testing.T) {
	env := testenv.New(t)
	ctx := context.Background()
	if err := env.Store.Conn().Exec(ctx, "SYSTEM STOP MERGES "+env.Store.Database()+"."+store.TableRawMessages); err != nil {
		t.Fatal(err)
	}
	keys, err := privacy.ParseKey(testenv.TestKey)
	if err != nil {
		t.Fatal(err)
	}
	p := &pipeline.Pipeline{Regions: region.Default(), Basins: basin.Default(), Keys: keys}
	b := p.NewBatch()
	at := time.Date(2026, 3, 15, 9, 0, 0, 0, calendar.Shanghai)
	offset := int64(0)
	for round, n := range []int{10_000, 3} { // 10,000 rows are three blocks
		for range n {
			b.AddInvalid(pipeline.Source{Topic: "reports.v1", Partition: 1, Offset: offset,
				Value: fmt.Appendf(nil, `{"n":%d}`, offset), Time: at},
				&contract.Error{Code: contract.CodeNotJSON, Reason: "JSON 格式错误"})
			offset++
		}
		raw := b.Tables().Raw
		if err := env.Store.InsertColumns(ctx, store.TableRawMessages, raw.Columns, raw.Values, raw.Len); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		b.Reset()
	}
	if got := count(t, env, "SELECT count() FROM raw_messages"); got != 10_003 {
		t.Fatalf("%d rows, want 10003", got)
	}
	if got := count(t, env, "SELECT uniqExact(offset) FROM raw_messages"); got != 10_003 {
		t.Fatalf("%d distinct offsets, want 10003", got)
	}
	parts := count(t, env, "SELECT count() FROM system.parts WHERE database = ? AND table = 'raw_messages' AND active", env.Store.Database())
	if parts != 2 {
		t.Fatalf("two inserts made %d parts, want 2 (one per insert)", parts)
	}
	// Every sealed value opens to its message, bound to its coordinates.
	rows, err := env.Store.Conn().Query(ctx, "SELECT offset, sealed_value FROM raw_messages ORDER BY offset")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var off int64
		var sealed string
		if err := rows.Scan(&off, &sealed); err != nil {
			t.Fatal(err)
		}
		got, err := pipeline.OpenRaw(keys, "reports.v1", 1, off, []byte(sealed))
		if want := fmt.Sprintf(`{"n":%d}`, off); err != nil || string(got) != want {
			t.Fatalf("offset %d opened to %q, %v; want %q", off, got, err, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}
