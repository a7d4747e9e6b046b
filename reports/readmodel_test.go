package reports

import (
	"strings"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

// The Go rendering of CaseScore on hand-made cases; the SQL rendering is run on the same
// kind of cases against the real server in integration (TestCaseScoreRanksTheSameOnTheServerAndInGo).
func TestCaseScoreOf(t *testing.T) {
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
		{CaseCandidate{Flags: []string{"media", "media"}}, 2}, // a flag counts once
		{CaseCandidate{Summary: "已罚款，并移送公安机关。"}, 4},
		{CaseCandidate{TargetReports: 2}, 1},
		{CaseCandidate{TargetReports: 4}, 3},
		{CaseCandidate{TargetReports: 40, CoReporters: 3}, 4},
		{CaseCandidate{CoReporters: 2}, 0},
	}
	for _, tc := range cases {
		if got := sc.Of(tc.c); got != tc.want {
			t.Errorf("%+v: score %d, want %d", tc.c, got, tc.want)
		}
	}
}

func TestDisclosureSQLKeepsToTheOldServer(t *testing.T) {
	q0 := time.Date(2026, 7, 1, 0, 0, 0, 0, calendar.Shanghai)
	gd, _ := region.Default().ParseScope("440000")
	q := Query{Scope: gd, Quarter: store.Period{From: q0, To: q0.AddDate(0, 3, 0)}, Previous: store.Period{From: q0.AddDate(0, -3, 0), To: q0},
		LastYear: store.Period{From: q0.AddDate(-1, 0, 0), To: q0.AddDate(-1, 3, 0)}, Cohort: store.Period{From: q0.AddDate(0, 0, -60), To: q0.AddDate(0, 3, -60)}}
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
	// the versions are read by the one latest-version rule, in the one scope
	if !strings.Contains(sql, "PREWHERE version > 1") || !strings.Contains(sql, "province_code = '440000'") ||
		!strings.Contains(sql, "intDiv(r, 10000) = 44") {
		t.Errorf("the groups query does not read the latest versions of the scope:\n%s", sql)
	}
}

// The packed report's fields fit in 64 bits, and pack and unpack agree on where each lies.
func TestPackedReportFits(t *testing.T) {
	fields := packedReport(Query{}, store.LatestReports{})
	var bits uint
	for _, f := range fields {
		bits += f.bits
	}
	if bits > 64 {
		t.Fatalf("the packed report needs %d bits", bits)
	}
	p, u := pack(fields), unpack(fields, "pk")
	if !strings.Contains(p, "bitShiftLeft(bitAnd(toUInt64(toUInt32OrZero(region_code)), 1048575), 29)") ||
		!strings.Contains(u, "bitAnd(bitShiftRight(pk, 29), 1048575) AS r") {
		t.Errorf("region field:\n%s\n%s", p, u)
	}
}

func TestMergeSumsAndSorts(t *testing.T) {
	in := []IndustryRow{
		{Period: InPrevious, Industry: "建筑业", Received: 2},
		{Period: InQuarter, Industry: "建筑业", Received: 3},
		{Period: InQuarter, Industry: "建筑业", Received: 4},
		{Period: InQuarter, Industry: "", Received: 1},
	}
	out := merge(in, func(r IndustryRow) string { return key(r.Period, r.Industry) },
		func(a *IndustryRow, b IndustryRow) { a.Received += b.Received })
	if len(out) != 3 || out[0].Industry != "" || out[1].Received != 7 || out[2].Period != InPrevious {
		t.Errorf("%+v", out)
	}
}
