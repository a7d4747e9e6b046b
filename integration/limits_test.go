package integration

// Issue 15: no message from the public stops ingest, and every Kafka write fits what the broker
// accepts. Each test ends with a reconciliation: every valid message readable exactly once,
// every invalid one in ingest_errors and — where it fits — in dlq.v1.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/basin"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/contract/contracttest"
	"github.com/ecowatch/ecowatch/ingest"
	"github.com/ecowatch/ecowatch/internal/testenv"
	"github.com/ecowatch/ecowatch/pipeline"
	"github.com/ecowatch/ecowatch/privacy"
	"github.com/ecowatch/ecowatch/region"
)

// invalidMsg is a report that fails validation (unknown region), keyed bad-<i>, padded with an
// unknown field to size bytes.
func invalidMsg(i, size int) kafka.Message {
	key := fmt.Sprintf("bad-%06d", i)
	head := fmt.Sprintf(`{"schema":"reports.v1","report_id":"%s","version":1,"kind":"report","channel":"web","received_at":"2026-03-15T09:00:00+08:00","region_code":"999999","category":"water","content":"x","pad":"`, key)
	return kafka.Message{Key: []byte(key), Value: []byte(head + strings.Repeat("x", max(size-len(head)-2, 0)) + `"}`)}
}

// sized returns a valid report of exactly size bytes (text of "1 " runs, the redaction's old
// worst case), keyed by its report id.
func sized(i, size int) kafka.Message {
	for _, s := range contracttest.Reports(i) {
		if s.Name == "text-digit-space" {
			return kafka.Message{Key: []byte(fmt.Sprintf("12369-440305-20260315-%06d", i)), Value: s.Make(size)}
		}
	}
	panic("no text-digit-space shape")
}

// ingestWith runs an in-process ingester until idle with its metrics in reg.
func ingestWith(t *testing.T, env *testenv.Env, reg *prometheus.Registry) ingest.Stats {
	t.Helper()
	keys, err := privacy.ParseKey(testenv.TestKey)
	if err != nil {
		t.Fatal(err)
	}
	pipe := &pipeline.Pipeline{Regions: region.Default(), Basins: basin.Default(), Keys: keys}
	in := ingest.New(env.Broker, env.Store, pipe, &contract.Validator{Regions: region.Default()}, ingest.NewMetrics(reg), ingest.Options{
		BatchWait: 300 * time.Millisecond, UntilIdle: 4 * time.Second, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	defer in.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := in.Run(ctx); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	return in.Stats()
}

// deadLetters reads dlq.v1 from the start until it has been quiet for a few seconds, by key.
func deadLetters(t *testing.T, env *testenv.Env) map[string]contract.DeadLetter {
	t.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: env.Config.Kafka.Brokers, GroupID: fmt.Sprintf("%s-dlq-%d", env.Config.Kafka.Group, time.Now().UnixNano()),
		Topic: env.Config.Kafka.TopicDLQ, StartOffset: kafka.FirstOffset, MaxWait: 200 * time.Millisecond, MaxBytes: 16 << 20})
	defer r.Close()
	out := map[string]contract.DeadLetter{}
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
		m, err := r.ReadMessage(ctx)
		cancel()
		if err != nil {
			return out
		}
		var dl contract.DeadLetter
		if err := json.Unmarshal(m.Value, &dl); err != nil {
			t.Fatalf("a dlq.v1 message is not a dead letter: %v", err)
		}
		out[string(dl.Key)] = dl
	}
}

// reconcileLimits checks the usual reconciliation: the valid reports readable exactly once,
// every invalid message (by key) in ingest_errors, and in dlq.v1 unless listed in notInDLQ.
func reconcileLimits(t *testing.T, env *testenv.Env, name string, valid int, invalid []string, notInDLQ ...string) map[string]contract.DeadLetter {
	t.Helper()
	readable := count(t, env, "SELECT count() FROM reports_latest")
	distinct := count(t, env, "SELECT uniqExact(report_id) FROM reports")
	errs := count(t, env, "SELECT uniqExact(topic, partition, offset) FROM ingest_errors")
	dlq := deadLetters(t, env)
	fmt.Printf("reconciliation %s: produced %d valid, %d invalid; ClickHouse reads %d reports (%d distinct ids), ingest_errors %d, dlq.v1 %d distinct dead letters (%d not expected there)\n",
		name, valid, len(invalid), readable, distinct, errs, len(dlq), len(notInDLQ))
	if readable != uint64(valid) || distinct != uint64(valid) {
		t.Errorf("%s: %d readable reports, %d distinct, want exactly %d", name, readable, distinct, valid)
	}
	if errs != uint64(len(invalid)) {
		t.Errorf("%s: %d messages in ingest_errors, want %d", name, errs, len(invalid))
	}
	skip := map[string]bool{}
	for _, k := range notInDLQ {
		skip[k] = true
	}
	recorded := map[string]bool{}
	rows, err := env.Store.Conn().Query(context.Background(), "SELECT DISTINCT message_key FROM ingest_errors")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		recorded[k] = true
	}
	rows.Close()
	for _, k := range invalid {
		if !recorded[k] {
			t.Errorf("%s: %s is not in ingest_errors", name, k)
		}
		if _, ok := dlq[k]; ok == skip[k] {
			t.Errorf("%s: %s in dlq.v1: %v, want %v", name, k, ok, !skip[k])
		}
	}
	if len(dlq) != len(invalid)-len(notInDLQ) {
		t.Errorf("%s: %d dead letters in dlq.v1, want %d", name, len(dlq), len(invalid)-len(notInDLQ))
	}
	return dlq
}

// TestMessagesAtTheSizeLimits: a message at 99 % of what the broker accepts, one just over
// ingest's own limit and one just under it, among valid reports. The large ones are
// dead-lettered with a bounded prefix and a reason naming the limit, their whole bytes sealed
// in the archive; the one under the limit is stored; nothing behind them waits.
func TestMessagesAtTheSizeLimits(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := context.Background()
	limit, err := env.Broker.MaxMessageBytes(ctx, env.Config.Kafka.TopicReports)
	if err != nil {
		t.Fatal(err)
	}
	big := invalidMsg(1, limit*99/100)
	over := sized(2, contract.MaxMessageBytes+1)
	over.Key = []byte("bad-000002")
	under := sized(3, contract.MaxMessageBytes-1)
	var msgs []kafka.Message
	for i := 10; i < 60; i++ {
		m, _ := reportMsg(i, 1)
		msgs = append(msgs, m)
	}
	msgs = append(msgs, big, over, under)
	for i := 60; i < 110; i++ {
		m, _ := reportMsg(i, 1)
		msgs = append(msgs, m)
	}
	env.Produce(t, env.Config.Kafka.TopicReports, msgs...) // the writer splits them into batches the broker takes
	st := ingestWith(t, env, prometheus.NewRegistry())
	if st.Reports != 101 || st.DeadLetters != 2 || st.ByCode[contract.CodeTooLarge] != 2 {
		t.Fatalf("stats %+v, want 101 reports and 2 dead letters too_large", st)
	}
	dlq := reconcileLimits(t, env, "size-limits", 101, []string{"bad-000001", "bad-000002"})
	for key, orig := range map[string][]byte{"bad-000001": big.Value, "bad-000002": over.Value} {
		dl := dlq[key]
		if !dl.ValueTruncated || dl.ValueSize != len(orig) || len(dl.Value) != contract.MaxDeadLetterValue || string(dl.Value) != string(orig[:len(dl.Value)]) {
			t.Errorf("%s: dead letter carries %d bytes (truncated %v, size %d), want the first %d of %d", key, len(dl.Value), dl.ValueTruncated, dl.ValueSize, contract.MaxDeadLetterValue, len(orig))
		}
		if !strings.Contains(dl.Error.Reason, "262144") || !strings.Contains(dl.Error.Reason, fmt.Sprint(len(orig))) || dl.Archived == "" {
			t.Errorf("%s: reason %q does not name the size and the limit", key, dl.Error.Reason)
		}
		// The whole message is in the sealed archive.
		var sealed string
		if err := env.Store.Conn().QueryRow(ctx, "SELECT sealed_value FROM ingest_errors WHERE topic = ? AND partition = ? AND offset = ? LIMIT 1",
			dl.Topic, int32(dl.Partition), dl.Offset).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		keys, _ := privacy.ParseKey(testenv.TestKey)
		plain, err := pipeline.OpenRaw(keys, dl.Topic, dl.Partition, dl.Offset, []byte(sealed))
		if err != nil || string(plain) != string(orig) {
			t.Errorf("%s: the sealed archive does not hold the whole %d-byte message (%d bytes, %v)", key, len(orig), len(plain), err)
		}
	}
	var content string
	if err := env.Store.Conn().QueryRow(ctx, "SELECT content FROM reports_latest WHERE report_id = '12369-440305-20260315-000003'").Scan(&content); err != nil {
		t.Fatalf("the report just under the limit was not stored: %v", err)
	}
	if len(content) < 1000 {
		t.Errorf("the report just under the limit has a %d-byte content", len(content))
	}
}

// TestTenThousandInvalidMessagesInARow: a burst of 10,000 invalid messages between valid ones;
// their dead letters (30 MB) go out in batches the broker accepts.
func TestTenThousandInvalidMessagesInARow(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	var msgs []kafka.Message
	var invalid []string
	for i := range 200 {
		m, _ := reportMsg(i, 1)
		msgs = append(msgs, m)
	}
	for i := range 10000 {
		m := invalidMsg(i, 3000)
		msgs = append(msgs, m)
		invalid = append(invalid, string(m.Key))
	}
	for i := 200; i < 400; i++ {
		m, _ := reportMsg(i, 1)
		msgs = append(msgs, m)
	}
	env.Produce(t, env.Config.Kafka.TopicReports, msgs...)
	st := ingestWith(t, env, prometheus.NewRegistry())
	if st.Reports != 400 || st.DeadLetters != 10000 {
		t.Fatalf("stats %+v, want 400 reports and 10000 dead letters", st)
	}
	reconcileLimits(t, env, "invalid-burst", 400, invalid)
}

// TestDeadLettersFitASmallTopicLimit: dlq.v1 configured to take at most 64 KiB per batch
// (read from the broker at start-up) gets 100 dead letters of 11 KB — more than the broker's
// own limit in all — in batches it accepts. Then with the topic at 4 KiB, below one dead
// letter, those are skipped with a metric, recorded in ingest_errors, and ingest goes on.
func TestDeadLettersFitASmallTopicLimit(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	setTopicLimit(t, env, env.Config.Kafka.TopicDLQ, 64<<10)
	var msgs []kafka.Message
	var invalid []string
	for i := range 100 {
		m := invalidMsg(i, 100<<10)
		msgs = append(msgs, m)
		invalid = append(invalid, string(m.Key))
		v, _ := reportMsg(i, 1)
		msgs = append(msgs, v)
	}
	env.Produce(t, env.Config.Kafka.TopicReports, msgs...)
	st := ingestWith(t, env, prometheus.NewRegistry())
	if st.Reports != 100 || st.DeadLetters != 100 {
		t.Fatalf("stats %+v, want 100 reports and 100 dead letters", st)
	}
	reconcileLimits(t, env, "dlq-topic-64KiB", 100, invalid)

	setTopicLimit(t, env, env.Config.Kafka.TopicDLQ, 4<<10)
	msgs = nil
	var skipped []string
	for i := 100; i < 110; i++ {
		m := invalidMsg(i, 20<<10)
		msgs = append(msgs, m)
		invalid = append(invalid, string(m.Key))
		skipped = append(skipped, string(m.Key))
		v, _ := reportMsg(i, 1)
		msgs = append(msgs, v)
	}
	small := invalidMsg(200, 500) // its dead letter still fits
	msgs = append(msgs, small)
	invalid = append(invalid, string(small.Key))
	env.Produce(t, env.Config.Kafka.TopicReports, msgs...)
	reg := prometheus.NewRegistry()
	st = ingestWith(t, env, reg)
	if st.Reports != 10 || st.DeadLetters != 11 {
		t.Fatalf("stats %+v, want 10 reports and 11 dead letters", st)
	}
	reconcileLimits(t, env, "dlq-topic-4KiB", 110, invalid, skipped...)
	families, _ := reg.Gather()
	unwritten := 0.0
	for _, f := range families {
		if f.GetName() == "ecowatch_ingest_dead_letters_unwritten_total" {
			for _, m := range f.GetMetric() {
				unwritten += m.GetCounter().GetValue()
			}
		}
	}
	if unwritten != 10 {
		t.Errorf("ecowatch_ingest_dead_letters_unwritten_total = %v, want 10", unwritten)
	}
	if n := count(t, env, "SELECT count() FROM ingest_errors WHERE message_key = 'bad-000105' AND position(reason, '未写入该主题') > 0"); n == 0 {
		t.Errorf("ingest_errors does not say the dead letter of bad-000105 was not written")
	}
}

// setTopicLimit sets a topic's max.message.bytes.
func setTopicLimit(t *testing.T, env *testenv.Env, topic string, limit int) {
	t.Helper()
	client := &kafka.Client{Addr: kafka.TCP(env.Config.Kafka.Brokers...), Transport: env.Broker.Transport(), Timeout: 15 * time.Second}
	resp, err := client.AlterConfigs(context.Background(), &kafka.AlterConfigsRequest{Resources: []kafka.AlterConfigRequestResource{{
		ResourceType: kafka.ResourceTypeTopic, ResourceName: topic,
		Configs: []kafka.AlterConfigRequestConfig{{Name: "max.message.bytes", Value: fmt.Sprint(limit)}},
	}}})
	if err == nil {
		for _, e := range resp.Errors {
			err = e
		}
	}
	if err != nil {
		t.Fatalf("setting max.message.bytes of %s: %v", topic, err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if got, err := env.Broker.MaxMessageBytes(context.Background(), topic); err == nil && got == limit {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("max.message.bytes of %s did not become %d", topic, limit)
		}
	}
}

// TestA900KBReportBeforeValidOnesDoesNotStopIngest is the case of issue 15: a well-formed
// report of 900,000 characters — under the broker's limit, over ingest's — produced before
// 3,000 valid ones. `ecowatch ingest --until-idle` writes the 3,000 exactly once, dead-letters
// the large one, and stops on its own.
func TestA900KBReportBeforeValidOnesDoesNotStopIngest(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	huge, r := reportMsg(999999, 1)
	r.Content = strings.Repeat("污", 300000) // 900,000 bytes
	huge.Value, _ = json.Marshal(r)
	env.Produce(t, env.Config.Kafka.TopicReports, huge)
	var msgs []kafka.Message
	for i := range 3000 {
		m, _ := reportMsg(i, 1)
		msgs = append(msgs, m)
	}
	env.Produce(t, env.Config.Kafka.TopicReports, msgs...)
	cmd := exec.Command(testenv.Binary(t), "ingest", "--until-idle", "5s")
	cmd.Env = processEnv(env)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ingest: %v\n%s", err, lastLines(string(out), 3000))
	}
	if !strings.Contains(string(out), "ingest: 3000 reports, 0 case events written; 1 dead-lettered (too_large: 1)") {
		t.Fatalf("ingest did not write the 3,000 and dead-letter the large one:\n%s", lastLines(string(out), 3000))
	}
	dlq := reconcileLimits(t, env, "900KB-report", 3000, []string{string(huge.Key)})
	if dl := dlq[string(huge.Key)]; dl.ValueSize != len(huge.Value) || !dl.ValueTruncated {
		t.Errorf("the dead letter of the 900 KB report: size %d, truncated %v", dl.ValueSize, dl.ValueTruncated)
	}
}

// sigtermDuringRetry starts `ecowatch ingest`, makes it retry a write with block, sends SIGTERM
// once it logs `retrying what=<what>`, and checks that it exits cleanly within 15 s (the flush
// timeout alone is 30 s). unblock heals the fault; a second run then writes everything exactly
// once.
func sigtermDuringRetry(t *testing.T, env *testenv.Env, what string, msgs []kafka.Message, valid int, invalid []string, block, unblock func()) {
	t.Helper()
	sigtermDuring(t, env, what, "what="+what, "5s", msgs, valid, invalid, block, func(*syncBuffer) {}, unblock)
}

// sigtermDuring is sigtermDuringRetry with a step after the messages are produced, the log
// line to wait for before SIGTERM (none: "") and the --until-idle of the second run.
func sigtermDuring(t *testing.T, env *testenv.Env, name, logLine, idle string, msgs []kafka.Message, valid int, invalid []string, block func(), produced func(*syncBuffer), unblock func()) {
	t.Helper()
	var logs syncBuffer
	cmd := exec.Command(testenv.Binary(t), "ingest")
	cmd.Env = processEnv(env, "ECOWATCH_INGEST_BATCH_WAIT=200ms")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	waitFor(t, &logs, "Kafka limits", time.Minute)
	block()
	env.Produce(t, env.Config.Kafka.TopicReports, msgs...)
	produced(&logs)
	if logLine != "" {
		waitFor(t, &logs, logLine, 2*time.Minute)
	}
	what := name
	start := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ingest did not exit cleanly on SIGTERM during the %s retries: %v\n%s", what, err, lastLines(logs.String(), 30000))
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("ingest still running 15 s after SIGTERM during the %s retries\n%s", what, lastLines(logs.String(), 30000))
	}
	fmt.Printf("fault: SIGTERM during the %s retries: ingest exited after %s\n", what, time.Since(start).Round(100*time.Millisecond))
	unblock()
	second := exec.Command(testenv.Binary(t), "ingest", "--until-idle", idle)
	second.Env = processEnv(env)
	if out, err := second.CombinedOutput(); err != nil {
		t.Fatalf("second run: %v\n%s", err, lastLines(string(out), 3000))
	}
	reconcileLimits(t, env, "sigterm-"+name, valid, invalid)
}

func mixedBatch(from, n int) (msgs []kafka.Message, valid int, invalid []string) {
	for i := from; i < from+n; i++ {
		if i%10 == 9 {
			m := invalidMsg(i, 500)
			msgs = append(msgs, m)
			invalid = append(invalid, string(m.Key))
			continue
		}
		m, _ := reportMsg(i, 1)
		msgs = append(msgs, m)
		valid++
	}
	return msgs, valid, invalid
}

// TestSIGTERMDuringClickHouseRetries: the reports table is renamed away, so inserts fail and
// are retried; SIGTERM ends ingest at once, and nothing is lost.
func TestSIGTERMDuringClickHouseRetries(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	msgs, valid, invalid := mixedBatch(0, 500)
	exec1 := func(q string) {
		if err := env.Store.Conn().Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db := env.Store.Database()
	sigtermDuringRetry(t, env, "clickhouse", msgs, valid, invalid,
		func() { exec1("RENAME TABLE " + db + ".reports TO " + db + ".reports_away") },
		func() { exec1("RENAME TABLE " + db + ".reports_away TO " + db + ".reports") })
}

// TestSIGTERMDuringDeadLetterRetries: the dead-letter topic is deleted (the broker does not
// create topics on its own), so dead letters fail and are retried; SIGTERM ends ingest at
// once, and once the topic is back every dead letter is written.
func TestSIGTERMDuringDeadLetterRetries(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	msgs, valid, invalid := mixedBatch(0, 500)
	ctx := context.Background()
	sigtermDuringRetry(t, env, "dlq", msgs, valid, invalid,
		func() {
			if err := env.Broker.DeleteTopics(ctx, env.Config.Kafka.TopicDLQ); err != nil {
				t.Fatal(err)
			}
		},
		func() {
			if err := env.Broker.EnsureTopics(ctx, 1, env.Config.Kafka.TopicDLQ); err != nil {
				t.Fatal(err)
			}
		})
}

// waitFor waits until the logs contain s.
func waitFor(t *testing.T, logs *syncBuffer, s string, limit time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(limit); !strings.Contains(logs.String(), s); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("ingest did not log %q within %s:\n%s", s, limit, lastLines(logs.String(), 30000))
		}
	}
}

// syncBuffer collects a child process's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func lastLines(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
