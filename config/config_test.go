package config

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

func TestDefaultsWorkLocally(t *testing.T) {
	c := Default()
	if c.Kafka.Brokers[0] != "127.0.0.1:9092" || c.ClickHouse.Addr[0] != "127.0.0.1:9000" || c.ClickHouse.Database != "ecowatch" {
		t.Fatalf("defaults do not point at the local services: %+v", c)
	}
	if c.ClickHouse.Cluster != "" {
		t.Fatalf("the default is a single server, got cluster %q", c.ClickHouse.Cluster)
	}
	if c.Kafka.TopicReports != "reports.v1" || c.Kafka.TopicEvents != "case-events.v1" || c.Kafka.TopicDLQ != "dlq.v1" || c.Kafka.TopicWarnings != "warnings.v1" {
		t.Fatalf("default topics differ from DESIGN §3: %+v", c.Kafka)
	}
}

func TestExampleFileMatchesSettings(t *testing.T) {
	var want bytes.Buffer
	if err := Example(&want); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../ecowatch.example.conf")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatal("ecowatch.example.conf is out of date: run `go run ./cmd/ecowatch config example > ecowatch.example.conf`")
	}
	c, err := Load("../ecowatch.example.conf", func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("the example file does not load: %v", err)
	}
	if c.Ingest.BatchWait != time.Second {
		t.Fatalf("batch wait %v", c.Ingest.BatchWait)
	}
}

func TestEnvironmentOverridesFile(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/c.conf"
	os.WriteFile(path, []byte("kafka.brokers = a:1, b:2\ningest.batch-size = 10\n"), 0o600)
	env := map[string]string{"ECOWATCH_INGEST_BATCH_SIZE": "20"}
	c, err := Load(path, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Kafka.Brokers) != 2 || c.Kafka.Brokers[1] != "b:2" || c.Ingest.BatchSize != 20 {
		t.Fatalf("got %+v %+v", c.Kafka.Brokers, c.Ingest)
	}
}

func TestBadValuesNameTheSettingAndAcceptedValues(t *testing.T) {
	cases := []struct{ line, want string }{
		{"ingest.batch-size = lots", "ingest.batch-size"},
		{"ingest.batch-size = 0", "from 1 to 200000"},
		{"kafka.sasl-mechanism = kerberos", "accepted: none, plain, scram-sha-256, scram-sha-512"},
		{"kafka.tls = yes", "accepted: true, false"},
		{"ingest.batch-wait = forever", "Go duration"},
		{"nosuch = 1", "unknown setting"},
		{"privacy.key = k:00", "only come from the environment"},
		{"no equals sign", "expected `name = value`"},
		{"clickhouse.cluster = eco watch", "clickhouse.cluster"},
		{"clickhouse.cluster = eco-watch", "accepted: letters, digits and _"},
	}
	for _, tc := range cases {
		path := t.TempDir() + "/c.conf"
		os.WriteFile(path, []byte(tc.line+"\n"), 0o600)
		_, err := Load(path, func(string) (string, bool) { return "", false })
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to mention %q", tc.line, err, tc.want)
		}
	}
}
