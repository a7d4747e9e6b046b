//go:build faults

// Fault tests stop and start the shared local services, so they run only under `make faults`
// (go test -tags faults -run TestFault), one at a time, never beside the other tests.

package integration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/internal/testenv"
)

func services(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(testenv.RepoRoot(), "deploy/local/services.sh"), args...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("services.sh %v: %v\n%s", args, err, out)
	}
}

// loadProducer produces n reports (every 40th invalid) at about rate per second, retrying
// through broker outages, and returns the counts of valid and invalid messages produced. It
// runs in its own goroutine, so it reports failure as an error (only the test's goroutine may
// end the test).
func loadProducer(ctx context.Context, env *testenv.Env, n, rate int) (valid, invalid int, err error) {
	w := env.Broker.Writer(env.Config.Kafka.TopicReports)
	w.MaxAttempts = 3
	defer w.Close()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	per := max(rate/10, 1)
	for i := 0; i < n; i += per {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return valid, invalid, fmt.Errorf("producer stopped after %d of %d messages: %w", i, n, ctx.Err())
		}
		var batch []kafka.Message
		for j := i; j < min(i+per, n); j++ {
			m, _ := reportMsg(j, 1)
			if j%40 == 39 {
				m.Value = []byte(fmt.Sprintf(`{"schema":"reports.v1","report_id":"bad-%d","region_code":"999999"}`, j))
				invalid++
			} else {
				valid++
			}
			batch = append(batch, m)
		}
		for attempt := 0; ; attempt++ {
			actx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := w.WriteMessages(actx, batch...)
			cancel()
			if err == nil {
				break
			}
			if attempt > 120 || ctx.Err() != nil {
				return valid, invalid, fmt.Errorf("producer gave up after %d of %d messages: %w", i, n, err)
			}
			select {
			case <-time.After(time.Second):
			case <-ctx.Done():
			}
		}
	}
	return valid, invalid, nil
}

// producing runs loadProducer in the background; wait returns its counts, or ends the test
// (from the test's goroutine) if it failed. A test that ends early stops the producer and
// waits for it before its topics are deleted.
func producing(t *testing.T, env *testenv.Env, n, rate int) (wait func() (valid, invalid int)) {
	ctx, cancel := context.WithCancel(context.Background())
	var valid, invalid int
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		valid, invalid, err = loadProducer(ctx, env, n, rate)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return func() (int, int) {
		t.Helper()
		<-done
		if err != nil {
			t.Fatal(err)
		}
		return valid, invalid
	}
}

// reconcile waits until every valid message is readable in ClickHouse and every invalid one is
// in ingest_errors, then checks exactly-once and the DLQ topic, and prints the reconciliation.
func reconcile(t *testing.T, env *testenv.Env, name string, valid, invalid int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		v := count(t, env, "SELECT count() FROM reports_latest")
		d := count(t, env, "SELECT uniqExact(topic, partition, offset) FROM ingest_errors")
		if v >= uint64(valid) && d >= uint64(invalid) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: after 3 minutes %d of %d valid and %d of %d invalid messages are in ClickHouse", name, v, valid, d, invalid)
		}
		time.Sleep(500 * time.Millisecond)
	}
	readable := count(t, env, "SELECT count() FROM reports_latest")
	distinct := count(t, env, "SELECT uniqExact(report_id) FROM reports")
	deadRows := count(t, env, "SELECT uniqExact(topic, partition, offset) FROM ingest_errors")
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: env.Config.Kafka.Brokers, GroupID: env.Config.Kafka.Group + "-dlq", Topic: env.Config.Kafka.TopicDLQ, StartOffset: kafka.FirstOffset, MaxWait: 200 * time.Millisecond})
	defer r.Close()
	dlq := map[string]string{}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for { // everything in the topic: read until it has been quiet for the rest of 20 s
		m, err := r.ReadMessage(ctx)
		if errors.Is(err, context.DeadlineExceeded) {
			break
		}
		if err != nil {
			t.Fatalf("%s: reading %s: %v", name, env.Config.Kafka.TopicDLQ, err)
		}
		var dl contract.DeadLetter
		if err := json.Unmarshal(m.Value, &dl); err != nil {
			t.Errorf("%s: a message of %s at %d/%d is not a dead letter: %v", name, env.Config.Kafka.TopicDLQ, m.Partition, m.Offset, err)
			continue
		}
		dlq[fmt.Sprintf("%d/%d", dl.Partition, dl.Offset)] = string(dl.Error.Code)
	}
	fmt.Printf("reconciliation %s: produced %d valid, %d invalid; ClickHouse reads %d reports (%d distinct ids: exactly once), ingest_errors %d, dlq.v1 %d distinct dead letters\n",
		name, valid, invalid, readable, distinct, deadRows, len(dlq))
	if readable != uint64(valid) || distinct != uint64(valid) {
		t.Errorf("%s: %d readable reports, %d distinct, want exactly %d", name, readable, distinct, valid)
	}
	if deadRows != uint64(invalid) || len(dlq) != invalid {
		t.Errorf("%s: %d in ingest_errors, %d in dlq.v1, want %d", name, deadRows, len(dlq), invalid)
	}
	for at, code := range dlq {
		if code != string(contract.CodeBadRegion) && code != string(contract.CodeMissingField) {
			t.Errorf("%s: dead letter %s has code %s", name, at, code)
		}
	}
}

func startIngest(t *testing.T, env *testenv.Env) (*exec.Cmd, *strings.Builder) {
	var logs strings.Builder
	cmd := exec.Command(testenv.Binary(t), "ingest")
	cmd.Env = processEnv(env, "ECOWATCH_INGEST_BATCH_SIZE=2000")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("ingest log (tail):\n%s", tail(logs.String(), 3000))
		}
	})
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &logs
}

func stopIngest(t *testing.T, cmd *exec.Cmd, logs *strings.Builder) {
	t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("signalling ingest: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("ingest did not stop cleanly: %v\n%s", err, logs.String())
	}
}

func TestFaultClickHouseDownForAMinute(t *testing.T) {
	env := testenv.New(t)
	ingest, logs := startIngest(t, env)
	produced := producing(t, env, 40000, 400)
	time.Sleep(15 * time.Second)
	services(t, "stop", "clickhouse")
	fmt.Println("fault: ClickHouse stopped under load")
	time.Sleep(time.Minute)
	services(t, "start")
	fmt.Println("fault: ClickHouse started again")
	valid, invalid := produced()
	reconcile(t, env, "clickhouse-down", valid, invalid)
	stopIngest(t, ingest, logs)
	if !strings.Contains(logs.String(), "retrying") {
		t.Errorf("ingest never retried while ClickHouse was down:\n%s", logs.String())
	}
}

func TestFaultBrokerRestartUnderLoad(t *testing.T) {
	env := testenv.New(t)
	ingest, logs := startIngest(t, env)
	produced := producing(t, env, 30000, 500)
	time.Sleep(15 * time.Second)
	services(t, "stop", "kafka")
	fmt.Println("fault: Kafka broker stopped under load")
	time.Sleep(15 * time.Second)
	services(t, "start")
	fmt.Println("fault: Kafka broker started again")
	valid, invalid := produced()
	reconcile(t, env, "broker-restart", valid, invalid)
	stopIngest(t, ingest, logs)
}

// TestFaultDiskFullWhileWritingNotices runs the detectors with the output folder on a tiny
// tmpfs: the run fails with a clear error and leaves no half-written notice; after the disk is
// given room, the next run writes every notice, once.
func TestFaultDiskFullWhileWritingNotices(t *testing.T) {
	env := testenv.New(t)
	var msgs, events []kafka.Message
	for i := range 400 {
		m, _ := reportMsg(i, 1)
		msgs = append(msgs, m)
		events = append(events, eventMsg(i, contract.EventAccepted))
	}
	env.Produce(t, env.Config.Kafka.TopicReports, msgs...)
	env.Produce(t, env.Config.Kafka.TopicEvents, events...)
	runIngest(t, env, 1000)

	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mounting a small tmpfs (the test needs root): %v\n%s", err, out)
	}
	defer func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v\n%s", dir, err, out)
		}
	}()
	run := func() (string, error) {
		cmd := exec.Command(testenv.Binary(t), "alerts", "run", "--at", "2026-04-30T12:00")
		cmd.Env = processEnv(env, "ECOWATCH_OUT_DIR="+dir)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run()
	if err == nil || !strings.Contains(out, "no space left on device") {
		t.Fatalf("a full disk must fail the run with a clear error; got %v\n%s", err, out)
	}
	fmt.Println("fault: disk full while writing notices →", strings.TrimSpace(out[strings.LastIndex(out, "ecowatch"):]))
	checkFiles := func() (html int) {
		t.Helper()
		err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			if strings.HasPrefix(info.Name(), ".") { // internal/output's temporary files
				t.Errorf("half-written file left behind: %s", p)
			}
			if strings.HasSuffix(p, ".html") {
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				if !strings.HasSuffix(strings.TrimSpace(string(b)), "</html>") {
					t.Errorf("truncated notice %s", p)
				}
				html++
			}
			return nil
		})
		if err != nil {
			t.Fatalf("reading the notices in %s: %v", dir, err)
		}
		return html
	}
	checkFiles()
	if out, err := exec.Command("mount", "-o", "remount,size=64m", dir).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v\n%s", err, out)
	}
	if out, err := run(); err != nil {
		t.Fatalf("after the disk has room: %v\n%s", err, out)
	}
	html := checkFiles()
	records := count(t, env, "SELECT uniqExact(notice_id) FROM notices")
	if html == 0 || uint64(html) != records {
		t.Fatalf("%d HTML notices on disk, %d notice records", html, records)
	}
	fmt.Printf("reconciliation disk-full: %d notices written once each after the disk had room\n", html)
}

// TestFaultTwoInstancesOneKilled runs two ingest instances in one consumer group, kills one
// with SIGKILL mid-stream, and checks that the survivor takes over its partitions.
func TestFaultTwoInstancesOneKilled(t *testing.T) {
	env := testenv.New(t)
	a, _ := startIngest(t, env) // its log is shown if the test fails
	b, logsB := startIngest(t, env)
	produced := producing(t, env, 30000, 1000)
	time.Sleep(12 * time.Second)
	if err := a.Process.Kill(); err != nil {
		t.Fatalf("killing one instance: %v", err)
	}
	a.Wait() // "signal: killed", as intended
	fmt.Println("fault: one of two ingest instances killed (SIGKILL)")
	valid, invalid := produced()
	reconcile(t, env, "rebalance", valid, invalid)
	stopIngest(t, b, logsB)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
