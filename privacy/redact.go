package privacy

import (
	"strings"
	"unicode/utf8"

	"github.com/ecowatch/ecowatch/internal/swar"
)

// Mask replaces redacted text.
const Mask = "[已脱敏]"

// Redact returns text with mobile and landline phone numbers, resident ID numbers, e-mail
// addresses, and every literal occurrence of the given secrets (the reporter's own name, phone,
// ID number, e-mail and address) replaced by Mask.
//
// Numbers are recognised by shape, with spaces or hyphens allowed between digit groups:
// 11 digits starting with 1 (mobile, optionally after +86/86), 15 or 18 digits with an optional
// final X (ID numbers), and 10–12 digits starting with 0 (landline with area code). Other
// numbers — dates, amounts, report ids — are kept, since they carry meaning for analysis.
// The scanner is hand-written because it runs on every report's text at ingest speed.
// Secrets shorter than two characters, or not valid UTF-8, are not replaced.
func Redact(text string, secrets ...string) string {
	return NewSecrets(secrets...).Redact(text)
}

// Secrets are a reporter's own identity strings, prepared once to redact several texts.
type Secrets struct {
	list []string
}

// NewSecrets prepares secrets for Redact: trimmed, and only those of at least two characters
// of valid UTF-8.
func NewSecrets(secrets ...string) Secrets {
	var out Secrets
	for _, s := range secrets {
		// A secret that is not valid UTF-8 names no characters: replacing its bytes would cut
		// a character of the text in two (found by FuzzRedact).
		if s = strings.TrimSpace(s); utf8.ValidString(s) && utf8.RuneCountInString(s) >= 2 {
			if out.list == nil {
				out.list = make([]string, 0, len(secrets))
			}
			out.list = append(out.list, s)
		}
	}
	return out
}

// Redact is the package's Redact with these secrets.
func (sec Secrets) Redact(text string) string {
	for _, s := range sec.list {
		text = strings.ReplaceAll(text, s, Mask)
	}
	if !hasDigitOrAt(text) {
		return text
	}
	m := masker{text: text}
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case isDigit(c) || (c == '+' && i+1 < len(text) && isDigit(text[i+1])):
			if i > 0 && isDigit(text[i-1]) {
				i++
				continue
			}
			i = m.number(i)
		case c == '@':
			start, end := emailBounds(text, i)
			if start < i && end > i+1 && start >= m.last {
				m.mask(start, end)
				i = end
			} else {
				i++
			}
		default:
			i++
		}
	}
	if m.last == 0 {
		return text
	}
	m.b.WriteString(text[m.last:])
	return m.b.String()
}

// masker copies text with some spans replaced by Mask.
type masker struct {
	text string
	b    strings.Builder
	last int // text[last:] not yet copied
}

func (m *masker) mask(start, end int) {
	if m.last == 0 {
		m.b.Grow(len(m.text))
	}
	m.b.WriteString(m.text[m.last:start])
	m.b.WriteString(Mask)
	m.last = end
}

// number masks the sensitive numbers of the number at text[i:] (digit groups separated by one
// space or hyphen, after an optional +) and returns where it ends.
//
// The groups may hold several numbers, or a phone number after an unrelated one ("第1
// 13812345678"): every run of consecutive groups that makes a sensitive number is masked,
// longest first. A sensitive number has at most 18 characters (19 with an X that turns out to
// be a letter after it), so only the runs of groups that short are tried, in a window that
// slides over the groups as they are read: the work per group is bounded and the scan stays
// linear however many groups a number has ("1 1 1 …").
func (m *masker) number(i int) int {
	sc := groupScanner{s: m.text, pos: i}
	if m.text[i] == '+' {
		sc.pos++
	}
	var win [maxSensitiveLen + 2]digitGroup // the groups from the current one on
	n, first := 0, true
	for {
		// Read ahead until the window holds more characters than any sensitive number.
		chars := 0
		for _, g := range win[:n] {
			chars += g.end - g.start
		}
		for n < len(win) && !sc.done && chars <= maxSensitiveLen+1 {
			win[n] = sc.next()
			chars += win[n].end - win[n].start
			n++
		}
		if n == 0 {
			return sc.pos
		}
		used := 1 // groups consumed: the current one, or the sensitive run it starts
		var buf [maxSensitiveLen + 1]byte
		var ends [len(win)]int // len(d) after each group
		d, k := buf[:0], 0
		for ; k < n && len(d)+win[k].end-win[k].start <= len(buf); k++ {
			d = append(d, m.text[win[k].start:win[k].end]...)
			if win[k].x {
				d[len(d)-1] = 'X'
			}
			ends[k] = len(d)
		}
		for h := k - 1; h >= 0; h-- {
			d, stop := d[:ends[h]], win[h].end
			if d[len(d)-1] == 'X' && len(d) != 18 {
				d, stop = d[:len(d)-1], stop-1 // the X is a letter after the number
			}
			if !sensitiveNumber(d) {
				continue
			}
			start := win[0].start
			if first {
				start = i // with a leading +
			}
			m.mask(start, stop)
			used = h + 1
			break
		}
		copy(win[:], win[used:n])
		n -= used
		first = false
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digitGroup is a run of digits of a number written with separators, text[start:end]; the
// last group of a number may end in X (the check character of an ID number).
type digitGroup struct {
	start, end int
	x          bool // ends in X or x
}

// groupScanner reads the digit groups of a number one at a time.
type groupScanner struct {
	s    string
	pos  int // at a digit while !done; the end of the number once done
	done bool
}

// next reads the group at pos: digits, possibly ending in X. The number goes on after one
// space or hyphen followed by a digit, unless the group ended in X.
func (sc *groupScanner) next() digitGroup {
	s, i := sc.s, sc.pos
	g := digitGroup{start: i}
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i < len(s) && (s[i] == 'X' || s[i] == 'x') {
		i++
		g.x = true
	}
	g.end = i
	if g.x || i+1 >= len(s) || (s[i] != ' ' && s[i] != '-') || !isDigit(s[i+1]) {
		sc.pos, sc.done = i, true
	} else {
		sc.pos = i + 1 // after the separator
	}
	return g
}

// maxSensitiveLen is the length of the longest sensitive number: an 18-character ID number.
const maxSensitiveLen = 18

// sensitiveNumber reports whether digits have the shape of a phone or ID number. An X may
// only end an 18-character ID number.
func sensitiveNumber(d []byte) bool {
	n := len(d)
	if n == 0 || (d[n-1] == 'X' && n != 18) {
		return false
	}
	first := d[0]
	switch {
	case n == 11 && first == '1':
		return true // mobile
	case n == 13 && string(d[:3]) == "861":
		return true // +86 mobile
	case n == 18 || n == 15:
		return true // resident ID number (18 with check digit, or the old 15-digit form)
	case first == '0' && n >= 10 && n <= 12:
		return true // landline with area code
	}
	return false
}

func emailBounds(s string, at int) (start, end int) {
	start = at
	for start > 0 && isLocalChar(s[start-1]) {
		start--
	}
	end = at + 1
	dot := false
	for end < len(s) && isDomainChar(s[end]) {
		if s[end] == '.' {
			dot = true
		}
		end++
	}
	for end > at+1 && s[end-1] == '.' { // a sentence-ending dot is not part of the domain
		end--
	}
	if !dot || !strings.Contains(s[at+1:end], ".") {
		return at, at
	}
	return start, end
}

func isLocalChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || strings.IndexByte("._%+-", c) >= 0
}

func isDomainChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '.' || c == '-'
}

// hasDigitOrAt is strings.ContainsAny(s, "0123456789@"), eight bytes at a time.
func hasDigitOrAt(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if x := swar.Load(s, i); swar.HasLess(x^swar.Repeat('0'), 10) || swar.HasByte(x, '@') {
			return true
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; isDigit(c) || c == '@' {
			return true
		}
	}
	return false
}
