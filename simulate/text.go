package simulate

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// textVars are the values of template placeholders for one report.
type textVars struct {
	target  string // {T}
	road    string // {P}
	estate  string // {E}
	village string // {V}
	water   string // {R}
	address string // {A}
	count   int    // {K}
	short   string // {S}
	fine    int    // {F}
	phone   string // {M}
	name    string // {N}
}

// genericTarget names a party of a class when the reporter does not know its name.
var genericTarget = [numClasses]string{
	clsConstruction: "附近一家建筑公司", clsCatering: "一家饭店", clsEntertainment: "一家娱乐场所",
	clsChemical: "附近一家工厂", clsCoating: "附近一家工厂", clsMinerals: "附近一家搅拌站",
	clsLivestock: "附近一家养殖场", clsWaste: "附近一家回收站", clsUtility: "附近的污水处理厂",
	clsMining: "附近的采砂场", clsTelecom: "通信运营商",
}

// fill appends tpl to b with its placeholders replaced.
func fill(b *strings.Builder, tpl string, v *textVars) {
	for {
		i := strings.IndexByte(tpl, '{')
		if i < 0 || i+2 >= len(tpl) || tpl[i+2] != '}' {
			b.WriteString(tpl)
			return
		}
		b.WriteString(tpl[:i])
		switch tpl[i+1] {
		case 'T':
			b.WriteString(v.target)
		case 'P':
			b.WriteString(v.road)
		case 'E':
			b.WriteString(v.estate)
		case 'V':
			b.WriteString(v.village)
		case 'R':
			b.WriteString(v.water)
		case 'A':
			b.WriteString(v.address)
		case 'K':
			b.WriteString(strconv.Itoa(v.count))
		case 'S':
			b.WriteString(v.short)
		case 'F':
			b.WriteString(strconv.Itoa(v.fine))
		case 'M':
			b.WriteString(v.phone)
		case 'N':
			b.WriteString(v.name)
		default:
			b.WriteString(tpl[i : i+3])
		}
		tpl = tpl[i+3:]
	}
}

func fillString(tpl string, v *textVars) string {
	var b strings.Builder
	b.Grow(len(tpl) + 32)
	fill(&b, tpl, v)
	return b.String()
}

// newVars draws the place-related values of a report's text.
func (g *generator) newVars(r *rand.Rand, p *place, targetName string, t *topic) *textVars {
	v := &textVars{
		target:  targetName,
		road:    g.road(r),
		estate:  g.estate(r),
		village: g.village(r),
		water:   g.water(r),
		short:   t.short,
	}
	if v.target == "" {
		v.target = genericTarget[t.classes[0]]
	}
	if p.urban {
		v.address = p.fullName + v.road + strconv.Itoa(between(r, 1, 999)) + "号"
	} else {
		v.address = p.fullName + v.village
	}
	return v
}

// compose writes a report's title and content from its topic. repeat > 0 adds that the
// matter has been reported before; contact, when set, is mentioned in the text so that
// redaction has something to do. A non-nil alarm writes an alarm (an emergency, a polluted
// river) ending with one of its demands, instead of a grievance.
func compose(r *rand.Rand, p *place, t *topic, v *textVars, repeat int, contact, anonymous bool, alarm []string) (title, content string) {
	problem := pick(r, t.problems)
	own, rest, ok := strings.Cut(problem, "|")
	if ok {
		problem = rest
	}
	if ok && chance(r, 0.7) {
		title = fillString(own, v)
	} else {
		title = fillString(pick(r, t.titles), v)
	}
	var b strings.Builder
	b.Grow(600)
	if alarm != nil { // an alarm: what happens now, what it threatens, come at once
		if p.urban {
			fill(&b, pick(r, openingsUrban), v)
		} else {
			fill(&b, pick(r, openingsRural), v)
		}
		fill(&b, problem, v)
		b.WriteString("。")
		b.WriteString(pick(r, t.impacts))
		b.WriteString("。")
		b.WriteString(pick(r, alarm))
		if contact {
			fill(&b, pick(r, contactPhrases), v)
		}
		return title, b.String()
	}
	if p.urban {
		fill(&b, pick(r, openingsUrban), v)
	} else {
		fill(&b, pick(r, openingsRural), v)
	}
	if t.cat <= catEcology {
		b.WriteString(pick(r, timePhrases))
	}
	fill(&b, problem, v)
	b.WriteString("，")
	if t.cat <= catEcology {
		b.WriteString(pick(r, durations))
		b.WriteString("，")
	}
	b.WriteString(pick(r, t.impacts))
	b.WriteString("。")
	if repeat > 0 {
		v.count = repeat + 1
		fill(&b, pick(r, repeatPhrases), v)
		b.WriteString("希望这次能彻底解决。")
	} else {
		b.WriteString(pick(r, priors))
	}
	fill(&b, pick(r, demands), v)
	switch {
	case anonymous:
		b.WriteString(pick(r, anonymousPhrases))
	case contact:
		fill(&b, pick(r, contactPhrases), v)
	}
	return title, b.String()
}
