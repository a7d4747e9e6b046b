package contract

import (
	"fmt"
	"reflect"
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
// satisfy the invariants ingest relies on; the fast decoders agree with encoding/json
// (checkScanAgrees). The corpus holds the hostile shapes of
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
		// Whole messages, for the fast decoders' agreement with encoding/json.
		`{"schema":"reports.v1","report_id":"12369-440305-20260315-000123","version":2,"kind":"Report","channel":"wechat","received_at":"2026-03-15 09:12","region_code":"440305","location":{"lat":22.533,"lon":113.93,"address":"深圳市南山区某某路88号"},"category":"water","categories":["water","air"],"subcategory":"工业废水","title":"河道\u51fa\u73b0黑水\ud83d\ude00","content":"电话13912345678\n\"引号\"\\","target":{"name":"某某化工","credit_code":"91440300MA5XXXXXXX","address":"某地","industry":"化学原料"},"reporter":{"name":"张三","phone":"139","id_number":"x","email":"a@b.cn","address":"某处","anonymous":false},"co_reporters":3,"flags":["emergency"],"intake_org":"440300","extra":{"a":[1,-2.5e3,true,null,{"b":"\u00e9"}]}}`,
		` { "Schema" : "reports.v1" , "REPORT_ID":"r", "version":1,"version":2, "location":null, "categories":null, "flags":[] } `,
		`{"schema":"case-events.v1","event_id":"evt-1","report_id":"r-1","type":"extension_approved","at":"2026-04-20T16:00:00+08:00","org_code":"440305","to_org_code":"","extension_days":-0,"merged_into":"","finding":"","reason":"\ud800","summary":"经核查\t属实"}`,
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
		checkScanAgrees(t, b)
	})
}

// checkScanAgrees holds the fast decoders to encoding/json: what they accept, encoding/json
// decodes without error to the same value (what they decline goes to encoding/json anyway).
func checkScanAgrees(t *testing.T, b []byte) {
	t.Helper()
	if precheck(b) != nil {
		return // the decoders never see it
	}
	if r, ok := scanReport(string(b)); ok {
		want, err := decodeReportJSON(b)
		if err != nil {
			t.Fatalf("the fast decoder accepted a report encoding/json refuses (%v): %q", err, b)
		}
		if !reflect.DeepEqual(r, want) {
			t.Fatalf("the fast decoder read a report differently:\n got %#v\nwant %#v\nfrom %q", r, want, b)
		}
	}
	if e, ok := scanCaseEvent(string(b)); ok {
		want, err := decodeCaseEventJSON(b)
		if err != nil {
			t.Fatalf("the fast decoder accepted an event encoding/json refuses (%v): %q", err, b)
		}
		if !reflect.DeepEqual(e, want) {
			t.Fatalf("the fast decoder read an event differently:\n got %#v\nwant %#v\nfrom %q", e, want, b)
		}
	}
}
