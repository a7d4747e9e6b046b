package contract

import "fmt"

// Code is a stable, machine-readable reason for rejecting a message. Codes are part of the
// dlq.v1 contract: add new ones, never rename.
type Code string

// Error codes of dlq.v1.
const (
	CodeTooLarge      Code = "too_large"      // message exceeds MaxMessageBytes
	CodeInvalidUTF8   Code = "invalid_utf8"   // bytes are not valid UTF-8
	CodeNotJSON       Code = "not_json"       // not a JSON object, or malformed JSON
	CodeWrongType     Code = "wrong_type"     // a field has the wrong JSON type
	CodeUnknownSchema Code = "unknown_schema" // schema field absent or not the topic's schema
	CodeMissingField  Code = "missing_field"  // a required field is absent or empty
	CodeBadEnum       Code = "bad_enum"       // a value outside the contract's list
	CodeBadRegion     Code = "bad_region"     // region code not in GB/T 2260
	CodeBadTime       Code = "bad_time"       // unparsable or implausible timestamp
	CodeBadID         Code = "bad_id"         // report_id / event_id of the wrong form
	CodeBadValue      Code = "bad_value"      // a number or coordinate out of range
	CodeTooLong       Code = "too_long"       // a text field longer than allowed
	CodeUnknownTopic  Code = "unknown_topic"  // consumed from a topic ingest does not handle
)

// Error is a validation failure: which field, which rule, and a reason in Simplified Chinese
// for the operator who reads the dead letter.
type Error struct {
	Code   Code
	Field  string // JSON path of the field, empty for the whole message
	Reason string // human-readable, Simplified Chinese; never contains reporter identity
}

func (e *Error) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", e.Code, e.Reason)
	}
	return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Reason)
}

func errf(code Code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Reason: fmt.Sprintf(format, args...)}
}
