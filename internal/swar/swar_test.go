package swar

import "testing"

// The word tests agree with a byte at a time, for every byte value in every position.
func TestWordTestsAgreeWithBytes(t *testing.T) {
	for pos := 0; pos < 8; pos++ {
		for v := 0; v < 256; v++ {
			for _, fill := range []byte{0x00, 0x20, 0x7f, 0x80, 0xc2, 0xe4, 0xff} {
				b := []byte{fill, fill, fill, fill, fill, fill, fill, fill}
				b[pos] = byte(v)
				x := Load(string(b), 0)
				for _, n := range []byte{1, 10, 0x20, 0x80} {
					want := false
					for _, c := range b {
						want = want || c < n
					}
					if got := HasLess(x, n); got != want {
						t.Fatalf("HasLess(% x, %#x) = %v", b, n, got)
					}
				}
				for _, c := range []byte{0x00, '@', 0x7f, 0xc2, 0xff} {
					want := false
					for _, d := range b {
						want = want || d == c
					}
					if got := HasByte(x, c); got != want {
						t.Fatalf("HasByte(% x, %#x) = %v", b, c, got)
					}
				}
			}
		}
	}
	if got := Load("\x01\x02\x03\x04\x05\x06\x07\x08tail", 0); got != 0x0807060504030201 {
		t.Fatalf("Load = %#x", got)
	}
}

// FuzzWordTests: any eight bytes, any threshold up to 128.
func FuzzWordTests(f *testing.F) {
	f.Add([]byte("0123abc@"), byte(10), byte('@'))
	f.Fuzz(func(t *testing.T, b []byte, n, c byte) {
		if len(b) < 8 || n > 128 {
			return
		}
		x := Load(string(b), 0)
		less, has := false, false
		for _, d := range b[:8] {
			less, has = less || d < n, has || d == c
		}
		if HasLess(x, n) != less || HasByte(x, c) != has {
			t.Fatalf("% x: HasLess(%d) = %v, HasByte(%#x) = %v", b[:8], n, HasLess(x, n), c, HasByte(x, c))
		}
	})
}
