package deliver

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/segmentio/kafka-go"

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
func PublishWarnings(ctx context.Context, st OutboxStore, w MessageWriter) (int, error) {
	rows, err := st.Undelivered(ctx, ChannelKafka)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	msgs := make([]kafka.Message, len(rows))
	for i, r := range rows {
		b, err := json.Marshal(r.Warning.Normalized())
		if err != nil {
			return 0, fmt.Errorf("deliver: encoding warning %s: %w", r.WarningID, err)
		}
		msgs[i] = kafka.Message{Key: []byte(r.WarningID), Value: b}
	}
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		return 0, fmt.Errorf("deliver: publishing %d warning revisions: %w", len(msgs), err)
	}
	if err := st.MarkDelivered(ctx, ChannelKafka, rows, 1); err != nil {
		return 0, err
	}
	return len(rows), nil
}
