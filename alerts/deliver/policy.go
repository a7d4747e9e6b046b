package deliver

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/store"
)

// KindDigest is the notice kind of a daily 续报 (digest) in the notices table.
const KindDigest = "digest"

// DefaultInterval is the default of Policy.Interval.
const DefaultInterval = 6 * time.Hour

// Early reports whether a warning kind is an early warning (预警: clusters, watershed risks,
// emergencies), whose notices follow the Policy.
func Early(kind string) bool {
	return kind == contract.WarningCluster || kind == contract.WarningWatershed || kind == contract.WarningEmergency
}

// Policy decides the notices of early warnings, as an office sends them:
//
//   - one numbered 预警通知书 per organisation addressed — each recipient that is not a copy —
//     with the organisations copied on it (its government, the bureau above) in 抄送;
//   - a new numbered notice to an addressee only when the warning opens (or reopens), its level
//     rises above any it was told of, or a jurisdiction is added — an organisation addressed
//     that no revision up to its last notice addressed, other than one downstream of a
//     watershed warning (those are sent their own notice as the water's reach extends, and the
//     others are not told again for it) — and at most one per
//     addressee and warning within Interval — an escalation to level 1 or 2 goes at once, any
//     other waits for the interval to pass (and goes then, if it still stands);
//   - every other change (counts, reports, a level falling, the warning closing, and a change
//     that waits) goes to the addressee's daily 续报 (a digest of the day's changes of all its
//     warnings), written once the day is over.
//
// A revision is acknowledged once every addressee has either had a numbered notice covering it
// or the digest of its day, and no notice about its warning is waiting: until then it stays in
// the outbox, so a crash or a full disk delays a notice and never loses one.
type Policy struct {
	// Interval: at most one numbered notice per addressee and warning within it, escalations
	// to level 1 or 2 excepted. Default 6 h.
	Interval time.Duration
}

// Plan is what a flush does for the early warnings in the outbox.
type Plan struct {
	Notices []PlannedNotice
	Digests []PlannedDigest
	// Ack are the revisions whose notices are all issued once the plan is carried out.
	Ack []store.WarningRow
	// Due is when a waiting notice or a digest next falls due (zero: nothing waits).
	Due time.Time
}

// PlannedNotice is a numbered notice to issue now.
type PlannedNotice struct {
	Warning   store.WarningRow // the revision it states: the warning's latest
	Addressee contract.Recipient
	Copies    []contract.Recipient
	// Seq numbers the addressee's notices about the warning: 1 for the first, 2 … for those
	// after a rise or new jurisdictions. With the addressee and the warning it makes the
	// notice's id, so that a retry after a crash writes the same notice.
	Seq int
	// Revisions are the revisions it covers (the pending ones addressed to it).
	Revisions []uint32
	Escalated bool // the level rose since the addressee's last notice
	Added     bool // jurisdictions were added since the addressee's last notice
}

// PlannedDigest is the 续报 of one addressee for one day.
type PlannedDigest struct {
	Addressee contract.Recipient
	Day       time.Time // midnight, Asia/Shanghai
	// Entries are the day's revisions not covered by a numbered notice to the addressee, by
	// warning and revision.
	Entries []store.WarningRow
}

// Addressees are the organisations a warning revision sends a notice of its own: every
// recipient not copied, and a copied one that no addressee's notice would carry (see Copies).
func Addressees(w store.WarningRow) []contract.Recipient {
	var out []contract.Recipient
	for _, r := range w.Recipients {
		if !r.Copy {
			out = append(out, r)
		}
	}
	for _, r := range w.Recipients {
		if r.Copy && !slices.ContainsFunc(out, func(a contract.Recipient) bool { return copiedOn(r, a) }) {
			out = append(out, r)
		}
	}
	return out
}

// Copies are the recipients copied on an addressee's notice: its jurisdiction's government and
// the bureaus of jurisdictions above it.
func Copies(w store.WarningRow, addressee contract.Recipient) []contract.Recipient {
	var out []contract.Recipient
	for _, r := range w.Recipients {
		if r.Copy && copiedOn(r, addressee) {
			out = append(out, r)
		}
	}
	return out
}

// copiedOn says whether copy goes on addressee's notice: the same jurisdiction (its
// government), or one above it (the bureau of the level above: 440300 above 440305, 440000
// above both).
func copiedOn(copy, addressee contract.Recipient) bool {
	if copy == addressee || addressee.Role == "basin_bureau" || len(copy.OrgCode) != 6 || len(addressee.OrgCode) != 6 {
		return false
	}
	c, a := copy.OrgCode, addressee.OrgCode
	switch {
	case c == a:
		return true
	case c[2:] == "0000": // a province above anything of it
		return c[:2] == a[:2]
	case c[4:] == "00": // a prefecture above its counties
		return c[:4] == a[:4] && a[4:] != "00"
	}
	return false
}

func sameOrg(a, b contract.Recipient) bool { return a.OrgCode == b.OrgCode && a.Role == b.Role }

// sentTo says whether a notice record was addressed to r (records keep the code and name).
func sentTo(rec store.NoticeRecord, r contract.Recipient) bool {
	return rec.RecipientCode == r.OrgCode && rec.RecipientName == r.OrgName
}

// Plan decides, at time at, the notices that the pending revisions of early warnings call for.
// pending are the outbox's revisions (others are ignored); history holds every revision of
// their warnings by warning id, in revision order; sent are the notices already recorded that
// name one of the warnings, and the digests recorded since the day of the earliest pending
// revision.
func (p Policy) Plan(pending []store.WarningRow, history map[string][]store.WarningRow, sent []store.NoticeRecord, at time.Time) Plan {
	interval := p.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	var plan Plan
	due := func(t time.Time) {
		if plan.Due.IsZero() || t.Before(plan.Due) {
			plan.Due = t
		}
	}
	byWarning := map[string][]store.WarningRow{}
	var ids []string
	for _, w := range pending {
		if !Early(w.Kind) {
			continue
		}
		if _, ok := byWarning[w.WarningID]; !ok {
			ids = append(ids, w.WarningID)
		}
		byWarning[w.WarningID] = append(byWarning[w.WarningID], w)
	}
	sort.Strings(ids)
	// digests written (from sent) and planned now, by addressee and day
	type digestKey struct {
		org string
		day time.Time
	}
	written := map[digestKey]map[string]bool{} // → "warning/revision" it lists
	for _, rec := range sent {
		if rec.Kind != KindDigest {
			continue
		}
		day, ok := digestDay(rec)
		if !ok {
			continue
		}
		k := digestKey{rec.RecipientCode + "|" + rec.RecipientName, day}
		if written[k] == nil {
			written[k] = map[string]bool{}
		}
		for i, id := range rec.WarningIDs {
			if i < len(rec.Revisions) {
				written[k][revKey(id, rec.Revisions[i])] = true
			}
		}
	}
	planned := map[digestKey]*PlannedDigest{}
	var plannedOrder []digestKey
	for _, id := range ids {
		revs := byWarning[id]
		sort.Slice(revs, func(i, j int) bool { return revs[i].Revision < revs[j].Revision })
		all := history[id]
		latest := revs[len(revs)-1]
		if len(all) > 0 && all[len(all)-1].Revision > latest.Revision {
			latest = all[len(all)-1]
		}
		var addressees []contract.Recipient
		for _, w := range append(append([]store.WarningRow(nil), revs...), latest) {
			for _, a := range Addressees(w) {
				if !slices.ContainsFunc(addressees, func(x contract.Recipient) bool { return sameOrg(x, a) }) {
					addressees = append(addressees, a)
				}
			}
		}
		done := map[uint32]bool{}
		for _, r := range revs {
			done[r.Revision] = true
		}
		waiting := false
		for _, a := range addressees {
			// the addressee's numbered notices about this warning so far
			seq, covered := 0, uint32(0)
			var last store.NoticeRecord
			for _, rec := range sent {
				if rec.Kind == KindDigest || !sentTo(rec, a) || !slices.Contains(rec.WarningIDs, id) {
					continue
				}
				seq++
				for i, wid := range rec.WarningIDs {
					if wid == id && i < len(rec.Revisions) && rec.Revisions[i] > covered {
						covered = rec.Revisions[i]
					}
				}
				if rec.IssuedAt.After(last.IssuedAt) {
					last = rec
				}
			}
			inLatest := slices.ContainsFunc(Addressees(latest), func(x contract.Recipient) bool { return sameOrg(x, a) })
			open := latest.Status != contract.StatusClosed
			now, escalated, added := false, false, false
			switch {
			case !inLatest || !open:
			case seq == 0:
				now = true
			default:
				// against the most severe level and every organisation addressed by the revisions
				// up to the last notice: a level or a place that comes and goes is news once. A
				// jurisdiction added is a new addressee that is not downstream (a new place
				// affected); those downstream are sent their own notice as they come, and a
				// jurisdiction downstream that the water then reaches is not new.
				noticedLevel := 5
				var noticed []contract.Recipient
				for _, r := range all {
					if r.Revision <= covered {
						noticedLevel = min(noticedLevel, r.Level)
						noticed = append(noticed, Addressees(r)...)
					}
				}
				escalated = latest.Level < noticedLevel
				for _, x := range Addressees(latest) {
					if x.Downstream == nil && !slices.ContainsFunc(noticed, func(y contract.Recipient) bool { return sameOrg(x, y) }) {
						added = true
					}
				}
				reopened := false
				for _, r := range all {
					if r.Revision > covered && r.Status == contract.StatusClosed {
						reopened = true
					}
				}
				if escalated || added || reopened {
					if (escalated && latest.Level <= 2) || !at.Before(last.IssuedAt.Add(interval)) {
						now = true
					} else {
						waiting = true
						due(last.IssuedAt.Add(interval))
					}
				}
			}
			if now {
				pn := PlannedNotice{Warning: latest, Addressee: a, Copies: Copies(latest, a), Seq: seq + 1, Escalated: escalated, Added: added}
				for _, r := range revs {
					if r.Revision > covered && addressedTo(r, a) {
						pn.Revisions = append(pn.Revisions, r.Revision)
					}
				}
				if len(pn.Revisions) == 0 || pn.Revisions[len(pn.Revisions)-1] != latest.Revision {
					pn.Revisions = append(pn.Revisions, latest.Revision)
				}
				plan.Notices = append(plan.Notices, pn)
				covered = latest.Revision
			}
			// what no numbered notice covers goes to the digest of its day, once the day is over
			for _, r := range revs {
				if r.Revision <= covered || !addressedTo(r, a) {
					continue
				}
				day := dayOf(r.IssuedAt.Time)
				k := digestKey{a.OrgCode + "|" + a.OrgName, day}
				for written[k] != nil && !written[k][revKey(id, r.Revision)] {
					day = day.AddDate(0, 0, 1) // that day's digest went out without it: the next one
					k = digestKey{a.OrgCode + "|" + a.OrgName, day}
				}
				switch {
				case written[k] != nil: // listed in a digest already
				case !at.Before(day.AddDate(0, 0, 1)):
					pd := planned[k]
					if pd == nil {
						pd = &PlannedDigest{Addressee: a, Day: day}
						planned[k] = pd
						plannedOrder = append(plannedOrder, k)
					}
					pd.Entries = append(pd.Entries, r)
				default:
					done[r.Revision] = false
					due(day.AddDate(0, 0, 1))
				}
			}
		}
		if waiting {
			continue
		}
		for _, r := range revs {
			if done[r.Revision] {
				plan.Ack = append(plan.Ack, r)
			}
		}
	}
	for _, k := range plannedOrder {
		plan.Digests = append(plan.Digests, *planned[k])
	}
	return plan
}

func addressedTo(w store.WarningRow, a contract.Recipient) bool {
	return slices.ContainsFunc(Addressees(w), func(x contract.Recipient) bool { return sameOrg(x, a) })
}

func revKey(id string, rev uint32) string { return id + "/" + strconv.FormatUint(uint64(rev), 10) }

// DigestNumber is what a digest's record keeps in its number: the day it reports ("续报
// 2026-07-03"); a digest is not a numbered notice.
func DigestNumber(day time.Time) string {
	return "续报 " + day.In(calendar.Shanghai).Format(time.DateOnly)
}

// digestDay reads the day back from a digest's record.
func digestDay(rec store.NoticeRecord) (time.Time, bool) {
	t, err := time.ParseInLocation(time.DateOnly, strings.TrimPrefix(rec.Number, "续报 "), calendar.Shanghai)
	return t, err == nil
}

// dayOf is the midnight (Asia/Shanghai) starting t's day.
func dayOf(t time.Time) time.Time {
	s := t.In(calendar.Shanghai)
	return time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, calendar.Shanghai)
}
