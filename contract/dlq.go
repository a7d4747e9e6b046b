package contract

// DeadLetter is one dlq.v1 message: an input message ingest could not accept, with why.
// Value holds the original bytes (base64 in JSON). Like the input topics it may contain
// reporter identity, so the dlq.v1 topic is protected like them and nothing downstream of
// ingest reads it.
type DeadLetter struct {
	Schema    string          `json:"schema"`
	Topic     string          `json:"source_topic"`
	Partition int             `json:"source_partition"`
	Offset    int64           `json:"source_offset"`
	Key       []byte          `json:"key"`
	Value     []byte          `json:"value"`
	Error     DeadLetterError `json:"error"`
	FailedAt  Time            `json:"failed_at"`
}

// DeadLetterError says why a message was dead-lettered: a stable code and a reason a person
// understands.
type DeadLetterError struct {
	Code   Code   `json:"code"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}
