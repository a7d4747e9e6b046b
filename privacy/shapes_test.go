package privacy

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/internal/cputime"
)

// hostileShape is a text made to exercise the redaction scanner's worst paths: long runs of
// short digit groups, separators, '@' and '.', plus signs, X check characters, and secrets
// that almost match everywhere.
type hostileShape struct {
	name    string
	unit    string // repeated to the wanted size
	secrets []string
}

var hostileShapes = []hostileShape{
	{name: "digit-space", unit: "1 "},
	{name: "digit-hyphen", unit: "1-"},
	{name: "pairs-space", unit: "13 "},
	{name: "digits", unit: "1"},
	{name: "mobile-groups", unit: "138 1234 5678 "},
	{name: "id-groups-X", unit: "110105 19491231 002X "},
	{name: "digit-X", unit: "1X"},
	{name: "plus-digit", unit: "+1"},
	{name: "at", unit: "@"},
	{name: "dot", unit: "."},
	{name: "at-dot", unit: "a@."},
	{name: "local-at", unit: "a.b@"},
	{name: "emails", unit: "a@b.cn "},
	{name: "digits-at-dot", unit: "1@1.1"},
	{name: "chinese-digits", unit: "第1号"},
	{name: "near-secret", unit: "王小", secrets: []string{"王小明", strings.Repeat("王小", 100) + "明"}},
	{name: "complaint", unit: "某某化工有限公司夜间偷排废水，河道发黑发臭，请联系13812345678。"},
}

// text returns the shape repeated to n bytes (cut at a unit boundary, at least one unit).
func (s hostileShape) text(n int) string {
	return strings.Repeat(s.unit, max(n/len(s.unit), 1))
}

// benchSizes are the text sizes of BenchmarkRedactShapes: 1 KB to 256 KB.
var benchSizes = []int{1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10}

// BenchmarkRedactShapes measures redaction on each hostile shape from 1 KB to 256 KB. The
// scanner is linear when MB/s is the same at every size of a shape. BenchmarkRedact (a
// typical complaint) is the anchor to compare runs taken on a busy machine.
func BenchmarkRedactShapes(b *testing.B) {
	for _, s := range hostileShapes {
		for _, n := range benchSizes {
			text := s.text(n)
			b.Run(fmt.Sprintf("%s/%dKB", s.name, n>>10), func(b *testing.B) {
				b.SetBytes(int64(len(text)))
				for b.Loop() {
					Redact(text, s.secrets...)
				}
			})
		}
	}
}

// TestRedactHostileShapesWithinBudget: redacting a text as large as the largest message ingest
// accepts takes less than redactBudget of CPU in every hostile shape.
func TestRedactHostileShapesWithinBudget(t *testing.T) {
	for _, s := range hostileShapes {
		text := s.text(contract.MaxMessageBytes)
		what := func() string { return fmt.Sprintf("Redact of %d bytes of %q", len(text), s.name) }
		used := cputime.Bound(redactBudget, what, func() { Redact(text, s.secrets...) })
		if used > redactBudget {
			t.Errorf("%s took %s of CPU, more than %s", what(), used, redactBudget)
		}
	}
}
