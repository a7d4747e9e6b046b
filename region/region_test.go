package region

import (
	"slices"
	"strings"
	"testing"
)

func codes(ds []Division) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Code
	}
	return out
}

func TestLookupAndValid(t *testing.T) {
	tab := Default()
	tests := []struct {
		code  string
		valid bool
		name  string
		level Level
	}{
		{"440305", true, "南山区", County},
		{"440300", true, "深圳市", Prefecture},
		{"440000", true, "广东省", Province},
		{"110105", true, "朝阳区", County},
		{"110100", true, "市辖区", Prefecture},
		{"429004", true, "仙桃市", County},
		{"441900", true, "东莞市", Prefecture},
		{"999999", false, "", 0},
		{"44030", false, "", 0},
		{"4403", false, "", 0},
		{"abcdef", false, "", 0},
		{"", false, "", 0},
		{"4403050", false, "", 0},
		{"440305001", false, "", 0}, // a township code
		{"320576", false, "", 0},    // 苏州工业园区: a statistical zone, not GB/T 2260
		{"710000", false, "", 0},    // 台湾: not in the mainland table
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if got := tab.Valid(tt.code); got != tt.valid {
				t.Fatalf("Valid(%q) = %v, want %v", tt.code, got, tt.valid)
			}
			d, ok := tab.Lookup(tt.code)
			if ok != tt.valid {
				t.Fatalf("Lookup(%q) ok = %v, want %v", tt.code, ok, tt.valid)
			}
			if ok && (d.Name != tt.name || d.Level != tt.level) {
				t.Errorf("Lookup(%q) = %s level %s, want %s level %s", tt.code, d.Name, d.Level, tt.name, tt.level)
			}
		})
	}
}

func TestChainAndParents(t *testing.T) {
	tab := Default()
	tests := []struct {
		code       string
		chain      []string
		province   string
		prefecture string // "" when none
		fullName   string
	}{
		{"440305", []string{"440000", "440300", "440305"}, "440000", "440300", "广东省深圳市南山区"},
		{"440300", []string{"440000", "440300"}, "440000", "440300", "广东省深圳市"},
		{"440000", []string{"440000"}, "440000", "", "广东省"},
		{"110105", []string{"110000", "110100", "110105"}, "110000", "110100", "北京市朝阳区"},
		{"500229", []string{"500000", "500200", "500229"}, "500000", "500200", "重庆市城口县"},
		{"429004", []string{"420000", "429000", "429004"}, "420000", "429000", "湖北省仙桃市"},
		{"441900", []string{"440000", "441900"}, "440000", "441900", "广东省东莞市"},
		{"620201", []string{"620000", "620200", "620201"}, "620000", "620200", "甘肃省嘉峪关市"},
		{"999999", nil, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if got := codes(tab.Chain(tt.code)); !slices.Equal(got, tt.chain) && !(len(got) == 0 && len(tt.chain) == 0) {
				t.Errorf("Chain(%s) = %v, want %v", tt.code, got, tt.chain)
			}
			p, ok := tab.Province(tt.code)
			if ok != (tt.province != "") || p.Code != tt.province {
				t.Errorf("Province(%s) = %q %v, want %q", tt.code, p.Code, ok, tt.province)
			}
			f, ok := tab.Prefecture(tt.code)
			if ok != (tt.prefecture != "") || f.Code != tt.prefecture {
				t.Errorf("Prefecture(%s) = %q %v, want %q", tt.code, f.Code, ok, tt.prefecture)
			}
			if got := tab.FullName(tt.code); got != tt.fullName {
				t.Errorf("FullName(%s) = %q, want %q", tt.code, got, tt.fullName)
			}
		})
	}
	sz, _ := tab.Lookup("440300")
	if sz.Name != "深圳市" || sz.Parent != "440000" {
		t.Errorf("440300 = %+v, want 深圳市 under 440000", sz)
	}
}

func TestCountiesAndChildren(t *testing.T) {
	tab := Default()
	shenzhen := []string{"440303", "440304", "440305", "440306", "440307", "440308", "440309", "440310", "440311"}
	norm, ok := Normalize("4403")
	if !ok || norm != "440300" {
		t.Fatalf("Normalize(4403) = %q %v", norm, ok)
	}
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{"Counties(440300)", codes(tab.Counties("440300")), shenzhen},
		{"Counties(Normalize(4403))", codes(tab.Counties(norm)), shenzhen},
		{"Children(440300)", codes(tab.Children("440300")), shenzhen},
		{"Counties(440305)", codes(tab.Counties("440305")), []string{"440305"}},
		{"Children(440305)", codes(tab.Children("440305")), nil},
		{"Counties(441900)", codes(tab.Counties("441900")), nil},
		{"Leaves(441900)", codes(tab.Leaves("441900")), []string{"441900"}},
		{"Counties(999999)", codes(tab.Counties("999999")), nil},
		{"Children(110000)", codes(tab.Children("110000")), []string{"110100"}},
		{"Children(500000)", codes(tab.Children("500000")), []string{"500100", "500200"}},
	}
	for _, tt := range tests {
		if !slices.Equal(tt.got, tt.want) {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	gd := tab.Counties("440000")
	if len(gd) < 100 || !slices.IsSortedFunc(gd, func(a, b Division) int { return strings.Compare(a.Code, b.Code) }) {
		t.Errorf("Counties(440000): %d, sorted %v; want >100 sorted", len(gd), slices.IsSortedFunc(gd, func(a, b Division) int { return strings.Compare(a.Code, b.Code) }))
	}
	for _, d := range gd {
		if d.Level != County || !strings.HasPrefix(d.Code, "44") {
			t.Errorf("Counties(440000) contains %+v", d)
		}
	}
	leaves := tab.Leaves("440000")
	if len(leaves) != len(gd)+2 { // 东莞, 中山
		t.Errorf("Leaves(440000) = %d, want Counties + 东莞 + 中山 = %d", len(leaves), len(gd)+2)
	}
}

func TestCountsPerLevel(t *testing.T) {
	tab := Default()
	tests := []struct {
		level    Level
		min, max int
	}{
		{Province, 31, 34},
		{Prefecture, 330, 360},
		{County, 2800, 2900},
	}
	for _, tt := range tests {
		if n := len(tab.All(tt.level)); n < tt.min || n > tt.max {
			t.Errorf("All(%s) = %d divisions, want %d..%d", tt.level, n, tt.min, tt.max)
		}
	}
	if n := len(tab.Leaves("")); n != len(tab.All(County))+3 { // 东莞, 中山, 儋州
		t.Errorf("Leaves(\"\") = %d, want counties + 3", n)
	}
	withCoord := 0
	for _, d := range tab.All(County) {
		if d.HasCoord {
			withCoord++
		}
	}
	if withCoord < 2750 {
		t.Errorf("%d counties with coordinates, want at least 2750", withCoord)
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"44", "440000", true}, {"4403", "440300", true}, {"440305", "440305", true},
		{"44030", "", false}, {"abcdef", "", false}, {"", "", false}, {"44a3", "", false},
	}
	for _, tt := range tests {
		if got, ok := Normalize(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("Normalize(%q) = %q %v, want %q %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNeighbours(t *testing.T) {
	tab := Default()
	nanshan := tab.Neighbours("440305", 15)
	for _, want := range []string{"440304", "440306"} { // 福田, 宝安
		if !slices.Contains(nanshan, want) {
			t.Errorf("Neighbours(440305, 15) = %v, want it to contain %s", nanshan, want)
		}
	}
	if slices.Contains(nanshan, "440305") {
		t.Errorf("Neighbours includes the division itself")
	}
	if slices.Contains(nanshan, "440308") { // 盐田, ~30 km east
		t.Errorf("Neighbours(440305, 15) = %v, must not contain 盐田 440308", nanshan)
	}
	// 东莞 (a prefecture without counties) has neighbours across the border in 深圳 and 广州.
	dg := tab.Neighbours("441900", 60)
	if !slices.ContainsFunc(dg, func(c string) bool { return strings.HasPrefix(c, "4403") }) {
		t.Errorf("Neighbours(441900, 60) = %v, want some 深圳 districts", dg)
	}
	// symmetry
	for _, n := range nanshan {
		if !slices.Contains(tab.Neighbours(n, 15), "440305") {
			t.Errorf("%s is a neighbour of 440305 but not the reverse", n)
		}
	}
	// fallback for a county without coordinates: its siblings
	var missing Division
	for _, d := range tab.All(County) {
		if !d.HasCoord {
			missing = d
			break
		}
	}
	if missing.Code == "" {
		t.Skip("every county has coordinates")
	}
	got := tab.Neighbours(missing.Code, 50)
	var want []string
	for _, s := range tab.Children(missing.Parent) {
		if s.Code != missing.Code {
			want = append(want, s.Code)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("Neighbours(%s %s) fallback = %v, want siblings %v", missing.Code, missing.Name, got, want)
	}
	for _, c := range []string{"440300", "440000", "999999"} {
		if got := tab.Neighbours(c, 50); got != nil {
			t.Errorf("Neighbours(%s) = %v, want nil for a non-leaf or unknown code", c, got)
		}
	}
}

func TestParseErrors(t *testing.T) {
	const ok = "440000\t广东省\t1\t\t\t\n440300\t深圳市\t2\t440000\t22.5\t114.1\n"
	tests := []struct {
		name, in, want string
	}{
		{"fields", "440000\t广东省\t1\n", "want 6 tab-separated fields"},
		{"code", "44000\t广东省\t1\t\t\t\n", `code "44000" is not six digits`},
		{"level", "440000\t广东省\t4\t\t\t\n", `level "4"`},
		{"duplicate", ok + "440300\t深圳市\t2\t440000\t\t\n", `duplicate code "440300"`},
		{"dangling parent", ok + "440305\t南山区\t3\t449900\t\t\n", `parent "449900" is not in the table`},
		{"wrong parent level", ok + "440305\t南山区\t3\t440000\t\t\n", "parent 440000 is a province, want prefecture"},
		{"prefix", ok + "450305\t南山区\t3\t440300\t\t\n", "does not start with its parent's prefix 4403"},
		{"half coordinates", "440000\t广东省\t1\t\t22.5\t\n", "must both be set"},
		{"bad coordinates", "440000\t广东省\t1\t\t95\t114\n", "bad coordinates"},
		{"empty", "# nothing\n", "no divisions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	tab, err := Parse(strings.NewReader("# header\ncode\tname\tlevel\tparent\tlat\tlon\n" + ok))
	if err != nil {
		t.Fatalf("Parse(valid) = %v", err)
	}
	if d, _ := tab.Lookup("440300"); !d.HasCoord || d.Lat != 22.5 {
		t.Errorf("Lookup(440300) = %+v", d)
	}
}

func TestEmbeddedHeader(t *testing.T) {
	first, _, _ := strings.Cut(embedded, "\n")
	if !strings.HasPrefix(first, "# china-division@") {
		t.Errorf("first line of data/divisions.tsv = %q, want a comment naming the source package", first)
	}
}
