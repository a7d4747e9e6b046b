package contract

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ecowatch/ecowatch/region"
)

// FuzzDecode feeds arbitrary bytes to both decoders: they must never panic, must reject with a
// contract error, and an accepted message must satisfy the invariants ingest relies on.
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
		r, err := v.DecodeReport(b)
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
		e, err := v.DecodeCaseEvent(b)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("DecodeCaseEvent returned a %T: %v", err, err)
			}
		} else if e.EventID == "" || e.At.IsZero() {
			t.Fatalf("accepted an invalid event: %+v", e)
		}
	})
}
