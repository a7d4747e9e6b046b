package region

import "fmt"

// Level is the administrative level of a division.
type Level int

// The three levels of GB/T 2260.
const (
	Province   Level = 1 // 省级: province, autonomous region, municipality
	Prefecture Level = 2 // 地级: prefecture-level city, 地区, 自治州, 盟, and the placeholders 市辖区 / 省直辖…
	County     Level = 3 // 县级: district, county, county-level city, 旗 …
)

// String returns the English name of the level.
func (l Level) String() string {
	switch l {
	case Province:
		return "province"
	case Prefecture:
		return "prefecture"
	case County:
		return "county"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// Division is one administrative division.
type Division struct {
	Code     string // six-digit GB/T 2260 code
	Name     string // official name, e.g. "南山区"
	Level    Level
	Parent   string  // code of the parent division; empty for a province
	Lat, Lon float64 // approximate point, decimal degrees; meaningful only when HasCoord
	HasCoord bool
}

// Placeholder reports whether a division is a structural placeholder rather than a place (市辖区
// of a municipality, 县 of 重庆, 省直辖县级行政区划 …): it is no jurisdiction of its own, has no
// bureau of its own, and its name is left out of full names.
func (d Division) Placeholder() bool {
	switch d.Name {
	case "市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划":
		return true
	}
	return false
}

// Municipality reports whether the division is a municipality directly under the central
// government (直辖市: 北京, 天津, 上海, 重庆): a province whose districts sit under a placeholder
// prefecture, so its next level down is the district.
func (d Division) Municipality() bool {
	switch d.Code {
	case "110000", "120000", "310000", "500000":
		return true
	}
	return false
}
