// Package webassets holds the chart script and the map shapes that ecowatch's static pages
// (the quarterly disclosure, the leadership dashboards) load from their own folder: government
// networks are often closed, so a page never fetches anything from a CDN.
//
// The files are embedded in the binary and derived from npm packages by
// scripts/refdata/webassets.sh (sources, versions and licences in README.md). A site writes them
// under its own root with WriteTo and refers to them by the relative paths EChartsJS and
// Map.File:
//
//	<script src="assets/echarts.min.js"></script>
//	<script src="assets/maps/440000.js"></script>   <!-- echarts.registerMap("440000", …) -->
//
// A map script registers its shapes under Map.Name; the features are named as in
// Map.Features (region code → feature name), which for provinces and prefectures are the
// official names of the region table ("广州市", "南山区") and for the nation the short names
// echarts expects ("广东", "内蒙古"), so that echarts can add the South China Sea islands inset.
package webassets

import (
	"github.com/ecowatch/ecowatch/region"

	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"sync"
)

//go:embed assets
var files embed.FS

// Paths relative to the root of a site.
const (
	// Dir is the folder the assets are written to.
	Dir = "assets"
	// EChartsJS is the chart library (echarts 5).
	EChartsJS = "assets/echarts.min.js"
)

// NationCode is the code under which the national map (provinces) is found. MapFor also
// accepts "" and "100000" for it.
const NationCode = region.NationCode

// Map is one map script.
type Map struct {
	// Code is the region code of the area the map shows (NationCode for the nation).
	Code string
	// Name is the name the script registers with echarts.registerMap, to be used as the map
	// type of a series or geo component.
	Name string
	// File is the script's path relative to the site root, e.g. "assets/maps/440000.js".
	File string
	// Features maps the region code of each shape to the shape's name in the map. Shapes of
	// divisions abolished since the source was published have no code and are not listed.
	Features map[string]string
}

type indexEntry struct {
	Name     string            `json:"name"`
	File     string            `json:"file"`
	Features map[string]string `json:"features"`
}

var loadIndex = sync.OnceValues(func() (map[string]indexEntry, error) {
	b, err := files.ReadFile("assets/maps/index.json")
	if err != nil {
		return nil, fmt.Errorf("webassets: reading the map index: %w", err)
	}
	idx := map[string]indexEntry{}
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("webassets: parsing the map index: %w", err)
	}
	return idx, nil
})

func normalize(code string) string {
	switch code {
	case "", "100000":
		return NationCode
	}
	return code
}

// Lookup returns the map of the area of a region code: the nation (NationCode, "" or
// "100000") by province, a province by prefecture (a municipality by district), a prefecture
// by county. ok is false for a code without a map (counties, placeholders such as 市辖区,
// unknown codes).
func Lookup(regionCode string) (Map, bool) {
	idx, err := loadIndex()
	if err != nil {
		return Map{}, false
	}
	code := normalize(regionCode)
	e, ok := idx[code]
	if !ok {
		return Map{}, false
	}
	features := make(map[string]string, len(e.Features))
	for k, v := range e.Features {
		features[k] = v
	}
	return Map{Code: code, Name: e.Name, File: path.Join(Dir, e.File), Features: features}, true
}

// MapFor returns the registered name and the site-relative file of the map of a region code;
// see Lookup.
func MapFor(regionCode string) (name, file string, ok bool) {
	m, ok := Lookup(regionCode)
	return m.Name, m.File, ok
}

// Codes lists the region codes that have a map, sorted.
func Codes() []string {
	idx, err := loadIndex()
	if err != nil {
		return nil
	}
	codes := make([]string, 0, len(idx))
	for c := range idx {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	return codes
}

// FS is the embedded assets, rooted so that EChartsJS and Map.File are valid paths in it
// (for serving over HTTP).
func FS() fs.FS { return files }

// WriteScript writes only the chart library, at dir/assets/echarts.min.js (for a site without
// a map).
func WriteScript(dir string) error { return writeFiles(dir, []string{EChartsJS}) }

// WriteTo writes the chart library and the maps of the given region codes under dir (at
// dir/assets/…); with no codes it writes every map. A code without a map is an error. Files
// are rewritten only when their content differs, so a rerun leaves them untouched.
func WriteTo(dir string, mapCodes ...string) error {
	paths := []string{EChartsJS}
	if len(mapCodes) == 0 {
		paths = append(paths, path.Join(Dir, "maps", "index.json"))
		for _, c := range Codes() {
			m, _ := Lookup(c)
			paths = append(paths, m.File)
		}
	}
	for _, c := range mapCodes {
		m, ok := Lookup(c)
		if !ok {
			return fmt.Errorf("webassets: no map for region code %q", c)
		}
		paths = append(paths, m.File)
	}
	return writeFiles(dir, paths)
}

func writeFiles(dir string, paths []string) error {
	sort.Strings(paths)
	for i, p := range paths {
		if i > 0 && paths[i-1] == p {
			continue
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return fmt.Errorf("webassets: %w", err)
		}
		dst := filepath.Join(dir, filepath.FromSlash(p))
		if old, err := os.ReadFile(dst); err == nil && string(old) == string(b) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("webassets: %w", err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return fmt.Errorf("webassets: %w", err)
		}
	}
	return nil
}
