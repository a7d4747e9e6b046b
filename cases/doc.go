// Package cases owns the case-state stage: every case received within the history window is
// evaluated as of a time T by the lifecycle rules (package lifecycle), and the result is
// saved as one snapshot — case_states (one row per case: stage, responsible bureau, matter,
// overdue steps, violations), case_deadlines (one row per deadline) and merge_suggestions
// (groups of likely duplicates, 12369 Art. 9(4)). The dashboards and the disclosure read the
// latest snapshot; the overdue and supervision detectors (alerts/detect) read the evaluated
// cases in memory, through Stage.Evaluate, so that one cycle evaluates a national history once.
//
// In production the stage is its own scheduled job of `ecowatch run` (alerts.schedule.cases);
// `ecowatch cases --at T` runs it once.
//
// It reads case histories and writes the snapshot through store (store.CaseHistories,
// store.SaveCaseStates, store.SaveMergeSuggestions: the insert API stays there). It must not
// issue warnings or notices (that is alerts), nor read Kafka or reporter identity: a case
// carries the reporter's pseudonym only.
package cases
