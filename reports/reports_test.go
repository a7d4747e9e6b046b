package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/lifecycle"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/reports/reportstest"
)

// fixture is a hand-built Source for 广东省, 2026Q3. The expected figures in the tests below
// are computed by hand from it (the comments show the sums).
type fixture struct {
	data    *Data
	queries []Query
}

func (f *fixture) Disclosure(_ context.Context, q Query) (*Data, error) {
	f.queries = append(f.queries, q)
	return f.data, nil
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, calendar.Shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// ch is a ChannelRow: region|kind|channel, then received, accepted, rejected, assigned,
// closed, replied, merged.
func ch(p PeriodIndex, key string, n ...uint64) ChannelRow {
	k := strings.Split(key, "|")
	r := ChannelRow{Period: p, Region: k[0], Kind: k[1], Channel: k[2]}
	fields := []*uint64{&r.Received, &r.Accepted, &r.Rejected, &r.Assigned, &r.Closed, &r.Replied, &r.Merged}
	for i, v := range n {
		*fields[i] = v
	}
	return r
}

// cat is a CategoryRow: region|kind|category.
func cat(p PeriodIndex, key string, n uint64) CategoryRow {
	k := strings.Split(key, "|")
	return CategoryRow{Period: p, Region: k[0], Kind: k[1], Category: k[2], Received: n}
}

func newFixture() *fixture {
	const Q, P, Y = InQuarter, InPrevious, InLastYear
	d := &Data{
		DataFrom: at("2025-01-01 00:10"), DataTo: at("2026-09-30 23:50"), StatesAsOf: at("2026-10-02 00:00"),
		Channels: []ChannelRow{
			// received, accepted, rejected, assigned, closed, replied, merged
			// quarter: total 173 (report 170, petition 3); accepted 154, rejected 11, assigned 150,
			// closed 111, replied 114, merged 1
			ch(Q, "440305|report|phone", 100, 90, 8, 88, 70, 72, 1),
			ch(Q, "440106|report|wechat", 50, 45, 3, 44, 30, 31),
			ch(Q, "441900|petition|visit", 3, 3, 0, 3, 1, 1),
			ch(Q, "440000|report|web", 20, 16, 0, 15, 10, 10),
			// previous: total 146; accepted 131, rejected 7, assigned 129, closed 105, replied 107
			ch(P, "440305|report|phone", 80, 70, 5, 69, 60, 61),
			ch(P, "440106|report|wechat", 60, 55, 2, 54, 40, 41),
			ch(P, "441900|petition|visit", 6, 6, 0, 6, 5, 5),
			// last year: total 100 (receipts only)
			ch(Y, "440305|report|phone", 50),
			ch(Y, "440106|report|wechat", 40),
			ch(Y, "440000|report|web", 10),
		},
		// categories (a report may have several)
		Categories: []CategoryRow{
			cat(Q, "440305|report|air", 60), cat(Q, "440305|report|noise", 50),
			cat(Q, "440106|report|water", 40), cat(Q, "441900|petition|air", 3),
			cat(Q, "440000|report|ecology", 20),
			cat(P, "440305|report|air", 50), cat(P, "440305|report|noise", 40),
			cat(P, "440106|report|water", 60), cat(P, "441900|petition|air", 6),
			cat(Y, "440305|report|noise", 30), cat(Y, "440106|report|water", 40),
		},
		// sub-types by main category
		Subcategories: []SubcategoryRow{
			{Q, "air", "恶臭/异味", 40}, {Q, "air", "烟粉尘", 20},
			{Q, "air", "", 3}, {Q, "noise", "建设施工噪声", 50},
			{Q, "water", "工业废水", 38}, {Q, "water", "生活污水", 2},
			{Q, "ecology", "破坏植被", 20},
			{P, "air", "恶臭/异味", 30}, {P, "air", "烟粉尘", 26},
			{P, "noise", "建设施工噪声", 40}, {P, "water", "工业废水", 60},
		},
		Industries: []IndustryRow{
			{Q, "建筑业", 70}, {Q, "住宿和餐饮业", 40},
			{Q, "纺织业", 2}, {Q, "医药制造业", 1}, {Q, "", 60},
			{P, "建筑业", 60}, {P, "住宿和餐饮业", 30}, {P, "", 56},
		},
		Months: []MonthRow{
			{Q, "202607", "report", 80}, {Q, "202608", "report", 50},
			{Q, "202609", "report", 40}, {Q, "202607", "petition", 3},
			{Y, "202507", "report", 40}, {Y, "202508", "report", 30},
			{Y, "202509", "report", 30},
		},
		// 3 is small and the reason naming a reporter is not fit to print: both in 其他原因
		Rejections: []RejectionRow{
			{Q, "线索不详", "report", 6}, {Q, "不属于职责范围", "report", 3},
			{Q, "举报人王五所述问题已由法院受理", "report", 2},
			{P, "线索不详", "report", 7},
		},
		// the 60-day cohort: accepted, and closed by the quarter's end
		Cohort: []CohortRow{
			{"440106", "report", 30, 20},
			{"440305", "report", 40, 34},
			{"441900", "petition", 4, 2},
		},
		Closures: []ClosureCount{
			{Period: Q, Finding: "substantiated", Cases: 60}, {Period: Q, Finding: "partly_substantiated", Cases: 20},
			{Period: Q, Finding: "unsubstantiated", Cases: 20},
			{Period: P, Finding: "substantiated", Cases: 50}, {Period: P, Finding: "partly_substantiated", Cases: 25},
			{Period: P, Finding: "unsubstantiated", Cases: 25},
		},
		Verification: []VerificationCount{
			{Method: "现场检查核查", Cases: 15}, {Method: "采样监测", Cases: 8}, {Method: "查阅手续资料", Cases: 3},
			{Method: anyMethodName, Cases: 18}, {Method: "", Cases: 20},
		},
		Deadlines: []DeadlineCount{
			{Period: Q, Step: lifecycle.StepAccept, Met: 150, MissedDone: 4, Overdue: 1, Other: 3},
			{Period: Q, Step: lifecycle.StepAssign, Met: 140, MissedDone: 5},
			{Period: Q, Step: lifecycle.StepClose, Met: 90, MissedDone: 6, Overdue: 4, Other: 10},
			{Period: P, Step: lifecycle.StepAccept, Met: 120, MissedDone: 10},
			{Period: P, Step: lifecycle.StepClose, Met: 80, MissedDone: 20},
		},
		Matters: []MatterCount{
			{Period: Q, Kind: "report", Reports: 170, Matters: 160}, {Period: Q, Kind: "petition", Reports: 3, Matters: 3},
			{Period: P, Kind: "report", Reports: 140, Matters: 138}, {Period: P, Kind: "petition", Reports: 6, Matters: 6},
		},
		Candidates: []CaseCandidate{
			{Kind: "report", Category: "air", Subcategory: "恶臭/异味", RegionCode: "440305", Industry: "化学原料和化学制品制造业",
				Flags: []string{"emergency"}, TargetReports: 1, TargetName: "深圳市某某化工有限公司", ClosedAt: at("2026-08-10 10:00"),
				Summary: "经现场核查，深圳市某某化工有限公司存在违法排放废气问题，举报属实。已立案处罚罚款20万元，并移送公安机关。已电话告知举报人张三处理结果。"},
			{Kind: "report", Category: "air", Subcategory: "烟粉尘", RegionCode: "440106", Industry: "金属制品业",
				CoReporters: 5, TargetReports: 3, TargetName: "广州市某某铸造厂", ClosedAt: at("2026-07-20 10:00"),
				Summary: "经检查，广州市某某铸造厂粉尘无组织排放，举报属实，已责令整改并处罚款5万元。"},
			{Kind: "report", Category: "noise", Subcategory: "建设施工噪声", RegionCode: "440305", Industry: "建筑业",
				Flags: []string{"media"}, TargetReports: 1, ClosedAt: at("2026-09-01 10:00"),
				Summary: "经夜间检查，工地夜间违规施工，举报属实，已立案查处。"},
			{Kind: "petition", Category: "water", Subcategory: "畜禽养殖废水", RegionCode: "441900", Industry: "畜牧业",
				TargetReports: 1, ClosedAt: at("2026-07-05 10:00"),
				Summary: "经核查，某养殖场直排废水，举报属实，已责令停产整治并处罚款。12369-441900-20260705-000001号举报一并办结。"},
			{Kind: "report", Category: "air", RegionCode: "440100", ClosedAt: at("2026-07-06 10:00"), Summary: "属实。"},
		},
	}
	return &fixture{data: d}
}

func generate(t *testing.T, src Source, dir string, mutate ...func(*Options)) {
	t.Helper()
	q, _ := ParseQuarter("2026Q3")
	gd, _ := region.Default().ParseScope("440000")
	opts := Options{Quarter: q, Scope: gd, Out: dir}
	for _, m := range mutate {
		m(&opts)
	}
	if err := GenerateFrom(context.Background(), src, opts); err != nil {
		t.Fatal(err)
	}
}

func TestEveryFigureMatchesTheHandComputedFixture(t *testing.T) {
	dir := t.TempDir()
	src := newFixture()
	generate(t, src, dir)

	// the query asked for the right periods
	q := src.queries[0]
	if q.Scope.Code != "440000" || q.Scope.Level != region.Province || !q.Quarter.From.Equal(at("2026-07-01 00:00")) || !q.Quarter.To.Equal(at("2026-10-01 00:00")) ||
		!q.Previous.From.Equal(at("2026-04-01 00:00")) || !q.LastYear.From.Equal(at("2025-07-01 00:00")) ||
		!q.Cohort.From.Equal(at("2026-05-02 00:00")) || !q.Cohort.To.Equal(at("2026-08-02 00:00")) {
		t.Fatalf("query periods: %+v", q)
	}

	want := []struct{ table, row, col, want string }{
		// 总体情况: 173 = 100+50+3+20; 146 = 80+60+6; 100 = 50+40+10
		{"overall", "接到举报和信访", "total", "173"}, {"overall", "接到举报和信访", "report", "170"},
		{"overall", "接到举报和信访", "petition", "3"}, {"overall", "接到举报和信访", "previous", "146"},
		{"overall", "接到举报和信访", "qoq", "18.5"}, // 27/146
		{"overall", "接到举报和信访", "last_year", "100"}, {"overall", "接到举报和信访", "yoy", "73"},
		{"overall", "其中：受理", "total", "154"}, {"overall", "其中：受理", "previous", "131"},
		{"overall", "其中：受理", "qoq", "17.6"}, // 23/131
		{"overall", "其中：受理", "last_year", "—"},
		{"overall", "不予受理", "total", "11"}, {"overall", "不予受理", "qoq", "57.1"},
		{"overall", "尚未作出受理决定", "total", "8"}, {"overall", "尚未作出受理决定", "report", "8"},
		{"overall", "交办、转办", "total", "150"}, {"overall", "办结", "total", "111"}, {"overall", "办结", "qoq", "5.7"},
		{"overall", "答复举报人、信访人", "total", "114"}, {"overall", "合并办理", "total", "1"},
		{"overall", "接到的举报涉及事项数（合并同一事项后）", "total", "163"},
		{"overall", "接到的举报涉及事项数（合并同一事项后）", "previous", "144"},
		{"overall", "接到的举报涉及事项数（合并同一事项后）", "qoq", "13.2"},
		// 不予受理原因: 3 + 2 = 5 in 其他原因
		{"rejection_reasons", "线索不详", "total", "6"}, {"rejection_reasons", "线索不详", "share", "54.5"},
		{"rejection_reasons", "线索不详", "previous", "7"}, {"rejection_reasons", "其他原因", "total", "5"},
		{"rejection_reasons", "其他原因", "report", "5"}, {"rejection_reasons", "其他原因", "share", "45.5"},
		{"rejection_reasons", "其他原因", "previous", "0"},
		// 按期办理: accept 150/155, previous 120/130, +4.5 points
		{"on_time", "受理（15日内）", "due", "155"}, {"on_time", "受理（15日内）", "on_time_rate", "96.8"},
		{"on_time", "受理（15日内）", "previous_rate", "92.3"}, {"on_time", "受理（15日内）", "change", "4.5"},
		{"on_time", "交办转办（3个工作日内）", "on_time_rate", "96.6"},
		{"on_time", "交办转办（3个工作日内）", "previous_rate", "—"},
		{"on_time", "办结（60日内，经批准可延长30日）", "due", "100"},
		{"on_time", "办结（60日内，经批准可延长30日）", "overdue", "4"},
		{"on_time", "办结（60日内，经批准可延长30日）", "change", "10"},
		// 60日: 74 accepted, 56 closed; 深圳 (6 open) and 东莞 (2 open) merged into 其他地区
		{"cohort_60_days", "合计", "accepted", "74"}, {"cohort_60_days", "合计", "closed", "56"},
		{"cohort_60_days", "合计", "open", "18"}, {"cohort_60_days", "合计", "closed_rate", "75.7"},
		{"cohort_60_days", "广州市", "open", "10"}, {"cohort_60_days", "广州市", "closed_rate", "66.7"},
		{"cohort_60_days", "其他地区", "accepted", "44"}, {"cohort_60_days", "其他地区", "open", "8"},
		// 渠道: 3 is small, 20 withheld in its column (the column adds up to 173)
		{"by_channel", "12369举报·电话", "quarter", "100"}, {"by_channel", "12369举报·电话", "share", "57.8"},
		{"by_channel", "12369举报·电话", "qoq", "25"}, {"by_channel", "12369举报·电话", "yoy", "100"},
		{"by_channel", "12369举报·微信", "share", "28.9"}, {"by_channel", "12369举报·微信", "qoq", "-16.7"},
		{"by_channel", "12369举报·网络", "quarter", "*"}, {"by_channel", "12369举报·网络", "share", "—"},
		{"by_channel", "12369举报·网络", "last_year", "10"},
		{"by_channel", "信访·来访", "quarter", "<5"}, {"by_channel", "信访·来访", "previous", "6"},
		// 类别: air 63 = 60 + 3; the petition count 3 is small, so is the report count 60 beside it
		{"by_category", "大气", "quarter", "63"}, {"by_category", "大气", "share", "36.4"},
		{"by_category", "大气", "previous", "56"}, {"by_category", "大气", "qoq", "12.5"}, {"by_category", "大气", "yoy", "—"},
		{"by_category", "大气", "report", "*"}, {"by_category", "大气", "petition", "<5"},
		{"by_category", "水", "share", "23.1"}, {"by_category", "水", "qoq", "-33.3"}, {"by_category", "水", "yoy", "0"},
		{"by_category", "噪声", "qoq", "25"}, {"by_category", "噪声", "yoy", "66.7"},
		{"by_category", "生态", "share", "11.6"}, {"by_category", "生态", "qoq", "—"},
		// 细分 (checked in the CSV below): air 未细分 (3) merged with 烟粉尘 (20) into 其他 (23); water all in 其他
		// 行业: 纺织业 2 + 医药制造业 1 + 住宿和餐饮业 40 = 其他行业 43
		{"by_industry", "建筑业", "quarter", "70"}, {"by_industry", "建筑业", "share", "40.5"}, {"by_industry", "建筑业", "qoq", "16.7"},
		{"by_industry", "其他行业", "quarter", "43"}, {"by_industry", "其他行业", "previous", "30"},
		{"by_industry", "其他行业", "qoq", "43.3"}, {"by_industry", "未注明行业", "share", "34.7"},
		// 地区: 东莞 3 small, the province's own 20 withheld; closed 1 small, 10 withheld
		{"by_region", "广州市", "quarter", "50"}, {"by_region", "广州市", "share", "28.9"}, {"by_region", "广州市", "qoq", "-16.7"},
		{"by_region", "广州市", "yoy", "25"}, {"by_region", "广州市", "closed", "30"},
		{"by_region", "深圳市", "quarter", "100"}, {"by_region", "深圳市", "closed", "70"},
		{"by_region", "东莞市", "quarter", "<5"}, {"by_region", "东莞市", "previous", "6"}, {"by_region", "东莞市", "closed", "<5"},
		{"by_region", "省级（未细分到地市）", "quarter", "*"}, {"by_region", "省级（未细分到地市）", "last_year", "10"},
		{"by_region", "省级（未细分到地市）", "closed", "*"},
		// 月份: 83 = 80 + 3
		{"by_month", "2026年7月", "total", "83"}, {"by_month", "2026年7月", "last_year", "40"}, {"by_month", "2026年7月", "yoy", "107.5"},
		{"by_month", "2026年8月", "yoy", "66.7"}, {"by_month", "2026年9月", "yoy", "33.3"},
		// 调查结论
		{"findings", "属实", "quarter", "60"}, {"findings", "属实", "share", "60"}, {"findings", "属实", "change", "10"},
		{"findings", "不属实", "previous_share", "25"}, {"findings", "属实和部分属实合计", "quarter", "80"},
		{"findings", "属实和部分属实合计", "change", "5"}, {"findings", "合计", "quarter", "100"},
		// 核查方式: 3 and 2 are small
		{"untrue_verification", "现场检查核查", "cases", "15"}, {"untrue_verification", "现场检查核查", "share", "75"},
		{"untrue_verification", "采样监测", "share", "40"}, {"untrue_verification", "查阅手续资料", "cases", "<5"},
		{"untrue_verification", "夜间或突击检查", "cases", "0"}, {"untrue_verification", "未记载具体核查方式", "cases", "<5"},
		{"untrue_verification", "不属实合计", "cases", "20"},
	}
	tables := map[string]map[string]map[string]string{}
	for _, w := range want {
		if tables[w.table] == nil {
			tables[w.table] = reportstest.Table(t, dir, w.table)
		}
		row, ok := tables[w.table][w.row]
		if !ok {
			t.Errorf("%s: no row %q", w.table, w.row)
			continue
		}
		if got := row[w.col]; got != w.want {
			t.Errorf("%s / %s / %s = %q, want %q", w.table, w.row, w.col, got, w.want)
		}
	}
	sub := readCSV(t, dir, "by_subcategory")
	for _, line := range []string{"大气,恶臭/异味,40,63.5,30,33.3", "大气,其他,23,36.5,26,-11.5", "噪声,建设施工噪声,50,100.0,40,25.0", "水,其他,40,100.0,60,-33.3"} {
		if !strings.Contains(sub, line+"\n") {
			t.Errorf("by_subcategory.csv has no line %q:\n%s", line, sub)
		}
	}

	// the sentences say what the tables say
	page := readFile(t, filepath.Join(dir, "index.html"))
	for _, s := range []string{
		"本季度，广东省共接到生态环境举报和信访173件，环比上升18.5%，同比上升73.0%；其中12369举报170件，信访3件。",
		"截至季度末，已受理154件，不予受理11件（线索不详6件、其他原因5件），已办结111件。",
		"从渠道看，12369举报·电话占57.8%，12369举报·微信占28.9%，前者环比上升25.0%。",
		"从类别看，大气类（36.4%）、噪声类（28.9%）、水类（23.1%）居前；与上季度相比，噪声类上升25.0%，水类下降33.3%",
		"水类举报环比下降33.3%，但同比持平，变化主要与季节有关。",
		"大气类以恶臭/异味为主（占该类63.5%），噪声类以建设施工噪声为主（占该类100.0%）。",
		"被举报对象中，建筑业70件位居前列。",
		"从月份看，2026年7月接到83件，为本季度最多。",
		"办理时效方面，受理按期率96.8%，交办转办按期率96.6%，办结按期率90.0%。",
		"本季度共办结100件，经调查属实和部分属实的占80.0%，不属实20件。",
		"受理满60日的74件中，截至季度末已办结56件，办结率75.7%；未办结的主要在广州市10件。",
		"本季度办结的举报和信访中，经核查认定不属实的20件，占办结件数的20.0%，占比比上季度降低5.0个百分点。",
	} {
		if !strings.Contains(page, s) {
			t.Errorf("the page does not say %q", s)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readCSV(t *testing.T, dir, id string) string {
	return strings.TrimPrefix(strings.ReplaceAll(readFile(t, filepath.Join(dir, "data", id+".csv")), "\r\n", "\n"), "\ufeff")
}

func TestEveryNumberInTheMainFeaturesIsOnThePage(t *testing.T) {
	dir := t.TempDir()
	generate(t, newFixture(), dir)
	page := readFile(t, filepath.Join(dir, "index.html"))
	// numbers shown in the tables (cells, headings, titles)
	tablesPart := regexp.MustCompile(`(?s)<table.*?</table>`).FindAllString(page, -1)
	inTables := map[string]bool{}
	num := regexp.MustCompile(`[0-9]+(?:\.[0-9]+)?`)
	for _, tbl := range tablesPart {
		for _, n := range num.FindAllString(tbl, -1) {
			inTables[n] = true
		}
	}
	features := regexp.MustCompile(`(?s)<ol class="features">(.*?)</ol>`).FindStringSubmatch(page)
	untrue := regexp.MustCompile(`(?s)<section id="untrue">(.*?)<table`).FindStringSubmatch(page)
	if features == nil || untrue == nil {
		t.Fatal("no main features or untrue section on the page")
	}
	sentences := features[1] + untrue[1]
	checked := 0
	for _, n := range num.FindAllString(sentences, -1) {
		checked++
		if !inTables[n] {
			t.Errorf("the number %s in the sentences is in no table of the page", n)
		}
	}
	if checked < 30 {
		t.Fatalf("only %d numbers in the sentences", checked)
	}
}

func TestSmallCountRule(t *testing.T) {
	t.Run("withheld and merged", func(t *testing.T) {
		dir := t.TempDir()
		generate(t, newFixture(), dir)
		for _, id := range []string{"by_channel", "by_category", "by_subcategory", "by_industry", "by_region", "by_month",
			"rejection_reasons", "cohort_60_days", "region_by_channel"} {
			tbl := reportstest.Table(t, dir, id)
			for name, row := range tbl {
				for col, v := range row {
					n, err := strconv.ParseFloat(v, 64)
					if err == nil && n >= 1 && n < 5 && !strings.Contains(col, "share") && !strings.Contains(col, "rate") &&
						!strings.Contains(col, "qoq") && !strings.Contains(col, "yoy") && !strings.Contains(col, "change") {
						t.Errorf("%s / %s / %s shows the small count %s", id, name, col, v)
					}
				}
			}
		}
		ind := readCSV(t, dir, "by_industry")
		for _, name := range []string{"纺织业", "医药制造业"} {
			if strings.Contains(ind, name) {
				t.Errorf("the industry %s (fewer than 5) is listed instead of merged into 其他行业", name)
			}
		}
	})
	t.Run("threshold 1 turns it off", func(t *testing.T) {
		dir := t.TempDir()
		generate(t, newFixture(), dir, func(o *Options) { o.Threshold = 1 })
		ch := reportstest.Table(t, dir, "by_channel")
		if got := ch["信访·来访"]["quarter"]; got != "3" {
			t.Errorf("with threshold 1 the count 3 shows as %q", got)
		}
		if got := ch["12369举报·网络"]["quarter"]; got != "20" {
			t.Errorf("with threshold 1 the count 20 shows as %q", got)
		}
	})
	t.Run("secondary suppression", func(t *testing.T) {
		rows := []Row{
			{Key: "a", Cells: []Cell{count(3), count(10)}},
			{Key: "b", Cells: []Cell{count(7), count(20)}},
			{Key: "c", Cells: []Cell{count(9), count(0)}},
		}
		suppressTable(5, rows, []int{0, 1}, []int{0, 1}, nil)
		got := fmt.Sprint(rows[0].Cells[0].Small, rows[1].Cells[0].Hidden, rows[2].Cells[0].usable(), rows[0].Cells[1].usable())
		if got != "true true true true" {
			t.Errorf("column 0: small, hidden, shown; column 1 untouched: got %s", got)
		}
	})
}

func TestRerunsAreByteIdentical(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	generate(t, newFixture(), a)
	generate(t, newFixture(), b)
	fa, fb := tree(t, a), tree(t, b)
	if len(fa) < 30 {
		t.Fatalf("only %d files written", len(fa))
	}
	if strings.Join(keys(fa), " ") != strings.Join(keys(fb), " ") {
		t.Fatalf("different files:\n%v\n%v", keys(fa), keys(fb))
	}
	for name, content := range fa {
		if !bytes.Equal(content, fb[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
	// a rerun into the same folder removes what the first run wrote and this one does not
	os.WriteFile(filepath.Join(a, "data", "stale.csv"), []byte("x"), 0o644)
	generate(t, newFixture(), a)
	if _, err := os.Stat(filepath.Join(a, "data", "stale.csv")); err == nil {
		t.Error("a stale data file survived the rerun")
	}
	// the publication date is printed only when given
	if strings.Contains(string(fa["index.html"]), "发布日期") {
		t.Error("a publication date without Options.Published")
	}
	c := t.TempDir()
	generate(t, newFixture(), c, func(o *Options) { o.Published = at("2026-10-09 09:00") })
	if !strings.Contains(readFile(t, filepath.Join(c, "index.html")), "发布日期：2026年10月9日") {
		t.Error("no publication date with Options.Published")
	}
}

func tree(t *testing.T, dir string) map[string][]byte {
	out := map[string][]byte{}
	dir, err := filepath.EvalSymlinks(dir) // the site is a link to its current version
	if err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			b, _ := os.ReadFile(p)
			out[filepath.ToSlash(rel)] = b
		}
		return nil
	})
	return out
}

func keys(m map[string][]byte) []string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	sort.Strings(k)
	return k
}

func TestNoReporterIdentityReportTextOrIDInTheOutput(t *testing.T) {
	dir := t.TempDir()
	generate(t, newFixture(), dir)
	files := tree(t, dir)
	for name, b := range files {
		if strings.HasPrefix(name, "assets/") {
			continue
		}
		for _, secret := range []string{"张三", "王五", "深圳市某某化工有限公司", "广州市某某铸造厂", "12369-441900", "20260705-000001", "不属于职责范围"} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s contains %q", name, secret)
			}
		}
	}
	page := string(files["index.html"])
	// the typical cases: by score 10, 4, 3, 5 with one per category and region first
	for i, want := range []string{
		"案例1：广东省深圳市南山区 · 大气（恶臭/异味）",
		"经现场核查，该单位存在违法排放废气问题，举报属实。已立案处罚罚款20万元，并移送公安机关。</p>",
		"案例2：广东省东莞市 · 水（畜禽养殖废水）",
		"经核查，某养殖场直排废水，举报属实，已责令停产整治并处罚款。</p>",
		"案例3：广东省深圳市南山区 · 噪声（建设施工噪声）",
		"案例4：广东省广州市天河区 · 大气（烟粉尘）",
		"经检查，该单位粉尘无组织排放，举报属实，已责令整改并处罚款5万元。",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("typical cases: %d. %q not on the page", i+1, want)
		}
	}
	if strings.Contains(page, "案例5") {
		t.Error("a case whose summary says nothing was chosen")
	}
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Error("the page names a remote address")
	}
	for _, src := range regexp.MustCompile(`<script src="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(src[1], "assets/") {
			t.Errorf("script %s is not in the site's assets", src[1])
		}
		if _, ok := files[src[1]]; !ok {
			t.Errorf("script %s is not written", src[1])
		}
	}
	if _, ok := files["assets/maps/440000.js"]; !ok {
		t.Error("the map of 440000 is not written")
	}
}

func TestClearErrors(t *testing.T) {
	q, _ := ParseQuarter("2026Q3")
	empty := &fixture{data: &Data{DataFrom: at("2026-06-01 00:00"), DataTo: at("2026-06-30 23:00")}}
	gd, _ := region.Default().ParseScope("440000")
	err := GenerateFrom(context.Background(), empty, Options{Quarter: q, Scope: gd, Out: t.TempDir()})
	if !errors.Is(err, ErrNoData) || !strings.Contains(err.Error(), "2026Q3") || !strings.Contains(err.Error(), "2026-06-01 … 2026-06-30") {
		t.Errorf("no data: %v", err)
	}
	// scopes come from region.Table.ParseScope (its tests hold the refusals); a scope made by
	// hand is checked again
	for _, code := range []string{"990000", "440305", "110100"} {
		err := GenerateFrom(context.Background(), newFixture(), Options{Quarter: q, Scope: region.Scope{Code: code}, Out: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), "accepted:") {
			t.Errorf("scope %s: %v, want a refusal naming the accepted values", code, err)
		}
	}
	for _, s := range []string{"2026Q5", "2026-Q3", "Q3", "2026q0", ""} {
		if _, err := ParseQuarter(s); err == nil || !strings.Contains(err.Error(), "YYYYQn") {
			t.Errorf("ParseQuarter(%q): %v", s, err)
		}
	}
	if q, err := ParseQuarter("2026q1"); err != nil || q.Previous().String() != "2025Q4" || q.Name() != "2026年第一季度" {
		t.Errorf("2026q1: %v %v", q, err)
	}
}

func TestProgressIsReported(t *testing.T) {
	var buf bytes.Buffer
	generate(t, newFixture(), t.TempDir(), func(o *Options) { o.Progress = &buf })
	if !strings.Contains(buf.String(), "writing the page") || !strings.Contains(buf.String(), "done:") {
		t.Errorf("progress: %q", buf.String())
	}
}

func TestTheReportIsDueOnTheFirstWorkingDayOfAQuarter(t *testing.T) {
	cal := calendar.Default()
	for when, want := range map[string]string{
		"2026-07-01 07:00": "2026Q2", // a Wednesday
		"2026-10-01 07:00": "",       // 国庆节
		"2026-10-08 07:00": "2026Q3", // the first working day after the holiday
		"2026-10-09 07:00": "",
		"2026-08-03 07:00": "",
	} {
		q, ok := DueQuarter(cal, at(when))
		got := ""
		if ok {
			got = q.String()
		}
		if got != want {
			t.Errorf("%s: due %q, want %q", when, got, want)
		}
	}
}
