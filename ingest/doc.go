// Package ingest consumes reports.v1 and case-events.v1 from Kafka in a consumer group and
// makes every message durable in ClickHouse: valid ones as rows, invalid ones as dead letters
// (dlq.v1 topic and the ingest_errors table) with a stable code and a readable reason.
//
// The guarantee: a message's offset is committed only after its rows, or its dead letter, are
// written. A crash re-delivers the uncommitted messages; the tables absorb the repeats, so
// at-least-once delivery gives exactly-once results. While ClickHouse or Kafka are down,
// ingest retries with backoff and holds its offsets; nothing is skipped. On SIGTERM it
// finishes the batch in hand if its writes succeed, but retries nothing: what is not
// committed is delivered again to the next run.
//
// No message stops it: a message is checked against contract.MaxMessageBytes before any other
// work, every step on a message is linear in its size, a dead letter carries at most a bounded
// prefix of the message (the whole is sealed in the archive), and dead-letter batches are
// bounded by what the dead-letter topic accepts (read from the broker at start-up). A dead
// letter the topic still refuses is skipped with an error log and a metric; the message is in
// ingest_errors. Batches are bounded by bytes as well as by messages.
//
// It owns the Kafka consumer, batching and commits. It writes no SQL (store does) and makes no
// business decision about a message beyond the contract's validation.
package ingest
