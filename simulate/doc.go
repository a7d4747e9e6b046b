// Package simulate generates a realistic, deterministic synthetic stream of reports.v1 and
// case-events.v1 messages with injected events whose truth is known, so that detection,
// disclosure reports and dashboards can be built and measured on data that looks like the
// real 12369 and petition channels.
//
// It owns: the volume model (population-like weights per county, weekday, hour-of-day,
// seasonal and holiday patterns), the Chinese texts, reported companies and fake reporter
// identities, case lifecycles with a controlled share of missed deadlines, injected events
// (space-time clusters, watershed incidents, repeat-complaint targets, emergencies),
// malformed messages, and the ground truth that describes all of them. A watershed incident
// is carried down the rivers at a speed within the flow classes of package basin, from a main
// river or a tributary into its receiving river, across several units; its truth names the
// units that report it and those its water reaches within a week (WatershedReach), in scope
// or not.
//
// It must not touch ClickHouse or Kafka: it streams Messages to a Sink. FileSink writes JSON
// lines; the Kafka sink lives with the Kafka code. Same Seed and Config give byte-identical
// output: every random draw comes from seeded PCG streams, no map is iterated without sorting,
// and the wall clock is never read.
//
// Reference data comes from region.Default, basin.Default and calendar.Default; none of it is
// modified.
package simulate
