package alerts

import (
	"fmt"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/lifecycle"
	"github.com/ecowatch/ecowatch/org"
	"github.com/ecowatch/ecowatch/store"
)

// OverdueConfig tunes the overdue (催办) detector. Zero values take the defaults.
type OverdueConfig struct {
	// Grace is how long a deadline may stay missed before the reminder escalates to the bureau
	// one level up (12369 Art. 13, 14). Default 10 days.
	Grace time.Duration
	// ReplyWorkingDays is how long the reminded bureau has to report back. Default 5.
	ReplyWorkingDays int
}

func (c OverdueConfig) withDefaults() OverdueConfig {
	if c.Grace <= 0 {
		c.Grace = 10 * 24 * time.Hour
	}
	if c.ReplyWorkingDays <= 0 {
		c.ReplyWorkingDays = 5
	}
	return c
}

var stepNames = map[lifecycle.Step]string{
	lifecycle.StepAccept: "受理", lifecycle.StepAssign: "交办转办", lifecycle.StepReturn: "退回",
	lifecycle.StepClose: "办结", lifecycle.StepReview: "复查", lifecycle.StepRecheck: "复核",
}

// overdueFindings returns one finding per deadline that is past due and not done at asOf:
// a reminder to the responsible bureau, escalated to the bureau above it (level 2) once the
// deadline has been missed for longer than the grace period.
func overdueFindings(cfg OverdueConfig, d describer, cal *calendar.Calendar, cases []*store.CaseHistory, states []lifecycle.State, asOf time.Time) []Finding {
	cfg = cfg.withDefaults()
	var out []Finding
	for i, st := range states {
		c := cases[i]
		for _, dl := range st.Deadlines {
			if dl.Status != lifecycle.Overdue {
				continue
			}
			responsible := dl.Org
			if responsible == "" {
				responsible = c.RegionCode
			}
			bureau := d.orgs.Bureau(responsible)
			late := asOf.Sub(dl.Due)
			days := int(late.Hours()/24) + 1
			level := 3
			recipients := []contract.Recipient{{OrgCode: bureau.Code, OrgName: bureau.Name, Role: org.RoleBureau}}
			if late > cfg.Grace {
				above := d.orgs.Above(responsible)
				level = 2
				recipients = append([]contract.Recipient{{OrgCode: above.Code, OrgName: above.Name, Role: org.RoleBureau}}, recipients...)
			}
			step := stepNames[dl.Step]
			requirement := fmt.Sprintf("请立即组织完成%s，依法依规办理并答复举报人。", step)
			if level == 2 {
				requirement = fmt.Sprintf("该件超期已逾 %d 日，请督促%s立即完成%s，并说明超期原因。", days, bureau.Name, step)
			}
			reply, _ := cal.AddWorkingDays(asOf, cfg.ReplyWorkingDays)
			out = append(out, Finding{
				Situation:   "overdue/" + c.ReportID + "/" + string(dl.Step),
				Kind:        contract.WarningOverdue,
				Level:       level,
				Title:       fmt.Sprintf("举报件%s环节超期：%s", step, c.ReportID),
				RegionCodes: []string{c.RegionCode},
				Recipients:  recipients,
				Window:      contract.Window{From: contract.NewTime(dl.Start), To: contract.NewTime(dl.Due)},
				Evidence:    contract.Evidence{Observed: float64(days)},
				ReportIDs:   []string{c.ReportID},
				Facts: Facts{
					Subject: "举报件办理超期",
					Summary: fmt.Sprintf("经联网平台核查，举报件 %s 的%s环节应于 %s 前完成，截至 %s 已超期 %d 日。",
						c.ReportID, step, dl.Due.In(calendar.Shanghai).Format("2006年1月2日"), asOf.In(calendar.Shanghai).Format("2006年1月2日15时"), days),
					Cases: []CaseLine{{ReportID: c.ReportID, Region: d.place(c.RegionCode), Category: category(c.Category),
						Stage: stageOf(c, asOf), Step: step, Due: day(dl.Due), Overdue: fmt.Sprintf("%d 日", days)}},
					Requirement: requirement,
					ReplyBy:     reply,
					Basis:       dl.Rule.Article + "：" + strings.TrimSuffix(dl.Rule.Text, "。") + "；《生态环境举报热线工作管理办法》第十三条（催办）",
				},
			})
		}
	}
	return out
}

// procedureFindings turns the lifecycle's procedure violations (extensions too long, too late
// or repeated; evidence asked for twice) into 督办 suggestions to the bureau above the one that
// committed them.
func procedureFindings(d describer, cal *calendar.Calendar, cases []*store.CaseHistory, states []lifecycle.State, asOf time.Time) []Finding {
	var out []Finding
	for i, st := range states {
		c := cases[i]
		for _, v := range st.Violations {
			responsible := st.ResponsibleOrg
			if responsible == "" {
				responsible = c.RegionCode
			}
			bureau := d.orgs.Bureau(responsible)
			above := d.orgs.Above(responsible)
			reply, _ := cal.AddWorkingDays(asOf, 10)
			out = append(out, Finding{
				Situation:   "procedure/" + c.ReportID + "/" + v.Code + "/" + v.EventID,
				Kind:        contract.WarningProcedure,
				Level:       3,
				Title:       "办理程序违规：" + c.ReportID,
				RegionCodes: []string{c.RegionCode},
				Recipients:  []contract.Recipient{{OrgCode: above.Code, OrgName: above.Name, Role: org.RoleBureau}},
				Window:      contract.Window{From: contract.NewTime(v.At), To: contract.NewTime(v.At)},
				Evidence:    contract.Evidence{Observed: 1},
				ReportIDs:   []string{c.ReportID},
				Facts: Facts{
					Subject: bureau.Name + "举报件办理程序问题",
					Summary: fmt.Sprintf("举报件 %s：%s", c.ReportID, v.Detail),
					Cases: []CaseLine{{ReportID: c.ReportID, Region: d.place(c.RegionCode), Category: category(c.Category),
						Stage: stageOf(c, asOf), Step: day(v.At), Note: v.Detail}},
					Requirement: "请核查该件办理程序，督促" + bureau.Name + "依规整改。",
					ReplyBy:     reply,
					Basis:       v.Rule.Article + "：" + strings.TrimSuffix(v.Rule.Text, "。") + "；《生态环境举报热线工作管理办法》第十五条",
				},
			})
		}
	}
	return out
}
