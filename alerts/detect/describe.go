package detect

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/ecowatch/ecowatch/alerts/cluster"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/org"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

// describer turns codes into the names people read.
type describer struct {
	orgs    *org.Directory
	regions *region.Table
	cal     *calendar.Calendar
}

func (d describer) place(code string) string {
	if n := d.regions.FullName(code); n != "" {
		return n
	}
	return code
}

func category(c string) string { return contract.CategoryName(c) }

func day(t time.Time) string { return t.In(calendar.Shanghai).Format("2006-01-02") }

// mergedAway reports whether a report was merged into another case: it is counted once, in
// the case it joined.
func mergedAway(c *store.CaseHistory) bool {
	for _, e := range c.Events {
		if e.Type == contract.EventMerged {
			return true
		}
	}
	return false
}

// stageOf names the last handling step of a case as of asOf, in Chinese.
func stageOf(c *store.CaseHistory, asOf time.Time) string {
	stage := "待受理"
	for _, e := range c.Events {
		if e.At.After(asOf) {
			break
		}
		if n, ok := stageNames[e.Type]; ok {
			stage = n
		}
	}
	return stage
}

var stageNames = map[string]string{
	contract.EventAccepted: "已受理", contract.EventRejected: "不予受理", contract.EventAssigned: "已交办",
	contract.EventTransferred: "已转办", contract.EventReturned: "已退回", contract.EventExtensionApproved: "已延期",
	contract.EventClosed: "已办结", contract.EventReplied: "已答复", contract.EventMerged: "已合并",
	contract.EventReviewRequested: "复查中", contract.EventReviewDecided: "已复查", contract.EventRecheckRequested: "复核中",
	contract.EventRecheckDecided: "已复核", contract.EventHearingStarted: "听证中", contract.EventHearingEnded: "听证结束",
	contract.EventSupplementRequested: "待补充材料", contract.EventSupplemented: "已补充材料",
}

func mostCommon(cs []*store.CaseHistory, key func(*store.CaseHistory) string) string {
	counts := map[string]int{}
	best, bestN := "", 0
	for _, c := range cs {
		k := key(c)
		counts[k]++
		if n := counts[k]; n > bestN || (n == bestN && k < best) {
			best, bestN = k, n
		}
	}
	return best
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// levelOf grades a statistical signal: 4 (一般) at the threshold, 3 ten times beyond it or with
// 10 reporters, 2 a thousand times beyond it or with 30 reporters.
func levelOf(s cluster.Signal) int {
	switch {
	case s.Score >= 3 || s.Observed >= 30:
		return 2
	case s.Score >= 1 || s.Observed >= 10:
		return 3
	}
	return 4
}

// reportsIn lists the reports of category in areas within [from, to).
func reportsIn(points []store.ReportPoint, areas []string, category string, from, to time.Time, areaOf func(string) string) []string {
	set := map[string]bool{}
	for _, a := range areas {
		set[a] = true
	}
	var ids []string
	for _, p := range points {
		a := p.Area
		if areaOf != nil {
			a = areaOf(a)
		}
		if p.Category == category && set[a] && !p.ReceivedAt.Before(from) && p.ReceivedAt.Before(to) {
			ids = append(ids, p.ReportID)
		}
	}
	sort.Strings(ids)
	return ids
}

// recipientsFor addresses the bureau of each jurisdiction and copies (抄送) its government,
// and copies the bureau of the level above when the warning spans several jurisdictions of
// one.
func recipientsFor(d describer, areas []string) []contract.Recipient {
	var out []contract.Recipient
	seen := map[string]bool{}
	add := func(o org.Org, copied bool) {
		key := o.Role + ":" + o.Code
		if !seen[key] {
			seen[key] = true
			out = append(out, contract.Recipient{OrgCode: o.Code, OrgName: o.Name, Role: o.Role, Copy: copied})
		}
	}
	for _, a := range areas {
		add(d.orgs.Bureau(a), false)
		add(d.orgs.Government(a), true)
	}
	if len(areas) > 1 {
		parents := map[string]bool{}
		for _, a := range areas {
			parents[d.orgs.Above(a).Code] = true
		}
		above := d.orgs.Above(areas[0])
		if len(parents) == 1 && !seen[above.Role+":"+above.Code] {
			add(above, true)
		}
	}
	return out
}

func maxWindow(c cluster.Config) time.Duration {
	ws := c.Windows
	if len(ws) == 0 {
		ws = cluster.DefaultWindows
	}
	return slices.Max(ws)
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// expectedText says an expected number of reporters for a reader: "约 2.4", or "不足 0.1"
// where the history predicts next to none (rather than "约 0.0").
func expectedText(x float64) string {
	if x < 0.05 {
		return "不足 0.1 "
	}
	return fmt.Sprintf("约 %.1f ", x)
}

// pText states a p-value without scientific notation: "p < 0.001" below a thousandth.
func pText(p float64) string {
	if p < 0.001 {
		return "p < 0.001"
	}
	return fmt.Sprintf("p = %.3f", p)
}

func newDescriber(deps Deps) describer {
	return describer{orgs: org.New(deps.Regions), regions: deps.Regions, cal: deps.Calendar}
}

// statsLookback is how much data before a run the cluster statistics read: their history, the
// longest window and a day of margin.
func statsLookback(c cluster.Config) time.Duration {
	weeks := c.HistoryWeeks
	if weeks <= 0 {
		weeks = cluster.DefaultHistoryWeeks
	}
	return time.Duration(weeks)*7*24*time.Hour + 4*24*time.Hour
}
