package lifecycle

import "time"

// Case is what the lifecycle needs of a report.
type Case struct {
	ReportID   string
	Kind       string // report (12369 举报) or petition (信访); anything else is read as report
	Channel    string
	ReceivedAt time.Time
	RegionCode string
	IntakeOrg  string // the bureau that took the report in; RegionCode's bureau when empty
}

// Step is a step of a case that has a deadline.
type Step string

// Steps with deadlines.
const (
	// StepAccept is the decision on acceptance (受理 or 不予受理) within 15 日 of receipt
	// (12369 第九条; 信访 第十七条). Completed by accepted or rejected.
	StepAccept Step = "accept"
	// StepAssign is 交办 or 转办 within 3 工作日 of acceptance (12369 第十条). Completed by
	// assigned or transferred.
	StepAssign Step = "assign"
	// StepReturn is the receiving bureau's objection to a misrouted transfer within 5 工作日
	// (信访 第十七条). Recorded only when a returned event exists.
	StepReturn Step = "return"
	// StepClose is 办结 within 60 日 of acceptance, plus hearing days and one approved extension
	// of at most 30 日 (12369 第十一条; 信访 第二十九条、第三十三条). Completed by closed.
	StepClose Step = "close"
	// StepReview is the 复查 decision within 30 日 of the request (信访 第三十条). Completed by
	// review_decided.
	StepReview Step = "review"
	// StepRecheck is the 复核 decision within 30 日 of the request (信访 第三十一条). Completed
	// by recheck_decided.
	StepRecheck Step = "recheck"
)

// Steps lists the steps with deadlines in the order of a case.
var Steps = []Step{StepAccept, StepAssign, StepReturn, StepClose, StepReview, StepRecheck}

var stepNames = map[Step]string{
	StepAccept: "受理", StepAssign: "交办转办", StepReturn: "退回",
	StepClose: "办结", StepReview: "复查", StepRecheck: "复核",
}

// Name is the step's name for people (受理, 交办转办, 退回, 办结, 复查, 复核): the one name of
// the step in notices, dashboards and the disclosure.
func (s Step) Name() string {
	if n, ok := stepNames[s]; ok {
		return n
	}
	return string(s)
}

// Status of a deadline as of the evaluation time.
type Status string

// Statuses of a deadline.
const (
	Pending    Status = "pending"     // not done, not due yet
	Met        Status = "met"         // done on time
	MissedDone Status = "missed_done" // done, but late
	Overdue    Status = "overdue"     // past due and not done as of the evaluation time
	Paused     Status = "paused"      // not done, clock stopped by an open hearing (信访 第三十三条)
)

// Rule is the provision a deadline or violation comes from.
type Rule struct {
	Article string // e.g. 《生态环境举报热线工作管理办法》第九条
	// Days is the period the rule sets (0 for a rule without one), in 工作日 when WorkingDays,
	// else in 日 (calendar days).
	Days        int
	WorkingDays bool
	Text        string // the rule in one Chinese sentence
}

// Deadline is one due date of a case.
type Deadline struct {
	Step Step
	// Org is the responsible bureau (its region code): the bureau that did the step when it is
	// done, the bureau responsible at the evaluation time (or at the merge) when it is not.
	Org   string
	Start time.Time // when the clock started
	Due   time.Time // last moment allowed: end of the due day (23:59:59 Asia/Shanghai)
	Done  time.Time // zero if not done by asOf
	// Status as of the evaluation time.
	Status Status
	// ExtensionDays is the approved extension applied to this deadline (at most 30 counted).
	ExtensionDays int
	// PausedDays is, for close, the hearing days not counted (信访 第三十三条); for accept, the
	// days spent waiting for a supplement, for display only (the due date is not moved).
	PausedDays int
	Rule       Rule
}

// Violation is a breach of procedure (not a missed deadline: that is Deadline.Status).
type Violation struct {
	Code    string // one of the Violation* constants
	Rule    Rule
	At      time.Time // when the offending approval or request happened
	EventID string    // the offending event
	// Due is, for extension violations, the close due date in force when the extension was
	// approved (end of day); zero otherwise.
	Due    time.Time
	Detail string // Chinese, for people
}

// Codes of procedure violations.
const (
	ViolationExtensionTooLong   = "extension_too_long"  // extension_days > 30
	ViolationExtensionAfterDue  = "extension_after_due" // approved after the due date
	ViolationExtensionRepeated  = "extension_repeated"  // a second extension
	ViolationSupplementRepeated = "supplement_repeated" // a 12369 report asked twice to supplement
)

// Anomaly is something wrong with the event history itself. It is reported and handled in a
// fixed way; it never stops the evaluation.
type Anomaly struct {
	Code    string // one of the Anomaly* constants
	EventID string // the event concerned; empty when it concerns the case
	Detail  string // Chinese, for people
}

// Codes of anomalies.
const (
	AnomalyDuplicateEvent        = "duplicate_event"                 // an event id seen before: the first is kept
	AnomalyMissingEventID        = "missing_event_id"                // no event id: kept, cannot be deduplicated
	AnomalyWrongReport           = "wrong_report"                    // the event is for another report: ignored
	AnomalyMissingTime           = "missing_time"                    // the event has no time: ignored
	AnomalyUnknownType           = "unknown_type"                    // an event type outside case-events.v1: ignored
	AnomalyBeforeReceipt         = "before_receipt"                  // an event earlier than the receipt: processed
	AnomalyMissingReceivedAt     = "missing_received_at"             // the case has no receipt time: no accept deadline
	AnomalyUnknownOrg            = "unknown_org"                     // an org code that is not a GB/T 2260 code
	AnomalyClosedBeforeAccepted  = "closed_before_accepted"          // closure without a decision: acceptance implied
	AnomalyStepBeforeAccepted    = "step_before_accepted"            // handling step without a decision: acceptance implied
	AnomalyAcceptedTwice         = "accepted_twice"                  // ignored
	AnomalyRejectedTwice         = "rejected_twice"                  // ignored
	AnomalyAcceptedAfterRejected = "accepted_after_rejected"         // honoured: clocks start
	AnomalyRejectedAfterAccepted = "rejected_after_accepted"         // ignored
	AnomalyStepAfterRejected     = "step_after_rejected"             // handling step of a rejected case: ignored
	AnomalyStepAfterClosed       = "step_after_closed"               // handling step after the closure: ignored
	AnomalyClosedTwice           = "closed_twice"                    // the first closure counts
	AnomalyClosedAfterRejected   = "closed_after_rejected"           // ignored
	AnomalyEventAfterMerge       = "event_after_merge"               // ignored
	AnomalyMergedIntoSelf        = "merged_into_self"                // ignored
	AnomalyMergedWithoutTarget   = "merged_without_target"           // merged all the same; MergedInto empty
	AnomalyMergedAfterClosed     = "merged_after_closed"             // merged all the same
	AnomalyTransferWithoutTarget = "transfer_without_target"         // transferred without to_org_code
	AnomalyReturnWithoutTransfer = "return_without_transfer"         // returned with no transfer to return: ignored
	AnomalyHearingAlreadyStarted = "hearing_already_started"         // ignored
	AnomalyHearingNotStarted     = "hearing_not_started"             // hearing_ended without a start: ignored
	AnomalyHearingNotEnded       = "hearing_not_ended"               // closed during a hearing: ended by the closure
	AnomalyBadExtensionDays      = "bad_extension_days"              // extension_days ≤ 0: ignored
	AnomalySupplementAfterDecide = "supplement_after_decision"       // a supplement request after the decision: ignored
	AnomalySupplementedUnasked   = "supplemented_without_request"    // ignored
	AnomalyReviewTwice           = "review_requested_twice"          // ignored
	AnomalyReviewBeforeClosed    = "review_before_closed"            // tracked all the same
	AnomalyReviewNotRequested    = "review_decided_without_request"  // ignored
	AnomalyRecheckTwice          = "recheck_requested_twice"         // ignored
	AnomalyRecheckWithoutReview  = "recheck_without_review"          // tracked all the same
	AnomalyRecheckNotRequested   = "recheck_decided_without_request" // ignored
	AnomalyCalendarEstimate      = "calendar_estimate"               // a due date in a year the calendar does not know
)

// Stages of a case.
const (
	StageReceived            = "received"
	StageSupplementRequested = "supplement_requested"
	StageAccepted            = "accepted"
	StageRejected            = "rejected"
	StageAssigned            = "assigned"
	StageTransferred         = "transferred"
	StageReturned            = "returned"
	StageInHearing           = "in_hearing"
	StageClosed              = "closed"
	StageReplied             = "replied" // the reporter was answered after closure, or a 复查/复核 was decided
	StageUnderReview         = "under_review"
	StageUnderRecheck        = "under_recheck"
	StageMerged              = "merged"
)

// State is a case as of a time.
type State struct {
	ReportID string
	// Stage is one of the Stage* constants; empty when the case was received after asOf.
	Stage          string
	ResponsibleOrg string
	Deadlines      []Deadline // in order of Start (then of step)
	Violations     []Violation
	Anomalies      []Anomaly
	// MergedInto is the case this one was merged into: its own deadlines stop at the merge.
	MergedInto string
	Finding    string // of the first closure
	ClosedAt   time.Time
	RejectedAt time.Time
	// Resubmission is left for a later detector (a matter submitted again after 复核, 信访
	// 第三十一条); Evaluate does not set it.
	Resubmission bool
}

// Overdue returns the deadlines that are overdue at asOf: not done, not paused and past due.
// With the asOf given to Evaluate it returns exactly the deadlines of Status Overdue; with a
// later asOf it also returns Pending deadlines that have fallen due since (as if no event had
// happened in between), with their Status set to Overdue in the returned copies.
func (s State) Overdue(asOf time.Time) []Deadline {
	var out []Deadline
	for _, d := range s.Deadlines {
		if d.Status != Pending && d.Status != Overdue {
			continue
		}
		if !asOf.Before(nextSecond(d.Due)) {
			d.Status = Overdue
			out = append(out, d)
		}
	}
	return out
}
