package org

import (
	"testing"

	"github.com/ecowatch/ecowatch/region"
)

func TestNamesAndLine(t *testing.T) {
	d := New(region.Default())
	cases := []struct{ code, bureau, gov, above string }{
		{"440305", "广东省深圳市南山区生态环境局", "广东省深圳市南山区人民政府", "广东省深圳市生态环境局"},
		{"440300", "广东省深圳市生态环境局", "广东省深圳市人民政府", "广东省生态环境厅"},
		{"440000", "广东省生态环境厅", "广东省人民政府", "生态环境部"},
		{"110105", "北京市朝阳区生态环境局", "北京市朝阳区人民政府", "北京市生态环境局"},
		{"110100", "北京市生态环境局", "北京市人民政府", "生态环境部"},
		{"999999", "生态环境部", "国务院", "生态环境部"},
	}
	for _, tc := range cases {
		if got := d.Bureau(tc.code).Name; got != tc.bureau {
			t.Errorf("Bureau(%s) = %s, want %s", tc.code, got, tc.bureau)
		}
		if got := d.Government(tc.code).Name; got != tc.gov {
			t.Errorf("Government(%s) = %s, want %s", tc.code, got, tc.gov)
		}
		if got := d.Above(tc.code).Name; got != tc.above {
			t.Errorf("Above(%s) = %s, want %s", tc.code, got, tc.above)
		}
	}
}
