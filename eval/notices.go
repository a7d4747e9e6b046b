package eval

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/alerts/deliver"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/store"
)

// NoticeCounts are the notices the warnings of an evaluation called for, by warning kind.
type NoticeCounts struct {
	// Warnings is the number of warnings opened (a warning reopened after closing counts
	// again); Revisions the revisions written.
	Warnings, Revisions map[string]int
	// Numbered are the numbered 预警通知书 the notice policy issued (deliver.Policy); Digests
	// the daily 续报 (per organisation and day, all kinds together).
	Numbered map[string]int
	Digests  int
	// Addressed counts the (warning, organisation) pairs sent at least one numbered notice:
	// Numbered / Addressed is the notices each organisation had about one warning.
	Addressed map[string]int
	// PerRecipient is what the notices were before issue 18: one notice to every recipient
	// (bureau, government, basin bureau …) of every opened revision, and of every revision
	// that raised the level or added recipients.
	PerRecipient map[string]int
}

func newNoticeCounts() NoticeCounts {
	return NoticeCounts{Warnings: map[string]int{}, Revisions: map[string]int{}, Numbered: map[string]int{}, PerRecipient: map[string]int{}, Addressed: map[string]int{}}
}

func (c NoticeCounts) add(o NoticeCounts) NoticeCounts {
	if c.Warnings == nil {
		c = newNoticeCounts()
	}
	for k, v := range o.Warnings {
		c.Warnings[k] += v
	}
	for k, v := range o.Revisions {
		c.Revisions[k] += v
	}
	for k, v := range o.Numbered {
		c.Numbered[k] += v
	}
	for k, v := range o.PerRecipient {
		c.PerRecipient[k] += v
	}
	for k, v := range o.Addressed {
		c.Addressed[k] += v
	}
	c.Digests += o.Digests
	return c
}

// warningLog replays the warnings of an evaluation as production keeps them — reconciliation
// of each run's findings (alerts.Reconcile), the outbox of the notices channel and the notice
// policy (deliver.Policy) — in memory, and counts the notices. It is the evaluation's
// alerts.WarningStore.
type warningLog struct {
	policy  deliver.Policy
	current map[string]store.WarningRow // warning id → current revision
	history map[string][]store.WarningRow
	pending []store.WarningRow
	sent    []store.NoticeRecord
	counts  NoticeCounts
	// opened lists the first revision of every warning opened, in time order; all the
	// revisions are in history.
	opened []store.WarningRow
	pairs  map[string]bool // "warning|addressee" sent a numbered notice
}

func newWarningLog(p deliver.Policy) *warningLog {
	return &warningLog{policy: p, current: map[string]store.WarningRow{}, history: map[string][]store.WarningRow{}, counts: newNoticeCounts(), pairs: map[string]bool{}}
}

// CurrentWarnings implements alerts.WarningStore.
func (l *warningLog) CurrentWarnings(_ context.Context, kind string, includeClosed bool) ([]store.WarningRow, error) {
	var out []store.WarningRow
	for _, w := range l.current {
		if w.Kind == kind && (includeClosed || w.Status != contract.StatusClosed) {
			out = append(out, w)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].WarningID < out[j].WarningID })
	return out, nil
}

// SaveWarnings implements alerts.WarningStore.
func (l *warningLog) SaveWarnings(_ context.Context, rows []store.WarningRow) error {
	for _, w := range rows {
		l.current[w.WarningID] = w
		l.history[w.WarningID] = append(l.history[w.WarningID], w)
	}
	return nil
}

// cycle reconciles one run's findings of a detector's kinds and issues the notices due.
func (l *warningLog) cycle(kinds []string, findings []alerts.Finding, keep func(store.WarningRow) bool, at time.Time) (alerts.Changes, error) {
	ch, err := alerts.Reconcile(context.Background(), l, kinds, findings, at, keep)
	if err != nil {
		return ch, err
	}
	for _, w := range ch.Opened {
		l.counts.Warnings[w.Kind]++
		l.opened = append(l.opened, w)
		l.counts.PerRecipient[w.Kind] += len(w.Recipients)
	}
	for _, w := range ch.Updated {
		prev := ch.Previous[w.WarningID]
		added := 0
		for _, r := range w.Recipients {
			if !slices.ContainsFunc(prev.Recipients, func(p contract.Recipient) bool { return p.OrgCode == r.OrgCode && p.Role == r.Role }) {
				added++
			}
		}
		if added == 0 && w.Level < prev.Level {
			added = len(w.Recipients)
		}
		l.counts.PerRecipient[w.Kind] += added
	}
	for _, w := range ch.All() {
		l.counts.Revisions[w.Kind]++
	}
	l.pending = append(l.pending, ch.All()...)
	l.flush(at)
	return ch, nil
}

// flush carries out the policy's plan for the pending revisions.
func (l *warningLog) flush(at time.Time) {
	if len(l.pending) == 0 {
		return
	}
	plan := l.policy.Plan(l.pending, l.history, l.sent, at)
	for _, n := range plan.Notices {
		rec := store.NoticeRecord{Kind: n.Warning.Kind, RecipientCode: n.Addressee.OrgCode, RecipientName: n.Addressee.OrgName,
			Revisions: n.Revisions, IssuedAt: at}
		for range n.Revisions {
			rec.WarningIDs = append(rec.WarningIDs, n.Warning.WarningID)
		}
		l.sent = append(l.sent, rec)
		l.counts.Numbered[n.Warning.Kind]++
		if pair := n.Warning.WarningID + "|" + n.Addressee.Role + ":" + n.Addressee.OrgCode; !l.pairs[pair] {
			l.pairs[pair] = true
			l.counts.Addressed[n.Warning.Kind]++
		}
	}
	for _, d := range plan.Digests {
		rec := store.NoticeRecord{Kind: deliver.KindDigest, Number: deliver.DigestNumber(d.Day), RecipientCode: d.Addressee.OrgCode,
			RecipientName: d.Addressee.OrgName, IssuedAt: at}
		for _, w := range d.Entries {
			rec.WarningIDs, rec.Revisions = append(rec.WarningIDs, w.WarningID), append(rec.Revisions, w.Revision)
		}
		l.sent = append(l.sent, rec)
		l.counts.Digests++
	}
	acked := map[string]bool{}
	for _, w := range plan.Ack {
		acked[revKey(w)] = true
	}
	kept := l.pending[:0]
	for _, w := range l.pending {
		if !acked[revKey(w)] {
			kept = append(kept, w)
		}
	}
	l.pending = kept
	// forget the notices of warnings closed and done with, so that the plan stays small
	if len(l.sent) > 4096 {
		live := map[string]bool{}
		for _, w := range l.pending {
			live[w.WarningID] = true
		}
		recent := at.AddDate(0, 0, -3)
		keep := l.sent[:0]
		for _, r := range l.sent {
			if r.IssuedAt.After(recent) || slices.ContainsFunc(r.WarningIDs, func(id string) bool { return live[id] || l.current[id].Status != contract.StatusClosed }) {
				keep = append(keep, r)
			}
		}
		l.sent = keep
	}
}

func revKey(w store.WarningRow) string {
	return w.WarningID + "/" + strconv.FormatUint(uint64(w.Revision), 10)
}
