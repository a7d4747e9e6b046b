package notice

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func sample() *Notice {
	return &Notice{
		Kind: KindReminder, Number: "粤环催〔2026〕第0001号", Issuer: "广东省深圳市生态环境局",
		Recipient: "广东省深圳市南山区生态环境局", Subject: "关于举报件办理超期的催办通知",
		Opening:     "经联网平台核查，你单位下列举报件已超过规定期限。",
		Items:       []Item{{"超期件数", "2"}, {"被举报单位", "<script>alert(1)</script>某公司 | *x*"}},
		Cases:       []Case{{ReportID: "12369-440305-20260315-000123", Region: "南山区", Category: "水", Stage: "已受理", Step: "办结", Due: "2026-05-14", Overdue: "12 天"}},
		Requirement: "请立即组织办理。", ReplyBy: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC),
		Contact: "12369 举报热线办公室", Date: time.Date(2026, 5, 26, 0, 0, 0, 0, time.UTC), WarningIDs: []string{"W-overdue-abc"},
	}
}

func TestRenderEscapesHostileText(t *testing.T) {
	n := sample()
	var h, m bytes.Buffer
	if err := n.WriteHTML(&h); err != nil {
		t.Fatal(err)
	}
	if err := n.WriteMarkdown(&m); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"html": h.String(), "markdown": m.String()} {
		if strings.Contains(out, "<script>") {
			t.Errorf("%s: a script tag from the data reached the output", name)
		}
		for _, want := range []string{"粤环催〔2026〕第0001号", "广东省深圳市南山区生态环境局", "12369-440305-20260315-000123", "2026年6月1日"} {
			if !strings.Contains(out, want) && !strings.Contains(out, escapeMarkdown(want)) {
				t.Errorf("%s: missing %q", name, want)
			}
		}
	}
	for in, want := range map[string]string{"# 标题": `\# 标题`, "1. 列表": `1\. 列表`, "12369-440305": "12369-440305", "- 项": `\- 项`} {
		if got := escapeMarkdown(in); got != want {
			t.Errorf("escapeMarkdown(%q) = %q, want %q", in, got, want)
		}
	}
	if !strings.Contains(m.String(), `某公司 \| \*x\*`) {
		t.Errorf("markdown table cell not escaped:\n%s", m.String())
	}
}

func TestArrivalText(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	d := func(m time.Month, day, h int) time.Time { return time.Date(2026, m, day, h, 0, 0, 0, cst) }
	for _, tt := range []struct {
		from, to time.Time
		want     string
	}{
		{d(7, 3, 2), d(7, 3, 20), "7月3日"},
		{d(7, 3, 2), d(7, 8, 1), "7月3日至8日"},
		{d(7, 30, 2), d(8, 2, 1), "7月30日至8月2日"},
		{d(7, 3, 2).UTC(), d(7, 3, 23).UTC(), "7月3日"}, // days of Asia/Shanghai whatever the zone given
	} {
		if got := ArrivalText(tt.from, tt.to); got != tt.want {
			t.Errorf("ArrivalText(%v, %v) = %q, want %q", tt.from, tt.to, got, tt.want)
		}
	}
}
