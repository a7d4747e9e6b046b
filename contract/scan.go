package contract

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The fast decoders. scanReport and scanCaseEvent decode the messages producers send in one
// pass over the bytes, with a handful of allocations, into exactly the value encoding/json
// gives (decodeReportJSON, decodeCaseEventJSON). They decline — ok is false — whenever a
// message holds anything they do not decode exactly as encoding/json does: a syntax error, a
// value of the wrong type, a null where a list is not expected, a key that matches a field only
// when case is ignored, a repeated field, a number out of range, an unknown value nested deeper
// than maxSkipDepth. The decoders then decode the message with encoding/json, which gives the
// error and its reason as they always were. FuzzScanAgrees holds them to this.
//
// Every step is linear in the size of the message: one forward pass, and a decline costs no
// more than the pass up to it.

// maxSkipDepth bounds the nesting of an unknown field's value the scanner skips; deeper values
// are left to encoding/json.
const maxSkipDepth = 64

// scanner reads JSON from a string: field values are substrings of it (one copy of the
// message's bytes in all), or new strings where they hold escapes.
type scanner struct {
	s string
	i int
}

func (d *scanner) ws() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// next consumes c, after whitespace, if it comes next.
func (d *scanner) next(c byte) bool {
	d.ws()
	if d.i < len(d.s) && d.s[d.i] == c {
		d.i++
		return true
	}
	return false
}

// peek is the next byte after whitespace, 0 at the end.
func (d *scanner) peek() byte {
	d.ws()
	if d.i < len(d.s) {
		return d.s[d.i]
	}
	return 0
}

// str reads a string.
func (d *scanner) str() (string, bool) {
	if d.peek() != '"' {
		return "", false
	}
	start := d.i + 1
	s := d.s
	for j := start; j < len(s); j++ {
		if c := s[j]; plain[c] {
			continue
		} else if c == '"' {
			d.i = j + 1
			return s[start:j], true
		} else if c == '\\' {
			return d.unescape(start, j)
		}
		return "", false // a control character
	}
	return "", false
}

// plain marks the bytes that stand for themselves in a JSON string: not a quote, a backslash
// or a control character.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// unescape reads the rest of a string that holds an escape at j, as encoding/json's unquote
// does: a surrogate escape without its pair becomes U+FFFD.
func (d *scanner) unescape(start, j int) (string, bool) {
	s := d.s
	buf := make([]byte, 0, len(s)-start)
	buf = append(buf, s[start:j]...)
	for j < len(s) {
		c := s[j]
		switch {
		case c == '"':
			d.i = j + 1
			return string(buf), true
		case c < 0x20:
			return "", false
		case c != '\\':
			buf = append(buf, c)
			j++
			continue
		}
		if j+1 >= len(s) {
			return "", false
		}
		switch e := s[j+1]; e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r := hex4(s, j+2)
			if r < 0 {
				return "", false
			}
			j += 6
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if j+1 < len(s) && s[j] == '\\' && s[j+1] == 'u' {
					r2 = hex4(s, j+2)
				}
				if dec := utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
					buf = utf8.AppendRune(buf, dec)
					j += 6
					continue
				}
				r = unicode.ReplacementChar
			}
			buf = utf8.AppendRune(buf, r)
			continue
		default:
			return "", false
		}
		j += 2
	}
	return "", false
}

// hex4 is the value of the four hexadecimal digits at s[i:], or -1.
func hex4(s string, i int) rune {
	if i+4 > len(s) {
		return -1
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}

// number reads a number and returns its literal.
func (d *scanner) number() (string, bool) {
	d.ws()
	s, j := d.s, d.i
	if j < len(s) && s[j] == '-' {
		j++
	}
	switch {
	case j >= len(s):
		return "", false
	case s[j] == '0':
		j++
	case '1' <= s[j] && s[j] <= '9':
		for j < len(s) && isDigit(s[j]) {
			j++
		}
	default:
		return "", false
	}
	if j < len(s) && s[j] == '.' {
		j++
		k := j
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j == k {
			return "", false
		}
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		j++
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := j
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j == k {
			return "", false
		}
	}
	lit := s[d.i:j]
	d.i = j
	return lit, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// uint32 reads a number into a uint32 as encoding/json does (strconv.ParseUint of the literal).
func (d *scanner) uint32() (uint32, bool) {
	lit, ok := d.number()
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(lit, 10, 32)
	return uint32(n), err == nil
}

// int32 reads a number into an int32 as encoding/json does (strconv.ParseInt of the literal).
func (d *scanner) int32() (int32, bool) {
	lit, ok := d.number()
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(lit, 10, 32)
	return int32(n), err == nil
}

// float64 reads a number into a float64 as encoding/json does (strconv.ParseFloat).
func (d *scanner) float64() (float64, bool) {
	lit, ok := d.number()
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(lit, 64)
	return f, err == nil
}

// literal consumes word (true, false, null) if it comes next.
func (d *scanner) literal(word string) bool {
	d.ws()
	if len(d.s)-d.i >= len(word) && d.s[d.i:d.i+len(word)] == word {
		d.i += len(word)
		return true
	}
	return false
}

func (d *scanner) bool() (bool, bool) {
	switch d.peek() {
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	}
	return false, false
}

// skip reads any value without keeping it.
func (d *scanner) skip(depth int) bool {
	switch d.peek() {
	case '"':
		return d.skipString()
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	case '{':
		if depth >= maxSkipDepth {
			return false
		}
		d.i++
		if d.next('}') {
			return true
		}
		for {
			if !d.skipString() || !d.next(':') || !d.skip(depth+1) {
				return false
			}
			if d.next(',') {
				continue
			}
			return d.next('}')
		}
	case '[':
		if depth >= maxSkipDepth {
			return false
		}
		d.i++
		if d.next(']') {
			return true
		}
		for {
			if !d.skip(depth + 1) {
				return false
			}
			if d.next(',') {
				continue
			}
			return d.next(']')
		}
	}
	_, ok := d.number()
	return ok
}

// skipString reads a string without keeping it.
func (d *scanner) skipString() bool {
	if d.peek() != '"' {
		return false
	}
	s := d.s
	for j := d.i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			d.i = j + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if j+1 >= len(s) {
				return false
			}
			switch s[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j++
			case 'u':
				if hex4(s, j+2) < 0 {
					return false
				}
				j += 5
			default:
				return false
			}
		}
	}
	return false
}

// object reads an object, calling field for each key; field reads the value. A key that is
// not a field (field returns known false) is skipped, unless it names a field when case is
// ignored (encoding/json would fill that field). A repeated field declines.
func (d *scanner) object(names []string, field func(i int) bool) bool {
	if !d.next('{') {
		return false
	}
	if d.next('}') {
		return true
	}
	var seen uint64
	for {
		key, ok := d.str()
		if !ok || !d.next(':') {
			return false
		}
		i := indexOf(names, key)
		switch {
		case i >= 0:
			if seen&(1<<i) != 0 {
				return false
			}
			seen |= 1 << i
			if !field(i) {
				return false
			}
		case foldsToOneOf(names, key):
			return false
		default:
			if !d.skip(0) {
				return false
			}
		}
		if d.next(',') {
			continue
		}
		return d.next('}')
	}
}

// end reports whether only whitespace is left.
func (d *scanner) end() bool {
	d.ws()
	return d.i == len(d.s)
}

func indexOf(names []string, key string) int {
	for i, n := range names {
		if n == key {
			return i
		}
	}
	return -1
}

// foldsToOneOf reports whether key equals one of names under Unicode case folding, as
// encoding/json matches a key it finds no exact field for.
func foldsToOneOf(names []string, key string) bool {
	for _, n := range names {
		if strings.EqualFold(n, key) {
			return true
		}
	}
	return false
}

// list reads a list of at most limit strings (null: none), as DecodeReport's lists are read.
func (d *scanner) list(limit int) ([]string, bool) {
	if d.peek() == 'n' {
		return nil, d.literal("null")
	}
	if !d.next('[') {
		return nil, false
	}
	out := []string{}
	if d.next(']') {
		return out, true
	}
	for {
		if len(out) == limit {
			return nil, false
		}
		s, ok := d.str()
		if !ok {
			return nil, false
		}
		out = append(out, s)
		if d.next(',') {
			continue
		}
		return out, d.next(']')
	}
}

// time reads a contract timestamp given as a string, as Time.UnmarshalJSON does.
func (d *scanner) time() (Time, bool) {
	s, ok := d.str()
	if !ok {
		return Time{}, false
	}
	t := Time{raw: s}
	if parsed, ok := ParseTime(s); ok {
		t.Time = parsed
	}
	return t, true
}

var (
	reportNames   = []string{"schema", "report_id", "version", "kind", "channel", "received_at", "region_code", "location", "category", "categories", "subcategory", "title", "content", "target", "reporter", "co_reporters", "flags", "intake_org"}
	locationNames = []string{"lat", "lon", "address"}
	targetNames   = []string{"name", "credit_code", "address", "industry"}
	reporterNames = []string{"name", "phone", "id_number", "email", "address", "anonymous"}
	eventNames    = []string{"schema", "event_id", "report_id", "type", "at", "org_code", "to_org_code", "extension_days", "merged_into", "finding", "reason", "summary"}
)

// reportParts holds a report and its parts in one allocation.
type reportParts struct {
	r        Report
	loc      Location
	lat, lon float64
	target   Target
	reporter Reporter
}

// scanReport decodes a reports.v1 message as decodeReportJSON does, or declines.
func scanReport(s string) (*Report, bool) {
	d := &scanner{s: s}
	p := &reportParts{}
	r := &p.r
	ok := d.object(reportNames, func(i int) bool {
		var ok bool
		switch reportNames[i] {
		case "schema":
			r.Schema, ok = d.str()
		case "report_id":
			r.ReportID, ok = d.str()
		case "version":
			r.Version, ok = d.uint32()
		case "kind":
			r.Kind, ok = d.str()
		case "channel":
			r.Channel, ok = d.str()
		case "received_at":
			r.ReceivedAt, ok = d.time()
		case "region_code":
			r.RegionCode, ok = d.str()
		case "location":
			r.Location, ok = &p.loc, d.object(locationNames, func(i int) bool {
				var ok bool
				switch i {
				case 0:
					p.lat, ok = d.float64()
					p.loc.Lat = &p.lat
				case 1:
					p.lon, ok = d.float64()
					p.loc.Lon = &p.lon
				case 2:
					p.loc.Address, ok = d.str()
				}
				return ok
			})
		case "category":
			r.Category, ok = d.str()
		case "categories":
			r.Categories, ok = d.list(len(Categories))
		case "subcategory":
			r.Subcategory, ok = d.str()
		case "title":
			r.Title, ok = d.str()
		case "content":
			r.Content, ok = d.str()
		case "target":
			t := &p.target
			r.Target, ok = t, d.object(targetNames, func(i int) bool {
				var ok bool
				switch i {
				case 0:
					t.Name, ok = d.str()
				case 1:
					t.CreditCode, ok = d.str()
				case 2:
					t.Address, ok = d.str()
				case 3:
					t.Industry, ok = d.str()
				}
				return ok
			})
		case "reporter":
			w := &p.reporter
			r.Reporter, ok = w, d.object(reporterNames, func(i int) bool {
				var ok bool
				switch i {
				case 0:
					w.Name, ok = d.str()
				case 1:
					w.Phone, ok = d.str()
				case 2:
					w.IDNumber, ok = d.str()
				case 3:
					w.Email, ok = d.str()
				case 4:
					w.Address, ok = d.str()
				case 5:
					w.Anonymous, ok = d.bool()
				}
				return ok
			})
		case "co_reporters":
			r.CoReporters, ok = d.uint32()
		case "flags":
			r.Flags, ok = d.list(len(Flags))
		case "intake_org":
			r.IntakeOrg, ok = d.str()
		}
		return ok
	})
	if !ok || !d.end() {
		return nil, false
	}
	return r, true
}

// scanCaseEvent decodes a case-events.v1 message as decodeCaseEventJSON does, or declines.
func scanCaseEvent(s string) (*CaseEvent, bool) {
	d := &scanner{s: s}
	ev := &CaseEvent{}
	ok := d.object(eventNames, func(i int) bool {
		var ok bool
		switch eventNames[i] {
		case "schema":
			ev.Schema, ok = d.str()
		case "event_id":
			ev.EventID, ok = d.str()
		case "report_id":
			ev.ReportID, ok = d.str()
		case "type":
			ev.Type, ok = d.str()
		case "at":
			ev.At, ok = d.time()
		case "org_code":
			ev.OrgCode, ok = d.str()
		case "to_org_code":
			ev.ToOrgCode, ok = d.str()
		case "extension_days":
			ev.ExtensionDays, ok = d.int32()
		case "merged_into":
			ev.MergedInto, ok = d.str()
		case "finding":
			ev.Finding, ok = d.str()
		case "reason":
			ev.Reason, ok = d.str()
		case "summary":
			ev.Summary, ok = d.str()
		}
		return ok
	})
	if !ok || !d.end() {
		return nil, false
	}
	return ev, true
}
