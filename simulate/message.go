package simulate

import (
	"context"
	"time"

	"github.com/ecowatch/ecowatch/contract"
)

// Topics the generator writes to (the defaults of DESIGN §3).
const (
	TopicReports    = contract.SchemaReports
	TopicCaseEvents = contract.SchemaCaseEvents
)

// Message is one message of the stream, ready for a Kafka producer or a file.
type Message struct {
	Topic string    // TopicReports or TopicCaseEvents
	Key   string    // report_id; "bad-<n>" for malformed messages
	Value []byte    // the JSON document (or, for malformed messages, whatever bytes they carry)
	Time  time.Time // business time of the message: received_at or the event's at
}

// Sink receives the stream in batches, in time order. The generator never reuses a batch or
// a Value after handing it over, so a Sink may keep them.
type Sink interface {
	Write(ctx context.Context, msgs []Message) error
}
