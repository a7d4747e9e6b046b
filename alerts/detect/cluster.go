package detect

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/alerts/cluster"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/store"
)

// NameCluster is the cluster detector's name.
const NameCluster = "cluster"

// ClusterConfig tunes the cluster detector (公众集中举报, 12369 Art. 16). Zero values take the
// defaults.
type ClusterConfig struct {
	// Stats is the cluster statistics' configuration (see package alerts/cluster).
	Stats cluster.Config
	// Hold keeps a warning open this long after its signal was last seen, so that a signal
	// flickering between runs does not close and reopen it. Default 24h.
	Hold time.Duration
}

// Cluster finds clustered complaints: more distinct reporters of one category in a county and
// its neighbours, within hours to days, than its own history explains (package alerts/cluster).
// One warning per category and leading county, to the bureau and government of every county
// of the zone.
type Cluster struct {
	cfg   ClusterConfig
	stats *cluster.Detector
	d     describer
}

// NewCluster builds the cluster detector.
func NewCluster(deps Deps, cfg ClusterConfig) (*Cluster, error) {
	if cfg.Hold <= 0 {
		cfg.Hold = 24 * time.Hour
	}
	stats, err := cluster.NewDetector(cfg.Stats, deps.Regions, deps.Calendar)
	if err != nil {
		return nil, err
	}
	return &Cluster{cfg: cfg, stats: stats, d: newDescriber(deps)}, nil
}

// Name implements alerts.Detector.
func (c *Cluster) Name() string { return NameCluster }

// Kinds implements alerts.Detector.
func (c *Cluster) Kinds() []string { return []string{contract.WarningCluster} }

// Lookback implements alerts.PointReader: the statistics' history and windows.
func (c *Cluster) Lookback() time.Duration { return statsLookback(c.cfg.Stats) }

// Keep implements alerts.Holder.
func (c *Cluster) Keep(w store.WarningRow, asOf time.Time) bool {
	return asOf.Sub(w.Window.To.Time) <= c.cfg.Hold
}

// Detect implements alerts.Detector.
func (c *Cluster) Detect(ctx context.Context, in *alerts.Input, asOf time.Time) ([]alerts.Finding, error) {
	points, err := in.Points(ctx, asOf.Add(-c.Lookback()), asOf, false)
	if err != nil {
		return nil, err
	}
	b := cluster.NewBuilder(asOf.Add(-c.Lookback()), asOf, maxWindow(c.cfg.Stats))
	for _, p := range points {
		b.Add(p.Area, p.Category, p.ReceivedAt, p.Reporter)
	}
	return c.Findings(c.stats.Detect(b.All(), asOf), points), nil
}

// Stats is the detector's statistics, for an evaluation that feeds it series of its own.
func (c *Cluster) Stats() *cluster.Detector { return c.stats }

// Findings turns the signals of a run into warnings: one per signal (package cluster merges
// those that overlap). points are the run's report points, for the report ids (nil: none).
func (c *Cluster) Findings(sigs []cluster.Signal, points []store.ReportPoint) []alerts.Finding {
	var out []alerts.Finding
	for _, s := range sigs {
		out = append(out, c.finding(s, points))
	}
	return out
}

func (c *Cluster) finding(s cluster.Signal, points []store.ReportPoint) alerts.Finding {
	d := c.d
	var places []string
	for _, a := range s.Areas {
		places = append(places, d.place(a))
	}
	ids := reportsIn(points, s.Areas, s.Category, s.WindowStart, s.WindowEnd, nil)
	hours := int(s.WindowEnd.Sub(s.WindowStart).Hours())
	return alerts.Finding{
		Situation:   "cluster/" + s.Category + "/" + s.Areas[0],
		Kind:        contract.WarningCluster,
		Level:       levelOf(s),
		Title:       contract.WarningTitle(contract.WarningCluster, d.place(s.Areas[0])+category(s.Category)+"类举报"),
		RegionCodes: s.Areas,
		Recipients:  recipientsFor(d, s.Areas),
		Window:      contract.Window{From: contract.NewTime(s.WindowStart), To: contract.NewTime(s.WindowEnd)},
		Evidence: contract.Evidence{Observed: s.Observed, Expected: round2(s.Expected), Statistic: round2(s.Statistic),
			PValue: s.PValue, Score: round2(s.Score), Reporters: int(s.Observed)},
		ReportIDs: ids,
		Facts: alerts.Facts{
			Subject: "公众集中举报",
			Summary: fmt.Sprintf("%s 至 %s（%d 小时）内，%s共有 %.0f 名举报人反映%s类问题，按该地区历史规律预期%s名，显著高于正常水平（%s）。",
				s.WindowStart.In(calendar.Shanghai).Format("1月2日15时"), s.WindowEnd.In(calendar.Shanghai).Format("1月2日15时"), hours,
				strings.Join(places, "、"), s.Observed, category(s.Category), expectedText(s.Expected), pText(s.PValue)),
			Items: []alerts.FactItem{
				{Label: "涉及地区", Value: strings.Join(places, "、")},
				{Label: "问题类别", Value: category(s.Category)},
				{Label: "时间范围", Value: fmt.Sprintf("%s 至 %s", s.WindowStart.In(calendar.Shanghai).Format("2006-01-02 15:04"), s.WindowEnd.In(calendar.Shanghai).Format("2006-01-02 15:04"))},
				{Label: "举报人数（去重）", Value: fmt.Sprintf("%.0f", s.Observed)},
				{Label: "预期人数", Value: expectedText(s.Expected)},
				{Label: "举报件数", Value: fmt.Sprintf("%d", len(ids))},
			},
			Requirement: "请立即核查相关举报反映的问题，查明污染来源，依法处置，并向社会及时回应关切。",
			ReplyBy:     s.WindowEnd.Add(48 * time.Hour),
			Basis:       "《生态环境举报热线工作管理办法》第十六条",
		},
	}
}
