package contract

import (
	"time"
	"unicode/utf8"
)

// DeadLetter is one dlq.v1 message: an input message ingest could not accept, with why.
// Value holds the original bytes (base64 in JSON), or their first MaxDeadLetterValue bytes when
// the message is larger: a dead letter always fits what the broker accepts, whatever was sent.
// The whole message is always in the sealed archive (Archived says where). Like the input
// topics a dead letter may contain reporter identity, so the dlq.v1 topic is protected like
// them and nothing downstream of ingest reads it.
type DeadLetter struct {
	Schema    string `json:"schema"`
	Topic     string `json:"source_topic"`
	Partition int    `json:"source_partition"`
	Offset    int64  `json:"source_offset"`
	Key       []byte `json:"key"`
	Value     []byte `json:"value"`
	// ValueSize is the size of the original message in bytes; ValueTruncated says Value holds
	// only its first MaxDeadLetterValue bytes, KeyTruncated that Key holds only the first
	// MaxDeadLetterKey bytes of the original key.
	ValueSize      int  `json:"value_size,omitempty"`
	ValueTruncated bool `json:"value_truncated,omitempty"`
	KeyTruncated   bool `json:"key_truncated,omitempty"`
	// Archived tells a person where the whole original message is kept.
	Archived string          `json:"archived,omitempty"`
	Error    DeadLetterError `json:"error"`
	FailedAt Time            `json:"failed_at"`
}

// DeadLetterError says why a message was dead-lettered: a stable code and a reason a person
// understands.
type DeadLetterError struct {
	Code   Code   `json:"code"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// Bounds of a dead letter. With them a dead letter's JSON is at most about 16 KiB (base64
// makes 8 KiB of value 11 KiB), far below any broker's limit.
const (
	MaxDeadLetterValue  = 8 << 10 // bytes of the original message carried
	MaxDeadLetterKey    = 256     // bytes of the original key carried
	MaxDeadLetterReason = 500     // characters of the reason, an ellipsis included
)

// ArchivedNote is DeadLetter.Archived as ingest writes it.
const ArchivedNote = "原始消息已完整加密存档于 raw_messages 与 ingest_errors 表（按 source_topic、source_partition、source_offset 查找）"

// NewDeadLetter is the dead letter of the message at topic/partition/offset with the given key
// and value, rejected with e at the given time. It carries at most MaxDeadLetterKey bytes of
// the key, MaxDeadLetterValue bytes of the value and MaxDeadLetterReason characters of the
// reason.
func NewDeadLetter(topic string, partition int, offset int64, key, value []byte, e *Error, at time.Time) DeadLetter {
	dl := DeadLetter{
		Schema: SchemaDLQ, Topic: topic, Partition: partition, Offset: offset,
		Key: key, Value: value, ValueSize: len(value), Archived: ArchivedNote,
		Error:    DeadLetterError{Code: e.Code, Field: e.Field, Reason: clip(e.Reason, MaxDeadLetterReason-1)},
		FailedAt: NewTime(at),
	}
	if len(key) > MaxDeadLetterKey {
		dl.Key, dl.KeyTruncated = key[:MaxDeadLetterKey], true
	}
	if len(value) > MaxDeadLetterValue {
		dl.Value, dl.ValueTruncated = cutUTF8(value, MaxDeadLetterValue), true
	}
	return dl
}

// cutUTF8 is b[:n], shortened to the start of a character cut in two (when b is UTF-8 there).
func cutUTF8(b []byte, n int) []byte {
	for i := n; i > n-utf8.UTFMax && i > 0; i-- {
		if utf8.RuneStart(b[i]) {
			return b[:i]
		}
	}
	return b[:n]
}
