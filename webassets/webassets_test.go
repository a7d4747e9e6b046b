package webassets

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecowatch/ecowatch/region"
)

func TestEveryProvinceAndTheNationHaveAMap(t *testing.T) {
	regions := region.Default()
	name, file, ok := MapFor("")
	if !ok || name != "china" || file != "assets/maps/china.js" {
		t.Fatalf("nation: %q %q %v", name, file, ok)
	}
	for _, p := range regions.All(region.Province) {
		m, ok := Lookup(p.Code)
		if !ok {
			t.Errorf("no map for %s %s", p.Code, p.Name)
			continue
		}
		if m.Name != p.Code || m.File != "assets/maps/"+p.Code+".js" {
			t.Errorf("%s: name %q file %q", p.Code, m.Name, m.File)
		}
		if len(m.Features) == 0 {
			t.Errorf("%s: no features with a region code", p.Code)
		}
	}
	if _, _, ok := MapFor("440305"); ok {
		t.Error("a county has a map")
	}
	if _, _, ok := MapFor("110100"); ok {
		t.Error("the placeholder 市辖区 has a map")
	}
}

func TestFeaturesAreNamedAfterTheRegionTable(t *testing.T) {
	regions := region.Default()
	for _, code := range Codes() {
		m, _ := Lookup(code)
		b, err := files.ReadFile(m.File)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `echarts.registerMap("`+m.Name+`", `) {
			t.Errorf("%s does not register %q", m.File, m.Name)
		}
		for fc, fname := range m.Features {
			d, ok := regions.Lookup(fc)
			switch {
			case code == NationCode && !ok:
				// 台湾, 香港, 澳门: shown, not in the mainland division table
			case !ok:
				t.Errorf("%s: feature %s %s is not a known division", code, fc, fname)
			case code != NationCode && d.Name != fname:
				t.Errorf("%s: feature %s is named %q, the region table says %q", code, fc, fname, d.Name)
			case code != NationCode && !strings.HasPrefix(fc, strings.TrimRight(code, "0")):
				t.Errorf("%s: feature %s lies outside the map's area", code, fc)
			}
		}
	}
	gd, _ := Lookup("440000")
	if gd.Features["440300"] != "深圳市" {
		t.Errorf("440000 map: 440300 is %q", gd.Features["440300"])
	}
	sz, _ := Lookup("440300")
	if sz.Features["440305"] != "南山区" {
		t.Errorf("440300 map: 440305 is %q", sz.Features["440305"])
	}
}

func TestWriteToWritesOnlyWhatIsAskedFor(t *testing.T) {
	dir := t.TempDir()
	if err := WriteTo(dir, "440000", "440300"); err != nil {
		t.Fatal(err)
	}
	var got []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	want := []string{"assets/echarts.min.js", "assets/maps/440000.js", "assets/maps/440300.js"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("wrote %v, want %v", got, want)
	}
	if err := WriteTo(dir, "440305"); err == nil {
		t.Error("no error for a code without a map")
	}
}
