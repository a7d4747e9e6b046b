package alerts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/store"
)

// Changes are the warning revisions one reconciliation wrote.
type Changes struct {
	Opened, Updated, Closed []store.WarningRow
	// Previous holds, for each updated warning, the revision it replaced.
	Previous map[string]store.WarningRow
}

// All returns every revision written, opened first.
func (c Changes) All() []store.WarningRow {
	return slices.Concat(c.Opened, c.Updated, c.Closed)
}

// WarningStore is what reconciliation needs of the store.
type WarningStore interface {
	CurrentWarnings(ctx context.Context, kind string, includeClosed bool) ([]store.WarningRow, error)
	SaveWarnings(ctx context.Context, rows []store.WarningRow) error
}

// WarningID derives the stable id of a situation's warning.
func WarningID(kind, situation string) string {
	h := sha256.Sum256([]byte(situation))
	return "W-" + kind + "-" + hex.EncodeToString(h[:6])
}

// Reconcile brings the warnings of the given kinds in line with the findings of a run as of
// at: new situations open, changed ones update, vanished ones close — unless keep, when not
// nil, says an open warning whose situation was not found this time stays open as it is (a
// signal that flickers between runs). A closed situation found again reopens its warning (a
// new revision with status open).
func Reconcile(ctx context.Context, ws WarningStore, kinds []string, findings []Finding, at time.Time, keep func(store.WarningRow) bool) (Changes, error) {
	current := map[string]store.WarningRow{}
	for _, k := range kinds {
		rows, err := ws.CurrentWarnings(ctx, k, true)
		if err != nil {
			return Changes{}, err
		}
		for _, w := range rows {
			current[w.WarningID] = w
		}
	}
	ch := Changes{Previous: map[string]store.WarningRow{}}
	seen := map[string]bool{}
	sort.Slice(findings, func(i, j int) bool { return findings[i].Situation < findings[j].Situation })
	for _, f := range findings {
		if !slices.Contains(kinds, f.Kind) {
			return Changes{}, fmt.Errorf("alerts: finding of kind %q from a detector that owns %v", f.Kind, kinds)
		}
		id := WarningID(f.Kind, f.Situation)
		if seen[id] {
			continue // a detector reported the same situation twice; the first stands
		}
		seen[id] = true
		row, err := rowOf(f, id, at)
		if err != nil {
			return Changes{}, err
		}
		old, exists := current[id]
		switch {
		case !exists:
			row.Revision, row.Status, row.OpenedAt = 1, contract.StatusOpen, at
			ch.Opened = append(ch.Opened, row)
		case old.Status == contract.StatusClosed:
			row.Revision, row.Status, row.OpenedAt = old.Revision+1, contract.StatusOpen, at
			ch.Opened = append(ch.Opened, row)
		case materiallyChanged(old, row):
			row.Revision, row.Status, row.OpenedAt = old.Revision+1, contract.StatusUpdated, old.OpenedAt
			ch.Updated = append(ch.Updated, row)
			ch.Previous[id] = old
		}
	}
	ids := make([]string, 0, len(current))
	for id := range current {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		old := current[id]
		if seen[id] || old.Status == contract.StatusClosed || (keep != nil && keep(old)) {
			continue
		}
		closed := old
		closed.Revision, closed.Status, closed.IssuedAt = old.Revision+1, contract.StatusClosed, contract.NewTime(at)
		ch.Closed = append(ch.Closed, closed)
	}
	if err := ws.SaveWarnings(ctx, ch.All()); err != nil {
		return Changes{}, err
	}
	return ch, nil
}

func rowOf(f Finding, id string, at time.Time) (store.WarningRow, error) {
	facts, err := json.Marshal(f.Facts)
	if err != nil {
		return store.WarningRow{}, fmt.Errorf("alerts: facts of %s: %w", f.Situation, err)
	}
	return store.WarningRow{
		Warning: contract.Warning{
			Schema: contract.SchemaWarnings, WarningID: id, Kind: f.Kind, Level: f.Level, Title: f.Title,
			RegionCodes: f.RegionCodes, Basin: f.Basin, Recipients: f.Recipients, Window: f.Window,
			Evidence: f.Evidence, ReportIDs: f.ReportIDs, IssuedAt: contract.NewTime(at),
		},
		Situation: f.Situation,
		Facts:     string(facts),
	}, nil
}

// materiallyChanged is true when a reader of the warning would need to know: the level, the
// recipients, the places, the count or the reports changed.
//
// For a reminder the count (days overdue) grows every day by itself: only a change of level or
// recipients — an escalation — is news.
func materiallyChanged(old, now store.WarningRow) bool {
	if old.Level != now.Level || old.Title != now.Title ||
		!slices.Equal(recipientCodes(old), recipientCodes(now)) ||
		!slices.Equal(old.RegionCodes, now.RegionCodes) {
		return true
	}
	if now.Kind == contract.WarningOverdue {
		return false
	}
	return old.Evidence.Observed != now.Evidence.Observed || !slices.Equal(old.ReportIDs, now.ReportIDs)
}

func recipientCodes(w store.WarningRow) []string {
	out := make([]string, len(w.Recipients))
	for i, r := range w.Recipients {
		out[i] = r.Role + ":" + r.OrgCode
	}
	return out
}
