package simulate

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/ecowatch/ecowatch/contract"
)

// uscc is the character set of the unified social credit code (GB 32100-2015): digits and
// capital letters without I, O, Z, S, V.
const uscc = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

var orgCodeWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// orgCodeCheck computes the check character of an organisation code body (GB 11714).
func orgCodeCheck(body string) byte {
	sum := 0
	for i := 0; i < 8; i++ {
		c := body[i]
		v := int(c - '0')
		if c >= 'A' && c <= 'Z' {
			v = int(c-'A') + 10
		}
		sum += v * orgCodeWeights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + c)
	}
}

// usccCheck computes the 18th character of a unified social credit code from the first 17.
func usccCheck(code17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(uscc, code17[i]) * usccWeights[i]
	}
	return uscc[(31-sum%31)%31]
}

// ValidCreditCode reports whether s is a well-formed unified social credit code with a
// correct check character (GB 32100-2015).
func ValidCreditCode(s string) bool {
	if len(s) != 18 {
		return false
	}
	for i := 0; i < 18; i++ {
		if strings.IndexByte(uscc, s[i]) < 0 {
			return false
		}
	}
	return usccCheck(s[:17]) == s[17]
}

// newCreditCode makes a unified social credit code: registration authority 9 (market
// regulation), the organisation type, the registering division's code, an organisation code
// with its GB 11714 check character, and the GB 32100 check character.
func newCreditCode(r *rand.Rand, orgType byte, regionCode string) string {
	var b [18]byte
	b[0] = '9'
	b[1] = orgType
	copy(b[2:8], regionCode)
	// organisation code body: "MA" + six characters (issued since 2015) or eight digits (older)
	if r.IntN(3) > 0 {
		b[8], b[9] = 'M', 'A'
		for i := 10; i < 16; i++ {
			b[i] = uscc[r.IntN(len(uscc))]
		}
	} else {
		for i := 8; i < 16; i++ {
			b[i] = byte('0' + r.IntN(10))
		}
	}
	b[16] = orgCodeCheck(string(b[8:16]))
	b[17] = usccCheck(string(b[:17]))
	return string(b[:])
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// idCheck computes the check character of a resident identity number (GB 11643).
func idCheck(id17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(id17[i]-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

// ValidIDNumber reports whether s is an 18-character resident identity number with a valid
// birth date and check character (GB 11643).
func ValidIDNumber(s string) bool {
	if len(s) != 18 {
		return false
	}
	for i := 0; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	if _, err := time.Parse("20060102", s[6:14]); err != nil {
		return false
	}
	return idCheck(s[:17]) == s[17]
}

// newIDNumber makes an identity number: the division code of registration, a birth date
// between 1950 and 2005, a sequence number whose parity gives the sex, and the check character.
func newIDNumber(r *rand.Rand, regionCode string, male bool) string {
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(56*365))
	seq := r.IntN(500) * 2
	if male {
		seq++
	}
	id17 := regionCode + birth.Format("20060102") + pad3(seq)
	return id17 + string(idCheck(id17))
}

func pad3(n int) string {
	s := strconv.Itoa(n)
	return strings.Repeat("0", 3-len(s)) + s
}

func newMobile(r *rand.Rand) string {
	var b strings.Builder
	b.Grow(11)
	b.WriteString(pick(r, mobilePrefixes))
	for i := 0; i < 8; i++ {
		b.WriteByte(byte('0' + r.IntN(10)))
	}
	return b.String()
}

func newPersonName(r *rand.Rand) string {
	n := pick(r, surnames) + pick(r, givenChars)
	if r.IntN(10) < 7 {
		n += pick(r, givenChars)
	}
	return n
}

func newEmail(r *rand.Rand) string {
	var b strings.Builder
	if r.IntN(2) == 0 { // QQ mail: the QQ number
		b.WriteByte(byte('1' + r.IntN(9)))
		for i, n := 0, between(r, 6, 9); i < n; i++ {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
		b.WriteString("@qq.com")
		return b.String()
	}
	for i, n := 0, between(r, 4, 8); i < n; i++ {
		b.WriteByte(mailLetters[r.IntN(len(mailLetters))])
	}
	if r.IntN(2) == 0 {
		b.WriteString(strconv.Itoa(between(r, 1960, 2005)))
	}
	b.WriteByte('@')
	b.WriteString(pick(r, mailDomains))
	return b.String()
}

// newReporter makes a fake but well-formed identity whose fields depend on the channel: callers
// leave a phone number and often only a surname with 先生/女士; petitioners by letter or visit
// give a full name, an ID number and an address.
func (g *generator) newReporter(r *rand.Rand, p *place, c cell) *contract.Reporter {
	home := p.code
	if r.IntN(100) < 15 {
		home = g.places.all[r.IntN(len(g.places.all))].code
	}
	male := r.IntN(2) == 0
	rep := &contract.Reporter{}
	name := newPersonName(r)
	switch {
	case c.petition:
		rep.Name = name
		rep.Phone = newMobile(r)
		if c.channel != "web" && c.channel != "email" || r.IntN(2) == 0 {
			rep.IDNumber = newIDNumber(r, home, male)
		}
		if c.channel == "email" || r.IntN(4) == 0 {
			rep.Email = newEmail(r)
		}
		rep.Address = g.homeAddress(r, home)
	case c.channel == "phone":
		rep.Phone = newMobile(r)
		switch r.IntN(10) {
		case 0, 1, 2, 3:
			rep.Name = name
		case 4, 5, 6:
			rep.Name = string([]rune(name)[:1]) + pick(r, []string{"先生", "女士"})
		}
		if r.IntN(10) == 0 {
			rep.IDNumber = newIDNumber(r, home, male)
		}
	default: // wechat, web
		if r.IntN(10) < 7 {
			rep.Name = name
		}
		if r.IntN(10) < 8 {
			rep.Phone = newMobile(r)
		}
		if c.channel == "web" && r.IntN(10) < 6 {
			rep.Email = newEmail(r)
		}
		if r.IntN(10) < 2 {
			rep.IDNumber = newIDNumber(r, home, male)
		}
		if r.IntN(10) < 3 {
			rep.Address = g.homeAddress(r, home)
		}
	}
	if rep.Empty() {
		rep.Phone = newMobile(r)
	}
	return rep
}

// homeAddress is a residential address in the given division.
func (g *generator) homeAddress(r *rand.Rand, code string) string {
	full := g.regions.FullName(code)
	return full + g.road(r) + strconv.Itoa(between(r, 1, 999)) + "号" + g.estate(r) +
		strconv.Itoa(between(r, 1, 30)) + "栋" + strconv.Itoa(between(r, 1, 6)) + "单元" +
		strconv.Itoa(between(r, 1, 32)) + "0" + strconv.Itoa(between(r, 1, 6)) + "室"
}

func (g *generator) road(r *rand.Rand) string { return pick(r, roadHeads) + pick(r, roadTails) }

func (g *generator) estate(r *rand.Rand) string {
	return pick(r, nameSyllables) + pick(r, nameSyllables) + pick(r, estateTails)
}

func (g *generator) village(r *rand.Rand) string {
	return pick(r, nameSyllables) + pick(r, nameSyllables) + pick(r, []string{"村", "村", "庄", "屯", "社区"})
}

func (g *generator) water(r *rand.Rand) string {
	return pick(r, nameSyllables) + pick(r, waterTails)
}
