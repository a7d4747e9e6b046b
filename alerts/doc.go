// Package alerts runs ecowatch's detectors and turns what they find into warnings, notices
// and deliveries.
//
// A detector reads ClickHouse (through store) as of a time T and returns Findings, one per
// situation, each with a stable key. The Reconciler compares them with the warnings already
// open: a new situation opens a warning, a changed one updates it (a higher level or new
// recipients is an escalation), a situation no longer found closes it. A warning is never
// re-issued as new at every run. Changes are written as warning revisions (the outbox);
// notices (催办通知, 督办通知, 预警通知书) are written once per recipient and revision that calls
// for one; the warnings.v1 topic receives every revision exactly once per channel, through the
// deliveries acknowledgement table.
//
// Detectors here: overdue (催办, every deadline of the regulations) and supervision (督办:
// repeated complaints, complaints after a substantiated closure, resubmissions, procedure
// violations). The statistics of clustered complaints live in alerts/cluster.
//
// It must not read Kafka input topics nor the sealed contacts: warnings and notices never carry
// reporter identity.
package alerts
