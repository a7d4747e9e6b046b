package basin

import (
	"math"
	"slices"
	"strings"
	"testing"

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
		{"fields", basins, "420100\tchangjiang\t长江\n", "want 5 tab-separated fields"},
		{"ambiguous", basins, "420900\tchangjiang\t汉江\t420100\t60\n420100\tchangjiang\t湘江\t-\t0\n420100\tchangjiang\t赣江\t-\t0\n", "ambiguous confluence"},
		{"bad basin id", "Chang Jiang\t长江流域\t长江\tx\n", "420100\tchangjiang\t长江\t-\t0\n", `basin id "Chang Jiang"`},
		{"no basins", "# none\n", "420100\tchangjiang\t长江\t-\t0\n", "no basin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.basins), strings.NewReader(tt.units))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	// the same files without a region check accept an unknown code
	if _, err := ParseWithRegions(strings.NewReader(basins), strings.NewReader("999999\tchangjiang\t长江\t-\t0\n"), nil); err != nil {
		t.Errorf("ParseWithRegions(nil) = %v", err)
	}
}
