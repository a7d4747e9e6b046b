package deliver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ecowatch/ecowatch/alerts"
	"github.com/ecowatch/ecowatch/alerts/notice"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/internal/output"
	"github.com/ecowatch/ecowatch/org"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

// NoticeStore is what writing notices needs of the store.
type NoticeStore interface {
	ExistingNotices(ctx context.Context, ids []string) (map[string]bool, error)
	NoticeCounts(ctx context.Context, year int) (map[string]int, error)
	SaveNotices(ctx context.Context, recs []store.NoticeRecord) error
	Undelivered(ctx context.Context, channel string) ([]store.WarningRow, error)
	MarkDelivered(ctx context.Context, channel string, rows []store.WarningRow, attempts int) error
	WarningRevision(ctx context.Context, id string, revision uint32) (store.WarningRow, bool, error)
	// WarningRevisions returns every revision of the given warnings, by warning and revision.
	WarningRevisions(ctx context.Context, ids []string) ([]store.WarningRow, error)
	// NoticesAbout returns the notices recorded about any of the warnings, and every digest
	// recorded since a time.
	NoticesAbout(ctx context.Context, ids []string, digestsSince time.Time) ([]store.NoticeRecord, error)
}

// ChannelNotices is the outbox channel of notices: a warning revision is acknowledged on it
// once the notices it calls for are written, so a failed write (a full disk) is retried at
// the next run instead of being lost.
const ChannelNotices = "notices"

// Flush writes the notices of every warning revision of the given kinds not yet acknowledged
// on ChannelNotices, then acknowledges them. Notices already written (same deterministic id)
// are not written twice, so a crash between writing and acknowledging repeats nothing. Early
// warnings (clusters, watershed risks, emergencies) follow the Policy: a revision whose notice
// waits (the interval) or whose change goes to a digest of a day not yet over stays in the
// outbox until then.
func (n *Notices) Flush(ctx context.Context, kinds []string, at time.Time) ([]store.NoticeRecord, error) {
	rows, err := n.Store.Undelivered(ctx, ChannelNotices)
	if err != nil {
		return nil, err
	}
	ch := alerts.Changes{Previous: map[string]store.WarningRow{}}
	var pending, early []store.WarningRow
	for _, w := range rows {
		if !slices.Contains(kinds, w.Kind) {
			continue
		}
		if Early(w.Kind) {
			early = append(early, w)
			continue
		}
		pending = append(pending, w)
		switch w.Status {
		case contract.StatusOpen:
			ch.Opened = append(ch.Opened, w)
		case contract.StatusUpdated:
			prev, ok, err := n.Store.WarningRevision(ctx, w.WarningID, w.Revision-1)
			if err != nil {
				return nil, err
			}
			if ok {
				ch.Updated = append(ch.Updated, w)
				ch.Previous[w.WarningID] = prev
			}
		}
	}
	written, err := n.Write(ctx, ch, at)
	if err != nil {
		return written, err
	}
	if err := n.Store.MarkDelivered(ctx, ChannelNotices, pending, 1); err != nil {
		return written, err
	}
	if len(early) == 0 {
		n.setDue(kinds, time.Time{})
		return written, nil
	}
	more, err := n.flushEarly(ctx, kinds, early, at)
	return append(written, more...), err
}

// flushEarly carries out the Policy's plan for the pending revisions of early warnings.
func (n *Notices) flushEarly(ctx context.Context, kinds []string, pending []store.WarningRow, at time.Time) ([]store.NoticeRecord, error) {
	var ids []string
	since := at
	for _, w := range pending {
		if !slices.Contains(ids, w.WarningID) {
			ids = append(ids, w.WarningID)
		}
		if d := dayOf(w.IssuedAt.Time); d.Before(since) {
			since = d
		}
	}
	revs, err := n.Store.WarningRevisions(ctx, ids)
	if err != nil {
		return nil, err
	}
	history := map[string][]store.WarningRow{}
	for _, r := range revs {
		history[r.WarningID] = append(history[r.WarningID], r)
	}
	sent, err := n.Store.NoticesAbout(ctx, ids, since)
	if err != nil {
		return nil, err
	}
	plan := n.Policy.Plan(pending, history, sent, at)
	n.setDue(kinds, plan.Due)
	var docs []document
	for _, pn := range plan.Notices {
		docs = append(docs, n.warningNotice(pn))
	}
	for _, pd := range plan.Digests {
		docs = append(docs, n.digest(pd))
	}
	written, err := n.issue(ctx, docs, at)
	if err != nil {
		return written, err
	}
	return written, n.Store.MarkDelivered(ctx, ChannelNotices, plan.Ack, 1)
}

// Notices writes the notices that warning changes call for, into Dir/notices/<date>/.
type Notices struct {
	Store   NoticeStore
	Orgs    *org.Directory
	Regions *region.Table
	Dir     string
	// Serials numbers the notices (serials.go); nil: the local allocator of one instance.
	Serials SerialAllocator

	localOnce sync.Once
	local     *localSerials

	// Policy decides the notices of early warnings (numbered notices, their interval, the
	// daily digests).
	Policy Policy

	mu      sync.Mutex
	flushed map[string]bool      // per set of kinds: a flush has succeeded since the last failure
	due     map[string]time.Time // per set of kinds: when a waiting notice or a digest falls due
}

func (n *Notices) setDue(kinds []string, t time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.due == nil {
		n.due = map[string]time.Time{}
	}
	n.due[strings.Join(kinds, ",")] = t
}

// FlushIfNeeded flushes when a run wrote warning revisions, when a waiting notice or a digest
// has fallen due, or when no flush has succeeded yet in this process (the outbox may hold
// revisions a failed or crashed run left behind). Other runs cost no query.
func (n *Notices) FlushIfNeeded(ctx context.Context, kinds []string, ch alerts.Changes, at time.Time) ([]store.NoticeRecord, error) {
	key := strings.Join(kinds, ",")
	n.mu.Lock()
	done := n.flushed[key]
	due := n.due[key]
	n.mu.Unlock()
	if done && len(ch.All()) == 0 && (due.IsZero() || at.Before(due)) {
		return nil, nil
	}
	written, err := n.Flush(ctx, kinds, at)
	n.mu.Lock()
	if n.flushed == nil {
		n.flushed = map[string]bool{}
	}
	n.flushed[key] = err == nil
	n.mu.Unlock()
	return written, err
}

// entry is one recipient of one warning revision.
type entry struct {
	w         store.WarningRow
	recipient contract.Recipient
}

// Write issues the notices for the changes of reminders and supervision suggestions, once
// each: a notice already issued (same kind, recipient and warning revisions) is not written
// again. Reminders (催办) to one recipient are gathered into one notice per run; supervision
// notices are one per warning. Early warnings are left out: Flush sends them by the Policy.
func (n *Notices) Write(ctx context.Context, ch alerts.Changes, at time.Time) ([]store.NoticeRecord, error) {
	var entries []entry
	for _, w := range ch.Opened {
		if Early(w.Kind) {
			continue
		}
		for _, r := range w.Recipients {
			entries = append(entries, entry{w, r})
		}
	}
	// An update calls for notices when it escalates: new recipients are told (an overdue case
	// escalated to the level above notifies that level, not again the bureau already reminded);
	// a higher level with the same recipients tells them all.
	for _, w := range ch.Updated {
		if Early(w.Kind) {
			continue
		}
		prev := ch.Previous[w.WarningID]
		var added []contract.Recipient
		for _, r := range w.Recipients {
			if !slices.Contains(prev.Recipients, r) {
				added = append(added, r)
			}
		}
		if len(added) == 0 && w.Level < prev.Level {
			added = w.Recipients
		}
		for _, r := range added {
			entries = append(entries, entry{w, r})
		}
	}
	groups := map[string][]entry{}
	var keys []string
	for _, e := range entries {
		key := e.w.Kind + "|" + e.recipient.Role + ":" + e.recipient.OrgCode
		if e.w.Kind != contract.WarningOverdue {
			key += "|" + e.w.WarningID
		}
		if _, ok := groups[key]; !ok {
			keys = append(keys, key)
		}
		groups[key] = append(groups[key], e)
	}
	sort.Strings(keys)
	// The store is asked once what is already issued, the allocator once per sequence for the
	// serial numbers, and the store told once what this run issued: a first run over a
	// national history issues thousands of notices, and a round trip (and a new table part)
	// per notice took most of a minute.
	noticeIDs := make([]string, len(keys))
	for i, k := range keys {
		noticeIDs[i] = noticeID(groups[k])
	}
	docs := make([]document, len(keys))
	for i, k := range keys {
		docs[i] = n.groupDocument(groups[k], noticeIDs[i])
	}
	return n.issue(ctx, docs, at)
}

// document is one notice to write: its id, and how to make its files and record once it has
// a number (numbered is false for a digest).
type document struct {
	id       string
	numbered bool
	render   func(number string, at time.Time) (store.NoticeRecord, []output.File, error)
	issuer   org.Org
	char     string // of the number: 催, 督, 预
	kind     string // the warning kind, which names the number's sequence (serialSequence)
}

// issue writes the documents not yet issued and records them. The store is asked once what
// is already issued, the allocator once per sequence for the serial numbers, and the store
// told once what this run issued: a
// first run over a national history issues thousands of notices, and a round trip (and a new
// table part) per notice took most of a minute.
func (n *Notices) issue(ctx context.Context, docs []document, at time.Time) ([]store.NoticeRecord, error) {
	if len(docs) == 0 {
		return nil, nil
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		ids[i] = d.id
	}
	existing, err := n.Store.ExistingNotices(ctx, ids)
	if err != nil {
		return nil, err
	}
	// A notice's number is the issuer's abbreviation, the character of the notice type
	// (催, 督, 预) and a serial within the year from the allocator: the serial runs per issuer
	// and character, across the warning kinds that share one (repeat and procedure are both
	// 督办建议). A digest has no number.
	day := at.In(calendar.Shanghai)
	var toNumber []serialRequest
	for _, d := range docs {
		if d.numbered && !existing[d.id] {
			toNumber = append(toNumber, serialRequest{d.id, d.issuer.Code, d.kind})
		}
	}
	serials, err := n.numbers(ctx, day.Year(), toNumber)
	if err != nil {
		return nil, err
	}
	// Every notice's files are written in one batch (one durability barrier per few hundred
	// files, not one per file), in notice order: the notices whose files are all in place are
	// the first ones, and only they are recorded.
	var recs []store.NoticeRecord
	var files []output.File
	var ends []int // ends[i]: the number of files up to and including recs[i]'s
	var renderErr error
	for _, d := range docs {
		if existing[d.id] {
			continue
		}
		number := ""
		if d.numbered {
			number = fmt.Sprintf("%s环%s〔%d〕第%04d号", n.abbreviation(d.issuer.Code), d.char, day.Year(), serials[d.id])
		}
		rec, fs, err := d.render(number, at)
		if err != nil {
			renderErr = err
			break
		}
		recs, files, ends = append(recs, rec), append(files, fs...), append(ends, len(files)+len(fs))
	}
	put, writeErr := output.WriteFiles(files)
	written := recs
	for i, end := range ends {
		if end > put {
			written = recs[:i]
			break
		}
	}
	if err := errors.Join(renderErr, writeErr); err != nil {
		// The notices written before the failure are on disk: record them.
		return written, errors.Join(err, n.Store.SaveNotices(ctx, written))
	}
	if err := n.Store.SaveNotices(ctx, written); err != nil {
		return nil, err
	}
	return written, nil
}

// noticeID is the deterministic id of the notice for a group: the same kind, recipient and
// warning revisions give the same notice, which is therefore issued once.
func noticeID(group []entry) string {
	first := group[0]
	ids, revs := revisions(group)
	idKey := fmt.Sprintf("%s|%s:%s|%v|%v", first.w.Kind, first.recipient.Role, first.recipient.OrgCode, ids, revs)
	sum := sha256.Sum256([]byte(idKey))
	return "N-" + hex.EncodeToString(sum[:8])
}

// revisions lists the warning revisions a group's notice is about.
func revisions(group []entry) (ids []string, revs []uint32) {
	for _, e := range group {
		ids = append(ids, e.w.WarningID)
		revs = append(revs, e.w.Revision)
	}
	return ids, revs
}

// groupDocument is the document of a group of reminders or a supervision suggestion.
func (n *Notices) groupDocument(group []entry, noticeID string) document {
	first := group[0]
	_, char := noticeKind(first.w.Kind)
	return document{id: noticeID, numbered: true, issuer: n.issuer(first.w.Kind, first.recipient), char: char, kind: first.w.Kind,
		render: func(number string, at time.Time) (store.NoticeRecord, []output.File, error) {
			return n.render(group, noticeID, number, at)
		}}
}

// render makes the files of one notice and its record.
func (n *Notices) render(group []entry, noticeID, number string, at time.Time) (store.NoticeRecord, []output.File, error) {
	first := group[0]
	recipient := first.recipient
	ids, revs := revisions(group)
	var facts alerts.Facts
	if err := json.Unmarshal([]byte(first.w.Facts), &facts); err != nil {
		return store.NoticeRecord{}, nil, fmt.Errorf("deliver: facts of warning %s: %w", first.w.WarningID, err)
	}
	issuer := n.issuer(first.w.Kind, recipient)
	kind, _ := noticeKind(first.w.Kind)
	day := at.In(calendar.Shanghai)
	doc := &notice.Notice{
		Kind: kind, Number: number, Issuer: issuer.Name, Recipient: recipient.OrgName,
		Subject: "关于" + facts.Subject + "的" + kind, Opening: facts.Summary, Requirement: facts.Requirement,
		ReplyBy: facts.ReplyBy, Basis: facts.Basis, Date: day, WarningIDs: ids,
		Contact: issuer.Name + " 生态环境举报热线（12369）工作机构",
	}
	if first.w.Kind == contract.WarningCluster || first.w.Kind == contract.WarningWatershed || first.w.Kind == contract.WarningEmergency {
		doc.Level = first.w.Level
	}
	for _, it := range facts.Items {
		doc.Items = append(doc.Items, notice.Item{Label: it.Label, Value: it.Value})
	}
	// A notice gathering several warnings (the reminders to one recipient) lists every case,
	// copies every other recipient of any of them, and cites every rule they rest on.
	var requirements, bases []string
	escalated := false
	for _, e := range group {
		var f alerts.Facts
		if err := json.Unmarshal([]byte(e.w.Facts), &f); err != nil {
			return store.NoticeRecord{}, nil, fmt.Errorf("deliver: facts of warning %s: %w", e.w.WarningID, err)
		}
		for _, c := range f.Cases {
			doc.Cases = append(doc.Cases, notice.Case(c))
		}
		if f.ReplyBy.Before(doc.ReplyBy) {
			doc.ReplyBy = f.ReplyBy
		}
		requirements = appendNew(requirements, f.Requirement)
		bases = appendNew(bases, citations(f.Basis)...)
		escalated = escalated || e.w.Level < 3
		for _, r := range e.w.Recipients {
			if r != recipient {
				doc.Copy = appendNew(doc.Copy, r.OrgName)
			}
		}
	}
	if len(group) > 1 {
		doc.Opening = fmt.Sprintf("经联网平台核查，截至%s，你单位有 %d 件举报件超过规定办理期限，详见下表。", day.Format("2006年1月2日15时"), len(doc.Cases))
		doc.Basis = strings.Join(bases, "；")
		if len(requirements) > 1 {
			doc.Requirement = "请立即组织完成下表所列举报件超期环节的办理，依法依规答复举报人。"
			if escalated {
				doc.Requirement = "请督促下表所列举报件的承办单位立即完成超期环节的办理，并说明超期原因。"
			}
		}
	}

	dir := filepath.Join(n.Dir, "notices", day.Format("2006-01-02"))
	base := fmt.Sprintf("%s-%s-%s", noticeFileKind(first.w.Kind), recipient.OrgCode, noticeID[2:10])
	var html, md bytes.Buffer
	if err := doc.WriteHTML(&html); err != nil {
		return store.NoticeRecord{}, nil, err
	}
	if err := doc.WriteMarkdown(&md); err != nil {
		return store.NoticeRecord{}, nil, err
	}
	// The warnings' messages first, the notice itself last.
	var files []output.File
	for _, e := range group {
		msg, err := json.MarshalIndent(e.w.Warning, "", "  ")
		if err != nil {
			return store.NoticeRecord{}, nil, fmt.Errorf("deliver: encoding warning %s: %w", e.w.WarningID, err)
		}
		files = append(files, output.File{Path: filepath.Join(dir, fmt.Sprintf("%s.%s-r%d.json", base, e.w.WarningID, e.w.Revision)), Data: msg, Perm: 0o644})
	}
	files = append(files,
		output.File{Path: filepath.Join(dir, base+".md"), Data: md.Bytes(), Perm: 0o644},
		output.File{Path: filepath.Join(dir, base+".html"), Data: html.Bytes(), Perm: 0o644})
	rec := store.NoticeRecord{
		NoticeID: noticeID, Kind: first.w.Kind, Number: number, IssuerCode: issuer.Code,
		RecipientCode: recipient.OrgCode, RecipientName: recipient.OrgName, WarningIDs: ids, Revisions: revs,
		Path: filepath.Join(dir, base+".html"), IssuedAt: at,
	}
	return rec, files, nil
}

// citations splits a basis into its citations: each starts with the title of a regulation
// (《…》), and they are separated by "；" (which the cited texts themselves also contain).
func citations(basis string) []string {
	parts := strings.Split(basis, "；《")
	for i := 1; i < len(parts); i++ {
		parts[i] = "《" + parts[i]
	}
	return parts
}

// appendNew appends the values not yet in list (and not empty), keeping their order.
func appendNew(list []string, values ...string) []string {
	for _, v := range values {
		if v != "" && !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}

// issuer is the organ that issues a notice to recipient. A reminder or a warning comes from
// the level above the recipient; a 督办 suggestion is put to the supervising bureau by its own
// 12369 office (the department that carries out the hotline work), as is anything addressed to
// the ministry itself; basin bureaus are written to by the ministry.
func (n *Notices) issuer(kind string, recipient contract.Recipient) org.Org {
	switch {
	case recipient.Role == org.RoleBasinBureau:
		return org.Ministry()
	case kind == contract.WarningRepeat || kind == contract.WarningProcedure || recipient.OrgCode == org.MinistryCode:
		o := n.Orgs.Bureau(recipient.OrgCode)
		o.Name += "（承担生态环境举报热线工作的部门）"
		return o
	}
	return n.Orgs.Above(recipient.OrgCode)
}

func noticeKind(kind string) (name, char string) {
	switch kind {
	case contract.WarningOverdue:
		return notice.KindReminder, "催"
	case contract.WarningRepeat, contract.WarningProcedure:
		return notice.KindSupervisionSuggestion, "督"
	case KindDigest:
		return notice.KindDigest, "续" // not numbered: its records never take a 预 serial
	}
	return notice.KindWarning, "预"
}

func noticeFileKind(kind string) string {
	switch kind {
	case contract.WarningOverdue:
		return "催办"
	case contract.WarningRepeat, contract.WarningProcedure:
		return "督办"
	}
	return "预警"
}

// provinceAbbr are the one-character abbreviations used in official document numbers.
var provinceAbbr = map[string]string{
	"11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑",
	"31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫",
	"42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "黔",
	"53": "云", "54": "藏", "61": "陕", "62": "甘", "63": "青", "64": "宁", "65": "新",
}

// abbreviation of an issuing organ for its document numbers: the province's character for a
// province, the first character of the place name below it.
func (n *Notices) abbreviation(code string) string {
	if code == org.MinistryCode {
		return ""
	}
	d, ok := n.Regions.Lookup(code)
	if !ok {
		return ""
	}
	if d.Level == region.Province {
		return provinceAbbr[code[:2]]
	}
	r := []rune(strings.TrimSuffix(d.Name, "市"))
	if len(r) == 0 {
		return ""
	}
	return string(r[0])
}
