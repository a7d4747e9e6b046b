package privacy

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/internal/cputime"
)

// redactBudget is the most CPU time one redaction of a text as large as the largest message
// ingest accepts may take, whatever its shape (issue 15). A linear scanner needs a few
// milliseconds; one that is not takes minutes on some shapes.
const redactBudget = 50 * time.Millisecond

// budgetFor is redactBudget for texts up to contract.MaxMessageBytes, and grows linearly
// beyond (a fuzzer may try larger inputs than ingest lets through).
func budgetFor(n int) time.Duration {
	return redactBudget * time.Duration(max(1, (n+contract.MaxMessageBytes-1)/contract.MaxMessageBytes))
}

// FuzzRedact: redaction never panics, keeps valid UTF-8 valid, leaves no mobile number,
// 18-digit ID number or given secret behind, and stays within its CPU budget — an input that
// makes it take longer fails the run (see cputime.Bound), rather than leaving a worker stuck.
// The hostile shapes of BenchmarkRedactShapes are in the corpus (testdata/fuzz/FuzzRedact/hostile-*).
func FuzzRedact(f *testing.F) {
	for _, s := range []string{"请联系13812345678", "身份证11010519491231002X", "a@b.cn", "电话 138-1234-5678", "+8613812345678", "0755-86001234", "王小明住幸福小区"} {
		f.Add(s, "王小明")
	}
	f.Fuzz(func(t *testing.T, text, secret string) {
		var out string
		budget := budgetFor(len(text) + len(secret))
		what := func() string { return fmt.Sprintf("Redact of a %d-byte text starting %q", len(text), clip(text, 40)) }
		if used := cputime.Bound(budget, what, func() { out = Redact(text, secret) }); used > budget {
			t.Fatalf("%s took %s of CPU, more than %s", what(), used, budget)
		}
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

// clip shortens s to n bytes for a failure message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// FuzzHasDigitOrAt: eight bytes at a time is strings.ContainsAny a byte at a time.
func FuzzHasDigitOrAt(f *testing.F) {
	for _, s := range []string{"", "电话", "一二三四五六七八九", "abcdefg9", "abcdefgh@", "河道发黑/:;?", "\x2f\x3a\x3f\x40"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := hasDigitOrAt(s), strings.ContainsAny(s, "0123456789@"); got != want {
			t.Fatalf("hasDigitOrAt(%q) = %v, want %v", s, got, want)
		}
	})
}
