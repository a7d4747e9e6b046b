package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/simulate"
	"github.com/ecowatch/ecowatch/store"
)

// ReadTruth reads the simulator's truth.json.
func ReadTruth(path string) (*simulate.Truth, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	var truth simulate.Truth
	if err := json.Unmarshal(b, &truth); err != nil {
		return nil, fmt.Errorf("eval: %s is not a simulator truth file: %w", path, err)
	}
	return &truth, nil
}

// WarningKindOf is the kind of warning that should answer an injected event of the simulator.
var WarningKindOf = map[string]string{
	simulate.EventCluster:   contract.WarningCluster,
	simulate.EventWatershed: contract.WarningWatershed,
	simulate.EventEmergency: contract.WarningEmergency,
	simulate.EventRepeat:    contract.WarningRepeat,
}

// Match is one injected event and the first warning of its kind that opened for its places in
// time, if any.
type Match struct {
	Event   simulate.Event
	Warning store.WarningRow
	Warned  bool
}

// Compare matches every event the simulator injected from since on, in order of onset, with
// the first warning of the matching kind that opened for its places (or their prefectures)
// between an hour before onset and 72 hours after it — a repeated complaint becomes one only
// after several reports, so it may be warned up to a week after its last report.
func Compare(truth *simulate.Truth, warnings []store.WarningRow, since time.Time) []Match {
	events := append([]simulate.Event(nil), truth.Events...)
	sort.Slice(events, func(i, j int) bool { return events[i].Onset.Before(events[j].Onset) })
	var out []Match
	for _, ev := range events {
		if ev.Onset.Before(since) {
			continue
		}
		until := ev.Onset.Add(72 * time.Hour)
		if ev.Type == simulate.EventRepeat {
			until = ev.End.Add(7 * 24 * time.Hour)
		}
		w, ok := firstMatch(warnings, WarningKindOf[ev.Type], append(append([]string{}, ev.Places...), ev.Counties...), ev.Onset, until)
		out = append(out, Match{Event: ev, Warning: w, Warned: ok})
	}
	return out
}

// WriteComparison lists the matches, one line per injected event, and a total line; warnings
// is the number of warnings in all.
func WriteComparison(w io.Writer, matches []Match, warnings int) error {
	found := 0
	if _, err := fmt.Fprintln(w, "注入事件（模拟器）                               预警"); err != nil {
		return err
	}
	for _, m := range matches {
		ev := m.Event
		line := fmt.Sprintf("%-9s %s %-8s %-22v", ev.ID, ev.Onset.In(calendar.Shanghai).Format("01-02 15:04"),
			contract.WarningKindName(WarningKindOf[ev.Type]), ev.Places)
		var err error
		if m.Warned {
			found++
			_, err = fmt.Fprintf(w, "%s → %s %s 级别%d，开始后 %s：%s\n", line, m.Warning.WarningID, m.Warning.OpenedAt.In(calendar.Shanghai).Format("01-02 15:04"),
				m.Warning.Level, m.Warning.OpenedAt.Sub(ev.Onset).Round(time.Minute), m.Warning.Title)
		} else {
			_, err = fmt.Fprintf(w, "%s → 未预警\n", line)
		}
		if err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%d of %d injected events warned in time; %d warnings in all\n", found, len(matches), warnings)
	return err
}

// firstMatch is the earliest warning of kind whose places overlap places (or their
// prefectures), opened between an hour before onset and until.
func firstMatch(ws []store.WarningRow, kind string, places []string, onset, until time.Time) (store.WarningRow, bool) {
	var best store.WarningRow
	ok := false
	for _, w := range ws {
		if w.Kind != kind || w.OpenedAt.Before(onset.Add(-time.Hour)) || w.OpenedAt.After(until) {
			continue
		}
		if !overlapsPlaces(w.RegionCodes, places) {
			continue
		}
		if !ok || w.OpenedAt.Before(best.OpenedAt) {
			best, ok = w, true
		}
	}
	return best, ok
}

func overlapsPlaces(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y || (len(x) == 6 && len(y) == 6 && (x[:4]+"00" == y || y[:4]+"00" == x)) {
				return true
			}
		}
	}
	return false
}
