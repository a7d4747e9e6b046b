package deliver

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
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

// noticeRecords is the part of NoticeStore that Write uses, in memory.
type noticeRecords struct {
	NoticeStore
	saved []store.NoticeRecord
}

func (m *noticeRecords) ExistingNotices(_ context.Context, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, r := range m.saved {
		for _, id := range ids {
			out[id] = out[id] || r.NoticeID == id
		}
	}
	return out, nil
}

func (m *noticeRecords) NoticeCounts(context.Context, int) (map[string]int, error) {
	out := map[string]int{}
	for _, r := range m.saved {
		out[r.IssuerCode+"|"+r.Kind]++
	}
	return out, nil
}

func (m *noticeRecords) SaveNotices(_ context.Context, recs []store.NoticeRecord) error {
	m.saved = append(m.saved, recs...)
	return nil
}

// TestGroupedReminderNamesEveryCaseBureauAndRule: the escalated reminders to one provincial
// bureau about cases of two cities make one notice that lists both cases, copies both city
// bureaus and cites both rules once each; two supervision suggestions of one issuer get
// different numbers; a second Write issues nothing.
func TestGroupedReminderNamesEveryCaseBureauAndRule(t *testing.T) {
	regions := region.Default()
	at := time.Date(2026, 8, 7, 0, 0, 0, 0, calendar.Shanghai)
	province := contract.Recipient{OrgCode: "440000", OrgName: "广东省生态环境厅", Role: org.RoleBureau}
	warning := func(id, kind string, level int, city contract.Recipient, f alerts.Facts) store.WarningRow {
		b, _ := json.Marshal(f)
		return store.WarningRow{Facts: string(b), Warning: contract.Warning{WarningID: id, Revision: 1, Kind: kind, Level: level,
			Status: contract.StatusOpen, Recipients: []contract.Recipient{province, city}}}
	}
	gz := contract.Recipient{OrgCode: "440100", OrgName: "广东省广州市生态环境局", Role: org.RoleBureau}
	sz := contract.Recipient{OrgCode: "440300", OrgName: "广东省深圳市生态环境局", Role: org.RoleBureau}
	closeRule := "《生态环境举报热线工作管理办法》第十一条：举报件应当自受理之日起60日内办结；情况复杂的，可延长"
	acceptRule := "《生态环境举报热线工作管理办法》第八条：应当在15日内决定是否受理"
	remind := "《生态环境举报热线工作管理办法》第十三条（催办）"
	ch := alerts.Changes{Opened: []store.WarningRow{
		warning("W-1", contract.WarningOverdue, 2, gz, alerts.Facts{Subject: "举报件办理超期", Requirement: "请督促广州立即完成办结。",
			Cases: []alerts.CaseLine{{ReportID: "12369-440111-20260429-000001"}}, Basis: closeRule + "；" + remind, ReplyBy: at.AddDate(0, 0, 7)}),
		warning("W-2", contract.WarningOverdue, 2, sz, alerts.Facts{Subject: "举报件办理超期", Requirement: "请督促深圳立即完成受理。",
			Cases: []alerts.CaseLine{{ReportID: "12369-440307-20260523-000003"}}, Basis: acceptRule + "；" + remind, ReplyBy: at.AddDate(0, 0, 7)}),
		warning("W-3", contract.WarningRepeat, 3, gz, alerts.Facts{Subject: "反复举报", Requirement: "请督办。", ReplyBy: at.AddDate(0, 0, 10)}),
		warning("W-4", contract.WarningProcedure, 3, gz, alerts.Facts{Subject: "程序问题", Requirement: "请核查。", ReplyBy: at.AddDate(0, 0, 10)}),
	}}
	records := &noticeRecords{}
	n := &Notices{Store: records, Orgs: org.New(regions), Regions: regions, Dir: t.TempDir()}
	written, err := n.Write(context.Background(), ch, at)
	if err != nil {
		t.Fatal(err)
	}
	var reminder *store.NoticeRecord
	numbers := map[string]string{}
	for i, r := range written {
		if r.Kind == contract.WarningOverdue && r.RecipientCode == "440000" {
			reminder = &written[i]
		}
		key := r.IssuerCode + " " + r.Number
		if other, ok := numbers[key]; ok {
			t.Errorf("notices %s and %s share the number %s", other, r.NoticeID, key)
		}
		numbers[key] = r.NoticeID
	}
	if reminder == nil || len(reminder.WarningIDs) != 2 {
		t.Fatalf("want one reminder to the province for both warnings; got %+v", written)
	}
	md, err := os.ReadFile(strings.TrimSuffix(reminder.Path, ".html") + ".md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(md)
	for _, want := range []string{"12369-440111-20260429-000001", "12369-440307-20260523-000003", "广东省广州市生态环境局", "广东省深圳市生态环境局",
		"第十一条", "第八条", "请督促下表所列举报件的承办单位"} {
		if !strings.Contains(text, want) {
			t.Errorf("the grouped reminder does not mention %s:\n%s", want, text)
		}
	}
	if c := strings.Count(text, "第十三条（催办）"); c != 1 {
		t.Errorf("the reminder rule is cited %d times, want once:\n%s", c, text)
	}
	if strings.Contains(text, "请督促广州立即完成办结") {
		t.Errorf("the grouped reminder carries one case's requirement:\n%s", text)
	}
	again, err := n.Write(context.Background(), ch, at)
	if err != nil || len(again) != 0 {
		t.Fatalf("a second write issued %d notices (%v); each must be issued once", len(again), err)
	}
}

func TestCitations(t *testing.T) {
	basis := "《生态环境举报热线工作管理办法》第十一条：举报件应当自受理之日起60日内办结；情况复杂的，可延长；《生态环境举报热线工作管理办法》第十三条（催办）"
	got := citations(basis)
	want := []string{"《生态环境举报热线工作管理办法》第十一条：举报件应当自受理之日起60日内办结；情况复杂的，可延长", "《生态环境举报热线工作管理办法》第十三条（催办）"}
	if !slices.Equal(got, want) {
		t.Fatalf("citations = %q, want %q", got, want)
	}
	if joined := strings.Join(appendNew(got, want...), "；"); joined != basis {
		t.Fatalf("a basis cited twice must read once: %q", joined)
	}
}

// A notice whose files cannot be written is not recorded, so the next run issues it, with the
// serial number it would have had.
func TestNoticesNotWrittenAreNotRecorded(t *testing.T) {
	regions := region.Default()
	at := time.Date(2026, 8, 7, 0, 0, 0, 0, calendar.Shanghai)
	facts, _ := json.Marshal(alerts.Facts{Subject: "举报件办理超期", Requirement: "请办理。", ReplyBy: at.AddDate(0, 0, 7)})
	ch := alerts.Changes{Opened: []store.WarningRow{{Facts: string(facts), Warning: contract.Warning{WarningID: "W-1", Revision: 1,
		Kind: contract.WarningOverdue, Level: 3, Status: contract.StatusOpen,
		Recipients: []contract.Recipient{{OrgCode: "440100", OrgName: "广东省广州市生态环境局", Role: org.RoleBureau}}}}}}
	blocked := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(blocked, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	records := &noticeRecords{}
	n := &Notices{Store: records, Orgs: org.New(regions), Regions: regions, Dir: blocked}
	written, err := n.Write(context.Background(), ch, at)
	if err == nil || len(written) != 0 || len(records.saved) != 0 {
		t.Fatalf("written %d, recorded %d, error %v: want nothing recorded and an error", len(written), len(records.saved), err)
	}
	n.Dir = t.TempDir()
	written, err = n.Write(context.Background(), ch, at)
	if err != nil || len(written) != 1 || !strings.HasSuffix(written[0].Number, "第0001号") {
		t.Fatalf("the retry wrote %+v, %v: want the notice, numbered 0001", written, err)
	}
	if _, err := os.Stat(written[0].Path); err != nil {
		t.Fatal(err)
	}
}
