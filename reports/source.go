package reports

import (
	"context"
	"time"

	"github.com/ecowatch/ecowatch/lifecycle"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

// Source is where the figures of a disclosure come from, in one call: the ClickHouse read
// model (ReadModel), or a fixture in tests. Every figure is in Asia/Shanghai business time.
type Source interface {
	Disclosure(ctx context.Context, q Query) (*Data, error)
}

var _ Source = (*ReadModel)(nil)

// Query says what to aggregate.
type Query struct {
	// Scope is the jurisdiction: the nation, a province or a prefecture-level city.
	Scope region.Scope
	// Quarter, Previous and LastYear are the three periods compared.
	Quarter, Previous, LastYear store.Period
	// Cohort is a period of acceptance: the reports accepted in it form the 60-day cohort,
	// whose closures are counted up to Quarter.To.
	Cohort store.Period
	// VerificationMethods classify how unsubstantiated cases closed in the quarter were
	// verified, by terms of their handling summary; a case counts once for every method whose
	// terms it mentions.
	VerificationMethods []TermClass
	// CaseScore scores closed substantiated cases for the choice of typical cases; Candidates
	// is how many of the best are returned (default 200).
	CaseScore  CaseScore
	Candidates int
	// Progress, when set, is told each step before it runs.
	Progress func(step string)
}

// PeriodIndex names one of the three periods of a Query.
type PeriodIndex int

// The periods compared.
const (
	InQuarter  PeriodIndex = 0 // the quarter reported
	InPrevious PeriodIndex = 1 // the quarter before it
	InLastYear PeriodIndex = 2 // the same quarter a year before
)

// Data is what the read model returns: one slice of typed rows per breakdown. A report is
// counted at its latest version (store.LatestReports) and in the scope when its latest
// version is.
type Data struct {
	Channels      []ChannelRow
	Categories    []CategoryRow
	Subcategories []SubcategoryRow
	Industries    []IndustryRow
	Months        []MonthRow
	Rejections    []RejectionRow
	Cohort        []CohortRow
	Closures      []ClosureCount
	Verification  []VerificationCount
	Deadlines     []DeadlineCount
	Matters       []MatterCount
	Candidates    []CaseCandidate
	// DataFrom and DataTo are the first and last received_at in the whole reports table (any
	// scope): the extent of the data, to tell missing data from an empty period.
	DataFrom, DataTo time.Time
	// StatesAsOf is the time case_states and case_deadlines were last evaluated (zero when
	// the case states were never saved).
	StatesAsOf time.Time
}

// Handling is what had happened, by the end of the period they were received in, to a group
// of reports received in a period: computed for the quarter and the previous quarter, zero for
// the same quarter last year (only its receipts are compared). A report counts as rejected
// only when it was not accepted.
type Handling struct {
	Received, Accepted, Rejected, Assigned, Closed, Replied, Merged uint64
}

func (h *Handling) add(o Handling) {
	h.Received += o.Received
	h.Accepted += o.Accepted
	h.Rejected += o.Rejected
	h.Assigned += o.Assigned
	h.Closed += o.Closed
	h.Replied += o.Replied
	h.Merged += o.Merged
}

// ChannelRow is the reports received in a period with one region code, kind and channel, and
// their handling. Every total of the page sums these rows.
type ChannelRow struct {
	Period                PeriodIndex
	Region, Kind, Channel string
	Handling
}

// CategoryRow is the reports received in a period with one region code and kind that name a
// category, once for every category of a report (categories[]): the counts of a report's
// categories sum past the number of reports.
type CategoryRow struct {
	Period                 PeriodIndex
	Region, Kind, Category string
	Received               uint64
}

// SubcategoryRow is the reports received in a period with one main category and subcategory
// ("" when not given).
type SubcategoryRow struct {
	Period                PeriodIndex
	Category, Subcategory string
	Received              uint64
}

// IndustryRow is the reports received in a period whose target is in one industry ("" when
// not given).
type IndustryRow struct {
	Period   PeriodIndex
	Industry string
	Received uint64
}

// MonthRow is the reports of one kind received in a month (YYYYMM) of a period.
type MonthRow struct {
	Period      PeriodIndex
	Month, Kind string
	Received    uint64
}

// RejectionRow is the reports of one kind received in a period and rejected by its end (not
// accepted) for one reason (the first rejection's).
type RejectionRow struct {
	Period       PeriodIndex
	Reason, Kind string
	Rejected     uint64
}

// CohortRow is the 60-day cohort (Query.Cohort) of one region code and kind: the reports
// accepted in the cohort's window, not merged by the quarter's end, and how many of them were
// closed before the quarter's end.
type CohortRow struct {
	Region, Kind     string
	Accepted, Closed uint64
}

// ClosureCount is the number of cases closed in a period (the quarter or the previous one)
// with a finding (the last closure of a case within the period counts).
type ClosureCount struct {
	Period  PeriodIndex
	Finding string
	Cases   uint64
}

// VerificationCount is the number of unsubstantiated cases closed in the quarter whose summary
// names a verification method; Method "" is the total of such cases.
type VerificationCount struct {
	Method string
	Cases  uint64
}

// DeadlineCount is the deadlines of one step that fell due in a period (the quarter or the
// previous one), by status as of StatesAsOf: met, missed_done, overdue, and the others
// (pending, paused).
type DeadlineCount struct {
	Period                               PeriodIndex
	Step                                 lifecycle.Step
	Due, Met, MissedDone, Overdue, Other uint64
}

// MatterCount is the reports received in a period (the quarter or the previous one) and the
// matters they make (a report merged into another counts with that one), by kind, from
// case_states.
type MatterCount struct {
	Period           PeriodIndex
	Kind             string
	Reports, Matters uint64
}

// CaseCandidate is a case closed substantiated in the quarter, a candidate typical case. It
// carries no report id and no reporter information; TargetName is only there to be masked in
// the summary.
type CaseCandidate struct {
	Kind, Category, Subcategory, RegionCode, Industry string
	Flags                                             []string
	CoReporters                                       uint32
	TargetReports                                     uint64
	TargetName, Summary                               string
	ClosedAt                                          time.Time
	// Score is CaseScore.Of the candidate; RankScore is the score the server ranked it by (the
	// SQL rendering of the same rule: the two agree, a test holds them to it).
	Score, RankScore int
}
