package deliver

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/alerts/notice"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/internal/output"
	"github.com/ecowatch/ecowatch/store"
)

func hashID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return "N-" + hex.EncodeToString(h.Sum(nil)[:8])
}

// warningNotice is the document of a numbered 预警通知书 the Policy calls for. Its id is the
// addressee's Seq-th notice about the warning, so that a retry after a crash writes the same
// notice (with the warning's latest revision).
func (n *Notices) warningNotice(pn PlannedNotice) document {
	w, a := pn.Warning, pn.Addressee
	id := hashID("warning", w.Kind, a.Role+":"+a.OrgCode, w.WarningID, strconv.Itoa(pn.Seq))
	issuer := n.issuer(w.Kind, a)
	return document{id: id, numbered: true, issuer: issuer, char: "预", kind: w.Kind,
		render: func(number string, at time.Time) (store.NoticeRecord, []output.File, error) {
			var facts alerts.Facts
			if err := json.Unmarshal([]byte(w.Facts), &facts); err != nil {
				return store.NoticeRecord{}, nil, fmt.Errorf("deliver: facts of warning %s: %w", w.WarningID, err)
			}
			day := at.In(calendar.Shanghai)
			doc := &notice.Notice{
				Kind: notice.KindWarning, Number: number, Issuer: issuer.Name, Recipient: a.OrgName,
				Subject: "关于" + facts.Subject + "的" + notice.KindWarning, Opening: facts.Summary, Requirement: facts.Requirement,
				ReplyBy: facts.ReplyBy, Basis: facts.Basis, Date: day, WarningIDs: []string{w.WarningID}, Level: w.Level,
				Contact: issuer.Name + " 生态环境举报热线（12369）工作机构",
			}
			switch {
			case pn.Escalated && pn.Added:
				doc.Opening += "预警级别已提升为" + contract.WarningLevelName(w.Level) + "，涉及地区增加，现重新通知如下。"
			case pn.Escalated:
				doc.Opening += "预警级别已提升为" + contract.WarningLevelName(w.Level) + "，现重新通知如下。"
			case pn.Added:
				doc.Opening += "涉及地区增加，现重新通知如下。"
			case pn.Seq > 1:
				doc.Opening += "该预警解除后再次出现，现重新通知如下。"
			}
			if d := a.Downstream; d != nil {
				doc.Arrival = fmt.Sprintf("你辖区位于出现异常河段的下游（%s，相距约 %.0f 公里）。按河流流速估算，预计%s到达本辖区河段。",
					d.River, d.DistanceKm, notice.ArrivalText(d.ArrivalFrom.Time, d.ArrivalTo.Time))
				if d.DrinkingWater != "" {
					doc.Arrival += "本辖区河段的饮用水水源：" + d.DrinkingWater + "，请在到达前加强监测，做好应急供水准备。"
				}
			}
			for _, it := range facts.Items {
				doc.Items = append(doc.Items, notice.Item{Label: it.Label, Value: it.Value})
			}
			for _, c := range pn.Copies {
				if c.OrgCode != issuer.Code || c.Role != issuer.Role {
					doc.Copy = appendNew(doc.Copy, c.OrgName)
				}
			}
			dir := filepath.Join(n.Dir, "notices", day.Format("2006-01-02"))
			base := fmt.Sprintf("%s-%s-%s", noticeFileKind(w.Kind), a.OrgCode, id[2:10])
			files, err := noticeFiles(doc, dir, base, []store.WarningRow{w})
			if err != nil {
				return store.NoticeRecord{}, nil, err
			}
			rec := store.NoticeRecord{NoticeID: id, Kind: w.Kind, Number: number, IssuerCode: issuer.Code,
				RecipientCode: a.OrgCode, RecipientName: a.OrgName, Revisions: pn.Revisions,
				Path: filepath.Join(dir, base+".html"), IssuedAt: at}
			for range pn.Revisions {
				rec.WarningIDs = append(rec.WarningIDs, w.WarningID)
			}
			return rec, files, nil
		}}
}

// digest is the document of an addressee's 续报 of one day: every change of its warnings that
// day that no numbered notice told it. It has no serial number; its record keeps the day.
func (n *Notices) digest(pd PlannedDigest) document {
	a := pd.Addressee
	id := hashID("digest", a.Role+":"+a.OrgCode, pd.Day.Format(time.DateOnly))
	issuer := n.issuer(contract.WarningCluster, a)
	return document{id: id, issuer: issuer, char: "续", kind: KindDigest,
		render: func(_ string, at time.Time) (store.NoticeRecord, []output.File, error) {
			day := pd.Day.In(calendar.Shanghai)
			doc := &notice.Notice{
				Kind: notice.KindDigest, Issuer: issuer.Name, Recipient: a.OrgName,
				Subject: "关于" + day.Format("1月2日") + "预警进展情况的续报",
				Opening: fmt.Sprintf("现将%s你单位收到的预警事项的进展情况续报如下（预警级别提升、涉及地区增加时另行发送预警通知书）。", day.Format("2006年1月2日")),
				Date:    at.In(calendar.Shanghai), Contact: issuer.Name + " 生态环境举报热线（12369）工作机构",
				Requirement: "请继续跟踪处置，及时报送处置进展。",
			}
			rec := store.NoticeRecord{NoticeID: id, Kind: KindDigest, Number: DigestNumber(pd.Day), IssuerCode: issuer.Code,
				RecipientCode: a.OrgCode, RecipientName: a.OrgName, IssuedAt: at}
			for _, w := range pd.Entries {
				doc.WarningIDs = appendNew(doc.WarningIDs, w.WarningID)
				rec.WarningIDs, rec.Revisions = append(rec.WarningIDs, w.WarningID), append(rec.Revisions, w.Revision)
				doc.Updates = append(doc.Updates, notice.Update{WarningID: w.WarningID, Title: w.Title,
					Time: w.IssuedAt.In(calendar.Shanghai).Format("15:04"), Change: changeText(w)})
				for _, c := range Copies(w, a) {
					if c.OrgCode != issuer.Code || c.Role != issuer.Role {
						doc.Copy = appendNew(doc.Copy, c.OrgName)
					}
				}
			}
			dir := filepath.Join(n.Dir, "notices", at.In(calendar.Shanghai).Format("2006-01-02"))
			base := fmt.Sprintf("续报-%s-%s", a.OrgCode, id[2:10])
			files, err := noticeFiles(doc, dir, base, pd.Entries)
			if err != nil {
				return store.NoticeRecord{}, nil, err
			}
			rec.Path = filepath.Join(dir, base+".html")
			return rec, files, nil
		}}
}

// changeText says what a revision is, for a 续报: "更新：三级，举报人 12 名" or "解除".
func changeText(w store.WarningRow) string {
	if w.Status == contract.StatusClosed {
		return contract.WarningStatusName(w.Status) + "（信号已消失）"
	}
	return fmt.Sprintf("%s：%s，举报人 %d 名，涉及 %d 个地区", contract.WarningStatusName(w.Status), contract.WarningLevelName(w.Level),
		w.Evidence.Reporters, len(w.RegionCodes))
}

// noticeFiles are the files of a notice: the warnings.v1 JSON of each revision first, the
// Markdown and the HTML last.
func noticeFiles(doc *notice.Notice, dir, base string, ws []store.WarningRow) ([]output.File, error) {
	var html, md bytes.Buffer
	if err := doc.WriteHTML(&html); err != nil {
		return nil, err
	}
	if err := doc.WriteMarkdown(&md); err != nil {
		return nil, err
	}
	var files []output.File
	for _, w := range ws {
		msg, err := json.MarshalIndent(w.Warning.Normalized(), "", "  ")
		if err != nil {
			return nil, fmt.Errorf("deliver: encoding warning %s: %w", w.WarningID, err)
		}
		files = append(files, output.File{Path: filepath.Join(dir, fmt.Sprintf("%s.%s-r%d.json", base, w.WarningID, w.Revision)), Data: msg, Perm: 0o644})
	}
	return append(files,
		output.File{Path: filepath.Join(dir, base+".md"), Data: md.Bytes(), Perm: 0o644},
		output.File{Path: filepath.Join(dir, base+".html"), Data: html.Bytes(), Perm: 0o644}), nil
}
