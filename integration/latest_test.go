package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/basin"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/dashboards"
	"github.com/ecowatch/ecowatch/internal/testenv"
	"github.com/ecowatch/ecowatch/pipeline"
	"github.com/ecowatch/ecowatch/privacy"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/reports"
	"github.com/ecowatch/ecowatch/reports/reportstest"
	"github.com/ecowatch/ecowatch/store"
)

// writeRows writes reports and case events into ClickHouse the way ingest does (the pipeline's
// tables, store.InsertColumns), without Kafka: the tests below need exact control over
// the versions and their order of arrival. Each call is one insert (one part), as a batch of
// ingest would be.
func writeRows(t *testing.T, env *testenv.Env, rs []*contract.Report, evs []*contract.CaseEvent) {
	t.Helper()
	keys, err := privacy.ParseKey(testenv.TestKey)
	if err != nil {
		t.Fatal(err)
	}
	p := &pipeline.Pipeline{Regions: region.Default(), Basins: basin.Default(), Keys: keys}
	b := p.NewBatch()
	offset := time.Now().UnixNano()
	for _, r := range rs {
		v, _ := json.Marshal(r)
		offset++
		b.AddReport(pipeline.Source{Topic: "reports.v1", Offset: offset, Key: []byte(r.ReportID), Value: v, Time: r.ReceivedAt.Time}, r)
	}
	for _, e := range evs {
		v, _ := json.Marshal(e)
		offset++
		b.AddEvent(pipeline.Source{Topic: "case-events.v1", Offset: offset, Key: []byte(e.ReportID), Value: v, Time: e.At.Time}, e)
	}
	rows := b.Tables()
	ctx := context.Background()
	if err := env.Store.InsertColumns(ctx, store.TableReports, rows.Reports.Columns, rows.Reports.Values, rows.Reports.Len); err != nil {
		t.Fatal(err)
	}
	if err := env.Store.InsertColumns(ctx, store.TableCaseEvents, rows.CaseEvents.Columns, rows.CaseEvents.Values, rows.CaseEvents.Len); err != nil {
		t.Fatal(err)
	}
}

func sh(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, calendar.Shanghai)
}

// version is a report (or a corrected version of one) in Guangdong's air category unless
// changed.
func version(id string, v uint32, at time.Time, code, category string) *contract.Report {
	return &contract.Report{
		Schema: contract.SchemaReports, ReportID: id, Version: v, Kind: contract.KindReport, Channel: "phone",
		ReceivedAt: contract.NewTime(at), RegionCode: code, Category: category, Content: "某工厂排放异味。",
		Reporter: &contract.Reporter{Anonymous: true},
	}
}

// correctedReports are reports of 2026Q3 with corrections of every kind, written in three
// inserts (the order of arrival is not the order of versions for one of them).
func correctedReports(t *testing.T, env *testenv.Env) {
	t.Helper()
	writeRows(t, env, []*contract.Report{
		version("A", 1, sh(2026, 7, 10, 9), "440305", "air"),        // never corrected
		version("B", 1, sh(2026, 7, 11, 9), "440305", "air"),        // → water
		version("C", 1, sh(2026, 7, 12, 9), "440305", "air"),        // → Shanghai
		version("D", 1, sh(2026, 7, 13, 9), "310104", "air"),        // Shanghai → 广州天河
		version("E", 1, sh(2026, 7, 14, 9), "440305", "air"),        // → received 20 August
		version("F", 1, sh(2026, 7, 15, 9), "440305", "air"),        // → received after the quarter
		version("G", 1, sh(2026, 6, 20, 9), "440305", "air"),        // received before → in the quarter
		version("H", 1, sh(2026, 7, 16, 9), "440305", "air"),        // → Shanghai → 深圳 again
		version("J", 1, sh(2026, 7, 17, 9), "440305", "air"),        // → still in, then out of the quarter
		version("K", 1, sh(2026, 7, 18, 9), "440305", "air"),        // v3 arrives before v2
		version("L", 1, sh(2026, 9, 30, 23), "440106", "noise"),     // the quarter's last hour
		version("M", 1, sh(2026, 10, 1, 0), "440106", "noise"),      // the next quarter's first second
		version("N", 1, sh(2026, 8, 1, 9), "440305", "solid_waste"), // in 深圳, not corrected
	}, nil)
	writeRows(t, env, []*contract.Report{
		version("A", 1, sh(2026, 7, 10, 9), "440305", "air"), // a redelivered copy
		version("B", 2, sh(2026, 7, 11, 9), "440305", "water"),
		version("C", 2, sh(2026, 7, 12, 9), "310104", "air"),
		version("D", 2, sh(2026, 7, 13, 9), "440106", "air"),
		version("E", 2, sh(2026, 8, 20, 9), "440305", "air"),
		version("F", 2, sh(2026, 10, 5, 9), "440305", "air"),
		version("G", 2, sh(2026, 7, 20, 9), "440305", "air"),
		version("H", 2, sh(2026, 7, 16, 9), "310104", "air"),
		version("J", 2, sh(2026, 7, 25, 9), "440305", "air"),
		version("K", 3, sh(2026, 7, 18, 9), "440305", "noise"),
	}, nil)
	writeRows(t, env, []*contract.Report{
		version("H", 3, sh(2026, 7, 16, 9), "440304", "air"),
		version("J", 3, sh(2026, 12, 1, 9), "440305", "air"),
		version("K", 2, sh(2026, 7, 18, 9), "440305", "soil"),
	}, nil)
}

type latestRow struct {
	at       time.Time
	region   uint32
	category string
}

// readLatest runs the rule and returns what it keeps, by report id.
func readLatest(t *testing.T, env *testenv.Env, l store.LatestReports) map[string]latestRow {
	t.Helper()
	l.Key = "report_id"
	rows, err := env.Store.Query(context.Background(), l.Query(store.Latest("category", "category")))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]latestRow{}
	for rows.Next() {
		var id string
		var r latestRow
		if err := rows.Scan(&id, &r.at, &r.region, &r.category); err != nil {
			t.Fatal(err)
		}
		if _, dup := out[id]; dup {
			t.Errorf("report %s read twice", id)
		}
		out[id] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// viewIDs are the ids the reports_latest view (migration 2, written independently of the rule)
// finds with a condition.
func viewIDs(t *testing.T, env *testenv.Env, where string) []string {
	t.Helper()
	rows, err := env.Store.Query(context.Background(), "SELECT report_id FROM reports_latest WHERE "+where+" ORDER BY report_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
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
	return ids
}

func idsOf(m map[string]latestRow) []string {
	var ids []string
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// TestLatestVersionRule tests store.LatestReports, the one rule every read of reports follows,
// against the real server: corrections that change a report's region, category and receipt
// time within the window, one that moves it out of the window and one that moves it in, a
// correction arriving before the version it follows, and a redelivered copy.
func TestLatestVersionRule(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	correctedReports(t, env)
	quarter := store.Period{From: sh(2026, 7, 1, 0), To: sh(2026, 10, 1, 0)}
	gd, sz := region.MustScope("440000"), region.MustScope("440300")

	nation := readLatest(t, env, store.LatestReports{Received: []store.Period{quarter}})
	want := map[string]latestRow{
		"A": {sh(2026, 7, 10, 9), 440305, "air"},
		"B": {sh(2026, 7, 11, 9), 440305, "water"},
		"C": {sh(2026, 7, 12, 9), 310104, "air"},
		"D": {sh(2026, 7, 13, 9), 440106, "air"},
		"E": {sh(2026, 8, 20, 9), 440305, "air"},
		"G": {sh(2026, 7, 20, 9), 440305, "air"},
		"H": {sh(2026, 7, 16, 9), 440304, "air"},
		"K": {sh(2026, 7, 18, 9), 440305, "noise"},
		"L": {sh(2026, 9, 30, 23), 440106, "noise"},
		"N": {sh(2026, 8, 1, 9), 440305, "solid_waste"},
	}
	if got := idsOf(nation); !slices.Equal(got, idsOf(want)) {
		t.Errorf("the nation's reports of the quarter: %v, want %v (F and J were moved out, M is received after it)", got, idsOf(want))
	}
	for id, w := range want {
		if g, ok := nation[id]; ok && (!g.at.Equal(w.at) || g.region != w.region || g.category != w.category) {
			t.Errorf("report %s read as %v %d %s, want its latest version %v %d %s", id, g.at, g.region, g.category, w.at, w.region, w.category)
		}
	}
	for name, tc := range map[string]struct {
		scope region.Scope
		ids   []string
		view  string
	}{
		"Guangdong": {gd, []string{"A", "B", "D", "E", "G", "H", "K", "L", "N"}, "province_code = '440000'"},
		"Shenzhen":  {sz, []string{"A", "B", "E", "G", "H", "K", "N"}, "city_code = '440300'"},
	} {
		got := idsOf(readLatest(t, env, store.LatestReports{Received: []store.Period{quarter}, Scope: tc.scope}))
		if !slices.Equal(got, tc.ids) {
			t.Errorf("%s: %v, want %v", name, got, tc.ids)
		}
		// the same as the view, which aggregates the whole table
		where := tc.view + " AND received_at >= " + store.Time(quarter.From) + " AND received_at < " + store.Time(quarter.To)
		if view := viewIDs(t, env, where); !slices.Equal(got, view) {
			t.Errorf("%s: the rule reads %v, the reports_latest view %v", name, got, view)
		}
	}
	// any time: every report once, at its latest version (F and J after the quarter)
	all := readLatest(t, env, store.LatestReports{Scope: gd})
	if got, view := idsOf(all), viewIDs(t, env, "province_code = '440000'"); !slices.Equal(got, view) || len(got) != 12 {
		t.Errorf("Guangdong at any time: %v, the view %v", got, view)
	}
	if !all["J"].at.Equal(sh(2026, 12, 1, 9)) {
		t.Errorf("J read at %v, want its third version's 2026-12-01", all["J"].at)
	}
	// Narrow leaves out first versions only: B's first version is air, its latest water
	water := readLatest(t, env, store.LatestReports{Received: []store.Period{quarter}, Scope: gd, Narrow: "category = 'water'"})
	if b, ok := water["B"]; !ok || b.category != "water" {
		t.Errorf("narrowed to water: %v", water)
	}
	if _, ok := water["A"]; ok {
		t.Errorf("narrowed to water, A (air, never corrected) was read")
	}
	// IDs restrict every row; KeySet holds every report kept
	ids := readLatest(t, env, store.LatestReports{Received: []store.Period{quarter}, IDs: "report_id IN ('E', 'F', 'M')"})
	if got := idsOf(ids); !slices.Equal(got, []string{"E"}) {
		t.Errorf("restricted to E, F, M: %v", got)
	}
	l := store.LatestReports{Received: []store.Period{quarter}, Scope: gd, Key: "report_id"}
	keys := map[string]bool{}
	rows, err := env.Store.Query(context.Background(), l.KeySet())
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		keys[k] = true
	}
	rows.Close()
	for _, id := range []string{"A", "B", "D", "E", "G", "H", "K", "L", "N"} {
		if !keys[id] {
			t.Errorf("KeySet lacks %s", id)
		}
	}
}

// TestDashboardAndDisclosureCountACorrectedReportTheSame generates the dashboards at the end
// of 2026Q3 and the disclosure of 2026Q3 from the same corrected reports: the quarter's count
// of the nation, Guangdong and Shenzhen is the same on both, and the view's.
func TestDashboardAndDisclosureCountACorrectedReportTheSame(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	correctedReports(t, env)
	// enough reports besides for a page: 40 in Guangdong, 10 of them in Shenzhen
	var more []*contract.Report
	for i := range 40 {
		code := "440106"
		if i%4 == 0 {
			code = "440305"
		}
		more = append(more, version("X"+strconv.Itoa(i), 1, sh(2026, 7, 1+i%90/3, 8+i%10), code, contract.Categories[i%8]))
	}
	writeRows(t, env, more, nil)

	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "dashboards")
	at := time.Date(2026, 9, 30, 23, 59, 59, 0, calendar.Shanghai)
	if _, err := dashboards.Generate(ctx, env.Store, dashboards.Options{Out: out, At: at, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}); err != nil {
		t.Fatal(err)
	}
	q, _ := reports.ParseQuarter("2026Q3")
	for file, scope := range map[string]string{"index.json": "nation", "440000.json": "440000", "440300.json": "440300"} {
		dir := filepath.Join(t.TempDir(), "disclosure-"+scope)
		if err := reports.Generate(ctx, env.Store, reports.Options{Quarter: q, Scope: region.MustScope(scope), Out: dir}); err != nil {
			t.Fatal(err)
		}
		disclosed := reportstest.Table(t, dir, "overall")["接到举报和信访"]["total"]
		dashboard := figures(t, out, file)["quarter"].(float64)
		where := "1"
		switch scope {
		case "440000":
			where = "province_code = '440000'"
		case "440300":
			where = "city_code = '440300'"
		}
		view := count(t, env, "SELECT count() FROM reports_latest WHERE received_at >= ? AND received_at < ? AND "+where, sh(2026, 7, 1, 0), sh(2026, 10, 1, 0))
		if disclosed != fmt.Sprint(view) || uint64(dashboard) != view {
			t.Errorf("%s: the disclosure counts %s, the dashboard %v, the view %d", scope, disclosed, dashboard, view)
		}
	}
}
