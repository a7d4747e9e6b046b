package dashboards

import "testing"

// A label chosen among several (a target's name, its place) is the one with most reports, ties
// broken by the smallest value, whatever the order the server returns them in.
func TestMostReported(t *testing.T) {
	for _, tc := range []struct {
		counts map[string]uint64
		want   string
	}{
		{map[string]uint64{}, ""},
		{map[string]uint64{"440305": 1}, "440305"},
		{map[string]uint64{"440783": 1, "440700": 1}, "440700"},
		{map[string]uint64{"440783": 2, "440700": 1}, "440783"},
		{map[string]uint64{"乙公司": 3, "甲公司": 3, "丙公司": 1}, "乙公司"},
	} {
		for range 20 { // map order varies between iterations
			if got := mostReported(tc.counts); got != tc.want {
				t.Fatalf("mostReported(%v) = %q, want %q", tc.counts, got, tc.want)
			}
		}
	}
}

func TestWithin(t *testing.T) {
	for _, tc := range []struct {
		j, rc uint64
		want  bool
	}{
		{0, 440305, true}, {440000, 440305, true}, {440000, 450100, false},
		{440300, 440305, true}, {440300, 440300, true}, {440300, 440106, false}, {110100, 110105, true},
	} {
		if got := within(tc.j, tc.rc); got != tc.want {
			t.Errorf("within(%d, %d) = %v", tc.j, tc.rc, got)
		}
	}
}
