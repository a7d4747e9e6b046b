package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/apache/arrow/go/v17/arrow"
	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/broker"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/pipeline"
	"github.com/ecowatch/ecowatch/store"
)

// RecordWriter is what ingest needs from the store: *store.Store implements it.
type RecordWriter interface {
	InsertRecord(ctx context.Context, table string, rec arrow.Record) error
}

// Options configure an Ingester. Zero values take the documented defaults.
type Options struct {
	// BatchSize is the most messages in one write. Default 5000.
	BatchSize int
	// BatchWait is the longest a fetched message waits for its batch to fill. Default 1s.
	BatchWait time.Duration
	// UntilIdle, when positive, makes Run return once no message has arrived for this long
	// (backfills, the demo, tests). Before the first message the wait is at least
	// StartupGrace, since joining a consumer group takes seconds. Zero: run until the context
	// ends.
	UntilIdle time.Duration
	// StartupGrace is the least time Run waits for a first message under UntilIdle. Default 30s.
	StartupGrace time.Duration
	// FlushTimeout bounds the final flush after the context ends (SIGTERM). Default 30s.
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
	reader    *kafka.Reader
	dlq       *kafka.Writer
	store     RecordWriter
	pipe      *pipeline.Pipeline
	validator *contract.Validator
	metrics   *Metrics
	log       *slog.Logger
	stats     Stats
}

// New creates an ingester; it joins the group when Run starts. Close it after Run returns.
func New(conn *broker.Conn, w RecordWriter, pipe *pipeline.Pipeline, v *contract.Validator, m *Metrics, opts Options) *Ingester {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 5000
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
	in := &Ingester{
		opts: opts, conn: conn, dlq: conn.Writer(conn.Config().TopicDLQ), store: w, pipe: pipe,
		validator: v, metrics: m, log: opts.Logger, stats: Stats{ByCode: map[contract.Code]int{}},
	}
	in.reader = in.newReader()
	return in
}

// newReader joins the consumer group (again): it resumes from the committed offsets.
func (in *Ingester) newReader() *kafka.Reader {
	cfg, opts := in.conn.Config(), in.opts
	return kafka.NewReader(kafka.ReaderConfig{
		Brokers:           cfg.Brokers,
		GroupID:           cfg.Group,
		GroupTopics:       []string{cfg.TopicReports, cfg.TopicEvents},
		Dialer:            in.conn.Dialer(),
		MinBytes:          1,
		MaxBytes:          16 << 20,
		MaxWait:           250 * time.Millisecond,
		QueueCapacity:     opts.BatchSize,
		CommitInterval:    0, // synchronous commits, only after the batch is durable
		StartOffset:       kafka.FirstOffset,
		HeartbeatInterval: 3 * time.Second,
		SessionTimeout:    30 * time.Second,
		RebalanceTimeout:  30 * time.Second,
		ReadBackoffMin:    50 * time.Millisecond,
		ReadBackoffMax:    500 * time.Millisecond,
		// kafka-go's own account of dials, joins and rebalances; it names brokers, groups
		// and partitions, never message content.
		ErrorLogger: kafka.LoggerFunc(func(format string, args ...any) {
			in.log.Debug("kafka reader: " + fmt.Sprintf(format, args...))
		}),
	})
}

// Close leaves the consumer group and closes the dead-letter writer.
func (in *Ingester) Close() error {
	return errors.Join(in.reader.Close(), in.dlq.Close())
}

// Stats returns what has been made durable so far. Not safe to call concurrently with Run.
func (in *Ingester) Stats() Stats { return in.stats }

// pending is one fetched message and, if invalid, its dead letter.
type pending struct {
	msg  kafka.Message
	dead *contract.Error
}

// Run consumes until ctx ends (then flushes what it holds and returns nil) or, with
// UntilIdle, until the stream has been quiet that long.
//
// Decoding and writing overlap: while one batch is being made durable by the flusher
// goroutine, the next is fetched and built. Batches are flushed, and their offsets committed,
// strictly in order, one at a time.
func (in *Ingester) Run(ctx context.Context) error {
	type job struct {
		batch *pipeline.Batch
		msgs  []pending
	}
	jobs := make(chan job) // unbuffered: at most one batch flushing and one filling
	flushErr := make(chan error, 1)
	// Flushes must not be cut off by SIGTERM mid-insert: they run under a context that ends
	// only FlushTimeout after ctx does.
	flushCtx, cancelFlush := context.WithCancel(context.WithoutCancel(ctx))
	stopAfter := context.AfterFunc(ctx, func() { time.AfterFunc(in.opts.FlushTimeout, cancelFlush) })
	defer func() { stopAfter(); cancelFlush() }()
	go func() {
		defer close(flushErr)
		for j := range jobs {
			err := in.flush(flushCtx, j.batch, j.msgs)
			j.batch.Release()
			if err != nil {
				flushErr <- err // Run stops handing over batches; theirs stay uncommitted
				return
			}
		}
	}()
	finish := func(err error) error {
		close(jobs)
		if ferr := <-flushErr; ferr != nil {
			return ferr
		}
		if err == nil {
			in.log.Info("ingest stopped", "reports", in.stats.Reports, "events", in.stats.Events, "dead_letters", in.stats.DeadLetters)
		}
		return err
	}

	started, lastMessage := time.Now(), time.Time{}
	for {
		batch, msgs, err := in.fill(ctx)
		if len(msgs) > 0 {
			lastMessage = time.Now()
			select {
			case jobs <- job{batch, msgs}:
			case ferr := <-flushErr:
				batch.Release()
				close(jobs)
				return ferr
			}
		} else {
			batch.Release()
		}
		if err != nil {
			if ctx.Err() != nil {
				return finish(nil)
			}
			// The reader heals itself (it dials again and rejoins the group); a fetch error only
			// says it has not yet. Ingest keeps running through a broker outage.
			in.metrics.Retries.WithLabelValues("fetch").Inc()
			in.log.Warn("fetching from Kafka failed; the reader keeps trying", "backoff", fetchBackoff, "err", err)
			select {
			case <-ctx.Done():
				return finish(nil)
			case ferr := <-flushErr:
				close(jobs)
				return ferr
			case <-time.After(fetchBackoff):
			}
			continue
		}
		if in.opts.UntilIdle > 0 && len(msgs) == 0 && in.idle(started, lastMessage) {
			in.log.Info("ingest idle", "idle", in.opts.UntilIdle)
			return finish(nil)
		}
	}
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

// fill fetches up to BatchSize messages, waiting at most BatchWait after the first one (or
// BatchWait for the first one, so that idleness is noticed). It returns a non-nil error when
// ctx ended or the reader reported a failure (a broker out of reach, a rejoin that failed).
func (in *Ingester) fill(ctx context.Context) (*pipeline.Batch, []pending, error) {
	batch := in.pipe.NewBatch()
	var msgs []pending
	deadline := time.Now().Add(in.opts.BatchWait)
	for len(msgs) < in.opts.BatchSize {
		fctx, cancel := context.WithDeadline(ctx, deadline)
		m, err := in.reader.FetchMessage(fctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return batch, msgs, ctx.Err()
			}
			if errors.Is(err, context.DeadlineExceeded) {
				return batch, msgs, nil
			}
			return batch, msgs, fmt.Errorf("ingest: fetching from Kafka: %w", err)
		}
		if in.stats.FirstFetch.IsZero() {
			in.stats.FirstFetch = time.Now()
		}
		msgs = append(msgs, pending{msg: m, dead: in.add(batch, m)})
	}
	return batch, msgs, nil
}

// add decodes and validates one message into the batch; it returns the validation error of an
// invalid message.
func (in *Ingester) add(batch *pipeline.Batch, m kafka.Message) *contract.Error {
	cfg := in.conn.Config()
	in.metrics.Consumed.WithLabelValues(m.Topic).Inc()
	in.metrics.Lag.WithLabelValues(m.Topic, strconv.Itoa(m.Partition)).Set(float64(max(m.HighWaterMark-m.Offset-1, 0)))
	src := pipeline.Source{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Key: m.Key, Value: m.Value, Time: m.Time}
	var verr error
	switch m.Topic {
	case cfg.TopicReports:
		var r *contract.Report
		if r, verr = in.validator.DecodeReport(m.Value); verr == nil {
			batch.AddReport(src, r)
			return nil
		}
	case cfg.TopicEvents:
		var e *contract.CaseEvent
		if e, verr = in.validator.DecodeCaseEvent(m.Value); verr == nil {
			batch.AddEvent(src, e)
			return nil
		}
	default:
		verr = &contract.Error{Code: contract.CodeUnknownTopic, Reason: "ingest 不处理主题 " + m.Topic + " 的消息"}
	}
	var cerr *contract.Error
	if !errors.As(verr, &cerr) {
		cerr = &contract.Error{Code: contract.CodeNotJSON, Reason: verr.Error()}
	}
	batch.AddInvalid(src, cerr)
	return cerr
}

// flush makes a batch durable — dead letters to Kafka, rows to ClickHouse — and only then
// commits the offsets. Each step retries with backoff until it succeeds or ctx ends.
func (in *Ingester) flush(ctx context.Context, batch *pipeline.Batch, msgs []pending) error {
	start := time.Now()
	if err := in.sendDeadLetters(ctx, msgs); err != nil {
		return err
	}
	recs := batch.Records()
	defer recs.Release()
	// Contacts before reports: a report row never exists without its sealed identity.
	tables := []struct {
		name string
		rec  arrow.Record
	}{
		{store.TableContacts, recs.Contacts},
		{store.TableReports, recs.Reports},
		{store.TableCaseEvents, recs.CaseEvents},
		{store.TableErrors, recs.Errors},
		{store.TableRawMessages, recs.Raw},
	}
	for _, t := range tables {
		if t.rec.NumRows() == 0 {
			continue
		}
		err := in.retry(ctx, "clickhouse", func(ctx context.Context) error { return in.store.InsertRecord(ctx, t.name, t.rec) })
		if err != nil {
			return fmt.Errorf("ingest: writing %d rows to %s: %w", t.rec.NumRows(), t.name, err)
		}
		in.metrics.Written.WithLabelValues(t.name).Add(float64(t.rec.NumRows()))
	}
	kmsgs := make([]kafka.Message, len(msgs))
	for i, p := range msgs {
		kmsgs[i] = p.msg
	}
	// A commit that keeps failing — typically because a broker restart or a rebalance ended the
	// consumer generation these messages were fetched in — must not stop ingest: the rows are
	// already durable, so the messages are simply delivered again later and absorbed by the
	// tables. The commit is retried for a while, then given up with a warning. The reader is
	// not replaced: kafka-go's group reader redials and rejoins by itself once the broker is
	// back (measured: ingest resumes about 40 s after a restart), whereas closing it and
	// joining with a new one stalled ingest in the broker-restart fault test.
	err := in.retryFor(ctx, "commit", 30*time.Second, func(ctx context.Context) error { return in.reader.CommitMessages(ctx, kmsgs...) })
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("ingest: committing offsets: %w", err)
		}
		in.log.Warn("offsets not committed; these messages will be delivered again and deduplicated", "messages", len(kmsgs), "err", err)
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

func (in *Ingester) sendDeadLetters(ctx context.Context, msgs []pending) error {
	var out []kafka.Message
	for _, p := range msgs {
		if p.dead == nil {
			continue
		}
		dl := contract.DeadLetter{
			Schema: contract.SchemaDLQ, Topic: p.msg.Topic, Partition: p.msg.Partition, Offset: p.msg.Offset,
			Key: p.msg.Key, Value: p.msg.Value,
			Error:    contract.DeadLetterError{Code: p.dead.Code, Field: p.dead.Field, Reason: p.dead.Reason},
			FailedAt: contract.NewTime(time.Now()),
		}
		b, err := json.Marshal(dl)
		if err != nil {
			return fmt.Errorf("ingest: encoding dead letter for %s/%d/%d: %w", p.msg.Topic, p.msg.Partition, p.msg.Offset, err)
		}
		out = append(out, kafka.Message{Key: p.msg.Key, Value: b})
		in.metrics.DeadLettered.WithLabelValues(string(p.dead.Code)).Inc()
		in.stats.ByCode[p.dead.Code]++
		in.log.Warn("message dead-lettered", "topic", p.msg.Topic, "partition", p.msg.Partition, "offset", p.msg.Offset, "code", p.dead.Code, "field", p.dead.Field)
	}
	if len(out) == 0 {
		return nil
	}
	return in.retry(ctx, "dlq", func(ctx context.Context) error { return in.dlq.WriteMessages(ctx, out...) })
}

// attemptTimeout bounds one attempt of a write or a commit.
const attemptTimeout = 30 * time.Second

// retry runs op until it succeeds, backing off from 100ms to 30s, or until ctx ends.
func (in *Ingester) retry(ctx context.Context, what string, op func(context.Context) error) error {
	return in.retryFor(ctx, what, 0, op)
}

// retryFor is retry that gives up after limit (0: never) and returns the last error.
func (in *Ingester) retryFor(ctx context.Context, what string, limit time.Duration, op func(context.Context) error) error {
	backoff := 100 * time.Millisecond
	start := time.Now()
	for attempt := 1; ; attempt++ {
		// Every attempt has a deadline: a Kafka client waiting on a connection the broker's
		// restart left dead would otherwise never return.
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		err := op(actx)
		cancel()
		if err == nil {
			if attempt > 1 {
				in.log.Info("recovered", "what", what, "attempts", attempt)
			}
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: giving up, shutting down: %w", what, err)
		}
		if limit > 0 && time.Since(start) >= limit {
			return fmt.Errorf("%s: giving up after %s: %w", what, limit, err)
		}
		in.metrics.Retries.WithLabelValues(what).Inc()
		in.log.Warn("retrying", "what", what, "attempt", attempt, "backoff", backoff, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: giving up, shutting down: %w", what, err)
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}
