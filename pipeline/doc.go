// Package pipeline turns validated messages into the Arrow record batches that are written to
// ClickHouse, one record per table.
//
// On the way it normalises (trims, removes control characters, Asia/Shanghai time), enriches
// (province / prefecture / county codes from the region code, the river basin), seals the
// reporter's identity into the contacts record, replaces it everywhere else with a keyed
// pseudonym, redacts phone numbers, ID numbers and e-mail addresses from free text, derives the
// target key used to find repeat targets, and seals raw message bytes for the archive.
//
// It does no I/O: it does not read Kafka and does not write ClickHouse. A Batch is filled by
// ingest and handed to store.
package pipeline
