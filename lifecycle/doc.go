// Package lifecycle owns the deadlines of the regulations and a case's state as of a time: from
// a report (Case) and its case-events.v1 history it derives the current stage, the responsible
// bureau, every due date with the rule that produced it, whether each step was on time, the
// procedure violations and the data anomalies of the history. It is pure logic: it must not
// touch Kafka or ClickHouse, nor anything else with I/O. Evaluate is deterministic: the same
// case, the same events in any order and the same asOf give the same State.
//
// # The rules
//
// "日" is calendar days and "工作日" working days on the State Council holiday calendar (调休
// weekends included), see package calendar. The day the clock starts is never counted. Every
// due date is the end of its last day, 23:59:59 Asia/Shanghai; a step is on time when it
// happens before the next day begins.
//
//	step     article                                   rule                                                            due day
//	-------  ----------------------------------------  --------------------------------------------------------------  ----------------------------------------------
//	accept   12369 第九条 (report)                      举报提交之日起15日内决定是否受理                                 date(received)+15, moved off statutory holidays
//	         信访 第十七条 (petition)                    收到信访事项之日起15日内分别处理并告知                           (same)
//	assign   12369 第十条                               受理后3个工作日内交办或转交                                      AddWorkingDays(date(accepted), 3)
//	return   信访 第十七条                               收到转送、交办之日起5个工作日内提出异议并退回                     AddWorkingDays(date(transferred), 5)
//	close    12369 第十一条 (report)                     受理之日起60日内办结；延期须在办结日期前批准，不得超过30日         date(accepted)+60+hearing days+extension,
//	         信访 第二十九条 (petition)                  受理之日起60日内办结；延期不得超过30日                            moved off statutory holidays
//	         信访 第三十三条                             听证所需时间不计算在办理期限内
//	review   信访 第三十条                               收到复查请求之日起30日内提出复查意见                              date(review_requested)+30, moved off holidays
//	recheck  信访 第三十一条                             收到复核请求之日起30日内提出复核意见                              date(recheck_requested)+30, moved off holidays
//
// The exact Chinese sentence of each rule is in rules.go and travels with every Deadline and
// Violation (Rule.Article, Rule.Text). The 12369 text in shared/seeds is the 征求意见稿 (draft
// for comment); its article numbers are those of that draft.
//
// Moving off holidays: when the last day of a 日 period is a statutory holiday
// (calendar.IsHoliday — plain weekends do not move it), the last day becomes the next day that
// is not a holiday. For every year the calendar knows (2024–2026) that day is also the first
// working day after the holiday, as DESIGN §1 words it; a test checks this for each holiday so
// that a new calendar file where the two readings differ is noticed.
//
// # Steps
//
//   - accept: the decision on acceptance, completed by accepted or rejected. The clock starts at
//     receipt. A supplement_requested … supplemented wait (12369 第九条第一项) does not stop it
//     (the bureau must still decide within 15 日; the reporter not supplementing is a reason to
//     reject): the wait is shown in PausedDays, rounded up to whole days, but the due date is not
//     moved.
//   - assign: 交办 or 转办 after acceptance, completed by assigned or transferred. It is applied
//     to petitions too: the 信访 text has no separate assignment deadline and both kinds run on
//     the same platform.
//   - return: the receiving bureau's right to object to a misrouted transfer. It is not an
//     obligation: a return Deadline exists only when a returned event follows a transfer, Met
//     or MissedDone, never Pending or Overdue.
//   - close: completed by closed. Hearing days (hearing_started … hearing_ended, ceil(hours/24)
//     each) are added; while a hearing is open at asOf the deadline is Paused and its Due counts
//     the hearing up to asOf. A hearing that starts after the due date has passed does not pause
//     anything: the deadline was already missed. One extension (extension_approved) is applied
//     when it is approved at or before the due date in force at the approval (the end of that
//     day), counted at most 30 days.
//   - review, recheck: 复查 and 复核 decisions, completed by review_decided / recheck_decided.
//
// # Procedure violations
//
// A missed deadline is not a violation here: it is the Deadline's Status. Violations are
// approvals and requests that break the procedure itself:
//
//	extension_too_long   extension_days > 30: only 30 are counted                 12369 第十一条 / 信访 第二十九条
//	extension_after_due  approved after the due date in force: not applied        12369 第十一条 / 信访 第二十九条
//	extension_repeated   a second extension approval: not applied                 12369 第十一条 / 信访 第二十九条
//	supplement_repeated  a second supplement request for a 12369 report            12369 第九条第一项 (一次性全部告知)
//
// An approval can break more than one rule; each gives its own Violation. For petitions the
// "before the due date" requirement is read into 信访 第二十九条 (a period that has run out
// cannot be extended); 12369 第十一条 says it expressly.
//
// # Contradictions and anomalies
//
// Events later than asOf are ignored. The others are sorted by time, then by a fixed order of
// types (the order of a normal case: supplement, decision, assignment, transfer, return, hearing,
// extension, closure, reply, review, recheck, reminders, merge), then by event id and content,
// so that the result does not depend on arrival order. Of events sharing an event id the first
// in that order is kept (duplicate_event). Every other oddity is an Anomaly, never a panic:
//
//   - a handling step (assigned, transferred, hearing_started, extension_approved, closed) before
//     any decision on acceptance implies the acceptance at that step's time: the accept deadline
//     is done then and the assign and close clocks start then (closed_before_accepted for a
//     closure, step_before_accepted otherwise); a later accepted is then accepted_twice;
//   - a closure completes an assignment still open at that moment (a case cannot be closed
//     without having been handed to a bureau); a hearing still open is ended by it
//     (hearing_not_ended);
//   - the first closure counts, a second is closed_twice; the first decision counts, except that
//     an accepted after a rejected is honoured (accepted_after_rejected: a rejection corrected on
//     review, 12369 第十四条) and starts the assign and close clocks; a rejected after an accepted
//     is ignored (rejected_after_accepted);
//   - handling steps after the closure (step_after_closed) or after a rejection
//     (step_after_rejected) are ignored;
//   - a merged event ends the case's own deadlines: those still open that were not yet due at
//     the merge are dropped (not applicable: the matter is handled in MergedInto); those already
//     past due at the merge are kept as MissedDone with Done = the merge. Every later event is
//     event_after_merge and ignored;
//   - the remaining codes are listed with the Anomaly constants.
package lifecycle
