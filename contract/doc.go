// Package contract defines the v1 wire contracts of ecowatch — reports.v1, case-events.v1,
// warnings.v1 and dlq.v1 — as Go types, and decodes and validates incoming messages against
// them.
//
// It owns the meaning of every field and the stable error codes that a rejected message is
// dead-lettered with. It does no I/O: it does not know Kafka or ClickHouse. Region codes are
// checked through the small RegionChecker interface so that the contract does not depend on how
// reference data is loaded.
//
// Error messages never quote the reporter's identity: a bad value in the reporter object is
// named by field only.
package contract

// Topic names (defaults; configurable) and schema identifiers.
const (
	SchemaReports    = "reports.v1"
	SchemaCaseEvents = "case-events.v1"
	SchemaWarnings   = "warnings.v1"
	SchemaDLQ        = "dlq.v1"
)

// MaxMessageBytes bounds an input message. The largest real complaints (long petitions typed
// from letters) are well under 64 KiB; 256 KiB leaves room and keeps a hostile producer from
// making one message cost a batch's worth of memory.
const MaxMessageBytes = 256 << 10

// RegionChecker answers whether a GB/T 2260 code is a known division. *region.Table implements it.
type RegionChecker interface {
	Valid(code string) bool
}
