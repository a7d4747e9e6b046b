package main

import (
	"context"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/broker"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/simulate"
)

func runSimulate(ctx context.Context, e *env, args []string) error {
	fs := flags("simulate", e)
	from := fs.String("from", "", "start of the period (e.g. 2026-01-01), Asia/Shanghai")
	to := fs.String("to", "", "end of the period, exclusive")
	scope := fs.String("scope", "nation", "the simulated jurisdiction: "+simulate.ScopeHelp)
	seed := fs.Int64("seed", 1, "random seed: the same seed gives the same stream, byte for byte")
	perYear := fs.Int("rate", 0, "valid reports per year in the scope (0: the scope's share of 500,000)")
	out := fs.String("out", "", "write reports.jsonl, case-events.jsonl and truth.json to this folder instead of Kafka")
	truthPath := fs.String("truth", "", "with Kafka output: also write the ground truth to this folder")
	watershed := fs.Int("watershed", 0, "watershed incidents to inject (0: the scope's share of the yearly number)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return usageError{"--from and --to are required"}
	}
	f, err := parseTime("from", *from)
	if err != nil {
		return err
	}
	t, err := parseTime("to", *to)
	if err != nil {
		return err
	}
	if *perYear < 0 {
		return usageError{"--rate must not be negative"}
	}
	if *watershed < 0 {
		return usageError{"--watershed must not be negative"}
	}
	sc, err := simulatorScope(region.Default(), *scope)
	if err != nil {
		return err
	}
	cfg := simulate.Config{From: f, To: t, Scope: sc, Seed: *seed, ReportsPerYear: *perYear, WatershedIncidents: *watershed}

	var sink simulate.Sink
	truthDir := *out
	if *out != "" {
		fsink, err := simulate.NewFileSink(*out)
		if err != nil {
			return err
		}
		defer fsink.Close()
		sink = fsink
	} else {
		conn, err := e.broker()
		if err != nil {
			return err
		}
		kc := conn.Config()
		topics := map[string]string{simulate.TopicReports: kc.TopicReports, simulate.TopicCaseEvents: kc.TopicEvents}
		ksink := broker.NewSink(conn, func(m simulate.Message) (string, kafka.Message) {
			return topics[m.Topic], kafka.Message{Key: []byte(m.Key), Value: m.Value}
		})
		defer ksink.Close()
		sink = ksink
		truthDir = *truthPath
	}
	start := time.Now()
	truth, err := simulate.Run(ctx, cfg, sink)
	if err != nil {
		return err
	}
	if truthDir != "" {
		if err := simulate.WriteTruth(truthDir, truth); err != nil {
			return err
		}
	}
	tt := truth.Totals
	fmt.Fprintf(e.stdout, "simulate: %d reports (%d petitions, %d in injected events), %d case events, %d malformed messages in %s\n",
		tt.Reports, tt.Petitions, tt.InjectedReports, tt.CaseEvents, truth.Malformed, time.Since(start).Round(time.Millisecond))
	byType := map[string]int{}
	for _, ev := range truth.Events {
		byType[ev.Type]++
	}
	fmt.Fprintf(e.stdout, "simulate: injected %d clusters, %d watershed incidents, %d repeat targets, %d emergencies; %d missed deadlines planted\n",
		byType[simulate.EventCluster], byType[simulate.EventWatershed], byType[simulate.EventRepeat], byType[simulate.EventEmergency], len(truth.LateCases))
	return nil
}
