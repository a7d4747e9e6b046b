package simulate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/ecowatch/ecowatch/contract"
)

// Kinds of malformed message. Each is rejected by contract.Validator with one code:
//
//	not_json        not_json        truncated JSON, plain text, or a JSON array
//	wrong_schema    unknown_schema  "schema" of another version
//	missing_field   missing_field   an empty required field (content; a closure without finding)
//	bad_enum        bad_enum        a channel, category or event type outside the contract
//	unknown_region  bad_region      region or org code 999999
//	invalid_utf8    invalid_utf8    bytes that are not UTF-8 inside a text
//	future_time     bad_time        a timestamp a year after the end of the stream
//	wrong_type      wrong_type      a number sent as a string
const (
	MalformedNotJSON       = "not_json"
	MalformedWrongSchema   = "wrong_schema"
	MalformedMissingField  = "missing_field"
	MalformedBadEnum       = "bad_enum"
	MalformedUnknownRegion = "unknown_region"
	MalformedInvalidUTF8   = "invalid_utf8"
	MalformedFutureTime    = "future_time"
	MalformedWrongType     = "wrong_type"
)

// MalformedKinds lists the kinds in a stable order.
var MalformedKinds = []string{
	MalformedNotJSON, MalformedWrongSchema, MalformedMissingField, MalformedBadEnum,
	MalformedUnknownRegion, MalformedInvalidUTF8, MalformedFutureTime, MalformedWrongType,
}

// malformed queues one malformed message modelled on rep: four in five on reports.v1, the rest
// on case-events.v1. Its report id is rep's with a sequence in the 9xxxxx range, so it never
// collides with a valid report; its key is bad-<n>.
func (g *generator) malformed(r *rand.Rand, rep *contract.Report, at time.Time) {
	g.badN++
	key := "bad-" + strconv.Itoa(g.badN)
	kind := MalformedKinds[r.IntN(len(MalformedKinds))]
	id := rep.ReportID[:len(rep.ReportID)-6] + fmt.Sprintf("9%05d", g.badN%100000)
	var value []byte
	topic := TopicReports
	if r.IntN(5) == 0 {
		topic = TopicCaseEvents
		value = g.badEvent(r, kind, rep, id, at)
	} else {
		value = g.badReport(r, kind, rep, id)
	}
	g.push(at, &pendingMessage{Message: Message{Topic: topic, Key: key, Value: value, Time: at}, kind: kind})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("simulate: encode %T: %v", v, err)) // the types are fixed
	}
	return b
}

func (g *generator) futureStamp() string {
	return contract.NewTime(g.cfg.To.AddDate(1, 0, 0)).Format(time.RFC3339)
}

func (g *generator) badReport(r *rand.Rand, kind string, orig *contract.Report, id string) []byte {
	rep := *orig
	rep.ReportID = id
	switch kind {
	case MalformedMissingField:
		rep.Content = ""
	case MalformedBadEnum:
		if r.IntN(2) == 0 {
			rep.Channel = pick(r, []string{"sms", "weibo", "12345"})
		} else {
			rep.Category = pick(r, []string{"light", "smell", "traffic"})
		}
	case MalformedUnknownRegion:
		rep.RegionCode = "999999"
	}
	b := mustJSON(&rep)
	switch kind {
	case MalformedNotJSON:
		switch r.IntN(3) {
		case 0:
			return cut(b, len(b)/2) // cut off mid-message
		case 1:
			return []byte("举报内容：" + clipRunes(orig.Content, 30))
		default:
			return []byte(`[` + string(b) + `]`)
		}
	case MalformedWrongSchema:
		return bytes.Replace(b, []byte(`"schema":"reports.v1"`), []byte(`"schema":"`+pick(r, []string{"reports.v0", "report", "reports.v2"})+`"`), 1)
	case MalformedInvalidUTF8:
		return corruptUTF8(r, b)
	case MalformedFutureTime:
		return bytes.Replace(b, []byte(`"received_at":"`+orig.ReceivedAt.Format(time.RFC3339)+`"`), []byte(`"received_at":"`+g.futureStamp()+`"`), 1)
	case MalformedWrongType:
		if r.IntN(2) == 0 {
			return bytes.Replace(b, []byte(`"version":1,`), []byte(`"version":"1",`), 1)
		}
		return bytes.Replace(b, []byte(`"kind":"`), []byte(`"co_reporters":"很多","kind":"`), 1)
	}
	return b
}

func (g *generator) badEvent(r *rand.Rand, kind string, rep *contract.Report, id string, at time.Time) []byte {
	ev := contract.CaseEvent{
		Schema: contract.SchemaCaseEvents, EventID: "evt-" + id + "-1", ReportID: id,
		Type: contract.EventAccepted, At: contract.NewTime(at), OrgCode: rep.IntakeOrg,
		Summary: "已受理，正在调查核实。",
	}
	switch kind {
	case MalformedMissingField:
		ev.Type = contract.EventClosed // without a finding
	case MalformedBadEnum:
		ev.Type = pick(r, []string{"finished", "done", "accept"})
	case MalformedUnknownRegion:
		ev.OrgCode = "999999"
	}
	b := mustJSON(&ev)
	switch kind {
	case MalformedNotJSON:
		if r.IntN(2) == 0 {
			return cut(b, len(b)*2/3)
		}
		return []byte("{schema: case-events.v1, report_id: " + id + "}")
	case MalformedWrongSchema:
		return bytes.Replace(b, []byte(`"schema":"case-events.v1"`), []byte(`"schema":"case-events.v0"`), 1)
	case MalformedInvalidUTF8:
		return corruptUTF8(r, b)
	case MalformedFutureTime:
		return bytes.Replace(b, []byte(`"at":"`+ev.At.Format(time.RFC3339)+`"`), []byte(`"at":"`+g.futureStamp()+`"`), 1)
	case MalformedWrongType:
		return bytes.Replace(b, []byte(`"type":"`), []byte(`"extension_days":"三十","type":"`), 1)
	}
	return b
}

// corruptUTF8 replaces bytes in the middle of a multi-byte character with bytes that are
// never valid UTF-8.
func corruptUTF8(r *rand.Rand, b []byte) []byte {
	out := append([]byte(nil), b...)
	var starts []int
	for i, c := range out {
		if c >= 0xE0 && c < 0xF0 {
			starts = append(starts, i)
		}
	}
	if len(starts) == 0 {
		return append(out[:len(out)-1], 0xFF, '}')
	}
	i := starts[r.IntN(len(starts))]
	out[i] = 0xFF
	if i+1 < len(out) {
		out[i+1] = 0xFE
	}
	return out
}

// cut truncates b to at most n bytes on a character boundary, so that the result is valid
// UTF-8 and fails only as JSON.
func cut(b []byte, n int) []byte {
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return b[:n]
}

func clipRunes(s string, n int) string {
	rs := []rune(s)
	if len(rs) > n {
		rs = rs[:n]
	}
	return string(rs)
}
