package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/dashboards"
	"github.com/ecowatch/ecowatch/internal/browsertest"
	"github.com/ecowatch/ecowatch/internal/testenv"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/simulate"
)

// TestDashboardsFromTheRealPipeline simulates three months of Guangdong, ingests them through
// Kafka, evaluates the cases and warnings, generates the national dashboards and checks the
// headline figures against direct ClickHouse counts; then it renders the national page in
// headless Chromium.
func TestDashboardsFromTheRealPipeline(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	from := time.Date(2026, 6, 1, 0, 0, 0, 0, calendar.Shanghai)
	cfg := simulate.Config{From: from, To: from.AddDate(0, 3, 0), Scope: region.MustScope("440000"), ReportsPerYear: 9000, Seed: 23}
	_, identities := simulateAndIngest(t, env, cfg)

	ctx := context.Background()
	at := time.Date(2026, 8, 31, 17, 30, 0, 0, calendar.Shanghai) // a Monday: the week is today
	// Case states and the case detectors' warnings, as `ecowatch alerts run` makes them.
	caseCycle(t, env, at)

	out := filepath.Join(t.TempDir(), "dashboards")
	started := time.Now()
	index, err := dashboards.Generate(ctx, env.Store, dashboards.Options{Out: out, At: at,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("generated in %s", time.Since(started).Round(time.Millisecond))

	// Headline figures against counts on the reports_latest view.
	end := at.Add(time.Second)
	day := time.Date(2026, 8, 31, 0, 0, 0, 0, calendar.Shanghai)
	spans := map[string][2]time.Time{
		"today":                         {day, end},
		"yesterday_same_hours":          {day.AddDate(0, 0, -1), end.AddDate(0, 0, -1)},
		"last_week_same_day_same_hours": {day.AddDate(0, 0, -7), end.AddDate(0, 0, -7)},
		"week":                          {day, end},
		"previous_week_same_time":       {day.AddDate(0, 0, -7), end.AddDate(0, 0, -7)},
		"quarter":                       {time.Date(2026, 7, 1, 0, 0, 0, 0, calendar.Shanghai), end},
		"previous_quarter_same_time":    {time.Date(2026, 4, 1, 0, 0, 0, 0, calendar.Shanghai), time.Date(2026, 6, 1, 17, 30, 1, 0, calendar.Shanghai)},
		"last_30_days":                  {day.AddDate(0, 0, -29), end},
		"previous_30_days":              {day.AddDate(0, 0, -59), day.AddDate(0, 0, -29)},
	}
	for file, where := range map[string]string{"index.json": "1", "440000.json": "province_code = '440000'", "440300.json": "city_code = '440300'"} {
		f := figures(t, out, file)
		for name, s := range spans {
			want := count(t, env, "SELECT count() FROM reports_latest WHERE received_at >= ? AND received_at < ? AND "+where, s[0], s[1])
			if got := uint64(f[name].(float64)); got != want {
				t.Errorf("%s %s = %d, ClickHouse counts %d", file, name, got, want)
			}
		}
	}
	nation := figures(t, out, "index.json")
	if nation["today"].(float64) == 0 || nation["last_30_days"].(float64) < 300 {
		t.Fatalf("too little data to check anything: %v today, %v in 30 days", nation["today"], nation["last_30_days"])
	}
	for ch, n := range nation["channels_last_30_days"].(map[string]any) {
		want := count(t, env, "SELECT count() FROM reports_latest WHERE received_at >= ? AND received_at < ? AND channel = ?",
			spans["last_30_days"][0], end, ch)
		if uint64(n.(float64)) != want {
			t.Errorf("channel %s: %v, ClickHouse counts %d", ch, n, want)
		}
	}
	openWarnings := count(t, env, `SELECT count() FROM (SELECT warning_id, argMax(status, revision) AS s FROM warnings
		WHERE issued_at <= ? GROUP BY warning_id) WHERE s != 'closed'`, at)
	if got := uint64(nation["open_warnings"].(float64)); got != openWarnings || got == 0 {
		t.Errorf("open warnings %d, ClickHouse counts %d", got, openWarnings)
	}
	overdue := count(t, env, `SELECT count() FROM case_deadlines FINAL WHERE start_at <= ? AND start_at != toDateTime(0)
		AND due_at < ? AND (done_at = toDateTime(0) OR done_at > ?) AND status != 'paused'`, at, at, at)
	if got := uint64(nation["overdue"].(float64)); got != overdue || got == 0 {
		t.Errorf("overdue %d, ClickHouse counts %d", got, overdue)
	}

	// The target lists: the first listed target of Guangdong has the most reports of the last
	// 30 days, and every repeat target has at least 3 reports in 2 different weeks.
	gd := figures(t, out, "440000.json")
	top, _ := gd["top_targets"].([]any)
	if len(top) == 0 {
		t.Fatal("no top targets for Guangdong")
	}
	most := count(t, env, `SELECT max(c) FROM (SELECT target_key, count() AS c FROM reports_latest
		WHERE received_at >= ? AND received_at < ? AND target_key != '' GROUP BY target_key)`, spans["last_30_days"][0], end)
	if got := count(t, env, `SELECT count() FROM reports_latest WHERE received_at >= ? AND received_at < ? AND target_key = ?`,
		spans["last_30_days"][0], end, top[0].(string)); got != most {
		t.Errorf("first top target %s has %d reports in 30 days; the most reported has %d", top[0], got, most)
	}
	repeats, _ := gd["repeat_targets"].([]any)
	for _, k := range repeats {
		n := count(t, env, `SELECT count() FROM reports_latest WHERE received_at >= ? AND received_at < ? AND target_key = ?`,
			day.AddDate(0, 0, -89), end, k.(string))
		weeks := count(t, env, `SELECT uniqExact(toMonday(received_at)) FROM reports_latest WHERE received_at >= ? AND received_at < ? AND target_key = ?`,
			day.AddDate(0, 0, -89), end, k.(string))
		if n < 3 || weeks < 2 {
			t.Errorf("repeat target %s: %d reports in %d weeks", k, n, weeks)
		}
	}

	// No reporter identity and no complaint text anywhere in the site.
	texts := map[string]bool{}
	rows, err := env.Store.Conn().Query(ctx, "SELECT title FROM reports_latest WHERE length(title) >= 8 ORDER BY report_id LIMIT 200")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		texts[s] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	pages, _ := filepath.Glob(filepath.Join(out, "*.html"))
	jsons, _ := filepath.Glob(filepath.Join(out, "*.json"))
	for _, p := range append(pages, jsons...) {
		b, _ := os.ReadFile(p)
		for s := range identities {
			if strings.Contains(string(b), s) {
				t.Errorf("%s contains a reporter identity", filepath.Base(p))
			}
		}
		for s := range texts {
			if strings.Contains(string(b), s) {
				t.Errorf("%s contains a complaint title %q", filepath.Base(p), s)
			}
		}
	}

	// The national page in a real browser: no script error, nothing fetched from outside the
	// folder, the charts drawn.
	shot := filepath.Join(os.TempDir(), "ecowatch-dashboard-national.png")
	res := browsertest.Open(t, "file://"+index, browsertest.Options{Width: 1366, Height: 1400, Screenshot: shot, Settle: 1500 * time.Millisecond})
	t.Logf("screenshot: %s", res.Screenshot)
	for _, e := range res.ConsoleErrors {
		t.Errorf("browser: %s", e)
	}
	for _, r := range res.Requests {
		if !strings.HasPrefix(r, "file://"+out+"/") {
			t.Errorf("request leaving the folder: %s", r)
		}
	}
	if !contains(res.Requests, "file://"+out+"/assets/echarts.min.js") || !contains(res.Requests, "file://"+out+"/assets/maps/china.js") {
		t.Errorf("the chart script and the map were not loaded: %v", res.Requests)
	}
	// Drawn: the map's darkest blue (Guangdong, the only province with reports, is the top of
	// the scale) and the trend's category colours are on the screen.
	for name, c := range map[string][3]uint8{"map (#08306b)": {0x08, 0x30, 0x6b}, "trend, air (#5470c6)": {0x54, 0x70, 0xc6},
		"trend, noise (#fac858)": {0xfa, 0xc8, 0x58}} {
		if n := pixels(t, res.Screenshot, c); n < 200 {
			t.Errorf("%s: %d pixels of its colour on the screenshot; the chart was not drawn", name, n)
		}
	}
	// A province page too, at a large-screen size.
	shot2 := filepath.Join(os.TempDir(), "ecowatch-dashboard-440000-wall.png")
	res = browsertest.Open(t, "file://"+filepath.Join(out, "440000.html"), browsertest.Options{Width: 1920, Height: 1080, Screenshot: shot2})
	t.Logf("screenshot: %s", res.Screenshot)
	for _, e := range res.ConsoleErrors {
		t.Errorf("browser (440000): %s", e)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func figures(t testing.TB, dir, file string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// pixels counts the pixels of the PNG within a small distance of colour c.
func pixels(t *testing.T, path string, c [3]uint8) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	near := func(a uint32, b uint8) bool {
		d := int(a>>8) - int(b)
		return d > -12 && d < 12
	}
	n := 0
	bounds := img.Bounds()
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if near(r, c[0]) && near(g, c[1]) && near(b, c[2]) {
				n++
			}
		}
	}
	return n
}

// BenchmarkDashboardNational generates the national dashboards over 10 million reports spread
// over the whole country and the year before At (with 20 million case deadlines, 10 million
// archived messages and 5,000 warnings), written straight into ClickHouse by INSERT … SELECT.
// It reports the time of one generation (every province and city page) and the pages written.
func BenchmarkDashboardNational(b *testing.B) {
	const n = 10_000_000
	env := testenv.New(b)
	ctx := context.Background()
	at := time.Date(2026, 9, 30, 18, 0, 0, 0, calendar.Shanghai)
	leaves := region.Default().Leaves("")
	var codes, provinces, cities []string
	for _, d := range leaves {
		p, _ := region.Default().Province(d.Code)
		c, _ := region.Default().Prefecture(d.Code)
		codes = append(codes, "'"+d.Code+"'")
		provinces = append(provinces, "'"+p.Code+"'")
		cities = append(cities, "'"+c.Code+"'")
	}
	arr := func(s []string) string { return "[" + strings.Join(s, ",") + "]" }
	pick := fmt.Sprintf("(intHash32(number * 13) %% %d) + 1", len(codes))
	started := time.Now()
	stmts := []string{
		`INSERT INTO reports (report_id, version, kind, channel, received_at, region_code, province_code, city_code,
			county_code, category, categories, target_key, target_name, reporter_pseudonym, ingested_at)
		SELECT concat('B-', toString(number)), 1, if(number % 14 = 0, 'petition', 'report'),
			arrayElement(['phone','phone','wechat','wechat','web','letter','visit','email'], (intHash32(number * 3) % 8) + 1),
			toDateTime(` + fmt.Sprint(at.Unix()) + `) - (intHash32(number * 5) % 31536000) AS t,
			arrayElement(` + arr(codes) + `, ` + pick + `), arrayElement(` + arr(provinces) + `, ` + pick + `),
			arrayElement(` + arr(cities) + `, ` + pick + `), arrayElement(` + arr(codes) + `, ` + pick + `),
			arrayElement(['air','air','noise','noise','water','solid_waste','ecology','other'], (intHash32(number * 7) % 8) + 1),
			[arrayElement(['air','noise','water'], (intHash32(number * 7) % 3) + 1)],
			if(intHash32(number * 11) % 10 < 6, concat('uscc:', toString(intHash32(number * 17) % 2000000)), ''),
			concat('某某企业', toString(intHash32(number * 17) % 2000000)),
			toString(intHash32(number * 19) % 5000000), t + 5
		FROM numbers(` + fmt.Sprint(n) + `)`,
		`INSERT INTO case_deadlines (report_id, step, org, start_at, due_at, done_at, status, as_of)
		SELECT concat('B-', toString(intDiv(number, 2))), if(number % 2 = 0, 'accept', 'close'),
			arrayElement(` + arr(codes) + `, (intHash32(intDiv(number, 2) * 13) % ` + fmt.Sprint(len(codes)) + `) + 1),
			toDateTime(` + fmt.Sprint(at.Unix()) + `) - (intHash32(intDiv(number, 2) * 5) % 31536000) AS s,
			s + if(number % 2 = 0, 15, 60) * 86400 AS d,
			if(intHash32(number) % 50 = 0, toDateTime(0), s + (intHash32(number * 23) % (if(number % 2 = 0, 17, 66) * 86400))) AS done,
			if(done = toDateTime(0), 'pending', if(done <= d, 'met', 'missed_done')),
			toDateTime(` + fmt.Sprint(at.Unix()) + `)
		FROM numbers(` + fmt.Sprint(2*n) + `)`,
		`INSERT INTO raw_messages (topic, partition, offset, message_time, outcome, ingested_at)
		SELECT 'reports.v1', toInt32(number % 12), toInt64(number),
			toDateTime(` + fmt.Sprint(at.Unix()) + `) - (intHash32(number * 5) % 31536000) AS m, 'stored', m + 2
		FROM numbers(` + fmt.Sprint(n) + `)`,
		`INSERT INTO warnings (warning_id, revision, kind, status, level, title, region_codes, recipient_names, opened_at, issued_at)
		SELECT concat('W-', toString(number)), 1, 'overdue', if(number % 3 = 0, 'closed', 'open'), toUInt8(2 + number % 2),
			concat('举报件办结环节超期：B-', toString(number)), [arrayElement(` + arr(codes) + `, ` + pick + `)], ['某生态环境局'],
			toDateTime(` + fmt.Sprint(at.Unix()) + `) - (number % 60) * 86400 AS o, o
		FROM numbers(5000)`,
	}
	for _, q := range stmts {
		if err := env.Store.Conn().Exec(ctx, q); err != nil {
			b.Fatalf("loading the benchmark data: %v", err)
		}
	}
	b.Logf("loaded %d reports in %s", n, time.Since(started).Round(time.Second))
	out := filepath.Join(b.TempDir(), "dashboards")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	pages := 0
	b.ResetTimer()
	for b.Loop() {
		if _, err := dashboards.Generate(ctx, env.Store, dashboards.Options{Out: out, At: at, Log: log}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	files, _ := filepath.Glob(filepath.Join(out, "*.html"))
	pages = len(files)
	b.ReportMetric(float64(pages), "pages")
	f := figures(b, out, "index.json")
	if uint64(f["quarter"].(float64)) == 0 || pages < 300 {
		b.Fatalf("%d pages, %v reports this quarter", pages, f["quarter"])
	}
}
