package simulate

import (
	"regexp"
	"strings"
	"testing"
)

func TestCheckCharacters(t *testing.T) {
	tests := []struct {
		name  string
		valid func(string) bool
		in    string
		want  bool
	}{
		{"GB 32100 example", ValidCreditCode, "91350100M000100Y43", true},
		{"credit code, wrong check", ValidCreditCode, "91350100M000100Y44", false},
		{"credit code, letter I", ValidCreditCode, "91350100M000100I43", false},
		{"credit code, short", ValidCreditCode, "91350100M000100Y4", false},
		{"GB 11643 example", ValidIDNumber, "11010519491231002X", true},
		{"ID, wrong check", ValidIDNumber, "110105194912310021", false},
		{"ID, no such date", ValidIDNumber, "110105194902301234", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.valid(tc.in); got != tc.want {
				t.Errorf("%s → %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

var (
	mobileRe = regexp.MustCompile(`^1[3-9]\d{9}$`)
	emailRe  = regexp.MustCompile(`^[a-z0-9]+@[a-z0-9.]+\.(com|cn)$`)
	idRe     = regexp.MustCompile(`^(12369|XF)-\d{6}-\d{8}-\d{6}$`)
)

func TestIdentitiesWellFormed(t *testing.T) {
	d := decodeFixture(t)
	var anonymous, named, withContactInText, withTarget, withCo int
	targets := map[string]int{}
	for id, r := range d.reports {
		if !idRe.MatchString(id) || !strings.Contains(id, "-"+r.RegionCode+"-") || !strings.Contains(id, r.Received().Format("20060102")) {
			t.Errorf("report id %s does not match region %s and day %s", id, r.RegionCode, r.Received().Format("20060102"))
		}
		if (r.Kind == "petition") != strings.HasPrefix(id, "XF-") {
			t.Errorf("report id %s for kind %s", id, r.Kind)
		}
		if r.Target != nil && r.Target.CreditCode != "" {
			withTarget++
			targets[r.Target.CreditCode]++
			if !ValidCreditCode(r.Target.CreditCode) {
				t.Errorf("%s: invalid credit code %s", id, r.Target.CreditCode)
			}
			if r.Target.Industry == "" || r.Target.Name == "" {
				t.Errorf("%s: target without name or industry", id)
			}
		}
		if r.CoReporters > 0 {
			withCo++
		}
		rep := r.Reporter
		if rep == nil {
			t.Fatalf("%s: no reporter object", id)
		}
		if rep.Anonymous {
			anonymous++
			if !rep.Empty() {
				t.Errorf("%s: anonymous report with identity", id)
			}
			continue
		}
		named++
		if rep.Empty() {
			t.Errorf("%s: named report without identity", id)
		}
		if rep.Phone != "" && !mobileRe.MatchString(rep.Phone) {
			t.Errorf("%s: phone %q", id, rep.Phone)
		}
		if rep.IDNumber != "" && !ValidIDNumber(rep.IDNumber) {
			t.Errorf("%s: ID number %q", id, rep.IDNumber)
		}
		if rep.Email != "" && !emailRe.MatchString(rep.Email) {
			t.Errorf("%s: e-mail %q", id, rep.Email)
		}
		if rep.Phone != "" && strings.Contains(r.Content, rep.Phone) {
			withContactInText++
		}
	}
	total := anonymous + named
	if share := float64(anonymous) / float64(total); share < 0.12 || share > 0.25 {
		t.Errorf("anonymous share %.3f, want ≈ 0.2 × 0.93", share)
	}
	if withContactInText == 0 || withCo == 0 {
		t.Errorf("no phone in any text (%d) or no co-reporters (%d)", withContactInText, withCo)
	}
	repeated := 0
	for _, n := range targets {
		if n >= 5 {
			repeated++
		}
	}
	if repeated == 0 {
		t.Errorf("no company reported 5 times or more among %d targets", len(targets))
	}
}
