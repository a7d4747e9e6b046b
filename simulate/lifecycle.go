package simulate

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/ecowatch/ecowatch/contract"
)

// plannedEvent is one step of a case, planned when the report is received and emitted when
// the stream reaches its time.
type plannedEvent struct {
	typ        string
	at         time.Time
	org, toOrg string
	ext        int32
	mergedInto string
	finding    string
	reason     string
	summary    string
}

// caseState is a case waiting in the queue for its next event.
type caseState struct {
	reportID string
	events   []plannedEvent
	next     int
}

// lifecycle plans one case. Every step of a case not chosen to be late happens well inside its
// deadline; a case chosen to be late misses it by days, so the truth file is exact.
type lifecycle struct {
	g      *generator
	r      *rand.Rand
	s      *spec
	rep    *contract.Report
	events []plannedEvent
	cur    time.Time // time of the last planned event

	special bool      // injected duplicates, emergencies and forced closures are never late
	intake  string    // the bureau that took the report in
	handler string    // the bureau handling it after assignment (the county after a transfer)
	aDay    time.Time // the day of acceptance
}

const (
	pSupplement = 0.02
	pTransfer   = 0.45
	pReturn     = 0.02
	pExtension  = 0.08
	pRevisit    = 0.3
	pReview     = 0.03
	pRecheck    = 0.25
)

// add appends an event, keeping the case's events strictly in time order.
func (lc *lifecycle) add(e plannedEvent) {
	if !e.at.After(lc.cur) {
		e.at = lc.cur.Add(time.Duration(between(lc.r, 5, 90)) * time.Minute)
	}
	lc.cur = e.at
	lc.events = append(lc.events, e)
}

// office returns a time in office hours (08:30–17:30) on day.
func (lc *lifecycle) office(day time.Time) time.Time {
	return startOfDay(day).Add(8*time.Hour + 30*time.Minute + time.Duration(lc.r.IntN(9*3600))*time.Second)
}

// officeAfter returns t when it falls in office hours of a working day, else a time in office
// hours of the next working day.
func (lc *lifecycle) officeAfter(t time.Time) time.Time {
	if w, _ := lc.g.cal.IsWorkingDay(t); w {
		if m := t.Hour()*60 + t.Minute(); m >= 8*60+30 && m < 17*60+30 {
			return t
		}
		if m := t.Hour()*60 + t.Minute(); m < 8*60+30 {
			return lc.office(t)
		}
	}
	return lc.office(lc.g.cal.NextWorkingDay(t))
}

// workingIn returns a working day in [lo, hi] (days), or lo + a random offset when there is none.
func (lc *lifecycle) workingIn(lo, hi time.Time) time.Time {
	lo, hi = startOfDay(lo), startOfDay(hi)
	n := int(math.Round(hi.Sub(lo).Hours() / 24))
	d := lo.AddDate(0, 0, between(lc.r, 0, max(n, 0)))
	for x := d; !x.After(hi); x = x.AddDate(0, 0, 1) {
		if w, _ := lc.g.cal.IsWorkingDay(x); w {
			return x
		}
	}
	for x := d; !x.Before(lo); x = x.AddDate(0, 0, -1) {
		if w, _ := lc.g.cal.IsWorkingDay(x); w {
			return x
		}
	}
	return d
}

// dueDay is the last day of a period of calendar days: moved to the next working day when it
// falls on a statutory holiday (DESIGN §1). The deadline is the end of that day.
func (g *generator) dueDay(day time.Time) time.Time {
	d := startOfDay(day)
	for g.cal.IsHoliday(d) {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

func endOfDay(day time.Time) time.Time { return startOfDay(day).AddDate(0, 0, 1).Add(-time.Second) }

// plan builds the case of a report and records the deadlines it misses.
func (g *generator) plan(s *spec, rep *contract.Report) *caseState {
	lc := &lifecycle{g: g, r: g.rContent, s: s, rep: rep, cur: s.at}
	lc.run()
	return &caseState{reportID: rep.ReportID, events: lc.events}
}

func (lc *lifecycle) run() {
	lc.special = lc.s.fast || lc.s.merge || !lc.s.closeAt.IsZero()
	lc.intake = lc.rep.IntakeOrg
	if !lc.decide() || lc.merged() {
		return
	}
	lc.assign()
	lc.transfer()
	pause := lc.hearing()
	lc.close(pause)
	lc.followUp()
}

// decide plans the supplement request, if any, and the decision on acceptance; it reports
// whether the report was accepted.
func (lc *lifecycle) decide() bool {
	g, r, s := lc.g, lc.r, lc.s
	late, special, intake, id := g.cfg.Late, lc.special, lc.intake, lc.rep.ReportID
	rDay := startOfDay(s.at)

	// supplement (补充材料): asked once, all at once
	if !special && chance(r, pSupplement) {
		lc.add(plannedEvent{typ: contract.EventSupplementRequested, org: intake,
			at:      lc.office(lc.workingIn(rDay, rDay.AddDate(0, 0, 2))),
			summary: "请举报人一次性补充被举报单位名称、具体位置及现场照片等材料。"})
		lc.add(plannedEvent{typ: contract.EventSupplemented, org: intake,
			at: lc.cur.Add(time.Duration(between(r, 20, 140)) * time.Hour)})
	}

	// acceptance within 15 days
	acceptDue := g.dueDay(rDay.AddDate(0, 0, 15))
	lateAccept := !special && chance(r, late.Accept)
	var acceptAt time.Time
	switch {
	case s.fast:
		acceptAt = lc.cur.Add(time.Duration(between(r, 5, 60)) * time.Minute)
	case !s.closeAt.IsZero():
		lo := startOfDay(lc.cur)
		acceptAt = lc.office(lc.workingIn(lo, lo.AddDate(0, 0, 1)))
	case lateAccept:
		acceptAt = lc.office(acceptDue.AddDate(0, 0, between(r, 2, 20)))
	case lc.rep.Channel == "phone" && chance(r, 0.5):
		acceptAt = lc.cur.Add(time.Duration(between(r, 3, 240)) * time.Minute)
	default: // within 10 days, and within 13 days of receipt after a supplement
		lo := startOfDay(lc.cur)
		hi := lo.AddDate(0, 0, between(r, 0, 10))
		if limit := rDay.AddDate(0, 0, 13); hi.After(limit) {
			hi = limit
		}
		if lo.After(hi) {
			lo = hi
		}
		acceptAt = lc.office(lc.workingIn(lo, hi))
	}
	if !special && chance(r, lc.rejectP()) {
		rr := rejectReasons[r.IntN(2)]
		switch {
		case (s.tp.sub == "社会生活噪声" || s.tp.sub == "交通噪声") && chance(r, 0.7):
			rr = rejectReasons[1]
		case chance(r, 0.12):
			rr = rejectReasons[2]
		}
		lc.add(plannedEvent{typ: contract.EventRejected, at: acceptAt, org: intake, reason: rr.reason, summary: rr.summary})
		if lateAccept {
			g.recordLate(id, DeadlineAccept, endOfDay(acceptDue), lc.cur, 0)
		}
		lc.add(plannedEvent{typ: contract.EventReplied, at: lc.office(lc.cur.AddDate(0, 0, between(r, 0, 3))), org: intake,
			summary: "已告知举报人不予受理的理由。"})
		return false
	}
	lc.add(plannedEvent{typ: contract.EventAccepted, at: acceptAt, org: intake})
	lc.aDay = startOfDay(lc.cur)
	if lateAccept {
		g.recordLate(id, DeadlineAccept, endOfDay(acceptDue), lc.cur, 0)
	}
	return true
}

// merged plans the merge of a duplicate into the first report of its event.
func (lc *lifecycle) merged() bool {
	s := lc.s
	if !s.merge || s.inj == nil || s.inj.firstID == "" || s.inj.firstID == lc.rep.ReportID {
		return false
	}
	lc.add(plannedEvent{typ: contract.EventMerged, org: lc.intake, mergedInto: s.inj.firstID,
		at:      lc.officeAfter(lc.cur.Add(time.Duration(between(lc.r, 30, 24*60)) * time.Minute)),
		summary: "与同一事项的其他举报合并办理。"})
	return true
}

// assign plans the assignment within 3 working days of acceptance.
func (lc *lifecycle) assign() {
	g, r, s := lc.g, lc.r, lc.s
	aDay, special, intake, id := lc.aDay, lc.special, lc.intake, lc.rep.ReportID
	assignDue, _ := g.cal.AddWorkingDays(aDay, 3)
	lateAssign := !special && chance(r, g.cfg.Late.Assign)
	var assignAt time.Time
	switch {
	case s.fast:
		assignAt = lc.cur.Add(time.Duration(between(r, 10, 60)) * time.Minute)
	case lateAssign:
		d, _ := g.cal.AddWorkingDays(aDay, between(r, 5, 12))
		assignAt = lc.office(d)
	default:
		d, _ := g.cal.AddWorkingDays(aDay, between(r, 0, 2))
		assignAt = lc.office(d)
	}
	lc.add(plannedEvent{typ: contract.EventAssigned, at: assignAt, org: intake})
	if lateAssign {
		g.recordLate(id, DeadlineAssign, endOfDay(assignDue), lc.cur, 0)
	}
}

// transfer plans the transfer to the county bureau, and now and then its return.
func (lc *lifecycle) transfer() {
	g, r, s := lc.g, lc.r, lc.s
	intake := lc.intake
	lc.handler = intake
	county := lc.rep.RegionCode
	if county != intake && county == s.place.code && chance(r, pTransfer) {
		at := lc.officeAfter(lc.cur.Add(time.Duration(between(r, 10, 600)) * time.Minute))
		if s.fast {
			at = lc.cur.Add(time.Duration(between(r, 5, 30)) * time.Minute)
		}
		lc.add(plannedEvent{typ: contract.EventTransferred, at: at, org: intake, toOrg: county})
		lc.handler = county
		if !lc.special && chance(r, pReturn) {
			d, _ := g.cal.AddWorkingDays(lc.cur, between(r, 1, 4))
			lc.add(plannedEvent{typ: contract.EventReturned, at: lc.office(d), org: county, toOrg: intake,
				summary: "经核实，该事项不属于本单位管辖范围，申请退回。"})
			lc.handler = intake
		}
	}
}

// hearing plans a hearing (听证) now and then; it returns the days it paused the clock.
func (lc *lifecycle) hearing() (pause int) {
	r, aDay, handler := lc.r, lc.aDay, lc.handler
	if !lc.special && chance(r, ifPetition(lc.rep, 0.01, 0.002)) {
		start := lc.office(lc.workingIn(aDay.AddDate(0, 0, 10), aDay.AddDate(0, 0, 30)))
		if start.After(lc.cur) {
			lc.add(plannedEvent{typ: contract.EventHearingStarted, at: start, org: handler, summary: "召开听证会，听取各方意见。"})
			pause = between(r, 3, 10)
			lc.add(plannedEvent{typ: contract.EventHearingEnded, at: lc.office(start.AddDate(0, 0, pause)), org: handler})
			pause = int(math.Ceil(lc.cur.Sub(start).Hours() / 24))
		}
	}
	return pause
}

// close plans the extension, if any, and the closure within 60 days (+ the hearing's pause
// + an extension of at most 30 days approved before the due date).
func (lc *lifecycle) close(pause int) {
	g, r, s := lc.g, lc.r, lc.s
	aDay, special, handler, id, late := lc.aDay, lc.special, lc.handler, lc.rep.ReportID, g.cfg.Late
	resolveDue := g.dueDay(aDay.AddDate(0, 0, 60+pause))
	ext, extKind := 0, ""
	if !special && chance(r, pExtension) {
		extKind = "ok"
		if chance(r, late.Extension) {
			extKind = pick(r, []string{DeadlineExtensionLength, DeadlineExtensionLate})
		}
	}
	lateClose := !special && extKind != DeadlineExtensionLate && chance(r, late.Close)
	var closeAt, closeLateDue time.Time
	switch extKind {
	case "ok", DeadlineExtensionLength:
		ext = between(r, 10, 30)
		if extKind == DeadlineExtensionLength {
			ext = between(r, 31, 45)
		}
		approve := lc.office(lc.workingIn(aDay.AddDate(0, 0, 45+pause), aDay.AddDate(0, 0, 56+pause)))
		lc.add(plannedEvent{typ: contract.EventExtensionApproved, at: approve, org: handler, ext: int32(ext),
			summary: "案情复杂，需进一步调查取证，经批准延长办理期限，已告知举报人延期理由。"})
		if extKind == DeadlineExtensionLength {
			g.recordLate(id, DeadlineExtensionLength, endOfDay(resolveDue), lc.cur, ext)
		}
		legal := min(ext, 30)
		closeDue := g.dueDay(aDay.AddDate(0, 0, 60+pause+legal))
		if lateClose {
			closeAt = lc.office(closeDue.AddDate(0, 0, between(r, 2, 40)))
			closeLateDue = closeDue
		} else {
			closeAt = lc.office(aDay.AddDate(0, 0, 60+pause+between(r, 1, legal-3)))
		}
	case DeadlineExtensionLate:
		ext = between(r, 10, 30)
		approve := lc.office(resolveDue.AddDate(0, 0, between(r, 1, 10)))
		lc.add(plannedEvent{typ: contract.EventExtensionApproved, at: approve, org: handler, ext: int32(ext),
			summary: "案情复杂，经批准延长办理期限。"})
		g.recordLate(id, DeadlineExtensionLate, endOfDay(resolveDue), lc.cur, ext)
		// an extension approved after the due date does not extend it: the closure is late too
		closeAt = lc.cur.AddDate(0, 0, between(r, 3, 25))
		closeLateDue = resolveDue
	default:
		switch {
		case !s.closeAt.IsZero():
			closeAt = s.closeAt
		case s.fast:
			closeAt = lc.office(aDay.AddDate(0, 0, between(r, 2, 20)))
		case lateClose:
			closeAt = lc.office(resolveDue.AddDate(0, 0, between(r, 2, 45)))
			closeLateDue = resolveDue
		default:
			days := 3 + int(52*math.Pow(r.Float64(), 1.4))
			closeAt = lc.office(aDay.AddDate(0, 0, days+pause))
		}
	}
	finding := lc.finding()
	lc.add(plannedEvent{typ: contract.EventClosed, at: closeAt, org: handler, finding: finding, summary: lc.summary(finding)})
	if !closeLateDue.IsZero() {
		g.recordLate(id, DeadlineClose, endOfDay(closeLateDue), lc.cur, 0)
	}
}

// followUp plans the reply, a revisit, and now and then a review and a recheck.
func (lc *lifecycle) followUp() {
	r, handler, intake := lc.r, lc.handler, lc.intake
	lc.add(plannedEvent{typ: contract.EventReplied, at: lc.office(lc.cur.AddDate(0, 0, between(r, 0, 3))), org: handler,
		summary: pick(r, replySummaries)})
	replied := lc.cur
	if chance(r, pRevisit) {
		lc.add(plannedEvent{typ: contract.EventRevisited, at: lc.office(replied.AddDate(0, 0, between(r, 1, 10))), org: handler,
			summary: pick(r, revisitSummaries)})
	}
	if !lc.special && chance(r, ifPetition(lc.rep, 3*pReview, pReview)) {
		lc.add(plannedEvent{typ: contract.EventReviewRequested, at: lc.office(replied.AddDate(0, 0, between(r, 5, 25))), org: intake})
		lc.add(plannedEvent{typ: contract.EventReviewDecided, at: lc.office(lc.cur.AddDate(0, 0, between(r, 10, 27))), org: intake,
			summary: pick(r, reviewSummaries)})
		if chance(r, pRecheck) {
			lc.add(plannedEvent{typ: contract.EventRecheckRequested, at: lc.office(lc.cur.AddDate(0, 0, between(r, 5, 25))), org: lc.rep.RegionCode[:2] + "0000"})
			lc.add(plannedEvent{typ: contract.EventRecheckDecided, at: lc.office(lc.cur.AddDate(0, 0, between(r, 10, 27))), org: lc.rep.RegionCode[:2] + "0000",
				summary: pick(r, recheckSummaries)})
		}
	}
}

// doneOf returns when the case's first event of a type happens, or the zero time.
func (cs *caseState) doneOf(typ string) time.Time {
	for _, e := range cs.events {
		if e.typ == typ {
			return e.at
		}
	}
	return time.Time{}
}

func ifPetition(rep *contract.Report, petition, report float64) float64 {
	if rep.Kind == contract.KindPetition {
		return petition
	}
	return report
}

// rejectP is the probability of not accepting a report: higher for vague anonymous reports
// and for social-life and traffic noise, which other departments handle.
func (lc *lifecycle) rejectP() float64 {
	p := 0.035
	if lc.rep.Target == nil && lc.rep.Reporter == nil {
		p += 0.05
	}
	switch lc.s.tp.sub {
	case "社会生活噪声":
		p += 0.12
	case "交通噪声":
		p += 0.2
	}
	return p
}

// finding draws the result of an investigation: about 55% substantiated (属实), 20% partly,
// 25% not. A forced closure (repeat targets) is substantiated.
func (lc *lifecycle) finding() string {
	if !lc.s.closeAt.IsZero() || lc.s.fast {
		return contract.FindingSubstantiated
	}
	x := lc.r.Float64()
	if lc.rep.Target == nil {
		x += 0.1 // vaguer reports are confirmed less often
	}
	switch {
	case x < 0.55:
		return contract.FindingSubstantiated
	case x < 0.75:
		return contract.FindingPartlySubstantiated
	}
	return contract.FindingUnsubstantiated
}

func (lc *lifecycle) summary(finding string) string {
	r := lc.r
	v := textVars{target: "被举报单位", short: "举报所述", fine: between(r, 1, 50)}
	if lc.rep.Target != nil {
		v.target = lc.rep.Target.Name
	}
	v.short = lc.s.tp.short
	switch finding {
	case contract.FindingSubstantiated:
		return fillString(pick(r, summarySubstantiated), &v)
	case contract.FindingPartlySubstantiated:
		return fillString(pick(r, summaryPartly), &v)
	}
	return fillString(pick(r, summaryUnsubstantiated), &v)
}
