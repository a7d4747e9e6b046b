package contract

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/ecowatch/ecowatch/calendar"
)

// Validator decodes and checks messages against the v1 contracts.
// The zero value is not usable: Regions is required.
type Validator struct {
	// Regions answers whether a region or organisation code exists in GB/T 2260.
	Regions RegionChecker
	// Now returns the current time; timestamps later than Now()+MaxFuture are rejected.
	// Default: time.Now.
	Now func() time.Time
	// MaxFuture is the tolerated clock skew of producers. Default: 24h.
	MaxFuture time.Duration
	// Earliest is the oldest timestamp accepted. Default: 2000-01-01 Asia/Shanghai (the 12369
	// hotline was set up in 2009; older records from petition archives are still possible).
	Earliest time.Time
}

func (v *Validator) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Validator) checkTime(field string, t Time, required bool) *Error {
	if !t.present() {
		if required {
			return errf(CodeMissingField, field, "缺少必填字段 %s", field)
		}
		return nil
	}
	if t.IsZero() {
		return errf(CodeBadTime, field, "字段 %s 不是有效的时间（应为 RFC 3339，例如 2026-03-15T09:12:33+08:00）：%q", field, clip(t.raw, 40))
	}
	earliest := v.Earliest
	if earliest.IsZero() {
		earliest = time.Date(2000, 1, 1, 0, 0, 0, 0, calendar.Shanghai)
	}
	maxFuture := v.MaxFuture
	if maxFuture == 0 {
		maxFuture = 24 * time.Hour
	}
	if t.Before(earliest) {
		return errf(CodeBadTime, field, "字段 %s 的时间 %s 早于可接受的最早时间 %s", field, t.Format(time.RFC3339), earliest.Format("2006-01-02"))
	}
	if t.After(v.now().Add(maxFuture)) {
		return errf(CodeBadTime, field, "字段 %s 的时间 %s 晚于当前时间超过 %s，疑似时钟错误", field, t.Format(time.RFC3339), chineseDuration(maxFuture))
	}
	return nil
}

// CheckSize rejects a message larger than MaxMessageBytes. Ingest calls it before any other
// work on a message (the decoders call it too); the reason names the limit.
func CheckSize(b []byte) *Error {
	if len(b) > MaxMessageBytes {
		return errf(CodeTooLarge, "", "消息长度 %d 字节，超过单条消息上限 %d 字节（%d KiB），未作解析", len(b), MaxMessageBytes, MaxMessageBytes>>10)
	}
	return nil
}

// precheck applies the checks every message gets before JSON decoding.
func precheck(b []byte) *Error {
	if e := CheckSize(b); e != nil {
		return e
	}
	if !utf8.Valid(b) {
		return errf(CodeInvalidUTF8, "", "消息不是有效的 UTF-8 编码")
	}
	return nil
}

// decodeJSON maps encoding/json failures to contract errors.
func decodeJSON(b []byte, v any) *Error {
	err := json.Unmarshal(b, v)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		// Value is "number 1000…" with the whole literal: quote a bounded part of it.
		value := clip(typeErr.Value, 40)
		if typeErr.Field == "" {
			return errf(CodeNotJSON, "", "消息不是 JSON 对象（收到 %s）", value)
		}
		// encoding/json names the embedded struct of DecodeReport's wire type in the path.
		field := strings.TrimPrefix(typeErr.Field, "reportFields.")
		if strings.HasPrefix(field, "reporter.") {
			field = "reporter" // never hint at identity values
		}
		return errf(CodeWrongType, field, "字段 %s 的类型错误：收到 %s，应为 %s", field, value, typeName(typeErr.Type.Kind().String()))
	}
	var syntaxErr *json.SyntaxError
	if errors.As(err, &syntaxErr) {
		return errf(CodeNotJSON, "", "JSON 格式错误（第 %d 字节附近）：%s", syntaxErr.Offset, syntaxErr.Error())
	}
	return errf(CodeNotJSON, "", "无法解析 JSON：%s", clip(err.Error(), 120))
}

func typeName(kind string) string {
	switch kind {
	case "string":
		return "字符串"
	case "uint32", "int32", "int", "int64", "uint64", "float64":
		return "数字"
	case "slice":
		return "数组"
	case "ptr", "struct":
		return "对象"
	case "bool":
		return "布尔值"
	}
	return kind
}

func required(field, value string) *Error {
	if strings.TrimSpace(value) == "" {
		return errf(CodeMissingField, field, "缺少必填字段 %s", field)
	}
	return nil
}

func oneOf(field, value string, allowed []string) *Error {
	if !slices.Contains(allowed, value) {
		return errf(CodeBadEnum, field, "字段 %s 的值 %q 不在允许范围内（允许：%s）", field, clip(value, 40), strings.Join(allowed, ", "))
	}
	return nil
}

// maxLen checks a text field's length in characters. It never quotes the value, so it is safe
// for reporter identity fields.
func maxLen(field, value string, limit int) *Error {
	if len(value) <= limit {
		return nil // a character is at least one byte
	}
	if n := utf8.RuneCountInString(value); n > limit {
		return errf(CodeTooLong, field, "字段 %s 长度 %d 字符，超过上限 %d", field, n, limit)
	}
	return nil
}

// checkID validates report_id, event_id and merged_into: 1–64 characters of [A-Za-z0-9._:-],
// starting with a letter or digit.
func checkID(field, id string) *Error {
	if id == "" {
		return errf(CodeMissingField, field, "缺少必填字段 %s", field)
	}
	if len(id) > 64 {
		return errf(CodeBadID, field, "字段 %s 长度超过 64 个字符", field)
	}
	for i, r := range id {
		ok := r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || (i > 0 && strings.ContainsRune("._:-", r)))
		if !ok {
			return errf(CodeBadID, field, "字段 %s 含有不允许的字符（只允许字母、数字和 . _ : -，且以字母或数字开头）：%q", field, clip(id, 64))
		}
	}
	return nil
}

func (v *Validator) checkRegion(field, code string, required bool) *Error {
	if code == "" {
		if required {
			return errf(CodeMissingField, field, "缺少必填字段 %s", field)
		}
		return nil
	}
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return errf(CodeBadRegion, field, "字段 %s 应为 6 位行政区划代码（GB/T 2260），收到 %q", field, clip(code, 20))
	}
	if !v.Regions.Valid(code) {
		return errf(CodeBadRegion, field, "字段 %s 的行政区划代码 %s 不存在（GB/T 2260）", field, code)
	}
	return nil
}

// DecodeReport decodes and validates one reports.v1 message.
//
// The fast decoder (scanReport) reads what producers send; whatever it declines is decoded by
// encoding/json (decodeReportJSON), which gives the same value, or the error with its reason.
func (v *Validator) DecodeReport(b []byte) (*Report, error) {
	return v.decodeReport(b, string(b))
}

// DecodeReportShared is DecodeReport for bytes that are not written again while the report
// is in use (ingest: its batch's copy of the message, reused only once the batch is written):
// the report's strings share b's memory instead of copying it.
func (v *Validator) DecodeReportShared(b []byte) (*Report, error) {
	return v.decodeReport(b, shared(b))
}

// decodeReport decodes b, whose bytes s holds as a string.
func (v *Validator) decodeReport(b []byte, s string) (*Report, error) {
	if e := precheck(b); e != nil {
		return nil, e
	}
	r, ok := scanReport(s)
	if !ok {
		var e *Error
		if r, e = decodeReportJSON(b); e != nil {
			return nil, e
		}
	}
	if r.Schema != SchemaReports {
		return nil, errf(CodeUnknownSchema, "schema", "schema 应为 %q，收到 %q", SchemaReports, clip(r.Schema, 40))
	}
	if e := v.validateReport(r); e != nil {
		return nil, e
	}
	return r, nil
}

// decodeReportJSON decodes a reports.v1 message with encoding/json: the reference the fast
// decoder agrees with, and the source of every decoding error's reason.
func decodeReportJSON(b []byte) (*Report, *Error) {
	// The lists are read after the rest: encoding/json does costly work for each item of the
	// wrong type, so an array of a hundred thousand items must be refused by its length
	// before any item is decoded (a 256 KiB message of them took 35 ms; now well under 1 ms).
	var w struct {
		reportFields
		Categories json.RawMessage `json:"categories"`
		Flags      json.RawMessage `json:"flags"`
	}
	if e := decodeJSON(b, &w); e != nil {
		return nil, e
	}
	r := Report(w.reportFields)
	var e *Error
	if r.Categories, e = decodeList("categories", w.Categories, len(Categories)); e != nil {
		return nil, e
	}
	if r.Flags, e = decodeList("flags", w.Flags, len(Flags)); e != nil {
		return nil, e
	}
	return &r, nil
}

// reportFields is Report for decoding, with its lists shadowed.
type reportFields Report

// decodeList decodes a list of strings of at most limit items. The items are counted before
// any is decoded, so the work is linear with a small constant however long the list is.
func decodeList(field string, raw json.RawMessage, limit int) ([]string, *Error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	n := arrayLen(raw)
	if n < 0 {
		return nil, errf(CodeWrongType, field, "字段 %s 的类型错误：收到 %s，应为 数组", field, jsonKind(raw))
	}
	if n > limit {
		return nil, errf(CodeBadValue, field, "%s 有 %d 项，最多 %d 项", field, n, limit)
	}
	var out []string
	if err := json.Unmarshal(raw, &out); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, errf(CodeWrongType, field, "字段 %s 的类型错误：收到 %s，应为 字符串", field, clip(typeErr.Value, 40))
		}
		return nil, errf(CodeNotJSON, field, "无法解析 JSON：%s", clip(err.Error(), 120))
	}
	return out, nil
}

// arrayLen counts the items of raw, valid JSON, without decoding them; -1 if it is not an
// array.
func arrayLen(raw []byte) int {
	if raw[0] != '[' {
		return -1
	}
	depth, commas, empty, inString := 0, 0, true, false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if inString {
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			inString = true
		case '[', '{':
			depth++
		case ']', '}':
			depth--
		case ',':
			if depth == 1 {
				commas++
			}
		}
		if depth >= 1 && !(depth == 1 && c == '[') {
			empty = false
		}
	}
	if empty {
		return 0
	}
	return commas + 1
}

// jsonKind names the kind of a JSON value as encoding/json's errors do.
func jsonKind(raw []byte) string {
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case 't', 'f':
		return "bool"
	}
	return "number"
}

// canon trims and lower-cases an enumerated value, so "WeChat " is read as "wechat".
func canon(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func (v *Validator) validateReport(r *Report) *Error {
	r.Kind, r.Channel, r.Category = canon(r.Kind), canon(r.Channel), canon(r.Category)
	r.ReportID, r.RegionCode, r.IntakeOrg = strings.TrimSpace(r.ReportID), strings.TrimSpace(r.RegionCode), strings.TrimSpace(r.IntakeOrg)
	for i := range r.Categories {
		r.Categories[i] = canon(r.Categories[i])
	}
	for i := range r.Flags {
		r.Flags[i] = canon(r.Flags[i])
	}
	checks := []func() *Error{
		func() *Error { return checkID("report_id", r.ReportID) },
		func() *Error {
			if r.Version == 0 {
				return errf(CodeMissingField, "version", "缺少必填字段 version（从 1 开始的整数）")
			}
			return nil
		},
		func() *Error { return firstErr(required("kind", r.Kind), oneOf("kind", r.Kind, Kinds)) },
		func() *Error { return firstErr(required("channel", r.Channel), oneOf("channel", r.Channel, Channels)) },
		func() *Error { return v.checkTime("received_at", r.ReceivedAt, true) },
		func() *Error { return v.checkRegion("region_code", r.RegionCode, true) },
		func() *Error {
			return firstErr(required("category", r.Category), oneOf("category", r.Category, Categories))
		},
		func() *Error {
			if len(r.Categories) > len(Categories) {
				return errf(CodeBadValue, "categories", "categories 有 %d 项，最多 %d 项", len(r.Categories), len(Categories))
			}
			for _, c := range r.Categories {
				if e := oneOf("categories", c, Categories); e != nil {
					return e
				}
			}
			return nil
		},
		func() *Error { return maxLen("subcategory", r.Subcategory, 64) },
		func() *Error { return maxLen("title", r.Title, 200) },
		func() *Error { return firstErr(required("content", r.Content), maxLen("content", r.Content, 20000)) },
		func() *Error { return checkLocation(r.Location) },
		func() *Error { return checkTarget(r.Target) },
		func() *Error { return checkReporter(r.Reporter) },
		func() *Error {
			if r.CoReporters > 1_000_000 {
				return errf(CodeBadValue, "co_reporters", "co_reporters 为 %d，超出合理范围（≤ 1000000）", r.CoReporters)
			}
			return nil
		},
		func() *Error {
			if len(r.Flags) > len(Flags) {
				return errf(CodeBadValue, "flags", "flags 有 %d 项，最多 %d 项", len(r.Flags), len(Flags))
			}
			for _, f := range r.Flags {
				if e := oneOf("flags", f, Flags); e != nil {
					return e
				}
			}
			return nil
		},
		func() *Error { return v.checkRegion("intake_org", r.IntakeOrg, false) },
	}
	for _, c := range checks {
		if e := c(); e != nil {
			return e
		}
	}
	return nil
}

func checkLocation(l *Location) *Error {
	if l == nil {
		return nil
	}
	if (l.Lat == nil) != (l.Lon == nil) {
		return errf(CodeBadValue, "location", "location 的 lat 与 lon 必须同时给出")
	}
	if l.Lat != nil {
		lat, lon := *l.Lat, *l.Lon
		// The bounding box of China's territory including the South China Sea islands.
		if math.IsNaN(lat) || math.IsNaN(lon) || lat < 3 || lat > 54 || lon < 73 || lon > 136 {
			return errf(CodeBadValue, "location", "坐标 (%.4f, %.4f) 不在中国境内的合理范围（纬度 3–54，经度 73–136）", lat, lon)
		}
	}
	return maxLen("location.address", l.Address, 300)
}

func checkTarget(t *Target) *Error {
	if t == nil {
		return nil
	}
	return firstErr(
		maxLen("target.name", t.Name, 200),
		maxLen("target.credit_code", t.CreditCode, 32),
		maxLen("target.address", t.Address, 300),
		maxLen("target.industry", t.Industry, 64),
	)
}

func checkReporter(r *Reporter) *Error {
	if r == nil {
		return nil
	}
	return firstErr(
		maxLen("reporter.name", r.Name, 64),
		maxLen("reporter.phone", r.Phone, 32),
		maxLen("reporter.id_number", r.IDNumber, 32),
		maxLen("reporter.email", r.Email, 128),
		maxLen("reporter.address", r.Address, 300),
	)
}

// DecodeCaseEvent decodes and validates one case-events.v1 message (the fast decoder first,
// as DecodeReport).
func (v *Validator) DecodeCaseEvent(b []byte) (*CaseEvent, error) {
	return v.decodeCaseEvent(b, string(b))
}

// DecodeCaseEventShared is DecodeCaseEvent for bytes that are not written again while the
// event is in use: the event's strings share b's memory instead of copying it.
func (v *Validator) DecodeCaseEventShared(b []byte) (*CaseEvent, error) {
	return v.decodeCaseEvent(b, shared(b))
}

// decodeCaseEvent decodes b, whose bytes s holds as a string.
func (v *Validator) decodeCaseEvent(b []byte, s string) (*CaseEvent, error) {
	if e := precheck(b); e != nil {
		return nil, e
	}
	ev, ok := scanCaseEvent(s)
	if !ok {
		var e *Error
		if ev, e = decodeCaseEventJSON(b); e != nil {
			return nil, e
		}
	}
	if ev.Schema != SchemaCaseEvents {
		return nil, errf(CodeUnknownSchema, "schema", "schema 应为 %q，收到 %q", SchemaCaseEvents, clip(ev.Schema, 40))
	}
	if e := v.validateEvent(ev); e != nil {
		return nil, e
	}
	return ev, nil
}

// decodeCaseEventJSON decodes a case-events.v1 message with encoding/json (see
// decodeReportJSON).
func decodeCaseEventJSON(b []byte) (*CaseEvent, *Error) {
	var ev CaseEvent
	if e := decodeJSON(b, &ev); e != nil {
		return nil, e
	}
	return &ev, nil
}

func (v *Validator) validateEvent(ev *CaseEvent) *Error {
	ev.Type, ev.Finding = canon(ev.Type), canon(ev.Finding)
	ev.EventID, ev.ReportID, ev.MergedInto = strings.TrimSpace(ev.EventID), strings.TrimSpace(ev.ReportID), strings.TrimSpace(ev.MergedInto)
	ev.OrgCode, ev.ToOrgCode = strings.TrimSpace(ev.OrgCode), strings.TrimSpace(ev.ToOrgCode)
	e := firstErr(
		checkID("event_id", ev.EventID),
		checkID("report_id", ev.ReportID),
		required("type", ev.Type),
		oneOf("type", ev.Type, EventTypes),
		v.checkTime("at", ev.At, true),
		v.checkRegion("org_code", ev.OrgCode, false),
		v.checkRegion("to_org_code", ev.ToOrgCode, false),
		maxLen("reason", ev.Reason, 500),
		maxLen("summary", ev.Summary, 5000),
	)
	if e != nil {
		return e
	}
	if ev.ExtensionDays < 0 || ev.ExtensionDays > MaxExtensionDays {
		return errf(CodeBadValue, "extension_days", "extension_days 为 %d，应在 0–%d 之间", ev.ExtensionDays, MaxExtensionDays)
	}
	switch ev.Type {
	case EventRejected:
		return required("reason", ev.Reason)
	case EventTransferred:
		return v.checkRegion("to_org_code", ev.ToOrgCode, true)
	case EventExtensionApproved:
		if ev.ExtensionDays == 0 {
			return errf(CodeMissingField, "extension_days", "extension_approved 事件必须给出 extension_days（大于 0）")
		}
	case EventClosed: // 12369 Art. 12: the result states the finding and how it was handled
		return firstErr(required("finding", ev.Finding), oneOf("finding", ev.Finding, Findings), required("summary", ev.Summary))
	case EventMerged:
		if e := checkID("merged_into", ev.MergedInto); e != nil {
			return e
		}
		if ev.MergedInto == ev.ReportID {
			return errf(CodeBadValue, "merged_into", "merged_into 不能是本件自身")
		}
	}
	if ev.Finding != "" {
		return oneOf("finding", ev.Finding, Findings)
	}
	return nil
}

func firstErr(errs ...*Error) *Error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// clip shortens s to at most n characters for quoting in an error.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// chineseDuration writes a tolerance such as 24h as "24 小时".
func chineseDuration(d time.Duration) string {
	if d >= time.Hour && d%time.Hour == 0 {
		return fmt.Sprintf("%d 小时", d/time.Hour)
	}
	return fmt.Sprintf("%d 分钟", d/time.Minute)
}

// shared views b as a string without copying it; b must not be written while the string is in use.
func shared(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
