package dashboards

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
	"github.com/ecowatch/ecowatch/webassets"
)

// Options of a generation.
type Options struct {
	// Out is the folder readers open (DIR): a link to the current version, see publish.
	Out string
	// At is the time the pages reflect; zero means now. Reports received after At, warnings
	// issued after it and deadlines done after it are not counted.
	At time.Time
	// Scope is "" for the nation, or a province code, or a prefecture code: the root page.
	Scope string
	// Regions is the division table; nil means region.Default().
	Regions *region.Table
	// Keep is the number of versions kept, the current one included; 0 means 2.
	Keep int
	// Now is the clock of the "generated at" line; nil means time.Now.
	Now func() time.Time
	Log *slog.Logger
}

// IndexFile is the root page of a site: the nation's page, or the scope's.
const IndexFile = "index.html"

//go:embed page.tmpl
var pageTemplate string

var tmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"stepName": func(s string) string { return stepNames[s] },
	"jsOption": func(s string) template.JS { return template.JS(safeJSON(s)) },
}).Parse(pageTemplate))

// Generate writes the dashboard site for opts.Scope as of opts.At into a new version of
// opts.Out and swaps it in. It returns the path of the root page (opts.Out/index.html). All the
// figures of all the pages come from the same few queries of src, run concurrently.
func Generate(ctx context.Context, src Source, opts Options) (string, error) {
	if opts.Out == "" {
		return "", fmt.Errorf("dashboards: no output folder")
	}
	regions := opts.Regions
	if regions == nil {
		regions = region.Default()
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	log := opts.Log
	if log == nil {
		log = slog.Default()
	}
	rootLevel, err := scopeLevel(regions, opts.Scope)
	if err != nil {
		return "", err
	}
	at := opts.At
	if at.IsZero() {
		at = now()
	}
	started := time.Now()
	p := newPeriods(at)

	d, err := fetch(ctx, src, opts.Scope, p)
	if err != nil {
		return "", err
	}
	fetched := time.Since(started)

	t := newTree(opts.Scope, regions)
	if opts.Scope != "" {
		t.get(opts.Scope, rootLevel)
	}
	t.addVolumes(d.counts.Volumes)
	t.addDaily(d.counts.Daily)
	t.addTargets(d.targets)
	t.addWarnings(d.warnings)
	t.addDeadlines(d.deadlines)

	s := &site{tree: t, periods: p, generated: now(), pageFiles: map[string]string{}}
	s.lag, s.lagTone = lagText(d.lag)
	pages := t.pages()
	var mapCodes []string
	for _, j := range pages {
		file := j.Code + ".html"
		if j.Code == opts.Scope {
			file = IndexFile
		}
		s.pageFiles[j.Code] = file
		if m, ok := mapFor(j.Code); ok {
			mapCodes = append(mapCodes, m.Code)
		}
	}

	err = publish(opts.Out, max(opts.Keep, 2), func(dir string) error {
		if err := webassets.WriteTo(dir, mapCodes...); err != nil {
			return fmt.Errorf("dashboards: writing the scripts and maps: %w", err)
		}
		return s.writeAll(ctx, dir, pages)
	})
	if err != nil {
		return "", err
	}
	log.Info("dashboards generated", "out", opts.Out, "scope", opts.Scope, "at", p.At.Format(time.RFC3339),
		"pages", len(pages), "queries", fetched.Round(time.Millisecond), "total", time.Since(started).Round(time.Millisecond))
	return filepath.Join(opts.Out, IndexFile), nil
}

// CheckScope reports whether scope can be the root of a site: "" (the nation), a province
// code or the code of a prefecture-level city (not a placeholder such as 110100 市辖区).
func CheckScope(scope string) error {
	_, err := scopeLevel(region.Default(), scope)
	return err
}

// scopeLevel checks a scope and returns the level of its page.
func scopeLevel(regions *region.Table, scope string) (int, error) {
	if scope == "" {
		return levelNation, nil
	}
	d, ok := regions.Lookup(scope)
	switch {
	case !ok:
		return 0, fmt.Errorf("dashboards: scope %q is not a region code", scope)
	case d.Level == region.Province:
		return levelProvince, nil
	case d.Level == region.Prefecture && !d.Placeholder():
		return levelCity, nil
	}
	return 0, fmt.Errorf("dashboards: scope %q (%s) is not a province or a prefecture-level city", scope, d.Name)
}

// data is everything the queries return.
type data struct {
	counts    *store.Counts
	targets   []store.TargetRow
	warnings  []store.OpenWarning
	deadlines []store.DeadlineRow
	lag       store.IngestLag
}

// fetch runs the queries concurrently.
func fetch(ctx context.Context, src Source, scope string, p periods) (*data, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var d data
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	run := func(f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
	run(func() (err error) {
		d.counts, err = src.DashboardCounts(ctx, store.CountQuery{Scope: scope, Spans: p.Spans[:], Trend: p.Trend, IngestedAfter: p.At})
		return err
	})
	run(func() (err error) {
		d.targets, err = src.DashboardTargets(ctx, store.TargetQuery{
			Scope: scope, Span: p.Trend, Recent: p.Spans[spanRecent], TopN: 10, RepeatMin: 3, RepeatWeeks: 2,
		})
		return err
	})
	run(func() (err error) {
		d.warnings, err = src.DashboardWarnings(ctx, p.At)
		return err
	})
	run(func() (err error) {
		d.deadlines, err = src.DashboardDeadlines(ctx, store.DeadlineQuery{Scope: scope, At: p.At, Due: p.Trend})
		return err
	})
	run(func() (err error) {
		d.lag, err = src.DashboardIngestLag(ctx, p.At)
		return err
	})
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	d.lag.Backfilled = d.counts.Backfilled
	return &d, nil
}

// writeAll renders the pages on as many goroutines as there are CPUs.
func (s *site) writeAll(ctx context.Context, dir string, pages []*jur) error {
	next := make(chan *jur)
	errs := make(chan error, runtime.NumCPU())
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range next {
				if err := s.write(dir, j); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	var err error
feed:
	for _, j := range pages {
		select {
		case next <- j:
		case err = <-errs:
			break feed
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	if err == nil {
		err = ctx.Err()
	}
	return err
}

// write renders one jurisdiction's page and its figures.
func (s *site) write(dir string, j *jur) error {
	pg, err := s.build(j)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, pg); err != nil {
		return fmt.Errorf("dashboards: rendering the page of %s: %w", j.Name, err)
	}
	file := s.pageFiles[j.Code]
	if err := os.WriteFile(filepath.Join(dir, file), buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("dashboards: %w", err)
	}
	f := j.figures(s.periods, s.pageOf)
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	name := strings.TrimSuffix(file, ".html") + ".json"
	if err := os.WriteFile(filepath.Join(dir, name), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("dashboards: %w", err)
	}
	return nil
}
