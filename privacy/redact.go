package privacy

import "strings"

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
func Redact(text string, secrets ...string) string {
	for _, s := range secrets {
		if len([]rune(strings.TrimSpace(s))) >= 2 {
			text = strings.ReplaceAll(text, strings.TrimSpace(s), Mask)
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
			end, digits, first := scanNumber(text, i)
			if sensitiveNumber(digits, first) {
				b.WriteString(text[last:i])
				b.WriteString(Mask)
				last = end
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

// scanNumber reads digits from i, allowing one space or hyphen between digits and a final X.
// It returns the end offset, the digits (X included) and the first digit.
func scanNumber(s string, i int) (end int, digits string, first byte) {
	var d []byte
	if s[i] == '+' {
		i++
	}
	for i < len(s) {
		c := s[i]
		if isDigit(c) {
			d = append(d, c)
			i++
			continue
		}
		if (c == ' ' || c == '-') && i+1 < len(s) && isDigit(s[i+1]) && len(d) > 0 {
			i++
			continue
		}
		if (c == 'X' || c == 'x') && len(d) == 17 {
			d = append(d, 'X')
			i++
		}
		break
	}
	if len(d) == 0 {
		return i, "", 0
	}
	return i, string(d), d[0]
}

func sensitiveNumber(d string, first byte) bool {
	n := len(d)
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
