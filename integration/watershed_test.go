package integration

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/alerts/deliver"
	"github.com/ecowatch/ecowatch/alerts/detect"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/eval"
	"github.com/ecowatch/ecowatch/internal/testenv"
	"github.com/ecowatch/ecowatch/org"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/simulate"
	"github.com/ecowatch/ecowatch/store"
)

// TestWatershedWarningGoesDownstreamAsAnOfficeSendsIt streams a simulated 湖北 with
// watershed incidents carried down 长江, 汉江 and 清江 through Kafka into ClickHouse, replays
// the watershed detector every two hours, and checks what the jurisdictions downstream are
// told and how: the warning read back from ClickHouse names them among its recipients with
// the river and the water's arrival window; each gets a notice that says when the water is
// expected; governments are copied (抄送) on their bureau's notice and get none of their own;
// and no organisation gets two numbered notices about one warning within the notice
// interval unless the warning rose to level 1 or 2.
func TestWatershedWarningGoesDownstreamAsAnOfficeSendsIt(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, calendar.Shanghai)
	cfg := simulate.Config{From: from, To: from.AddDate(0, 3, 0), Scope: region.MustScope("420000"), Seed: 3, Clusters: -1, WatershedIncidents: 3, Emergencies: -1, RepeatTargets: -1}
	truth, identities := simulateAndIngest(t, env, cfg)

	ctx := context.Background()
	start := from.AddDate(0, 0, 60) // the detector needs weeks of history
	reg, err := detect.Registry(detect.DefaultDeps())
	if err != nil {
		t.Fatal(err)
	}
	detectors, err := reg.Select("watershed")
	if err != nil {
		t.Fatal(err)
	}
	regions := region.Default()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	bt := &eval.Backtest{Store: env.Store, Detectors: detectors, From: start, To: cfg.To.Add(-2 * time.Hour), Step: 2 * time.Hour, Log: quiet,
		Notices: &deliver.Notices{Store: env.Store, Orgs: org.New(regions), Regions: regions, Dir: env.Config.OutDir}}
	if _, err := bt.Run(ctx); err != nil {
		t.Fatal(err)
	}

	all, err := env.Store.AllWarnings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	first := map[string]store.WarningRow{} // warning id → first revision
	for _, w := range all {
		if f, ok := first[w.WarningID]; w.Kind == contract.WarningWatershed && (!ok || w.Revision < f.Revision) {
			first[w.WarningID] = w
		}
	}

	// Every incident warned within 72 h of onset: the first warning names a jurisdiction
	// downstream that the simulator's water reaches, with its river and an arrival window
	// after the water was seen.
	incidents, warned, toldDownstream := 0, 0, 0
	for _, ev := range truth.Events {
		if ev.Type != simulate.EventWatershed || ev.Onset.Before(start) || ev.Onset.After(cfg.To.Add(-72*time.Hour)) || len(ev.Downstream) == 0 {
			continue
		}
		incidents++
		var w *store.WarningRow
		for _, f := range first {
			if overlaps(f.RegionCodes, ev.Places) && !f.OpenedAt.Before(ev.Onset.Add(-time.Hour)) && f.OpenedAt.Sub(ev.Onset) <= 72*time.Hour && (w == nil || f.OpenedAt.Before(w.OpenedAt)) {
				f := f
				w = &f
			}
		}
		if w == nil {
			continue
		}
		warned++
		for _, r := range w.Recipients {
			d := r.Downstream
			if d == nil || !slices.Contains(ev.Downstream, r.OrgCode) {
				continue
			}
			if d.River == "" || d.DistanceKm <= 0 || d.ArrivalFrom.Before(w.Window.From.Time) || d.ArrivalTo.Before(d.ArrivalFrom.Time) {
				t.Errorf("warning %s: downstream recipient %s %s has a reach that does not read right: %+v", w.WarningID, r.OrgCode, r.OrgName, *d)
				continue
			}
			toldDownstream++
			break
		}
	}
	if incidents == 0 {
		t.Fatalf("the evaluated period holds no watershed incident whose water reaches another jurisdiction (truth: %d events)", len(truth.Events))
	}
	if warned == 0 || toldDownstream != warned {
		t.Errorf("%d watershed incidents, %d warned within 72 h, %d of those with a jurisdiction downstream among the first warning's recipients", incidents, warned, toldDownstream)
	}

	// Governments are copied, never addressed; the warnings carry the jurisdictions
	// downstream.
	var ids []string
	for id, w := range first {
		ids = append(ids, id)
		for _, r := range w.Recipients {
			if r.Role == org.RoleGovernment && !r.Copy {
				t.Errorf("warning %s addresses the government %s; it should be copied", id, r.OrgName)
			}
		}
	}
	notices, err := env.Store.NoticesAbout(ctx, ids, cfg.To)
	if err != nil {
		t.Fatal(err)
	}
	levelOf := map[string]int{} // "warning/revision" → level
	for _, w := range all {
		levelOf[revisionKey(w.WarningID, w.Revision)] = w.Level
	}
	type pair struct{ warning, org string }
	last := map[pair]store.NoticeRecord{}
	slices.SortFunc(notices, func(a, b store.NoticeRecord) int { return a.IssuedAt.Compare(b.IssuedAt) })
	numbered, downstreamNotices := 0, 0
	for _, n := range notices {
		if n.Kind != contract.WarningWatershed {
			continue
		}
		numbered++
		if strings.HasSuffix(n.RecipientName, "人民政府") {
			t.Errorf("notice %s is addressed to the government %s; a government is copied on its bureau's notice", n.Number, n.RecipientName)
		}
		k := pair{n.WarningIDs[0], n.RecipientCode + n.RecipientName}
		if prev, ok := last[k]; ok && n.IssuedAt.Sub(prev.IssuedAt) < deliver.DefaultInterval {
			top := 5
			for i, id := range n.WarningIDs {
				top = min(top, levelOf[revisionKey(id, n.Revisions[i])])
			}
			if top > 2 {
				t.Errorf("%s had notices %s at %s and %s at %s about warning %s, within %s, without a rise to level 1 or 2",
					n.RecipientName, prev.Number, prev.IssuedAt, n.Number, n.IssuedAt, k.warning, deliver.DefaultInterval)
			}
		}
		last[k] = n
		body, err := os.ReadFile(strings.TrimSuffix(n.Path, ".html") + ".md")
		if err != nil {
			t.Fatal(err)
		}
		text := string(body)
		if !strings.Contains(text, n.RecipientName+"：") {
			t.Errorf("notice %s does not open with its addressee %s", n.Path, n.RecipientName)
		}
		if strings.Contains(text, "你辖区位于出现异常河段的下游") {
			downstreamNotices++
			if !strings.Contains(text, "到达本辖区河段") {
				t.Errorf("notice %s to a jurisdiction downstream does not say when the water is expected", n.Path)
			}
		}
	}
	if numbered == 0 || downstreamNotices == 0 {
		t.Errorf("%d numbered watershed notices, %d of them to a jurisdiction downstream", numbered, downstreamNotices)
	}
	var files []string
	for _, n := range notices {
		files = append(files, n.Path, strings.TrimSuffix(n.Path, ".html")+".md")
	}
	assertNoIdentityInFiles(t, identities, files)
	t.Logf("%d incidents whose water reaches another jurisdiction, %d warned, %d watershed warnings, %d numbered notices to %d organisations (%d to jurisdictions downstream)",
		incidents, warned, len(first), numbered, len(last), downstreamNotices)
}

func revisionKey(id string, rev uint32) string { return fmt.Sprintf("%s/%d", id, rev) }
