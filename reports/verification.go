package reports

import (
	"strings"

	"github.com/ecowatch/ecowatch/store"
)

// TermClass is a named set of terms, one of which must occur in a text.
type TermClass struct {
	Name  string
	Terms []string
}

// sql is the condition that the text column col contains one of the terms.
func (c TermClass) sql(col string) string {
	if len(c.Terms) == 0 {
		return "0"
	}
	parts := make([]string, len(c.Terms))
	for i, t := range c.Terms {
		parts[i] = "position(" + col + ", " + store.Quote(t) + ") > 0"
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// verificationMethods classify how a report found untrue was verified, by terms of the
// closing summary (不属实问题现场查处情况). A case counts once for every method it mentions.
var verificationMethods = []TermClass{
	{Name: "现场检查核查", Terms: []string{"现场核查", "现场检查", "现场调查", "现场勘查", "实地核查", "实地检查"}},
	{Name: "采样监测", Terms: []string{"监测", "采样", "检测"}},
	{Name: "夜间或突击检查", Terms: []string{"夜间", "突击", "暗查", "暗访"}},
	{Name: "查阅手续资料", Terms: []string{"手续", "环评", "排污许可", "台账", "资料"}},
	{Name: "走访询问", Terms: []string{"走访", "询问", "问询"}},
}

// anyMethod is the union of the verification methods, to count the cases that name none.
func anyMethod() TermClass {
	c := TermClass{Name: anyMethodName}
	for _, m := range verificationMethods {
		c.Terms = append(c.Terms, m.Terms...)
	}
	return c
}

const anyMethodName = "~any"
