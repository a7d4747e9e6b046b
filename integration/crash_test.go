package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/config"
	"github.com/ecowatch/ecowatch/internal/testenv"
)

// processEnv is the environment that points a child ecowatch process at the test's slice of
// the services.
func processEnv(env *testenv.Env, extra ...string) []string {
	c := env.Config
	vars := map[string]string{
		"clickhouse.addr":      strings.Join(c.ClickHouse.Addr, ","),
		"clickhouse.database":  c.ClickHouse.Database,
		"kafka.topic.reports":  c.Kafka.TopicReports,
		"kafka.topic.events":   c.Kafka.TopicEvents,
		"kafka.topic.warnings": c.Kafka.TopicWarnings,
		"kafka.topic.dlq":      c.Kafka.TopicDLQ,
		"kafka.group":          c.Kafka.Group,
		"privacy.key":          testenv.TestKey,
		"ingest.metrics-addr":  "",
		"out.dir":              c.OutDir,
	}
	out := os.Environ()
	for k, v := range vars {
		out = append(out, config.EnvName(k)+"="+v)
	}
	return append(out, extra...)
}

func TestKill9MidBatchLosesAndDuplicatesNothing(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	bin := testenv.Binary(t)
	const n = 40000
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i], _ = reportMsg(i, 1)
	}
	env.Produce(t, env.Config.Kafka.TopicReports, msgs...)

	logs := &strings.Builder{}
	first := exec.Command(bin, "ingest")
	first.Env = processEnv(env, "ECOWATCH_INGEST_BATCH_SIZE=1000", "ECOWATCH_INGEST_BATCH_WAIT=200ms")
	first.Stdout, first.Stderr = logs, logs
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until some, not all, batches are durable, then kill -9 while the next is in flight.
	deadline := time.Now().Add(2 * time.Minute)
	var atKill uint64
	for {
		atKill = count(t, env, "SELECT count() FROM raw_messages")
		if atKill >= 2000 {
			break
		}
		if time.Now().After(deadline) {
			first.Process.Kill()
			t.Fatalf("ingest made nothing durable in 2 minutes; log:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := first.Process.Kill(); err != nil { // SIGKILL: no flush, no commit
		t.Fatal(err)
	}
	first.Wait() // "signal: killed", as intended
	if atKill >= n {
		t.Fatalf("ingest finished all %d messages before the kill; the test exercised nothing", n)
	}
	t.Logf("killed with %d of %d messages durable", atKill, n)

	second := exec.Command(bin, "ingest", "--until-idle", "5s")
	second.Env = processEnv(env)
	out, err := second.CombinedOutput()
	if err != nil {
		t.Fatalf("restarted ingest: %v\n%s", err, out)
	}
	if got := count(t, env, "SELECT count() FROM reports_latest"); got != n {
		t.Fatalf("after kill and restart: %d reports readable, want exactly %d", got, n)
	}
	if got := count(t, env, "SELECT uniqExact(topic, partition, offset) FROM raw_messages"); got != n {
		t.Fatalf("after kill and restart: %d messages archived, want %d", got, n)
	}
	ctx := context.Background()
	var dupes uint64
	if err := env.Store.Conn().QueryRow(ctx, "SELECT count() FROM (SELECT report_id FROM reports_latest GROUP BY report_id HAVING count() > 1)").Scan(&dupes); err != nil {
		t.Fatalf("counting reports read twice: %v", err)
	}
	if dupes != 0 {
		t.Fatalf("%d reports read twice", dupes)
	}
}

func TestSIGTERMFlushesCommitsAndExits(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	bin := testenv.Binary(t)
	const n = 30000
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i], _ = reportMsg(i, 1)
	}
	env.Produce(t, env.Config.Kafka.TopicReports, msgs...)

	var out strings.Builder
	first := exec.Command(bin, "ingest")
	first.Env = processEnv(env, "ECOWATCH_INGEST_BATCH_SIZE=1000")
	first.Stdout, first.Stderr = &out, &out
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for count(t, env, "SELECT count() FROM raw_messages") < 2000 {
		if time.Now().After(deadline) {
			first.Process.Kill()
			t.Fatalf("ingest made nothing durable in 2 minutes; log:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("signalling ingest: %v", err)
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("ingest did not exit cleanly on SIGTERM: %v\n%s", err, out.String())
	}
	firstReports := reportsWritten(out.String())
	if firstReports == 0 || firstReports >= n {
		t.Fatalf("first run wrote %d reports; want some, not all\n%s", firstReports, out.String())
	}
	// What the first run reported as written was committed: the second run starts after it
	// and writes exactly the rest.
	second := exec.Command(bin, "ingest", "--until-idle", "4s")
	second.Env = processEnv(env)
	out2, err := second.CombinedOutput()
	if err != nil {
		t.Fatalf("second run: %v\n%s", err, out2)
	}
	secondReports := reportsWritten(string(out2))
	if firstReports+secondReports != n {
		t.Fatalf("first run %d + second run %d reports, want exactly %d: uncommitted work was redone or lost", firstReports, secondReports, n)
	}
	if got := count(t, env, "SELECT count() FROM reports_latest"); got != n {
		t.Fatalf("%d reports readable, want %d", got, n)
	}
}

// reportsWritten reads "ingest: N reports, …" from the output of `ecowatch ingest`.
func reportsWritten(out string) int {
	for _, line := range strings.Split(out, "\n") {
		var n int
		if _, err := fmt.Sscanf(line, "ingest: %d reports,", &n); err == nil {
			return n
		}
	}
	return -1
}
