// Package contracttest makes hostile input messages of any size for tests, benchmarks and fuzz
// corpora: the shapes that give decoding, validation, normalisation and redaction the most work
// per byte (deep nesting, long escapes, runs of digit groups, '@' and '.', many or repeated
// fields, huge values in small fields).
//
// It produces bytes only; it does not import contract (whose own tests use it), Kafka or
// ClickHouse. Production code must not import it.
package contracttest

import (
	"fmt"
	"strings"
)

// Shape is one kind of hostile message.
type Shape struct {
	Name string
	// Make returns a message of exactly n bytes (n at least MinSize).
	Make func(n int) []byte
}

// MinSize is the smallest size every shape can be made in.
const MinSize = 1 << 10

// maxContent is the longest content, in characters, a valid report may have (contract's
// validation); maxSummary is the longest case-event summary.
const (
	maxContent = 20000
	maxSummary = 5000
)

const reportHead = `{"schema":"reports.v1","report_id":"12369-440305-20260315-%06d","version":1,"kind":"report",` +
	`"channel":"web","received_at":"2026-03-15T09:12:33+08:00","region_code":"440305","category":"water",`

const eventHead = `{"schema":"case-events.v1","event_id":"evt-hostile-%06d","report_id":"12369-440305-20260315-%06d",` +
	`"type":"closed","at":"2026-03-16T10:00:00+08:00","org_code":"440305","finding":"substantiated",`

// textUnits are repeated in a free-text field (as JSON string content): the shapes that make
// the redaction scanner and the JSON string decoder work hardest.
var textUnits = []struct{ name, unit string }{
	{"digit-space", "1 "},
	{"digit-hyphen", "1-"},
	{"mobile-groups", "138 1234 5678 "},
	{"id-groups-X", "110105 19491231 002X "},
	{"digit-X", "1X"},
	{"plus-digit", "+1"},
	{"at", "@"},
	{"dot", "."},
	{"at-dot", "a@."},
	{"local-at", "a.b@"},
	{"digits-at-dot", "1@1.1"},
	{"unicode-escapes", `\u4e2d`},
	{"surrogate-escapes", `\ud83d\ude00`},
	{"backslash-escapes", `\\`},
	{"quote-escapes", `\"`},
	{"control-escapes", `\u0007`},
	{"chinese", "举报"},
}

// fields names the fields of a topic's messages that the shapes put hostile values in.
type fields struct {
	text     string // free text
	maxChars int    // its longest valid length
	enum     string // an enumerated value: `"name":"` or `"name":["`
	enumEnd  string
	time     string // a timestamp
	region   string // a region code
	number   string // an integer
	object   string // an object with a string field
	array    string // an array of strings
}

// Reports are the hostile shapes of reports.v1 messages, numbered i in their report_id.
func Reports(i int) []Shape {
	return shapes(fmt.Sprintf(reportHead, i), fields{text: "content", maxChars: maxContent, enum: `"flags":["`, enumEnd: `"]`,
		time: "received_at", region: "intake_org", number: "co_reporters", object: `"location":{"address":`, array: "categories"})
}

// Events are the hostile shapes of case-events.v1 messages.
func Events(i int) []Shape {
	return shapes(fmt.Sprintf(eventHead, i, i), fields{text: "summary", maxChars: maxSummary, enum: `"type":"`, enumEnd: `"`,
		time: "at", region: "to_org_code", number: "extension_days", object: `"finding":{"a":`, array: "type"})
}

func shapes(head string, f fields) []Shape {
	textField, maxChars := f.text, f.maxChars
	var out []Shape
	for _, u := range textUnits {
		// The text field as long as validation allows, the rest of the bytes in an unknown
		// field (kept in the archive, ignored otherwise) of the same shape: valid at any size.
		out = append(out, Shape{Name: "text-" + u.name, Make: func(n int) []byte {
			chars := u.unit
			if strings.HasPrefix(u.unit, `\u`) || strings.HasPrefix(u.unit, `\\`) || strings.HasPrefix(u.unit, `\"`) {
				chars = "x" // one escape is one character (a surrogate pair: two UTF-16 units, one rune)
				if strings.Count(u.unit, `\u`) == 2 {
					chars = "😀"
				}
			}
			reps := maxChars / len([]rune(chars))
			text := strings.Repeat(u.unit, reps)
			prefix := head + `"` + textField + `":"`
			if len(prefix)+len(text)+len(`","note":""}`) > n {
				return fill(prefix, u.unit, `"}`, n, true)
			}
			return fill(prefix+text+`","note":"`, u.unit, `"}`, n, true)
		}})
	}
	text := `"` + textField + `":"河道出现大量黑色污水"`
	out = append(out,
		Shape{Name: "deep-array", Make: func(n int) []byte { return nested(head+text+`,"x":`, "[", "", "]", "}", n) }},
		Shape{Name: "deep-object", Make: func(n int) []byte { return nested(head+text+`,"x":`, `{"a":`, "0", "}", "}", n) }},
		Shape{Name: "deep-known-field", Make: func(n int) []byte {
			return nested(head+text+`,`+f.object, f.object[strings.Index(f.object, ":")+1:], `""`, "}", "}", n)
		}},
		Shape{Name: "deep-array-shallow", Make: func(n int) []byte {
			// nesting as deep as encoding/json allows, repeated
			return fill(head+text+`,"x":[`, strings.Repeat("[", 1000)+strings.Repeat("]", 1000)+",", `0]}`, n, false)
		}},
		Shape{Name: "many-unknown-fields", Make: func(n int) []byte { return fill(head+text, `,"a":0`, `}`, n, false) }},
		Shape{Name: "repeated-text-field", Make: func(n int) []byte { return fill(head+text, ","+text, `}`, n, false) }},
		Shape{Name: "whitespace", Make: func(n int) []byte { return fill(head+text, " \n\t\r", `}`, n, false) }},
		Shape{Name: "long-number", Make: func(n int) []byte { return fill(head+text+`,"`+f.number+`":1`, "0", `}`, n, false) }},
		Shape{Name: "long-fraction", Make: func(n int) []byte {
			return fill(head+text+`,"location":{"lat":22.`, "5", `,"lon":113.9}}`, n, false)
		}},
		Shape{Name: "long-enum", Make: func(n int) []byte { return fill(head+text+`,`+f.enum, "x", f.enumEnd+`}`, n, true) }},
		Shape{Name: "long-time", Make: func(n int) []byte {
			return fill(head+text+`,"`+f.time+`":"2026-03-15T09:12:33`, "9", `"}`, n, true)
		}},
		Shape{Name: "long-region", Make: func(n int) []byte { return fill(head+text+`,"`+f.region+`":"`, "4", `"}`, n, true) }},
		Shape{Name: "long-id", Make: func(n int) []byte { return fill(head+text+`,"merged_into":"a","report_id":"`, "a", `"}`, n, true) }},
		Shape{Name: "many-array-items", Make: func(n int) []byte { return fill(head+text+`,"`+f.array+`":["air"`, `,"air"`, `]}`, n, false) }},
		Shape{Name: "wrong-type-items", Make: func(n int) []byte { return fill(head+text+`,"flags":[1`, `,1`, `]}`, n, false) }},
		Shape{Name: "invalid-utf8-at-end", Make: func(n int) []byte {
			b := fill(head+text+`,"note":"`, "举", `"}`, n, true)
			b[len(b)-3] = 0xff
			return b
		}},
		Shape{Name: "unterminated", Make: func(n int) []byte { return fill(head+`"`+textField+`":"`, "a", "", n, true) }},
	)
	return out
}

// fill returns prefix + unit repeated + padding + suffix, exactly n bytes. The padding (less
// than one unit) is spaces, or 'x' inside a JSON string (inString).
func fill(prefix, unit, suffix string, n int, inString bool) []byte {
	room := n - len(prefix) - len(suffix)
	if room < 0 {
		panic(fmt.Sprintf("contracttest: %d bytes is too small for this shape (at least %d)", n, len(prefix)+len(suffix)))
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(prefix)
	b.WriteString(strings.Repeat(unit, room/len(unit)))
	pad := " "
	if inString {
		pad = "x"
	}
	b.WriteString(strings.Repeat(pad, room%len(unit)))
	b.WriteString(suffix)
	return []byte(b.String())
}

// nested returns prefix + open×k + core + close×k + spaces + suffix, exactly n bytes, as deep
// as the bytes allow.
func nested(prefix, open, core, closing, suffix string, n int) []byte {
	room := n - len(prefix) - len(core) - len(suffix)
	k := room / (len(open) + len(closing))
	return []byte(prefix + strings.Repeat(open, k) + core + strings.Repeat(closing, k) +
		strings.Repeat(" ", room-k*(len(open)+len(closing))) + suffix)
}
