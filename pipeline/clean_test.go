package pipeline

import (
	"strings"
	"testing"
	"unicode"
)

// hasControl, eight bytes at a time, agrees with a byte at a time (controlIn over the whole
// string) and with unicode.IsControl on valid text, wherever the character falls in a word.
func TestHasControlFindsEveryControlCharacterAnywhere(t *testing.T) {
	for _, r := range []rune{0x00, 0x07, '\t', '\n', '\r', 0x1f, ' ', 0x7f, 0x80, 0x85, 0x9f, 0xa0, 0xb7, '中', 0x2028} {
		for pad := 0; pad < 17; pad++ {
			s := strings.Repeat("河", pad/3) + strings.Repeat("a", pad%3) + string(r) + strings.Repeat("b", 9-pad%9)
			want := unicode.IsControl(r) && r != '\n' && r != '\t'
			if got := hasControl(s); got != want || got != controlIn(s, 0, len(s)) {
				t.Fatalf("hasControl(%q) = %v, want %v", s, got, want)
			}
		}
	}
}

func FuzzHasControl(f *testing.F) {
	for _, s := range []string{"", "河道发黑", "abc\x07defghij", "12345678\xc2", "1234567\xc2\x85", "\xc2\xa0\xc2\x9f", "tab\tand\nnewline only"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := hasControl(s), controlIn(s, 0, len(s)); got != want {
			t.Fatalf("hasControl(%q) = %v, a byte at a time %v", s, got, want)
		}
	})
}
