package region

import (
	"strings"
	"testing"
)

func TestParseScope(t *testing.T) {
	tab := Default()
	for _, tc := range []struct {
		in, code string
		level    Level
		name     string
		err      string
	}{
		{in: "", name: "全国"},
		{in: "nation", name: "全国"},
		{in: "000000", name: "全国"},
		{in: "100000", name: "全国"},
		{in: "440000", code: "440000", level: Province, name: "广东省"},
		{in: " 440300 ", code: "440300", level: Prefecture, name: "广东省深圳市"},
		{in: "440305", err: "is a county"},
		{in: "110100", err: "use its province 110000"},
		{in: "429000", err: "use its province 420000"},
		{in: "990000", err: "not a region code"},
		{in: "44", err: "not a region code"},
	} {
		sc, err := tab.ParseScope(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseScope(%q) error = %v, want one containing %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseScope(%q): %v", tc.in, err)
			continue
		}
		if sc.Code != tc.code || sc.Level != tc.level || sc.Name != tc.name {
			t.Errorf("ParseScope(%q) = %+v, want code %q level %v name %q", tc.in, sc, tc.code, tc.level, tc.name)
		}
	}
}

func TestScopeContains(t *testing.T) {
	tab := Default()
	gd, _ := tab.ParseScope("440000")
	sz, _ := tab.ParseScope("440300")
	for _, tc := range []struct {
		sc   Scope
		code string
		want bool
	}{
		{Nation(), "110105", true},
		{gd, "440305", true}, {gd, "440000", true}, {gd, "450100", false},
		{sz, "440305", true}, {sz, "440300", true}, {sz, "440100", false}, {sz, "44", false},
	} {
		if got := tc.sc.Contains(tc.code); got != tc.want {
			t.Errorf("%v.Contains(%s) = %v, want %v", tc.sc, tc.code, got, tc.want)
		}
	}
	if Nation().Prefix() != "" || gd.Prefix() != "44" || sz.Prefix() != "4403" {
		t.Errorf("prefixes: %q %q %q", Nation().Prefix(), gd.Prefix(), sz.Prefix())
	}
}

// A scope holds a code by its digits (Contains); the store filters reports on the province
// and prefecture ingest derives from the table. The two agree only if every division's
// province and prefecture are the ones its digits name.
func TestEveryDivisionLiesInTheScopesItsDigitsName(t *testing.T) {
	tab := Default()
	n := 0
	for _, l := range []Level{Province, Prefecture, County} {
		for _, d := range tab.All(l) {
			n++
			if p, ok := tab.Province(d.Code); !ok || p.Code != d.Code[:2]+"0000" {
				t.Errorf("%s %s: province %s", d.Code, d.Name, p.Code)
			}
			if c, ok := tab.Prefecture(d.Code); ok && c.Code != d.Code[:4]+"00" {
				t.Errorf("%s %s: prefecture %s, not the one its digits name", d.Code, d.Name, c.Code)
			}
			if sc, ok := tab.ScopeOf(d.Code[:4] + "00"); ok && !sc.Contains(d.Code) {
				t.Errorf("%s not in %s", d.Code, sc.Code)
			}
		}
	}
	if n < 3000 {
		t.Fatalf("only %d divisions", n)
	}
}

func TestScopeAsText(t *testing.T) {
	gd, _ := Default().ParseScope("440000")
	for _, sc := range []Scope{Nation(), gd} {
		b, err := sc.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Scope
		if err := back.UnmarshalText(b); err != nil || back != sc {
			t.Errorf("%v → %s → %v, %v", sc, b, back, err)
		}
	}
	var bad Scope
	if err := bad.UnmarshalText([]byte("440305")); err == nil {
		t.Error("a county read as a scope")
	}
}
