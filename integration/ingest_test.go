package integration

import (
	"context"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/config"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/internal/testenv"
)

func TestValidStreamLandsExactlyOnceAndReplayChangesNothing(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	const n = 3000
	var reports, events []kafka.Message
	identified := 0
	for i := range n {
		m, r := reportMsg(i, 1)
		reports = append(reports, m)
		if !r.Reporter.Empty() {
			identified++
		}
		events = append(events, eventMsg(i, contract.EventAccepted))
		if i%2 == 0 {
			events = append(events, eventMsg(i, contract.EventClosed))
		}
	}
	env.Produce(t, env.Config.Kafka.TopicReports, reports...)
	env.Produce(t, env.Config.Kafka.TopicEvents, events...)

	st := runIngest(t, env, 1000)
	if st.Reports != n || st.Events != len(events) || st.DeadLetters != 0 {
		t.Fatalf("ingest stats = %+v, want %d reports, %d events, 0 dead letters", st, n, len(events))
	}
	check := func(when string) {
		t.Helper()
		if got := count(t, env, "SELECT count() FROM reports_latest"); got != n {
			t.Fatalf("%s: reports_latest has %d rows, want %d", when, got, n)
		}
		if got := count(t, env, "SELECT count() FROM case_events_latest"); got != uint64(len(events)) {
			t.Fatalf("%s: case_events_latest has %d rows, want %d", when, got, len(events))
		}
		if got := count(t, env, "SELECT uniqExact(report_id) FROM contacts"); got != uint64(identified) {
			t.Fatalf("%s: contacts for %d reports, want %d (anonymous reports have none)", when, got, identified)
		}
		if got := count(t, env, "SELECT uniqExact(topic, partition, offset) FROM raw_messages"); got < uint64(n+len(events)) {
			t.Fatalf("%s: raw archive has %d messages, want at least %d", when, got, n+len(events))
		}
	}
	check("first delivery")

	// Every identified report has a pseudonym, and no reporter identity is in plaintext in
	// any table (sealed columns hold ciphertext only).
	if got := count(t, env, "SELECT count() FROM reports_latest WHERE anonymous = 0 AND reporter_pseudonym = ''"); got != 0 {
		t.Fatalf("%d identified reports without a pseudonym", got)
	}
	assertNoCanaries(t, env, []string{canaryReporter(7).Phone, canaryReporter(7).Name, canaryReporter(7).Email, canaryReporter(7).IDNumber, "金丝雀", "@example.org"})

	// Replay: the same messages again (a producer retry, or offsets reset).
	env.Produce(t, env.Config.Kafka.TopicReports, reports...)
	env.Produce(t, env.Config.Kafka.TopicEvents, events...)
	runIngest(t, env, 700)
	check("after replay")
}

// assertNoCanaries searches every String column of every table for each canary.
func assertNoCanaries(t *testing.T, env *testenv.Env, canaries []string) {
	t.Helper()
	ctx := context.Background()
	rows, err := env.Store.Conn().Query(ctx, "SELECT table, name FROM system.columns WHERE database = ? AND type LIKE '%String%' AND table NOT LIKE '%latest'", env.Store.Database())
	if err != nil {
		t.Fatal(err)
	}
	type col struct{ table, name string }
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.table, &c.name); err != nil {
			t.Fatalf("reading the string columns: %v", err)
		}
		cols = append(cols, c)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		t.Fatalf("reading the string columns: %v", err)
	}
	if len(cols) < 20 {
		t.Fatalf("found only %d string columns to search", len(cols))
	}
	for _, c := range cols {
		for _, canary := range canaries {
			q := "SELECT count() FROM " + c.table + " WHERE position(toString(" + c.name + "), ?) > 0"
			if n := count(t, env, q, canary); n > 0 {
				t.Errorf("canary %q found in plaintext in %s.%s (%d rows)", canary, c.table, c.name, n)
			}
		}
	}
}

func TestCorrectedVersionReplacesOld(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	m1, r := reportMsg(42, 1)
	r.Version = 2
	r.Category = "noise"
	r.RegionCode = "310104"
	r.ReceivedAt = contract.NewTime(r.ReceivedAt.AddDate(0, 2, 0)) // moves to another month partition
	b, _ := json.Marshal(r)
	m2 := kafka.Message{Key: m1.Key, Value: b}
	env.Produce(t, env.Config.Kafka.TopicReports, m1)
	runIngest(t, env, 100)
	env.Produce(t, env.Config.Kafka.TopicReports, m2, m1) // the old version arriving late changes nothing
	runIngest(t, env, 100)
	var version uint32
	var category, regionCode string
	err := env.Store.Conn().QueryRow(context.Background(), "SELECT version, category, region_code FROM reports_latest WHERE report_id = ?", r.ReportID).Scan(&version, &category, &regionCode)
	if err != nil {
		t.Fatal(err)
	}
	if version != 2 || category != "noise" || regionCode != "310104" {
		t.Fatalf("latest = v%d %s %s, want v2 noise 310104", version, category, regionCode)
	}
	if n := count(t, env, "SELECT count() FROM reports_latest"); n != 1 {
		t.Fatalf("%d rows for one report", n)
	}
}

func TestInvalidMessagesGoToDLQWithReason(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	valid, _ := reportMsg(1, 1)
	mutate := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(valid.Value, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		name  string
		topic string
		value []byte
		code  contract.Code
	}{
		{"not json", "r", []byte("hello"), contract.CodeNotJSON},
		{"json array", "r", []byte("[1,2]"), contract.CodeNotJSON},
		{"invalid utf-8", "r", append([]byte(`{"schema":"reports.v1","content":"`), 0xff, 0xfe, '"', '}'), contract.CodeInvalidUTF8},
		{"too large", "r", []byte(`{"content":"` + strings.Repeat("x", contract.MaxMessageBytes) + `"}`), contract.CodeTooLarge},
		{"wrong schema", "r", mutate(func(m map[string]any) { m["schema"] = "reports.v0" }), contract.CodeUnknownSchema},
		{"missing content", "r", mutate(func(m map[string]any) { delete(m, "content") }), contract.CodeMissingField},
		{"bad channel", "r", mutate(func(m map[string]any) { m["channel"] = "pigeon" }), contract.CodeBadEnum},
		{"unknown region", "r", mutate(func(m map[string]any) { m["region_code"] = "999999" }), contract.CodeBadRegion},
		{"far future", "r", mutate(func(m map[string]any) { m["received_at"] = "2099-01-01T00:00:00+08:00" }), contract.CodeBadTime},
		{"unparsable time", "r", mutate(func(m map[string]any) { m["received_at"] = "yesterday" }), contract.CodeBadTime},
		{"wrong type", "r", mutate(func(m map[string]any) { m["version"] = "one" }), contract.CodeWrongType},
		{"bad id", "r", mutate(func(m map[string]any) { m["report_id"] = "<script>" }), contract.CodeBadID},
		{"event without finding", "e", []byte(`{"schema":"case-events.v1","event_id":"e1","report_id":"r1","type":"closed","at":"2026-03-16T10:00:00+08:00"}`), contract.CodeMissingField},
		{"report on events topic", "e", valid.Value, contract.CodeUnknownSchema},
	}
	for i, tc := range cases {
		topic := env.Config.Kafka.TopicReports
		if tc.topic == "e" {
			topic = env.Config.Kafka.TopicEvents
		}
		env.Produce(t, topic, kafka.Message{Key: []byte("bad-" + string(rune('a'+i))), Value: tc.value})
	}
	env.Produce(t, env.Config.Kafka.TopicReports, valid) // the partition keeps flowing after bad input
	st := runIngest(t, env, 50)
	if st.DeadLetters != len(cases) || st.Reports != 1 {
		t.Fatalf("stats %+v, want %d dead letters and 1 report", st, len(cases))
	}

	// Read the DLQ topic back.
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: env.Config.Kafka.Brokers, GroupID: env.Config.Kafka.Group + "-dlq-check",
		Topic: env.Config.Kafka.TopicDLQ, StartOffset: kafka.FirstOffset, MaxWait: 200 * time.Millisecond})
	defer r.Close()
	got := map[string]contract.DeadLetter{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for len(got) < len(cases) {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			t.Fatalf("reading DLQ after %d of %d: %v", len(got), len(cases), err)
		}
		var dl contract.DeadLetter
		if err := json.Unmarshal(m.Value, &dl); err != nil {
			t.Fatalf("DLQ message is not dlq.v1 JSON: %v", err)
		}
		got[string(dl.Key)] = dl
	}
	for i, tc := range cases {
		dl, ok := got["bad-"+string(rune('a'+i))]
		switch {
		case !ok:
			t.Errorf("%s: no dead letter", tc.name)
		case dl.Error.Code != tc.code:
			t.Errorf("%s: code %s (%s), want %s", tc.name, dl.Error.Code, dl.Error.Reason, tc.code)
		case dl.Error.Reason == "" || dl.Schema != contract.SchemaDLQ || dl.Topic == "" || dl.ValueSize != len(tc.value) || dl.Archived == "":
			t.Errorf("%s: incomplete dead letter %+v", tc.name, dl.Error)
		case len(tc.value) <= contract.MaxDeadLetterValue && (string(dl.Value) != string(tc.value) || dl.ValueTruncated):
			t.Errorf("%s: the dead letter does not carry the whole message", tc.name)
		case len(tc.value) > contract.MaxDeadLetterValue && (!strings.HasPrefix(string(tc.value), string(dl.Value)) || len(dl.Value) != contract.MaxDeadLetterValue || !dl.ValueTruncated):
			t.Errorf("%s: the dead letter of a %d-byte message carries %d bytes (truncated: %v), want its first %d",
				tc.name, len(tc.value), len(dl.Value), dl.ValueTruncated, contract.MaxDeadLetterValue)
		}
	}
	if n := count(t, env, "SELECT uniqExact(topic, partition, offset) FROM ingest_errors WHERE reason != ''"); n != uint64(len(cases)) {
		t.Fatalf("ingest_errors has %d rows, want %d", n, len(cases))
	}
}

// TestIngestRefusesAMissingTopic: a topic name that does not exist on the broker is a
// configuration error, said at once and naming the setting — not a silent wait for messages
// that can never come.
func TestIngestRefusesAMissingTopic(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	cmd := exec.Command(testenv.Binary(t), "ingest", "--until-idle", "5s")
	cmd.Env = processEnv(env, config.EnvName("kafka.topic.reports")+"="+env.Config.Kafka.TopicReports+".missing")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("ingest with a missing topic: %v, want exit status 1\n%s", err, out)
	}
	for _, want := range []string{env.Config.Kafka.TopicReports + ".missing", "does not exist", "kafka.topic", "ecowatch topics"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the error does not say %q:\n%s", want, out)
		}
	}
	// Not after the minute a broker that is starting up is given.
	if took := time.Since(start); took > 45*time.Second {
		t.Errorf("ingest took %s to refuse a missing topic", took)
	}
}
