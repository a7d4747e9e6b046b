package dashboards

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/region"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func generate(t *testing.T, src Source, scope string) string {
	t.Helper()
	sc, err := region.Default().ParseScope(scope)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "dash")
	index, err := GenerateFrom(context.Background(), src, Options{Out: out, At: fxAt, Scope: sc, Log: quiet,
		Now: func() time.Time { return fxAt.Add(time.Minute) }})
	if err != nil {
		t.Fatal(err)
	}
	if index != filepath.Join(out, "index.html") {
		t.Fatalf("Generate returned %s", index)
	}
	return out
}

func readFigures(t *testing.T, dir, file string) Figures {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	var f Figures
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestPeriods(t *testing.T) {
	p := newPeriods(fxAt.Add(300 * time.Millisecond)) // fractions of a second are dropped
	want := map[int][2]time.Time{
		spanToday:       {sh(2026, 9, 30, 0, 0, 0), sh(2026, 9, 30, 15, 0, 1)},
		spanYesterday:   {sh(2026, 9, 29, 0, 0, 0), sh(2026, 9, 29, 15, 0, 1)},
		spanLastWeekDay: {sh(2026, 9, 23, 0, 0, 0), sh(2026, 9, 23, 15, 0, 1)},
		spanWeek:        {sh(2026, 9, 28, 0, 0, 0), sh(2026, 9, 30, 15, 0, 1)},
		spanPrevWeek:    {sh(2026, 9, 21, 0, 0, 0), sh(2026, 9, 23, 15, 0, 1)},
		spanQuarter:     {sh(2026, 7, 1, 0, 0, 0), sh(2026, 9, 30, 15, 0, 1)},
		// The previous quarter is a day shorter: the same elapsed time is capped at its end.
		spanPrevQuarter: {sh(2026, 4, 1, 0, 0, 0), sh(2026, 7, 1, 0, 0, 0)},
		spanRecent:      {sh(2026, 9, 1, 0, 0, 0), sh(2026, 9, 30, 15, 0, 1)},
		spanPrevRecent:  {sh(2026, 8, 2, 0, 0, 0), sh(2026, 9, 1, 0, 0, 0)},
	}
	for i, w := range want {
		if !p.Spans[i].From.Equal(w[0]) || !p.Spans[i].To.Equal(w[1]) {
			t.Errorf("span %d = [%s, %s), want [%s, %s)", i, p.Spans[i].From, p.Spans[i].To, w[0], w[1])
		}
	}
	if got := len(p.days()); got != TrendDays {
		t.Errorf("%d trend days, want %d", got, TrendDays)
	}
	// A Sunday belongs to the week that started on the Monday before; early in a quarter the
	// previous quarter's span has the same length.
	p = newPeriods(sh(2026, 10, 4, 10, 0, 0))
	if w := p.Spans[spanWeek].From; !w.Equal(sh(2026, 9, 28, 0, 0, 0)) {
		t.Errorf("week of Sunday 4 October starts %s", w)
	}
	if s := p.Spans[spanPrevQuarter]; !s.From.Equal(sh(2026, 7, 1, 0, 0, 0)) || !s.To.Equal(sh(2026, 7, 4, 10, 0, 1)) {
		t.Errorf("previous quarter span %v", s)
	}
}

func TestFiguresAgainstFixture(t *testing.T) {
	src := newFixture()
	out := generate(t, src, "")
	for name, n := range src.calls {
		if n != 1 {
			t.Errorf("query %s ran %d times for one generation; every figure of every page must come from one run", name, n)
		}
	}

	type want struct {
		file                                                    string
		today, yesterday, lastWeekDay, week, prevWeek, q, prevQ uint64
		recent, prevRecent                                      uint64
		warnings                                                int
		overdue, onTime, late                                   uint64
	}
	for _, w := range []want{
		{"index.json", 4, 1, 1, 7, 2, 15, 2, 12, 2, 2, 3, 23, 7},
		{"440000.json", 4, 1, 0, 6, 1, 13, 2, 10, 2, 2, 3, 23, 7},
		{"440300.json", 2, 1, 0, 3, 1, 5, 2, 4, 0, 1, 3, 18, 2},
		{"440100.json", 1, 0, 0, 2, 0, 7, 0, 5, 2, 1, 0, 0, 0},
		{"110000.json", 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0},
		{"420000.json", 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0},
	} {
		f := readFigures(t, out, w.file)
		got := want{w.file, f.Today, f.YesterdaySame, f.LastWeekDaySame, f.Week, f.PrevWeekSame, f.Quarter, f.PrevQuarterSame,
			f.Recent, f.PrevRecent, f.OpenWarnings, f.Overdue, f.DueOnTime, f.DueLate}
		if got != w {
			t.Errorf("%s:\n got %+v\nwant %+v", w.file, got, w)
		}
	}

	nation := readFigures(t, out, "index.json")
	// The ministry's page shows the access audit of the day before the page's time; no other
	// page does.
	if a := nation.Access; a == nil || a.SignIns != 3 || a.FailedSignIns != 6 || a.Opened != 12 || a.Refused != 2 || strings.Join(a.Logins, ",") != "hb.zhang" {
		t.Errorf("access figures of the national page: %+v", a)
	}
	if p := src.accessAsked; !p.To.Equal(fxAt) || !p.From.Equal(fxAt.Add(-24*time.Hour)) {
		t.Errorf("access audit asked for %v, want the day before %v", p, fxAt)
	}
	if page := readFile(t, out, "index.html"); !strings.Contains(page, `id="p-access"`) || !strings.Contains(page, "湖北&lt;省厅&gt;张三") ||
		!strings.Contains(page, "<td>湖北省</td>") || !strings.Contains(page, "192.0.2.7") {
		t.Error("the national page has no access panel, or an unescaped name in it")
	}
	if readFigures(t, out, "440000.json").Access != nil || strings.Contains(readFile(t, out, "440000.html"), `id="p-access"`) {
		t.Error("a province's page shows the access audit")
	}
	if got := strings.Join(nation.Pages, ","); got != "110000,420000,440000" {
		t.Errorf("national page links to %s", got)
	}
	if nation.Channels["phone"] != 6 || nation.Channels["web"] != 4 || nation.Channels["wechat"] != 1 || nation.Channels["letter"] != 1 {
		t.Errorf("channels %v", nation.Channels)
	}
	if got := strings.Join(nation.TopTargets, ","); got != "T1,T3,T2" {
		t.Errorf("top targets %s, want T1,T3,T2 (by reports in 30 days; T4, reported once, not listed)", got)
	}
	if got := strings.Join(nation.RepeatTargets, ","); got != "T2" {
		t.Errorf("repeat targets %s, want T2 (T1's reports fall in one week)", got)
	}
	gd := readFigures(t, out, "440000.json")
	if got := strings.Join(gd.Pages, ","); got != "440100,440300" {
		t.Errorf("Guangdong links to %s", got)
	}
	if gd.Children["440300"] != 4 || gd.Children["440100"] != 5 || len(gd.Children) != 2 {
		t.Errorf("Guangdong's map %v (the province-level report has no city)", gd.Children)
	}
	if gd.OverdueByStep["close"] != 2 || gd.OverdueByStep["accept"] != 1 {
		t.Errorf("Guangdong overdue by step %v", gd.OverdueByStep)
	}
	// Municipalities and directly administered counties: the districts are on the province's
	// map, no page for the placeholder 市辖区 / 省直辖县级行政区划.
	if bj := readFigures(t, out, "110000.json"); bj.Children["110105"] != 1 || len(bj.Pages) != 0 {
		t.Errorf("Beijing: children %v, pages %v", bj.Children, bj.Pages)
	}
	if hb := readFigures(t, out, "420000.json"); hb.Children["429004"] != 1 {
		t.Errorf("Hubei: children %v", hb.Children)
	}
	for _, f := range []string{"110100.html", "429000.html", "440305.html"} {
		if _, err := os.Stat(filepath.Join(out, f)); err == nil {
			t.Errorf("%s written: only provinces and cities have pages", f)
		}
	}

	page := readFile(t, out, "440000.html")
	for _, s := range []string{
		"较上周同日同时段", "较昨日同时段", "较上季度同期", // the comparisons say what they compare
		"76.7%",                 // on-time rate of the province
		"广东省深圳市生态环境局",           // warning recipients
		"深圳市（市县两级）", "广东省生态环境厅", // league table rows
		"&lt;script&gt;alert(1)&lt;/script&gt;有限公司", // a hostile target name, escaped
		"接入延迟 1 分钟",
		"含 1 件该时点之后才补录入库的举报",
	} {
		if !strings.Contains(page, s) {
			t.Errorf("the Guangdong page lacks %q", s)
		}
	}
	sz := readFile(t, out, "440300.html")
	if !(strings.Index(sz, "深圳市生态环境局") < strings.Index(sz, "深圳市南山区生态环境局")) {
		t.Error("league of Shenzhen: the bureau at 100% should rank above the one at 80%")
	}
	for _, name := range htmlFiles(t, out) {
		b := readFile(t, out, name)
		if strings.Contains(b, "<script>alert(1)") {
			t.Errorf("%s carries a target name unescaped", name)
		}
		if strings.Contains(b, "RP-SECRET") {
			t.Errorf("%s carries a reporter pseudonym", name)
		}
	}
}

func TestScopeProvince(t *testing.T) {
	out := generate(t, newFixture(), "440000")
	f := readFigures(t, out, "index.json")
	if f.Code != "440000" || f.Today != 4 || f.OpenWarnings != 2 {
		t.Errorf("root of a province scope: %+v", f)
	}
	if _, err := os.Stat(filepath.Join(out, "440000.html")); err == nil {
		t.Error("the scope's own page is index.html, not 440000.html")
	}
	for _, f := range []string{"440100.html", "440300.html"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("city page %s missing", f)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "110000.html")); err == nil {
		t.Error("a province outside the scope got a page")
	}
	checkLinks(t, out)

	// a scope made by hand, not by region.Table.ParseScope, is checked again
	_, err := GenerateFrom(context.Background(), newFixture(), Options{Out: t.TempDir() + "/x", Scope: region.Scope{Code: "110100"}, Log: quiet})
	if err == nil || !strings.Contains(err.Error(), "accepted:") {
		t.Errorf("the placeholder 市辖区 accepted as a scope: %v", err)
	}
}

func TestLinksResolve(t *testing.T) {
	out := generate(t, newFixture(), "")
	checkLinks(t, out)
}

var (
	attrRE  = regexp.MustCompile(`(?:href|src)="([^"]*)"`)
	linksRE = regexp.MustCompile(`<a href="([^"]*)" data-map="([^"]*)">`)
)

// checkLinks walks every page of the site: every href and src, and every target of the map's
// click handler, must be a relative path to a file inside the site.
func checkLinks(t *testing.T, out string) {
	t.Helper()
	pages := htmlFiles(t, out)
	if len(pages) < 2 {
		t.Fatalf("only %d pages", len(pages))
	}
	mapLinks := 0
	for _, name := range pages {
		b := readFile(t, out, name)
		var targets []string
		for _, m := range attrRE.FindAllStringSubmatch(b, -1) {
			targets = append(targets, m[1])
		}
		// The map's drill-down follows the table's links that name a region of the map.
		for _, m := range linksRE.FindAllStringSubmatch(b, -1) {
			if m[2] == "" {
				t.Errorf("%s: link %s names no region of the map", name, m[1])
			}
			mapLinks++
		}
		for _, h := range targets {
			u, err := url.Parse(h)
			if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(h, "/") || strings.HasPrefix(h, "//") {
				t.Errorf("%s: link %q does not stay in the folder", name, h)
				continue
			}
			p := filepath.Join(out, filepath.FromSlash(u.Path))
			if !strings.HasPrefix(p, out+string(filepath.Separator)) {
				t.Errorf("%s: link %q leaves the folder", name, h)
			}
			if fi, err := os.Stat(p); err != nil || fi.IsDir() {
				t.Errorf("%s: link %q does not resolve to a file", name, h)
			}
		}
		// Nothing inline a strict Content-Security-Policy would refuse: scripts come from files,
		// the charts' options are data.
		for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(b, -1) {
			if !strings.Contains(tag, ` src="`) && tag != `<script type="application/json" id="ew-data">` {
				t.Errorf("%s: inline script %s", name, tag)
			}
		}
		if strings.Contains(b, "<style") || strings.Contains(b, " style=") || strings.Contains(b, " on") && regexp.MustCompile(` on[a-z]+=`).MatchString(b) {
			t.Errorf("%s: an inline style or event handler", name)
		}
		if strings.Contains(b, "http://") || strings.Contains(b, "https://") {
			t.Errorf("%s mentions an absolute URL", name)
		}
	}
	if mapLinks == 0 {
		t.Error("no map is clickable")
	}
}

func htmlFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.html"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range m {
		out = append(out, filepath.Base(p))
	}
	return out
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestIngestLagText(t *testing.T) {
	at := sh(2026, 9, 30, 15, 0, 0)
	if s, tone := lagText(IngestLag{At: at}); !strings.Contains(s, "尚无消息入库") || tone != "warn" {
		t.Errorf("no messages: %q %s", s, tone)
	}
	s, tone := lagText(IngestLag{At: at, NewestMessage: at.Add(-2 * time.Hour), Backfilled: 3})
	if !strings.Contains(s, "接入延迟 2.0 小时") || !strings.Contains(s, "3 件") || tone != "warn" {
		t.Errorf("two hours behind: %q %s", s, tone)
	}
	_ = calendar.Shanghai
}
