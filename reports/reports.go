// Package reports writes the quarterly public disclosure (信息公开, 12369 Art. 17) of one
// jurisdiction — the nation, a province or a prefecture — as a static site: index.html in
// Chinese with tables, sentences written from them (主要特点), typical cases, the handling of
// reports found untrue and charts; every table also as CSV and JSON under data/ with a README
// of the columns; the chart script and the map of the scope under assets/ (never a CDN).
//
// The figures come in one call from a Source: the package's ClickHouse read model (ReadModel,
// readmodel*.go: the only SQL of the disclosure, built with store's shared rules — the latest
// version of a report, the scope filter) or a fixture in tests. Everything after it is pure
// and deterministic, so the same data and options give byte-identical files. The site is
// published whole (internal/output.Publish): a reader or a crash never sees half of it.
// What the page contains, the typical-case rule and the small-count rule are documented in
// docs/disclosure.md.
package reports

import (
	"bytes"
	"context"
	"embed"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/internal/output"
	"github.com/ecowatch/ecowatch/org"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
	"github.com/ecowatch/ecowatch/webassets"
)

var shanghai = calendar.Shanghai

// DefaultThreshold is the default small-count threshold: counts from 1 to 4 in a fine
// breakdown are shown as "<5" or merged into 其他.
const DefaultThreshold = 5

// Options of a report.
type Options struct {
	// Quarter is the quarter reported.
	Quarter Quarter
	// Scope is the jurisdiction: the nation (the zero Scope), a province or a prefecture-level
	// city (region.Table.ParseScope).
	Scope region.Scope
	// Out is the site's folder: a link, swapped atomically to each new version (see
	// output.Publish); a folder there that a previous report did not make is refused unless
	// it is empty.
	Out string
	// Threshold is the small-count threshold (default DefaultThreshold; 1 turns the rule off).
	Threshold int
	// TypicalCases is how many typical cases to show (default 5).
	TypicalCases int
	// Published, when set, is printed as the publication date. Nothing else on the page
	// depends on when it is generated.
	Published time.Time
	// Regions is the region table (default region.Default()).
	Regions *region.Table
	// Keep is the number of versions of the site kept, the current one included; 0 means 2.
	Keep int
	// Progress, when set, receives a line per step (for a terminal).
	Progress io.Writer
}

// ErrNoData is returned (wrapped) when the scope has no report received in the quarter.
var ErrNoData = errors.New("no reports received")

// Generate reads the figures from ClickHouse (the read model, ReadModel) and writes the site.
func Generate(ctx context.Context, db store.Querier, opts Options) error {
	return GenerateFrom(ctx, NewReadModel(db), opts)
}

// GenerateFrom queries src and writes the site.
func GenerateFrom(ctx context.Context, src Source, opts Options) error {
	started := time.Now()
	progress := func(format string, args ...any) {
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "report %s %s: %s (%.1fs)\n", opts.Quarter, opts.Scope, fmt.Sprintf(format, args...),
				time.Since(started).Seconds())
		}
	}
	if opts.Out == "" {
		return errors.New("reports: no output folder")
	}
	if opts.Quarter.N < 1 || opts.Quarter.N > 4 {
		return fmt.Errorf("reports: quarter %q is not of the form YYYYQn", opts.Quarter)
	}
	if opts.Regions == nil {
		opts.Regions = region.Default()
	}
	if opts.Threshold <= 0 {
		opts.Threshold = DefaultThreshold
	}
	if opts.TypicalCases <= 0 {
		opts.TypicalCases = 5
	}
	sc := region.Nation()
	if !opts.Scope.IsNation() {
		var ok bool
		if sc, ok = opts.Regions.ScopeOf(opts.Scope.Code); !ok {
			return fmt.Errorf("reports: scope %s is not a province or a prefecture-level city (accepted: %s)", opts.Scope.Code, region.ScopeHelp)
		}
	}
	q := opts.Quarter
	periods := [3]store.Period{q.Period(), q.Previous().Period(), q.LastYear().Period()}
	query := Query{
		Scope: sc, Quarter: periods[pQ], Previous: periods[pP], LastYear: periods[pY], Cohort: q.Cohort(),
		VerificationMethods: append(append([]TermClass(nil), verificationMethods...), anyMethod()),
		CaseScore:           caseScore, Candidates: 200,
		Progress: func(step string) { progress("querying: %s", step) },
	}
	data, err := src.Disclosure(ctx, query)
	if err != nil {
		return err
	}
	f := summarize(scope{sc, opts.Regions}, data, periods)
	f.threshold = opts.Threshold
	if f.total(pQ).Received == 0 {
		extent := "the database holds no reports"
		if !data.DataFrom.IsZero() {
			extent = "the database holds reports received " + data.DataFrom.In(shanghai).Format("2006-01-02") + " … " + data.DataTo.In(shanghai).Format("2006-01-02")
		}
		return fmt.Errorf("reports: %w in %s (%s) for %s; %s", ErrNoData, q, periods[pQ].From.Format("2006-01-02")+" … "+periods[pQ].To.AddDate(0, 0, -1).Format("2006-01-02"), sc.Name, extent)
	}
	progress("writing the page")
	site, err := build(f, q, opts)
	if err != nil {
		return err
	}
	if err := output.Publish(opts.Out, max(opts.Keep, 2), func(dir string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return site.write(dir)
	}); err != nil {
		return err
	}
	progress("done: %s (%d tables, %d charts, %d typical cases)", filepath.Join(opts.Out, "index.html"), len(site.tables), len(site.page.Charts), len(site.page.Cases))
	return nil
}

// ---- the site ---------------------------------------------------------------------------------

type site struct {
	page   pageData
	tables []*Table
	cases  []typicalCase
	files  map[string][]byte // path relative to the folder → content
	mapFor string            // region code of the map, "" when none
}

type pageData struct {
	Title, Issuer, PeriodText, PeriodName, Published string
	EChartsJS, MapFile                               string
	Coverage                                         []string
	Overall, Breakdown, UntrueTables                 []tableView
	Features                                         []string
	Charts                                           []chart
	CasesIntro                                       string
	Cases                                            []typicalCase
	Untrue                                           []string
	Notes                                            []string
	Downloads                                        []*Table
}

type tableView struct {
	ID, Title, Note string
	Number          int
	Collapsed       bool
	Head            []string
	Body            [][]cellView
}

type cellView struct {
	Text string
	Num  bool
}

func view(t *Table) tableView {
	v := tableView{ID: t.ID, Title: t.Title, Note: t.Note, Number: t.Number, Collapsed: t.Collapsed}
	for _, c := range t.Columns {
		h := c.Name
		if u := c.Unit(); u == "件" || u == "%" {
			h += "（" + u + "）"
		}
		v.Head = append(v.Head, h)
	}
	for _, r := range t.Rows {
		var row []cellView
		for i, c := range t.Columns {
			txt := t.format(c, r.Cells[i])
			if c.kind == colPercent {
				txt = strings.TrimSuffix(txt, "%")
			}
			row = append(row, cellView{Text: txt, Num: c.kind != colText})
		}
		v.Body = append(v.Body, row)
	}
	return v
}

//go:embed templates/index.html.tmpl
var templates embed.FS

var pageTemplate = template.Must(template.New("index.html.tmpl").Funcs(template.FuncMap{
	"inc": func(i int) int { return i + 1 },
}).ParseFS(templates, "templates/index.html.tmpl"))

func dateName(t time.Time) string {
	t = t.In(shanghai)
	return strconv.Itoa(t.Year()) + "年" + strconv.Itoa(int(t.Month())) + "月" + strconv.Itoa(t.Day()) + "日"
}

// build assembles tables, sentences, cases and charts.
func build(f *figures, q Quarter, opts Options) (*site, error) {
	sc := f.scope
	var months []string
	for _, m := range q.Months() {
		months = append(months, m.Format("200601"))
	}
	issuer := org.Ministry().Name
	if sc.Code != "" {
		issuer = org.New(sc.regions).Bureau(sc.Code).Name
	}
	s := &site{files: map[string][]byte{}}
	p := &s.page
	p.Issuer = issuer
	p.PeriodName = q.Name()
	p.Title = q.Name() + sc.Name + "生态环境信访投诉举报受理和办理情况"
	last := q.Period().To.AddDate(0, 0, -1)
	p.PeriodText = dateName(q.Start()) + "至" + dateName(last)
	if !opts.Published.IsZero() {
		p.Published = dateName(opts.Published)
	}
	p.EChartsJS = webassets.EChartsJS

	// tables, in page order
	overall := []*Table{f.overallTable(), f.reasonsTable(), f.deadlinesTable(), f.cohortTable()}
	channel, category := f.channelTable(), f.categoryTable()
	regionT := f.regionTable()
	monthT := f.monthTable(months)
	breakdown := []*Table{channel, category, f.subcategoryTable(), f.industryTable(), regionT,
		f.regionChannelTable(), f.regionFeaturesTable(), monthT}
	untrue := []*Table{f.findingsTable(), f.verificationTable()}
	ts := tableSet{}
	number := 0
	add := func(list []*Table, out *[]tableView) {
		for _, t := range list {
			if t == nil || len(t.Rows) == 0 {
				continue
			}
			number++
			t.Number = number
			t.threshold = opts.Threshold
			ts[t.ID] = t
			s.tables = append(s.tables, t)
			*out = append(*out, view(t))
		}
	}
	add(overall, &p.Overall)
	add(breakdown, &p.Breakdown)
	add(untrue, &p.UntrueTables)
	p.Downloads = s.tables

	// coverage notes
	if !f.dataFrom.IsZero() && f.dataFrom.After(q.Start().AddDate(0, 0, 1)) {
		p.Coverage = append(p.Coverage, "说明：数据自"+dateName(f.dataFrom)+"起，本季度数据不完整。")
	}
	if !f.dataTo.IsZero() && f.dataTo.Before(last) {
		p.Coverage = append(p.Coverage, "说明：数据截至"+dateName(f.dataTo)+"，本季度数据不完整。")
	}
	if !f.avail[pP] {
		p.Coverage = append(p.Coverage, "上季度（"+q.Previous().Name()+"）数据不完整，不作环比。")
	}
	if !f.avail[pY] {
		p.Coverage = append(p.Coverage, "去年同期（"+q.LastYear().Name()+"）数据不完整，不作同比。")
	}

	p.Features = f.features(ts)
	p.Untrue = f.untrueSentences(ts)

	// typical cases
	s.cases = f.chooseTypical(opts.TypicalCases)
	p.Cases = s.cases
	if len(s.cases) == 0 {
		p.CasesIntro = "本季度没有可作为典型案例公开的办结属实案件。"
	} else {
		p.CasesIntro = "从本季度办结、经调查属实的案件中，按违法情节严重程度和社会关注程度，兼顾不同类别和地区，选取" + strconv.Itoa(len(s.cases)) + "件典型案例。"
	}

	// charts
	for _, c := range []*chart{monthChart(monthT), categoryChart(category), channelChart(channel)} {
		if c != nil {
			p.Charts = append(p.Charts, *c)
		}
	}
	mapCode := sc.Code
	if mapCode == "" {
		mapCode = webassets.NationCode
	}
	if c, file := mapChart(regionT, mapCode, f.units); c != nil {
		p.Charts = append(p.Charts, *c)
		p.MapFile = file
		s.mapFor = mapCode
	}
	for _, c := range p.Charts {
		if err := checkLocal(c); err != nil {
			return nil, err
		}
	}
	p.Notes = f.notes(q, opts)

	var html bytes.Buffer
	if err := pageTemplate.Execute(&html, p); err != nil {
		return nil, fmt.Errorf("reports: rendering the page: %w", err)
	}
	s.files["index.html"] = html.Bytes()
	for _, t := range s.tables {
		s.files["data/"+t.ID+".csv"] = t.CSV()
		s.files["data/"+t.ID+".json"] = t.JSON()
	}
	s.files["data/typical_cases.csv"], s.files["data/typical_cases.json"] = casesFiles(s.cases)
	s.files["data/README.md"] = readme(p.Title, s.tables, opts.Threshold)
	return s, nil
}

// untrueSentences: 不属实问题现场查处情况, from the findings and verification tables.
func (f *figures) untrueSentences(ts tableSet) []string {
	var out []string
	u, ok := ts.get("findings", contractUnsubstantiated, "quarter")
	if !ok {
		return []string{"本季度没有办结后认定为不属实的举报。"}
	}
	s := "本季度办结的举报和信访中，经核查认定不属实的" + u + "件"
	if sh, ok := ts.get("findings", contractUnsubstantiated, "share"); ok {
		s += "，占办结件数的" + sh
	}
	if w, ok := ts.changeIn("findings", contractUnsubstantiated, "change", "，占比比上季度", "提高", "降低", "持平"); ok {
		if !strings.HasSuffix(w, "持平") {
			w += "个百分点"
		}
		s += w
	}
	out = append(out, s+"。")
	var parts []string
	if t := ts["untrue_verification"]; t != nil {
		for _, r := range t.Rows {
			if r.Key == "total" {
				continue
			}
			if n, ok := ts.get("untrue_verification", r.Key, "cases"); ok && r.Cells[1].Value > 0 {
				parts = append(parts, r.Cells[0].Text+n+"件")
			}
		}
	}
	if len(parts) > 0 {
		out = append(out, "从办结情况记载看，对不属实举报主要通过以下方式核查："+strings.Join(parts, "、")+"（一件举报可采用多种方式）。按照规定，对经核查不属实的举报，办理单位应向举报人、信访人说明核查情况；涉及恶意举报、诬告陷害的，依法移交有关部门处理。")
	}
	return out
}

// notes: definitions and rules shown at the end of the page.
func (f *figures) notes(q Quarter, opts Options) []string {
	lvl := f.scope.unitLevelName()
	return []string{
		"统计范围：" + f.scope.Name + "范围内反映的生态环境问题，包括12369环保举报（电话、微信、网络）和生态环境信访（来信、来访、网络、传真、电子邮件等）。按举报反映问题所在地统计地区，" +
			"“" + f.scope.selfName() + "”为只明确到本级、未细分到" + lvl + "的举报。",
		"时间口径：以北京时间计。本季度为" + dateName(q.Start()) + "至" + dateName(q.Period().To.AddDate(0, 0, -1)) + "；上季度为" + q.Previous().Name() + "；去年同期为" + q.LastYear().Name() +
			"。受理、办结等办理情况为本季度接到的举报截至季度末的状态；“本季度办结”按办结时间统计，含以前季度接到的举报。",
		"60日办理期限届满情况：统计" + dateName(q.Cohort().From) + "至" + dateName(q.Cohort().To.AddDate(0, 0, -1)) + "受理的举报（60日办理期限在本季度内届满），截至季度末是否办结；合并到其他举报办理的不计入。",
		"一件举报可涉及多个类别，按类别统计时各计一次，各类别占比之和超过百分之百。",
		"小数保护规则：在按渠道、类别、细分类型、行业、地区、月份、不予受理原因等细分统计中，件数为1至" + strconv.Itoa(opts.Threshold-1) + "件的显示为“<" + strconv.Itoa(opts.Threshold) + "”，" +
			"细分类型和行业中件数少于" + strconv.Itoa(opts.Threshold) + "件的合并为“其他”；一列（或一行）中只有一个数据被隐去时，另隐去该列（行）中最小的一个数据（显示为“*”），防止通过合计推算。相应的占比和增减幅度不予显示。",
		"典型案例选取规则：在本季度办结、调查结论为属实的案件中，按严重程度（突发环境事件、群体性事件倾向、移送公安机关、查封扣押、停产、立案处罚等）和社会关注程度（舆情关注、多人联名、同一对象被多次举报）计分，" +
			"从高分到低分选取，每个类别和每个" + lvl + "优先只选一件；案例内容仅取自办结摘要，隐去被举报单位名称和涉及举报人的内容。",
		"不属实举报的核查方式根据办结摘要中的记载归类（现场检查核查、采样监测、夜间或突击检查、查阅手续资料、走访询问）。",
		"本页面不包含举报人、信访人的任何信息，不包含举报原文和举报编号。",
	}
}

// casesFiles writes the typical cases as CSV and JSON.
func casesFiles(cases []typicalCase) ([]byte, []byte) {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	w.Write([]string{"序号", "地区", "类别", "所属行业", "办结时间", "办理情况"})
	type jc struct {
		No       int    `json:"no"`
		Region   string `json:"region"`
		Category string `json:"category"`
		Industry string `json:"industry"`
		Closed   string `json:"closed"`
		Text     string `json:"text"`
	}
	list := []jc{}
	for i, c := range cases {
		w.Write([]string{strconv.Itoa(i + 1), c.Region, c.Category, c.Industry, c.Month, c.Text})
		list = append(list, jc{i + 1, c.Region, c.Category, c.Industry, c.Month, c.Text})
	}
	w.Flush()
	j, _ := json.MarshalIndent(map[string]any{"id": "typical_cases", "title": "典型案例", "cases": list}, "", "  ")
	return b.Bytes(), append(j, '\n')
}

// readme describes every data file and its columns.
func readme(title string, tables []*Table, threshold int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s — 数据说明\n\n", title)
	b.WriteString("本目录中每张表各有一个CSV文件（UTF-8编码，带BOM，第一行为列名及单位）和一个JSON文件（`columns` 说明各列，`rows` 为数据）。\n\n")
	fmt.Fprintf(&b, "- 小数保护：细分统计中1至%d件的数据写为 `<%d`（JSON中为字符串 `\"<%d\"`），相应占比和增减幅度为空（JSON中为 `null`）。\n", threshold-1, threshold, threshold)
	b.WriteString("- 无法计算（如无可比数据、基数为零）的值在CSV中为空，在JSON中为 `null`；页面上显示为“—”。\n")
	b.WriteString("- 百分比保留一位小数；“环比”“同比”为增减百分比，“变化”为增减的百分点。\n")
	b.WriteString("- 数据不含举报人、信访人的任何信息，不含举报原文和举报编号。\n\n")
	for _, t := range tables {
		fmt.Fprintf(&b, "## 表%d %s — `%s.csv`, `%s.json`\n\n", t.Number, t.Title, t.ID, t.ID)
		if t.Note != "" {
			fmt.Fprintf(&b, "%s\n\n", t.Note)
		}
		b.WriteString("| 列（JSON键） | 列名 | 单位 | 含义 |\n| --- | --- | --- | --- |\n")
		for _, c := range t.Columns {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", c.Key, c.Name, c.Unit(), c.Desc)
		}
		b.WriteString("\n")
	}
	b.WriteString("## 典型案例 — `typical_cases.csv`, `typical_cases.json`\n\n")
	b.WriteString("| 列（JSON键） | 列名 | 含义 |\n| --- | --- | --- |\n")
	b.WriteString("| `no` | 序号 | 页面上的案例序号 |\n| `region` | 地区 | 问题所在地 |\n| `category` | 类别 | 类别（细分类型） |\n")
	b.WriteString("| `industry` | 所属行业 | 被举报对象所属行业 |\n| `closed` | 办结时间 | 办结的月份 |\n| `text` | 办理情况 | 取自办结摘要，被举报单位名称以“该单位”代替 |\n")
	return []byte(b.String())
}

// write puts the site's files into dir (a new folder that output.Publish swaps in): index.html,
// data/ and the assets the page uses.
func (s *site) write(dir string) error {
	names := make([]string, 0, len(s.files))
	for n := range s.files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		path := filepath.Join(dir, filepath.FromSlash(n))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("reports: %w", err)
		}
		if err := os.WriteFile(path, s.files[n], 0o644); err != nil {
			return fmt.Errorf("reports: %w", err)
		}
	}
	var err error
	if s.mapFor != "" {
		err = webassets.WriteTo(dir, s.mapFor)
	} else {
		err = webassets.WriteScript(dir)
	}
	if err != nil {
		return fmt.Errorf("reports: writing the scripts and maps: %w", err)
	}
	return nil
}
