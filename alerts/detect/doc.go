// Package detect holds ecowatch's detectors, each an alerts.Detector in its own file, and
// their registration (Registry):
//
//   - overdue (催办): every deadline of the regulations missed and not done;
//   - supervision (督办): repeated complaints, complaints after a substantiated closure,
//     resubmissions, procedure violations;
//   - emergency (突发事件、群体性事件倾向): flags and text signals, immediately;
//   - cluster (公众集中举报): the statistics of package alerts/cluster over counties;
//   - watershed (流域污染): the same statistics over basin units, along rivers.
//
// The first two read the cases evaluated as of the run (package cases, through
// alerts.Input.Cases); the others read report points (alerts.Input.Points). A detector turns
// what it finds into alerts.Findings with the Chinese facts a notice states; it does not open,
// update or close warnings (reconciliation does), write files or read Kafka, and never sees
// reporter identity (a reporter is a pseudonym, or nothing).
//
// Adding a detector: write its file (a type with Name, Kinds and Detect, and a constructor),
// add it to Registry, add its schedule setting alerts.schedule.<name> to package config.
package detect
