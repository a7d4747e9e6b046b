// Package pipeline turns validated messages into the rows of a batch, one Table per ClickHouse
// table, column by column in the Go types the ClickHouse driver appends whole (no copy in
// between: a batch is written by store.InsertColumns, and reused for the next one).
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
