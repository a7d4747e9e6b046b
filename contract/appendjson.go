package contract

import "unicode/utf8"

// AppendJSON appends the JSON encoding of r to dst: byte for byte what encoding/json's Marshal
// writes for it (ingest seals it for every report with an identity, where Marshal's
// reflection was a fifth of the work on a report).
func (r *Reporter) AppendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	first := true
	field := func(name, v string) {
		if v == "" {
			return
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, '"')
		dst = append(dst, name...)
		dst = append(dst, '"', ':')
		dst = appendJSONString(dst, v)
	}
	field("name", r.Name)
	field("phone", r.Phone)
	field("id_number", r.IDNumber)
	field("email", r.Email)
	field("address", r.Address)
	if r.Anonymous {
		if !first {
			dst = append(dst, ',')
		}
		dst = append(dst, `"anonymous":true`...)
	}
	return append(dst, '}')
}

// appendJSONString appends s as a JSON string, escaped as encoding/json escapes it: quotes,
// backslashes and control characters, the HTML characters <, > and &, U+2028 and U+2029, and
// invalid UTF-8 as U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
