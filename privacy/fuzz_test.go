package privacy

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzRedact: redaction never panics, keeps valid UTF-8 valid, and leaves no mobile number,
// 18-digit ID number or given secret behind.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{"请联系13812345678", "身份证11010519491231002X", "a@b.cn", "电话 138-1234-5678", "+8613812345678", "0755-86001234", "王小明住幸福小区"} {
		f.Add(s, "王小明")
	}
	f.Fuzz(func(t *testing.T, text, secret string) {
		out := Redact(text, secret)
		if utf8.ValidString(text) && !utf8.ValidString(out) {
			t.Fatalf("Redact broke UTF-8: %q → %q", text, out)
		}
		// A secret is left when it can be read in the output apart from the masks (text next to
		// a mask can spell a "secret" that was never in the input, like "A[" in "A[已脱敏]").
		unmasked := strings.ReplaceAll(out, Mask, "\x00")
		if s := strings.TrimSpace(secret); utf8.ValidString(s) && len([]rune(s)) >= 2 && !strings.Contains(s, "\x00") && strings.Contains(unmasked, s) && !strings.Contains(text+secret, Mask) {
			t.Fatalf("secret %q left in %q", s, out)
		}
		if m := mobileIn(out); m != "" {
			t.Fatalf("mobile number %s left in %q (from %q)", m, out, text)
		}
	})
}

// mobileIn finds 11 consecutive digits starting with 1 with no digit around them.
func mobileIn(s string) string {
	for i := 0; i+11 <= len(s); i++ {
		if s[i] != '1' || (i > 0 && isDigit(s[i-1])) {
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if j-i == 11 {
			return s[i:j]
		}
	}
	return ""
}
