package reports

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/store"
)

// Quarter is a calendar quarter of business time (Asia/Shanghai).
type Quarter struct {
	Year int
	N    int // 1 … 4
}

var quarterForm = regexp.MustCompile(`^([0-9]{4})[Qq]([1-4])$`)

// ParseQuarter reads the form YYYYQn, e.g. "2026Q3".
func ParseQuarter(s string) (Quarter, error) {
	m := quarterForm.FindStringSubmatch(s)
	if m == nil {
		return Quarter{}, fmt.Errorf("reports: quarter %q is not of the form YYYYQn (e.g. 2026Q3)", s)
	}
	y, _ := strconv.Atoi(m[1])
	n, _ := strconv.Atoi(m[2])
	if y < 2000 {
		return Quarter{}, fmt.Errorf("reports: quarter %q is before 2000", s)
	}
	return Quarter{Year: y, N: n}, nil
}

// QuarterOf returns the quarter a time falls in (in Asia/Shanghai).
func QuarterOf(t time.Time) Quarter {
	t = t.In(calendar.Shanghai)
	return Quarter{Year: t.Year(), N: (int(t.Month())-1)/3 + 1}
}

// String is the form YYYYQn.
func (q Quarter) String() string { return fmt.Sprintf("%dQ%d", q.Year, q.N) }

// Name is the Chinese name, e.g. 2026年第三季度.
func (q Quarter) Name() string {
	return fmt.Sprintf("%d年第%s季度", q.Year, []string{"", "一", "二", "三", "四"}[q.N])
}

// Start is midnight of the quarter's first day.
func (q Quarter) Start() time.Time {
	return time.Date(q.Year, time.Month((q.N-1)*3+1), 1, 0, 0, 0, 0, calendar.Shanghai)
}

// Period is [Start, start of the next quarter).
func (q Quarter) Period() store.Period {
	return store.Period{From: q.Start(), To: q.Start().AddDate(0, 3, 0)}
}

// Previous is the quarter before.
func (q Quarter) Previous() Quarter {
	if q.N == 1 {
		return Quarter{Year: q.Year - 1, N: 4}
	}
	return Quarter{Year: q.Year, N: q.N - 1}
}

// LastYear is the same quarter a year before.
func (q Quarter) LastYear() Quarter { return Quarter{Year: q.Year - 1, N: q.N} }

// CohortDays is the handling time of 12369 Art. 11: the 60-day cohort is the reports accepted
// in the quarter-long window that ends CohortDays before the quarter's end, so that their
// handling time ran out within the quarter.
const CohortDays = 60

// Cohort is the acceptance window of the 60-day cohort.
func (q Quarter) Cohort() store.Period {
	p := q.Period()
	return store.Period{From: p.From.AddDate(0, 0, -CohortDays), To: p.To.AddDate(0, 0, -CohortDays)}
}

// Months are the first days of the quarter's three months.
func (q Quarter) Months() []time.Time {
	s := q.Start()
	return []time.Time{s, s.AddDate(0, 1, 0), s.AddDate(0, 2, 0)}
}

// DueQuarter says whether a quarterly report is due on the day of t: on the first working day
// of a quarter (State Council calendar) it returns the previous quarter and true. A scheduled
// job (ecowatch run) calls it every morning and generates the report when it is due.
func DueQuarter(cal *calendar.Calendar, t time.Time) (Quarter, bool) {
	q := QuarterOf(t)
	first := cal.WorkingDayOnOrAfter(q.Start())
	day := t.In(calendar.Shanghai)
	if day.Year() == first.Year() && day.YearDay() == first.YearDay() {
		return q.Previous(), true
	}
	return Quarter{}, false
}
