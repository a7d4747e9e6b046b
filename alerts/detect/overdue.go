package detect

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/lifecycle"
	"github.com/ecowatch/ecowatch/org"
	"github.com/ecowatch/ecowatch/store"
)

// NameOverdue is the overdue detector's name.
const NameOverdue = "overdue"

// OverdueConfig tunes the overdue (催办) detector. Zero values take the defaults.
type OverdueConfig struct {
	// Grace is how long a deadline may stay missed before the reminder escalates to the bureau
	// one level up (12369 Art. 13, 14). Default 10 days.
	Grace time.Duration
	// ReplyWorkingDays is how long the reminded bureau has to report back. Default 5.
	ReplyWorkingDays int
}

// Overdue reminds (催办) the responsible bureau of every deadline of the regulations missed
// and not done, from the cases evaluated as of the run (package cases).
type Overdue struct {
	cfg OverdueConfig
	d   describer
}

// NewOverdue builds the overdue detector.
func NewOverdue(deps Deps, cfg OverdueConfig) *Overdue {
	if cfg.Grace <= 0 {
		cfg.Grace = 10 * 24 * time.Hour
	}
	if cfg.ReplyWorkingDays <= 0 {
		cfg.ReplyWorkingDays = 5
	}
	return &Overdue{cfg: cfg, d: newDescriber(deps)}
}

// Name implements alerts.Detector.
func (o *Overdue) Name() string { return NameOverdue }

// Kinds implements alerts.Detector.
func (o *Overdue) Kinds() []string { return []string{contract.WarningOverdue} }

// Detect implements alerts.Detector.
func (o *Overdue) Detect(ctx context.Context, in *alerts.Input, asOf time.Time) ([]alerts.Finding, error) {
	snap, err := in.Cases(ctx)
	if err != nil {
		return nil, err
	}
	return overdueFindings(o.cfg, o.d, snap.Cases, snap.States, asOf), nil
}

// overdueFindings returns one finding per deadline that is past due and not done at asOf:
// a reminder to the responsible bureau, escalated to the bureau above it (level 2) once the
// deadline has been missed for longer than the grace period.
func overdueFindings(cfg OverdueConfig, d describer, cases []*store.CaseHistory, states []lifecycle.State, asOf time.Time) []alerts.Finding {
	var out []alerts.Finding
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
			step := dl.Step.Name()
			requirement := fmt.Sprintf("请立即组织完成%s，依法依规办理并答复举报人。", step)
			if level == 2 {
				requirement = fmt.Sprintf("该件超期已逾 %d 日，请督促%s立即完成%s，并说明超期原因。", days, bureau.Name, step)
			}
			reply, _ := d.cal.AddWorkingDays(asOf, cfg.ReplyWorkingDays)
			out = append(out, alerts.Finding{
				Situation:   "overdue/" + c.ReportID + "/" + string(dl.Step),
				Kind:        contract.WarningOverdue,
				Level:       level,
				Title:       contract.WarningTitle(contract.WarningOverdue, fmt.Sprintf("举报件 %s（%s环节）", c.ReportID, step)),
				RegionCodes: []string{c.RegionCode},
				Recipients:  recipients,
				Window:      contract.Window{From: contract.NewTime(dl.Start), To: contract.NewTime(dl.Due)},
				Evidence:    contract.Evidence{Observed: float64(days)},
				ReportIDs:   []string{c.ReportID},
				Facts: alerts.Facts{
					Subject: "举报件办理超期",
					Summary: fmt.Sprintf("经联网平台核查，举报件 %s 的%s环节应于 %s 前完成，截至 %s 已超期 %d 日。",
						c.ReportID, step, dl.Due.In(calendar.Shanghai).Format("2006年1月2日"), asOf.In(calendar.Shanghai).Format("2006年1月2日15时"), days),
					Cases: []alerts.CaseLine{{ReportID: c.ReportID, Region: d.place(c.RegionCode), Category: category(c.Category),
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
