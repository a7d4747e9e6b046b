package simulate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/region"
)

// memSink keeps every message in memory.
type memSink struct{ msgs []Message }

func (m *memSink) Write(_ context.Context, msgs []Message) error {
	m.msgs = append(m.msgs, msgs...)
	return nil
}

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, calendar.Shanghai)
}

func runMem(t testing.TB, cfg Config) ([]Message, *Truth) {
	t.Helper()
	sink := &memSink{}
	truth, err := Run(context.Background(), cfg, sink)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return sink.msgs, truth
}

// provinceCfg is the shared fixture: four months of one province (Spring Festival, 清明 and
// the start of 劳动节 included), with more malformed messages and injected events than the
// defaults so that every kind occurs.
var provinceCfg = Config{
	From: date(2025, 1, 1), To: date(2025, 5, 1), Scope: region.MustScope("330000"), Seed: 7,
	MalformedShare: 0.03, Clusters: 8, WatershedIncidents: 4, RepeatTargets: 6, Emergencies: 4,
}

var (
	fixtureOnce  sync.Once
	fixtureMsgs  []Message
	fixtureTruth *Truth
	fixtureErr   error
)

func provinceFixture(t *testing.T) ([]Message, *Truth) {
	t.Helper()
	fixtureOnce.Do(func() {
		sink := &memSink{}
		fixtureTruth, fixtureErr = Run(context.Background(), provinceCfg, sink)
		fixtureMsgs = sink.msgs
	})
	if fixtureErr != nil {
		t.Fatalf("Run: %v", fixtureErr)
	}
	return fixtureMsgs, fixtureTruth
}

// decoded is the fixture's stream decoded with the contract's validator.
type decoded struct {
	reports map[string]*contract.Report
	events  map[string][]*contract.CaseEvent // by report id, in stream order
}

var (
	decodeOnce sync.Once
	decodedFix decoded
)

func validator(cfg Config) *contract.Validator {
	return &contract.Validator{Regions: region.Default(), Now: func() time.Time { return cfg.To.Add(time.Hour) }}
}

func decodeFixture(t *testing.T) decoded {
	msgs, _ := provinceFixture(t)
	decodeOnce.Do(func() {
		v := validator(provinceCfg)
		d := decoded{reports: map[string]*contract.Report{}, events: map[string][]*contract.CaseEvent{}}
		for _, m := range msgs {
			if strings.HasPrefix(m.Key, "bad-") {
				continue
			}
			if m.Topic == TopicReports {
				if r, err := v.DecodeReport(m.Value); err == nil {
					d.reports[r.ReportID] = r
				}
				continue
			}
			if e, err := v.DecodeCaseEvent(m.Value); err == nil {
				d.events[e.ReportID] = append(d.events[e.ReportID], e)
			}
		}
		decodedFix = d
	})
	return decodedFix
}

func TestDeterminism(t *testing.T) {
	cfg := Config{From: date(2025, 7, 1), To: date(2025, 8, 1), Scope: region.MustScope("640000"), Seed: 42, Clusters: 2, WatershedIncidents: 1, RepeatTargets: 2, Emergencies: 1}
	digest := func(cfg Config) []byte {
		msgs, truth := runMem(t, cfg)
		var b bytes.Buffer
		for _, m := range msgs {
			fmt.Fprintf(&b, "%s|%s|%s|%s\n", m.Topic, m.Key, m.Time.Format(time.RFC3339), m.Value)
		}
		tj, err := json.Marshal(truth)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(tj)
		return b.Bytes()
	}
	a, b := digest(cfg), digest(cfg)
	if !bytes.Equal(a, b) {
		t.Fatalf("two runs with seed %d differ (%d vs %d bytes)", cfg.Seed, len(a), len(b))
	}
	other := cfg
	other.Seed = 43
	if bytes.Equal(a, digest(other)) {
		t.Fatal("seeds 42 and 43 gave the same stream")
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"missing from", Config{To: date(2025, 2, 1)}, "from and to are required"},
		{"to before from", Config{From: date(2025, 2, 1), To: date(2025, 1, 1)}, "is not after"},
		{"unknown scope", Config{From: date(2025, 1, 1), To: date(2025, 2, 1), Scope: region.Scope{Code: "999999"}}, "scope"},
		{"prefecture scope", Config{From: date(2025, 1, 1), To: date(2025, 2, 1), Scope: region.Scope{Code: "440300"}}, "scope"},
		{"negative volume", Config{From: date(2025, 1, 1), To: date(2025, 2, 1), ReportsPerYear: -1}, "negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(context.Background(), tc.cfg, &memSink{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	_, truth := runMem(t, Config{From: date(2025, 3, 1), To: date(2025, 3, 15), Scope: region.MustScope("440000"), Seed: 1})
	c := truth.Config
	// 广东 carries roughly a tenth of the national weight
	if c.ReportsPerYear < 25_000 || c.ReportsPerYear > 100_000 {
		t.Errorf("default reports per year for 440000 = %d, want 25,000–100,000", c.ReportsPerYear)
	}
	if c.MalformedShare != 0.005 || c.PetitionShare != 0.07 || c.AnonymousShare != 0.2 || c.BatchSize != 1000 {
		t.Errorf("defaults not applied: %+v", c)
	}
	if c.Clusters < 2 || c.WatershedIncidents < 1 || c.RepeatTargets < 2 || c.Emergencies < 1 {
		t.Errorf("two weeks should get at least the minimum events: %+v", c)
	}
	none, _ := (Config{From: date(2025, 1, 1), To: date(2025, 2, 1), Clusters: -1, MalformedShare: -1}).resolve(1)
	if none.Clusters != 0 || none.MalformedShare != 0 {
		t.Errorf("negative values should mean none: %+v", none)
	}
}

// wantCode is the validator's code for each kind of malformed message.
var wantCode = map[string]contract.Code{
	MalformedNotJSON:       contract.CodeNotJSON,
	MalformedWrongSchema:   contract.CodeUnknownSchema,
	MalformedMissingField:  contract.CodeMissingField,
	MalformedBadEnum:       contract.CodeBadEnum,
	MalformedUnknownRegion: contract.CodeBadRegion,
	MalformedInvalidUTF8:   contract.CodeInvalidUTF8,
	MalformedFutureTime:    contract.CodeBadTime,
	MalformedWrongType:     contract.CodeWrongType,
}

func TestStreamValidates(t *testing.T) {
	msgs, truth := provinceFixture(t)
	cfg := truth.Config
	v := validator(cfg)
	badKind := map[string]MalformedMessage{}
	for _, m := range truth.MalformedMessages {
		badKind[m.Key] = m
	}
	type caseSeen struct {
		received time.Time
		last     time.Time
		n        int
	}
	cases := map[string]*caseSeen{}
	kinds := map[string]int{}
	offsets := map[string]int{}
	var prev time.Time
	var reports, events int
	for i, m := range msgs {
		if m.Time.Before(prev) {
			t.Fatalf("message %d (%s) at %s is before the previous one at %s", i, m.Key, m.Time, prev)
		}
		prev = m.Time
		if m.Time.Before(cfg.From) || !m.Time.Before(cfg.To) {
			t.Fatalf("message %d (%s) at %s outside [%s, %s)", i, m.Key, m.Time, cfg.From, cfg.To)
		}
		offset := offsets[m.Topic]
		offsets[m.Topic]++
		if bytes.IndexByte(m.Value, '\n') >= 0 {
			t.Fatalf("message %s contains a newline", m.Key)
		}
		var err error
		var rep *contract.Report
		var ev *contract.CaseEvent
		switch m.Topic {
		case TopicReports:
			rep, err = v.DecodeReport(m.Value)
		case TopicCaseEvents:
			ev, err = v.DecodeCaseEvent(m.Value)
		default:
			t.Fatalf("message %s on unknown topic %q", m.Key, m.Topic)
		}
		if strings.HasPrefix(m.Key, "bad-") {
			mm, ok := badKind[m.Key]
			if !ok {
				t.Fatalf("malformed message %s is not in the truth", m.Key)
			}
			if mm.Topic != m.Topic || mm.Offset != offset {
				t.Errorf("malformed %s: truth says %s@%d, stream has %s@%d", m.Key, mm.Topic, mm.Offset, m.Topic, offset)
			}
			var ce *contract.Error
			if !errors.As(err, &ce) {
				t.Fatalf("malformed %s (%s) was accepted: %s", m.Key, mm.Kind, m.Value)
			}
			if ce.Code != wantCode[mm.Kind] {
				t.Errorf("malformed %s (%s): code %s, want %s (%v)", m.Key, mm.Kind, ce.Code, wantCode[mm.Kind], ce)
			}
			kinds[mm.Kind]++
			continue
		}
		if err != nil {
			t.Fatalf("valid message %s on %s rejected: %v\n%s", m.Key, m.Topic, err, m.Value)
		}
		if rep != nil {
			reports++
			if m.Key != rep.ReportID || !m.Time.Equal(rep.Received()) {
				t.Fatalf("report %s: key %s, time %s", rep.ReportID, m.Key, m.Time)
			}
			if cases[rep.ReportID] != nil {
				t.Fatalf("report id %s repeated", rep.ReportID)
			}
			cases[rep.ReportID] = &caseSeen{received: rep.Received(), last: rep.Received()}
			continue
		}
		events++
		c := cases[ev.ReportID]
		if c == nil {
			t.Fatalf("event %s before (or without) its report %s", ev.EventID, ev.ReportID)
		}
		c.n++
		if want := fmt.Sprintf("evt-%s-%d", ev.ReportID, c.n); ev.EventID != want || m.Key != ev.ReportID {
			t.Fatalf("event id %s key %s, want %s key %s", ev.EventID, m.Key, want, ev.ReportID)
		}
		if !ev.At.After(c.last) {
			t.Fatalf("event %s at %s is not after the previous step of its case (%s)", ev.EventID, ev.At.Time, c.last)
		}
		c.last = ev.At.Time
	}
	if truth.Malformed != len(truth.MalformedMessages) || truth.Malformed != sum(kinds) {
		t.Errorf("malformed: truth %d, listed %d, in stream %d", truth.Malformed, len(truth.MalformedMessages), sum(kinds))
	}
	for _, k := range MalformedKinds {
		if kinds[k] != truth.MalformedByKind[k] {
			t.Errorf("malformed %s: %d in stream, %d in truth", k, kinds[k], truth.MalformedByKind[k])
		}
		if kinds[k] == 0 {
			t.Errorf("no malformed message of kind %s", k)
		}
	}
	if reports != truth.Totals.Reports || events != truth.Totals.CaseEvents || len(msgs) != truth.Totals.Messages {
		t.Errorf("totals: stream %d reports, %d events, %d messages; truth %+v", reports, events, len(msgs), truth.Totals)
	}
	if share := float64(truth.Malformed) / float64(reports); share < 0.02 || share > 0.04 {
		t.Errorf("malformed share %.4f, configured %.3f", share, cfg.MalformedShare)
	}
	for _, e := range truth.Events {
		for _, id := range e.ReportIDs {
			if cases[id] == nil {
				t.Errorf("event %s: report %s not in the stream", e.ID, id)
			}
		}
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func TestFileSink(t *testing.T) {
	cfg := Config{From: date(2025, 5, 1), To: date(2025, 5, 15), Scope: region.MustScope("640000"), Seed: 3, MalformedShare: 0.05}
	mem, truth := runMem(t, cfg)
	dir := t.TempDir()
	fs, err := NewFileSink(dir)
	if err != nil {
		t.Fatal(err)
	}
	truth2, err := Run(context.Background(), cfg, fs)
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.Close(); err != nil {
		t.Fatal(err)
	}
	if err := WriteTruth(dir, truth2); err != nil {
		t.Fatal(err)
	}
	want := map[string]*bytes.Buffer{TopicReports: {}, TopicCaseEvents: {}}
	byKey := map[string][]byte{}
	for _, m := range mem {
		byKey[m.Key] = m.Value
		want[m.Topic].Write(m.Value)
		want[m.Topic].WriteByte('\n')
	}
	for topic, file := range map[string]string{TopicReports: ReportsFile, TopicCaseEvents: CaseEventsFile} {
		got := readFile(t, dir, file)
		if !bytes.Equal(got, want[topic].Bytes()) {
			t.Errorf("%s differs from the messages of %s", file, topic)
		}
		lines := bytes.Split(bytes.TrimSuffix(got, []byte("\n")), []byte("\n"))
		for _, mm := range truth.MalformedMessages {
			if mm.Topic == topic && !bytes.Equal(lines[mm.Offset], byKey[mm.Key]) {
				t.Errorf("%s line %d is not the malformed %s", file, mm.Offset, mm.Key)
			}
		}
	}
	var back Truth
	if err := json.Unmarshal(readFile(t, dir, TruthFile), &back); err != nil {
		t.Fatalf("truth.json: %v", err)
	}
	if back.Totals.Messages != truth.Totals.Messages || len(back.Events) != len(truth.Events) || back.Config.Seed != 3 {
		t.Errorf("truth.json does not round-trip: %+v", back.Totals)
	}
}

type failingSink struct{ err error }

func (f failingSink) Write(context.Context, []Message) error { return f.err }

func TestRunStops(t *testing.T) {
	cfg := Config{From: date(2025, 7, 1), To: date(2025, 8, 1), Scope: region.MustScope("640000"), Seed: 1}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, cfg, &memSink{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Run: %v, want context.Canceled", err)
	}
	boom := errors.New("broker down")
	if _, err := Run(context.Background(), cfg, failingSink{boom}); !errors.Is(err, boom) {
		t.Errorf("Run with a failing sink: %v, want it wrapped", err)
	}
}
