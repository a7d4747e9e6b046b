// Package ingest consumes reports.v1 and case-events.v1 from Kafka in a consumer group and
// makes every message durable in ClickHouse: valid ones as rows, invalid ones as dead letters
// (dlq.v1 topic and the ingest_errors table) with a stable code and a readable reason.
//
// The guarantee: a message's offset is committed only after its rows, or its dead letter, are
// written. A crash re-delivers the uncommitted messages; the tables absorb the repeats, so
// at-least-once delivery gives exactly-once results. While ClickHouse or Kafka are down,
// ingest retries with backoff and holds its offsets; nothing is skipped.
//
// It owns the Kafka consumer, batching and commits. It writes no SQL (store does) and makes no
// business decision about a message beyond the contract's validation.
package ingest
