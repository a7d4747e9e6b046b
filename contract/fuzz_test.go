package contract

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ecowatch/ecowatch/internal/cputime"
	"github.com/ecowatch/ecowatch/region"
)

// FuzzDecode feeds arbitrary bytes to both decoders: they must never panic, must reject with a
// contract error, must stay within their CPU budget (an input that makes them take longer fails
// the run, see cputime.Bound, rather than leaving a worker stuck), and an accepted message must
// satisfy the invariants ingest relies on. The corpus holds the hostile shapes of
// contracttest at 16 KiB (testdata/fuzz/FuzzDecode/hostile-*).
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"schema":"reports.v1","report_id":"r-1","version":1,"kind":"report","channel":"wechat","received_at":"2026-03-15T09:12:33+08:00","region_code":"440305","category":"water","content":"x"}`,
		`{"schema":"case-events.v1","event_id":"e1","report_id":"r1","type":"closed","at":"2026-03-16 10:00:00","finding":"substantiated","summary":"s"}`,
		`{"schema":"reports.v1","location":{"lat":1e308,"lon":-1e308}}`,
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		"{\"schema\":\"reports.v1\",\"content\":\"\xff\xfe\"}",
		`{"schema":"reports.v1","report_id":"<script>alert(1)</script>"}`,
		`{"schema":"reports.v1","report_id":"r'; DROP TABLE reports; --"}`,
		`{"schema":"reports.v1","received_at":"9999-12-31T23:59:59Z"}`,
	} {
		f.Add([]byte(seed))
	}
	v := &Validator{Regions: region.Default(), Now: func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC) }}
	f.Fuzz(func(t *testing.T, b []byte) {
		var r *Report
		var e *CaseEvent
		var err, eventErr error
		// Both decoders of one input together: at most twice the budget of one.
		budget := 2 * decodeBudget * time.Duration(max(1, (len(b)+MaxMessageBytes-1)/MaxMessageBytes))
		what := func() string {
			return fmt.Sprintf("decoding a %d-byte message starting %q", len(b), b[:min(len(b), 40)])
		}
		used := cputime.Bound(budget, what, func() {
			r, err = v.DecodeReport(b)
			e, eventErr = v.DecodeCaseEvent(b)
		})
		if used > budget {
			t.Fatalf("%s took %s of CPU, more than %s", what(), used, budget)
		}
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("DecodeReport returned a %T, not a contract error: %v", err, err)
			}
		} else {
			if !utf8.ValidString(r.Content) || r.ReportID == "" || r.Version == 0 || !region.Default().Valid(r.RegionCode) || r.ReceivedAt.IsZero() {
				t.Fatalf("accepted an invalid report: %+v", r)
			}
			if strings.ContainsAny(r.ReportID, "<>'\"; ") {
				t.Fatalf("accepted a report id with markup or SQL characters: %q", r.ReportID)
			}
		}
		if eventErr != nil {
			if _, ok := eventErr.(*Error); !ok {
				t.Fatalf("DecodeCaseEvent returned a %T: %v", eventErr, eventErr)
			}
		} else if e.EventID == "" || e.At.IsZero() {
			t.Fatalf("accepted an invalid event: %+v", e)
		}
	})
}
