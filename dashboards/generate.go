package dashboards

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/internal/output"
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
	// Scope is the root page: the nation (the zero Scope), a province or a prefecture-level
	// city (region.Table.ParseScope).
	Scope region.Scope
	// Regions is the division table; nil means region.Default().
	Regions *region.Table
	// Keep is the number of versions kept, the current one included; 0 means 2.
	Keep int
	// Now is the clock of the "generated at" line; nil means time.Now.
	Now func() time.Time
	// CheckEvery is how often a page served over HTTP looks for a newer generation
	// (GenerationFile) and reloads itself; 0 means a minute.
	CheckEvery time.Duration
	Log        *slog.Logger
}

// IndexFile is the root page of a site: the nation's page, or the scope's.
const IndexFile = "index.html"

//go:embed page.tmpl
var pageTemplate string

//go:embed static
var static embed.FS

// The page's own stylesheet and script, written beside webassets' files.
const (
	StyleFile  = webassets.Dir + "/dashboard.css"
	ScriptFile = webassets.Dir + "/dashboard.js"
)

func writeStatic(dir string) error {
	for file, src := range map[string]string{StyleFile: "static/dashboard.css", ScriptFile: "static/dashboard.js"} {
		b, err := static.ReadFile(src)
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, file), b, 0o644)
		}
		if err != nil {
			return fmt.Errorf("dashboards: writing %s: %w", file, err)
		}
	}
	return nil
}

// newGenerationID is unique per generation: the time and 32 random bits.
func newGenerationID(now time.Time) string {
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%d-%x", now.UnixNano(), b)
}

var tmpl = template.Must(template.New("page").Funcs(template.FuncMap{
	"jsOption": func(s string) template.JS { return template.JS(safeJSON(s)) },
}).Parse(pageTemplate))

// Generate reads the figures from ClickHouse (the read model, ReadModel) and writes the site:
// see GenerateFrom.
func Generate(ctx context.Context, db store.Querier, opts Options) (string, error) {
	return GenerateFrom(ctx, NewReadModel(db), opts)
}

// GenerateFrom writes the dashboard site for opts.Scope as of opts.At into a new version of
// opts.Out and swaps it in (output.Publish). It returns the path of the root page
// (opts.Out/index.html). All the figures of all the pages come from the same few queries of
// src, run concurrently.
func GenerateFrom(ctx context.Context, src Source, opts Options) (string, error) {
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
	scope := region.Nation()
	rootLevel := levelNation
	if !opts.Scope.IsNation() {
		var ok bool
		if scope, ok = regions.ScopeOf(opts.Scope.Code); !ok {
			return "", fmt.Errorf("dashboards: scope %s is not a province or a prefecture-level city (accepted: %s)", opts.Scope.Code, region.ScopeHelp)
		}
		rootLevel = levelProvince
		if scope.Level == region.Prefecture {
			rootLevel = levelCity
		}
	}
	at := opts.At
	if at.IsZero() {
		at = now()
	}
	started := time.Now()
	p := newPeriods(at)

	d, err := fetch(ctx, src, scope, p, scope.IsNation())
	if err != nil {
		return "", err
	}
	fetched := time.Since(started)

	t := newTree(scope, regions)
	if !scope.IsNation() {
		t.get(scope.Code, rootLevel)
	}
	t.addVolumes(d.counts.Volumes)
	t.addDaily(d.counts.Daily)
	t.addTargets(d.targets)
	t.addWarnings(d.warnings)
	t.addDeadlines(d.deadlines)

	every := opts.CheckEvery
	if every <= 0 {
		every = time.Minute
	}
	s := &site{tree: t, periods: p, generated: now(), pageFiles: map[string]string{}, gen: newGenerationID(now()),
		every: every, root: scope.Code, access: d.access}
	s.lag, s.lagTone = lagText(d.lag)
	pages := t.pages()
	var mapCodes []string
	for _, j := range pages {
		file := j.Code + ".html"
		if j.Code == scope.Code {
			file = IndexFile
		}
		s.pageFiles[j.Code] = file
		if m, ok := mapFor(j.Code); ok {
			mapCodes = append(mapCodes, m.Code)
		}
	}

	err = output.Publish(opts.Out, max(opts.Keep, 2), func(dir string) error {
		if err := webassets.WriteTo(dir, mapCodes...); err != nil {
			return fmt.Errorf("dashboards: writing the scripts and maps: %w", err)
		}
		if err := writeStatic(dir); err != nil {
			return err
		}
		if err := s.writeAll(ctx, dir, pages); err != nil {
			return err
		}
		// Last: a page that sees the new generation's file reloads into the new pages.
		g, err := json.MarshalIndent(Generation{ID: s.gen, Root: scope.String(), At: p.At.In(calendar.Shanghai).Format(time.RFC3339),
			GeneratedAt: s.generated.In(calendar.Shanghai).Format(time.RFC3339)}, "", "  ")
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, GenerationFile), append(g, '\n'), 0o644)
	})
	if err != nil {
		return "", err
	}
	log.Info("dashboards generated", "out", opts.Out, "scope", scope.String(), "at", p.At.Format(time.RFC3339),
		"pages", len(pages), "queries", fetched.Round(time.Millisecond), "total", time.Since(started).Round(time.Millisecond))
	return filepath.Join(opts.Out, IndexFile), nil
}

// data is everything the queries return.
type data struct {
	counts    *Counts
	targets   []TargetRow
	warnings  []OpenWarning
	deadlines []DeadlineRow
	lag       IngestLag
	access    *AccessSummary // nil unless asked for
}

// fetch runs the queries concurrently; the first error cancels the others.
func fetch(ctx context.Context, src Source, scope region.Scope, p periods, withAccess bool) (*data, error) {
	var d data
	g, ctx := errgroup.WithContext(ctx)
	if withAccess {
		g.Go(func() error {
			a, err := src.Access(ctx, store.Period{From: p.At.Add(-AccessSpan), To: p.At})
			d.access = &a
			return err
		})
	}
	g.Go(func() (err error) {
		d.counts, err = src.Counts(ctx, CountQuery{Scope: scope, Spans: p.Spans, Trend: p.Trend, IngestedAfter: p.At})
		return err
	})
	g.Go(func() (err error) {
		d.targets, err = src.Targets(ctx, TargetQuery{
			Scope: scope, Span: p.Trend, Recent: p.Spans[spanRecent], TopN: 10, RepeatMin: 3, RepeatWeeks: 2,
		})
		return err
	})
	g.Go(func() (err error) {
		d.warnings, err = src.Warnings(ctx, p.At)
		return err
	})
	g.Go(func() (err error) {
		d.deadlines, err = src.Deadlines(ctx, DeadlineQuery{Scope: scope, At: p.At, Due: p.Trend})
		return err
	})
	g.Go(func() (err error) {
		d.lag, err = src.IngestLag(ctx, p.At)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	d.lag.Backfilled = d.counts.Backfilled
	return &d, nil
}

// writeAll renders the pages on as many goroutines as there are CPUs; the first error stops
// the others.
func (s *site) writeAll(ctx context.Context, dir string, pages []*jur) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.NumCPU())
	for _, j := range pages {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return s.write(dir, j) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return ctx.Err() // cancelled while the pages were written
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
	if j.Code == s.root && s.access != nil {
		f.Access = accessFigures(s.access)
	}
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
