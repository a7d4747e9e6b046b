package contract

import (
	"encoding/json"
	"testing"
)

// FuzzReporterAppendJSON: the hand-written encoding of a reporter is encoding/json's, byte for
// byte, whatever the fields hold.
func FuzzReporterAppendJSON(f *testing.F) {
	f.Add("张三", "+86 139-1234-5678", "11010519800101123X", "a@b.cn", "某路1号", true)
	f.Add("", "", "", "", "", false)
	f.Add("<script>&\"\\", "\x00\x01\b\f\n\r\t\x7f", "\u2028\u2029", "\xff\xfe", "😀\U0001F4A9", false)
	f.Fuzz(func(t *testing.T, name, phone, id, email, address string, anonymous bool) {
		r := &Reporter{Name: name, Phone: phone, IDNumber: id, Email: email, Address: address, Anonymous: anonymous}
		want, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.AppendJSON(nil); string(got) != string(want) {
			t.Fatalf("AppendJSON = %s\n      Marshal = %s", got, want)
		}
	})
}
