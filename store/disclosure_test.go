package store

import (
	"strings"
	"testing"
	"time"
)

func TestDisclosureScope(t *testing.T) {
	for scope, want := range map[string]string{
		"":       "1",
		"440000": "intDiv(r, 10000) = 44",
		"440300": "intDiv(r, 100) = 4403",
		"110000": "intDiv(r, 10000) = 11",
	} {
		got, err := scopeCond(scope, "r")
		if err != nil || got != want {
			t.Errorf("scopeCond(%q) = %q, %v; want %q", scope, got, err, want)
		}
	}
	for _, bad := range []string{"440305", "44", "44x000"} {
		if _, err := scopeCond(bad, "r"); err == nil {
			t.Errorf("scopeCond(%q) accepted", bad)
		}
	}
}

func TestCaseScoreInGoAndSQLFollowTheSameRule(t *testing.T) {
	sc := CaseScore{
		Flags:            map[string]int{"emergency": 4, "media": 2},
		Terms:            []ScoredTerm{{Term: "移送公安", Points: 3}, {Term: "罚款", Points: 1}},
		SameTargetPoints: []int{1, 2, 3}, CoReportersAtLeast: 3, CoReporterPoints: 1,
	}
	cases := []struct {
		c    CaseCandidate
		want int
	}{
		{CaseCandidate{}, 0},
		{CaseCandidate{Flags: []string{"emergency", "media"}}, 6},
		{CaseCandidate{Summary: "已罚款，并移送公安机关。"}, 4},
		{CaseCandidate{TargetReports: 2}, 1},
		{CaseCandidate{TargetReports: 4}, 3},
		{CaseCandidate{TargetReports: 40, CoReporters: 3}, 4},
	}
	for _, tc := range cases {
		if got := sc.Of(tc.c); got != tc.want {
			t.Errorf("%+v: score %d, want %d", tc.c, got, tc.want)
		}
	}
	att := sqlScore(sc, "attention")
	for _, want := range []string{"if(target_reports >= 4, 3, if(target_reports >= 3, 2, if(target_reports >= 2, 1, 0)))", "if(co_reporters >= 3, 1, 0)"} {
		if !strings.Contains(att, want) {
			t.Errorf("attention SQL %s lacks %s", att, want)
		}
	}
	if f := sqlScore(sc, "flags"); !strings.Contains(f, "if(has(flags, 'emergency'), 4, 0) + if(has(flags, 'media'), 2, 0)") {
		t.Errorf("flags SQL %s", f)
	}
}

func TestDisclosureSQLKeepsToTheOldServer(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	q0 := time.Date(2026, 7, 1, 0, 0, 0, 0, sh)
	q := DisclosureQuery{Scope: "440000", Quarter: Period{q0, q0.AddDate(0, 3, 0)}, Previous: Period{q0.AddDate(0, -3, 0), q0},
		LastYear: Period{q0.AddDate(-1, 0, 0), q0.AddDate(-1, 3, 0)}, Cohort: Period{q0.AddDate(0, 0, -60), q0.AddDate(0, 3, -60)}}
	sql := groupsSQL(q)
	for _, banned := range []string{"JSONExtract", "DateTime64", "toStartOfInterval", "WITH ROLLUP", "WITH CUBE", "reports_latest"} {
		if strings.Contains(sql, banned) {
			t.Errorf("the groups query uses %s", banned)
		}
	}
	// the receipt windows: from 60 days before the cohort's first acceptance, and last year
	if w := groupsWindows(q); !w[0].From.Equal(q0.AddDate(0, 0, -120)) || !w[0].To.Equal(q0.AddDate(0, 3, 0)) || w[1] != q.LastYear {
		t.Errorf("windows %v", w)
	}
	if !strings.Contains(sql, "toDateTime(1782835200, 'Asia/Shanghai')") { // 2026-07-01 00:00 Asia/Shanghai
		t.Errorf("the quarter's start is not in Asia/Shanghai:\n%s", sql)
	}
}

func TestMergeGroupsSumsAndSorts(t *testing.T) {
	in := []DisclosureGroup{
		{Period: 1, Dim: DimIndustry, Key: []string{"建筑业"}, Received: 2},
		{Period: 0, Dim: DimIndustry, Key: []string{"建筑业"}, Received: 3},
		{Period: 0, Dim: DimIndustry, Key: []string{"建筑业"}, Received: 4, Closed: 1},
		{Period: 0, Dim: DimCohort, Key: []string{"440305", "report"}, Received: 1, CohortClosed: 1},
	}
	out := mergeGroups(in)
	if len(out) != 3 || out[0].Dim != DimCohort || out[1].Received != 7 || out[1].Closed != 1 || out[2].Period != 1 {
		t.Errorf("%+v", out)
	}
}
