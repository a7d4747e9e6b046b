package integration

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/alerts/deliver"
	"github.com/ecowatch/ecowatch/alerts/detect"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/cases"
	"github.com/ecowatch/ecowatch/internal/testenv"
	"github.com/ecowatch/ecowatch/org"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/reports"
)

// fillSynthetic writes n synthetic reports spread evenly over [from, to), with an accepted and
// an assigned and a closed event each, straight into ClickHouse with INSERT … SELECT (generating 10 million
// rows through Kafka would take the benchmark longer than the thing it measures). Places are
// every county-level division, categories and channels follow the national mix, and one
// reporter in three reports more than once. Nothing here is used to check correctness.
func fillSynthetic(tb testing.TB, env *testenv.Env, n int, from, to time.Time) {
	tb.Helper()
	var codes []string
	for _, d := range region.Default().Leaves("") {
		codes = append(codes, "'"+d.Code+"'")
	}
	if len(codes) == 0 {
		for _, d := range region.Default().All(region.County) {
			codes = append(codes, "'"+d.Code+"'")
		}
	}
	list := "[" + strings.Join(codes, ",") + "]"
	cats := "['noise','noise','noise','air','air','air','water','solid_waste','soil','ecology','radiation','other']"
	chans := "['phone','phone','phone','phone','wechat','wechat','wechat','web','web','letter','visit']"
	span := to.Unix() - from.Unix()
	ctx := context.Background()
	const chunk = 2_000_000
	for start := 0; start < n; start += chunk {
		size := min(chunk, n-start)
		q := fmt.Sprintf(`INSERT INTO reports (report_id, version, kind, channel, received_at, region_code, province_code,
			city_code, county_code, basin, has_location, lat, lon, location_address, category, categories, subcategory, title,
			content, target_key, target_name, target_credit_code, target_address, target_industry, reporter_pseudonym,
			anonymous, co_reporters, flags, intake_org, src_topic, src_partition, src_offset, ingested_at)
		SELECT concat('bench-', toString(k)), 1, if(k %% 14 = 0, 'petition', 'report'),
			arrayElement(%[1]s, 1 + cityHash64(k, 2) %% length(%[1]s)), toDateTime(%[2]d + intDiv(k * %[3]d, %[4]d)),
			c, concat(substring(c, 1, 2), '0000'), concat(substring(c, 1, 4), '00'), c, '', 0, 0, 0, '',
			cat, [cat], '', '', '', if(k %% 5 = 0, concat('name:某某企业', toString(cityHash64(k) %% 50000)), ''), '', '', '', '',
			if(k %% 5 = 1, '', hex(cityHash64(k %% 3000000))), k %% 5 = 1, 0, [], '', 'bench', 0, k, now()
		FROM (SELECT number + %[5]d AS k, arrayElement(%[6]s, 1 + cityHash64(number + %[5]d, 1) %% length(%[6]s)) AS c,
			arrayElement(%[7]s, 1 + cityHash64(number + %[5]d, 3) %% length(%[7]s)) AS cat FROM numbers(%[8]d))`,
			chans, from.Unix(), span, n, start, list, cats, size)
		if err := env.Store.Conn().Exec(ctx, q); err != nil {
			tb.Fatalf("synthetic reports: %v", err)
		}
		ev := fmt.Sprintf(`INSERT INTO case_events (event_id, report_id, type, at, org_code, to_org_code, extension_days,
			merged_into, finding, reason, summary, src_topic, src_partition, src_offset, ingested_at)
		SELECT concat('bench-e', toString(k), '-', t), concat('bench-', toString(k)), t,
			toDateTime(%[1]d + intDiv(k * %[2]d, %[3]d) + multiIf(t = 'accepted', 86400 * 3, t = 'assigned', 86400 * 3 + 3600, 86400 * (10 + k %% 70))),
			'', '', 0, '', if(t = 'closed', ['substantiated','partly_substantiated','unsubstantiated'][1 + k %% 3], ''), '',
			if(t = 'closed', '经现场核查，已依法处理。', ''), 'bench', 0, k, now()
		FROM (SELECT number + %[4]d AS k FROM numbers(%[5]d)) ARRAY JOIN ['accepted', 'assigned', 'closed'] AS t`,
			from.Unix(), span, n, start, size)
		if err := env.Store.Conn().Exec(ctx, ev); err != nil {
			tb.Fatalf("synthetic events: %v", err)
		}
	}
	if got := count(tb, env, "SELECT count() FROM reports"); got != uint64(n) {
		tb.Fatalf("%d synthetic reports, want %d", got, n)
	}
}

// benchNow is the end of the synthetic national history.
var benchNow = time.Date(2026, 10, 1, 0, 0, 0, 0, calendar.Shanghai)

// BenchmarkDetectionCycle runs one cycle of every detector as of the end of a synthetic
// national history of 1 and 10 million reports (ten years; the case detectors read the last
// 400 days, the early-warning detectors the last eight weeks and a half), and the hourly
// cases and overdue jobs an hour later.
func BenchmarkDetectionCycle(b *testing.B) {
	for _, n := range []int{1_000_000, 10_000_000} {
		b.Run(fmt.Sprintf("reports=%dM", n/1_000_000), func(b *testing.B) {
			env := testenv.New(b)
			fillSynthetic(b, env, n, benchNow.AddDate(-10, 0, 0), benchNow)
			deps := detect.DefaultDeps()
			quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
			reg, err := detect.Registry(deps)
			if err != nil {
				b.Fatal(err)
			}
			stage := &cases.Stage{Store: env.Store, Regions: deps.Regions, Calendar: deps.Calendar, Log: quiet}
			runner := &alerts.Runner{Store: env.Store, Points: env.Store, Cases: stage, Log: quiet,
				Notices: &deliver.Notices{Store: env.Store, Orgs: org.New(deps.Regions), Regions: deps.Regions, Dir: b.TempDir()}}
			caseDetectors, _ := reg.Select("overdue,supervision")
			overdue, _ := reg.Select("overdue")
			early, _ := reg.Select("emergency,cluster,watershed")
			ctx := context.Background()
			b.ResetTimer()
			for b.Loop() {
				// The first cycle opens every warning and writes every notice. The next are the
				// hourly cases and overdue jobs of `ecowatch run` an hour later, due at the same
				// minute: they share one evaluation; the cases job saves every case's state and
				// deadlines, the overdue job finds its warnings open and writes nothing new.
				start := time.Now()
				if _, err := runner.Run(ctx, benchNow, caseDetectors); err != nil {
					b.Fatal(err)
				}
				caseCycle := time.Since(start)
				start = time.Now()
				var wg sync.WaitGroup
				var stageErr, overdueErr error
				wg.Go(func() { _, stageErr = stage.Run(ctx, benchNow.Add(time.Hour)) })
				wg.Go(func() { _, overdueErr = runner.Run(ctx, benchNow.Add(time.Hour), overdue) })
				wg.Wait()
				if err := errors.Join(stageErr, overdueErr); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(time.Since(start).Seconds(), "overdue-job-s")
				start = time.Now()
				if _, err := runner.Run(ctx, benchNow, early); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(caseCycle.Seconds(), "case-detectors-s")
				b.ReportMetric(time.Since(start).Seconds(), "early-warning-s")
			}
		})
	}
}

// BenchmarkQuarterlyDisclosure generates the public disclosure of the last quarter of a
// synthetic national history of 10 million reports over ten years, with the case states and
// deadlines the hourly case-state job saves, for the nation, a province and a prefecture.
func BenchmarkQuarterlyDisclosure(b *testing.B) {
	env := testenv.New(b)
	fillSynthetic(b, env, 10_000_000, benchNow.AddDate(-10, 0, 0), benchNow)
	stage := &cases.Stage{Store: env.Store, Regions: region.Default(), Calendar: calendar.Default(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx := context.Background()
	if _, err := stage.Run(ctx, benchNow); err != nil {
		b.Fatal(err)
	}
	q := reports.Quarter{Year: 2026, N: 3}
	scopes := []struct{ name, code string }{{"nation", ""}, {"province", "440000"}, {"prefecture", "440300"}}
	b.ResetTimer()
	for b.Loop() {
		for _, s := range scopes {
			start := time.Now()
			if err := reports.Generate(ctx, env.Store, reports.Options{Quarter: q, Scope: region.MustScope(s.code), Out: filepath.Join(b.TempDir(), s.name)}); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(time.Since(start).Seconds(), s.name+"-s")
		}
	}
}
