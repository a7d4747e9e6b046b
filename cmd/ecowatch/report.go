package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/reports"
)

// runReport writes the quarterly public disclosure of one jurisdiction as a static site.
func runReport(ctx context.Context, e *env, args []string) error {
	fs := flags("report", e)
	quarter := fs.String("quarter", "", "the quarter, e.g. 2026Q3 (form YYYYQn), Asia/Shanghai")
	scope := fs.String("scope", "", scopeFlagHelp+" (default: the nation)")
	out := fs.String("out", "", "folder to write (default: <out-dir>/disclosure/<quarter>[-<scope>])")
	threshold := fs.Int("threshold", reports.DefaultThreshold, "small-count threshold: counts below it in fine breakdowns are shown as \"<N\" or merged into 其他")
	cases := fs.Int("cases", 5, "number of typical cases")
	published := fs.String("published", "", "publication date printed on the page, e.g. 2026-10-09 (default: none)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *quarter == "" {
		return usageError{"--quarter is required (accepted form: YYYYQn, e.g. 2026Q3)"}
	}
	q, err := reports.ParseQuarter(*quarter)
	if err != nil {
		return usageError{fmt.Sprintf("--quarter %q is not a quarter (accepted form: YYYYQn, e.g. 2026Q3)", *quarter)}
	}
	if *threshold < 1 {
		return usageError{"--threshold must be at least 1 (1 turns the small-count rule off)"}
	}
	if *cases < 1 {
		return usageError{"--cases must be at least 1"}
	}
	regions := region.Default()
	sc, err := parseScope(regions, *scope)
	if err != nil {
		return err
	}
	var pub time.Time
	if *published != "" {
		if pub, err = parseTime("published", *published); err != nil {
			return err
		}
	}
	dir := *out
	if dir == "" {
		cfg, err := e.config()
		if err != nil {
			return err
		}
		name := q.String()
		if !sc.IsNation() {
			name += "-" + sc.Code
		}
		dir = filepath.Join(cfg.OutDir, "disclosure", name)
	}
	s, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := reports.Generate(ctx, s, reports.Options{
		Quarter: q, Scope: sc, Out: dir, Threshold: *threshold, TypicalCases: *cases,
		Published: pub, Regions: regions, Progress: e.stderr,
	}); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "report: %s written to %s\n", q, filepath.Join(dir, "index.html"))
	return nil
}
