package testenv

import (
	"net"
	"strings"
	"testing"
	"time"
)

func TestReachableNamesTheServiceThatDoesNotAnswer(t *testing.T) {
	up, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	gone, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := gone.Addr().String()
	gone.Close() // nothing listens there any more
	env := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}

	if err := Reachable(env(map[string]string{"ECOWATCH_CLICKHOUSE_ADDR": up.Addr().String(), "ECOWATCH_KAFKA_BROKERS": up.Addr().String()}), time.Second); err != nil {
		t.Errorf("both answer: %v", err)
	}
	err = Reachable(env(map[string]string{"ECOWATCH_CLICKHOUSE_ADDR": up.Addr().String(), "ECOWATCH_KAFKA_BROKERS": up.Addr().String() + "," + down}), time.Second)
	if err == nil {
		t.Fatal("a broker that does not answer was not reported")
	}
	for _, want := range []string{"Kafka does not answer at " + down, "ECOWATCH_KAFKA_BROKERS"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "ClickHouse") || strings.Contains(err.Error(), up.Addr().String()+" ") {
		t.Errorf("%q names a service that answers", err)
	}
}
