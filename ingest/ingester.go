package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/ecowatch/ecowatch/broker"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/pipeline"
	"github.com/ecowatch/ecowatch/store"
)

// TableWriter is what ingest needs from the store: *store.Store implements it.
type TableWriter interface {
	InsertColumns(ctx context.Context, table string, columns []string, values []any, rows int) error
}

// Options configure an Ingester. Zero values take the documented defaults.
type Options struct {
	// BatchSize is the most messages in one write. Default 16000: a batch is one part in each
	// table, and fewer, larger parts cost the server less to write and merge (measured in
	// docs/benchmarks.md: 5,000 cost it 1.9–2.5× the CPU of ClickHouse's Kafka engine per
	// report, 16,000 1.2–1.35×); two batches of 16,000 reports (one filling, one being written)
	// hold about 100 MB.
	BatchSize int
	// BatchBytes bounds the bytes (keys and values) of the messages in one batch, so that a
	// stream of large messages cannot make a batch of BatchSize of them exhaust memory.
	// Default 32 MiB.
	BatchBytes int
	// BatchWait is the longest a fetched message waits for its batch to fill. Default 1s.
	BatchWait time.Duration
	// UntilIdle, when positive, makes Run return once no message has arrived for this long
	// (backfills, the demo, tests). Before the first message the wait is at least
	// StartupGrace, since joining a consumer group takes seconds. Zero: run until the context
	// ends.
	UntilIdle time.Duration
	// StartupGrace is the least time Run waits for a first message under UntilIdle. Default 30s.
	StartupGrace time.Duration
	// FlushTimeout bounds the final flush after the context ends (SIGTERM) while its writes
	// succeed; a write that fails after the context ended is not retried. Default 30s.
	FlushTimeout time.Duration
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Stats counts what an Ingester made durable.
type Stats struct {
	Reports, Events, DeadLetters int
	ByCode                       map[contract.Code]int
	// FirstFetch is when the first message arrived; LastCommit when the last batch was
	// committed. Their difference is the busy time throughput is measured over.
	FirstFetch, LastCommit time.Time
}

// Throughput is messages made durable per second of busy time.
func (s Stats) Throughput() float64 {
	d := s.LastCommit.Sub(s.FirstFetch).Seconds()
	if d <= 0 {
		return 0
	}
	return float64(s.Reports+s.Events+s.DeadLetters) / d
}

// Ingester is one member of the ingest consumer group.
type Ingester struct {
	opts      Options
	conn      *broker.Conn
	reader    *kgo.Client // joins the group when Run starts
	dlq       *kafka.Writer
	store     TableWriter
	pipe      *pipeline.Pipeline
	validator *contract.Validator
	metrics   *Metrics
	log       *slog.Logger
	stats     Stats
	// stopping is Run's context: once it ends (SIGTERM) a failed write or commit is not
	// retried. Flushes run under their own context, which outlives it by FlushTimeout.
	stopping context.Context
}

// New creates an ingester; it joins the group when Run starts. Close it after Run returns.
func New(conn *broker.Conn, w TableWriter, pipe *pipeline.Pipeline, v *contract.Validator, m *Metrics, opts Options) *Ingester {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 16000
	}
	if opts.BatchBytes <= 0 {
		opts.BatchBytes = 32 << 20
	}
	if opts.BatchWait <= 0 {
		opts.BatchWait = time.Second
	}
	if opts.StartupGrace <= 0 {
		opts.StartupGrace = 30 * time.Second
	}
	if opts.FlushTimeout <= 0 {
		opts.FlushTimeout = 30 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	dlq := conn.Writer(conn.Config().TopicDLQ)
	dlq.MaxAttempts = 1 // retried by ingest itself, which stops retrying on SIGTERM
	return &Ingester{
		opts: opts, conn: conn, dlq: dlq, stopping: context.Background(), store: w, pipe: pipe,
		validator: v, metrics: m, log: opts.Logger, stats: Stats{ByCode: map[contract.Code]int{}},
	}
}

// limitWait bounds the start-up question to the broker about the dead-letter topic's limit.
const limitWait = 10 * time.Second

// start reads the limit of the dead-letter topic from the broker — the dead-letter writer's
// batches are bounded by what dlq.v1 accepts; when the broker does not answer, Kafka's
// documented default is used and a warning says so — and joins the consumer group.
func (in *Ingester) start(ctx context.Context) error {
	cfg := in.conn.Config()
	lctx, cancel := context.WithTimeout(ctx, limitWait)
	defer cancel()
	if err := in.conn.FitWriter(lctx, in.dlq); err != nil {
		in.log.Warn("the limit of the dead-letter topic is unknown; assuming Kafka's default", "topic", cfg.TopicDLQ,
			"max_message_bytes", broker.DefaultMaxMessageBytes, "err", err)
	}
	in.log.Info("Kafka limits", "dead_letter_batch_bytes", in.dlq.BatchBytes, "fetch_bytes", fetchBytes)
	reader, err := kgo.NewClient(in.readerOpts()...)
	if err != nil {
		return fmt.Errorf("ingest: the consumer of %s and %s: %w", cfg.TopicReports, cfg.TopicEvents, err)
	}
	in.reader = reader
	return nil
}

// fetchBytes bounds one fetch: the client holds at most one fetch ahead per broker, so ingest's
// memory is two batches and a fetch per broker. A message larger than this — as large as a
// topic allows — still comes, alone: a broker always returns the first record batch of a fetch
// whatever its size (Kafka's fetch.max.bytes). 4 MiB is as fast as 16 MiB (docs/benchmarks.md)
// and keeps the peak under 300 MB.
const fetchBytes = 4 << 20

// readerOpts configure the consumer group: both input topics, from the committed offsets (the
// first offset of a partition the group never committed), offsets committed by ingest only
// after a batch is durable.
//
// The group assigns partitions by ranges, as kafka-go's group reader (ingest's consumer before
// franz-go) did first: an ingest of an earlier release and one of this release agree on it and
// can share the group during a rolling upgrade (checked under load: exactly once).
func (in *Ingester) readerOpts() []kgo.Opt {
	cfg := in.conn.Config()
	return append(in.conn.ConsumerOpts(),
		kgo.ConsumerGroup(cfg.Group),
		kgo.ConsumeTopics(cfg.TopicReports, cfg.TopicEvents),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
		kgo.Balancers(kgo.RangeBalancer()),
		kgo.FetchMaxBytes(fetchBytes),
		kgo.FetchMaxPartitionBytes(fetchBytes),
		kgo.FetchMaxWait(250*time.Millisecond),
		kgo.HeartbeatInterval(3*time.Second),
		kgo.SessionTimeout(30*time.Second),
		kgo.RebalanceTimeout(30*time.Second),
		kgo.WithLogger(clientLog{in.log}),
	)
}

// clientLog passes franz-go's account of dials, joins and rebalances to the log: its warnings
// and errors as warnings, the rest at debug. It names brokers, groups and partitions, never
// message content.
type clientLog struct{ log *slog.Logger }

func (l clientLog) Level() kgo.LogLevel {
	if l.log.Enabled(context.Background(), slog.LevelDebug) {
		return kgo.LogLevelInfo
	}
	return kgo.LogLevelWarn
}

func (l clientLog) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	lv := slog.LevelDebug
	if level <= kgo.LogLevelWarn {
		lv = slog.LevelWarn
	}
	l.log.Log(context.Background(), lv, "kafka consumer: "+msg, keyvals...)
}

// Close leaves the consumer group and closes the dead-letter writer.
func (in *Ingester) Close() error {
	if in.reader != nil {
		in.reader.Close()
	}
	return in.dlq.Close()
}

// Stats returns what has been made durable so far. Not safe to call concurrently with Run.
func (in *Ingester) Stats() Stats { return in.stats }

// message is a fetched message as ingest keeps it: where it is, its bytes until the batch has
// taken what it needs of them, and its partition's high-water mark when it was fetched.
type message struct {
	Topic         string
	Partition     int
	Offset        int64
	LeaderEpoch   int32 // of the partition's leader that served it, for the commit
	Key, Value    []byte
	Time          time.Time
	HighWaterMark int64
}

// pending is one fetched message and, if invalid, its error and its dead letter (nil when
// the dead letter cannot be written: it would not fit the dead-letter topic).
type pending struct {
	msg    message
	dead   *contract.Error
	letter *kafka.Message
}

// Run consumes until ctx ends (then flushes what it holds and returns nil) or, with
// UntilIdle, until the stream has been quiet that long.
//
// Decoding and writing overlap: while one batch is being made durable by the flusher
// goroutine, the next is fetched and built. Batches are flushed, and their offsets committed,
// strictly in order, one at a time.
//
// When ctx ends, the batch being written is finished if its writes succeed (within
// FlushTimeout); a write or commit that fails from then on is not retried: Run returns nil
// promptly, and the messages not committed are delivered again to the next run.
func (in *Ingester) Run(ctx context.Context) error {
	in.stopping = ctx
	if in.reader == nil {
		if err := in.start(ctx); err != nil {
			return err
		}
	}
	jobs := make(chan *job) // unbuffered: at most one batch flushing and one filling
	// The jobs take turns, each reused: one fills while the other is made durable.
	spare := make(chan *job, 2)
	take := func() *job {
		select {
		case j := <-spare:
			j.reset()
			return j
		default:
			return &job{batch: in.pipe.NewBatch()}
		}
	}
	put := func(j *job) {
		select {
		case spare <- j:
		default:
		}
	}
	flushErr := make(chan error, 1)
	// Flushes must not be cut off by SIGTERM mid-insert: they run under a context that ends
	// only FlushTimeout after ctx does.
	flushCtx, cancelFlush := context.WithCancel(context.WithoutCancel(ctx))
	stopAfter := context.AfterFunc(ctx, func() { time.AfterFunc(in.opts.FlushTimeout, cancelFlush) })
	defer func() { stopAfter(); cancelFlush() }()
	go func() {
		defer close(flushErr)
		for j := range jobs {
			if err := in.flush(flushCtx, j.batch, j.msgs); err != nil {
				flushErr <- err // Run stops handing over batches; theirs stay uncommitted
				return
			}
			put(j)
		}
	}()
	finish := func(err error) error {
		close(jobs)
		if ferr := <-flushErr; ferr != nil {
			return in.stopped(ctx, ferr)
		}
		if err == nil {
			in.log.Info("ingest stopped", "reports", in.stats.Reports, "events", in.stats.Events, "dead_letters", in.stats.DeadLetters)
		}
		return err
	}

	started, lastMessage := time.Now(), time.Time{}
	for {
		j := take()
		err := in.fill(ctx, j)
		in.observe(j.msgs)
		fetched := len(j.msgs)
		if fetched > 0 {
			lastMessage = time.Now()
			select {
			case jobs <- j:
			case ferr := <-flushErr:
				close(jobs)
				return in.stopped(ctx, ferr)
			}
		} else {
			put(j)
		}
		if err != nil {
			if ctx.Err() != nil {
				return finish(nil)
			}
			// The client heals itself (it dials again and rejoins the group); a fetch error only
			// says it has not yet. Ingest keeps running through a broker outage.
			in.metrics.Retries.WithLabelValues("fetch").Inc()
			in.log.Warn("fetching from Kafka failed; the consumer keeps trying", "backoff", fetchBackoff, "err", err)
			select {
			case <-ctx.Done():
				return finish(nil)
			case ferr := <-flushErr:
				close(jobs)
				return in.stopped(ctx, ferr)
			case <-time.After(fetchBackoff):
			}
			continue
		}
		if in.opts.UntilIdle > 0 && fetched == 0 && in.idle(started, lastMessage) {
			in.log.Info("ingest idle", "idle", in.opts.UntilIdle)
			return finish(nil)
		}
	}
}

// stopped turns a flush given up because ctx ended into a clean stop: nothing was lost, since
// the batch's offsets were not committed; its messages are delivered again to the next run.
func (in *Ingester) stopped(ctx context.Context, err error) error {
	if ctx.Err() != nil && errors.Is(err, errStopping) {
		in.log.Warn("stopped with a batch not written; its messages will be delivered again", "err", err)
		in.log.Info("ingest stopped", "reports", in.stats.Reports, "events", in.stats.Events, "dead_letters", in.stats.DeadLetters)
		return nil
	}
	return err
}

// idle reports whether the stream has been quiet for UntilIdle (after the first message) or
// for max(UntilIdle, StartupGrace) since the start (no message at all).
func (in *Ingester) idle(started, lastMessage time.Time) bool {
	if lastMessage.IsZero() {
		return time.Since(started) >= max(in.opts.UntilIdle, in.opts.StartupGrace)
	}
	return time.Since(lastMessage) >= in.opts.UntilIdle
}

// fetchBackoff is the pause after a failed fetch before the next one.
const fetchBackoff = time.Second

// job is a batch and the messages in it, handed from Run to the flusher.
type job struct {
	batch *pipeline.Batch
	msgs  []pending
}

// reset empties the job for the next batch, keeping its memory.
func (j *job) reset() {
	j.batch.Reset()
	clear(j.msgs)
	j.msgs = j.msgs[:0]
}

// fill fetches up to BatchSize messages into j, waiting at most BatchWait after the first one
// (or BatchWait for the first one, so that idleness is noticed). It returns a non-nil error
// when ctx ended or the client reported a failure (a partition it cannot read, say).
//
// BatchBytes is checked between polls: a batch may pass it by the messages of one poll, at
// most pollRecords of them.
func (in *Ingester) fill(ctx context.Context, j *job) error {
	fctx, cancel := context.WithTimeout(ctx, in.opts.BatchWait) // one for the batch, not one per poll
	defer cancel()
	size := 0
	for len(j.msgs) < in.opts.BatchSize && size < in.opts.BatchBytes {
		fetches := in.reader.PollRecords(fctx, min(in.opts.BatchSize-len(j.msgs), pollRecords))
		fetches.EachPartition(func(p kgo.FetchTopicPartition) {
			for _, r := range p.Records {
				if in.stats.FirstFetch.IsZero() {
					in.stats.FirstFetch = time.Now()
				}
				size += len(r.Key) + len(r.Value)
				m := message{Topic: r.Topic, Partition: int(r.Partition), Offset: r.Offset, LeaderEpoch: r.LeaderEpoch,
					Key: r.Key, Value: r.Value, Time: r.Timestamp, HighWaterMark: p.HighWatermark}
				pm := in.add(j.batch, m)
				// The batch holds what it needs of the bytes (sealed, decoded); from here on only
				// the coordinates are, for the commit and the logs.
				pm.msg.Key, pm.msg.Value = nil, nil
				j.msgs = append(j.msgs, pm)
			}
		})
		var err error
		fetches.EachError(func(topic string, partition int32, e error) {
			if err == nil {
				err = fmt.Errorf("topic %s partition %d: %w", topic, partition, e)
			}
		})
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			return nil
		default:
			return fmt.Errorf("ingest: fetching from Kafka: %w", err)
		}
	}
	return nil
}

// pollRecords is the most messages fill takes from the client at a time.
const pollRecords = 1000

// observe counts a batch's messages per topic and sets each partition's lag as of its last
// message: once per batch, not once per message.
func (in *Ingester) observe(msgs []pending) {
	var topics []string
	var counts []int
	for _, p := range msgs {
		i := slices.Index(topics, p.msg.Topic)
		if i < 0 {
			i = len(topics)
			topics, counts = append(topics, p.msg.Topic), append(counts, 0)
		}
		counts[i]++
	}
	for i, t := range topics {
		in.metrics.Consumed.WithLabelValues(t).Add(float64(counts[i]))
	}
	for _, m := range lastOfEachPartition(msgs) {
		in.metrics.Lag.WithLabelValues(m.Topic, strconv.Itoa(m.Partition)).Set(float64(max(m.HighWaterMark-m.Offset-1, 0)))
	}
}

// add decodes and validates one message into the batch. An invalid message gets its dead
// letter.
func (in *Ingester) add(batch *pipeline.Batch, m message) pending {
	cfg := in.conn.Config()
	src := pipeline.Source{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Key: m.Key, Value: m.Value, Time: m.Time}
	// The size first, before any work on the message: a message over the limit is archived
	// and dead-lettered, never parsed.
	var verr error
	if e := contract.CheckSize(m.Value); e != nil {
		verr = e
	}
	// The shared decoders' values view the bytes they decode: a copy the batch keeps until it
	// is reset, not the client's fetch buffer, which would stay alive with them (measured: a
	// batch pinned several fetches of 16 MiB).
	switch {
	case verr != nil:
	case m.Topic == cfg.TopicReports:
		var r *contract.Report
		if r, verr = in.validator.DecodeReportShared(batch.Keep(m.Value)); verr == nil {
			batch.AddReport(src, r)
			return pending{msg: m}
		}
	case m.Topic == cfg.TopicEvents:
		var e *contract.CaseEvent
		if e, verr = in.validator.DecodeCaseEventShared(batch.Keep(m.Value)); verr == nil {
			batch.AddEvent(src, e)
			return pending{msg: m}
		}
	default:
		verr = &contract.Error{Code: contract.CodeUnknownTopic, Reason: "ingest 不处理主题 " + m.Topic + " 的消息"}
	}
	var cerr *contract.Error
	if !errors.As(verr, &cerr) {
		cerr = &contract.Error{Code: contract.CodeNotJSON, Reason: verr.Error()}
	}
	p := pending{msg: m, dead: cerr, letter: in.deadLetter(m, cerr)}
	if p.letter == nil {
		// Recorded where a person looks for it: ingest_errors says the dead letter is missing.
		withNote := *cerr
		withNote.Reason += "（死信超过 " + cfg.TopicDLQ + " 主题可接受的消息大小，未写入该主题）"
		cerr = &withNote
	}
	batch.AddInvalid(src, cerr)
	return p
}

// deadLetter encodes the dead letter of m. It is nil when it would not fit the dead-letter
// topic (bounded as dead letters are, only a topic configured far below Kafka's default
// refuses one): the message is then in ingest_errors only, and an error log and
// ecowatch_ingest_dead_letters_unwritten_total say so.
func (in *Ingester) deadLetter(m message, e *contract.Error) *kafka.Message {
	dl := contract.NewDeadLetter(m.Topic, m.Partition, m.Offset, m.Key, m.Value, e, time.Now())
	b, err := json.Marshal(dl)
	if err != nil { // a struct of strings, bytes and numbers: cannot happen
		panic(fmt.Sprintf("ingest: encoding a dead letter: %v", err))
	}
	// The key copied: the message's is in the client's fetch buffer, which the letter would keep
	// alive until the batch is flushed.
	letter := &kafka.Message{Key: bytes.Clone(dl.Key), Value: b}
	if size := broker.MessageBytes(*letter); size > in.dlq.BatchBytes {
		in.unwritten(m, e.Code, fmt.Errorf("a dead letter of %d bytes, the topic takes %d", size, in.dlq.BatchBytes))
		return nil
	}
	return letter
}

// unwritten records a dead letter that cannot be written to the dead-letter topic.
func (in *Ingester) unwritten(m message, code contract.Code, err error) {
	in.metrics.DeadLettersUnwritten.WithLabelValues(string(code)).Inc()
	in.log.Error("dead letter not written to the dead-letter topic; the message is in ingest_errors and the sealed archive",
		"topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "code", code, "dead_letter_topic", in.dlq.Topic, "err", err)
}

// flush makes a batch durable — dead letters to Kafka, rows to ClickHouse — and only then
// commits the offsets. Each step retries with backoff until it succeeds, ctx ends, or (after a
// failure) ingest is stopping.
func (in *Ingester) flush(ctx context.Context, batch *pipeline.Batch, msgs []pending) error {
	start := time.Now()
	if err := in.sendDeadLetters(ctx, msgs); err != nil {
		return err
	}
	rows := batch.Tables()
	// Contacts before reports: a report row never exists without its sealed identity.
	tables := []struct {
		name string
		rows pipeline.Table
	}{
		{store.TableContacts, rows.Contacts},
		{store.TableReports, rows.Reports},
		{store.TableCaseEvents, rows.CaseEvents},
		{store.TableErrors, rows.Errors},
		{store.TableRawMessages, rows.Raw},
	}
	for _, t := range tables {
		if t.rows.Len == 0 {
			continue
		}
		err := in.retry(ctx, "clickhouse", func(ctx context.Context) error {
			return in.store.InsertColumns(ctx, t.name, t.rows.Columns, t.rows.Values, t.rows.Len)
		})
		if err != nil {
			return fmt.Errorf("ingest: writing %d rows to %s: %w", t.rows.Len, t.name, err)
		}
		in.metrics.Written.WithLabelValues(t.name).Add(float64(t.rows.Len))
	}
	var last []*kgo.Record
	for _, m := range lastOfEachPartition(msgs) {
		last = append(last, &kgo.Record{Topic: m.Topic, Partition: int32(m.Partition), Offset: m.Offset, LeaderEpoch: m.LeaderEpoch})
	}
	// A commit that keeps failing — typically because a broker restart or a rebalance ended the
	// consumer generation these messages were fetched in — must not stop ingest: the rows are
	// already durable, so the messages are simply delivered again later and absorbed by the
	// tables. The commit is retried for a while, then given up with a warning. The client is
	// not replaced: it redials and rejoins the group by itself once the broker is back.
	// On SIGTERM the first attempt has abandonGrace, a retry is given up at once: the rows are
	// durable, so nothing is lost.
	err := in.retryFor(ctx, "commit", 30*time.Second, true, func(ctx context.Context) error { return in.reader.CommitRecords(ctx, last...) })
	if err != nil {
		if ctx.Err() != nil && !errors.Is(err, errStopping) {
			return fmt.Errorf("ingest: committing offsets: %w", err)
		}
		in.log.Warn("offsets not committed; these messages will be delivered again and deduplicated", "messages", len(msgs), "err", err)
	}
	reports, events, invalid := batch.Counts()
	in.stats.Reports += reports
	in.stats.Events += events
	in.stats.DeadLetters += invalid
	in.stats.LastCommit = time.Now()
	in.metrics.BatchSeconds.Observe(time.Since(start).Seconds())
	in.log.Debug("batch durable", "messages", len(msgs), "reports", reports, "events", events, "dead_letters", invalid, "took", time.Since(start))
	return nil
}

// lastOfEachPartition returns the message with the highest offset of each topic partition in
// msgs: committing them commits them all.
func lastOfEachPartition(msgs []pending) []message {
	var out []message
next:
	for _, p := range msgs {
		for i, o := range out {
			if o.Topic == p.msg.Topic && o.Partition == p.msg.Partition {
				if p.msg.Offset > o.Offset {
					out[i] = p.msg
				}
				continue next
			}
		}
		out = append(out, p.msg)
	}
	return out
}

// sendDeadLetters writes the batch's dead letters to the dead-letter topic. The writer splits
// them into batches the topic accepts; a dead letter the broker still refuses as too large is
// written alone, and if refused again skipped (it is in ingest_errors): one message never
// holds the partition. Other failures are retried — only the dead letters not yet written.
func (in *Ingester) sendDeadLetters(ctx context.Context, msgs []pending) error {
	var out []kafka.Message
	var from []pending // the message of each dead letter in out
	for _, p := range msgs {
		if p.dead == nil {
			continue
		}
		in.metrics.DeadLettered.WithLabelValues(string(p.dead.Code)).Inc()
		in.stats.ByCode[p.dead.Code]++
		in.log.Warn("message dead-lettered", "topic", p.msg.Topic, "partition", p.msg.Partition, "offset", p.msg.Offset, "code", p.dead.Code, "field", p.dead.Field)
		if p.letter != nil {
			out, from = append(out, *p.letter), append(from, p)
		}
	}
	return in.retry(ctx, "dlq", func(ctx context.Context) error {
		if len(out) == 0 {
			return nil
		}
		err := in.dlq.WriteMessages(ctx, out...)
		var failed []kafka.Message
		var failedFrom []pending
		var tooLarge kafka.MessageTooLargeError
		var werrs kafka.WriteErrors
		switch {
		case err == nil:
		case errors.As(err, &tooLarge):
			// One is larger than the writer's batches (deadLetter keeps those out; this is the
			// net under it): nothing was written. Skip that one, retry the others.
			for i, m := range out {
				if bytes.Equal(m.Value, tooLarge.Message.Value) && bytes.Equal(m.Key, tooLarge.Message.Key) {
					in.unwritten(from[i].msg, from[i].dead.Code, err)
					failed = append(slices.Clone(out[:i]), out[i+1:]...)
					failedFrom = append(slices.Clone(from[:i]), from[i+1:]...)
					break
				}
			}
		case errors.As(err, &werrs) && len(werrs) == len(out):
			for i, werr := range werrs {
				if werr == nil {
					continue
				}
				if errors.Is(werr, kafka.MessageSizeTooLarge) {
					// The broker refused the batch it was in: alone it may pass.
					if werr = in.dlq.WriteMessages(ctx, out[i]); werr == nil {
						continue
					}
					if errors.Is(werr, kafka.MessageSizeTooLarge) {
						in.unwritten(from[i].msg, from[i].dead.Code, werr)
						continue
					}
				}
				failed, failedFrom = append(failed, out[i]), append(failedFrom, from[i])
			}
		default:
			return err
		}
		out, from = failed, failedFrom
		if len(out) > 0 {
			return fmt.Errorf("%d dead letters not written: %w", len(out), err)
		}
		return nil
	})
}

// attemptTimeout bounds one attempt of a write or a commit.
const attemptTimeout = 30 * time.Second

// abandonGrace is how long the first attempt of a commit may go on once ingest is asked to
// stop: a broker that answers takes milliseconds, so the batch just written is committed and
// not delivered again; one that does not answer (an outage) does not hold the stop for longer.
const abandonGrace = 5 * time.Second

// errStopping marks a write or commit given up because ingest is stopping.
var errStopping = errors.New("giving up, shutting down")

// retry runs op until it succeeds, backing off from 100ms to 30s, or until ctx ends or ingest
// is stopping.
func (in *Ingester) retry(ctx context.Context, what string, op func(context.Context) error) error {
	return in.retryFor(ctx, what, 0, false, op)
}

// retryFor is retry that gives up after limit (0: never) and returns the last error.
//
// The first attempt may finish after ingest is asked to stop (flush what is done); if
// abandonable, it is given abandonGrace from the stop to do so. Once an attempt has failed,
// stopping ends the retries, the backoff and any attempt in progress at once, with errStopping.
func (in *Ingester) retryFor(ctx context.Context, what string, limit time.Duration, abandonable bool, op func(context.Context) error) error {
	backoff := 100 * time.Millisecond
	start := time.Now()
	for attempt := 1; ; attempt++ {
		// Every attempt has a deadline: a Kafka client waiting on a connection the broker's
		// restart left dead would otherwise never return.
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		unwatch := func() bool { return false }
		switch {
		case attempt > 1:
			unwatch = context.AfterFunc(in.stopping, cancel)
		case abandonable:
			unwatch = context.AfterFunc(in.stopping, func() { time.AfterFunc(abandonGrace, cancel) })
		}
		err := op(actx)
		unwatch()
		cancel()
		if err == nil {
			if attempt > 1 {
				in.log.Info("recovered", "what", what, "attempts", attempt)
			}
			return nil
		}
		if ctx.Err() != nil || in.isStopping() {
			return fmt.Errorf("%s: %w: %w", what, errStopping, err)
		}
		if limit > 0 && time.Since(start) >= limit {
			return fmt.Errorf("%s: giving up after %s: %w", what, limit, err)
		}
		in.metrics.Retries.WithLabelValues(what).Inc()
		in.log.Warn("retrying", "what", what, "attempt", attempt, "backoff", backoff, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w: %w", what, errStopping, err)
		case <-in.stopping.Done():
			return fmt.Errorf("%s: %w: %w", what, errStopping, err)
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

func (in *Ingester) isStopping() bool { return in.stopping.Err() != nil }
