package lifecycle

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/simulate"
)

// memSink keeps the stream in memory.
type memSink struct {
	mu   sync.Mutex
	msgs []simulate.Message
}

func (m *memSink) Write(_ context.Context, msgs []simulate.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, msgs...)
	return nil
}

// missKey identifies a missed deadline or a violation: report, what, due date.
type missKey struct {
	reportID, what string
	due            int64 // Unix seconds of the end of the due day
}

func (k missKey) String() string {
	return fmt.Sprintf("%s %s due %s", k.reportID, k.what, time.Unix(k.due, 0).In(calendar.Shanghai).Format(time.RFC3339))
}

// truthKind maps the simulator's deadline kinds to steps and violation codes.
var truthKind = map[string]string{
	simulate.DeadlineAccept:          string(StepAccept),
	simulate.DeadlineAssign:          string(StepAssign),
	simulate.DeadlineClose:           string(StepClose),
	simulate.DeadlineExtensionLength: ViolationExtensionTooLong,
	simulate.DeadlineExtensionLate:   ViolationExtensionAfterDue,
}

// TestAgreesWithSimulatorTruth evaluates every simulated case as of the end of the stream and
// checks that exactly the planted late cases are found, with the same due dates: once on a
// default stream, once on a petition-heavy stream with many late cases across the 2025 国庆节
// (hearings, which pause the clock, mostly happen on petitions).
func TestAgreesWithSimulatorTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("simulates months of a province")
	}
	for _, cfg := range []simulate.Config{
		{
			From:  time.Date(2026, 3, 1, 0, 0, 0, 0, calendar.Shanghai),
			To:    time.Date(2026, 7, 1, 0, 0, 0, 0, calendar.Shanghai),
			Scope: region.MustScope("440000"),
			Seed:  20260301,
		},
		{
			From:           time.Date(2025, 8, 1, 0, 0, 0, 0, calendar.Shanghai),
			To:             time.Date(2025, 12, 15, 0, 0, 0, 0, calendar.Shanghai),
			Scope:          region.MustScope("320000"),
			Seed:           20250930,
			ReportsPerYear: 60000,
			PetitionShare:  0.9,
			Late:           simulate.LateShares{Accept: 0.2, Assign: 0.2, Close: 0.3, Extension: 0.5},
		},
	} {
		t.Run(cfg.Scope.String()+"-"+cfg.From.Format("200601"), func(t *testing.T) { agreeWithTruth(t, cfg) })
	}
}

func agreeWithTruth(t *testing.T, cfg simulate.Config) {
	sink := &memSink{}
	truth, err := simulate.Run(context.Background(), cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	asOf := truth.Config.To

	cases := map[string]Case{}
	var order []string
	events := map[string][]contract.CaseEvent{}
	for _, m := range sink.msgs {
		if strings.HasPrefix(m.Key, "bad-") {
			continue
		}
		switch m.Topic {
		case simulate.TopicReports:
			var r contract.Report
			if err := json.Unmarshal(m.Value, &r); err != nil {
				t.Fatalf("report %s: %v", m.Key, err)
			}
			if _, seen := cases[r.ReportID]; !seen {
				order = append(order, r.ReportID)
			}
			cases[r.ReportID] = Case{ReportID: r.ReportID, Kind: r.Kind, Channel: r.Channel, ReceivedAt: r.Received(),
				RegionCode: r.RegionCode, IntakeOrg: r.IntakeOrg}
		case simulate.TopicCaseEvents:
			var ev contract.CaseEvent
			if err := json.Unmarshal(m.Value, &ev); err != nil {
				t.Fatalf("event %s: %v", m.Key, err)
			}
			events[ev.ReportID] = append(events[ev.ReportID], ev)
		}
	}
	for id := range events {
		if _, ok := cases[id]; !ok {
			t.Errorf("events for %s, which has no report", id)
		}
	}

	want := map[missKey]bool{}
	for _, lc := range truth.LateCases {
		what, ok := truthKind[lc.Deadline]
		if !ok {
			t.Fatalf("truth deadline kind %q has no mapping", lc.Deadline)
		}
		want[missKey{lc.ReportID, what, lc.Due.Unix()}] = true
	}

	cal := calendar.Default()
	got := map[missKey]bool{}
	stats := map[string]int{}
	anomalies := map[string]int{}
	var hearingAll, hearingLate int
	for _, id := range order {
		st := Evaluate(cal, cases[id], events[id], asOf)
		for _, d := range st.Deadlines {
			stats[string(d.Step)+"/"+string(d.Status)]++
			if d.Step == StepClose && d.PausedDays > 0 {
				hearingAll++
				if d.Status == MissedDone || d.Status == Overdue {
					hearingLate++
				}
			}
			if d.Status == MissedDone || d.Status == Overdue {
				got[missKey{id, string(d.Step), d.Due.Unix()}] = true
			}
		}
		for _, v := range st.Violations {
			switch v.Code {
			case ViolationExtensionTooLong, ViolationExtensionAfterDue:
				got[missKey{id, v.Code, v.Due.Unix()}] = true
			default:
				t.Errorf("%s: unexpected violation %s: %s", id, v.Code, v.Detail)
			}
		}
		for _, a := range st.Anomalies {
			anomalies[a.Code]++
		}
	}

	var missing, extra []string
	for k := range want {
		if !got[k] {
			missing = append(missing, k.String())
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k.String())
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, s := range missing {
		t.Errorf("planted but not found: %s", s)
	}
	for _, s := range extra {
		t.Errorf("found but not planted: %s", s)
	}
	if len(anomalies) > 0 {
		t.Errorf("anomalies in a clean simulated stream: %v", anomalies)
	}
	byKind := map[string]int{}
	for _, lc := range truth.LateCases {
		byKind[lc.Deadline]++
	}
	t.Logf("%d reports, %d case events, %d late cases %v; deadlines by step/status %v; closures with hearing days: %d late, %d in all",
		len(cases), truth.Totals.CaseEvents, len(truth.LateCases), byKind, stats, hearingLate, hearingAll)
	if len(want) < 50 {
		t.Errorf("only %d planted late cases: the comparison proves little", len(want))
	}
	for _, kind := range []string{simulate.DeadlineAccept, simulate.DeadlineAssign, simulate.DeadlineClose,
		simulate.DeadlineExtensionLength, simulate.DeadlineExtensionLate} {
		if byKind[kind] == 0 {
			t.Errorf("no planted late case of kind %s", kind)
		}
	}
}
