package detect

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/lifecycle"
	"github.com/ecowatch/ecowatch/org"
	"github.com/ecowatch/ecowatch/store"
)

// NameSupervision is the supervision detector's name.
const NameSupervision = "supervision"

// SupervisionConfig tunes the supervision (督办) detector. Zero values take the defaults.
type SupervisionConfig struct {
	// RepeatWindow and RepeatMin: a target or place reported at least RepeatMin times within
	// RepeatWindow is a repeated complaint (久拖不决、反复举报). Defaults 30 days, 5 reports.
	RepeatWindow time.Duration
	RepeatMin    int
	// AfterClosure and AfterClosureMin: at least AfterClosureMin reports about a target within
	// AfterClosure after its case was closed as substantiated suggest the decision was not
	// carried out (a single later report is ordinary: companies are reported for new things).
	// Defaults 180 days, 3 reports.
	AfterClosure    time.Duration
	AfterClosureMin int
	// Resubmit: the same reporter (by pseudonym) reporting the same target or the same
	// category in the same county within this long after a rejection or a recheck decision.
	// Default 90 days.
	Resubmit time.Duration
	// ReplyDays is how long the supervised bureau has to report back. Default 15 days.
	ReplyDays int
}

func (c SupervisionConfig) withDefaults() SupervisionConfig {
	if c.RepeatWindow <= 0 {
		c.RepeatWindow = 30 * 24 * time.Hour
	}
	if c.RepeatMin <= 0 {
		c.RepeatMin = 5
	}
	if c.AfterClosure <= 0 {
		c.AfterClosure = 180 * 24 * time.Hour
	}
	if c.AfterClosureMin <= 0 {
		c.AfterClosureMin = 3
	}
	if c.Resubmit <= 0 {
		c.Resubmit = 90 * 24 * time.Hour
	}
	if c.ReplyDays <= 0 {
		c.ReplyDays = 15
	}
	return c
}

// Supervision suggests supervision (督办) to the bureau above the one handling a case: targets
// and places reported again and again, targets reported again after a substantiated closure,
// matters resubmitted after a rejection or a recheck, and the lifecycle's procedure violations
// (12369 Art. 15; 信访 Art. 31, 34). It reads the cases evaluated as of the run (package cases).
type Supervision struct {
	cfg SupervisionConfig
	d   describer
}

// NewSupervision builds the supervision detector.
func NewSupervision(deps Deps, cfg SupervisionConfig) *Supervision {
	return &Supervision{cfg: cfg.withDefaults(), d: newDescriber(deps)}
}

// Name implements alerts.Detector.
func (s *Supervision) Name() string { return NameSupervision }

// Kinds implements alerts.Detector.
func (s *Supervision) Kinds() []string {
	return []string{contract.WarningRepeat, contract.WarningProcedure}
}

// Detect implements alerts.Detector.
func (s *Supervision) Detect(ctx context.Context, in *alerts.Input, asOf time.Time) ([]alerts.Finding, error) {
	snap, err := in.Cases(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Concat(
		repeatFindings(s.cfg, s.d, snap.Cases, asOf),
		resubmissionFindings(s.cfg, s.d, snap.Cases, asOf),
		procedureFindings(s.d, snap.Cases, snap.States, asOf)), nil
}

// repeatFindings finds targets and places reported again and again, and targets reported again
// after a substantiated closure (12369 Art. 15; 信访 Art. 34). The 督办 suggestion goes to the
// bureau one level above the jurisdiction where the target is.
func repeatFindings(cfg SupervisionConfig, d describer, cases []*store.CaseHistory, asOf time.Time) []alerts.Finding {
	type group struct {
		key, label string
		cases      []*store.CaseHistory
	}
	groups := map[string]*group{}
	add := func(key, label string, c *store.CaseHistory) {
		g := groups[key]
		if g == nil {
			g = &group{key: key, label: label}
			groups[key] = g
		}
		g.cases = append(g.cases, c)
	}
	from := asOf.Add(-cfg.RepeatWindow)
	for _, c := range cases {
		if c.ReceivedAt.Before(from) || c.ReceivedAt.After(asOf) || mergedAway(c) {
			continue
		}
		switch {
		case c.TargetKey != "":
			add("target/"+c.TargetKey, c.TargetName, c)
		case strings.TrimSpace(c.Place) != "":
			add("place/"+c.RegionCode+"/"+c.Category+"/"+strings.TrimSpace(c.Place), c.Place, c)
		}
	}
	var out []alerts.Finding
	keys := sortedKeys(groups)
	for _, k := range keys {
		g := groups[k]
		if len(g.cases) < cfg.RepeatMin {
			continue
		}
		out = append(out, repeatFinding(cfg, d, "repeat/"+g.key, g.label, g.cases, asOf,
			fmt.Sprintf("%s在 %d 日内被反复举报 %d 次", g.label, int(cfg.RepeatWindow.Hours()/24), len(g.cases)), 3, time.Time{}))
	}

	// Reports about a target after a substantiated closure of a case about it.
	closures := map[string]time.Time{} // target key → latest substantiated closure
	for _, c := range cases {
		if c.TargetKey == "" {
			continue
		}
		for _, e := range c.Events {
			if e.Type == contract.EventClosed && e.Finding == contract.FindingSubstantiated && !e.At.After(asOf) {
				if e.At.Time.After(closures[c.TargetKey]) {
					closures[c.TargetKey] = e.At.Time
				}
			}
		}
	}
	after := map[string][]*store.CaseHistory{}
	for _, c := range cases {
		closed, ok := closures[c.TargetKey]
		if !ok || !c.ReceivedAt.After(closed) || c.ReceivedAt.After(asOf) || c.ReceivedAt.Sub(closed) > cfg.AfterClosure || mergedAway(c) {
			continue
		}
		after[c.TargetKey] = append(after[c.TargetKey], c)
	}
	for _, k := range sortedKeys(after) {
		cs := after[k]
		if len(cs) < cfg.AfterClosureMin {
			continue
		}
		out = append(out, repeatFinding(cfg, d, "reopened/"+k, cs[0].TargetName, cs, asOf,
			fmt.Sprintf("%s的举报经查属实并已办结，但办结后又收到 %d 件举报，处理决定可能未落实", cs[0].TargetName, len(cs)), 2, closures[k]))
	}
	return out
}

func repeatFinding(cfg SupervisionConfig, d describer, situation, label string, cs []*store.CaseHistory, asOf time.Time, summary string, level int, closedAt time.Time) alerts.Finding {
	sort.Slice(cs, func(i, j int) bool { return cs[i].ReceivedAt.Before(cs[j].ReceivedAt) })
	responsible := mostCommon(cs, func(c *store.CaseHistory) string { return c.RegionCode })
	supervisor := d.orgs.Above(responsible)
	responsibleBureau := d.orgs.Bureau(responsible)
	reporters := map[string]bool{}
	var ids, regions []string
	var lines []alerts.CaseLine
	for _, c := range cs {
		ids = append(ids, c.ReportID)
		if !slices.Contains(regions, c.RegionCode) {
			regions = append(regions, c.RegionCode)
		}
		key := c.Pseudonym
		if key == "" {
			key = "anon:" + c.ReportID
		}
		reporters[key] = true
		lines = append(lines, alerts.CaseLine{ReportID: c.ReportID, Region: d.place(c.RegionCode), Category: category(c.Category),
			Stage: stageOf(c, asOf), Step: "收件 " + day(c.ReceivedAt)})
	}
	items := []alerts.FactItem{
		{Label: "被举报对象或地点", Value: label},
		{Label: "所在地区", Value: d.place(responsible)},
		{Label: "举报件数", Value: fmt.Sprintf("%d 件（%d 名举报人）", len(cs), len(reporters))},
		{Label: "时间范围", Value: day(cs[0].ReceivedAt) + " 至 " + day(cs[len(cs)-1].ReceivedAt)},
		{Label: "主要类别", Value: category(mostCommon(cs, func(c *store.CaseHistory) string { return c.Category }))},
	}
	if !closedAt.IsZero() {
		items = append(items, alerts.FactItem{Label: "前次属实办结时间", Value: day(closedAt)})
	}
	return alerts.Finding{
		Situation: situation, Kind: contract.WarningRepeat, Level: level,
		Title:       contract.WarningTitle(contract.WarningRepeat, label),
		RegionCodes: regions,
		Recipients:  []contract.Recipient{{OrgCode: supervisor.Code, OrgName: supervisor.Name, Role: org.RoleBureau}},
		Window:      contract.Window{From: contract.NewTime(cs[0].ReceivedAt), To: contract.NewTime(cs[len(cs)-1].ReceivedAt)},
		Evidence:    contract.Evidence{Observed: float64(len(cs)), Reporters: len(reporters)},
		ReportIDs:   ids,
		Facts: alerts.Facts{
			Subject: responsibleBureau.Name + "办理反复举报问题",
			Summary: summary + "。建议你单位依据《生态环境举报热线工作管理办法》第十五条、《生态环境信访工作办法》第三十四条，对" +
				responsibleBureau.Name + "的办理情况进行督办。",
			Items: items, Cases: lines,
			Requirement: "请核实上述问题的办理和整改落实情况，督促" + responsibleBureau.Name + "依法查处并向举报人反馈。",
			ReplyBy:     d.cal.WorkingDayOnOrAfter(asOf.AddDate(0, 0, cfg.ReplyDays)),
			Basis:       "《生态环境举报热线工作管理办法》第十五条；《生态环境信访工作办法》第三十四条",
		},
	}
}

// resubmissionFindings finds matters that come back from the same reporter (by pseudonym):
// after a rejection (the rejection may have been wrong: a 督办 suggestion, kind repeat), and
// after a recheck decision (信访 Art. 31: the same matter on the same grounds is not accepted
// again: kind procedure, so that the office does not open it as new).
func resubmissionFindings(cfg SupervisionConfig, d describer, cases []*store.CaseHistory, asOf time.Time) []alerts.Finding {
	byReporter := map[string][]*store.CaseHistory{}
	for _, c := range cases {
		if c.Pseudonym != "" && !c.ReceivedAt.After(asOf) {
			byReporter[c.Pseudonym] = append(byReporter[c.Pseudonym], c)
		}
	}
	var out []alerts.Finding
	for _, p := range sortedKeys(byReporter) {
		cs := byReporter[p]
		if len(cs) < 2 {
			continue
		}
		sort.Slice(cs, func(i, j int) bool { return cs[i].ReceivedAt.Before(cs[j].ReceivedAt) })
		for _, first := range cs {
			for _, e := range first.Events {
				if e.At.After(asOf) || (e.Type != contract.EventRejected && e.Type != contract.EventRecheckDecided) {
					continue
				}
				var again []*store.CaseHistory
				for _, c := range cs {
					if c != first && c.ReceivedAt.After(e.At.Time) && c.ReceivedAt.Sub(e.At.Time) <= cfg.Resubmit && sameMatter(first, c) {
						again = append(again, c)
					}
				}
				if len(again) == 0 {
					continue
				}
				out = append(out, resubmissionFinding(cfg, d, first, e, again, asOf))
			}
		}
	}
	return out
}

func sameMatter(a, b *store.CaseHistory) bool {
	if a.TargetKey != "" || b.TargetKey != "" {
		return a.TargetKey == b.TargetKey
	}
	return a.Category == b.Category && a.RegionCode == b.RegionCode
}

func resubmissionFinding(cfg SupervisionConfig, d describer, first *store.CaseHistory, e contract.CaseEvent, again []*store.CaseHistory, asOf time.Time) alerts.Finding {
	responsible := first.RegionCode
	if e.OrgCode != "" {
		responsible = e.OrgCode
	}
	bureau := d.orgs.Bureau(responsible)
	lines := []alerts.CaseLine{{ReportID: first.ReportID, Region: d.place(first.RegionCode), Category: category(first.Category),
		Stage: stageOf(first, asOf), Step: stageNames[e.Type] + " " + day(e.At.Time), Note: "原举报件"}}
	ids := []string{first.ReportID}
	for _, c := range again {
		ids = append(ids, c.ReportID)
		lines = append(lines, alerts.CaseLine{ReportID: c.ReportID, Region: d.place(c.RegionCode), Category: category(c.Category),
			Stage: stageOf(c, asOf), Step: "收件 " + day(c.ReceivedAt), Note: "再次提出"})
	}
	f := alerts.Finding{
		RegionCodes: []string{first.RegionCode},
		Window:      contract.Window{From: e.At, To: contract.NewTime(again[len(again)-1].ReceivedAt)},
		Evidence:    contract.Evidence{Observed: float64(len(again)), Reporters: 1},
		ReportIDs:   ids,
	}
	reply := d.cal.WorkingDayOnOrAfter(asOf.AddDate(0, 0, cfg.ReplyDays))
	if e.Type == contract.EventRecheckDecided {
		f.Situation, f.Kind, f.Level = "after-recheck/"+first.ReportID, contract.WarningProcedure, 3
		f.Title = contract.WarningTitle(contract.WarningProcedure, fmt.Sprintf("举报件 %s（复核后同一事项再次提出）", first.ReportID))
		f.Recipients = []contract.Recipient{{OrgCode: bureau.Code, OrgName: bureau.Name, Role: org.RoleBureau}}
		f.Facts = alerts.Facts{
			Subject: "复核后同一信访事项再次提出的处理提示",
			Summary: fmt.Sprintf("举报件 %s 已于 %s 作出复核意见，同一举报人又就同一事项提出 %d 件。依据《生态环境信访工作办法》第三十一条，信访人对复核意见不服，仍以同一事实和理由提出投诉请求的，不再受理。",
				first.ReportID, day(e.At.Time), len(again)),
			Cases:       lines,
			Requirement: "请核实新提出事项是否基于同一事实和理由；属于同一事项的依规不再受理并告知，有新事实、新理由的依法受理。",
			ReplyBy:     reply, Basis: "《生态环境信访工作办法》第三十一条",
		}
		return f
	}
	supervisor := d.orgs.Above(responsible)
	f.Situation, f.Kind, f.Level = "resubmitted/"+first.ReportID, contract.WarningRepeat, 3
	f.Title = contract.WarningTitle(contract.WarningRepeat, fmt.Sprintf("举报件 %s（不予受理后同一事项再次举报）", first.ReportID))
	f.Recipients = []contract.Recipient{{OrgCode: supervisor.Code, OrgName: supervisor.Name, Role: org.RoleBureau}}
	f.Facts = alerts.Facts{
		Subject: bureau.Name + "不予受理后再次举报问题",
		Summary: fmt.Sprintf("举报件 %s 于 %s 被%s不予受理，同一举报人此后又就同一事项举报 %d 件，不予受理决定可能不当。",
			first.ReportID, day(e.At.Time), bureau.Name, len(again)),
		Cases:       lines,
		Requirement: "请核查不予受理理由是否符合《生态环境举报热线工作管理办法》第九条的规定，必要时督促依法受理办理。",
		ReplyBy:     reply, Basis: "《生态环境举报热线工作管理办法》第九条、第十五条",
	}
	return f
}

// procedureFindings turns the lifecycle's procedure violations (extensions too long, too late
// or repeated; evidence asked for twice) into 督办 suggestions to the bureau above the one that
// committed them.
func procedureFindings(d describer, cases []*store.CaseHistory, states []lifecycle.State, asOf time.Time) []alerts.Finding {
	var out []alerts.Finding
	for i, st := range states {
		c := cases[i]
		for _, v := range st.Violations {
			responsible := st.ResponsibleOrg
			if responsible == "" {
				responsible = c.RegionCode
			}
			bureau := d.orgs.Bureau(responsible)
			above := d.orgs.Above(responsible)
			reply, _ := d.cal.AddWorkingDays(asOf, 10)
			out = append(out, alerts.Finding{
				Situation:   "procedure/" + c.ReportID + "/" + v.Code + "/" + v.EventID,
				Kind:        contract.WarningProcedure,
				Level:       3,
				Title:       contract.WarningTitle(contract.WarningProcedure, "举报件 "+c.ReportID),
				RegionCodes: []string{c.RegionCode},
				Recipients:  []contract.Recipient{{OrgCode: above.Code, OrgName: above.Name, Role: org.RoleBureau}},
				Window:      contract.Window{From: contract.NewTime(v.At), To: contract.NewTime(v.At)},
				Evidence:    contract.Evidence{Observed: 1},
				ReportIDs:   []string{c.ReportID},
				Facts: alerts.Facts{
					Subject: bureau.Name + "举报件办理程序问题",
					Summary: fmt.Sprintf("举报件 %s：%s", c.ReportID, v.Detail),
					Cases: []alerts.CaseLine{{ReportID: c.ReportID, Region: d.place(c.RegionCode), Category: category(c.Category),
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
