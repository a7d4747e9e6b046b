package privacy

import (
	"bytes"
	"strings"
	"testing"
)

const testKey = "test-1:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

func TestRedact(t *testing.T) {
	cases := []struct {
		name, in, want string
		secrets        []string
	}{
		{"mobile", "请联系我13812345678谢谢", "请联系我" + Mask + "谢谢", nil},
		{"mobile with separators", "电话 138-1234-5678。", "电话 " + Mask + "。", nil},
		{"plus86", "call +8613812345678 now", "call " + Mask + " now", nil},
		{"landline", "座机0755-86001234", "座机" + Mask, nil},
		{"id 18 with X", "身份证号11010519491231002X，", "身份证号" + Mask + "，", nil},
		{"email", "邮箱 zhang.san@example.com.", "邮箱 " + Mask + ".", nil},
		{"date kept", "2026年3月15日 20260315 晚上9点", "2026年3月15日 20260315 晚上9点", nil},
		{"amount kept", "罚款100000元", "罚款100000元", nil},
		{"hotline kept", "拨打12369举报", "拨打12369举报", nil},
		{"literal secrets", "我是王小明，住在幸福小区3栋", "我是" + Mask + "，住在" + Mask, []string{"王小明", "幸福小区3栋"}},
		{"one-char secret ignored", "王", "王", []string{"王"}},
		{"no @ domain", "a@b 无效", "a@b 无效", nil},
		// Numbers side by side with one space or hyphen between them are still each masked
		// (found by FuzzRedact: the groups used to be read as one long, harmless number).
		{"two mobiles", "电话13812345678 13912345678", "电话" + Mask + " " + Mask, nil},
		{"mobile after a digit", "第1 13812345678号", "第1 " + Mask + "号", nil},
		{"mobile after a count", "共3 138-1234-5678", "共3 " + Mask, nil},
		{"id in groups", "身份证 110105 19491231 002X 已核实", "身份证 " + Mask + " 已核实", nil},
		{"plus86 in groups", "+86 138 1234 5678", Mask, nil},
		{"grouped date kept", "2026 03 15", "2026 03 15", nil},
		{"X after a short number kept", "编号123X", "编号123X", nil},
		{"X after a mobile kept", "13812345678X", Mask + "X", nil},
		{"invalid UTF-8 secret ignored", "王小昺", "王小昺", []string{"\xe7\x8e"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Redact(tc.in, tc.secrets...); got != tc.want {
				t.Fatalf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestSealRoundTripAndBinding(t *testing.T) {
	k, err := ParseKey(testKey)
	if err != nil {
		t.Fatal(err)
	}
	plain := []byte(`{"name":"张三","phone":"13812345678"}`)
	sealed := k.Seal(plain, []byte("r-1"))
	if bytes.Contains(sealed, []byte("13812345678")) {
		t.Fatal("sealed value contains the plaintext")
	}
	got, err := k.Open(sealed, []byte("r-1"))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if len(sealed) != len(plain)+SealOverhead {
		t.Fatalf("sealed %d bytes of %d, SealOverhead says %d more", len(sealed), len(plain), SealOverhead)
	}
	// SealAppend leaves what dst holds and appends a value that opens the same way.
	appended := k.SealAppend([]byte("before"), plain, []byte("r-1"))
	if got, err := k.Open(appended[len("before"):], []byte("r-1")); string(appended[:len("before")]) != "before" || err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("SealAppend: %q, Open = %q, %v", appended[:len("before")], got, err)
	}
	if _, err := k.Open(sealed, []byte("r-2")); err == nil {
		t.Fatal("a ciphertext moved to another row must not open")
	}
	other, _ := ParseKey("test-2:ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	if _, err := other.Open(sealed, []byte("r-1")); err == nil || strings.Contains(err.Error(), "13812345678") {
		t.Fatalf("wrong key: err = %v", err)
	}
}

func TestPseudonymStableAndKeyed(t *testing.T) {
	k, _ := ParseKey(testKey)
	other, _ := ParseKey("test-2:ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	a, b := k.Pseudonym("13812345678"), k.Pseudonym("13812345678")
	if a != b || len(a) != 32 || a == other.Pseudonym("13812345678") || k.Pseudonym("") != "" {
		t.Fatalf("pseudonyms: %q %q %q", a, b, other.Pseudonym("13812345678"))
	}
}

func TestParseKeyErrorsDoNotEchoSecret(t *testing.T) {
	for _, bad := range []string{"", "nokey", "id:zz", "id:0011"} {
		_, err := ParseKey(bad)
		if err == nil {
			t.Fatalf("ParseKey(%q) accepted", bad)
		}
		if strings.Contains(err.Error(), "0011") {
			t.Fatalf("error echoes the secret: %v", err)
		}
	}
}

func BenchmarkRedact(b *testing.B) {
	text := strings.Repeat("某某化工有限公司夜间偷排废水，河道发黑发臭，", 20) + "请联系13812345678。"
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Redact(text, "王小明")
	}
}
