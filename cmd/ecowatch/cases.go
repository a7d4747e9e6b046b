package main

import (
	"context"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/cases"
	"github.com/ecowatch/ecowatch/region"
)

// runCases is the case-state stage once: every case evaluated as of --at and saved
// (case_states, case_deadlines, merge_suggestions), as the scheduled job does.
func runCases(ctx context.Context, e *env, args []string) error {
	fs := flags("cases", e)
	at := fs.String("at", "", "evaluate as of this time (default: now), e.g. 2026-10-01")
	if err := parse(fs, args); err != nil {
		return err
	}
	asOf := time.Now()
	if *at != "" {
		var err error
		if asOf, err = parseTime("at", *at); err != nil {
			return err
		}
	}
	s, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	stage := &cases.Stage{Store: s, Regions: region.Default(), Calendar: calendar.Default(), Log: e.log}
	res, err := stage.Run(ctx, asOf)
	if err != nil {
		return err
	}
	printCases(e, res)
	return nil
}
