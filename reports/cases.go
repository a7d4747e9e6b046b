package reports

import (
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/privacy"
)

// score is a candidate's score under caseScore (the read model preselects with the same rule).
func score(c CaseCandidate) int { return caseScore.Of(c) }

// typicalCase is one case on the page.
type typicalCase struct {
	Title    string // 地区 · 类别（细分）
	Region   string
	Category string
	Industry string
	Month    string // month of closure
	Text     string // from the handling summary, masked
	Score    int
}

// chooseTypical picks up to n cases: highest score first, at most one per category and one
// per next-level region while there are enough candidates, then relaxing the region rule and
// then the category rule (diversity of categories and places); ties keep the store's order
// (closing time). Candidates whose summary says nothing after masking are skipped.
func (f *figures) chooseTypical(n int) []typicalCase {
	type cand struct {
		c     CaseCandidate
		score int
		text  string
		unit  string
		order int
	}
	var cands []cand
	for i, c := range f.candidates {
		txt := describeCase(c.Summary, c.TargetName)
		if utf8.RuneCountInString(txt) < 10 {
			continue
		}
		cands = append(cands, cand{c: c, score: score(c), text: txt, unit: f.unitOf(c.RegionCode).Code, order: i})
	}
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		return cands[i].order < cands[j].order
	})
	picked := make([]bool, len(cands))
	var out []cand
	for pass := 0; pass < 3 && len(out) < n; pass++ {
		usedCat, usedUnit := map[string]bool{}, map[string]bool{}
		for i, c := range cands {
			if picked[i] {
				usedCat[c.c.Category] = true
				usedUnit[c.unit] = true
			}
		}
		for i, c := range cands {
			if len(out) >= n {
				break
			}
			if picked[i] || pass < 2 && usedCat[c.c.Category] || pass < 1 && usedUnit[c.unit] {
				continue
			}
			picked[i] = true
			usedCat[c.c.Category] = true
			usedUnit[c.unit] = true
			out = append(out, c)
		}
	}
	var res []typicalCase
	for _, c := range out {
		cat := contract.CategoryName(c.c.Category)
		if c.c.Subcategory != "" {
			cat += "（" + c.c.Subcategory + "）"
		}
		region := f.scope.regions.FullName(c.c.RegionCode)
		if region == "" {
			region = f.unitOf(c.c.RegionCode).Name
		}
		industry := c.c.Industry
		if industry == "" {
			industry = "未注明"
		}
		res = append(res, typicalCase{
			Title: region + " · " + cat, Region: region, Category: cat, Industry: industry,
			Month: monthName(c.c.ClosedAt.In(shanghai).Format("200601")), Text: c.text, Score: c.score,
		})
	}
	return res
}

// idLike matches what may be a report id, a case number or a phone number: eight or more
// ASCII letters, digits and id punctuation in a row.
var idLike = regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9._:-]{7,}`)

// describeCase turns a handling summary into the text of a typical case: the reported party's
// name becomes 该单位 (the public learns what was done, not whom a reporter named), and any
// sentence that speaks of the reporter, carries a redaction mark or something like an id or
// a number is left out.
func describeCase(summary, targetName string) string {
	s := strings.TrimSpace(summary)
	if name := strings.TrimSpace(targetName); utf8.RuneCountInString(name) >= 2 {
		s = strings.ReplaceAll(s, name, "该单位")
	}
	var keep []string
	for _, sent := range splitSentences(s) {
		if strings.Contains(sent, "举报人") || strings.Contains(sent, "信访人") || strings.Contains(sent, "投诉人") ||
			strings.Contains(sent, privacy.Mask) || strings.Contains(sent, "电话") || idLike.MatchString(sent) {
			continue
		}
		keep = append(keep, sent)
	}
	return strings.Join(keep, "")
}

// splitSentences splits Chinese text after 。！？；.
func splitSentences(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if r == '。' || r == '！' || r == '？' || r == '；' {
			end := i + utf8.RuneLen(r)
			out = append(out, s[start:end])
			start = end
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}
