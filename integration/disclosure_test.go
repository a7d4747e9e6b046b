package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/internal/browsertest"
	"github.com/ecowatch/ecowatch/internal/testenv"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/reports"
	"github.com/ecowatch/ecowatch/reports/reportstest"
	"github.com/ecowatch/ecowatch/simulate"
	"github.com/ecowatch/ecowatch/store"
)

// disclosureSink is kafkaSink that also keeps some report and event messages, to send them
// again (redelivery) and to correct them (a higher version).
type disclosureSink struct {
	kafkaSink
	reports, events []simulate.Message
}

func (s *disclosureSink) Write(ctx context.Context, msgs []simulate.Message) error {
	q3 := time.Date(2026, 7, 1, 0, 0, 0, 0, calendar.Shanghai)
	for _, m := range msgs {
		switch {
		case m.Topic == simulate.TopicReports && (len(s.reports) < 200 || !m.Time.Before(q3) && len(s.reports) < 400):
			s.reports = append(s.reports, m)
		case m.Topic == simulate.TopicCaseEvents && len(s.events) < 400:
			s.events = append(s.events, m)
		}
	}
	return s.kafkaSink.Write(ctx, msgs)
}

// TestQuarterlyDisclosureOfASimulatedProvince simulates two quarters of 广东省 through Kafka
// into ClickHouse (with redelivered messages and corrected reports), evaluates the cases,
// writes the 2026Q3 disclosure, checks its figures against direct counts on the latest-version
// views, reruns it byte for byte, searches every file for reporter identity, report text and
// report ids, and renders the page in headless Chromium.
func TestQuarterlyDisclosureOfASimulatedProvince(t *testing.T) {
	t.Parallel()
	browsertest.Require(t)
	env := testenv.New(t)
	ctx := context.Background()
	from := time.Date(2026, 4, 1, 0, 0, 0, 0, calendar.Shanghai)
	cfg := simulate.Config{From: from, To: from.AddDate(0, 6, 0), Scope: region.MustScope("440000"), ReportsPerYear: 6000, Seed: 23}
	sink := &disclosureSink{kafkaSink: kafkaSink{t: t, env: env, identities: map[string]bool{}}}
	truth, err := simulate.Run(ctx, cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	// redeliver messages, and correct some reports of the quarter: a higher version moves them
	// to another category and county (the disclosure must count the latest version, once)
	var again, fixes []kafka.Message
	corrected := 0
	for _, m := range sink.reports {
		var r contract.Report
		if strings.HasPrefix(m.Key, "bad-") {
			continue // a malformed message: dead-lettered again
		}
		again = append(again, kafka.Message{Key: []byte(m.Key), Value: m.Value})
		if json.Unmarshal(m.Value, &r) != nil || r.Received().Before(time.Date(2026, 7, 1, 0, 0, 0, 0, calendar.Shanghai)) || corrected == 40 {
			continue
		}
		r.Version, r.Category, r.Categories, r.Subcategory, r.RegionCode = 2, "soil", nil, "土壤污染", "440105"
		if corrected%8 == 0 {
			r.RegionCode = "310104" // moved out of the province: no longer in its report
		}
		b, _ := json.Marshal(r)
		fixes = append(fixes, kafka.Message{Key: []byte(r.ReportID), Value: b})
		corrected++
	}
	env.Produce(t, env.Config.Kafka.TopicReports, append(again, fixes...)...)
	var events []kafka.Message
	for _, m := range sink.events {
		events = append(events, kafka.Message{Key: []byte(m.Key), Value: m.Value})
	}
	env.Produce(t, env.Config.Kafka.TopicEvents, events...)
	st := runIngest(t, env, 5000)
	if st.Reports != truth.Totals.Reports+len(again)+len(fixes) {
		t.Fatalf("ingested %d report messages, produced %d", st.Reports, truth.Totals.Reports+len(again)+len(fixes))
	}
	if corrected < 20 {
		t.Fatalf("only %d reports corrected", corrected)
	}

	regions := region.Default()
	// Case states and the case detectors' warnings, as `ecowatch alerts run` makes them.
	caseCycle(t, env, cfg.To)

	q, _ := reports.ParseQuarter("2026Q3")
	dir, dir2 := filepath.Join(t.TempDir(), "site"), filepath.Join(t.TempDir(), "site")
	var progress bytes.Buffer
	started := time.Now()
	if err := reports.Generate(ctx, env.Store, reports.Options{Quarter: q, Scope: region.MustScope("440000"), Out: dir, Progress: &progress}); err != nil {
		t.Fatal(err)
	}
	t.Logf("report generated in %s", time.Since(started).Round(time.Millisecond))
	if err := reports.Generate(ctx, env.Store, reports.Options{Quarter: q, Scope: region.MustScope("440000"), Out: dir2}); err != nil {
		t.Fatal(err)
	}
	files, files2 := siteFiles(t, dir), siteFiles(t, dir2)
	if len(files) != len(files2) {
		t.Fatalf("%d files, then %d", len(files), len(files2))
	}
	for name, b := range files {
		if !bytes.Equal(b, files2[name]) {
			t.Errorf("%s differs between two runs on the same data", name)
		}
	}

	// figures against direct counts on the latest-version views
	q0, q1 := "toDateTime('2026-07-01 00:00:00', 'Asia/Shanghai')", "toDateTime('2026-10-01 00:00:00', 'Asia/Shanghai')"
	p0 := "toDateTime('2026-04-01 00:00:00', 'Asia/Shanghai')"
	inQ := "received_at >= " + q0 + " AND received_at < " + q1 + " AND province_code = '440000'"
	inGD := "report_id IN (SELECT report_id FROM reports_latest WHERE province_code = '440000')" // latest version in the province
	overall := reportstest.Table(t, dir, "overall")
	check := func(table map[string]map[string]string, row, col string, want uint64) {
		t.Helper()
		if got := table[row][col]; got != strconv.FormatUint(want, 10) {
			t.Errorf("%s / %s = %s, ClickHouse says %d", row, col, got, want)
		}
	}
	received := count(t, env, "SELECT count() FROM reports_latest WHERE "+inQ)
	check(overall, "接到举报和信访", "total", received)
	check(overall, "接到举报和信访", "petition", count(t, env, "SELECT count() FROM reports_latest WHERE kind = 'petition' AND "+inQ))
	check(overall, "接到举报和信访", "previous", count(t, env,
		"SELECT count() FROM reports_latest WHERE received_at >= "+p0+" AND received_at < "+q0+" AND province_code = '440000'"))
	stepBy := func(typ string) uint64 {
		return count(t, env, `SELECT count() FROM reports_latest WHERE `+inQ+` AND report_id IN (
			SELECT report_id FROM case_events_latest WHERE type IN (`+typ+`) GROUP BY report_id HAVING min(at) < `+q1+`)`)
	}
	check(overall, "其中：受理", "total", stepBy("'accepted'"))
	check(overall, "不予受理", "total", stepBy("'rejected'"))
	check(overall, "交办、转办", "total", stepBy("'assigned', 'transferred'"))
	check(overall, "办结", "total", stepBy("'closed'"))
	check(overall, "答复举报人、信访人", "total", stepBy("'replied'"))
	check(overall, "接到的举报涉及事项数（合并同一事项后）", "total", count(t, env,
		"SELECT uniqExact(matter_id) FROM (SELECT report_id, argMax(matter_id, as_of) AS matter_id, argMax(received_at, as_of) AS received_at, "+
			"argMax(region_code, as_of) AS region_code FROM case_states GROUP BY report_id) WHERE received_at >= "+q0+" AND received_at < "+q1+" AND "+inGD))

	findings := reportstest.Table(t, dir, "findings")
	closedIn := `SELECT finding, count() FROM (SELECT report_id, argMax(finding, at) AS finding FROM case_events_latest
		WHERE type = 'closed' AND at >= ` + q0 + ` AND at < ` + q1 + ` GROUP BY report_id) WHERE ` + inGD + ` GROUP BY finding`
	rows, err := env.Store.Conn().Query(ctx, closedIn)
	if err != nil {
		t.Fatal(err)
	}
	var closedTotal uint64
	for rows.Next() {
		var f string
		var n uint64
		if err := rows.Scan(&f, &n); err != nil {
			t.Fatal(err)
		}
		check(findings, contract.FindingName(f), "quarter", n)
		closedTotal += n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	check(findings, "合计", "quarter", closedTotal)

	byRegion := reportstest.Table(t, dir, "by_region")
	rows, err = env.Store.Conn().Query(ctx, "SELECT city_code, count() FROM reports_latest WHERE "+inQ+" GROUP BY city_code")
	if err != nil {
		t.Fatal(err)
	}
	shown := 0
	for rows.Next() {
		var code string
		var n uint64
		if err := rows.Scan(&code, &n); err != nil {
			t.Fatal(err)
		}
		d, _ := regions.Lookup(code)
		if got := byRegion[d.Name]["quarter"]; got != strconv.FormatUint(n, 10) && !(n < 5 && got == "<5") && got != reports.HiddenMark {
			t.Errorf("by_region / %s = %s, ClickHouse says %d", d.Name, got, n)
		}
		shown++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if shown < 10 {
		t.Errorf("only %d prefectures with reports", shown)
	}
	soil := reportstest.Table(t, dir, "by_category")["土壤"]["quarter"]
	if want := count(t, env, "SELECT count() FROM reports_latest WHERE has(categories, 'soil') AND "+inQ); soil != strconv.FormatUint(want, 10) {
		t.Errorf("by_category / 土壤 = %s, ClickHouse says %d (%d reports corrected to soil)", soil, want, corrected)
	}
	same := func(table, row, col, query string) {
		t.Helper()
		got := reportstest.Table(t, dir, table)[row][col]
		want := count(t, env, query)
		if got != strconv.FormatUint(want, 10) && !(want < 5 && got == "<5") && got != reports.HiddenMark {
			t.Errorf("%s / %s / %s = %s, ClickHouse says %d", table, row, col, got, want)
		}
	}
	same("by_channel", "12369举报·电话", "quarter", "SELECT count() FROM reports_latest WHERE kind = 'report' AND channel = 'phone' AND "+inQ)
	same("by_channel", "信访·来访", "quarter", "SELECT count() FROM reports_latest WHERE kind = 'petition' AND channel = 'visit' AND "+inQ)
	same("by_month", "2026年8月", "total", "SELECT count() FROM reports_latest WHERE toMonth(received_at) = 8 AND "+inQ)
	same("by_industry", "建筑业", "quarter", "SELECT count() FROM reports_latest WHERE target_industry = '建筑业' AND "+inQ)
	same("rejection_reasons", "不属于职责范围", "total", `SELECT count() FROM reports_latest WHERE `+inQ+` AND report_id IN (
		SELECT report_id FROM case_events_latest WHERE type = 'rejected' GROUP BY report_id
		HAVING min(at) < `+q1+` AND argMin(reason, at) = '不属于职责范围')`)
	sub := readCSVFile(t, filepath.Join(dir, "data", "by_subcategory.csv"))
	if n := count(t, env, "SELECT count() FROM reports_latest WHERE category = 'air' AND subcategory = '恶臭/异味' AND "+inQ); !strings.Contains(sub, "大气,恶臭/异味,"+strconv.FormatUint(n, 10)+",") {
		t.Errorf("by_subcategory.csv has not 大气,恶臭/异味,%d:\n%s", n, sub)
	}
	cohort := reportstest.Table(t, dir, "cohort_60_days")["合计"]
	c0, c1 := "toDateTime('2026-05-02 00:00:00', 'Asia/Shanghai')", "toDateTime('2026-08-02 00:00:00', 'Asia/Shanghai')"
	cohortQuery := `SELECT %s FROM (SELECT report_id, minIf(at, type = 'accepted') AS acc, minIf(at, type = 'closed') AS cls,
		minIf(at, type = 'merged') AS mrg FROM case_events_latest GROUP BY report_id)
		WHERE acc >= ` + c0 + ` AND acc < ` + c1 + ` AND NOT (mrg > 0 AND mrg < ` + q1 + `)
			AND report_id IN (SELECT report_id FROM reports_latest WHERE province_code = '440000')`
	if want := count(t, env, strings.Replace(cohortQuery, "%s", "count()", 1)); cohort["accepted"] != strconv.FormatUint(want, 10) {
		t.Errorf("60-day cohort: %s accepted, ClickHouse says %d", cohort["accepted"], want)
	}
	if want := count(t, env, strings.Replace(cohortQuery, "%s", "countIf(cls > 0 AND cls < "+q1+")", 1)); cohort["closed"] != strconv.FormatUint(want, 10) {
		t.Errorf("60-day cohort: %s closed, ClickHouse says %d", cohort["closed"], want)
	}
	onTime := reportstest.Table(t, dir, "on_time")
	met := count(t, env, `SELECT countIf(status = 'met') FROM (SELECT report_id, step, argMax(status, as_of) AS status, argMax(due_at, as_of) AS due
		FROM case_deadlines GROUP BY report_id, step) WHERE step = 'accept' AND due >= `+q0+` AND due < `+q1+` AND `+inGD)
	check(onTime, "受理（15日内）", "met", met)
	if !strings.Contains(progress.String(), "querying") || !strings.Contains(progress.String(), "done:") {
		t.Errorf("no progress on the terminal: %q", progress.String())
	}

	// no reporter identity, report text or report id in any file of the site
	var ids []string
	rows, err = env.Store.Conn().Query(ctx, "SELECT DISTINCT report_id FROM reports")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	var texts []string
	rows, err = env.Store.Conn().Query(ctx, "SELECT content, title FROM reports_latest ORDER BY report_id LIMIT 300")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var content, title string
		if err := rows.Scan(&content, &title); err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{content, title} {
			if r := []rune(s); len(r) >= 16 {
				texts = append(texts, string(r[:16]))
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if len(ids) < 1000 || len(texts) < 300 {
		t.Fatalf("%d ids and %d texts to search for", len(ids), len(texts))
	}
	var paths []string
	for name, b := range files {
		paths = append(paths, filepath.Join(dir, name))
		if strings.HasPrefix(name, "assets/") {
			continue
		}
		text := string(b)
		for _, id := range ids {
			if strings.Contains(text, id) {
				t.Errorf("%s contains the report id %s", name, id)
				break
			}
		}
		for _, s := range texts {
			if strings.Contains(text, s) {
				t.Errorf("%s contains report text %q", name, s)
				break
			}
		}
	}
	assertNoIdentityInFiles(t, sink.identities, paths)

	// the page in a real browser: no script error, nothing fetched from outside the folder
	shotDir := t.TempDir()
	res := browsertest.Open(t, "file://"+filepath.Join(dir, "index.html"), browsertest.Options{
		Screenshot: filepath.Join(shotDir, "disclosure.png"), FullPage: true, PartHeight: 1100,
	})
	for _, e := range res.ConsoleErrors {
		t.Errorf("browser: %s", e)
	}
	for _, u := range res.Requests {
		if !strings.HasPrefix(u, "file://"+dir+"/") {
			t.Errorf("the page requested %s, outside its folder", u)
		}
	}
	if len(res.Requests) < 3 || !utf8.ValidString(res.Title) || !strings.Contains(res.Title, "2026年第三季度广东省") {
		t.Errorf("page %q made requests %v", res.Title, res.Requests)
	}
	t.Logf("screenshot: %s (%d parts)", res.Screenshot, len(res.Parts))
	if keep := os.Getenv("ECOWATCH_TEST_ARTIFACTS"); keep != "" {
		copyTree(t, dir, filepath.Join(keep, "disclosure-site"))
		copyTree(t, shotDir, filepath.Join(keep, "disclosure-screenshots"))
		t.Logf("site and screenshots copied to %s", keep)
	}
}

func siteFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	dir, err := filepath.EvalSymlinks(dir) // the site is a link to its current version
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		b, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := out["index.html"]; !ok || len(out) < 20 {
		t.Fatalf("the site in %s has %d files", dir, len(out))
	}
	return out
}

func readCSVFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(strings.ReplaceAll(string(b), "\r\n", "\n"), "\ufeff")
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if resolved, err := filepath.EvalSymlinks(from); err == nil {
		from = resolved
	}
	filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		b, _ := os.ReadFile(p)
		os.MkdirAll(filepath.Dir(filepath.Join(to, rel)), 0o755)
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	})
}

// TestCaseScoreRanksTheSameOnTheServerAndInGo runs both renderings of a CaseScore — the SQL the
// server ranks the typical-case candidates by, and CaseScore.Of — on the same cases, one for
// every part of the rule, against the real server.
func TestCaseScoreRanksTheSameOnTheServerAndInGo(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	sc := reports.CaseScore{
		Flags:            map[string]int{contract.FlagEmergency: 4, contract.FlagMedia: 2},
		Terms:            []reports.ScoredTerm{{Term: "移送公安", Points: 3}, {Term: "罚款", Points: 1}, {Term: "'引号\\斜杠", Points: 5}},
		SameTargetPoints: []int{1, 2, 3}, CoReportersAtLeast: 3, CoReporterPoints: 1,
	}
	type tc struct {
		flags   []string
		summary string
		target  int // reports of the quarter about the same target (0: no target)
		co      uint32
		want    int
	}
	cases := []tc{
		{want: 0},
		{flags: []string{contract.FlagEmergency, contract.FlagMedia}, want: 6},
		{flags: []string{contract.FlagMedia, contract.FlagMedia}, want: 2}, // a flag counts once
		{flags: []string{contract.FlagMassIncidentRisk}, want: 0},          // not in this rule
		{summary: "已罚款，并移送公安机关。", want: 4},
		{summary: "查明'引号\\斜杠一事。", want: 5}, // quoting: ' and \ in a term
		{target: 1, want: 0},
		{target: 2, want: 1},
		{target: 3, want: 2},
		{target: 6, want: 3},
		{co: 2, want: 0},
		{co: 3, want: 1},
		{flags: []string{contract.FlagEmergency}, summary: "罚款", target: 4, co: 5, want: 4 + 1 + 3 + 1},
	}
	q0 := time.Date(2026, 7, 1, 0, 0, 0, 0, calendar.Shanghai)
	var rs []*contract.Report
	var evs []*contract.CaseEvent
	for i, c := range cases {
		id := fmt.Sprintf("S-%02d", i)
		r := version(id, 1, q0.AddDate(0, 0, 1+i), "440305", "air")
		r.Flags, r.CoReporters = c.flags, c.co
		if c.target > 0 {
			r.Target = &contract.Target{Name: fmt.Sprintf("某某公司%02d", i), CreditCode: fmt.Sprintf("91440300MA5X%06d", i)}
			for k := 1; k < c.target; k++ { // the other reports about the same target in the quarter
				o := version(fmt.Sprintf("S-%02d-%d", i, k), 1, q0.AddDate(0, 1, k), "440106", "water")
				o.Target = r.Target
				rs = append(rs, o)
			}
		}
		rs = append(rs, r)
		evs = append(evs, &contract.CaseEvent{Schema: contract.SchemaCaseEvents, EventID: id + "-closed", ReportID: id,
			Type: contract.EventClosed, At: contract.NewTime(q0.AddDate(0, 1, 1+i)), OrgCode: "440305",
			Finding: contract.FindingSubstantiated, Summary: fmt.Sprintf("第%02d号。%s", i, c.summary)})
	}
	writeRows(t, env, rs, evs)
	quarter := store.Period{From: q0, To: q0.AddDate(0, 3, 0)}
	d, err := reports.NewReadModel(env.Store).Disclosure(context.Background(), reports.Query{
		Quarter: quarter, Previous: store.Period{From: q0.AddDate(0, -3, 0), To: q0},
		LastYear:  store.Period{From: q0.AddDate(-1, 0, 0), To: q0.AddDate(-1, 3, 0)},
		Cohort:    store.Period{From: q0.AddDate(0, 0, -60), To: q0.AddDate(0, 3, -60)},
		CaseScore: sc, Candidates: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Candidates) != len(cases) {
		t.Fatalf("%d candidates, want %d", len(d.Candidates), len(cases))
	}
	for k, c := range d.Candidates {
		var i int
		if _, err := fmt.Sscanf(c.Summary, "第%02d号。", &i); err != nil || i >= len(cases) {
			t.Fatalf("candidate %q", c.Summary)
		}
		if c.Score != cases[i].want || c.RankScore != cases[i].want {
			t.Errorf("case %d (%+v): the server scores %d, Go %d; want %d", i, cases[i], c.RankScore, c.Score, cases[i].want)
		}
		if k > 0 && c.RankScore > d.Candidates[k-1].RankScore {
			t.Errorf("candidate %d (score %d) ranked after one of score %d", k, c.RankScore, d.Candidates[k-1].RankScore)
		}
	}
}
