package integration

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/alerts/deliver"
	"github.com/ecowatch/ecowatch/alerts/detect"
	"github.com/ecowatch/ecowatch/broker"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/cases"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/internal/testenv"
	"github.com/ecowatch/ecowatch/org"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/simulate"
)

// kafkaSink produces the simulator's stream to the test's topics (through broker.Sink, as
// `ecowatch simulate` does) and keeps the reporter identities it carried, so that outputs can
// be searched for them.
type kafkaSink struct {
	t          testing.TB
	env        *testenv.Env
	identities map[string]bool
	out        *broker.Sink[simulate.Message]
}

func (s *kafkaSink) Write(ctx context.Context, msgs []simulate.Message) error {
	if s.out == nil {
		kc := s.env.Config.Kafka
		topics := map[string]string{simulate.TopicReports: kc.TopicReports, simulate.TopicCaseEvents: kc.TopicEvents}
		s.out = broker.NewSink(s.env.Broker, func(m simulate.Message) (string, kafka.Message) {
			return topics[m.Topic], kafka.Message{Key: []byte(m.Key), Value: m.Value}
		})
		s.t.Cleanup(func() { s.out.Close() })
	}
	for _, m := range msgs {
		if m.Topic != simulate.TopicReports {
			continue
		}
		var r contract.Report
		if json.Unmarshal(m.Value, &r) == nil && r.Reporter != nil {
			for _, id := range []string{r.Reporter.Phone, r.Reporter.IDNumber, r.Reporter.Email} {
				if len(id) >= 6 {
					s.identities[id] = true
				}
			}
		}
	}
	return s.out.Write(ctx, msgs)
}

// caseCycle is what `ecowatch alerts run` does for the cases as of at: the case-state stage
// (case_states, case_deadlines, merge_suggestions saved) and a cycle of the detectors that
// read cases (overdue, supervision) on that one evaluation. Notices go to the test's out dir.
func caseCycle(t testing.TB, env *testenv.Env, at time.Time) []alerts.RunResult {
	t.Helper()
	ctx := context.Background()
	deps := detect.DefaultDeps()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	stage := &cases.Stage{Store: env.Store, Regions: deps.Regions, Calendar: deps.Calendar, Log: quiet}
	snap, err := stage.Evaluate(ctx, at)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stage.Save(ctx, snap); err != nil {
		t.Fatal(err)
	}
	results, err := caseRunner(t, env, snap).Run(ctx, at, caseDetectors(t))
	if err != nil {
		t.Fatal(err)
	}
	return results
}

// caseRunner is the alerts Runner over the test's store, reading cases from cs.
func caseRunner(t testing.TB, env *testenv.Env, cs alerts.CaseSource) *alerts.Runner {
	deps := detect.DefaultDeps()
	return &alerts.Runner{Store: env.Store, Points: env.Store, Cases: cs, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Notices: &deliver.Notices{Store: env.Store, Orgs: org.New(deps.Regions), Regions: deps.Regions, Dir: env.Config.OutDir}}
}

// caseDetectors are the registered detectors that read cases.
func caseDetectors(t testing.TB) []alerts.Detector {
	t.Helper()
	reg, err := detect.Registry(detect.DefaultDeps())
	if err != nil {
		t.Fatal(err)
	}
	ds, err := reg.Select(detect.NameOverdue + "," + detect.NameSupervision)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// simulateAndIngest streams a simulated period through Kafka into the test's database.
func simulateAndIngest(t *testing.T, env *testenv.Env, cfg simulate.Config) (*simulate.Truth, map[string]bool) {
	t.Helper()
	sink := &kafkaSink{t: t, env: env, identities: map[string]bool{}}
	truth, err := simulate.Run(context.Background(), cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	st := runIngest(t, env, 5000)
	if st.Reports != truth.Totals.Reports || st.DeadLetters != truth.Malformed {
		t.Fatalf("ingested %d reports, %d dead letters; simulated %d reports, %d malformed", st.Reports, st.DeadLetters, truth.Totals.Reports, truth.Malformed)
	}
	return truth, sink.identities
}

func TestPlantedLateCasesAreRemindedExactlyOnce(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, calendar.Shanghai)
	cfg := simulate.Config{From: from, To: from.AddDate(0, 4, 0), Scope: region.MustScope("440000"), ReportsPerYear: 9000, Seed: 11}
	truth, identities := simulateAndIngest(t, env, cfg)

	// Replay the period as a daily schedule would have run it, then once more at the end.
	ctx := context.Background()
	runner := caseRunner(t, env, &cases.Stage{Store: env.Store, Regions: region.Default(), Calendar: calendar.Default()})
	detectors := caseDetectors(t)
	for at := from.AddDate(0, 0, 1); at.Before(cfg.To); at = at.AddDate(0, 0, 1) {
		if _, err := runner.Run(ctx, at, detectors); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := runner.Run(ctx, cfg.To, detectors); err != nil {
		t.Fatal(err)
	}

	want := map[string]bool{} // report/step of every planted missed deadline
	for _, lc := range truth.LateCases {
		switch lc.Deadline {
		case simulate.DeadlineAccept, simulate.DeadlineAssign, simulate.DeadlineClose:
			want[lc.ReportID+"/"+lc.Deadline] = true
		}
	}
	if len(want) < 20 {
		t.Fatalf("the simulation planted only %d missed deadlines; the test needs more", len(want))
	}
	ws, err := env.Store.CurrentWarnings(ctx, contract.WarningOverdue, true)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, w := range ws {
		key := strings.TrimPrefix(w.Situation, "overdue/")
		if got[key] {
			t.Errorf("two warnings for %s", key)
		}
		got[key] = true
		if !want[key] {
			t.Errorf("reminder for %s, which the simulator planted on time", key)
		}
	}
	for key := range want {
		if !got[key] {
			t.Errorf("planted missed deadline %s was never reminded", key)
		}
	}
	// Opened once: no warning was ever opened twice, and each recipient got one notice for it.
	if n := count(t, env, "SELECT count() FROM warnings WHERE kind = 'overdue' AND status = 'open'"); n != uint64(len(got)) {
		t.Errorf("%d openings for %d overdue situations", n, len(got))
	}
	if n := count(t, env, `SELECT count() FROM (SELECT w, recipient_code, count() AS c FROM notices ARRAY JOIN warning_ids AS w
		WHERE kind = 'overdue' GROUP BY w, recipient_code HAVING c > 1)`); n != 0 {
		t.Errorf("%d (warning, recipient) pairs got more than one reminder", n)
	}
	// A notice number (文号) names one document of its issuer: no two notices share one, even
	// of warning kinds that make the same type of notice (repeat and procedure: 督办建议).
	if n := count(t, env, `SELECT count() FROM (SELECT issuer_code, number FROM notices
		GROUP BY issuer_code, number HAVING uniqExact(notice_id) > 1)`); n != 0 {
		t.Errorf("%d notice numbers were given to more than one notice", n)
	}
	if n := count(t, env, "SELECT uniqExact(kind) FROM notices WHERE kind IN ('repeat', 'procedure')"); n != 2 {
		t.Errorf("the run issued %d of the two supervision kinds; the numbering check needs both", n)
	}
	// Cases done late are closed warnings by the end; cases still overdue stay open.
	stillOpen := 0
	for _, lc := range truth.LateCases {
		if lc.Done == nil && want[lc.ReportID+"/"+lc.Deadline] {
			stillOpen++
		}
	}
	if n := count(t, env, "SELECT count() FROM ("+`SELECT warning_id, argMax(status, revision) AS s FROM warnings WHERE kind = 'overdue' GROUP BY warning_id`+") WHERE s != 'closed'"); n != uint64(stillOpen) {
		t.Errorf("%d overdue warnings open at the end, want %d (planted deadlines still not done)", n, stillOpen)
	}

	// The notices exist as HTML and Markdown and carry no reporter identity.
	var files []string
	filepath.Walk(filepath.Join(env.Config.OutDir, "notices"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatal("no notice files written")
	}
	html, md := 0, 0
	for _, f := range files {
		switch filepath.Ext(f) {
		case ".html":
			html++
		case ".md":
			md++
		}
	}
	if html == 0 || html != md {
		t.Fatalf("%d HTML and %d Markdown notices", html, md)
	}
	t.Logf("%d planted missed deadlines reminded; %d notice files", len(want), len(files))
	assertNoIdentityInFiles(t, identities, files)
}

// assertNoIdentityInFiles checks that none of the reporters' phones, ID numbers and e-mail
// addresses appears in any of the files.
func assertNoIdentityInFiles(t *testing.T, identities map[string]bool, files []string) {
	t.Helper()
	if len(identities) < 100 {
		t.Fatalf("only %d identities to search for", len(identities))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		for id := range identities {
			if strings.Contains(text, id) {
				t.Errorf("%s contains a reporter identity", f)
				break
			}
		}
	}
}
