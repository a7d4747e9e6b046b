package deliver

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/broker"
	"github.com/ecowatch/ecowatch/store"
)

// ChannelKafka is the delivery channel of the warnings.v1 topic.
const ChannelKafka = "kafka"

// OutboxStore is what delivery needs of the store.
type OutboxStore interface {
	Undelivered(ctx context.Context, channel string) ([]store.WarningRow, error)
	MarkDelivered(ctx context.Context, channel string, rows []store.WarningRow, attempts int) error
}

// MessageWriter writes Kafka messages; *kafka.Writer implements it.
type MessageWriter interface {
	WriteMessages(ctx context.Context, msgs ...kafka.Message) error
}

// PublishWarnings sends every warning revision not yet acknowledged on the Kafka channel to
// warnings.v1 (key: warning_id, so one warning's revisions stay in order), then records the
// acknowledgement. A crash between the two re-sends those revisions at the next run: consumers
// deduplicate on (warning_id, revision).
//
// The revisions go out in pieces of at most the writer's batch size in bytes (a first national
// cycle issues thousands at once), each acknowledged once written, so a failure does not resend
// what was already written. A revision larger than one Kafka message may be (a warning resting
// on tens of thousands of reports) is left unacknowledged with an error in the log, and the
// others go on.
func PublishWarnings(ctx context.Context, st OutboxStore, w MessageWriter) (int, error) {
	rows, err := st.Undelivered(ctx, ChannelKafka)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	limit := int64(broker.BatchBytes(broker.DefaultMaxMessageBytes))
	if kw, ok := w.(*kafka.Writer); ok && kw.BatchBytes > 0 {
		limit = kw.BatchBytes
	}
	published := 0
	var msgs []kafka.Message
	var acks []store.WarningRow
	var size int64
	flush := func() error {
		if len(msgs) == 0 {
			return nil
		}
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			return fmt.Errorf("deliver: publishing %d warning revisions: %w", len(msgs), err)
		}
		if err := st.MarkDelivered(ctx, ChannelKafka, acks, 1); err != nil {
			return err
		}
		published += len(msgs)
		msgs, acks, size = nil, nil, 0
		return nil
	}
	for _, r := range rows {
		b, err := json.Marshal(r.Warning.Normalized())
		if err != nil {
			return published, fmt.Errorf("deliver: encoding warning %s: %w", r.WarningID, err)
		}
		m := kafka.Message{Key: []byte(r.WarningID), Value: b}
		n := broker.MessageBytes(m)
		if n > limit {
			slog.Default().Error("warning revision too large for one warnings.v1 message; left unpublished",
				"warning", r.WarningID, "revision", r.Revision, "bytes", n, "limit", limit, "report_ids", len(r.ReportIDs))
			continue
		}
		if size+n > limit {
			if err := flush(); err != nil {
				return published, err
			}
		}
		msgs, acks, size = append(msgs, m), append(acks, r), size+n
	}
	return published, flush()
}
