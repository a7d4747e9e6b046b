package deliver

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/org"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

// outbox is an in-memory NoticeStore: the warnings table, the notices channel's
// acknowledgements and the notice records, for the pure logic of Flush.
type outbox struct {
	revisions []store.WarningRow
	acked     map[string]bool
	noticeRecords
}

func (o *outbox) key(w store.WarningRow) string { return revKey(w.WarningID, w.Revision) }

func (o *outbox) add(ws ...store.WarningRow) { o.revisions = append(o.revisions, ws...) }

func (o *outbox) Undelivered(context.Context, string) ([]store.WarningRow, error) {
	var out []store.WarningRow
	for _, w := range o.revisions {
		if !o.acked[o.key(w)] {
			out = append(out, w)
		}
	}
	return out, nil
}

func (o *outbox) MarkDelivered(_ context.Context, _ string, rows []store.WarningRow, _ int) error {
	if o.acked == nil {
		o.acked = map[string]bool{}
	}
	for _, w := range rows {
		o.acked[o.key(w)] = true
	}
	return nil
}

func (o *outbox) WarningRevisions(_ context.Context, ids []string) ([]store.WarningRow, error) {
	var out []store.WarningRow
	for _, w := range o.revisions {
		if slices.Contains(ids, w.WarningID) {
			out = append(out, w)
		}
	}
	return out, nil
}

func (o *outbox) NoticesAbout(_ context.Context, ids []string, since time.Time) ([]store.NoticeRecord, error) {
	var out []store.NoticeRecord
	for _, r := range o.saved {
		if slices.ContainsFunc(r.WarningIDs, func(id string) bool { return slices.Contains(ids, id) }) || (r.Kind == KindDigest && !r.IssuedAt.Before(since)) {
			out = append(out, r)
		}
	}
	return out, nil
}

var (
	shishouBureau = contract.Recipient{OrgCode: "421081", OrgName: "湖北省荆州市石首市生态环境局", Role: org.RoleBureau}
	shishouGov    = contract.Recipient{OrgCode: "421081", OrgName: "湖北省荆州市石首市人民政府", Role: org.RoleGovernment, Copy: true}
	gongan        = contract.Recipient{OrgCode: "421022", OrgName: "湖北省荆州市公安县生态环境局", Role: org.RoleBureau}
	gonganGov     = contract.Recipient{OrgCode: "421022", OrgName: "湖北省荆州市公安县人民政府", Role: org.RoleGovernment, Copy: true}
	jingzhou      = contract.Recipient{OrgCode: "421000", OrgName: "湖北省荆州市生态环境局", Role: org.RoleBureau, Copy: true}
)

// revision is revision rev of warning W-1 (a cluster) at time at.
func revision(rev uint32, status string, level int, at time.Time, reporters int, recipients ...contract.Recipient) store.WarningRow {
	var regions []string
	for _, r := range recipients {
		if r.Role == org.RoleBureau && !r.Copy {
			regions = append(regions, r.OrgCode)
		}
	}
	facts, _ := json.Marshal(alerts.Facts{Subject: "公众集中举报", Summary: "石首市集中举报。", Requirement: "请立即核查。", ReplyBy: at.Add(48 * time.Hour)})
	return store.WarningRow{Facts: string(facts), Situation: "cluster/air/421081", Warning: contract.Warning{
		WarningID: "W-1", Revision: rev, Kind: contract.WarningCluster, Status: status, Level: level,
		Title: "公众集中举报预警：湖北省荆州市石首市大气类举报", RegionCodes: regions, Recipients: recipients,
		Evidence: contract.Evidence{Observed: float64(reporters), Reporters: reporters}, IssuedAt: contract.NewTime(at)}}
}

// The 石首市 cluster of issue 18, as the hourly runs revise it over two days: level 4 at 09:00,
// level 3 an hour later, level 2 at 11:00, more reporters in the afternoon, closed the next
// day. The bureau had ten numbered notices (and the government as many) before; now the
// bureau has two — the first and the escalation to level 2 — with the government copied, and
// everything else in the 续报 of each day, written once the day is over.
func TestShishouClusterNotices(t *testing.T) {
	regions := region.Default()
	day1 := time.Date(2026, 11, 9, 0, 0, 0, 0, calendar.Shanghai)
	h := func(hours int) time.Time { return day1.Add(time.Duration(hours) * time.Hour) }
	box := &outbox{}
	n := &Notices{Store: box, Orgs: org.New(regions), Regions: regions, Dir: t.TempDir()}
	kinds := []string{contract.WarningCluster}
	timeline := []struct {
		at  int
		rev store.WarningRow
	}{
		{9, revision(1, contract.StatusOpen, 4, h(9), 4, shishouBureau, shishouGov)},
		{10, revision(2, contract.StatusUpdated, 3, h(10), 8, shishouBureau, shishouGov)},
		{11, revision(3, contract.StatusUpdated, 2, h(11), 31, shishouBureau, shishouGov)},
		{15, revision(4, contract.StatusUpdated, 2, h(15), 36, shishouBureau, shishouGov)},
		{20, revision(5, contract.StatusUpdated, 2, h(20), 40, shishouBureau, shishouGov)},
		{24 + 15, revision(6, contract.StatusClosed, 2, h(24+15), 40, shishouBureau, shishouGov)},
	}
	var all []store.NoticeRecord
	next := 0
	for hour := 9; hour <= 72; hour++ {
		var ch alerts.Changes
		for next < len(timeline) && timeline[next].at == hour {
			box.add(timeline[next].rev)
			ch.Updated = append(ch.Updated, timeline[next].rev)
			next++
		}
		recs, err := n.FlushIfNeeded(context.Background(), kinds, ch, h(hour))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, recs...)
	}
	var numbered, digests []store.NoticeRecord
	for _, r := range all {
		if r.RecipientCode != shishouBureau.OrgCode || r.RecipientName != shishouBureau.OrgName {
			t.Errorf("a notice to %s %s: only the bureau is addressed, the government is copied", r.RecipientCode, r.RecipientName)
		}
		if r.Kind == KindDigest {
			digests = append(digests, r)
		} else {
			numbered = append(numbered, r)
		}
	}
	if len(numbered) != 2 || !numbered[0].IssuedAt.Equal(h(9)) || !numbered[1].IssuedAt.Equal(h(11)) {
		t.Fatalf("numbered notices %+v: want two, at 09:00 and at the escalation to level 2 at 11:00", numbered)
	}
	if !strings.HasSuffix(numbered[0].Number, "第0001号") || !strings.HasSuffix(numbered[1].Number, "第0002号") {
		t.Errorf("numbers %s, %s", numbered[0].Number, numbered[1].Number)
	}
	if !slices.Equal(numbered[1].Revisions, []uint32{2, 3}) {
		t.Errorf("the second notice covers revisions %v, want 2 and 3", numbered[1].Revisions)
	}
	if len(digests) != 2 || !digests[0].IssuedAt.Equal(h(24)) || !digests[1].IssuedAt.Equal(h(48)) {
		t.Fatalf("digests %+v: want one for each day, each written at the first run after midnight", digests)
	}
	if !slices.Equal(digests[0].Revisions, []uint32{4, 5}) || !slices.Equal(digests[1].Revisions, []uint32{6}) {
		t.Errorf("digests list revisions %v and %v, want 4, 5 then the closure 6", digests[0].Revisions, digests[1].Revisions)
	}
	if len(box.acked) != 6 {
		t.Errorf("%d of 6 revisions acknowledged", len(box.acked))
	}
	md, err := os.ReadFile(strings.TrimSuffix(numbered[1].Path, ".html") + ".md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"抄送：湖北省荆州市石首市人民政府", "预警级别已提升为二级", "湖北省荆州市石首市生态环境局："} {
		if !strings.Contains(string(md), want) {
			t.Errorf("the escalation notice lacks %q:\n%s", want, md)
		}
	}
	dg, err := os.ReadFile(strings.TrimSuffix(digests[0].Path, ".html") + ".md")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"预警续报", "关于11月9日预警进展情况的续报", "15:00", "20:00", "举报人 40 名"} {
		if !strings.Contains(string(dg), want) {
			t.Errorf("the digest lacks %q:\n%s", want, dg)
		}
	}
	if strings.Contains(string(dg), "第0") {
		t.Errorf("a digest has no serial number:\n%s", dg)
	}
}

// A rise to level 3 waits for the interval and goes then, if it still stands; jurisdictions
// added go to the new bureau at once, and to the first one once the interval has passed; the
// bureau above is copied on both, never addressed.
func TestPolicyIntervalAndNewJurisdictions(t *testing.T) {
	day := time.Date(2026, 11, 9, 0, 0, 0, 0, calendar.Shanghai)
	h := func(hours float64) time.Time { return day.Add(time.Duration(hours * float64(time.Hour))) }
	r1 := revision(1, contract.StatusOpen, 4, h(8), 4, shishouBureau, shishouGov)
	sent := []store.NoticeRecord{{NoticeID: "N-1", Kind: contract.WarningCluster, RecipientCode: shishouBureau.OrgCode, RecipientName: shishouBureau.OrgName,
		WarningIDs: []string{"W-1"}, Revisions: []uint32{1}, IssuedAt: h(8)}}
	r2 := revision(2, contract.StatusUpdated, 3, h(10), 9, shishouBureau, shishouGov)
	history := map[string][]store.WarningRow{"W-1": {r1, r2}}
	p := Policy{}
	plan := p.Plan([]store.WarningRow{r2}, history, sent, h(10))
	if len(plan.Notices) != 0 || len(plan.Ack) != 0 || !plan.Due.Equal(h(14)) {
		t.Fatalf("a rise to 3 two hours after the notice: %+v; want it to wait until 14:00 and stay in the outbox", plan)
	}
	plan = p.Plan([]store.WarningRow{r2}, history, sent, h(14))
	if len(plan.Notices) != 1 || !plan.Notices[0].Escalated || plan.Notices[0].Seq != 2 {
		t.Fatalf("at 14:00: %+v; want the escalation notice", plan.Notices)
	}
	// the zone grows to 公安县: its bureau is told at once; 石首 waits for the interval
	r3 := revision(3, contract.StatusUpdated, 4, h(9), 10, shishouBureau, shishouGov, gongan, gonganGov, jingzhou)
	history["W-1"] = []store.WarningRow{r1, r3}
	plan = p.Plan([]store.WarningRow{r3}, history, sent, h(9))
	if len(plan.Notices) != 1 || plan.Notices[0].Addressee != gongan || plan.Notices[0].Seq != 1 {
		t.Fatalf("new jurisdiction: %+v; want one notice, to 公安县", plan.Notices)
	}
	var copies []string
	for _, c := range plan.Notices[0].Copies {
		copies = append(copies, c.OrgName)
	}
	if !slices.Equal(copies, []string{gonganGov.OrgName, jingzhou.OrgName}) {
		t.Errorf("copies of 公安县's notice: %v; want its government and the city bureau", copies)
	}
	plan = p.Plan([]store.WarningRow{r3}, history, sent, h(14.5))
	if len(plan.Notices) != 2 || !plan.Notices[0].Added && !plan.Notices[1].Added {
		t.Fatalf("after the interval: %+v; want 石首 told of the added jurisdiction too", plan.Notices)
	}
	for _, a := range Addressees(r3) {
		if a.Copy {
			t.Errorf("%s is copied yet addressed", a.OrgName)
		}
	}
	// an escalation to level 1 goes at once
	r4 := revision(4, contract.StatusUpdated, 1, h(9), 60, shishouBureau, shishouGov)
	history["W-1"] = []store.WarningRow{r1, r4}
	if plan := p.Plan([]store.WarningRow{r4}, history, sent, h(9)); len(plan.Notices) != 1 || !plan.Notices[0].Escalated {
		t.Fatalf("a rise to level 1 an hour after the notice: %+v; want it at once", plan.Notices)
	}
}

func TestCopiedOn(t *testing.T) {
	for _, tt := range []struct {
		copy, addressee string
		want            bool
	}{
		{"421081", "421081", true}, // the same jurisdiction: its government
		{"421000", "421081", true}, // the city above a county
		{"420000", "421081", true}, // the province above a county
		{"420000", "421000", true},
		{"421000", "421000", true},
		{"421000", "420100", false},
		{"421081", "421000", false}, // a county is not above its city
		{"430000", "421081", false},
	} {
		c := contract.Recipient{OrgCode: tt.copy, Role: org.RoleBureau, Copy: true}
		a := contract.Recipient{OrgCode: tt.addressee, Role: org.RoleBureau}
		if got := copiedOn(c, a); got != tt.want {
			t.Errorf("copiedOn(%s, %s) = %v", tt.copy, tt.addressee, got)
		}
	}
}

// A watershed warning moving down the river: the water reaches 荆州, which was told as a
// jurisdiction downstream, and the reach extends to 九江. 九江 is sent its first notice; no one
// else is told again (the water reaching a place already warned is no new jurisdiction).
func TestPolicyWatershedMovingDown(t *testing.T) {
	day := time.Date(2026, 1, 14, 0, 0, 0, 0, calendar.Shanghai)
	down := func(code, name string) contract.Recipient {
		return contract.Recipient{OrgCode: code, OrgName: name, Role: org.RoleBureau,
			Downstream: &contract.Downstream{River: "长江", DistanceKm: 100, ArrivalFrom: contract.NewTime(day), ArrivalTo: contract.NewTime(day.Add(48 * time.Hour))}}
	}
	yichang := contract.Recipient{OrgCode: "420500", OrgName: "湖北省宜昌市生态环境局", Role: org.RoleBureau}
	jingzhou := contract.Recipient{OrgCode: "421000", OrgName: "湖北省荆州市生态环境局", Role: org.RoleBureau}
	basinBureau := contract.Recipient{OrgCode: "changjiang", OrgName: "生态环境部长江流域生态环境监督管理局", Role: org.RoleBasinBureau}
	w := func(rev uint32, at time.Time, regions []string, rs ...contract.Recipient) store.WarningRow {
		r := revision(rev, contract.StatusUpdated, 3, at, 8, rs...)
		r.Kind, r.WarningID, r.RegionCodes = contract.WarningWatershed, "W-2", regions
		return r
	}
	r1 := w(1, day.Add(8*time.Hour), []string{"420500"}, yichang, down("421000", jingzhou.OrgName), down("430600", "湖南省岳阳市生态环境局"), basinBureau)
	r1.Status = contract.StatusOpen
	var sent []store.NoticeRecord
	for _, a := range Addressees(r1) {
		sent = append(sent, store.NoticeRecord{Kind: contract.WarningWatershed, RecipientCode: a.OrgCode, RecipientName: a.OrgName,
			WarningIDs: []string{"W-2"}, Revisions: []uint32{1}, IssuedAt: day.Add(8 * time.Hour)})
	}
	r2 := w(2, day.Add(30*time.Hour), []string{"420500", "421000"}, yichang, jingzhou, down("430600", "湖南省岳阳市生态环境局"), down("360400", "江西省九江市生态环境局"), basinBureau)
	plan := Policy{}.Plan([]store.WarningRow{r2}, map[string][]store.WarningRow{"W-2": {r1, r2}}, sent, day.Add(30*time.Hour))
	if len(plan.Notices) != 1 || plan.Notices[0].Addressee.OrgCode != "360400" || plan.Notices[0].Seq != 1 {
		var to []string
		for _, n := range plan.Notices {
			to = append(to, n.Addressee.OrgName)
		}
		t.Fatalf("notices to %v; want one, 九江's first", to)
	}
}
