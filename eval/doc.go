// Package eval measures and replays the detectors, away from production code paths:
//
//   - the in-memory evaluation of the cluster statistics on the simulator's stream against
//     fixed-threshold baselines (Evaluate, SimulatedStream, Detection: `ecowatch eval
//     detection`, TestEval);
//   - the backtest, which replays a period through the alerts Runner as the schedule would
//     have run it (Backtest: `ecowatch alerts backtest`);
//   - the comparison of the warnings issued with the events the simulator injected (Compare:
//     `ecowatch alerts compare`).
//
// It is the one place production packages meet the simulator: alerts, alerts/cluster and the
// detectors never import package simulate. It reads ClickHouse only through store and the
// alerts Runner, and never sees reporter identity.
package eval
