package privacy

import (
	"strings"
	"unicode/utf8"
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
	for _, s := range secrets {
		// A secret that is not valid UTF-8 names no characters: replacing its bytes would cut
		// a character of the text in two (found by FuzzRedact).
		if s = strings.TrimSpace(s); utf8.ValidString(s) && utf8.RuneCountInString(s) >= 2 {
			text = strings.ReplaceAll(text, s, Mask)
		}
	}
	if !strings.ContainsAny(text, "0123456789@") {
		return text
	}
	var b strings.Builder
	last := 0 // text[last:] not yet copied
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case isDigit(c) || (c == '+' && i+1 < len(text) && isDigit(text[i+1])):
			if i > 0 && isDigit(text[i-1]) {
				i++
				continue
			}
			end, groups := scanNumber(text, i)
			// The groups of a number written with separators may hold several numbers, or a
			// phone number after an unrelated one ("第1 13812345678"): every run of
			// consecutive groups that makes a sensitive number is masked, longest first.
			for g := 0; g < len(groups); g++ {
				for h := len(groups) - 1; h >= g; h-- {
					d, stop := joinDigits(groups[g:h+1]), groups[h].end
					if strings.HasSuffix(d, "X") && len(d) != 18 {
						d, stop = d[:len(d)-1], stop-1 // the X is a letter after the number
					}
					if !sensitiveNumber(d) {
						continue
					}
					start := groups[g].start
					if g == 0 {
						start = i // with a leading +
					}
					b.WriteString(text[last:start])
					b.WriteString(Mask)
					last = stop
					g = h
					break
				}
			}
			i = end
		case c == '@':
			start, end := emailBounds(text, i)
			if start < i && end > i+1 && start >= last {
				b.WriteString(text[last:start])
				b.WriteString(Mask)
				last = end
				i = end
			} else {
				i++
			}
		default:
			i++
		}
	}
	if last == 0 {
		return text
	}
	b.WriteString(text[last:])
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digitGroup is a run of digits of a number written with separators; the last group of a
// number may end in X (the check character of an ID number).
type digitGroup struct {
	start, end int
	digits     string
}

// scanNumber reads a number from i: digit groups separated by one space or hyphen, the last
// possibly ending in X, after an optional +. It returns the end offset and the groups.
func scanNumber(s string, i int) (end int, groups []digitGroup) {
	if s[i] == '+' {
		i++
	}
	for i < len(s) && isDigit(s[i]) {
		g := digitGroup{start: i}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		g.digits = s[g.start:i]
		if i < len(s) && (s[i] == 'X' || s[i] == 'x') {
			i++
			g.digits += "X"
		}
		g.end = i
		groups = append(groups, g)
		if strings.HasSuffix(g.digits, "X") || i+1 >= len(s) || (s[i] != ' ' && s[i] != '-') || !isDigit(s[i+1]) {
			break
		}
		i++ // the separator
	}
	return i, groups
}

// joinDigits is the digits of consecutive groups.
func joinDigits(groups []digitGroup) string {
	if len(groups) == 1 {
		return groups[0].digits
	}
	var b strings.Builder
	for _, g := range groups {
		b.WriteString(g.digits)
	}
	return b.String()
}

// sensitiveNumber reports whether digits have the shape of a phone or ID number. An X may
// only end an 18-character ID number.
func sensitiveNumber(d string) bool {
	n := len(d)
	if n == 0 || (strings.HasSuffix(d, "X") && n != 18) {
		return false
	}
	first := d[0]
	switch {
	case n == 11 && first == '1':
		return true // mobile
	case n == 13 && strings.HasPrefix(d, "861"):
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
