package simulate

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/ecowatch/ecowatch/contract"
)

// company is a reportable party in one county.
type company struct {
	name       string
	creditCode string
	address    string
	industry   string
}

func (c *company) target() *contract.Target {
	return &contract.Target{Name: c.name, CreditCode: c.creditCode, Address: c.address, Industry: c.industry}
}

// pools holds the companies of each county and class, created on first use from a stream
// seeded by the county and class only, so a county's companies do not depend on the order in
// which places are drawn.
type pools struct {
	seed    int64
	perYear float64
	total   float64
	byKey   map[poolKey][]*company
}

type poolKey struct {
	place int
	class int
}

func newPools(seed int64, perYear, totalWeight float64) *pools {
	return &pools{seed: seed, perYear: perYear, total: totalWeight, byKey: map[poolKey][]*company{}}
}

// get returns the pool of a county and class. Its size gives each company about two reports
// a year from the background volume.
func (ps *pools) get(g *generator, p *place, class int) []*company {
	key := poolKey{p.idx, class}
	if pool, ok := ps.byKey[key]; ok {
		return pool
	}
	expected := ps.perYear * p.weight / ps.total * classShare[class]
	n := int(math.Round(expected / 2))
	n = max(5, min(n, 3000))
	r := rand.New(rand.NewPCG(uint64(ps.seed)^hash64(p.code), streamPool+uint64(class)))
	pool := make([]*company, n)
	seen := make(map[string]bool, n)
	for i := range pool {
		var c *company
		for try := 0; ; try++ {
			c = g.newCompany(r, p, class)
			if !seen[c.name] || try > 5 {
				break
			}
		}
		seen[c.name] = true
		pool[i] = c
	}
	ps.byKey[key] = pool
	return pool
}

// newCompany makes a company of a class in a county: a name like 深圳市华鑫化工有限公司, a
// credit code registered in the county, an address and the industry.
func (g *generator) newCompany(r *rand.Rand, p *place, class int) *company {
	ind := pick(r, classIndustries[class])
	tail := pick(r, ind.tails)
	core := pick(r, nameSyllables) + pick(r, nameSyllables)
	var name string
	switch {
	case strings.HasSuffix(tail, "有限公司") && r.IntN(10) < 7:
		name = p.company + core + tail
	case strings.HasSuffix(tail, "有限公司"):
		name = strings.TrimSuffix(strings.TrimSuffix(p.name, "区"), "县") + core + tail
	default: // shops, farms, stations: no place prefix
		name = core + tail
	}
	orgType := ind.orgType
	if orgType == '2' && strings.HasSuffix(tail, "有限公司") {
		orgType = '1'
	}
	var addr strings.Builder
	addr.WriteString(p.fullName)
	if class == clsChemical || class == clsCoating || class == clsMinerals {
		if r.IntN(2) == 0 {
			addr.WriteString(pick(r, nameSyllables) + pick(r, nameSyllables) + pick(r, []string{"工业园", "经济开发区", "高新区", "工业集中区"}))
		}
	}
	if class == clsLivestock || class == clsMining {
		addr.WriteString(g.village(r))
	} else {
		addr.WriteString(g.road(r))
		addr.WriteString(strconv.Itoa(between(r, 1, 999)))
		addr.WriteString("号")
	}
	return &company{
		name:       name,
		creditCode: newCreditCode(r, orgType, p.code),
		address:    addr.String(),
		industry:   ind.name,
	}
}
