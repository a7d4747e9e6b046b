package lifecycle

import (
	"fmt"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
)

// MaxExtensionDays is the longest extension of the handling period that counts (日, 12369
// 第十一条; 信访 第二十九条). The periods of the steps are in their rules below.
const MaxExtensionDays = 30

// Articles cited.
const (
	Art12369_9  = "《生态环境举报热线工作管理办法》第九条"
	Art12369_10 = "《生态环境举报热线工作管理办法》第十条"
	Art12369_11 = "《生态环境举报热线工作管理办法》第十一条"
	ArtXF17     = "《生态环境信访工作办法》第十七条"
	ArtXF29     = "《生态环境信访工作办法》第二十九条"
	ArtXF30     = "《生态环境信访工作办法》第三十条"
	ArtXF31     = "《生态环境信访工作办法》第三十一条"
	ArtXF33     = "《生态环境信访工作办法》第三十三条"
)

// The rules, each with its period and in one Chinese sentence close to the text. A period is
// written once, in its rule: changing the acceptance period of 12369 第九条 is one edit here.
var (
	RuleAcceptReport = Rule{Art12369_9, 15, false,
		"对微信举报和网上举报，应当自举报提交之日起15日内决定是否受理；对电话举报不能当场告知是否受理的，应当在15日内告知举报人。"}
	RuleAcceptPetition = Rule{ArtXF17, 15, false,
		"生态环境部门收到信访事项，应当予以登记，并区分情况在15日内分别处理，不能当场告知的，应当自收到信访事项之日起15日内书面告知信访人。"}
	RuleAssign = Rule{Art12369_10, 3, true,
		"承担生态环境举报热线工作的部门受理举报件后，应在3个工作日内交办至本级生态环境主管部门或者通过联网平台转交下级生态环境主管部门办理。"}
	RuleReturn = Rule{ArtXF17, 5, true,
		"对转送、交办的信访事项，不属于本级生态环境部门职权范围的，应当自收到之日起5个工作日内提出异议，并详细说明理由，经核实同意后退回。"}
	RuleCloseReport = Rule{Art12369_11, 60, false,
		"举报件应当自受理之日起60日内办结；情况复杂的，经本级生态环境主管部门负责人批准，可在办结日期前申请延长办理期限，但延长期限不得超过30日。"}
	RuleClosePetition = Rule{ArtXF29, 60, false,
		"信访事项应当自受理之日起60日内办结；情况复杂的，经本级生态环境部门负责人批准，可以适当延长办理期限，但延长期限不得超过30日。"}
	RuleReview = Rule{ArtXF30, 30, false,
		"收到复查请求的机关、单位应当自收到复查请求之日起30日内提出复查意见，并予以书面答复。"}
	RuleRecheck = Rule{ArtXF31, 30, false,
		"收到复核请求的机关、单位应当自收到复核请求之日起30日内提出复核意见。"}
	RuleSupplement = Rule{Art12369_9 + "第一项", 0, false,
		"未提供有效证据线索、无法查明举报事实的举报事项，应一次性全部告知举报人补充相关信息。"}
	// hearingClause is appended to the close rule when a hearing paused the clock.
	hearingClause = "听证所需时间不计算在办理期限内。"
)

// Period says a rule's period for people: "15日", "3个工作日" ("" for a rule without one).
func (r Rule) Period() string {
	switch {
	case r.Days == 0:
		return ""
	case r.WorkingDays:
		return fmt.Sprintf("%d个工作日", r.Days)
	}
	return fmt.Sprintf("%d日", r.Days)
}

// Rules lists the rules that set a step's deadline, the 12369 rule first where the two
// regulations differ.
func (s Step) Rules() []Rule {
	switch s {
	case StepAccept:
		return []Rule{RuleAcceptReport, RuleAcceptPetition}
	case StepAssign:
		return []Rule{RuleAssign}
	case StepReturn:
		return []Rule{RuleReturn}
	case StepClose:
		return []Rule{RuleCloseReport, RuleClosePetition}
	case StepReview:
		return []Rule{RuleReview}
	case StepRecheck:
		return []Rule{RuleRecheck}
	}
	return nil
}

func petition(c Case) bool { return c.Kind == contract.KindPetition }

func acceptRule(c Case) Rule {
	if petition(c) {
		return RuleAcceptPetition
	}
	return RuleAcceptReport
}

// closeRule is the close rule of the case's kind; with a hearing it cites 信访 第三十三条 too.
func closeRule(c Case, hearing bool) Rule {
	r := RuleCloseReport
	if petition(c) {
		r = RuleClosePetition
	}
	if hearing {
		if petition(c) {
			r.Article = "《生态环境信访工作办法》第二十九条、第三十三条"
		} else {
			r.Article += "、" + ArtXF33
		}
		r.Text = strings.TrimSuffix(r.Text, "。") + "；" + hearingClause
	}
	return r
}

// dayOf returns 00:00 Asia/Shanghai of t's date.
func dayOf(t time.Time) time.Time {
	y, m, d := t.In(calendar.Shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, calendar.Shanghai)
}

// addDays returns 00:00 of the date n days after day's date.
func addDays(day time.Time, n int) time.Time {
	y, m, d := day.In(calendar.Shanghai).Date()
	return time.Date(y, m, d+n, 0, 0, 0, 0, calendar.Shanghai)
}

// endOf returns the last second of day's date: the Due of a deadline whose last day it is.
func endOf(day time.Time) time.Time { return addDays(day, 1).Add(-time.Second) }

// nextSecond is the first moment after Due: a step is on time when it happens before it.
func nextSecond(due time.Time) time.Time { return due.Add(time.Second) }

// late reports whether t is after the end of the due day.
func late(t, due time.Time) bool { return !t.Before(nextSecond(due)) }

// ceilDays is a duration in whole days, rounded up (a started day counts); 0 for d ≤ 0.
func ceilDays(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + 24*time.Hour - 1) / (24 * time.Hour))
}

// calendarDue is the Due of a period of n 日 starting on from's date (that date not counted):
// the last day is date(from)+n, moved to the next day that is not a statutory holiday when it
// is one. exact is false when a date looked at lies in a year the calendar does not know.
func calendarDue(cal *calendar.Calendar, from time.Time, n int) (due time.Time, exact bool) {
	d := addDays(dayOf(from), n)
	exact = cal.Known(d.Year())
	for cal.IsHoliday(d) {
		d = addDays(d, 1)
		exact = exact && cal.Known(d.Year())
	}
	return endOf(d), exact
}

// workingDue is the Due of a period of n 工作日 starting on from's date (not counted).
func workingDue(cal *calendar.Calendar, from time.Time, n int) (due time.Time, exact bool) {
	d, exact := cal.AddWorkingDays(from, n)
	return endOf(d), exact
}
