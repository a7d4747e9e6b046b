package basin

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/region"
)

func unitCodes(us []Unit) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Code
	}
	return out
}

func TestBasins(t *testing.T) {
	topo := Default()
	want := []struct{ id, name, river, bureau string }{
		{"changjiang", "长江流域", "长江", "生态环境部长江流域生态环境监督管理局"},
		{"huanghe", "黄河流域", "黄河", "生态环境部黄河流域生态环境监督管理局"},
		{"huaihe", "淮河流域", "淮河", "生态环境部淮河流域生态环境监督管理局"},
		{"haihe", "海河流域", "海河", "生态环境部海河流域北海海域生态环境监督管理局"},
		{"zhujiang", "珠江流域", "珠江", "生态环境部珠江流域南海海域生态环境监督管理局"},
		{"songliao", "松辽流域", "松花江", "生态环境部松辽流域生态环境监督管理局"},
		{"taihu", "太湖流域", "太湖", "生态环境部太湖流域东海海域生态环境监督管理局"},
	}
	if got := topo.Basins(); len(got) != len(want) {
		t.Fatalf("Basins() = %d basins, want %d", len(got), len(want))
	}
	for _, w := range want {
		b, ok := topo.Basin(w.id)
		if !ok || b.Name != w.name || b.River != w.river || b.Bureau != w.bureau {
			t.Errorf("Basin(%s) = %+v %v, want %+v", w.id, b, ok, w)
		}
		if len(topo.River(w.id, w.river)) == 0 {
			t.Errorf("River(%s, %s) is empty", w.id, w.river)
		}
	}
	if _, ok := topo.Basin("nile"); ok {
		t.Errorf("Basin(nile) found")
	}
}

func TestEveryUnitIsARegion(t *testing.T) {
	regions := region.Default()
	topo := Default()
	for _, b := range topo.Basins() {
		for _, r := range topo.Rivers(b.ID) {
			for _, u := range topo.River(b.ID, r) {
				if !regions.Valid(u.Code) {
					t.Errorf("%s %s: unit %s is not a region code", b.ID, r, u.Code)
				}
			}
		}
	}
}

func TestYangtzeOrder(t *testing.T) {
	topo := Default()
	yz := unitCodes(topo.River("changjiang", "长江"))
	pos := func(code string) int { return slices.Index(yz, code) }
	if len(yz) < 25 || yz[0] != "510400" || yz[len(yz)-1] != "310100" {
		t.Fatalf("长江 = %v, want 攀枝花 510400 first and 上海 310100 last", yz)
	}
	order := []string{"510400", "511500", "510500", "500100", "420500", "421000", "430600", "420100",
		"360400", "340800", "341700", "340700", "340200", "340500", "320100", "321100", "320600", "310100"}
	for k := 1; k < len(order); k++ {
		if a, b := pos(order[k-1]), pos(order[k]); a < 0 || b < 0 || a >= b {
			t.Errorf("长江: %s (at %d) should come before %s (at %d)", order[k-1], a, order[k], b)
		}
	}
	hh := unitCodes(topo.River("huanghe", "黄河"))
	for _, pair := range [][2]string{{"620100", "410100"}, {"410100", "410200"}, {"410200", "370100"}, {"370100", "370500"}} {
		if a, b := slices.Index(hh, pair[0]), slices.Index(hh, pair[1]); a < 0 || b < 0 || a >= b {
			t.Errorf("黄河: %s should come before %s: %v", pair[0], pair[1], hh)
		}
	}
	// 太湖 is a tree (several inflows): every unit comes before its downstream
	th := topo.River("taihu", "太湖")
	for i, u := range th {
		if j := slices.Index(unitCodes(th), u.Downstream); j >= 0 && j <= i {
			t.Errorf("太湖: %s comes after its downstream %s", u.Code, u.Downstream)
		}
	}
}

func TestDownstream(t *testing.T) {
	topo := Default()
	tests := []struct {
		name        string
		code, river string
		maxKm       float64
		want        []string
	}{
		{"武汉 300 km", "420100", "长江", 300, []string{"420700", "421100", "420200", "360400"}},
		{"武汉 county 江汉区", "420103", "长江", 300, []string{"420700", "421100", "420200", "360400"}},
		{"武汉 0 km", "420100", "长江", 0, nil},
		{"南通 to the mouth", "320600", "长江", math.Inf(1), []string{"310100"}},
		{"上海 end", "310100", "长江", 1000, nil},
		{"汉江 into 长江", "420900", "汉江", 150, []string{"420100", "420700", "421100"}},
		{"巢湖 into 长江", "340100", "", 150, []string{"340200", "340500"}},
		{"太湖 无锡", "320200", "太湖", 200, []string{"320500", "310100"}},
		{"unknown river", "420100", "黄河", 300, nil},
		{"not on a river", "460100", "", 300, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := unitCodes(topo.Downstream(tt.code, tt.river, tt.maxKm))
			if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Errorf("Downstream(%s, %q, %v) = %v, want %v", tt.code, tt.river, tt.maxKm, got, tt.want)
			}
		})
	}
	rs := topo.Reach("420100", "长江", 300)
	for k := 1; k < len(rs); k++ {
		if rs[k].CumulativeKm < rs[k-1].CumulativeKm || rs[k].CumulativeKm > 300 {
			t.Errorf("Reach(武汉) not in order or beyond 300 km: %+v", rs)
		}
	}
	// a unit on several rivers: 东莞 on 东江 and 珠江 never lists itself
	for _, u := range topo.Downstream("441900", "", math.Inf(1)) {
		if u.Code == "441900" {
			t.Errorf("Downstream(东莞) lists 东莞 itself")
		}
	}
}

func TestUnitsOf(t *testing.T) {
	topo := Default()
	tests := []struct {
		code   string
		rivers []string
	}{
		{"420100", []string{"长江"}},
		{"420106", []string{"长江"}},        // 武昌区 → 武汉市
		{"310115", []string{"长江", "黄浦江"}}, // 浦东新区 → 上海市 市辖区
		{"320500", []string{"长江", "太湖"}},
		{"141000", []string{"黄河", "汾河"}},
		{"460100", nil},
		{"999999", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, u := range topo.UnitsOf(tt.code) {
			got = append(got, u.River)
		}
		if !slices.Equal(got, tt.rivers) {
			t.Errorf("UnitsOf(%s) rivers = %v, want %v", tt.code, got, tt.rivers)
		}
	}
}

// files is a set of data files with a default classes and rivers file for tests.
func files(basins, units string) Files {
	return Files{Basins: strings.NewReader(basins), Units: strings.NewReader(units),
		Rivers: strings.NewReader(testRivers), Classes: strings.NewReader(testClasses)}
}

const (
	testClasses = "trunk\t60\t150\t干流\nriver\t40\t110\t支流\n"
	testRivers  = "changjiang\t长江\ttrunk\nchangjiang\t汉江\triver\nchangjiang\t湘江\triver\nchangjiang\t赣江\triver\n"
)

func TestParseErrors(t *testing.T) {
	const basins = "changjiang\t长江流域\t长江\t生态环境部长江流域生态环境监督管理局\n"
	tests := []struct {
		name, basins, units, want string
	}{
		{"cycle", basins, "420100\tchangjiang\t长江\t420700\t80\n420700\tchangjiang\t长江\t420100\t80\n", "cycle in basin changjiang"},
		{"self loop", basins, "420100\tchangjiang\t长江\t420100\t80\n", "cycle"},
		{"unknown region code", basins, "999999\tchangjiang\t长江\t-\t0\n", "unit code 999999 is not a known region code"},
		{"unknown basin", basins, "420100\tnile\t长江\t-\t0\n", `unknown basin "nile"`},
		{"dangling downstream", basins, "420100\tchangjiang\t长江\t420700\t80\n", "downstream 420700 is not a unit of basin changjiang"},
		{"bad distance", basins, "420100\tchangjiang\t长江\t-\tfar\n", `distance_km "far"`},
		{"zero distance", basins, "420100\tchangjiang\t长江\t420700\t0\n420700\tchangjiang\t长江\t-\t0\n", "must be > 0"},
		{"duplicate", basins, "420100\tchangjiang\t长江\t-\t0\n420100\tchangjiang\t长江\t-\t0\n", "already listed on line 1"},
		{"fields", basins, "420100\tchangjiang\t长江\n", "want 5 or 6 tab-separated fields"},
		{"river without a class", basins, "420100\tchangjiang\t清江\t-\t0\n", "river 清江 of basin changjiang has no line in rivers.tsv"},
		{"ambiguous", basins, "420900\tchangjiang\t汉江\t420100\t60\n420100\tchangjiang\t湘江\t-\t0\n420100\tchangjiang\t赣江\t-\t0\n", "ambiguous confluence"},
		{"bad basin id", "Chang Jiang\t长江流域\t长江\tx\n", "420100\tchangjiang\t长江\t-\t0\n", `basin id "Chang Jiang"`},
		{"no basins", "# none\n", "420100\tchangjiang\t长江\t-\t0\n", "no basin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(files(tt.basins, tt.units))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	// the same files without a region check accept an unknown code
	if _, err := ParseWithRegions(files(basins, "999999\tchangjiang\t长江\t-\t0\n"), nil); err != nil {
		t.Errorf("ParseWithRegions(nil) = %v", err)
	}
	units := "420100\tchangjiang\t长江\t-\t0\n"
	classErrors := []struct{ name, classes, rivers, want string }{
		{"unknown class", testClasses, "changjiang\t长江\tcanal\n", `unknown class "canal"`},
		{"slow above fast", "trunk\t150\t60\tx\n", "changjiang\t长江\ttrunk\n", "want 0 < min ≤ max"},
		{"zero speed", "trunk\t0\t60\tx\n", "changjiang\t长江\ttrunk\n", "want 0 < min ≤ max"},
		{"river twice", testClasses, "changjiang\t长江\ttrunk\nchangjiang\t长江\triver\n", "listed twice"},
		{"river of an unknown basin", testClasses, "nile\t长江\ttrunk\n", `unknown basin "nile"`},
		{"class fields", "trunk\t60\n", "changjiang\t长江\ttrunk\n", "want 4 tab-separated fields"},
		{"no classes", "", "changjiang\t长江\ttrunk\n", "no class"},
	}
	for _, tt := range classErrors {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(Files{Basins: strings.NewReader(basins), Units: strings.NewReader(units),
				Rivers: strings.NewReader(tt.rivers), Classes: strings.NewReader(tt.classes)})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := Parse(Files{Basins: strings.NewReader(basins), Units: strings.NewReader(units)}); err == nil {
		t.Errorf("Parse without rivers and classes files: no error")
	}
}

// TestWithinSevenDays is the example of issue 18: water at 荆州 on 长江 reaches 岳阳, 咸宁,
// 武汉, 鄂州, 黄冈, 黄石 and on into 江西 and 安徽 within a week at the trunk river's fast end,
// each with an arrival window; 宜昌 upstream never is.
func TestWithinSevenDays(t *testing.T) {
	topo := Default()
	week := 7 * 24 * time.Hour
	rs := topo.Within("421000", "长江", week)
	got := make([]string, len(rs))
	for i, r := range rs {
		got[i] = r.Code
		if r.Earliest > week || r.Latest < r.Earliest || (i > 0 && r.CumulativeKm < rs[i-1].CumulativeKm) {
			t.Errorf("%s: earliest %v latest %v at %.0f km", r.Code, r.Earliest, r.Latest, r.CumulativeKm)
		}
	}
	for _, want := range []string{"430600", "421200", "420100", "420700", "421100", "420200", "360400"} {
		if !slices.Contains(got, want) {
			t.Errorf("Within(荆州, 7 days) = %v: %s missing", got, want)
		}
	}
	if slices.Contains(got, "420500") || slices.Contains(got, "310100") {
		t.Errorf("Within(荆州, 7 days) = %v: 宜昌 is upstream and 上海 is 1,700 km away", got)
	}
	// 荆州 → 武汉: 490 km on a trunk river at 60–150 km a day
	for _, r := range rs {
		if r.Code == "420100" {
			if r.CumulativeKm != 490 || r.Earliest.Hours() < 78 || r.Earliest.Hours() > 79 || r.Latest.Hours() != 196 {
				t.Errorf("荆州 → 武汉: %.0f km, %v – %v; want 490 km, 78.4 h – 196 h", r.CumulativeKm, r.Earliest, r.Latest)
			}
			if r.DrinkingWater == "" {
				t.Errorf("武汉 on 长江: no drinking-water source in the sample")
			}
		}
	}
	// a tributary goes on into its receiving river: 襄阳 on 汉江 reaches 武汉 and 鄂州 on 长江
	han := topo.Within("420600", "汉江", week)
	var codes []string
	for _, r := range han {
		codes = append(codes, r.Code+"/"+r.River)
	}
	for _, want := range []string{"420800/汉江", "420900/汉江", "420100/长江", "420700/长江"} {
		if !slices.Contains(codes, want) {
			t.Errorf("Within(襄阳, 汉江, 7 days) = %v: %s missing", codes, want)
		}
	}
	// 清江 flows into 长江 at 宜昌
	if qj := topo.Within("422800", "清江", 24*time.Hour); len(qj) != 0 {
		t.Errorf("恩施 → 宜昌 on 清江 is 250 km, more than a day even at 110 km a day: %v", qj)
	}
	if qj := topo.Within("422800", "清江", 3*24*time.Hour); len(qj) == 0 || qj[0].Code != "420500" {
		t.Errorf("Within(恩施, 清江, 3 days) = %v, want 宜昌 first", qj)
	}
	if topo.Within("421000", "长江", 0) != nil {
		t.Errorf("Within(0) is not empty")
	}
}

func TestInflowsAndClasses(t *testing.T) {
	topo := Default()
	var in []string
	for _, r := range topo.Inflows("420100") {
		in = append(in, r.Code+"/"+r.River)
	}
	slices.Sort(in)
	if want := []string{"420900/汉江", "421200/长江"}; !slices.Equal(in, want) {
		t.Errorf("Inflows(武汉) = %v, want %v", in, want)
	}
	if in := topo.Inflows("510400"); len(in) != 0 {
		t.Errorf("Inflows(攀枝花) = %v, want none (the first unit of 长江 in the sample)", in)
	}
	c, ok := topo.Class("changjiang", "汉江")
	if !ok || c.Name != "river" || c.MinKmPerDay <= 0 || c.MaxKmPerDay < c.MinKmPerDay {
		t.Errorf("Class(汉江) = %+v %v", c, ok)
	}
	if len(topo.Classes()) < 2 {
		t.Errorf("Classes() = %v", topo.Classes())
	}
	// every river of the sample has a class (Parse checks it; this guards the embedded data)
	for _, b := range topo.Basins() {
		for _, r := range topo.Rivers(b.ID) {
			if _, ok := topo.Class(b.ID, r); !ok {
				t.Errorf("%s %s has no class", b.ID, r)
			}
		}
	}
}
