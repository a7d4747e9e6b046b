package detect

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

// NameEmergency is the emergency detector's name.
const NameEmergency = "emergency"

// EmergencyConfig tunes the emergency detector (突发事件、群体性事件倾向, 12369 Art. 9(5), 16).
// Zero values take the defaults.
type EmergencyConfig struct {
	// Window is how far back the detector looks. Default 24h.
	Window time.Duration
	// CoReporters is the number of co-reporters that makes a text signal (dead fish, leak,
	// explosion, gathering …) an emergency without a flag. Default 10.
	CoReporters int
}

// Emergency finds sudden incidents and mass-incident tendencies: reports flagged so, or whose
// text carries a signal word with enough co-reporters, grouped by county and kind.
type Emergency struct {
	cfg     EmergencyConfig
	regions *region.Table
	d       describer
}

// NewEmergency builds the emergency detector.
func NewEmergency(deps Deps, cfg EmergencyConfig) *Emergency {
	if cfg.Window <= 0 {
		cfg.Window = 24 * time.Hour
	}
	if cfg.CoReporters <= 0 {
		cfg.CoReporters = 10
	}
	return &Emergency{cfg: cfg, regions: deps.Regions, d: newDescriber(deps)}
}

// Name implements alerts.Detector.
func (e *Emergency) Name() string { return NameEmergency }

// Kinds implements alerts.Detector.
func (e *Emergency) Kinds() []string { return []string{contract.WarningEmergency} }

// Lookback implements alerts.PointReader.
func (e *Emergency) Lookback() time.Duration { return e.cfg.Window }

// Detect implements alerts.Detector.
func (e *Emergency) Detect(ctx context.Context, in *alerts.Input, asOf time.Time) ([]alerts.Finding, error) {
	points, err := in.Points(ctx, asOf.Add(-e.cfg.Window), asOf, true)
	if err != nil {
		return nil, err
	}
	return e.findings(points, asOf), nil
}

// emergencySignals are the words that mark a sudden incident or a mass-incident tendency in a
// report's text, by kind. The kinds name the situation in a warning.
var emergencySignals = []struct {
	kind, label string
	words       []string
}{
	{"explosion", "爆炸、起火", []string{"爆炸", "起火", "着火", "火灾", "浓烟"}},
	{"leak", "化学品泄漏", []string{"泄漏", "泄露", "外溢", "槽罐车侧翻", "刺鼻气味弥漫"}},
	{"fish_kill", "大面积死鱼", []string{"死鱼", "鱼类死亡", "鱼大量死亡", "翻塘"}},
	{"gathering", "群众聚集", []string{"聚集", "围堵", "堵路", "拉横幅", "集体上访", "群体"}},
}

// emergencyKind classifies a report, or returns "" when it is no emergency signal. A flag
// counts on its own; a text signal needs CoReporters co-reporters.
func (e *Emergency) kindOf(p store.ReportPoint) string {
	flagged := slices.Contains(p.Flags, contract.FlagEmergency) || slices.Contains(p.Flags, contract.FlagMassIncidentRisk)
	for _, s := range emergencySignals {
		for _, w := range s.words {
			if strings.Contains(p.Text, w) && (flagged || int(p.CoReporters) >= e.cfg.CoReporters) {
				return s.kind
			}
		}
	}
	switch {
	case slices.Contains(p.Flags, contract.FlagMassIncidentRisk):
		return "gathering"
	case slices.Contains(p.Flags, contract.FlagEmergency):
		return "incident"
	}
	return ""
}

// emergencyFindings groups the emergency reports of the window by county and kind: one
// immediate warning each (12369 Art. 9(5), 16), to the county's and the city's bureau and
// government. Level 1 for an explosion or leak, or a gathering of 50 people or more; level 2
// otherwise.
func (e *Emergency) findings(points []store.ReportPoint, asOf time.Time) []alerts.Finding {
	type group struct {
		area, kind string
		reports    []store.ReportPoint
	}
	groups := map[string]*group{}
	for _, p := range points {
		kind := e.kindOf(p)
		if kind == "" {
			continue
		}
		key := p.Area + "/" + kind
		if groups[key] == nil {
			groups[key] = &group{area: p.Area, kind: kind}
		}
		groups[key].reports = append(groups[key].reports, p)
	}
	d := e.d
	var out []alerts.Finding
	for _, key := range sortedKeys(groups) {
		g := groups[key]
		sort.Slice(g.reports, func(i, j int) bool { return g.reports[i].ReceivedAt.Before(g.reports[j].ReceivedAt) })
		first := g.reports[0]
		people := 0
		var ids []string
		reporters := map[string]bool{}
		for _, r := range g.reports {
			people += int(r.CoReporters) + 1
			ids = append(ids, r.ReportID)
			if r.Reporter != "" {
				reporters[r.Reporter] = true
			} else {
				reporters["anon:"+r.ReportID] = true
			}
		}
		level := 2
		if g.kind == "explosion" || g.kind == "leak" || people >= 50 {
			level = 1
		}
		label := "突发生态环境事件"
		for _, s := range emergencySignals {
			if s.kind == g.kind {
				label = s.label
			}
		}
		areas := []string{g.area}
		if p, ok := e.regions.Prefecture(g.area); ok && p.Code != g.area {
			areas = append(areas, p.Code)
		}
		recipients := recipientsFor(d, areas)
		out = append(out, alerts.Finding{
			Situation:   fmt.Sprintf("emergency/%s/%s/%s", g.area, g.kind, first.ReceivedAt.In(calendar.Shanghai).Format("20060102")),
			Kind:        contract.WarningEmergency,
			Level:       level,
			Title:       contract.WarningTitle(contract.WarningEmergency, d.place(g.area)+label),
			RegionCodes: []string{g.area},
			Recipients:  recipients,
			Window:      contract.Window{From: contract.NewTime(first.ReceivedAt), To: contract.NewTime(g.reports[len(g.reports)-1].ReceivedAt)},
			Evidence:    contract.Evidence{Observed: float64(len(g.reports)), Reporters: len(reporters), Score: float64(people)},
			ReportIDs:   ids,
			Facts: alerts.Facts{
				Subject: label,
				Summary: fmt.Sprintf("%s起，%s收到 %d 件反映%s的举报（涉及约 %d 人），可能为突发生态环境事件或存在群体性事件倾向。依据规定应当立即受理并及时向有关负责人报告。",
					first.ReceivedAt.In(calendar.Shanghai).Format("1月2日15时04分"), d.place(g.area), len(g.reports), label, people),
				Items: []alerts.FactItem{{Label: "地区", Value: d.place(g.area)}, {Label: "事件类型", Value: label}, {Label: "举报件数", Value: fmt.Sprintf("%d", len(g.reports))},
					{Label: "涉及人数（含联名）", Value: fmt.Sprintf("%d", people)}, {Label: "首报时间", Value: first.ReceivedAt.In(calendar.Shanghai).Format("2006-01-02 15:04")}},
				Requirement: "请立即派员赶赴现场核查处置，按突发生态环境事件应急预案要求报告，做好舆情应对和群众工作。",
				ReplyBy:     asOf.Add(2 * time.Hour),
				Basis:       "《生态环境举报热线工作管理办法》第九条第（五）项、第十六条",
			},
		})
	}
	return out
}
