package simulate

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"time"

	"github.com/ecowatch/ecowatch/basin"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/region"
)

// Text styles of a report.
const (
	styleNormal = iota
	styleRepeat
	styleWatershed
	styleEmergency
)

// spec is a report before it is written: when, where, what, and how it was planned.
type spec struct {
	at    time.Time
	order uint64 // tie-break for reports received in the same second
	place *place
	cat   int
	tp    *topic
	cell  int

	inj        *injection         // the injected event it belongs to, if any
	target     *company           // a fixed target (injected events)
	noTarget   bool               // name no target
	reporter   *contract.Reporter // a fixed identity (repeat reporters)
	named      bool               // never anonymous
	style      int
	water      string // the river or water body named in the text
	flags      []string
	co         uint32
	repeat     int       // the report's rank in a repeat event (0 = first)
	closeAt    time.Time // force a substantiated closure at this time
	merge      bool      // merge into the event's first report
	fast       bool      // accepted and handled at once (emergencies)
	emergCount int       // the number of people in a gathering
}

// injection links an injected event's truth record to its reports.
type injection struct {
	ev      *Event
	firstID string
}

// generator holds the state of one Run. It is used by one goroutine.
type generator struct {
	cfg     Config
	regions *region.Table
	basins  *basin.Topology
	cal     *calendar.Calendar
	places  *placeTable
	model   *volumeModel
	topics  *topicIndex
	pools   *pools

	rVol     *rand.Rand // background volume: counts, places, categories, channels, times
	rContent *rand.Rand // texts, identities, lifecycles, malformed messages
	rInject  *rand.Rand // planning of injected events

	sink    Sink
	truth   *Truth
	events  []*injection
	inj     []spec // injected reports, in time order
	injNext int

	queue   queue
	seq     uint64
	batch   []Message
	specBuf []spec
	idDay   string         // yyyymmdd of the report ids being numbered
	idSeq   map[string]int // report sequence per kind and region code on idDay
	offsets [2]int         // messages emitted per topic
	badN    int
}

// Run generates the stream cfg describes, writes it to sink in batches in time order, and
// returns the truth about it. Reports and case events are interleaved by time; the events of
// one report come in order after it. Run does not close the sink.
func Run(ctx context.Context, cfg Config, sink Sink) (*Truth, error) {
	g, err := newGenerator(cfg, sink)
	if err != nil {
		return nil, err
	}
	if err := g.run(ctx); err != nil {
		return nil, err
	}
	return g.truth, nil
}

func newGenerator(cfg Config, sink Sink) (*generator, error) {
	if sink == nil {
		return nil, fmt.Errorf("simulate: nil sink")
	}
	regions := region.Default()
	scope, err := scopeOf(regions, cfg.Scope)
	if err != nil {
		return nil, err
	}
	cfg.Scope = scope
	pt, err := buildPlaces(regions, scope.Code)
	if err != nil {
		return nil, err
	}
	cfg, err = cfg.resolve(pt.total / pt.nation)
	if err != nil {
		return nil, err
	}
	g := &generator{
		cfg:      cfg,
		regions:  regions,
		basins:   basin.Default(),
		cal:      calendar.Default(),
		places:   pt,
		topics:   newTopicIndex(),
		pools:    newPools(cfg.Seed, float64(cfg.ReportsPerYear), pt.total),
		rVol:     newRand(cfg.Seed, streamVolume),
		rContent: newRand(cfg.Seed, streamContent),
		rInject:  newRand(cfg.Seed, streamInject),
		sink:     sink,
		idSeq:    map[string]int{},
		batch:    make([]Message, 0, cfg.BatchSize),
	}
	g.model = newVolumeModel(g.cal, cfg, pt)
	g.truth = &Truth{
		Config:            cfg,
		Events:            []Event{},
		LateCases:         []LateCase{},
		MalformedByKind:   map[string]int{},
		MalformedMessages: []MalformedMessage{},
		Totals: Totals{
			ByChannel: map[string]int{}, ByCategory: map[string]int{},
			ByEventType: map[string]int{}, LateByDeadline: map[string]int{},
		},
	}
	g.planInjections()
	return g, nil
}

func (g *generator) run(ctx context.Context) error {
	to := g.cfg.To
	for day := startOfDay(g.cfg.From); day.Before(to); day = day.AddDate(0, 0, 1) {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("simulate: stopped at %s: %w", day.Format(time.DateOnly), err)
		}
		end := day.AddDate(0, 0, 1)
		if end.After(to) {
			end = to
		}
		g.generateDay(day, end)
		if err := g.drain(ctx, end); err != nil {
			return err
		}
	}
	if err := g.flush(ctx); err != nil {
		return err
	}
	for _, inj := range g.events {
		if len(inj.ev.ReportIDs) > 0 {
			g.truth.Events = append(g.truth.Events, *inj.ev)
		}
	}
	for _, lc := range g.truth.LateCases {
		g.truth.Totals.LateByDeadline[lc.Deadline]++
	}
	return nil
}

// generateDay draws the day's background reports, adds the injected ones, and writes them.
func (g *generator) generateDay(day, end time.Time) {
	r := g.rVol
	dm := g.model.day(day)
	n := poisson(r, dm.mean)
	specs := g.specBuf[:0]
	for i := 0; i < n; i++ {
		p := g.places.draw(r, r.Float64() < dm.classP)
		class := 0
		if p.urban {
			class = 1
		}
		cat := dm.catCum[class].draw(r)
		k := dm.cellCum.draw(r)
		tp := &topics[g.topics.byCat[cat][g.topics.cum[cat].draw(r)]]
		profile := cells[k].profile
		if profile != profOffice && chance(r, tp.night) {
			profile = profNight
		}
		at := g.model.clock(r, day, profile)
		if at.Before(g.cfg.From) || !at.Before(g.cfg.To) {
			continue
		}
		specs = append(specs, spec{at: at, order: uint64(i), place: p, cat: cat, tp: tp, cell: k})
	}
	for ; g.injNext < len(g.inj) && g.inj[g.injNext].at.Before(end); g.injNext++ {
		s := g.inj[g.injNext]
		s.order = 1<<40 + uint64(g.injNext)
		specs = append(specs, s)
	}
	sort.Slice(specs, func(i, j int) bool {
		if !specs[i].at.Equal(specs[j].at) {
			return specs[i].at.Before(specs[j].at)
		}
		return specs[i].order < specs[j].order
	})
	for i := range specs {
		g.materialize(&specs[i])
	}
	clear(specs)
	g.specBuf = specs[:0]
}

// reportID numbers a report: 12369-<region>-<yyyymmdd>-<seq> or XF-… for a petition.
func (g *generator) reportID(petition bool, code string, at time.Time) string {
	day := at.Format("20060102")
	if day != g.idDay {
		g.idDay = day
		clear(g.idSeq)
	}
	prefix := "12369-"
	if petition {
		prefix = "XF-"
	}
	key := prefix + code
	g.idSeq[key]++
	seq := strconv.Itoa(g.idSeq[key])
	b := make([]byte, 0, 32)
	b = append(b, prefix...)
	b = append(b, code...)
	b = append(b, '-')
	b = append(b, day...)
	b = append(b, '-')
	for i := len(seq); i < 6; i++ {
		b = append(b, '0')
	}
	b = append(b, seq...)
	return string(b)
}

// materialize writes one report: it builds the message, plans its case and, now and then, a
// malformed message.
func (g *generator) materialize(s *spec) {
	r := g.rContent
	c := cells[s.cell]
	p := s.place
	tp := s.tp

	regionCode := p.code
	if s.inj == nil && p.org == p.pref && p.pref != p.code && chance(r, 0.03) {
		regionCode = p.pref // only the city is known
	}
	rep := &contract.Report{
		Schema:      contract.SchemaReports,
		ReportID:    g.reportID(c.petition, regionCode, s.at),
		Version:     1,
		Kind:        c.kind,
		Channel:     c.channel,
		ReceivedAt:  contract.NewTime(s.at),
		RegionCode:  regionCode,
		Category:    categoryCodes[s.cat],
		Subcategory: tp.sub,
		IntakeOrg:   p.org,
	}
	if c.petition && chance(r, 0.2) {
		rep.IntakeOrg = p.prov
	}
	if len(tp.extra) > 0 && chance(r, 0.15) {
		rep.Categories = []string{rep.Category, categoryCodes[pick(r, tp.extra)]}
	}

	// the reported party
	var co *company
	switch {
	case s.target != nil:
		co = s.target
	case !s.noTarget && chance(r, tp.targetP):
		pool := g.pools.get(g, p, pick(r, tp.classes))
		co = pool[r.IntN(len(pool))]
	}
	targetName := ""
	if co != nil {
		rep.Target = co.target()
		targetName = co.name
	}

	// the reporter
	anonymous := !c.petition && !s.named && s.reporter == nil && chance(r, g.cfg.AnonymousShare)
	switch {
	case anonymous:
		rep.Reporter = &contract.Reporter{Anonymous: true}
	case s.reporter != nil:
		rep.Reporter = s.reporter
	default:
		rep.Reporter = g.newReporter(r, p, c)
	}

	// the text
	v := g.newVars(r, p, targetName, tp)
	if s.water != "" {
		v.water = s.water
	}
	v.count = s.emergCount
	if rep.Reporter != nil {
		v.phone, v.name = rep.Reporter.Phone, rep.Reporter.Name
		if v.name == "" {
			v.name = "举报人"
		}
	}
	contact := !anonymous && v.phone != "" && chance(r, 0.1)
	var alarm []string
	switch s.style {
	case styleEmergency:
		alarm = urgentDemands
	case styleWatershed:
		alarm = watershedDemands
	}
	rep.Title, rep.Content = compose(r, p, tp, v, s.repeat, contact, anonymous, alarm)

	if chance(r, 0.85) {
		loc := &contract.Location{Address: v.address}
		if p.hasCoord {
			lat := round4(p.lat + uniform(r, -0.03, 0.03))
			lon := round4(p.lon + uniform(r, -0.03, 0.03))
			loc.Lat, loc.Lon = &lat, &lon
		}
		rep.Location = loc
	}

	rep.Flags = s.flags
	rep.CoReporters = s.co
	if s.inj == nil {
		switch {
		case c.channel == "visit" && chance(r, 0.2):
			rep.CoReporters = uint32(between(r, 2, 30)) // 集体访
		case chance(r, 0.03):
			rep.CoReporters = uint32(between(r, 1, 5))
		}
		if chance(r, 0.003) {
			rep.Flags = []string{contract.FlagMedia}
		}
	}

	value, err := json.Marshal(rep)
	if err != nil {
		panic(fmt.Sprintf("simulate: encode report %s: %v", rep.ReportID, err)) // the types are fixed
	}
	g.push(s.at, &pendingMessage{Message: Message{Topic: TopicReports, Key: rep.ReportID, Value: value, Time: s.at}})

	cs := g.plan(s, rep)
	if len(cs.events) > 0 {
		g.queue.push(item{at: cs.events[0].at.Unix(), seq: g.nextSeq(), cs: cs})
	}

	g.truth.Totals.Reports++
	if c.petition {
		g.truth.Totals.Petitions++
	}
	g.truth.Totals.ByChannel[c.channel]++
	if len(rep.Categories) > 0 {
		for _, cat := range rep.Categories {
			g.truth.Totals.ByCategory[cat]++
		}
	} else {
		g.truth.Totals.ByCategory[rep.Category]++
	}
	if s.inj != nil {
		g.truth.Totals.InjectedReports++
		ev := s.inj.ev
		ev.ReportIDs = append(ev.ReportIDs, rep.ReportID)
		if s.inj.firstID == "" {
			s.inj.firstID = rep.ReportID
		}
		if !s.closeAt.IsZero() {
			if t := cs.doneOf(contract.EventClosed); !t.IsZero() {
				ev.ClosedAt = &t
			}
		}
	}

	if chance(r, g.cfg.MalformedShare) {
		g.malformed(r, rep, s.at)
	}
}

func round4(x float64) float64 {
	return float64(int64(x*10000+0.5)) / 10000
}

func (g *generator) nextSeq() uint64 {
	g.seq++
	return g.seq
}

func (g *generator) push(at time.Time, m *pendingMessage) {
	g.queue.push(item{at: at.Unix(), seq: g.nextSeq(), msg: m})
}

// recordLate adds a missed deadline to the truth when the stream shows it: the deadline has
// passed by Config.To (for extensions: the extension was approved before Config.To).
func (g *generator) recordLate(reportID, deadline string, due, done time.Time, ext int) {
	to := g.cfg.To
	switch deadline {
	case DeadlineExtensionLength, DeadlineExtensionLate:
		if done.IsZero() || !done.Before(to) {
			return
		}
	default:
		if !due.Before(to) {
			return
		}
	}
	lc := LateCase{ReportID: reportID, Deadline: deadline, Due: due, ExtensionDays: ext}
	if !done.IsZero() && done.Before(to) {
		d := done
		lc.Done = &d
	}
	g.truth.LateCases = append(g.truth.LateCases, lc)
}

// drain emits every queued message due before end.
func (g *generator) drain(ctx context.Context, end time.Time) error {
	limit := end.Unix()
	for {
		it, ok := g.queue.peek()
		if !ok || it.at >= limit {
			return nil
		}
		g.queue.pop()
		if it.msg != nil {
			g.emit(it.msg.Message, it.msg.kind)
		} else {
			cs := it.cs
			e := &cs.events[cs.next]
			cs.next++
			g.emit(g.eventMessage(cs, e, cs.next), "")
			g.truth.Totals.CaseEvents++
			g.truth.Totals.ByEventType[e.typ]++
			if cs.next < len(cs.events) {
				g.queue.push(item{at: cs.events[cs.next].at.Unix(), seq: g.nextSeq(), cs: cs})
			}
		}
		if len(g.batch) >= g.cfg.BatchSize {
			if err := g.flush(ctx); err != nil {
				return err
			}
		}
	}
}

func (g *generator) eventMessage(cs *caseState, e *plannedEvent, n int) Message {
	ev := contract.CaseEvent{
		Schema:        contract.SchemaCaseEvents,
		EventID:       "evt-" + cs.reportID + "-" + strconv.Itoa(n),
		ReportID:      cs.reportID,
		Type:          e.typ,
		At:            contract.NewTime(e.at),
		OrgCode:       e.org,
		ToOrgCode:     e.toOrg,
		ExtensionDays: e.ext,
		MergedInto:    e.mergedInto,
		Finding:       e.finding,
		Reason:        e.reason,
		Summary:       e.summary,
	}
	value, err := json.Marshal(&ev)
	if err != nil {
		panic(fmt.Sprintf("simulate: encode event %s: %v", ev.EventID, err)) // the types are fixed
	}
	return Message{Topic: TopicCaseEvents, Key: cs.reportID, Value: value, Time: e.at}
}

func (g *generator) emit(m Message, malformedKind string) {
	t := 0
	if m.Topic == TopicCaseEvents {
		t = 1
	}
	if malformedKind != "" {
		g.truth.Malformed++
		g.truth.MalformedByKind[malformedKind]++
		g.truth.MalformedMessages = append(g.truth.MalformedMessages, MalformedMessage{
			Topic: m.Topic, Key: m.Key, Offset: g.offsets[t], Kind: malformedKind,
		})
	}
	g.offsets[t]++
	g.truth.Totals.Messages++
	g.batch = append(g.batch, m)
}

func (g *generator) flush(ctx context.Context) error {
	if len(g.batch) == 0 {
		return nil
	}
	last := g.batch[len(g.batch)-1].Time
	if err := g.sink.Write(ctx, g.batch); err != nil {
		return fmt.Errorf("simulate: write %d messages up to %s: %w", len(g.batch), last.Format(time.RFC3339), err)
	}
	g.batch = make([]Message, 0, g.cfg.BatchSize)
	return nil
}
