package cases

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/lifecycle"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

// DuplicateWindow is how close in time two reports of the same target or place and category
// must be to be suggested as one matter (12369 Art. 9(4): the same matter from one or many
// reporters may be merged).
const DuplicateWindow = 7 * 24 * time.Hour

// matterIDs maps every report to its matter: the case it was merged into, followed to the end
// of the chain (a cycle, which the data should never hold, stops at the report itself).
func matterIDs(cases []*store.CaseHistory, states []lifecycle.State) map[string]string {
	into := map[string]string{}
	for i, st := range states {
		if st.MergedInto != "" {
			into[cases[i].ReportID] = st.MergedInto
		}
	}
	out := make(map[string]string, len(cases))
	for _, c := range cases {
		id, seen := c.ReportID, map[string]bool{}
		for into[id] != "" && !seen[id] {
			seen[id] = true
			id = into[id]
		}
		out[c.ReportID] = id
	}
	return out
}

// mergeSuggestions groups likely duplicates among the reports received in the 30 days before
// asOf that were not rejected: the same target and category, or the same place (county and
// address) and category, each report within DuplicateWindow of the previous one. A group whose
// reports are already one matter is kept, marked merged: the group follows the merge.
func mergeSuggestions(regions *region.Table, cases []*store.CaseHistory, states []lifecycle.State, matters map[string]string, asOf time.Time) []store.MergeSuggestion {
	type member struct {
		c     *store.CaseHistory
		state lifecycle.State
	}
	groups := map[string][]member{}
	labels := map[string]string{}
	from := asOf.Add(-30 * 24 * time.Hour)
	for i, c := range cases {
		if c.ReceivedAt.Before(from) || c.ReceivedAt.After(asOf) || !states[i].RejectedAt.IsZero() {
			continue
		}
		var key, label string
		switch {
		case c.TargetKey != "":
			key = "target|" + c.TargetKey + "|" + c.Category
			label = fmt.Sprintf("同一被举报对象「%s」、同一类别（%s）", c.TargetName, contract.CategoryName(c.Category))
		case strings.TrimSpace(c.Place) != "":
			key = "place|" + c.RegionCode + "|" + strings.TrimSpace(c.Place) + "|" + c.Category
			label = fmt.Sprintf("同一地点「%s%s」、同一类别（%s）", place(regions, c.RegionCode), strings.TrimSpace(c.Place), contract.CategoryName(c.Category))
		default:
			continue
		}
		groups[key] = append(groups[key], member{c, states[i]})
		labels[key] = label
	}
	var out []store.MergeSuggestion
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		ms := groups[key]
		sort.Slice(ms, func(i, j int) bool { return ms[i].c.ReceivedAt.Before(ms[j].c.ReceivedAt) })
		flush := func(run []member) {
			if len(run) < 2 {
				return
			}
			ids := make([]string, len(run))
			roots := map[string]bool{}
			for i, m := range run {
				ids[i] = m.c.ReportID
				roots[matters[m.c.ReportID]] = true
			}
			sum := sha256.Sum256([]byte(key + "|" + ids[0]))
			first, last := run[0].c, run[len(run)-1].c
			out = append(out, store.MergeSuggestion{
				GroupID:   "M-" + hex.EncodeToString(sum[:6]),
				Reason:    fmt.Sprintf("%s，%s 至 %s 共 %d 件", labels[key], day(first.ReceivedAt), day(last.ReceivedAt), len(run)),
				ReportIDs: ids, TargetKey: first.TargetKey, Category: first.Category, RegionCode: first.RegionCode,
				First: first.ReceivedAt, Last: last.ReceivedAt, AsOf: asOf, Merged: len(roots) == 1,
			})
		}
		var run []member
		for _, m := range ms {
			if len(run) > 0 && m.c.ReceivedAt.Sub(run[len(run)-1].c.ReceivedAt) > DuplicateWindow {
				flush(run)
				run = nil
			}
			run = append(run, m)
		}
		flush(run)
	}
	return out
}

// caseRows converts evaluated states into case_states and case_deadlines rows.
func caseRows(cases []*store.CaseHistory, states []lifecycle.State, matters map[string]string, asOf time.Time) ([]store.CaseState, []store.CaseDeadline) {
	rows := make([]store.CaseState, 0, len(states))
	n := 0
	for _, st := range states {
		n += len(st.Deadlines)
	}
	deadlines := make([]store.CaseDeadline, 0, n)
	for i, st := range states {
		c := cases[i]
		row := store.CaseState{
			ReportID: c.ReportID, Kind: c.Kind, Channel: c.Channel, RegionCode: c.RegionCode, Category: c.Category,
			Stage: st.Stage, ResponsibleOrg: st.ResponsibleOrg, MatterID: matters[c.ReportID], MergedInto: st.MergedInto,
			Finding: st.Finding, ReceivedAt: c.ReceivedAt, ClosedAt: st.ClosedAt, RejectedAt: st.RejectedAt, AsOf: asOf,
		}
		for _, v := range st.Violations {
			row.Violations = append(row.Violations, v.Code)
		}
		for _, a := range st.Anomalies {
			row.Anomalies = append(row.Anomalies, a.Code)
		}
		for _, dl := range st.Deadlines {
			if dl.Status == lifecycle.Overdue {
				row.OverdueSteps = append(row.OverdueSteps, string(dl.Step))
			}
			deadlines = append(deadlines, store.CaseDeadline{
				ReportID: c.ReportID, Step: string(dl.Step), Org: dl.Org, Status: string(dl.Status),
				RuleArticle: dl.Rule.Article, Start: dl.Start, Due: dl.Due, Done: dl.Done,
				AsOf: asOf, ExtensionDays: dl.ExtensionDays, PausedDays: dl.PausedDays,
			})
		}
		rows = append(rows, row)
	}
	return rows, deadlines
}

// place is the full name of a division for people, or its code when the table lacks it.
func place(regions *region.Table, code string) string {
	if n := regions.FullName(code); n != "" {
		return n
	}
	return code
}

func day(t time.Time) string { return t.In(calendar.Shanghai).Format("2006-01-02") }
