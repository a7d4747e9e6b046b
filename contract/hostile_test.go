package contract

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ecowatch/ecowatch/contract/contracttest"
	"github.com/ecowatch/ecowatch/internal/cputime"
)

// decodeBudget is the most CPU time decoding and validating the largest message ingest accepts
// may take, whatever its shape (issue 15). Linear decoding needs a few milliseconds.
const decodeBudget = 50 * time.Millisecond

// benchSizes are the message sizes of BenchmarkDecodeShapes: 1 KB to the ingest limit.
var benchSizes = []int{1 << 10, 4 << 10, 16 << 10, 64 << 10, MaxMessageBytes}

func TestHostileShapesHaveTheirSize(t *testing.T) {
	for _, n := range benchSizes {
		for _, s := range append(contracttest.Reports(1), contracttest.Events(1)...) {
			if got := len(s.Make(n)); got != n {
				t.Errorf("%s made %d bytes, want %d", s.Name, got, n)
			}
		}
	}
}

// TestDecodeHostileShapesWithinBudget decodes every hostile shape of both input topics at the
// largest size ingest accepts, and just above it, within decodeBudget of CPU each; a rejection
// has a reason of bounded length (it is stored and sent as is).
func TestDecodeHostileShapesWithinBudget(t *testing.T) {
	v := newTestValidator()
	valid := 0
	for _, topic := range []string{SchemaReports, SchemaCaseEvents} {
		shapes, decode := contracttest.Reports(1), func(b []byte) error { _, err := v.DecodeReport(b); return err }
		if topic == SchemaCaseEvents {
			shapes, decode = contracttest.Events(1), func(b []byte) error { _, err := v.DecodeCaseEvent(b); return err }
		}
		for _, s := range shapes {
			for _, n := range []int{MaxMessageBytes, MaxMessageBytes + 1} {
				b := s.Make(n)
				var err error
				what := func() string { return fmt.Sprintf("decoding a %d-byte %s message of shape %s", n, topic, s.Name) }
				if used := cputime.Bound(decodeBudget, what, func() { err = decode(b) }); used > decodeBudget {
					t.Errorf("%s took %s of CPU, more than %s", what(), used, decodeBudget)
				}
				var e *Error
				switch {
				case n > MaxMessageBytes:
					if e, _ = err.(*Error); e == nil || e.Code != CodeTooLarge {
						t.Errorf("%s: %v, want too_large", what(), err)
					}
				case err == nil:
					valid++
				case utf8.RuneCountInString(err.Error()) > MaxDeadLetterReason:
					t.Errorf("%s: a reason of %d characters: %.200s…", what(), utf8.RuneCountInString(err.Error()), err)
				}
			}
		}
	}
	if valid < 40 {
		t.Errorf("only %d of the shapes at the limit are valid messages: the valid ones are what reaches redaction", valid)
	}
}

// BenchmarkDecodeShapes measures decoding and validation of each hostile shape from 1 KB to
// 256 KB: linear when MB/s is the same at every size of a shape.
func BenchmarkDecodeShapes(b *testing.B) {
	v := newTestValidator()
	for _, s := range contracttest.Reports(1) {
		for _, n := range benchSizes {
			msg := s.Make(n)
			b.Run(fmt.Sprintf("%s/%dKB", s.Name, n>>10), func(b *testing.B) {
				b.SetBytes(int64(n))
				for b.Loop() {
					v.DecodeReport(msg)
				}
			})
		}
	}
}

// A dead letter carries at most a bounded prefix of the message and its key, so it always
// fits what a broker accepts; a small message is carried whole.
func TestDeadLetterIsBounded(t *testing.T) {
	at := time.Date(2026, 3, 15, 9, 0, 0, 0, cst)
	e := &Error{Code: CodeTooLarge, Reason: string(make([]rune, 2000))}
	var huge []byte
	for _, s := range contracttest.Reports(1) {
		if s.Name == "invalid-utf8-at-end" { // 举 after 举: a cut falls inside a character
			huge = s.Make(900 << 10)
		}
	}
	key := make([]byte, 100<<10)
	dl := NewDeadLetter("reports.v1", 3, 42, key, huge, e, at)
	b, err := json.Marshal(dl)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 16<<10 || len(dl.Value) > MaxDeadLetterValue || len(dl.Key) != MaxDeadLetterKey {
		t.Fatalf("dead letter of a 900 KB message: %d bytes of JSON, value %d, key %d", len(b), len(dl.Value), len(dl.Key))
	}
	if !dl.ValueTruncated || !dl.KeyTruncated || dl.ValueSize != len(huge) || dl.Archived == "" || utf8.RuneCountInString(dl.Error.Reason) != MaxDeadLetterReason {
		t.Fatalf("dead letter of a 900 KB message does not say what it left out: %+v", dl.Error)
	}
	if string(dl.Value) != string(huge[:len(dl.Value)]) || !utf8.Valid(dl.Value) || len(dl.Value) < MaxDeadLetterValue-3 {
		t.Fatalf("the carried value is not the message's first bytes cut at a character (%d bytes)", len(dl.Value))
	}

	small := []byte(`{"schema":"reports.v1"}`)
	dl = NewDeadLetter("reports.v1", 0, 1, []byte("r-1"), small, &Error{Code: CodeMissingField, Reason: "缺少必填字段 report_id"}, at)
	if string(dl.Value) != string(small) || string(dl.Key) != "r-1" || dl.ValueTruncated || dl.KeyTruncated || dl.ValueSize != len(small) {
		t.Fatalf("a small message is not carried whole: %+v", dl)
	}
}

func TestArrayLen(t *testing.T) {
	for raw, want := range map[string]int{
		`[]`: 0, `[ ]`: 0, "[\n]": 0, `["a"]`: 1, `[ "a" , "b" ]`: 2, `["a,b","c"]`: 2, `[[1,2],{"a":[3,4]}]`: 2,
		`["\"",1]`: 2, `["\\",1]`: 2, `["\\\"]",1]`: 2, `[[]]`: 1, `[{}]`: 1, `[1,[],{}]`: 3,
		`"a"`: -1, `{"a":1}`: -1, `1`: -1, `true`: -1,
	} {
		if got := arrayLen([]byte(raw)); got != want {
			t.Errorf("arrayLen(%s) = %d, want %d", raw, got, want)
		}
	}
}
