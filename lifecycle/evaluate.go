package lifecycle

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/region"
)

// typeRank is the fixed order of event types at the same instant: the order of a normal case.
var typeRank = map[string]int{
	contract.EventSupplementRequested: 1,
	contract.EventSupplemented:        2,
	contract.EventAccepted:            3,
	contract.EventRejected:            4,
	contract.EventAssigned:            5,
	contract.EventTransferred:         6,
	contract.EventReturned:            7,
	contract.EventHearingStarted:      8,
	contract.EventHearingEnded:        9,
	contract.EventExtensionApproved:   10,
	contract.EventClosed:              11,
	contract.EventReplied:             12,
	contract.EventRevisited:           13,
	contract.EventReviewRequested:     14,
	contract.EventReviewDecided:       15,
	contract.EventRecheckRequested:    16,
	contract.EventRecheckDecided:      17,
	contract.EventReminded:            18,
	contract.EventSupervised:          19,
	contract.EventMerged:              20,
}

// stepRank orders deadlines that start at the same moment.
var stepRank = map[Step]int{StepAccept: 0, StepAssign: 1, StepReturn: 2, StepClose: 3, StepReview: 4, StepRecheck: 5}

// compareEvents is a total order on events: time, type order, event id, then every other field.
func compareEvents(a, b *contract.CaseEvent) int {
	rank := func(t string) int {
		if r, ok := typeRank[t]; ok {
			return r
		}
		return len(typeRank) + 1
	}
	return cmp.Or(
		a.At.Time.Compare(b.At.Time),
		cmp.Compare(rank(a.Type), rank(b.Type)),
		cmp.Compare(a.Type, b.Type),
		cmp.Compare(a.EventID, b.EventID),
		cmp.Compare(a.ReportID, b.ReportID),
		cmp.Compare(a.OrgCode, b.OrgCode),
		cmp.Compare(a.ToOrgCode, b.ToOrgCode),
		cmp.Compare(a.ExtensionDays, b.ExtensionDays),
		cmp.Compare(a.MergedInto, b.MergedInto),
		cmp.Compare(a.Finding, b.Finding),
		cmp.Compare(a.Reason, b.Reason),
		cmp.Compare(a.Summary, b.Summary),
		cmp.Compare(a.Schema, b.Schema),
	)
}

// track is one deadline being followed.
type track struct {
	d       Deadline
	done    bool
	dropped bool // not applicable any more (merge)
}

func (t *track) open() bool { return t != nil && !t.done && !t.dropped }

// closeClock is the close deadline with what moves it.
type closeClock struct {
	track
	base          time.Time // 00:00 of the day of acceptance
	pause         int       // days of ended hearings
	hearingAt     time.Time // start of an open hearing
	hearingPauses bool      // whether the open hearing stops the clock (it began before the due date)
	approvals     int       // extension approvals seen
	firstApproval time.Time
	ext           int // extension applied (≤ MaxExtensionDays)
}

type transfer struct {
	at       time.Time
	from, to string
}

type evaluator struct {
	cal     *calendar.Calendar
	regions *region.Table
	c       Case
	asOf    time.Time
	st      State

	accept, assign  *track
	close           *closeClock
	returns         []*track
	review, recheck *track
	acceptedAt      time.Time // explicit or implied acceptance; zero before
	rejected        bool      // the last decision is a rejection
	closed, merged  bool
	mergedAt        time.Time
	transfer        *transfer // the last transfer, until returned
	supplements     int
	firstSupplement time.Time
	supplementSince time.Time // start of an open supplement wait
	supplementWait  time.Duration
	stageBeforeHear string
	estimated       bool
}

// Evaluate derives the state of case c as of asOf from its events. Events later than asOf are
// ignored; the others may come in any order and with duplicates. A nil calendar means
// calendar.Default(). A case received after asOf has an empty Stage and no deadlines. Evaluate
// never panics on bad input: what it cannot make sense of becomes an Anomaly.
func Evaluate(cal *calendar.Calendar, c Case, events []contract.CaseEvent, asOf time.Time) State {
	if cal == nil {
		cal = calendar.Default()
	}
	e := &evaluator{cal: cal, regions: region.Default(), c: c, asOf: asOf.In(calendar.Shanghai)}
	e.st.ReportID = c.ReportID
	received := c.ReceivedAt.In(calendar.Shanghai)
	if !c.ReceivedAt.IsZero() && e.asOf.Before(received) {
		return e.st
	}
	e.st.Stage = StageReceived
	intake := c.IntakeOrg
	if intake == "" {
		intake = c.RegionCode
	}
	e.st.ResponsibleOrg = intake
	if intake != "" && !e.regions.Valid(intake) {
		e.anomaly(AnomalyUnknownOrg, "", fmt.Sprintf("受理单位代码%s不是有效的行政区划代码。", intake))
	}
	if c.ReceivedAt.IsZero() {
		e.anomaly(AnomalyMissingReceivedAt, "", "举报件没有收到时间，无法计算受理期限。")
	} else {
		rule := acceptRule(c)
		due, exact := calendarDue(cal, received, rule.Days)
		e.estimate(exact)
		e.accept = &track{d: Deadline{Step: StepAccept, Org: intake, Start: received, Due: due, Rule: rule}}
	}
	e.run(events)
	e.finish()
	return e.st
}

// run sorts the events and applies them in order, after dropping those later than asOf and
// reporting and dropping unusable ones and duplicates; anomalies come out in time order.
func (e *evaluator) run(events []contract.CaseEvent) {
	sorted := make([]*contract.CaseEvent, len(events))
	for i := range events {
		sorted[i] = &events[i]
	}
	slices.SortStableFunc(sorted, compareEvents)
	seen := make(map[string]*contract.CaseEvent, len(sorted))
	for _, ev := range sorted {
		switch {
		case ev.ReportID != "" && e.c.ReportID != "" && ev.ReportID != e.c.ReportID:
			e.anomaly(AnomalyWrongReport, ev.EventID, fmt.Sprintf("事件属于举报件%s，不属于本件，已忽略。", ev.ReportID))
			continue
		case ev.At.IsZero():
			e.anomaly(AnomalyMissingTime, ev.EventID, "事件没有发生时间，已忽略。")
			continue
		case ev.At.Time.After(e.asOf):
			continue
		}
		if ev.EventID == "" {
			e.anomaly(AnomalyMissingEventID, "", fmt.Sprintf("%s的%s事件没有事件编号，无法去重。", fmtTime(ev.At.Time), ev.Type))
		} else if first, dup := seen[ev.EventID]; dup {
			detail := "事件编号重复（内容相同），保留第一条。"
			if compareEvents(first, ev) != 0 {
				detail = fmt.Sprintf("事件编号重复且内容不同（%s %s 与 %s %s），保留第一条。",
					first.Type, fmtTime(first.At.Time), ev.Type, fmtTime(ev.At.Time))
			}
			e.anomaly(AnomalyDuplicateEvent, ev.EventID, detail)
			continue
		} else {
			seen[ev.EventID] = ev
		}
		if _, ok := typeRank[ev.Type]; !ok {
			e.anomaly(AnomalyUnknownType, ev.EventID, fmt.Sprintf("未知的事件类型%q，已忽略。", ev.Type))
			continue
		}
		if !e.c.ReceivedAt.IsZero() && ev.At.Time.Before(e.c.ReceivedAt) {
			e.anomaly(AnomalyBeforeReceipt, ev.EventID, fmt.Sprintf("事件时间%s早于举报件收到时间%s。", fmtTime(ev.At.Time), fmtTime(e.c.ReceivedAt)))
		}
		for _, code := range []string{ev.OrgCode, ev.ToOrgCode} {
			if code != "" && !e.regions.Valid(code) {
				e.anomaly(AnomalyUnknownOrg, ev.EventID, fmt.Sprintf("单位代码%s不是有效的行政区划代码。", code))
			}
		}
		e.apply(ev)
	}
}

func (e *evaluator) anomaly(code, eventID, detail string) {
	e.st.Anomalies = append(e.st.Anomalies, Anomaly{Code: code, EventID: eventID, Detail: detail})
}

func (e *evaluator) violation(code string, rule Rule, ev *contract.CaseEvent, due time.Time, detail string) {
	e.st.Violations = append(e.st.Violations, Violation{Code: code, Rule: rule, At: ev.At.Time.In(calendar.Shanghai),
		EventID: ev.EventID, Due: due, Detail: detail})
}

func (e *evaluator) estimate(exact bool) {
	if !exact {
		e.estimated = true
	}
}

func (e *evaluator) apply(ev *contract.CaseEvent) {
	at := ev.At.Time.In(calendar.Shanghai)
	if e.merged {
		e.anomaly(AnomalyEventAfterMerge, ev.EventID, fmt.Sprintf("本件已于%s合并至%s，其后的%s事件已忽略。", fmtTime(e.mergedAt), e.st.MergedInto, ev.Type))
		return
	}
	switch ev.Type {
	case contract.EventSupplementRequested:
		e.supplementRequested(ev, at)
	case contract.EventSupplemented:
		if e.supplementSince.IsZero() {
			e.anomaly(AnomalySupplementedUnasked, ev.EventID, "未要求补充材料而收到补充材料，已忽略。")
			return
		}
		e.supplementWait += at.Sub(e.supplementSince)
		e.supplementSince = time.Time{}
		if e.st.Stage == StageSupplementRequested {
			e.st.Stage = StageReceived
		}
	case contract.EventAccepted:
		e.accepted(ev, at)
	case contract.EventRejected:
		switch {
		case !e.acceptedAt.IsZero():
			e.anomaly(AnomalyRejectedAfterAccepted, ev.EventID, fmt.Sprintf("本件已于%s受理，其后的不予受理已忽略。", fmtTime(e.acceptedAt)))
		case e.rejected:
			e.anomaly(AnomalyRejectedTwice, ev.EventID, "重复的不予受理决定，已忽略。")
		default:
			e.decide(at, ev.OrgCode)
			e.rejected = true
			e.st.RejectedAt = at
			e.st.Stage = StageRejected
			e.setOrg(ev.OrgCode)
		}
	case contract.EventAssigned:
		if !e.handling(ev, at) {
			return
		}
		e.completeAssign(at, ev.OrgCode)
		e.st.Stage = StageAssigned
		e.setOrg(ev.OrgCode)
	case contract.EventTransferred:
		if !e.handling(ev, at) {
			return
		}
		e.completeAssign(at, ev.OrgCode)
		from := ev.OrgCode
		if from == "" {
			from = e.st.ResponsibleOrg
		}
		if ev.ToOrgCode == "" {
			e.anomaly(AnomalyTransferWithoutTarget, ev.EventID, "转办事件没有接收单位。")
		}
		e.transfer = &transfer{at: at, from: from, to: ev.ToOrgCode}
		e.setOrg(ev.ToOrgCode)
		e.st.Stage = StageTransferred
	case contract.EventReturned:
		e.returned(ev, at)
	case contract.EventHearingStarted:
		if !e.handling(ev, at) {
			return
		}
		if !e.close.hearingAt.IsZero() {
			e.anomaly(AnomalyHearingAlreadyStarted, ev.EventID, fmt.Sprintf("听证已于%s开始，重复的开始事件已忽略。", fmtTime(e.close.hearingAt)))
			return
		}
		e.close.hearingPauses = !late(at, e.closeDue(at))
		e.close.hearingAt = at
		e.stageBeforeHear = e.st.Stage
		e.st.Stage = StageInHearing
	case contract.EventHearingEnded:
		if e.close == nil || e.close.hearingAt.IsZero() {
			e.anomaly(AnomalyHearingNotStarted, ev.EventID, "没有进行中的听证，听证结束事件已忽略。")
			return
		}
		e.endHearing(at)
		if e.st.Stage == StageInHearing {
			e.st.Stage = e.stageBeforeHear
		}
	case contract.EventExtensionApproved:
		e.extension(ev, at)
	case contract.EventClosed:
		e.closedEvent(ev, at)
	case contract.EventReplied:
		if e.st.Stage == StageClosed {
			e.st.Stage = StageReplied
		}
	case contract.EventReviewRequested:
		if e.review != nil {
			e.anomaly(AnomalyReviewTwice, ev.EventID, fmt.Sprintf("已于%s请求复查，重复的复查请求已忽略。", fmtTime(e.review.d.Start)))
			return
		}
		if !e.closed {
			e.anomaly(AnomalyReviewBeforeClosed, ev.EventID, "本件尚未办结即请求复查，仍按复查期限跟踪。")
		}
		e.review = e.requestTrack(StepReview, RuleReview, ev, at)
		e.st.Stage = StageUnderReview
	case contract.EventReviewDecided:
		if !e.review.open() {
			e.anomaly(AnomalyReviewNotRequested, ev.EventID, "没有待决的复查请求，复查意见事件已忽略。")
			return
		}
		e.complete(e.review, at, ev.OrgCode)
		e.st.Stage = StageReplied
	case contract.EventRecheckRequested:
		if e.recheck != nil {
			e.anomaly(AnomalyRecheckTwice, ev.EventID, fmt.Sprintf("已于%s请求复核，重复的复核请求已忽略。", fmtTime(e.recheck.d.Start)))
			return
		}
		if e.review == nil || !e.review.done {
			e.anomaly(AnomalyRecheckWithoutReview, ev.EventID, "没有已作出的复查意见即请求复核，仍按复核期限跟踪。")
		}
		e.recheck = e.requestTrack(StepRecheck, RuleRecheck, ev, at)
		e.st.Stage = StageUnderRecheck
	case contract.EventRecheckDecided:
		if !e.recheck.open() {
			e.anomaly(AnomalyRecheckNotRequested, ev.EventID, "没有待决的复核请求，复核意见事件已忽略。")
			return
		}
		e.complete(e.recheck, at, ev.OrgCode)
		e.st.Stage = StageReplied
	case contract.EventMerged:
		e.mergedEvent(ev, at)
	case contract.EventReminded, contract.EventSupervised, contract.EventRevisited:
		// no deadline and no stage of their own
	}
}

func (e *evaluator) setOrg(code string) {
	if code != "" {
		e.st.ResponsibleOrg = code
	}
}

// complete marks a deadline done at at by org, or by the bureau responsible then when the
// event names none.
func (e *evaluator) complete(t *track, at time.Time, org string) {
	t.d.Done = at
	t.done = true
	if org == "" {
		org = e.st.ResponsibleOrg
	}
	t.d.Org = org
}

// decide completes the accept deadline (accepted, rejected or an implied acceptance).
func (e *evaluator) decide(at time.Time, org string) {
	if !e.supplementSince.IsZero() {
		e.supplementWait += at.Sub(e.supplementSince)
		e.supplementSince = time.Time{}
	}
	if e.accept.open() {
		e.complete(e.accept, at, org)
	}
}

// startHandling starts the assign and close clocks at the acceptance.
func (e *evaluator) startHandling(at time.Time) {
	e.acceptedAt = at
	e.rejected = false
	due, exact := workingDue(e.cal, at, RuleAssign.Days)
	e.estimate(exact)
	e.assign = &track{d: Deadline{Step: StepAssign, Org: e.st.ResponsibleOrg, Start: at, Due: due, Rule: RuleAssign}}
	e.close = &closeClock{base: dayOf(at)}
	e.close.d = Deadline{Step: StepClose, Org: e.st.ResponsibleOrg, Start: at, Rule: closeRule(e.c, false)}
	e.close.d.Due = e.closeDue(at)
}

func (e *evaluator) accepted(ev *contract.CaseEvent, at time.Time) {
	switch {
	case !e.acceptedAt.IsZero():
		e.anomaly(AnomalyAcceptedTwice, ev.EventID, fmt.Sprintf("本件已于%s受理，重复的受理事件已忽略。", fmtTime(e.acceptedAt)))
		return
	case e.rejected:
		e.anomaly(AnomalyAcceptedAfterRejected, ev.EventID,
			fmt.Sprintf("本件已于%s决定不予受理，其后又受理；按受理处理，交办和办结期限自受理时起算。", fmtTime(e.st.RejectedAt)))
	default:
		e.decide(at, ev.OrgCode)
	}
	e.setOrg(ev.OrgCode)
	e.startHandling(at)
	e.st.Stage = StageAccepted
}

// handling admits a handling step (assigned, transferred, hearing_started, extension_approved,
// closed): not after the closure or a rejection; before any decision it implies acceptance.
func (e *evaluator) handling(ev *contract.CaseEvent, at time.Time) bool {
	if e.closed {
		e.anomaly(AnomalyStepAfterClosed, ev.EventID, fmt.Sprintf("本件已于%s办结，其后的%s事件已忽略。", fmtTime(e.st.ClosedAt), ev.Type))
		return false
	}
	if !e.acceptedAt.IsZero() {
		return true
	}
	if e.rejected {
		e.anomaly(AnomalyStepAfterRejected, ev.EventID, fmt.Sprintf("本件已于%s决定不予受理，其后的%s事件已忽略。", fmtTime(e.st.RejectedAt), ev.Type))
		return false
	}
	code, what := AnomalyStepBeforeAccepted, ev.Type
	if ev.Type == contract.EventClosed {
		code, what = AnomalyClosedBeforeAccepted, "办结"
	}
	e.anomaly(code, ev.EventID, fmt.Sprintf("未见受理决定即%s（%s）；视为于该时受理。", what, fmtTime(at)))
	e.decide(at, ev.OrgCode)
	e.setOrg(ev.OrgCode)
	e.startHandling(at)
	e.st.Stage = StageAccepted
	return true
}

func (e *evaluator) completeAssign(at time.Time, org string) {
	if e.assign.open() {
		e.complete(e.assign, at, org)
	}
}

func (e *evaluator) supplementRequested(ev *contract.CaseEvent, at time.Time) {
	if e.accept != nil && !e.accept.open() || !e.acceptedAt.IsZero() || e.rejected {
		e.anomaly(AnomalySupplementAfterDecide, ev.EventID, "已作出受理决定后又要求补充材料，不影响期限。")
		return
	}
	e.supplements++
	if e.supplements == 1 {
		e.firstSupplement = at
	} else if !petition(e.c) {
		e.violation(ViolationSupplementRepeated, RuleSupplement, ev, time.Time{},
			fmt.Sprintf("已于%s要求举报人补充材料，%s再次要求补充，未一次性全部告知。", fmtTime(e.firstSupplement), fmtTime(at)))
	}
	if e.supplementSince.IsZero() {
		e.supplementSince = at
	}
	e.st.Stage = StageSupplementRequested
}

func (e *evaluator) returned(ev *contract.CaseEvent, at time.Time) {
	if e.closed {
		e.anomaly(AnomalyStepAfterClosed, ev.EventID, fmt.Sprintf("本件已于%s办结，其后的退回事件已忽略。", fmtTime(e.st.ClosedAt)))
		return
	}
	tr := e.transfer
	if tr == nil {
		e.anomaly(AnomalyReturnWithoutTransfer, ev.EventID, "没有可退回的转办，退回事件已忽略。")
		return
	}
	e.transfer = nil
	due, exact := workingDue(e.cal, tr.at, RuleReturn.Days)
	e.estimate(exact)
	t := &track{d: Deadline{Step: StepReturn, Org: tr.to, Start: tr.at, Due: due, Rule: RuleReturn}}
	e.complete(t, at, ev.OrgCode)
	e.returns = append(e.returns, t)
	back := ev.ToOrgCode
	if back == "" {
		back = tr.from
	}
	e.setOrg(back)
	e.st.Stage = StageReturned
}

// closeDue is the close Due in force at t: 60 日 from the acceptance, plus ended hearings,
// plus an open hearing that pauses the clock counted up to t, plus the applied extension.
func (e *evaluator) closeDue(t time.Time) time.Time {
	cc := e.close
	n := closeRule(e.c, false).Days + cc.pause + cc.ext
	if !cc.hearingAt.IsZero() && cc.hearingPauses {
		n += ceilDays(t.Sub(cc.hearingAt))
	}
	due, exact := calendarDue(e.cal, cc.base, n)
	e.estimate(exact)
	return due
}

func (e *evaluator) endHearing(at time.Time) {
	cc := e.close
	if cc.hearingPauses {
		cc.pause += ceilDays(at.Sub(cc.hearingAt))
	}
	cc.hearingAt = time.Time{}
	cc.hearingPauses = false
}

func (e *evaluator) extension(ev *contract.CaseEvent, at time.Time) {
	if !e.handling(ev, at) {
		return
	}
	days := int(ev.ExtensionDays)
	if days <= 0 {
		e.anomaly(AnomalyBadExtensionDays, ev.EventID, fmt.Sprintf("延期天数为%d，已忽略。", days))
		return
	}
	cc := e.close
	cc.approvals++
	due := e.closeDue(at)
	rule := closeRule(e.c, false)
	applied := true
	if cc.approvals > 1 {
		applied = false
		e.violation(ViolationExtensionRepeated, rule, ev, due,
			fmt.Sprintf("办理期限已于%s批准延长，%s再次批准延长%d日；延长以一次、合计不超过30日为限，本次延期不予计算。",
				fmtTime(cc.firstApproval), fmtTime(at), days))
	} else {
		cc.firstApproval = at
	}
	isLate := late(at, due)
	if isLate {
		applied = false
	}
	if days > MaxExtensionDays {
		detail := fmt.Sprintf("批准延长办理期限%d日，超过30日的上限", days)
		if applied {
			detail += "，仅按30日计算。"
		} else {
			detail += "。"
		}
		e.violation(ViolationExtensionTooLong, rule, ev, due, detail)
	}
	if isLate {
		e.violation(ViolationExtensionAfterDue, rule, ev, due,
			fmt.Sprintf("延长办理期限于%s批准，晚于当时的办结期限%s，延期不予计算。", fmtTime(at), fmtDay(due)))
	}
	if applied {
		cc.ext = min(days, MaxExtensionDays)
	}
}

func (e *evaluator) closedEvent(ev *contract.CaseEvent, at time.Time) {
	if e.closed {
		e.anomaly(AnomalyClosedTwice, ev.EventID, fmt.Sprintf("本件已于%s办结，以第一次办结为准。", fmtTime(e.st.ClosedAt)))
		return
	}
	if e.rejected && e.acceptedAt.IsZero() {
		e.anomaly(AnomalyClosedAfterRejected, ev.EventID, fmt.Sprintf("本件已于%s决定不予受理，其后的办结事件已忽略。", fmtTime(e.st.RejectedAt)))
		return
	}
	if !e.handling(ev, at) {
		return
	}
	e.completeAssign(at, ev.OrgCode)
	if !e.close.hearingAt.IsZero() {
		e.anomaly(AnomalyHearingNotEnded, ev.EventID, fmt.Sprintf("听证自%s开始未见结束即办结，听证按办结时结束计算。", fmtTime(e.close.hearingAt)))
		e.endHearing(at)
	}
	e.complete(&e.close.track, at, ev.OrgCode)
	e.closed = true
	e.st.ClosedAt = at
	e.st.Finding = ev.Finding
	e.st.Stage = StageClosed
	e.setOrg(ev.OrgCode)
}

func (e *evaluator) requestTrack(step Step, rule Rule, ev *contract.CaseEvent, at time.Time) *track {
	due, exact := calendarDue(e.cal, at, rule.Days)
	e.estimate(exact)
	e.setOrg(ev.OrgCode)
	return &track{d: Deadline{Step: step, Org: e.st.ResponsibleOrg, Start: at, Due: due, Rule: rule}}
}

// mergedEvent ends the case's own deadlines: open ones not yet due are dropped; open ones
// already past due are ended by the merge (MissedDone, Done = the merge).
func (e *evaluator) mergedEvent(ev *contract.CaseEvent, at time.Time) {
	if ev.MergedInto != "" && ev.MergedInto == e.c.ReportID {
		e.anomaly(AnomalyMergedIntoSelf, ev.EventID, "合并至本件自身，已忽略。")
		return
	}
	if ev.MergedInto == "" {
		e.anomaly(AnomalyMergedWithoutTarget, ev.EventID, "合并事件未写明合并至哪一件；本件自合并时起不再单独计算期限。")
	}
	if e.closed {
		e.anomaly(AnomalyMergedAfterClosed, ev.EventID, fmt.Sprintf("本件已于%s办结后又被合并。", fmtTime(e.st.ClosedAt)))
	}
	if e.close != nil && !e.close.hearingAt.IsZero() {
		e.endHearing(at)
	}
	for _, t := range e.tracks() {
		if !t.open() {
			continue
		}
		due := t.d.Due
		if e.isClose(t) {
			due = e.closeDue(at)
		}
		if late(at, due) {
			t.d.Done = at
			t.d.Org = e.st.ResponsibleOrg
			t.done = true
		} else {
			t.dropped = true
		}
	}
	e.merged = true
	e.mergedAt = at
	e.st.MergedInto = ev.MergedInto
	e.st.Stage = StageMerged
}

func (e *evaluator) isClose(t *track) bool { return e.close != nil && t == &e.close.track }

// tracks returns every deadline being followed.
func (e *evaluator) tracks() []*track {
	var ts []*track
	for _, t := range []*track{e.accept, e.assign} {
		if t != nil {
			ts = append(ts, t)
		}
	}
	if e.close != nil {
		ts = append(ts, &e.close.track)
	}
	ts = append(ts, e.returns...)
	for _, t := range []*track{e.review, e.recheck} {
		if t != nil {
			ts = append(ts, t)
		}
	}
	return ts
}

// finish fixes the due dates that move and the status of every deadline as of asOf.
func (e *evaluator) finish() {
	end := e.asOf
	if e.merged {
		end = e.mergedAt
	}
	if e.accept != nil {
		wait := e.supplementWait
		if !e.supplementSince.IsZero() {
			wait += end.Sub(e.supplementSince)
		}
		e.accept.d.PausedDays = ceilDays(wait)
	}
	if cc := e.close; cc != nil {
		at := end
		if cc.done {
			at = cc.d.Done
		}
		cc.d.Due = e.closeDue(at)
		cc.d.PausedDays = cc.pause
		if !cc.hearingAt.IsZero() && cc.hearingPauses {
			cc.d.PausedDays += ceilDays(at.Sub(cc.hearingAt))
		}
		cc.d.ExtensionDays = cc.ext
		cc.d.Rule = closeRule(e.c, cc.d.PausedDays > 0)
	}
	var out []Deadline
	for _, t := range e.tracks() {
		if t.dropped {
			continue
		}
		d := t.d
		switch {
		case t.done && late(d.Done, d.Due):
			d.Status = MissedDone
		case t.done:
			d.Status = Met
		case e.isClose(t) && !e.close.hearingAt.IsZero() && e.close.hearingPauses:
			d.Status = Paused
			d.Org = e.st.ResponsibleOrg
		case late(e.asOf, d.Due):
			d.Status = Overdue
			d.Org = e.st.ResponsibleOrg
		default:
			d.Status = Pending
			d.Org = e.st.ResponsibleOrg
		}
		out = append(out, d)
	}
	slices.SortStableFunc(out, func(a, b Deadline) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(stepRank[a.Step], stepRank[b.Step]))
	})
	e.st.Deadlines = out
	if e.estimated {
		e.anomaly(AnomalyCalendarEstimate, "", "部分期限落在节假日安排尚未公布的年份，按周一至周五估算。")
	}
}

func fmtTime(t time.Time) string { return t.In(calendar.Shanghai).Format("2006-01-02 15:04") }
func fmtDay(t time.Time) string  { return t.In(calendar.Shanghai).Format("2006-01-02") }
