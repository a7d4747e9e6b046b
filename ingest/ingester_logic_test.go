package ingest

// Unit tests of the Ingester's pure logic: configuration → the consumer and the DLQ writer,
// sorting messages into a batch, building dead letters, the retry policy and idleness. The
// round trip through the real Kafka and ClickHouse (exactly once, crashes, outages) is in
// integration/.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"

	"github.com/ecowatch/ecowatch/basin"
	"github.com/ecowatch/ecowatch/broker"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/config"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/pipeline"
	"github.com/ecowatch/ecowatch/privacy"
	"github.com/ecowatch/ecowatch/region"
)

const logicTestKey = "t:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

var logicNow = time.Date(2026, 3, 16, 12, 0, 0, 0, calendar.Shanghai)

// closedAddr is a loopback address nothing listens on: the unit tests never reach a broker.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func logicKafkaConfig(t *testing.T) config.Kafka {
	return config.Kafka{Brokers: []string{closedAddr(t)}, Group: "g-ingest", Partitions: 3,
		TopicReports: "r.v1", TopicEvents: "e.v1", TopicWarnings: "w.v1", TopicDLQ: "dlq.v1"}
}

func logicPipeline(t *testing.T) (*pipeline.Pipeline, *contract.Validator) {
	t.Helper()
	keys, err := privacy.ParseKey(logicTestKey)
	if err != nil {
		t.Fatal(err)
	}
	return &pipeline.Pipeline{Regions: region.Default(), Basins: basin.Default(), Keys: keys, Now: func() time.Time { return logicNow }},
		&contract.Validator{Regions: region.Default(), Now: func() time.Time { return logicNow }}
}

// logicIngester is an Ingester with no consumer (nothing connects), whose log is returned.
func logicIngester(t *testing.T) (*Ingester, *syncBuffer) {
	t.Helper()
	conn, err := broker.New(logicKafkaConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	pipe, v := logicPipeline(t)
	logs := &syncBuffer{}
	dlq := conn.Writer(conn.Config().TopicDLQ)
	t.Cleanup(func() { dlq.Close() })
	return &Ingester{
		opts: Options{BatchSize: 10, BatchWait: time.Second, UntilIdle: 4 * time.Second, StartupGrace: 30 * time.Second, FlushTimeout: time.Second},
		conn: conn, dlq: dlq, stopping: context.Background(), pipe: pipe, validator: v, metrics: NewMetrics(prometheus.NewRegistry()),
		log: slog.New(slog.NewTextHandler(logs, nil)), stats: Stats{ByCode: map[contract.Code]int{}},
	}, logs
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
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

func counter(t *testing.T, c prometheus.Collector) float64 {
	t.Helper()
	ch := make(chan prometheus.Metric, 1)
	c.Collect(ch)
	var m dto.Metric
	if err := (<-ch).Write(&m); err != nil {
		t.Fatal(err)
	}
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	}
	t.Fatalf("not a counter or gauge: %v", &m)
	return 0
}

const canaryPhone = "13912345678"

func reportJSON(t *testing.T, id string) []byte {
	t.Helper()
	r := contract.Report{
		Schema: contract.SchemaReports, ReportID: id, Version: 1, Kind: "report", Channel: "phone",
		ReceivedAt: contract.NewTime(logicNow.Add(-time.Hour)), RegionCode: "440305", Category: "water",
		Title: "河道发黑", Content: "工厂夜间偷排。我的电话是" + canaryPhone + "。",
		Reporter: &contract.Reporter{Name: "金丝雀", Phone: canaryPhone},
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func eventJSON(t *testing.T, reportID string) []byte {
	t.Helper()
	ev := contract.CaseEvent{Schema: contract.SchemaCaseEvents, EventID: "evt-1", ReportID: reportID,
		Type: contract.EventAccepted, At: contract.NewTime(logicNow.Add(-time.Minute)), OrgCode: "440305"}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestNewConfiguresACommitAfterWriteConsumer: the consumer group reads both input topics from
// the first offset, never commits by itself (offsets are committed only after the batch is
// durable), bounds its fetches and assigns ranges, as kafka-go's group reader did; the DLQ writer waits for all replicas and keys by hash.
func TestNewConfiguresACommitAfterWriteConsumer(t *testing.T) {
	cfg := logicKafkaConfig(t)
	cfg.SASLMechanism, cfg.SASLUsername, cfg.SASLPassword = "plain", "u", "p"
	conn, err := broker.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pipe, v := logicPipeline(t)
	for _, tc := range []struct {
		opts Options
	}{{Options{}}, {Options{BatchSize: 700, BatchWait: 50 * time.Millisecond}}} {
		in := New(conn, nil, pipe, v, NewMetrics(prometheus.NewRegistry()), tc.opts)
		reader, err := kgo.NewClient(in.readerOpts()...)
		if err != nil {
			t.Fatal(err)
		}
		group := reader.OptValue(kgo.ConsumerGroup).(string)
		topics := reader.OptValue(kgo.ConsumeTopics).([]string)
		reset := reader.OptValue(kgo.ConsumeResetOffset).(kgo.Offset)
		autoCommitOff := reader.OptValue(kgo.DisableAutoCommit).(bool)
		fetch := reader.OptValue(kgo.FetchMaxPartitionBytes).(int32)
		balancers := reader.OptValue(kgo.Balancers).([]kgo.GroupBalancer)
		mechanisms := reader.OptValue(kgo.SASL).([]sasl.Mechanism)
		reader.Close()
		slices.Sort(topics)
		if group != cfg.Group || strings.Join(topics, ",") != "e.v1,r.v1" {
			t.Errorf("consumer group %q topics %v, want group %q on r.v1 and e.v1", group, topics, cfg.Group)
		}
		if !autoCommitOff || reset.String() != kgo.NewOffset().AtStart().String() || fetch != fetchBytes {
			t.Errorf("auto-commit off %v, reset offset %s, fetch %d bytes; want commits by ingest only, the first offset, fetches of fetchBytes",
				autoCommitOff, reset, fetch)
		}
		if len(balancers) != 1 || balancers[0].ProtocolName() != "range" {
			t.Errorf("balancers %v, want ranges only (as kafka-go's group reader)", balancers)
		}
		if len(mechanisms) != 1 || mechanisms[0].Name() != "PLAIN" {
			t.Errorf("the consumer does not carry the connection's SASL: %v", mechanisms)
		}
		if in.dlq.Topic != "dlq.v1" || in.dlq.RequiredAcks != kafka.RequireAll {
			t.Errorf("DLQ writer to %q with acks %v, want dlq.v1 and all replicas", in.dlq.Topic, in.dlq.RequiredAcks)
		}
		if _, ok := in.dlq.Balancer.(*kafka.Hash); !ok {
			t.Errorf("DLQ writer balancer %T, want *kafka.Hash (a message's dead letter keyed like the message)", in.dlq.Balancer)
		}
		if tc.opts == (Options{}) {
			o := in.opts
			if o.BatchSize != 16000 || o.BatchWait != time.Second || o.StartupGrace != 30*time.Second || o.FlushTimeout != 30*time.Second || o.Logger == nil {
				t.Errorf("defaults %+v, want 16000 messages, 1s, 30s grace, 30s flush, a logger", o)
			}
		} else if in.opts.BatchWait != 50*time.Millisecond {
			t.Errorf("BatchWait %s, want the 50ms given", in.opts.BatchWait)
		}
		if err := in.Close(); err != nil {
			t.Errorf("closing an ingester that never ran: %v", err)
		}
	}
}

// TestAddSortsEachMessage: a valid report or event goes to its record, anything else is an
// invalid message with a code; the consumed counter and the lag gauge follow the batch.
func TestAddSortsEachMessage(t *testing.T) {
	in, _ := logicIngester(t)
	for _, tc := range []struct {
		name                     string
		topic                    string
		value                    []byte
		code                     contract.Code // "" for valid
		reports, events, invalid int
	}{
		{"report", "r.v1", reportJSON(t, "12369-440305-20260316-000001"), "", 1, 0, 0},
		{"event", "e.v1", eventJSON(t, "12369-440305-20260316-000001"), "", 0, 1, 0},
		{"not JSON", "r.v1", []byte("hello " + canaryPhone), contract.CodeNotJSON, 0, 0, 1},
		{"report on the events topic", "e.v1", reportJSON(t, "12369-440305-20260316-000002"), contract.CodeUnknownSchema, 0, 0, 1},
		{"unknown region", "r.v1", bytes.Replace(reportJSON(t, "12369-440305-20260316-000003"), []byte(`"440305"`), []byte(`"999999"`), 1), contract.CodeBadRegion, 0, 0, 1},
		{"another topic", "other.v1", reportJSON(t, "12369-440305-20260316-000004"), contract.CodeUnknownTopic, 0, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			batch := in.pipe.NewBatch()
			before := counter(t, in.metrics.Consumed.WithLabelValues(tc.topic))
			p := in.add(batch, message{Topic: tc.topic, Partition: 2, Offset: 40, HighWaterMark: 50, Key: []byte("k"), Value: tc.value})
			in.observe([]pending{p})
			dead := p.dead
			switch {
			case tc.code == "" && dead != nil:
				t.Fatalf("valid message refused: %v", dead)
			case tc.code != "" && (dead == nil || dead.Code != tc.code):
				t.Fatalf("dead letter %v, want code %s", dead, tc.code)
			case dead != nil && !hasHan(dead.Reason):
				t.Errorf("reason %q is not written for a person (Chinese)", dead.Reason)
			}
			if tc.code == contract.CodeUnknownTopic && !strings.Contains(dead.Reason, "other.v1") {
				t.Errorf("reason %q does not name the topic", dead.Reason)
			}
			if r, e, i := batch.Counts(); r != tc.reports || e != tc.events || i != tc.invalid {
				t.Errorf("batch counts %d reports, %d events, %d invalid; want %d, %d, %d", r, e, i, tc.reports, tc.events, tc.invalid)
			}
			if got := counter(t, in.metrics.Consumed.WithLabelValues(tc.topic)) - before; got != 1 {
				t.Errorf("consumed counter moved by %v", got)
			}
			if lag := counter(t, in.metrics.Lag.WithLabelValues(tc.topic, "2")); lag != 9 {
				t.Errorf("lag %v, want 9 (high-water mark 50, offset 40)", lag)
			}
		})
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// TestDeadLettersCarryTheMessageItsPlaceAndAReason: each invalid message of a batch becomes one
// dlq.v1 record, keyed like the message, with its coordinates, its bytes, the code, field and
// reason; valid messages produce nothing; the log names the place and code, never the content.
func TestDeadLettersCarryTheMessageItsPlaceAndAReason(t *testing.T) {
	in, logs := logicIngester(t)
	fk := &fakeKafka{partitions: 3}
	in.dlq = in.conn.Writer(in.conn.Config().TopicDLQ)
	in.dlq.Transport = fk
	defer in.dlq.Close()

	batch := in.pipe.NewBatch()
	var msgs []pending
	for i, m := range []message{
		{Topic: "r.v1", Partition: 0, Offset: 11, Key: []byte("12369-440305-20260316-000001"), Value: reportJSON(t, "12369-440305-20260316-000001")},
		{Topic: "r.v1", Partition: 1, Offset: 12, Key: []byte("bad-1"), Value: []byte(`{"schema":"reports.v1","content":"电话` + canaryPhone + `"`)},
		{Topic: "e.v1", Partition: 2, Offset: 13, Key: []byte("bad-2"), Value: reportJSON(t, "12369-440305-20260316-000002")},
		{Topic: "r.v1", Partition: 1, Offset: 14, Key: []byte("bad-3"), Value: bytes.Replace(reportJSON(t, "12369-440305-20260316-000003"), []byte(`"channel":"phone"`), []byte(`"channel":"pigeon"`), 1)},
	} {
		msgs = append(msgs, in.add(batch, m))
		if (i == 0) != (msgs[i].dead == nil) {
			t.Fatalf("message %d: dead letter %v", i, msgs[i].dead)
		}
	}
	if err := in.sendDeadLetters(context.Background(), msgs); err != nil {
		t.Fatal(err)
	}
	out := fk.messages()
	if len(out) != 3 {
		t.Fatalf("%d dead letters produced, want 3", len(out))
	}
	byKey := map[string]kafka.Message{}
	for _, m := range out {
		if m.Topic != "dlq.v1" {
			t.Errorf("dead letter written to %s", m.Topic)
		}
		byKey[string(m.Key)] = m
	}
	for _, p := range msgs[1:] {
		m, ok := byKey[string(p.msg.Key)]
		if !ok {
			t.Errorf("no dead letter keyed %s", p.msg.Key)
			continue
		}
		var dl contract.DeadLetter
		if err := json.Unmarshal(m.Value, &dl); err != nil {
			t.Fatalf("dead letter is not dlq.v1 JSON: %v", err)
		}
		if dl.Schema != contract.SchemaDLQ || dl.Topic != p.msg.Topic || dl.Partition != p.msg.Partition || dl.Offset != p.msg.Offset {
			t.Errorf("dead letter of %s/%d/%d says %s %s/%d/%d", p.msg.Topic, p.msg.Partition, p.msg.Offset, dl.Schema, dl.Topic, dl.Partition, dl.Offset)
		}
		if !bytes.Equal(dl.Key, p.msg.Key) || !bytes.Equal(dl.Value, p.msg.Value) {
			t.Errorf("dead letter of %s does not carry the message's key and bytes", p.msg.Key)
		}
		if dl.Error.Code != p.dead.Code || dl.Error.Field != p.dead.Field || dl.Error.Reason != p.dead.Reason || dl.Error.Reason == "" {
			t.Errorf("dead letter error %+v, want %+v", dl.Error, *p.dead)
		}
		if dl.FailedAt.IsZero() {
			t.Errorf("dead letter of %s has no failed_at", p.msg.Key)
		}
	}
	for code, n := range map[contract.Code]int{contract.CodeNotJSON: 1, contract.CodeUnknownSchema: 1, contract.CodeBadEnum: 1} {
		if in.stats.ByCode[code] != n || counter(t, in.metrics.DeadLettered.WithLabelValues(string(code))) != float64(n) {
			t.Errorf("code %s: stats %d, metric %v; want %d", code, in.stats.ByCode[code], counter(t, in.metrics.DeadLettered.WithLabelValues(string(code))), n)
		}
	}
	log := logs.String()
	if strings.Count(log, "message dead-lettered") != 3 || !strings.Contains(log, "offset=12") || !strings.Contains(log, "code=bad_enum") {
		t.Errorf("the log does not name each dead letter's place and code:\n%s", log)
	}
	for _, secret := range []string{canaryPhone, "金丝雀", "河道发黑"} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds message content %q:\n%s", secret, log)
		}
	}

	// A batch with no invalid message writes nothing to the DLQ.
	if err := in.sendDeadLetters(context.Background(), msgs[:1]); err != nil || len(fk.messages()) != 3 {
		t.Errorf("a valid batch: %v, %d dead letters in all", err, len(fk.messages()))
	}
}

var errLogicOutage = errors.New("connection refused")

// TestRetryBacksOffAndRecovers: a failing write is retried after 100ms, then 200ms …, each
// attempt bounded by its own deadline, counted and logged, until it succeeds.
func TestRetryBacksOffAndRecovers(t *testing.T) {
	in, logs := logicIngester(t)
	calls := 0
	err := in.retry(context.Background(), "clickhouse", func(ctx context.Context) error {
		calls++
		if d, ok := ctx.Deadline(); !ok || time.Until(d) > attemptTimeout {
			t.Errorf("attempt %d: deadline %v (set: %v), want one within %s", calls, d, ok, attemptTimeout)
		}
		if calls < 3 {
			return errLogicOutage
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("retry: %v after %d calls, want success on the third", err, calls)
	}
	if n := counter(t, in.metrics.Retries.WithLabelValues("clickhouse")); n != 2 {
		t.Errorf("retries counted %v, want 2", n)
	}
	log := logs.String()
	for _, want := range []string{"what=clickhouse attempt=1 backoff=100ms", "what=clickhouse attempt=2 backoff=200ms", "msg=recovered what=clickhouse attempts=3"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

// TestRetryForGivesUpAfterItsLimit: a bounded retry (the commit) returns the last error,
// wrapped, once its time is up.
func TestRetryForGivesUpAfterItsLimit(t *testing.T) {
	in, _ := logicIngester(t)
	calls := 0
	err := in.retryFor(context.Background(), "commit", time.Nanosecond, false, func(context.Context) error { calls++; return errLogicOutage })
	if !errors.Is(err, errLogicOutage) || !strings.Contains(err.Error(), "commit: giving up after") || calls != 1 {
		t.Fatalf("retryFor with its limit passed: %v after %d calls", err, calls)
	}
}

// TestRetryStopsWhenShuttingDown: once the context ends, an unbounded retry returns at once,
// with the operation's error, and counts no retry.
// The commit of the batch just written, asked to stop (SIGTERM) before it is sent, still goes
// through when the broker answers: given up at once, the batch would be delivered again to the
// next run. A retry after a failure is given up at once.
func TestACommitAfterTheStopHasItsGrace(t *testing.T) {
	in, _ := logicIngester(t)
	stopped, stop := context.WithCancel(context.Background())
	stop()
	in.stopping = stopped
	answers := func(ctx context.Context) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond): // a broker that answers
			return nil
		}
	}
	if err := in.retryFor(context.Background(), "commit", 30*time.Second, true, answers); err != nil {
		t.Fatalf("the first commit after the stop was given up: %v", err)
	}
	calls := 0
	err := in.retryFor(context.Background(), "commit", 30*time.Second, true, func(ctx context.Context) error {
		calls++
		if calls == 1 {
			return errLogicOutage
		}
		return answers(ctx)
	})
	if !errors.Is(err, errStopping) || calls != 1 {
		t.Fatalf("after a failed commit while stopping: %v after %d attempts, want no retry", err, calls)
	}
}

func TestRetryStopsWhenShuttingDown(t *testing.T) {
	in, _ := logicIngester(t)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := in.retry(ctx, "dlq", func(context.Context) error { calls++; cancel(); return errLogicOutage })
	if !errors.Is(err, errLogicOutage) || !strings.Contains(err.Error(), "dlq: giving up, shutting down") || calls != 1 {
		t.Fatalf("retry after shutdown: %v after %d calls", err, calls)
	}
	if n := counter(t, in.metrics.Retries.WithLabelValues("dlq")); n != 0 {
		t.Errorf("%v retries counted while shutting down", n)
	}
}

// TestIdleWaitsForTheGroupBeforeTheFirstMessage: with UntilIdle, a stream that has delivered is
// idle after UntilIdle of quiet; one that has delivered nothing only after StartupGrace.
func TestIdleWaitsForTheGroupBeforeTheFirstMessage(t *testing.T) {
	in, _ := logicIngester(t) // UntilIdle 4s, StartupGrace 30s
	now := time.Now()
	for _, tc := range []struct {
		name          string
		started, last time.Time
		want          bool
	}{
		{"no message yet, 10s after start", now.Add(-10 * time.Second), time.Time{}, false},
		{"no message yet, 31s after start", now.Add(-31 * time.Second), time.Time{}, true},
		{"last message 1s ago", now.Add(-time.Minute), now.Add(-time.Second), false},
		{"last message 5s ago", now.Add(-time.Minute), now.Add(-5 * time.Second), true},
	} {
		if got := in.idle(tc.started, tc.last); got != tc.want {
			t.Errorf("%s: idle = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestThroughputIsOverTheBusyTime(t *testing.T) {
	start := time.Date(2026, 3, 16, 10, 0, 0, 0, time.UTC)
	s := Stats{Reports: 70, Events: 20, DeadLetters: 10, FirstFetch: start, LastCommit: start.Add(2 * time.Second)}
	if got := s.Throughput(); got != 50 {
		t.Errorf("throughput %v, want 50 messages/s", got)
	}
	if got := (Stats{Reports: 5, FirstFetch: start, LastCommit: start}).Throughput(); got != 0 {
		t.Errorf("throughput of no busy time %v, want 0", got)
	}
}

// observe counts every message of a batch once and takes each partition's lag from its last
// message.
func TestObserveCountsTheBatchAndTheLagOfEachPartition(t *testing.T) {
	in, _ := logicIngester(t)
	before := counter(t, in.metrics.Consumed.WithLabelValues("o.v1"))
	in.observe([]pending{
		{msg: message{Topic: "o.v1", Partition: 0, Offset: 5, HighWaterMark: 20}},
		{msg: message{Topic: "o.v1", Partition: 1, Offset: 3, HighWaterMark: 4}},
		{msg: message{Topic: "o.v1", Partition: 0, Offset: 9, HighWaterMark: 20}},
	})
	if got := counter(t, in.metrics.Consumed.WithLabelValues("o.v1")) - before; got != 3 {
		t.Errorf("consumed counter moved by %v, want 3", got)
	}
	for partition, want := range map[string]float64{"0": 10, "1": 0} {
		if lag := counter(t, in.metrics.Lag.WithLabelValues("o.v1", partition)); lag != want {
			t.Errorf("partition %s: lag %v, want %v", partition, lag, want)
		}
	}
}
