//go:build cluster

package cluster

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// The main job on the cluster, each command given several addresses of each service: topics
// with three replicas, a simulated fortnight of one province produced to the brokers, ingest,
// the detectors; afterwards both replicas hold the same rows and `ecowatch summary` says the
// same thing whichever replica it reads.
func TestSimulateIngestSummaryOnTheCluster(t *testing.T) {
	env := newEnv(t) // the cluster's settings and a clean-up of its own database and topics
	cfg := env.Config
	db := "ecowatch_test_e2e_" + env.Suffix
	prefix := "c-e2e-" + env.Suffix + "."
	settings := map[string]string{
		"clickhouse.database":  db,
		"kafka.topic.reports":  prefix + "reports.v1",
		"kafka.topic.events":   prefix + "case-events.v1",
		"kafka.topic.warnings": prefix + "warnings.v1",
		"kafka.topic.dlq":      prefix + "dlq.v1",
		"kafka.group":          prefix + "ingest",
		"privacy.key":          "e2e-key:" + strings.Repeat("3c", 32),
		"ingest.metrics-addr":  "",
		"out.dir":              t.TempDir(),
	}
	topics := []string{settings["kafka.topic.reports"], settings["kafka.topic.events"], settings["kafka.topic.warnings"], settings["kafka.topic.dlq"]}
	conns := replicas(t, cfg.ClickHouse)
	client := &kafka.Client{Addr: kafka.TCP(cfg.Kafka.Brokers...), Timeout: 15 * time.Second}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conns[0].Exec(ctx, "DROP DATABASE IF EXISTS "+db+" ON CLUSTER "+cfg.ClickHouse.Cluster)
		client.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: topics})
	})

	t.Log(strings.TrimSpace(run(t, settings, "topics", "--replication", "3")))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		t.Fatal(err)
	}
	for _, topic := range meta.Topics {
		for _, p := range topic.Partitions {
			if len(p.Replicas) != 3 || len(p.Isr) != 3 {
				t.Fatalf("%s/%d has %d replicas, %d in sync; want 3 and 3", topic.Name, p.ID, len(p.Replicas), len(p.Isr))
			}
		}
	}
	configs, err := client.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{
		{ResourceType: kafka.ResourceTypeTopic, ResourceName: topics[0], ConfigNames: []string{"min.insync.replicas"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if v := configs.Resources[0].ConfigEntries[0].ConfigValue; v != "2" {
		t.Fatalf("min.insync.replicas of %s is %s, want 2", topics[0], v)
	}

	t.Log(strings.TrimSpace(run(t, settings, "simulate", "--from", "2026-09-01", "--to", "2026-09-15", "--scope", "440000", "--seed", "7")))
	t.Log(strings.TrimSpace(run(t, settings, "--log-level", "warn", "ingest", "--until-idle", "5s")))
	t.Log(strings.TrimSpace(run(t, settings, "--log-level", "warn", "alerts", "run", "--at", "2026-09-14T18:00")))

	syncReplicas(t, conns, db)
	var summaries []string
	for i, addr := range cfg.ClickHouse.Addr {
		one := map[string]string{"clickhouse.addr": addr}
		for k, v := range settings {
			one[k] = v
		}
		summaries = append(summaries, run(t, one, "summary"))
		t.Logf("summary read from replica %d (%s):\n%s", i+1, addr, summaries[i])
	}
	// The counts must agree; the example of each dead-letter code is any one row of that code,
	// which the replicas need not pick alike.
	if withoutExamples(summaries[0]) != withoutExamples(summaries[1]) {
		t.Fatalf("the replicas disagree:\n%s\n---\n%s", summaries[0], summaries[1])
	}
	if reports := firstNumber(t, summaries[0], "reports (latest versions):"); reports < 500 {
		t.Fatalf("only %d reports landed; the simulated fortnight has more", reports)
	}
	var counts [2]string
	for i, conn := range conns {
		var b strings.Builder
		for _, table := range []string{"reports", "case_events", "contacts", "raw_messages", "ingest_errors", "warnings", "notices", "deliveries", "case_states", "detector_runs"} {
			fmt.Fprintf(&b, "%s=%d ", table, queryCount(t, conn, "SELECT count() FROM "+db+"."+table))
		}
		counts[i] = b.String()
	}
	t.Logf("rows on replica 1: %s\nrows on replica 2: %s", counts[0], counts[1])
	if counts[0] != counts[1] {
		t.Fatal("the replicas hold different row counts")
	}
}

func firstNumber(t *testing.T, text, label string) int {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(line, label); ok {
			n, err := strconv.Atoi(strings.TrimSpace(rest))
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			return n
		}
	}
	t.Fatalf("no %q in:\n%s", label, text)
	return 0
}

func withoutExamples(summary string) string {
	var b strings.Builder
	for _, line := range strings.Split(summary, "\n") {
		line, _, _ = strings.Cut(line, "  e.g. ")
		b.WriteString(line + "\n")
	}
	return b.String()
}
