package pipeline

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/basin"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/privacy"
	"github.com/ecowatch/ecowatch/region"
)

const testKey = "t:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func newPipeline(t testing.TB) *Pipeline {
	keys, err := privacy.ParseKey(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return &Pipeline{Regions: region.Default(), Basins: basin.Default(), Keys: keys,
		Now: func() time.Time { return time.Date(2026, 3, 16, 0, 0, 0, 0, calendar.Shanghai) }}
}

// newValidator checks messages as ingest does, as of a fixed day after the simulated ones.
func newValidator() *contract.Validator {
	return &contract.Validator{Regions: region.Default(), Now: func() time.Time { return time.Date(2026, 11, 1, 0, 0, 0, 0, calendar.Shanghai) }}
}

// values is the column name of t, of Go type []T.
func values[T any](tb testing.TB, t Table, name string) []T {
	tb.Helper()
	for i, c := range t.Columns {
		if c == name {
			v, ok := t.Values[i].([]T)
			if !ok {
				tb.Fatalf("column %s is %T", name, t.Values[i])
			}
			return v
		}
	}
	tb.Fatalf("no column %s", name)
	return nil
}

func TestReportIsEnrichedSealedAndRedacted(t *testing.T) {
	p := newPipeline(t)
	lat, lon := 30.59, 114.30
	r := &contract.Report{
		ReportID: "12369-420106-20260315-000001", Version: 2, Kind: "report", Channel: "wechat",
		ReceivedAt: contract.NewTime(time.Date(2026, 3, 15, 9, 0, 0, 0, calendar.Shanghai)),
		RegionCode: "420106", Category: "water", Categories: []string{"air", "water"},
		Location: &contract.Location{Lat: &lat, Lon: &lon, Address: "张三家楼下排污口"},
		Title:    "  河道发黑\x07  ",
		Content:  "我是张三，电话13912345678，邮箱zs@example.com，身份证420106199001011234。",
		Target:   &contract.Target{Name: "某某 化工（武汉）有限公司", CreditCode: "91420100ma4xxxxx1x"},
		Reporter: &contract.Reporter{Name: "张三", Phone: "139-1234-5678", IDNumber: "420106199001011234", Email: "zs@example.com"},
	}
	b := p.NewBatch()
	b.AddReport(Source{Topic: "reports.v1", Partition: 1, Offset: 7, Key: []byte(r.ReportID), Value: []byte(`{"raw":"13912345678"}`)}, r)
	recs := b.Tables()

	rep := recs.Reports
	str := func(name string) string { return values[string](t, rep, name)[0] }
	checks := map[string]string{
		"province_code": "420000", "city_code": "420100", "county_code": "420106", "basin": "changjiang",
		"title": "河道发黑", "target_key": "uscc:91420100MA4XXXXX1X", "target_credit_code": "91420100MA4XXXXX1X",
	}
	for col, want := range checks {
		if got := str(col); got != want {
			t.Errorf("%s = %q, want %q", col, got, want)
		}
	}
	if got := values[[]string](t, rep, "categories")[0]; len(got) != 2 || got[0] != "water" || got[1] != "air" {
		t.Errorf("categories: main first, no repeats: %v", got)
	}
	// No identity anywhere in the analytics record.
	for i, name := range rep.Columns {
		s, ok := rep.Values[i].([]string)
		if !ok {
			continue
		}
		for _, secret := range []string{"张三", "13912345678", "zs@example.com", "420106199001011234"} {
			if strings.Contains(s[0], secret) {
				t.Errorf("column %s holds reporter identity %q: %q", name, secret, s[0])
			}
		}
	}
	if !strings.Contains(str("content"), privacy.Mask) || str("reporter_pseudonym") == "" {
		t.Errorf("content %q, pseudonym %q", str("content"), str("reporter_pseudonym"))
	}
	// The same phone written differently gives the same pseudonym.
	r2 := *r
	r2.Reporter = &contract.Reporter{Phone: "+86 13912345678"}
	b2 := p.NewBatch()
	b2.AddReport(Source{Topic: "reports.v1"}, &r2)
	if got := values[string](t, b2.Tables().Reports, "reporter_pseudonym")[0]; got != str("reporter_pseudonym") {
		t.Errorf("pseudonym differs for the same phone: %s vs %s", got, str("reporter_pseudonym"))
	}

	// The sealed contact opens, bound to the report id, to the identity.
	sealed := values[string](t, recs.Contacts, "sealed")[0]
	plain, err := p.Keys.Open([]byte(sealed), []byte(r.ReportID))
	if err != nil {
		t.Fatal(err)
	}
	var who contract.Reporter
	if err := json.Unmarshal(plain, &who); err != nil || who.Name != "张三" || who.Email != "zs@example.com" {
		t.Fatalf("sealed contact opened to %q (%v)", plain, err)
	}
	// The raw archive holds the original bytes sealed to their coordinates.
	raw := []byte(values[string](t, recs.Raw, "sealed_value")[0])
	if strings.Contains(string(raw), "13912345678") {
		t.Fatal("raw archive holds plaintext")
	}
	if got, err := OpenRaw(p.Keys, "reports.v1", 1, 7, raw); err != nil || string(got) != `{"raw":"13912345678"}` {
		t.Fatalf("OpenRaw = %q, %v", got, err)
	}
}

func TestAnonymousReportHasNoContactAndNoPseudonym(t *testing.T) {
	p := newPipeline(t)
	b := p.NewBatch()
	b.AddReport(Source{Topic: "reports.v1"}, &contract.Report{ReportID: "r1", Version: 1, RegionCode: "440305", Category: "noise",
		Reporter: &contract.Reporter{Anonymous: true}, ReceivedAt: contract.NewTime(time.Now())})
	recs := b.Tables()
	if recs.Contacts.Len != 0 {
		t.Fatal("an anonymous report got a contacts row")
	}
	if values[uint8](t, recs.Reports, "anonymous")[0] != 1 || values[string](t, recs.Reports, "reporter_pseudonym")[0] != "" {
		t.Fatal("anonymous report must be flagged and carry no pseudonym")
	}
}

func TestInvalidMessageKeepsBytesSealedAndKeyOnlyIfSafe(t *testing.T) {
	p := newPipeline(t)
	b := p.NewBatch()
	b.AddInvalid(Source{Topic: "reports.v1", Partition: 0, Offset: 3, Key: []byte("张三 13912345678"), Value: []byte("not json 13912345678")},
		&contract.Error{Code: contract.CodeNotJSON, Reason: "JSON 格式错误"})
	recs := b.Tables()
	if recs.Errors.Len != 1 || recs.Raw.Len != 1 {
		t.Fatalf("errors %d rows, raw %d rows", recs.Errors.Len, recs.Raw.Len)
	}
	if k := values[string](t, recs.Errors, "message_key")[0]; k != "" {
		t.Fatalf("a key that is not an id was stored in plaintext: %q", k)
	}
	if o := values[string](t, recs.Raw, "outcome")[0]; o != "dead_letter" {
		t.Fatalf("outcome %q", o)
	}
}

// A batch is reused: after Reset it holds only the next messages, and every sealed value —
// over several chunks of the batch's arena — opens to its message.
func TestReusedBatchHoldsOnlyItsMessagesAndEverySealedValueOpens(t *testing.T) {
	p := newPipeline(t)
	b := p.NewBatch()
	for round, n := range []int{300, 7} {
		var want []string
		for i := range n {
			v := fmt.Sprintf(`{"round":%d,"message":%d,"phone":"13912345678","pad":"%s"}`, round, i, strings.Repeat("x", 10_000))
			want = append(want, v)
			b.AddInvalid(Source{Topic: "reports.v1", Partition: 2, Offset: int64(i), Value: []byte(v)},
				&contract.Error{Code: contract.CodeNotJSON, Reason: "JSON 格式错误"})
		}
		tables := b.Tables()
		if tables.Raw.Len != n || tables.Errors.Len != n || tables.Reports.Len != 0 {
			t.Fatalf("round %d: raw %d, errors %d, reports %d rows; want %d, %d, 0", round, tables.Raw.Len, tables.Errors.Len, tables.Reports.Len, n, n)
		}
		for _, table := range []Table{tables.Raw, tables.Errors} {
			sealed := values[string](t, table, "sealed_value")
			if len(sealed) != n {
				t.Fatalf("round %d: %d sealed values, want %d", round, len(sealed), n)
			}
			for i, s := range sealed {
				got, err := OpenRaw(p.Keys, "reports.v1", 2, int64(i), []byte(s))
				if err != nil || string(got) != want[i] {
					t.Fatalf("round %d, message %d opened to %q, %v; want %q", round, i, got, err, want[i])
				}
			}
		}
		b.Reset()
	}
}
