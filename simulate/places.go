package simulate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/ecowatch/ecowatch/region"
)

// place is one finest division (a county, or a prefecture-level city without counties) that
// reports are filed in, with its population-like weight.
type place struct {
	idx      int
	code     string
	name     string // e.g. 南山区
	fullName string // e.g. 广东省深圳市南山区
	pref     string // prefecture-level code (itself for a city without counties)
	prov     string // province code
	org      string // code of the bureau that takes in its reports (prefecture, or province for 市辖区 placeholders)
	company  string // place prefix of company names, e.g. 深圳市
	lat, lon float64
	hasCoord bool
	weight   float64
	urban    bool // a city district: noise-heavy; otherwise rural: water, ecology, livestock heavier
}

// Prefecture ranks: the weight of a city district depends on the city it belongs to.
const (
	rankTier1      = 100 // 北京、上海、广州、深圳
	rankMunicipal  = 50  // 天津、重庆
	rankSubProv    = 50  // 副省级城市
	rankCapital    = 35  // other provincial capitals
	rankPrefecture = 10  // any other prefecture-level city
)

// subProvincial lists the 副省级城市 other than 广州 and 深圳 (which are tier 1).
var subProvincial = []string{
	"230100", "220100", "210100", "210200", "370100", "370200", "320100", "330100",
	"330200", "350200", "420100", "510100", "610100",
}

// capitals lists the remaining provincial capitals.
var capitals = []string{
	"130100", "140100", "150100", "340100", "350100", "360100", "410100", "430100",
	"450100", "460100", "520100", "530100", "540100", "620100", "630100", "640100", "650100",
}

// prefectureRank returns the rank of the prefecture a code belongs to, by code prefix.
func prefectureRank(code string) float64 {
	prov, pref := code[:2], code[:4]+"00"
	switch {
	case prov == "11" || prov == "31" || pref == "440100" || pref == "440300":
		return rankTier1
	case prov == "12" || prov == "50":
		return rankMunicipal
	}
	for _, c := range subProvincial {
		if c == pref {
			return rankSubProv
		}
	}
	for _, c := range capitals {
		if c == pref {
			return rankCapital
		}
	}
	return rankPrefecture
}

// regionalFactor damps the sparsely populated west (西藏, 青海, 新疆) and the dry north-west.
func regionalFactor(code string) float64 {
	switch code[:2] {
	case "54", "63", "65":
		return 0.4
	case "62", "64", "15":
		return 0.75
	}
	return 1
}

// placeWeight is the population-like weight heuristic. A division's weight is set by the
// suffix of its name and the rank of its prefecture:
//
//	district (区) of a city:        the city's rank (100 tier 1, 50 天津/重庆/副省级, 35 capital, 10 other)
//	prefecture-level city without counties: 60 for 东莞 and 中山, 20 otherwise
//	county-level city (市):          6
//	county (县), 特区:                2.5
//	autonomous county (自治县):       1.2
//	banner (旗, 自治旗), 林区:         0.6
//
// times a regional factor (0.4 for 西藏, 青海, 新疆; 0.75 for 甘肃, 宁夏, 内蒙古) and a stable
// per-code jitter (log-normal, σ 0.35, from a hash of the code). A district of Shenzhen thus
// weighs about 100 and a banner in Inner Mongolia about 0.5: two orders of magnitude, as
// between the 12369 volumes of a megacity district and a pastoral county.
func placeWeight(d region.Division, leafPrefecture bool) (w float64, urban bool) {
	name := d.Name
	switch {
	case leafPrefecture && (d.Code == "441900" || d.Code == "442000"):
		w, urban = 60, true
	case leafPrefecture:
		w, urban = 20, true
	case strings.HasSuffix(name, "林区"):
		w = 0.6
	case strings.HasSuffix(name, "区"):
		w, urban = prefectureRank(d.Code), true
	case strings.HasSuffix(name, "自治县"):
		w = 1.2
	case strings.HasSuffix(name, "旗"):
		w = 0.6
	case strings.HasSuffix(name, "县"), strings.HasSuffix(name, "特区"):
		w = 2.5
	case strings.HasSuffix(name, "市"):
		w = 6
	default:
		w = 2.5
	}
	w *= regionalFactor(d.Code)
	// stable jitter: the same county weighs the same in every stream
	jr := rand.New(rand.NewPCG(hash64(d.Code), streamPool))
	w *= math.Exp(0.35 * jr.NormFloat64())
	return w, urban
}

// placeTable holds the places of a scope and draws from them by weight.
type placeTable struct {
	all        []*place
	byCode     map[string]*place
	total      float64 // sum of weights in scope
	nation     float64 // sum of weights of the whole country
	urbanW     float64
	ruralW     float64
	urbanAlias alias
	ruralAlias alias
	urbanIdx   []int
	ruralIdx   []int
}

func buildPlaces(t *region.Table, province string) (*placeTable, error) {
	leaves := t.Leaves("")
	pt := &placeTable{byCode: make(map[string]*place, len(leaves))}
	for _, d := range leaves {
		leafPref := d.Level == region.Prefecture
		w, urban := placeWeight(d, leafPref)
		pt.nation += w
		if province != "" && d.Code[:2] != province[:2] {
			continue
		}
		p := &place{
			idx: len(pt.all), code: d.Code, name: d.Name, fullName: t.FullName(d.Code),
			lat: d.Lat, lon: d.Lon, hasCoord: d.HasCoord, weight: w, urban: urban,
		}
		prov, _ := t.Province(d.Code)
		p.prov = prov.Code
		pref, ok := t.Prefecture(d.Code)
		if !ok {
			pref = d
		}
		p.pref = pref.Code
		p.org = pref.Code
		p.company = pref.Name
		switch {
		case pref.Name == "市辖区" || pref.Name == "县":
			p.org, p.company = prov.Code, prov.Name
		case strings.HasPrefix(pref.Name, "省直辖") || strings.HasPrefix(pref.Name, "自治区直辖"):
			p.org, p.company = prov.Code, d.Name
		}
		pt.all = append(pt.all, p)
		pt.byCode[p.code] = p
		pt.total += w
	}
	if len(pt.all) == 0 {
		return nil, fmt.Errorf("simulate: scope %q has no counties", province)
	}
	var uw, rw []float64
	for _, p := range pt.all {
		if p.urban {
			pt.urbanIdx = append(pt.urbanIdx, p.idx)
			uw = append(uw, p.weight)
			pt.urbanW += p.weight
		} else {
			pt.ruralIdx = append(pt.ruralIdx, p.idx)
			rw = append(rw, p.weight)
			pt.ruralW += p.weight
		}
	}
	pt.urbanAlias = newAlias(uw)
	pt.ruralAlias = newAlias(rw)
	return pt, nil
}

// draw picks a place of the given class by weight.
func (pt *placeTable) draw(r *rand.Rand, urban bool) *place {
	if urban && len(pt.urbanIdx) > 0 || len(pt.ruralIdx) == 0 {
		return pt.all[pt.urbanIdx[pt.urbanAlias.draw(r)]]
	}
	return pt.all[pt.ruralIdx[pt.ruralAlias.draw(r)]]
}

// drawFlat picks a place with probability proportional to weight^0.5: injected events land
// in cities more often than in counties, but rural counties get their share too.
func (pt *placeTable) drawFlat(r *rand.Rand) *place {
	x := r.Float64()
	sum := 0.0
	for _, p := range pt.all {
		sum += math.Sqrt(p.weight)
	}
	x *= sum
	for _, p := range pt.all {
		x -= math.Sqrt(p.weight)
		if x < 0 {
			return p
		}
	}
	return pt.all[len(pt.all)-1]
}
