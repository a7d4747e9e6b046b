package reports

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/store"
)

// CaseScore is the severity and public-attention score of a closed case: the points of every
// flag it carries and every term its summary contains, plus attention points for the reports
// about the same target in the quarter and for joint reporters. The server ranks every case
// closed substantiated in the quarter by it (sql) and returns the best; Of scores them again in
// Go (an integration test runs both on the same cases against the real server).
type CaseScore struct {
	Flags map[string]int // flag → points
	Terms []ScoredTerm   // summary term → points (each term counts once)
	// SameTargetPoints gives points by how many reports named the same target in the
	// quarter: SameTargetPoints[i] for at least i+2 reports (the last entry for that many or
	// more).
	SameTargetPoints []int
	// CoReporterPoints gives points when co_reporters >= CoReportersAtLeast.
	CoReportersAtLeast uint32
	CoReporterPoints   int
}

// ScoredTerm is a term of a summary with its points.
type ScoredTerm struct {
	Term   string
	Points int
}

// caseScore is the rule that ranks closed substantiated cases for 典型案例 (docs/disclosure.md):
// severity — an emergency or a mass-incident risk, a transfer to the police, a seizure or a
// halt, a fine or a case opened — and public attention — media attention, joint reporters,
// several reports about the same target in the quarter.
var caseScore = CaseScore{
	Flags: map[string]int{contract.FlagEmergency: 4, contract.FlagMassIncidentRisk: 3, contract.FlagMedia: 2},
	Terms: []ScoredTerm{
		{Term: "移送公安", Points: 3}, {Term: "涉嫌环境污染犯罪", Points: 2},
		{Term: "查封", Points: 2}, {Term: "扣押", Points: 2}, {Term: "停产", Points: 2}, {Term: "停止违法行为", Points: 1},
		{Term: "立案", Points: 1}, {Term: "罚款", Points: 1}, {Term: "处罚", Points: 1},
	},
	SameTargetPoints:   []int{1, 2, 3}, // 2 reports: 1 point, 3: 2, 4 or more: 3
	CoReportersAtLeast: 3,
	CoReporterPoints:   1,
}

// Of is the score of a candidate.
func (sc CaseScore) Of(c CaseCandidate) int {
	s := 0
	for f, points := range sc.Flags {
		if slices.Contains(c.Flags, f) { // each flag once, however often a report lists it
			s += points
		}
	}
	for _, t := range sc.Terms {
		if strings.Contains(c.Summary, t.Term) {
			s += t.Points
		}
	}
	if n := len(sc.SameTargetPoints); n > 0 && c.TargetReports >= 2 {
		s += sc.SameTargetPoints[min(int(c.TargetReports), n+1)-2]
	}
	if sc.CoReporterPoints != 0 && c.CoReporters >= sc.CoReportersAtLeast {
		s += sc.CoReporterPoints
	}
	return s
}

// The parts of the score in SQL, each over the columns of one table.
const (
	scoreFlags     = "flags"     // over flags (reports)
	scoreSummary   = "summary"   // over summary (case_events)
	scoreAttention = "attention" // over target_reports and co_reporters
)

// sql is one part of the score as an expression (Int64).
func (sc CaseScore) sql(part string) string {
	parts := []string{"0"}
	switch part {
	case scoreFlags:
		flags := make([]string, 0, len(sc.Flags))
		for f := range sc.Flags {
			flags = append(flags, f)
		}
		sort.Strings(flags)
		for _, f := range flags {
			parts = append(parts, fmt.Sprintf("if(has(flags, %s), %d, 0)", store.Quote(f), sc.Flags[f]))
		}
	case scoreSummary:
		for _, t := range sc.Terms {
			parts = append(parts, fmt.Sprintf("if(position(summary, %s) > 0, %d, 0)", store.Quote(t.Term), t.Points))
		}
	case scoreAttention:
		if n := len(sc.SameTargetPoints); n > 0 {
			expr := "0" // the highest threshold outermost
			for i := 0; i < n; i++ {
				expr = fmt.Sprintf("if(target_reports >= %d, %d, %s)", i+2, sc.SameTargetPoints[i], expr)
			}
			parts = append(parts, expr)
		}
		if sc.CoReporterPoints != 0 {
			parts = append(parts, fmt.Sprintf("if(co_reporters >= %d, %d, 0)", sc.CoReportersAtLeast, sc.CoReporterPoints))
		}
	}
	return "toInt64(" + strings.Join(parts, " + ") + ")"
}
