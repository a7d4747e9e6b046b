// Package notice renders official notices — 催办通知, 督办通知, 预警通知书 — as HTML and
// Markdown. It owns the form of a notice (issuing organ, number, recipient, subject, facts,
// requirement with a date, contact) and its escaping: every value is escaped for the format it
// is written in, so text from a complaint can never inject markup. It does no I/O besides
// writing to the io.Writer it is given, and it never sees reporter identity.
package notice

import (
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/ecowatch/ecowatch/calendar"
)

// Kinds of notice, as printed in the heading.
const (
	KindReminder    = "催办通知"
	KindSupervision = "督办通知"
	// KindSupervisionSuggestion is put by ecowatch to the supervising bureau: the facts that
	// call for a 督办 of the bureau below (12369 Art. 15; 信访 Art. 34).
	KindSupervisionSuggestion = "督办建议"
	KindWarning               = "预警通知书"
	// KindDigest is the daily 续报 of an organisation: the day's changes of the warnings it was
	// sent, in one document, not numbered.
	KindDigest = "预警续报"
)

// Notice is one notice to one recipient.
type Notice struct {
	Kind      string // KindReminder, KindSupervision or KindWarning
	Number    string // e.g. 粤环催〔2026〕第0001号
	Issuer    string // issuing organ
	Recipient string // addressee
	Copy      []string
	Subject   string // 关于……的催办通知
	Opening   string // the first paragraph
	// Arrival is a paragraph for a recipient downstream of a watershed warning: how far, when
	// the water is expected ("预计X月X日至X日到达本辖区河段") and its drinking-water sources.
	Arrival string
	Items   []Item
	// Updates are the changes a 续报 reports.
	Updates     []Update
	Cases       []Case
	Requirement string
	ReplyBy     time.Time
	Basis       string // the article the notice rests on
	Contact     string
	Date        time.Time
	WarningIDs  []string
	Level       int // for warnings: 1 most severe … 4; 0 otherwise
}

// Item is a labelled fact.
type Item struct{ Label, Value string }

// Update is one change of a warning in a 续报.
type Update struct {
	WarningID, Title, Time, Change string
}

// Case is one case listed in a notice.
type Case struct {
	ReportID, Region, Category, Stage, Step, Due, Overdue, Note string
}

//go:embed templates
var templates embed.FS

var funcs = map[string]any{
	"date":  func(t time.Time) string { return t.Format("2006年1月2日") },
	"level": levelName,
	"md":    escapeMarkdown,
	"inc":   func(i int) int { return i + 1 },
}

var (
	htmlTmpl = htmltemplate.Must(htmltemplate.New("notice.html.tmpl").Funcs(funcs).ParseFS(templates, "templates/notice.html.tmpl"))
	mdTmpl   = texttemplate.Must(texttemplate.New("notice.md.tmpl").Funcs(funcs).ParseFS(templates, "templates/notice.md.tmpl"))
)

// WriteHTML renders the notice as a self-contained HTML page.
func (n *Notice) WriteHTML(w io.Writer) error {
	if err := htmlTmpl.Execute(w, n); err != nil {
		return fmt.Errorf("notice: rendering %s as HTML: %w", n.Number, err)
	}
	return nil
}

// WriteMarkdown renders the notice as Markdown.
func (n *Notice) WriteMarkdown(w io.Writer) error {
	if err := mdTmpl.Execute(w, n); err != nil {
		return fmt.Errorf("notice: rendering %s as Markdown: %w", n.Number, err)
	}
	return nil
}

func levelName(l int) string {
	switch l {
	case 1:
		return "一级（特别严重）"
	case 2:
		return "二级（严重）"
	case 3:
		return "三级（较重）"
	case 4:
		return "四级（一般）"
	}
	return ""
}

// escapeMarkdown makes text inert in Markdown: emphasis, code, link and table characters are
// backslash-escaped, angle brackets and ampersands become entities (no raw HTML), a leading
// character that would start a heading, list or quote is escaped, and line breaks become spaces
// (a value never leaves its paragraph or table cell).
func escapeMarkdown(s string) string {
	var b strings.Builder
	if s != "" && strings.ContainsRune("#-+>", rune(s[0])) {
		b.WriteByte('\\')
	}
	// "1. " or "1) " at the start would begin an ordered list: escape the punctuation.
	digits := len(s) - len(strings.TrimLeft(s, "0123456789"))
	if digits > 0 && digits < len(s) && (s[digits] == '.' || s[digits] == ')') {
		b.WriteString(s[:digits])
		b.WriteByte('\\')
		b.WriteByte(s[digits])
		s = s[digits+1:]
	}
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '|', '~', '!':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\n', '\r':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ArrivalText says when water is expected somewhere, in Asia/Shanghai days: "7月3日至5日",
// "7月30日至8月2日", or "7月3日" within one day.
func ArrivalText(from, to time.Time) string {
	a, b := from.In(calendar.Shanghai), to.In(calendar.Shanghai)
	switch {
	case a.Year() == b.Year() && a.YearDay() == b.YearDay():
		return a.Format("1月2日")
	case a.Year() == b.Year() && a.Month() == b.Month():
		return a.Format("1月2日") + "至" + b.Format("2日")
	}
	return a.Format("1月2日") + "至" + b.Format("1月2日")
}
