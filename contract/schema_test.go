package contract

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ecowatch/ecowatch/region"
)

// The documentation this file keeps honest: docs/contracts/ (README, JSON Schemas, examples).
const contractsDir = "../docs/contracts"

// cst is Asia/Shanghai for expectations (China has kept UTC+8 without DST since 1991).
var cst = time.FixedZone("CST", 8*3600)

// fixedNow is "now" for the validator unit tests, so that the future bound is deterministic.
var fixedNow = time.Date(2026, 11, 1, 12, 0, 0, 0, cst)

// newTestValidator checks region codes against the real GB/T 2260 table (region does not
// import contract, so there is no cycle).
func newTestValidator() *Validator {
	return &Validator{Regions: region.Default(), Now: func() time.Time { return fixedNow }}
}

// anyRegion accepts every code, to test the format check of region codes on its own.
type anyRegion struct{}

func (anyRegion) Valid(string) bool { return true }

// ---------------------------------------------------------------------------------------------
// Schema loading and navigation

func loadJSONFile(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(contractsDir, name))
	if err != nil {
		t.Fatalf("reading %s: %v", name, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("parsing %s: %v", name, err)
	}
	return m
}

// resolve follows a local "$ref" ("#/$defs/name") to the schema it names.
func resolve(t *testing.T, root, s map[string]any) map[string]any {
	t.Helper()
	for i := 0; i < 10; i++ {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		name, ok := strings.CutPrefix(ref, "#/$defs/")
		if !ok {
			t.Fatalf("unsupported $ref %q", ref)
		}
		defs, _ := root["$defs"].(map[string]any)
		next, ok := defs[name].(map[string]any)
		if !ok {
			t.Fatalf("$ref %q: no such definition", ref)
		}
		s = next
	}
	t.Fatalf("$ref chain too long")
	return nil
}

// node returns the schema at a dotted path of property names; "name[]" steps into the items of
// an array property. The empty path is the root.
func node(t *testing.T, root map[string]any, path string) map[string]any {
	t.Helper()
	s := root
	if path == "" {
		return s
	}
	for _, step := range strings.Split(path, ".") {
		name, items := strings.CutSuffix(step, "[]")
		props, _ := resolve(t, root, s)["properties"].(map[string]any)
		next, ok := props[name].(map[string]any)
		if !ok {
			t.Fatalf("schema has no property %q (path %q)", name, path)
		}
		s = resolve(t, root, next)
		if items {
			it, ok := s["items"].(map[string]any)
			if !ok {
				t.Fatalf("property %q has no items schema", path)
			}
			s = resolve(t, root, it)
		}
	}
	return s
}

func stringList(t *testing.T, v any) []string {
	t.Helper()
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		t.Fatalf("expected an array, got %T", v)
	}
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, ok := x.(string)
		if !ok {
			t.Fatalf("expected strings, got %T", x)
		}
		out = append(out, s)
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

func sameSet(a, b []string) bool { return slices.Equal(sorted(a), sorted(b)) }

// ---------------------------------------------------------------------------------------------
// Go types

type jsonField struct {
	name      string
	omitempty bool
	typ       reflect.Type
}

var timeType = reflect.TypeOf(Time{})

func jsonFields(t reflect.Type) []jsonField {
	var out []jsonField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		out = append(out, jsonField{name: name, omitempty: slices.Contains(strings.Split(opts, ","), "omitempty"), typ: f.Type})
	}
	return out
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func schemaTypes(s map[string]any) []string {
	switch v := s["type"].(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, x.(string))
		}
		return out
	}
	// enum / const without "type": infer from the values.
	var vals []any
	if e, ok := s["enum"].([]any); ok {
		vals = e
	}
	if c, ok := s["const"]; ok {
		vals = append(vals, c)
	}
	kinds := map[string]bool{}
	for _, v := range vals {
		switch v.(type) {
		case string:
			kinds["string"] = true
		case float64:
			kinds["number"] = true
		case bool:
			kinds["boolean"] = true
		}
	}
	var out []string
	for k := range kinds {
		out = append(out, k)
	}
	return out
}

// wantSchemaType is the JSON Schema type a Go field encodes as.
func wantSchemaType(t reflect.Type) string {
	t = deref(t)
	switch {
	case t == timeType:
		return "string"
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return "string" // []byte: base64
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice:
		return "array"
	case reflect.Struct:
		return "object"
	}
	return t.Kind().String()
}

// walkSchema checks that the properties of schema s are exactly the JSON names of goType's
// fields, that each has the JSON type the Go field encodes as, that "required" lists exactly
// the fields without omitempty, and recurses into nested objects and arrays of objects.
func walkSchema(t *testing.T, root, s map[string]any, goType reflect.Type, path string) {
	t.Helper()
	goType = deref(goType)
	s = resolve(t, root, s)
	props, _ := s["properties"].(map[string]any)
	fields := jsonFields(goType)

	var goNames, schemaNames, notOmitted []string
	for _, f := range fields {
		goNames = append(goNames, f.name)
		if !f.omitempty {
			notOmitted = append(notOmitted, f.name)
		}
	}
	for k := range props {
		schemaNames = append(schemaNames, k)
	}
	where := path
	if where == "" {
		where = "(root)"
	}
	if !sameSet(goNames, schemaNames) {
		t.Errorf("%s: schema properties %v, Go %s JSON fields %v", where, sorted(schemaNames), goType.Name(), sorted(goNames))
	}
	if got := stringList(t, s["required"]); !sameSet(got, notOmitted) {
		t.Errorf("%s: schema required %v, Go %s fields without omitempty %v", where, sorted(got), goType.Name(), sorted(notOmitted))
	}
	if !slices.Contains(schemaTypes(s), "object") {
		t.Errorf("%s: schema type %v, want object", where, schemaTypes(s))
	}

	for _, f := range fields {
		ps, ok := props[f.name].(map[string]any)
		if !ok {
			continue // reported above
		}
		ps = resolve(t, root, ps)
		sub := f.name
		if path != "" {
			sub = path + "." + f.name
		}
		want := wantSchemaType(f.typ)
		if got := schemaTypes(ps); !slices.Contains(got, want) {
			t.Errorf("%s: schema type %v, Go field %s encodes as %s", sub, got, f.typ, want)
		}
		ft := deref(f.typ)
		switch {
		case ft == timeType:
			if _, ok := ps["pattern"]; !ok {
				t.Errorf("%s: a timestamp should carry the timestamp pattern", sub)
			}
		case ft.Kind() == reflect.Struct:
			walkSchema(t, root, ps, ft, sub)
		case ft.Kind() == reflect.Slice && deref(ft.Elem()).Kind() == reflect.Struct && deref(ft.Elem()) != timeType:
			items, ok := ps["items"].(map[string]any)
			if !ok {
				t.Errorf("%s: array of %s without items schema", sub, ft.Elem())
				continue
			}
			walkSchema(t, root, items, ft.Elem(), sub+"[]")
		}
	}
}

var schemaFiles = []struct {
	file   string
	schema string
	typ    reflect.Type
}{
	{"reports.v1.schema.json", SchemaReports, reflect.TypeOf(Report{})},
	{"case-events.v1.schema.json", SchemaCaseEvents, reflect.TypeOf(CaseEvent{})},
	{"warnings.v1.schema.json", SchemaWarnings, reflect.TypeOf(Warning{})},
	{"dlq.v1.schema.json", SchemaDLQ, reflect.TypeOf(DeadLetter{})},
}

func TestSchemaPropertiesMatchGoTypes(t *testing.T) {
	for _, sf := range schemaFiles {
		t.Run(sf.file, func(t *testing.T) {
			root := loadJSONFile(t, sf.file)
			if got := root["$schema"]; got != "https://json-schema.org/draft/2020-12/schema" {
				t.Errorf("$schema = %v, want draft 2020-12", got)
			}
			if got := root["title"]; got != sf.schema {
				t.Errorf("title = %v, want %s", got, sf.schema)
			}
			if got := node(t, root, "schema")["const"]; got != sf.schema {
				t.Errorf("properties.schema.const = %v, want %s", got, sf.schema)
			}
			walkSchema(t, root, root, sf.typ, "")
		})
	}
}

// TestSchemaRequired pins the required lists to what validate.go treats as required (for the
// inputs) and to what ecowatch always writes (for the outputs).
func TestSchemaRequired(t *testing.T) {
	cases := []struct {
		file, path string
		want       []string
	}{
		// validateReport: checkID(report_id), version != 0, required(kind/channel/category/content),
		// checkTime(received_at, required), checkRegion(region_code, required); schema by DecodeReport.
		{"reports.v1.schema.json", "", []string{"schema", "report_id", "version", "kind", "channel", "received_at", "region_code", "category", "content"}},
		{"reports.v1.schema.json", "location", nil}, // lat and lon only together: dependentRequired
		{"reports.v1.schema.json", "target", nil},
		{"reports.v1.schema.json", "reporter", nil},
		// validateEvent: checkID(event_id, report_id), required(type), checkTime(at, required).
		{"case-events.v1.schema.json", "", []string{"schema", "event_id", "report_id", "type", "at"}},
		{"warnings.v1.schema.json", "", []string{"schema", "warning_id", "revision", "kind", "status", "level", "title", "region_codes", "recipients", "window", "evidence", "report_ids", "issued_at"}},
		{"warnings.v1.schema.json", "recipients[]", []string{"org_code", "org_name", "role"}},
		{"warnings.v1.schema.json", "recipients[].downstream", []string{"river", "distance_km", "arrival_from", "arrival_to"}},
		{"warnings.v1.schema.json", "window", []string{"from", "to"}},
		{"warnings.v1.schema.json", "evidence", []string{"observed"}},
		{"dlq.v1.schema.json", "", []string{"schema", "source_topic", "source_partition", "source_offset", "key", "value", "error", "failed_at"}},
		{"dlq.v1.schema.json", "error", []string{"code", "reason"}},
	}
	for _, c := range cases {
		root := loadJSONFile(t, c.file)
		if got := stringList(t, node(t, root, c.path)["required"]); !sameSet(got, c.want) {
			t.Errorf("%s %q: required %v, want %v", c.file, c.path, sorted(got), sorted(c.want))
		}
	}

	root := loadJSONFile(t, "reports.v1.schema.json")
	dep, _ := node(t, root, "location")["dependentRequired"].(map[string]any)
	if !slices.Equal(stringList(t, dep["lat"]), []string{"lon"}) || !slices.Equal(stringList(t, dep["lon"]), []string{"lat"}) {
		t.Errorf("location.dependentRequired = %v, want lat ↔ lon", dep)
	}
}

// TestSchemaEventConditions checks the if/then blocks of case-events.v1 against the
// type-specific requirements of validateEvent.
func TestSchemaEventConditions(t *testing.T) {
	want := map[string][]string{
		EventRejected:          {"reason"},
		EventTransferred:       {"to_org_code"},
		EventExtensionApproved: {"extension_days"},
		EventClosed:            {"finding", "summary"},
		EventMerged:            {"merged_into"},
	}
	root := loadJSONFile(t, "case-events.v1.schema.json")
	topProps, _ := root["properties"].(map[string]any)
	got := map[string][]string{}
	allOf, _ := root["allOf"].([]any)
	for i, x := range allOf {
		block, _ := x.(map[string]any)
		ifs, _ := block["if"].(map[string]any)
		then, _ := block["then"].(map[string]any)
		if ifs == nil || then == nil {
			t.Errorf("allOf[%d]: want an if/then block", i)
			continue
		}
		if !slices.Equal(stringList(t, ifs["required"]), []string{"type"}) {
			t.Errorf("allOf[%d]: the if must require type, or it matches messages without one", i)
		}
		ifProps, _ := ifs["properties"].(map[string]any)
		typ, _ := ifProps["type"].(map[string]any)
		name, ok := typ["const"].(string)
		if !ok || !slices.Contains(EventTypes, name) {
			t.Errorf("allOf[%d]: if.properties.type.const = %v, want an event type", i, typ["const"])
			continue
		}
		if _, dup := got[name]; dup {
			t.Errorf("two if/then blocks for %s", name)
		}
		got[name] = stringList(t, then["required"])
		thenProps, _ := then["properties"].(map[string]any)
		for k := range thenProps {
			if _, ok := topProps[k]; !ok {
				t.Errorf("then for %s constrains %q, which is not a top-level property", name, k)
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("if/then blocks for %v, want %v", got, want)
	}
	for typ, w := range want {
		if !sameSet(got[typ], w) {
			t.Errorf("%s requires %v in the schema, want %v", typ, got[typ], w)
		}
	}
}

// codesInErrorsGo lists every Code constant declared in errors.go, in order.
func codesInErrorsGo(t *testing.T) []Code {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var codes []Code
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Code" {
				continue
			}
			for _, v := range vs.Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Fatalf("errors.go: a Code constant that is not a string literal")
				}
				s, _ := strconv.Unquote(lit.Value)
				codes = append(codes, Code(s))
			}
		}
	}
	if len(codes) == 0 {
		t.Fatal("errors.go: no Code constants found")
	}
	return codes
}

func TestSchemaEnumsMatchGo(t *testing.T) {
	var codes []string
	for _, c := range codesInErrorsGo(t) {
		codes = append(codes, string(c))
	}
	cases := []struct {
		file, path string
		want       []string
	}{
		{"reports.v1.schema.json", "kind", Kinds},
		{"reports.v1.schema.json", "channel", Channels},
		{"reports.v1.schema.json", "category", Categories},
		{"reports.v1.schema.json", "categories[]", Categories},
		{"reports.v1.schema.json", "flags[]", Flags},
		{"case-events.v1.schema.json", "type", EventTypes},
		{"case-events.v1.schema.json", "finding", append(slices.Clone(Findings), "")}, // empty allowed except on closed
		{"warnings.v1.schema.json", "kind", []string{WarningCluster, WarningWatershed, WarningRepeat, WarningOverdue, WarningEmergency, WarningProcedure}},
		{"warnings.v1.schema.json", "status", []string{StatusOpen, StatusUpdated, StatusClosed}},
		{"warnings.v1.schema.json", "recipients[].role", []string{"bureau", "government", "basin_bureau"}},
		{"dlq.v1.schema.json", "error.code", codes},
	}
	for _, c := range cases {
		root := loadJSONFile(t, c.file)
		if got := stringList(t, node(t, root, c.path)["enum"]); !sameSet(got, c.want) {
			t.Errorf("%s %s: enum %v, want %v", c.file, c.path, got, c.want)
		}
	}

	// The closed-event branch narrows finding to the three real findings.
	root := loadJSONFile(t, "case-events.v1.schema.json")
	for _, x := range root["allOf"].([]any) {
		block := x.(map[string]any)
		if block["if"].(map[string]any)["properties"].(map[string]any)["type"].(map[string]any)["const"] != EventClosed {
			continue
		}
		f := block["then"].(map[string]any)["properties"].(map[string]any)["finding"].(map[string]any)
		if got := stringList(t, f["enum"]); !sameSet(got, Findings) {
			t.Errorf("closed: finding enum %v, want %v", got, Findings)
		}
	}
}

// TestReadmeListsEveryCode keeps the dead-letter code table in the README complete.
func TestReadmeListsEveryCode(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(contractsDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range codesInErrorsGo(t) {
		if !bytes.Contains(b, []byte("| `"+string(c)+"` |")) {
			t.Errorf("README.md: no table row for code %s", c)
		}
	}
}

// TestSchemaPatternsMatchValidator compiles the schemas' patterns (RE2 accepts these
// ECMA-262 patterns unchanged) and checks that they accept what the validator accepts.
func TestSchemaPatternsMatchValidator(t *testing.T) {
	reports := loadJSONFile(t, "reports.v1.schema.json")
	idPattern := node(t, reports, "report_id")["pattern"].(string)
	if idPattern != `^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$` {
		t.Errorf("report_id pattern = %q", idPattern)
	}
	for _, sf := range schemaFiles[1:] {
		root := loadJSONFile(t, sf.file)
		defs, _ := root["$defs"].(map[string]any)
		if id, ok := defs["id"].(map[string]any); ok && id["pattern"] != idPattern {
			t.Errorf("%s: $defs.id pattern %v differs from reports.v1", sf.file, id["pattern"])
		}
	}
	idRe := regexp.MustCompile(idPattern)
	ids := []string{
		"a", "Z", "0", "12369-440305-20260315-000123", "evt-000000981", "XF-320506-20260608-000041",
		"a.b_c:d-e", strings.Repeat("a", 64), strings.Repeat("a", 65), "", "-abc", ".abc", "_abc", ":abc",
		"a b", "a/b", "a#b", "报告-1", "ａbc", "abc\n", "a+b", "é",
	}
	for _, id := range ids {
		if schemaOK, goOK := idRe.MatchString(id), checkID("report_id", id) == nil; schemaOK != goOK {
			t.Errorf("id %q: schema pattern says %v, checkID says %v", id, schemaOK, goOK)
		}
	}

	regionRe := regexp.MustCompile(node(t, reports, "region_code")["pattern"].(string))
	optRegionRe := regexp.MustCompile(node(t, reports, "intake_org")["pattern"].(string))
	v := &Validator{Regions: anyRegion{}}
	for _, code := range []string{"440305", "000000", "44030", "4403050", "44030a", "４４０３０５", " 440305", "", "44 305"} {
		if schemaOK, goOK := regionRe.MatchString(code), v.checkRegion("region_code", code, true) == nil; schemaOK != goOK {
			t.Errorf("region %q: schema pattern says %v, checkRegion(required) says %v", code, schemaOK, goOK)
		}
		if schemaOK, goOK := optRegionRe.MatchString(code), v.checkRegion("intake_org", code, false) == nil; schemaOK != goOK {
			t.Errorf("region %q: optional schema pattern says %v, checkRegion(optional) says %v", code, schemaOK, goOK)
		}
	}

	// Timestamps: everything the schema pattern accepts must parse. (ParseTime is a little more
	// lenient — single-digit hours, a comma before fractions — which the schema does not
	// advertise.)
	tsRe := regexp.MustCompile(node(t, reports, "received_at")["pattern"].(string))
	stamps := []struct {
		s     string
		match bool
	}{
		{"2026-03-15T09:12:33+08:00", true},
		{"2026-03-15T01:12:33Z", true},
		{"2026-03-15T09:12:33.123456789+08:00", true},
		{"2026-03-15T09:12:33-05:00", true},
		{"2026-03-15T09:12:33", true},
		{"2026-03-15T09:12:33.5", true},
		{"2026-03-15 09:12:33", true},
		{"2026-03-15T09:12", true},
		{"2026-03-15 09:12", true},
		{"2026-03-15", false},
		{"2026-03-15 09:12:33+08:00", false},
		{"2026-03-15T09:12+08:00", false},
		{"2026-03-15T09:12:33+0800", false},
		{"2026-03-15T09:12:33z", false},
		{"2026/03/15 09:12:33", false},
		{"15/03/2026", false},
		{"1773537153", false},
	}
	for _, c := range stamps {
		match := tsRe.MatchString(c.s)
		if match != c.match {
			t.Errorf("timestamp %q: schema pattern match = %v, want %v", c.s, match, c.match)
		}
		if _, ok := ParseTime(c.s); match && !ok {
			t.Errorf("timestamp %q: the schema accepts it but ParseTime does not", c.s)
		} else if !match && ok {
			t.Errorf("timestamp %q: ParseTime accepts it but the schema does not", c.s)
		}
	}
	events := loadJSONFile(t, "case-events.v1.schema.json")
	if node(t, events, "at")["pattern"] != tsRe.String() {
		t.Errorf("case-events.v1 timestamp pattern differs from reports.v1")
	}
}

// setPath sets a dotted path in a decoded JSON object, creating objects on the way.
func setPath(m map[string]any, path string, v any) {
	steps := strings.Split(path, ".")
	for _, s := range steps[:len(steps)-1] {
		next, ok := m[s].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[s] = next
		}
		m = next
	}
	m[steps[len(steps)-1]] = v
}

func delPath(m map[string]any, path string) {
	steps := strings.Split(path, ".")
	for _, s := range steps[:len(steps)-1] {
		next, ok := m[s].(map[string]any)
		if !ok {
			return
		}
		m = next
	}
	delete(m, steps[len(steps)-1])
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// validReport and validEvent are valid messages as decoded JSON objects, for tests to mutate.
// Every reporter value contains "canary" so that leaks into error text are easy to spot.
func validReport() map[string]any {
	return map[string]any{
		"schema":      "reports.v1",
		"report_id":   "12369-440305-20260315-000123",
		"version":     1,
		"kind":        "report",
		"channel":     "wechat",
		"received_at": "2026-03-15T09:12:33+08:00",
		"region_code": "440305",
		"location":    map[string]any{"lat": 22.5871, "lon": 113.9562, "address": "深圳市南山区西丽街道大沙河留仙洞段"},
		"category":    "water",
		"categories":  []any{"water"},
		"subcategory": "工业废水",
		"title":       "河道出现大量黑色污水",
		"content":     "大沙河东岸雨水排口夜间排放黑色污水，气味刺鼻。",
		"target":      map[string]any{"name": "深圳市某某电镀科技有限公司", "credit_code": "91440300MA5XXXXXXX", "address": "深圳市南山区西丽街道", "industry": "金属制品业"},
		"reporter": map[string]any{
			"name": "canary-name", "phone": "canary-phone", "id_number": "canary-id",
			"email": "canary@example.com", "address": "canary-address", "anonymous": false,
		},
		"co_reporters": 0,
		"flags":        []any{},
		"intake_org":   "440300",
	}
}

func validEvent() map[string]any {
	return map[string]any{
		"schema":    "case-events.v1",
		"event_id":  "evt-000000981",
		"report_id": "12369-440305-20260315-000123",
		"type":      "accepted",
		"at":        "2026-03-16T10:20:00+08:00",
		"org_code":  "440300",
	}
}

func decodeAs(v *Validator, topic string, b []byte) error {
	if topic == "event" {
		_, err := v.DecodeCaseEvent(b)
		return err
	}
	_, err := v.DecodeReport(b)
	return err
}

// TestSchemaLimitsMatchValidator reads every maxLength, numeric bound and maxItems from the
// input schemas and checks that the validator accepts the bound and rejects one beyond it.
func TestSchemaLimitsMatchValidator(t *testing.T) {
	v := newTestValidator()
	type limitCase struct {
		topic, path string
		base        func() map[string]any
		fieldInErr  string // the field the validator names; path if empty
	}
	var cases []limitCase
	for _, p := range []string{"subcategory", "title", "content", "location.address", "target.name", "target.credit_code", "target.address", "target.industry", "reporter.name", "reporter.phone", "reporter.id_number", "reporter.email", "reporter.address"} {
		cases = append(cases, limitCase{"report", p, validReport, ""})
	}
	for _, p := range []string{"reason", "summary"} {
		cases = append(cases, limitCase{"event", p, validEvent, ""})
	}
	schemas := map[string]map[string]any{
		"report": loadJSONFile(t, "reports.v1.schema.json"),
		"event":  loadJSONFile(t, "case-events.v1.schema.json"),
	}

	// Every string property with a maxLength must be in the list above.
	for topic, root := range schemas {
		var walk func(prefix string, s map[string]any)
		walk = func(prefix string, s map[string]any) {
			props, _ := resolve(t, root, s)["properties"].(map[string]any)
			for k, ps := range props {
				ps := resolve(t, root, ps.(map[string]any))
				if _, ok := ps["maxLength"]; ok && !slices.ContainsFunc(cases, func(c limitCase) bool { return c.topic == topic && c.path == prefix+k }) {
					t.Errorf("%s %s%s has a maxLength this test does not exercise", topic, prefix, k)
				}
				if _, ok := ps["properties"]; ok {
					walk(prefix+k+".", ps)
				}
			}
		}
		walk("", root)
	}

	for _, c := range cases {
		max := int(node(t, schemas[c.topic], c.path)["maxLength"].(float64))
		m := c.base()
		setPath(m, c.path, strings.Repeat("水", max))
		if err := decodeAs(v, c.topic, mustJSON(t, m)); err != nil {
			t.Errorf("%s %s at maxLength %d: %v", c.topic, c.path, max, err)
		}
		setPath(m, c.path, strings.Repeat("水", max+1))
		err := decodeAs(v, c.topic, mustJSON(t, m))
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeTooLong || e.Field != c.path {
			t.Errorf("%s %s at maxLength+1: got %v, want too_long on %s", c.topic, c.path, err, c.path)
		}
	}

	numeric := []struct {
		topic, path string
		base        func() map[string]any
		step        float64
		field       string // the field the validator names
		belowCode   Code   // code below the minimum
		aboveCode   Code   // code above the maximum
	}{
		{"report", "version", validReport, 1, "version", CodeMissingField, CodeWrongType},
		{"report", "co_reporters", validReport, 1, "co_reporters", CodeWrongType, CodeBadValue},
		{"report", "location.lat", validReport, 0.001, "location", CodeBadValue, CodeBadValue},
		{"report", "location.lon", validReport, 0.001, "location", CodeBadValue, CodeBadValue},
		{"event", "extension_days", validEvent, 1, "extension_days", CodeBadValue, CodeBadValue},
	}
	for _, c := range numeric {
		s := node(t, schemas[c.topic], c.path)
		for _, bound := range []struct {
			key  string
			sign float64
			code Code
		}{{"minimum", -1, c.belowCode}, {"maximum", 1, c.aboveCode}} {
			lim, ok := s[bound.key].(float64)
			if !ok {
				t.Errorf("%s %s: no %s in the schema", c.topic, c.path, bound.key)
				continue
			}
			m := c.base()
			setPath(m, c.path, json.Number(strconv.FormatFloat(lim, 'f', -1, 64)))
			if err := decodeAs(v, c.topic, mustJSON(t, m)); err != nil {
				t.Errorf("%s %s = %s %v: %v", c.topic, c.path, bound.key, lim, err)
			}
			beyond := lim + bound.sign*c.step
			setPath(m, c.path, json.Number(strconv.FormatFloat(beyond, 'f', -1, 64)))
			err := decodeAs(v, c.topic, mustJSON(t, m))
			var e *Error
			if !errors.As(err, &e) || e.Code != bound.code || e.Field != c.field {
				t.Errorf("%s %s = %v (beyond %s): got %v, want %s on %s", c.topic, c.path, beyond, bound.key, err, bound.code, c.field)
			}
		}
	}

	arrays := []struct {
		path  string
		items []any
	}{
		{"categories", []any{"air", "water", "noise", "solid_waste", "soil", "radiation", "ecology", "other"}},
		{"flags", []any{"emergency", "mass_incident_risk", "media"}},
	}
	for _, c := range arrays {
		max := int(node(t, schemas["report"], c.path)["maxItems"].(float64))
		items := c.items
		for len(items) < max {
			items = append(items, items[0])
		}
		m := validReport()
		m[c.path] = items[:max]
		if err := decodeAs(v, "report", mustJSON(t, m)); err != nil {
			t.Errorf("%s with maxItems %d: %v", c.path, max, err)
		}
		m[c.path] = append(slices.Clone(items[:max]), items[0])
		err := decodeAs(v, "report", mustJSON(t, m))
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeBadValue || e.Field != c.path {
			t.Errorf("%s with maxItems+1: got %v, want bad_value", c.path, err)
		}
	}
}

// ---------------------------------------------------------------------------------------------
// Examples

// strictDecode decodes b into v and fails on fields v does not have: an example must not carry
// a misspelt field the validator would silently ignore.
func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

func readExample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(contractsDir, "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkExampleTime: example timestamps are in 2026 before 2026-11-01.
func checkExampleTime(t *testing.T, what string, ts Time) {
	t.Helper()
	lo, hi := time.Date(2026, 1, 1, 0, 0, 0, 0, cst), time.Date(2026, 11, 1, 0, 0, 0, 0, cst)
	if ts.Before(lo) || !ts.Before(hi) {
		t.Errorf("%s: %s is not in 2026 before 2026-11-01", what, ts.Format(time.RFC3339))
	}
}

func TestExamples(t *testing.T) {
	v := &Validator{Regions: region.Default()}
	entries, err := os.ReadDir(filepath.Join(contractsDir, "examples"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		seen[name] = true
		b := readExample(t, name)
		t.Run(name, func(t *testing.T) {
			switch {
			case strings.HasPrefix(name, "report") && strings.HasSuffix(name, ".json"):
				r, err := v.DecodeReport(b)
				if err != nil {
					t.Fatalf("DecodeReport: %v", err)
				}
				if err := strictDecode(b, new(Report)); err != nil {
					t.Errorf("unknown or mistyped field: %v", err)
				}
				checkExampleTime(t, "received_at", r.ReceivedAt)
			case name == "case-events.jsonl":
				sc := bufio.NewScanner(bytes.NewReader(b))
				sc.Buffer(nil, MaxMessageBytes)
				line := 0
				for sc.Scan() {
					line++
					ev, err := v.DecodeCaseEvent(sc.Bytes())
					if err != nil {
						t.Errorf("line %d: DecodeCaseEvent: %v", line, err)
						continue
					}
					if err := strictDecode(sc.Bytes(), new(CaseEvent)); err != nil {
						t.Errorf("line %d: unknown or mistyped field: %v", line, err)
					}
					checkExampleTime(t, "line "+strconv.Itoa(line), ev.At)
				}
				if err := sc.Err(); err != nil {
					t.Fatal(err)
				}
			case name == "warning.json":
				var w Warning
				if err := strictDecode(b, &w); err != nil {
					t.Fatalf("decoding into Warning: %v", err)
				}
				if w.Schema != SchemaWarnings {
					t.Errorf("schema = %q", w.Schema)
				}
				checkExampleTime(t, "issued_at", w.IssuedAt)
			case name == "dead-letter.json":
				var dl DeadLetter
				if err := strictDecode(b, &dl); err != nil {
					t.Fatalf("decoding into DeadLetter: %v", err)
				}
				if dl.Schema != SchemaDLQ {
					t.Errorf("schema = %q", dl.Schema)
				}
				checkExampleTime(t, "failed_at", dl.FailedAt)
			default:
				t.Errorf("example %s is not covered by this test; add a case for it", name)
			}
		})
	}
	for _, want := range []string{"report.json", "report-anonymous-petition.json", "report-correction.json", "case-events.jsonl", "warning.json", "dead-letter.json"} {
		if !seen[want] {
			t.Errorf("examples/%s is missing", want)
		}
	}
}

// TestExamplesTellOneStory checks what the examples are meant to show, beyond validity.
func TestExamplesTellOneStory(t *testing.T) {
	v := &Validator{Regions: region.Default()}
	reportBytes := readExample(t, "report.json")
	report, err := v.DecodeReport(reportBytes)
	if err != nil {
		t.Fatal(err)
	}
	if report.Kind != KindReport || report.Channel != "wechat" || report.Category != "water" || report.RegionCode != "440305" || report.Version != 1 {
		t.Errorf("report.json: want a version-1 WeChat water report in 440305, got %s/%s/%s/%s v%d", report.Kind, report.Channel, report.Category, report.RegionCode, report.Version)
	}
	if report.Target == nil || utf8.RuneCountInString(report.Target.CreditCode) != 18 {
		t.Errorf("report.json: target.credit_code should have the 18-character shape")
	}
	if report.Reporter.Empty() || report.Reporter.Anonymous {
		t.Errorf("report.json: want a named reporter")
	}

	pet, err := v.DecodeReport(readExample(t, "report-anonymous-petition.json"))
	if err != nil {
		t.Fatal(err)
	}
	if pet.Kind != KindPetition || pet.Channel != "letter" || pet.Reporter == nil || !pet.Reporter.Anonymous || !pet.Reporter.Empty() {
		t.Errorf("report-anonymous-petition.json: want an anonymous petition by letter without identity")
	}

	corr, err := v.DecodeReport(readExample(t, "report-correction.json"))
	if err != nil {
		t.Fatal(err)
	}
	if corr.ReportID != report.ReportID || corr.Version != 2 || !corr.ReceivedAt.Equal(report.ReceivedAt.Time) {
		t.Errorf("report-correction.json: want version 2 of %s with the same received_at", report.ReportID)
	}

	// case-events.jsonl: one event of each type, all for report.json, in time order.
	count := map[string]int{}
	var prev time.Time
	sc := bufio.NewScanner(bytes.NewReader(readExample(t, "case-events.jsonl")))
	sc.Buffer(nil, MaxMessageBytes)
	for sc.Scan() {
		ev, err := v.DecodeCaseEvent(sc.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		count[ev.Type]++
		if ev.ReportID != report.ReportID {
			t.Errorf("event %s is for %s, want %s", ev.EventID, ev.ReportID, report.ReportID)
		}
		if ev.At.Before(prev) {
			t.Errorf("event %s at %s is earlier than the one before", ev.EventID, ev.At.Format(time.RFC3339))
		}
		if ev.At.Before(report.ReceivedAt.Time) {
			t.Errorf("event %s is before the report was received", ev.EventID)
		}
		prev = ev.At.Time
	}
	for _, typ := range EventTypes {
		if count[typ] != 1 {
			t.Errorf("case-events.jsonl: %d events of type %s, want 1", count[typ], typ)
		}
	}

	// warning.json: a cluster warning to the bureau and the government, and no reporter identity.
	wb := readExample(t, "warning.json")
	var w Warning
	if err := json.Unmarshal(wb, &w); err != nil {
		t.Fatal(err)
	}
	roles := map[string]bool{}
	for _, r := range w.Recipients {
		roles[r.Role] = true
	}
	if w.Kind != WarningCluster || !roles["bureau"] || !roles["government"] {
		t.Errorf("warning.json: want a cluster warning to bureau and government, got %s to %v", w.Kind, roles)
	}
	if !slices.Contains(w.ReportIDs, report.ReportID) {
		t.Errorf("warning.json: should rest on %s among others", report.ReportID)
	}
	r := report.Reporter
	for _, secret := range []string{r.Name, r.Phone, r.IDNumber, r.Email, r.Address} {
		if secret != "" && bytes.Contains(wb, []byte(secret)) {
			t.Errorf("warning.json carries reporter identity")
		}
	}

	// dead-letter.json: the stored bytes really fail with the stated error.
	var dl DeadLetter
	if err := json.Unmarshal(readExample(t, "dead-letter.json"), &dl); err != nil {
		t.Fatal(err)
	}
	if dl.Topic != SchemaReports || dl.Error.Code != CodeBadRegion {
		t.Errorf("dead-letter.json: want a bad_region dead letter from reports.v1")
	}
	_, err = v.DecodeReport(dl.Value)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("dead-letter.json: value decodes without a contract error (%v)", err)
	}
	if got := (DeadLetterError{Code: e.Code, Field: e.Field, Reason: e.Reason}); got != dl.Error {
		t.Errorf("dead-letter.json: error %+v, but the validator says %+v", dl.Error, got)
	}
}

// ---------------------------------------------------------------------------------------------
// Validator

// TestValidatorErrors has at least one case for every error code the validator produces, each
// with the field it names. Reporter values contain "canary"; no error may quote them.
func TestValidatorErrors(t *testing.T) {
	type tc struct {
		name   string
		topic  string                 // "report" or "event"
		raw    []byte                 // used as is when set
		mutate func(m map[string]any) // applied to validReport() / validEvent()
		code   Code
		field  string
		secret string // must not appear in the error; "canary" is always checked
	}
	set := func(path string, v any) func(map[string]any) {
		return func(m map[string]any) { setPath(m, path, v) }
	}
	del := func(path string) func(map[string]any) {
		return func(m map[string]any) { delPath(m, path) }
	}
	both := func(fs ...func(map[string]any)) func(map[string]any) {
		return func(m map[string]any) {
			for _, f := range fs {
				f(m)
			}
		}
	}
	bytesOf := func(s string) []byte { return []byte(s) }
	huge := validReport()
	huge["content"] = strings.Repeat("a", MaxMessageBytes)
	hugeBytes, _ := json.Marshal(huge)

	cases := []tc{
		// too_large, invalid_utf8, not_json: the whole message.
		{name: "too large", topic: "report", raw: hugeBytes, code: CodeTooLarge},
		{name: "invalid utf-8", topic: "report", raw: bytesOf("{\"schema\":\"reports.v1\",\"content\":\"\xff\xfe\"}"), code: CodeInvalidUTF8},
		{name: "truncated json", topic: "report", raw: bytesOf(`{"schema":"reports.v1","report_id":`), code: CodeNotJSON},
		{name: "array", topic: "report", raw: bytesOf(`[1,2,3]`), code: CodeNotJSON},
		{name: "string", topic: "event", raw: bytesOf(`"accepted"`), code: CodeNotJSON},
		{name: "empty", topic: "event", raw: bytesOf(``), code: CodeNotJSON},

		// wrong_type: the field, except inside reporter.
		{name: "version as string", topic: "report", mutate: set("version", "1"), code: CodeWrongType, field: "version"},
		{name: "version negative", topic: "report", mutate: set("version", -1), code: CodeWrongType, field: "version"},
		{name: "version fraction", topic: "report", mutate: set("version", 1.5), code: CodeWrongType, field: "version"},
		{name: "co_reporters negative", topic: "report", mutate: set("co_reporters", -3), code: CodeWrongType, field: "co_reporters"},
		{name: "categories as string", topic: "report", mutate: set("categories", "water"), code: CodeWrongType, field: "categories"},
		{name: "lat as string", topic: "report", mutate: set("location.lat", "22.5"), code: CodeWrongType, field: "location.lat"},
		{name: "location as string", topic: "report", mutate: set("location", "南山区"), code: CodeWrongType, field: "location"},
		{name: "reporter phone as number", topic: "report", mutate: set("reporter.phone", json.Number("13912345678")), code: CodeWrongType, field: "reporter", secret: "13912345678"},
		{name: "reporter anonymous as string", topic: "report", mutate: set("reporter.anonymous", "canary-yes"), code: CodeWrongType, field: "reporter"},
		{name: "reporter as string", topic: "report", mutate: set("reporter", "canary-张三"), code: CodeWrongType, field: "reporter"},
		{name: "extension_days as string", topic: "event", mutate: set("extension_days", "20"), code: CodeWrongType, field: "extension_days"},
		{name: "extension_days beyond int32", topic: "event", mutate: set("extension_days", json.Number("3000000000")), code: CodeWrongType, field: "extension_days"},

		// unknown_schema.
		{name: "schema absent", topic: "report", mutate: del("schema"), code: CodeUnknownSchema, field: "schema"},
		{name: "schema v2", topic: "report", mutate: set("schema", "reports.v2"), code: CodeUnknownSchema, field: "schema"},
		{name: "schema not canonicalised", topic: "report", mutate: set("schema", "Reports.v1"), code: CodeUnknownSchema, field: "schema"},
		{name: "event on the reports decoder", topic: "report", raw: mustJSON(t, validEvent()), code: CodeUnknownSchema, field: "schema"},
		{name: "report on the events decoder", topic: "event", raw: mustJSON(t, validReport()), code: CodeUnknownSchema, field: "schema"},
		{name: "null message", topic: "report", raw: bytesOf(`null`), code: CodeUnknownSchema, field: "schema"},

		// missing_field.
		{name: "report_id absent", topic: "report", mutate: del("report_id"), code: CodeMissingField, field: "report_id"},
		{name: "report_id blank", topic: "report", mutate: set("report_id", "   "), code: CodeMissingField, field: "report_id"},
		{name: "version absent", topic: "report", mutate: del("version"), code: CodeMissingField, field: "version"},
		{name: "version zero", topic: "report", mutate: set("version", 0), code: CodeMissingField, field: "version"},
		{name: "kind absent", topic: "report", mutate: del("kind"), code: CodeMissingField, field: "kind"},
		{name: "channel blank", topic: "report", mutate: set("channel", " "), code: CodeMissingField, field: "channel"},
		{name: "received_at absent", topic: "report", mutate: del("received_at"), code: CodeMissingField, field: "received_at"},
		{name: "received_at null", topic: "report", mutate: set("received_at", nil), code: CodeMissingField, field: "received_at"},
		{name: "region_code absent", topic: "report", mutate: del("region_code"), code: CodeMissingField, field: "region_code"},
		{name: "category absent", topic: "report", mutate: del("category"), code: CodeMissingField, field: "category"},
		{name: "content blank", topic: "report", mutate: set("content", " \n\t "), code: CodeMissingField, field: "content"},
		{name: "content null", topic: "report", mutate: set("content", nil), code: CodeMissingField, field: "content"},
		{name: "event_id absent", topic: "event", mutate: del("event_id"), code: CodeMissingField, field: "event_id"},
		{name: "event report_id absent", topic: "event", mutate: del("report_id"), code: CodeMissingField, field: "report_id"},
		{name: "type absent", topic: "event", mutate: del("type"), code: CodeMissingField, field: "type"},
		{name: "at absent", topic: "event", mutate: del("at"), code: CodeMissingField, field: "at"},
		{name: "rejected without reason", topic: "event", mutate: set("type", "rejected"), code: CodeMissingField, field: "reason"},
		{name: "rejected with blank reason", topic: "event", mutate: both(set("type", "rejected"), set("reason", "  ")), code: CodeMissingField, field: "reason"},
		{name: "transferred without to_org_code", topic: "event", mutate: set("type", "transferred"), code: CodeMissingField, field: "to_org_code"},
		{name: "extension without days", topic: "event", mutate: set("type", "extension_approved"), code: CodeMissingField, field: "extension_days"},
		{name: "closed without finding", topic: "event", mutate: set("type", "closed"), code: CodeMissingField, field: "finding"},
		{name: "merged without merged_into", topic: "event", mutate: set("type", "merged"), code: CodeMissingField, field: "merged_into"},

		// bad_enum.
		{name: "kind", topic: "report", mutate: set("kind", "complaint"), code: CodeBadEnum, field: "kind"},
		{name: "channel", topic: "report", mutate: set("channel", "sms"), code: CodeBadEnum, field: "channel"},
		{name: "category", topic: "report", mutate: set("category", "smell"), code: CodeBadEnum, field: "category"},
		{name: "categories item", topic: "report", mutate: set("categories", []any{"water", "light"}), code: CodeBadEnum, field: "categories"},
		{name: "flags item", topic: "report", mutate: set("flags", []any{"urgent"}), code: CodeBadEnum, field: "flags"},
		{name: "event type", topic: "event", mutate: set("type", "opened"), code: CodeBadEnum, field: "type"},
		{name: "closed finding", topic: "event", mutate: both(set("type", "closed"), set("finding", "true")), code: CodeBadEnum, field: "finding"},
		{name: "finding on another event", topic: "event", mutate: set("finding", "maybe"), code: CodeBadEnum, field: "finding"},

		// bad_region.
		{name: "region unknown", topic: "report", mutate: set("region_code", "999999"), code: CodeBadRegion, field: "region_code"},
		{name: "region abolished", topic: "report", mutate: set("region_code", "320502"), code: CodeBadRegion, field: "region_code"},
		{name: "region prefix", topic: "report", mutate: set("region_code", "4403"), code: CodeBadRegion, field: "region_code"},
		{name: "region fullwidth", topic: "report", mutate: set("region_code", "４４０３０５"), code: CodeBadRegion, field: "region_code"},
		{name: "intake_org unknown", topic: "report", mutate: set("intake_org", "999999"), code: CodeBadRegion, field: "intake_org"},
		{name: "org_code", topic: "event", mutate: set("org_code", "44030X"), code: CodeBadRegion, field: "org_code"},
		{name: "to_org_code", topic: "event", mutate: set("to_org_code", "999999"), code: CodeBadRegion, field: "to_org_code"},
		{name: "transferred to unknown", topic: "event", mutate: both(set("type", "transferred"), set("to_org_code", "999999")), code: CodeBadRegion, field: "to_org_code"},

		// bad_time.
		{name: "received_at unparsable", topic: "report", mutate: set("received_at", "15/03/2026 09:12"), code: CodeBadTime, field: "received_at"},
		{name: "received_at number", topic: "report", mutate: set("received_at", 1773537153), code: CodeBadTime, field: "received_at"},
		{name: "received_at impossible date", topic: "report", mutate: set("received_at", "2026-02-30T10:00:00+08:00"), code: CodeBadTime, field: "received_at"},
		{name: "received_at before 2000", topic: "report", mutate: set("received_at", "1999-12-31T00:00:00+08:00"), code: CodeBadTime, field: "received_at"},
		{name: "received_at beyond max-future", topic: "report", mutate: set("received_at", fixedNow.Add(25*time.Hour).Format(time.RFC3339)), code: CodeBadTime, field: "received_at"},
		{name: "at unparsable", topic: "event", mutate: set("at", "2026-13-01T00:00:00+08:00"), code: CodeBadTime, field: "at"},

		// bad_id.
		{name: "report_id leading dash", topic: "report", mutate: set("report_id", "-12369-440305"), code: CodeBadID, field: "report_id"},
		{name: "report_id slash", topic: "report", mutate: set("report_id", "12369/440305/000123"), code: CodeBadID, field: "report_id"},
		{name: "report_id non-ascii", topic: "report", mutate: set("report_id", "举报-000123"), code: CodeBadID, field: "report_id"},
		{name: "report_id 65 chars", topic: "report", mutate: set("report_id", strings.Repeat("1", 65)), code: CodeBadID, field: "report_id"},
		{name: "event_id with space", topic: "event", mutate: set("event_id", "evt 981"), code: CodeBadID, field: "event_id"},
		{name: "merged_into malformed", topic: "event", mutate: both(set("type", "merged"), set("merged_into", "#87")), code: CodeBadID, field: "merged_into"},

		// bad_value.
		{name: "co_reporters too many", topic: "report", mutate: set("co_reporters", 1_000_001), code: CodeBadValue, field: "co_reporters"},
		{name: "lat without lon", topic: "report", mutate: del("location.lon"), code: CodeBadValue, field: "location"},
		{name: "lat outside China", topic: "report", mutate: set("location.lat", 60), code: CodeBadValue, field: "location"},
		{name: "lon outside China", topic: "report", mutate: set("location.lon", 140.2), code: CodeBadValue, field: "location"},
		{name: "categories too many", topic: "report", mutate: set("categories", []any{"air", "air", "air", "air", "air", "air", "air", "air", "air"}), code: CodeBadValue, field: "categories"},
		{name: "flags too many", topic: "report", mutate: set("flags", []any{"media", "media", "media", "media"}), code: CodeBadValue, field: "flags"},
		{name: "extension_days negative", topic: "event", mutate: set("extension_days", -1), code: CodeBadValue, field: "extension_days"},
		{name: "extension_days above 366", topic: "event", mutate: both(set("type", "extension_approved"), set("extension_days", 367)), code: CodeBadValue, field: "extension_days"},
		{name: "merged into itself", topic: "event", mutate: both(set("type", "merged"), set("merged_into", "12369-440305-20260315-000123")), code: CodeBadValue, field: "merged_into"},

		// too_long.
		{name: "title", topic: "report", mutate: set("title", strings.Repeat("污", 201)), code: CodeTooLong, field: "title"},
		{name: "content", topic: "report", mutate: set("content", strings.Repeat("污", 20001)), code: CodeTooLong, field: "content"},
		{name: "target name", topic: "report", mutate: set("target.name", strings.Repeat("某", 201)), code: CodeTooLong, field: "target.name"},
		{name: "reporter name", topic: "report", mutate: set("reporter.name", "canary-"+strings.Repeat("张", 60)), code: CodeTooLong, field: "reporter.name"},
		{name: "reporter phone", topic: "report", mutate: set("reporter.phone", "canary-"+strings.Repeat("1", 30)), code: CodeTooLong, field: "reporter.phone"},
		{name: "reporter id_number", topic: "report", mutate: set("reporter.id_number", "canary-"+strings.Repeat("4", 30)), code: CodeTooLong, field: "reporter.id_number"},
		{name: "reporter email", topic: "report", mutate: set("reporter.email", "canary-"+strings.Repeat("m", 120)+"@example.com"), code: CodeTooLong, field: "reporter.email"},
		{name: "reporter address", topic: "report", mutate: set("reporter.address", "canary-"+strings.Repeat("路", 300)), code: CodeTooLong, field: "reporter.address"},
		{name: "reason", topic: "event", mutate: set("reason", strings.Repeat("因", 501)), code: CodeTooLong, field: "reason"},
		{name: "summary", topic: "event", mutate: set("summary", strings.Repeat("办", 5001)), code: CodeTooLong, field: "summary"},
	}

	v := newTestValidator()
	covered := map[Code]bool{}
	for _, c := range cases {
		t.Run(string(c.code)+"/"+c.name, func(t *testing.T) {
			b := c.raw
			if b == nil {
				m := validReport()
				if c.topic == "event" {
					m = validEvent()
				}
				c.mutate(m)
				b = mustJSON(t, m)
			}
			err := decodeAs(v, c.topic, b)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want a *contract.Error with code %s", err, c.code)
			}
			if e.Code != c.code || e.Field != c.field {
				t.Errorf("got %s on %q (%s), want %s on %q", e.Code, e.Field, e.Reason, c.code, c.field)
			}
			if e.Reason == "" {
				t.Errorf("empty reason")
			}
			msg := err.Error()
			if strings.Contains(msg, "canary") || (c.secret != "" && strings.Contains(msg, c.secret)) {
				t.Errorf("error quotes reporter identity: %s", msg)
			}
		})
		covered[c.code] = true
	}
	for _, code := range codesInErrorsGo(t) {
		if code == CodeUnknownTopic {
			continue // produced by ingest, which knows the topic; see TestErrorString
		}
		if !covered[code] {
			t.Errorf("no test case for code %s", code)
		}
	}
}

func TestErrorString(t *testing.T) {
	e := &Error{Code: CodeUnknownTopic, Reason: "ingest 不处理主题 foo 的消息"}
	if got := e.Error(); got != "unknown_topic: ingest 不处理主题 foo 的消息" {
		t.Errorf("Error() = %q", got)
	}
	e = &Error{Code: CodeBadRegion, Field: "region_code", Reason: "x"}
	if got := e.Error(); got != "bad_region: region_code: x" {
		t.Errorf("Error() = %q", got)
	}
}

// TestValidatorAccepts covers what the validator tolerates and normalises.
func TestValidatorAccepts(t *testing.T) {
	v := newTestValidator()
	decode := func(t *testing.T, m map[string]any) *Report {
		t.Helper()
		r, err := v.DecodeReport(mustJSON(t, m))
		if err != nil {
			t.Fatalf("DecodeReport: %v", err)
		}
		return r
	}

	t.Run("received_at without offset is Asia/Shanghai", func(t *testing.T) {
		for _, s := range []string{"2026-03-15T09:12:33", "2026-03-15 09:12:33"} {
			m := validReport()
			m["received_at"] = s
			r := decode(t, m)
			want := time.Date(2026, 3, 15, 1, 12, 33, 0, time.UTC)
			if !r.Received().Equal(want) {
				t.Errorf("%s: got %s, want %s", s, r.Received().UTC(), want)
			}
			if _, off := r.Received().Zone(); off != 8*3600 {
				t.Errorf("%s: offset %d, want +08:00", s, off)
			}
		}
		m := validReport()
		m["received_at"] = "2026-03-15 09:12"
		if r := decode(t, m); !r.Received().Equal(time.Date(2026, 3, 15, 9, 12, 0, 0, cst)) {
			t.Errorf("2026-03-15 09:12: got %s", r.Received())
		}
	})

	t.Run("an offset is honoured and shown in Shanghai time", func(t *testing.T) {
		m := validReport()
		m["received_at"] = "2026-03-15T01:12:33Z"
		r := decode(t, m)
		if got := r.Received().Format("2006-01-02 15:04:05 -07:00"); got != "2026-03-15 09:12:33 +08:00" {
			t.Errorf("got %s", got)
		}
		b, _ := json.Marshal(r.ReceivedAt)
		if string(b) != `"2026-03-15T09:12:33+08:00"` {
			t.Errorf("marshals as %s", b)
		}
	})

	t.Run("enumerations are canonicalised", func(t *testing.T) {
		m := validReport()
		m["channel"] = "WeChat "
		m["kind"] = " Report"
		m["category"] = "WATER"
		m["categories"] = []any{"Water", " AIR "}
		m["flags"] = []any{" Media"}
		m["report_id"] = "  12369-440305-20260315-000123 "
		m["region_code"] = " 440305 "
		r := decode(t, m)
		if r.Channel != "wechat" || r.Kind != "report" || r.Category != "water" || !slices.Equal(r.Categories, []string{"water", "air"}) || !slices.Equal(r.Flags, []string{"media"}) {
			t.Errorf("got channel %q kind %q category %q categories %q flags %q", r.Channel, r.Kind, r.Category, r.Categories, r.Flags)
		}
		if r.ReportID != "12369-440305-20260315-000123" || r.RegionCode != "440305" {
			t.Errorf("not trimmed: %q %q", r.ReportID, r.RegionCode)
		}
	})

	t.Run("unknown fields and nulls are ignored", func(t *testing.T) {
		m := validReport()
		m["vendor_extension"] = map[string]any{"anything": []any{1, 2}}
		m["location"] = nil
		m["reporter"] = nil
		m["target"] = nil
		r := decode(t, m)
		if r.Location != nil || r.Reporter != nil || r.Target != nil {
			t.Errorf("null objects should decode as absent")
		}
	})

	t.Run("minimal report", func(t *testing.T) {
		m := map[string]any{}
		for _, k := range []string{"schema", "report_id", "version", "kind", "channel", "received_at", "region_code", "category", "content"} {
			m[k] = validReport()[k]
		}
		decode(t, m)
	})

	t.Run("time window", func(t *testing.T) {
		m := validReport()
		m["received_at"] = fixedNow.Add(23 * time.Hour).Format(time.RFC3339)
		decode(t, m)
		m["received_at"] = "2000-01-02T00:00:00+08:00"
		decode(t, m)
		short := &Validator{Regions: region.Default(), Now: v.Now, MaxFuture: time.Hour}
		m["received_at"] = fixedNow.Add(2 * time.Hour).Format(time.RFC3339)
		if _, err := short.DecodeReport(mustJSON(t, m)); err == nil {
			t.Errorf("MaxFuture 1h: a timestamp 2h ahead should be rejected")
		}
	})

	t.Run("events", func(t *testing.T) {
		cases := []map[string]any{
			{"type": " Closed", "finding": "Substantiated", "summary": "属实，已处罚。"},
			{"type": "closed", "finding": "partly_substantiated", "summary": "部分属实，已责令整改。"},
			{"type": "extension_approved", "extension_days": 45}, // > 30: accepted, flagged later
			{"type": "extension_approved", "extension_days": 366},
			{"type": "transferred", "to_org_code": "440305"},
			{"type": "merged", "merged_into": "12369-440305-20260312-000087"},
			{"type": "rejected", "reason": "不属于生态环境部门职责范围。"},
			{"type": "replied", "finding": "", "to_org_code": "", "merged_into": "", "reason": ""},
			{"type": "accepted", "at": "2026-03-16 10:20:00"},
		}
		for _, extra := range cases {
			m := validEvent()
			for k, x := range extra {
				m[k] = x
			}
			ev, err := v.DecodeCaseEvent(mustJSON(t, m))
			if err != nil {
				t.Errorf("%v: %v", extra, err)
				continue
			}
			if ev.Type != canon(ev.Type) || !slices.Contains(EventTypes, ev.Type) {
				t.Errorf("%v: type %q not canonical", extra, ev.Type)
			}
			if ev.Finding != "" && !slices.Contains(Findings, ev.Finding) {
				t.Errorf("%v: finding %q not canonical", extra, ev.Finding)
			}
		}
	})
}
