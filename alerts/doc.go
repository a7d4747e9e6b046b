// Package alerts turns what detectors find into warnings: the Detector interface, the
// Registry of detectors, the Finding a detector returns, reconciliation, and the one Runner.
//
// A detector (package alerts/detect) reads, through an Input, the evaluated cases (package
// cases) or the report points (store) as of a time T, and returns Findings, one per situation,
// each with a stable key. Reconcile compares them with the warnings of the detector's kinds
// already open: a new situation opens a warning, a changed one updates it (a higher level or
// new recipients is an escalation), a situation no longer found closes it (unless the detector
// is a Holder that keeps it open a while). A warning is never re-issued as new at every run.
// Changes are written as warning revisions (the outbox). The Runner does, for each detector of
// a cycle: detect → reconcile → notices (through a NoticeWriter: alerts/deliver) → a row of
// detector_runs. `ecowatch alerts run`, the backtest (package eval) and the scheduled jobs of
// `ecowatch run` (package schedule) all use it.
//
// Subpackages: alerts/detect (the detectors and their registration), alerts/deliver (notice
// files, the warnings.v1 outbox, webhooks), alerts/cluster (the statistics of clustered
// complaints), alerts/notice (the form of a notice).
//
// It must not read Kafka input topics nor the sealed contacts: warnings and notices never carry
// reporter identity.
package alerts
