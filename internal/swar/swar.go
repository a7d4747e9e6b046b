// Package swar tests eight bytes of a string at once, in one 64-bit word ("SIMD within a
// register"): the byte scans that run over every report's free text (control characters,
// digits) read a word where they read a byte. It owns nothing else.
package swar

const (
	ones = 0x0101010101010101 // 0x01 in every byte
	high = 0x8080808080808080 // the high bit of every byte
)

// Load returns the eight bytes of s from i, the first in the lowest byte. s must hold them.
func Load(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

// Repeat is c in every byte of a word.
func Repeat(c byte) uint64 { return ones * uint64(c) }

// HasLess reports whether a byte of x is less than n, for n ≤ 128. (A byte subtracted below
// zero borrows from the next, which can only make that one look smaller too: the answer is
// exact for the word, not for each byte.)
func HasLess(x uint64, n byte) bool { return (x-Repeat(n))&^x&high != 0 }

// HasByte reports whether a byte of x is c.
func HasByte(x uint64, c byte) bool { return HasLess(x^Repeat(c), 1) }
