package store

import (
	"testing"

	"github.com/ecowatch/ecowatch/config"
)

func TestCompressionAutoIsOffOnlyWhenEveryAddressIsLocal(t *testing.T) {
	for _, c := range []struct {
		setting string
		addrs   []string
		want    bool
	}{
		{"auto", []string{"127.0.0.1:9000"}, false},
		{"auto", []string{"localhost:9000", "[::1]:9000"}, false},
		{"auto", []string{"127.0.0.1:9000", "ch2.example.cn:9000"}, true},
		{"auto", []string{"10.0.0.5:9000"}, true},
		{"auto", nil, true},
		{"lz4", []string{"127.0.0.1:9000"}, true},
		{"none", []string{"10.0.0.5:9000"}, false},
	} {
		if got := compressed(config.ClickHouse{Compression: c.setting, Addr: c.addrs}); got != c.want {
			t.Errorf("compression %s, addresses %v: compressed %v, want %v", c.setting, c.addrs, got, c.want)
		}
	}
}
