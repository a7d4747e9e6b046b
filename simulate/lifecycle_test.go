package simulate

import (
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
)

func readFile(t *testing.T, dir, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLateCasesMatchStream recomputes every deadline of DESIGN §1 from the stream, with rules
// written independently of the generator, and compares the violations with the truth.
func TestLateCasesMatchStream(t *testing.T) {
	_, truth := provinceFixture(t)
	d := decodeFixture(t)
	cal := calendar.Default()
	to := truth.Config.To
	day := func(t time.Time) time.Time {
		t = t.In(calendar.Shanghai)
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, calendar.Shanghai)
	}
	// 日 periods: the last day moves off a statutory holiday; due at the end of that day
	calendarDue := func(start time.Time, days int) time.Time {
		last := day(start).AddDate(0, 0, days)
		for cal.IsHoliday(last) {
			last = last.AddDate(0, 0, 1)
		}
		return last.AddDate(0, 0, 1).Add(-time.Second)
	}
	type key struct{ id, deadline string }
	got := map[key]bool{}
	for id, rep := range d.reports {
		evs := d.events[id]
		first := func(typ string) *contract.CaseEvent {
			for _, e := range evs {
				if e.Type == typ {
					return e
				}
			}
			return nil
		}
		// accept or reject within 15 days
		decision := first(contract.EventAccepted)
		if decision == nil {
			decision = first(contract.EventRejected)
		}
		due := calendarDue(rep.Received(), 15)
		if (decision != nil && decision.At.After(due)) || (decision == nil && due.Before(to)) {
			got[key{id, DeadlineAccept}] = true
		}
		acc := first(contract.EventAccepted)
		if acc == nil || first(contract.EventMerged) != nil {
			continue
		}
		// assign within 3 working days
		lastDay, _ := cal.AddWorkingDays(acc.At.Time, 3)
		assignDue := lastDay.AddDate(0, 0, 1).Add(-time.Second)
		if as := first(contract.EventAssigned); (as != nil && as.At.After(assignDue)) || (as == nil && assignDue.Before(to)) {
			got[key{id, DeadlineAssign}] = true
		}
		// close within 60 days + hearing time + an extension of ≤ 30 days approved in time
		pause := 0
		if hs, he := first(contract.EventHearingStarted), first(contract.EventHearingEnded); hs != nil && he != nil {
			pause = int(math.Ceil(he.At.Sub(hs.At.Time).Hours() / 24))
		}
		base := calendarDue(acc.At.Time, 60+pause)
		closeDue := base
		if ext := first(contract.EventExtensionApproved); ext != nil {
			if ext.ExtensionDays > 30 {
				got[key{id, DeadlineExtensionLength}] = true
			}
			if ext.At.After(base) {
				got[key{id, DeadlineExtensionLate}] = true
			} else {
				closeDue = calendarDue(acc.At.Time, 60+pause+min(int(ext.ExtensionDays), 30))
			}
		}
		if cl := first(contract.EventClosed); (cl != nil && cl.At.After(closeDue)) || (cl == nil && closeDue.Before(to)) {
			got[key{id, DeadlineClose}] = true
		}
	}
	want := map[key]bool{}
	for _, lc := range truth.LateCases {
		want[key{lc.ReportID, lc.Deadline}] = true
		if lc.Done != nil && !lc.Done.After(lc.Due) && lc.Deadline != DeadlineExtensionLength {
			t.Errorf("late case %s %s done %s before due %s", lc.ReportID, lc.Deadline, lc.Done, lc.Due)
		}
	}
	var missing, extra []key
	for k := range got {
		if !want[k] {
			missing = append(missing, k)
		}
	}
	for k := range want {
		if !got[k] {
			extra = append(extra, k)
		}
	}
	sort.Slice(missing, func(i, j int) bool { return missing[i].id < missing[j].id })
	sort.Slice(extra, func(i, j int) bool { return extra[i].id < extra[j].id })
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("violations in the stream but not in the truth: %d %v", len(missing), head(missing))
		t.Errorf("violations in the truth but not in the stream: %d %v", len(extra), head(extra))
	}
	for _, dl := range []string{DeadlineAccept, DeadlineAssign, DeadlineClose, DeadlineExtensionLength, DeadlineExtensionLate} {
		if truth.Totals.LateByDeadline[dl] == 0 {
			t.Errorf("no late case for deadline %s", dl)
		}
	}
	// controlled shares: about Late.Accept of reports miss acceptance
	if share := float64(truth.Totals.LateByDeadline[DeadlineAccept]) / float64(len(d.reports)); share < 0.01 || share > 0.03 {
		t.Errorf("share of late acceptance %.4f, configured %.3f", share, truth.Config.Late.Accept)
	}
}

func head[T any](xs []T) []T {
	if len(xs) > 5 {
		return xs[:5]
	}
	return xs
}

func TestLifecycleShape(t *testing.T) {
	_, truth := provinceFixture(t)
	d := decodeFixture(t)
	var rejected, accepted, closed, transferred int
	findings := map[string]int{}
	reasons := map[string]int{}
	for _, rep := range d.reports {
		for _, e := range d.events[rep.ReportID] {
			switch e.Type {
			case contract.EventRejected:
				rejected++
				reasons[e.Reason]++
			case contract.EventAccepted:
				accepted++
			case contract.EventTransferred:
				transferred++
				if e.ToOrgCode != rep.RegionCode {
					t.Errorf("%s transferred to %s, not to the county %s", rep.ReportID, e.ToOrgCode, rep.RegionCode)
				}
			case contract.EventClosed:
				closed++
				findings[e.Finding]++
				if e.Summary == "" {
					t.Errorf("%s closed without a summary", rep.ReportID)
				}
			}
		}
	}
	decided := float64(rejected + accepted)
	if share := float64(rejected) / decided; share < 0.04 || share > 0.12 {
		t.Errorf("rejected share %.3f, want 5–10%%", share)
	}
	for _, r := range []string{"线索不详", "不属于职责范围", "重复举报"} {
		if reasons[r] == 0 {
			t.Errorf("no rejection for reason %s", r)
		}
	}
	if share := float64(findings[contract.FindingSubstantiated]) / float64(closed); share < 0.45 || share > 0.65 {
		t.Errorf("substantiated share %.3f, want 50–60%%", share)
	}
	if transferred == 0 || truth.Totals.ByEventType[contract.EventExtensionApproved] == 0 ||
		truth.Totals.ByEventType[contract.EventReviewRequested] == 0 || truth.Totals.ByEventType[contract.EventMerged] == 0 ||
		truth.Totals.ByEventType[contract.EventSupplementRequested] == 0 || truth.Totals.ByEventType[contract.EventRevisited] == 0 {
		t.Errorf("missing event types: %v", truth.Totals.ByEventType)
	}
}
