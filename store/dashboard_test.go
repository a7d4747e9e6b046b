package store

import "testing"

func TestMostFrequentNameIsTheSameWhateverTheOrder(t *testing.T) {
	cases := []struct {
		counts map[string]uint64
		want   string
	}{
		{map[string]uint64{"某某化工有限公司": 3, "某某化工": 5}, "某某化工"},
		{map[string]uint64{"乙公司": 2, "甲公司": 2, "丙公司": 1}, "乙公司"}, // a tie: the first in byte order
		{map[string]uint64{"": 4, "某厂": 1}, ""},
		{map[string]uint64{}, ""},
	}
	for _, tc := range cases {
		for range 20 { // map iteration order varies from run to run
			if got := mostFrequent(tc.counts); got != tc.want {
				t.Fatalf("mostFrequent(%v) = %q, want %q", tc.counts, got, tc.want)
			}
		}
	}
}
