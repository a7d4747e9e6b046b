package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestScanReadsWhatProducersSend: the fast decoders take the documented examples and messages
// as encoding/json writes them (escapes of HTML characters, quotes, control characters and
// characters outside the BMP included), and read them exactly as encoding/json does.
func TestScanReadsWhatProducersSend(t *testing.T) {
	var msgs [][]byte
	for _, name := range []string{"report.json", "report-anonymous-petition.json", "report-correction.json"} {
		b, err := os.ReadFile(filepath.Join(contractsDir, "examples", name))
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, b)
	}
	events, err := os.ReadFile(filepath.Join(contractsDir, "examples", "case-events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	msgs = append(msgs, bytes.Split(bytes.TrimSpace(events), []byte("\n"))...)
	lat, lon := 22.5, 113.9
	for _, text := range []string{"普通文本", `<b>&"引号"\反斜杠` + "\n\t\u2028\x01", "😀表情\U0001F4A9", ""} {
		r := Report{Schema: SchemaReports, ReportID: "r-1", Version: 1, Kind: "report", Channel: "web",
			ReceivedAt: NewTime(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)), RegionCode: "440305",
			Location: &Location{Lat: &lat, Lon: &lon, Address: text}, Category: "air", Categories: []string{"air", "noise"},
			Title: text, Content: text + "。", Target: &Target{Name: text}, Reporter: &Reporter{Name: text, Anonymous: true},
			CoReporters: 7, Flags: []string{"media"}}
		b, _ := json.Marshal(r)
		msgs = append(msgs, b)
		indented, _ := json.MarshalIndent(r, "", "\t")
		msgs = append(msgs, indented)
		ev := CaseEvent{Schema: SchemaCaseEvents, EventID: "e-1", ReportID: "r-1", Type: "closed",
			At: NewTime(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)), ExtensionDays: 30, Summary: text}
		b, _ = json.Marshal(ev)
		msgs = append(msgs, b)
	}
	for _, b := range msgs {
		_, okReport := scanReport(string(b))
		_, okEvent := scanCaseEvent(string(b))
		if isEvent := bytes.Contains(b, []byte(SchemaCaseEvents)); (isEvent && !okEvent) || (!isEvent && !okReport) {
			t.Errorf("the fast decoder declined %s", b)
		}
		checkScanAgrees(t, b)
	}
}

// TestScanDeclinesWhatItDoesNotReadAsEncodingJSON: inputs that encoding/json reads in its own
// way (or refuses) are left to it, and DecodeReport's answer is encoding/json's.
func TestScanDeclinesWhatItDoesNotReadAsEncodingJSON(t *testing.T) {
	base := `"schema":"reports.v1","report_id":"r-1","version":1,"kind":"report","channel":"web","received_at":"2026-03-01T08:00:00+08:00","region_code":"440305","category":"air","content":"x"`
	for _, c := range []struct{ name, msg string }{
		{"key in another case", `{` + base + `,"Title":"t"}`},
		{"key with the Kelvin sign", `{` + base + `,"\u212aind":"petition"}`},
		{"repeated field", `{` + base + `,"title":"a","title":"b"}`},
		{"repeated nested field", `{` + base + `,"target":{"name":"a","name":"b"}}`},
		{"null string", `{` + base + `,"title":null}`},
		{"null object", `{` + base + `,"reporter":null}`},
		{"version with a fraction", `{"version":1.0,` + base[strings.Index(base, `"kind"`):] + `,"schema":"reports.v1"}`},
		{"negative count", `{` + base + `,"co_reporters":-1}`},
		{"count out of range", `{` + base + `,"co_reporters":4294967296}`},
		{"latitude out of range", `{` + base + `,"location":{"lat":1e400,"lon":1}}`},
		{"leading zero", `{` + base + `,"co_reporters":01}`},
		{"number as string", `{` + base + `,"co_reporters":"1"}`},
		{"too many categories", `{` + base + `,"categories":["a","b","c","d","e","f","g","h","i"]}`},
		{"category not a string", `{` + base + `,"categories":[1]}`},
		{"time not a string", `{` + base[:strings.Index(base, `"received_at"`)] + `"received_at":20260301,"region_code":"440305","category":"air","content":"x"}`},
		{"trailing comma", `{` + base + `,}`},
		{"trailing data", `{` + base + `} x`},
		{"two objects", `{` + base + `}{}`},
		{"control character in a string", `{` + base + `,"title":"a` + "\x01" + `"}`},
		{"bad escape", `{` + base + `,"title":"\x"}`},
		{"bad unicode escape", `{` + base + `,"title":"\u12G4"}`},
		{"deep unknown value", `{` + base + `,"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`},
		{"not an object", `[` + base + `]`},
		{"byte order mark", "\ufeff{" + base + `}`},
	} {
		b := []byte(c.msg)
		if _, ok := scanReport(string(b)); ok {
			t.Errorf("%s: the fast decoder accepted %s", c.name, b)
		}
		checkScanAgrees(t, b)
	}
	// Skipped values and lone surrogates are read like encoding/json reads them.
	for _, msg := range []string{
		`{` + base + `,"x":{"a":[1,-0.5e-3,true,false,null,"\ud800\u0041",{}],"b":{}},"title":"\ud83d\ude00\udc00\ud800x"}`,
		`{` + base + `,"categories":[],"flags":null,"location":{},"target":{},"reporter":{"anonymous":true,"name":"\u5f20\u4e09"}}`,
	} {
		b := []byte(msg)
		if _, ok := scanReport(string(b)); !ok {
			t.Errorf("the fast decoder declined %s", b)
		}
		checkScanAgrees(t, b)
	}
}

// The shared decoders give what the copying ones give: the same values, the same errors.
func TestSharedDecodersAgreeWithCopyingOnes(t *testing.T) {
	v := newTestValidator()
	var msgs [][]byte
	for _, name := range []string{"report.json", "report-anonymous-petition.json", "report-correction.json"} {
		b, err := os.ReadFile(filepath.Join(contractsDir, "examples", name))
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, b, bytes.Replace(b, []byte(`"version"`), []byte(`"version":"x","v"`), 1))
	}
	events, err := os.ReadFile(filepath.Join(contractsDir, "examples", "case-events.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	msgs = append(msgs, bytes.Split(bytes.TrimSpace(events), []byte("\n"))...)
	msgs = append(msgs, []byte(`{"schema":`), []byte(`not json`))
	for _, m := range msgs {
		r1, err1 := v.DecodeReport(m)
		r2, err2 := v.DecodeReportShared(m)
		if !reflect.DeepEqual(r1, r2) || fmt.Sprint(err1) != fmt.Sprint(err2) {
			t.Errorf("report %.40s: %v, %v; shared %v, %v", m, r1, err1, r2, err2)
		}
		e1, err1 := v.DecodeCaseEvent(m)
		e2, err2 := v.DecodeCaseEventShared(m)
		if !reflect.DeepEqual(e1, e2) || fmt.Sprint(err1) != fmt.Sprint(err2) {
			t.Errorf("event %.40s: %v, %v; shared %v, %v", m, e1, err1, e2, err2)
		}
	}
}
