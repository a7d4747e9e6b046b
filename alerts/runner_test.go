package alerts

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/cases"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/store"
)

// runnerStore is memWarnings plus the detector_runs table.
type runnerStore struct {
	memWarnings
	runs []store.DetectorRun
}

func (s *runnerStore) SaveDetectorRun(_ context.Context, r store.DetectorRun) error {
	s.runs = append(s.runs, r)
	return nil
}

// countingCases is a CaseSource that counts its evaluations.
type countingCases struct{ evaluations int }

func (c *countingCases) Evaluate(_ context.Context, asOf time.Time) (*cases.Snapshot, error) {
	c.evaluations++
	return &cases.Snapshot{AsOf: asOf, Cases: []*store.CaseHistory{{ReportID: "r1"}, {ReportID: "r2"}}}, nil
}

// recordingNotices is a NoticeWriter that records what it was asked to flush.
type recordingNotices struct{ kinds [][]string }

func (n *recordingNotices) FlushIfNeeded(_ context.Context, kinds []string, ch Changes, _ time.Time) ([]store.NoticeRecord, error) {
	n.kinds = append(n.kinds, kinds)
	var out []store.NoticeRecord
	for _, w := range ch.Opened {
		out = append(out, store.NoticeRecord{NoticeID: "N-" + w.WarningID})
	}
	return out, nil
}

// fakeDetector finds one situation per case of the snapshot (or the situations it is given).
type fakeDetector struct {
	name, kind string
	situations []string
	fromCases  bool
	err        error
}

func (f *fakeDetector) Name() string    { return f.name }
func (f *fakeDetector) Kinds() []string { return []string{f.kind} }
func (f *fakeDetector) Detect(ctx context.Context, in *Input, _ time.Time) ([]Finding, error) {
	if f.err != nil {
		return nil, f.err
	}
	situations := f.situations
	if f.fromCases {
		snap, err := in.Cases(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range snap.Cases {
			situations = append(situations, f.name+"/"+c.ReportID)
		}
	}
	var out []Finding
	for _, s := range situations {
		out = append(out, Finding{Situation: s, Kind: f.kind, Level: 3, Title: contract.WarningTitle(f.kind, s)})
	}
	return out, nil
}

// holdingDetector is a fakeDetector that keeps its warnings open.
type holdingDetector struct{ *fakeDetector }

func (holdingDetector) Keep(store.WarningRow, time.Time) bool { return true }

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestRunnerEvaluatesTheCasesOncePerCycleAndRecordsEveryRun(t *testing.T) {
	st, cs, notices := &runnerStore{}, &countingCases{}, &recordingNotices{}
	r := &Runner{Store: st, Notices: notices, Cases: cs, Log: quietLog()}
	overdue := &fakeDetector{name: "overdue", kind: contract.WarningOverdue, fromCases: true}
	supervision := &fakeDetector{name: "supervision", kind: contract.WarningRepeat, fromCases: true}
	asOf := time.Date(2026, 7, 1, 10, 0, 0, 0, calendar.Shanghai)
	results, err := r.Run(context.Background(), asOf, []Detector{overdue, supervision})
	if err != nil {
		t.Fatal(err)
	}
	if cs.evaluations != 1 {
		t.Errorf("the cases were evaluated %d times in one cycle of two detectors", cs.evaluations)
	}
	if len(results) != 2 || results[0].Detector != "overdue" || results[1].Detector != "supervision" {
		t.Fatalf("results %+v", results)
	}
	for _, res := range results {
		if res.Found != 2 || len(res.Changes.Opened) != 2 || len(res.Notices) != 2 {
			t.Errorf("%s: found %d, opened %d, notices %d; want 2 each", res.Detector, res.Found, len(res.Changes.Opened), len(res.Notices))
		}
	}
	if !slices.EqualFunc(notices.kinds, [][]string{{contract.WarningOverdue}, {contract.WarningRepeat}}, slices.Equal[[]string]) {
		t.Errorf("notices flushed for %v", notices.kinds)
	}
	if len(st.runs) != 2 || st.runs[0].Detector != "overdue" || st.runs[0].Opened != 2 || !st.runs[0].AsOf.Equal(asOf) || st.runs[0].Error != "" {
		t.Errorf("detector runs %+v", st.runs)
	}
	// The next cycle is a new input: the cases are evaluated again, and nothing changed.
	results, err = r.Run(context.Background(), asOf.Add(time.Hour), []Detector{overdue, supervision})
	if err != nil {
		t.Fatal(err)
	}
	if cs.evaluations != 2 || len(results[0].Changes.All()) != 0 {
		t.Errorf("second cycle: %d evaluations, changes %+v", cs.evaluations, results[0].Changes)
	}
}

func TestRunnerStopsAtAFailingDetectorAndRecordsTheFailure(t *testing.T) {
	st := &runnerStore{}
	r := &Runner{Store: st, Notices: &recordingNotices{}, Log: quietLog()}
	broken := &fakeDetector{name: "cluster", kind: contract.WarningCluster, err: errors.New("ClickHouse went away")}
	after := &fakeDetector{name: "watershed", kind: contract.WarningWatershed, situations: []string{"w"}}
	results, err := r.Run(context.Background(), time.Date(2026, 7, 1, 10, 0, 0, 0, calendar.Shanghai), []Detector{broken, after})
	if err == nil || !strings.Contains(err.Error(), "cluster detector") || !strings.Contains(err.Error(), "ClickHouse went away") {
		t.Fatalf("error %v: want one naming the detector and the cause", err)
	}
	if len(results) != 0 || len(st.runs) != 1 || st.runs[0].Error == "" {
		t.Fatalf("results %+v, runs %+v: want the failure recorded and the cycle stopped", results, st.runs)
	}
	// A detector that reads a source the runner lacks fails with a clear error, not a panic.
	needsCases := &fakeDetector{name: "overdue", kind: contract.WarningOverdue, fromCases: true}
	if _, err := r.Run(context.Background(), time.Now(), []Detector{needsCases}); err == nil || !strings.Contains(err.Error(), "no source of cases") {
		t.Fatalf("error %v", err)
	}
}

func TestRunnerKeepsTheWarningsOfAHolder(t *testing.T) {
	for _, hold := range []bool{false, true} {
		st := &runnerStore{}
		r := &Runner{Store: st, Notices: &recordingNotices{}, SoleWriter: hold, Log: quietLog()}
		f := &fakeDetector{name: "cluster", kind: contract.WarningCluster, situations: []string{"a"}}
		var d Detector = f
		if hold {
			d = holdingDetector{f}
		}
		at := time.Date(2026, 7, 1, 10, 0, 0, 0, calendar.Shanghai)
		if _, err := r.Run(context.Background(), at, []Detector{d}); err != nil {
			t.Fatal(err)
		}
		f.situations = nil
		res, err := r.Run(context.Background(), at.Add(time.Hour), []Detector{d})
		if err != nil {
			t.Fatal(err)
		}
		if closed := len(res[0].Changes.Closed); (closed == 0) != hold {
			t.Errorf("holder %v: %d warnings closed when the situation vanished", hold, closed)
		}
	}
}

func TestRegistryChecksNamesAndKinds(t *testing.T) {
	overdue := &fakeDetector{name: "overdue", kind: contract.WarningOverdue}
	cluster := &fakeDetector{name: "cluster", kind: contract.WarningCluster}
	reg, err := NewRegistry(overdue, cluster)
	if err != nil {
		t.Fatal(err)
	}
	if got := reg.Names(); !slices.Equal(got, []string{"overdue", "cluster"}) {
		t.Errorf("names %v", got)
	}
	sel, err := reg.Select("cluster, overdue")
	if err != nil || len(sel) != 2 || sel[0] != Detector(overdue) {
		t.Errorf("select: %v %v; want both, in registry order", sel, err)
	}
	if _, err := reg.Select("overdue,clusters"); err == nil || !strings.Contains(err.Error(), `"clusters"`) || !strings.Contains(err.Error(), "overdue, cluster") {
		t.Errorf("an unknown detector: %v; want an error naming it and the accepted ones", err)
	}
	for name, ds := range map[string][]Detector{
		"a kind owned twice":  {overdue, &fakeDetector{name: "other", kind: contract.WarningOverdue}},
		"a name used twice":   {overdue, &fakeDetector{name: "overdue", kind: contract.WarningCluster}},
		"an unknown kind":     {&fakeDetector{name: "x", kind: "rumour"}},
		"a name with a comma": {&fakeDetector{name: "a,b", kind: contract.WarningCluster}},
	} {
		if _, err := NewRegistry(ds...); err == nil {
			t.Errorf("%s was accepted", name)
		}
	}
}
