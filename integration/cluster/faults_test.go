//go:build cluster && faults

// The fault tests of the replicated deployment: kill -9 a ClickHouse replica during ingest,
// the broker leading the partitions under load, the leading `ecowatch run` in the middle of a
// detection cycle; pause the leader beyond its session; start two `ecowatch alerts run` at the
// same moment. Each ends with the reconciliation (deployment_test.go). They kill parts of
// `make cluster` and start them again, so they run only under `make cluster-faults`, one at a
// time.

package cluster

import (
	"context"
	"fmt"
	"maps"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/internal/testenv"
)

// Two `ecowatch run` ingest and detect while replica 1 — the one every instance writes to —
// is killed with SIGKILL: ingest goes on through replica 2; replica 1, started again a minute
// later, fetches what it missed, and both replicas end with the same rows.
func TestFaultReplicaKilledDuringIngest(t *testing.T) {
	d := newDeployment(t, "replica")
	s := simulated(t, 60_000, 11)
	a, b := d.start("run-a", "run"), d.start("run-b", "run")
	leader(t, time.Minute, a, b)
	produced := d.producing(s, 300)
	time.Sleep(15 * time.Second)
	before := d.count(1, "SELECT count() FROM {db}.reports")
	killPart(t, "clickhouse1")
	fmt.Println("fault: ClickHouse replica 1 killed (SIGKILL) during ingest")
	deadline := time.Now().Add(45 * time.Second)
	for d.count(1, "SELECT count() FROM {db}.reports") <= before {
		if time.Now().After(deadline) {
			t.Fatalf("no report reached replica 2 within 45 s of replica 1's death (it had %d)", before)
		}
		time.Sleep(time.Second)
	}
	fmt.Printf("fault: ingest goes on through replica 2 (%d reports there, %d before the kill)\n", d.count(1, "SELECT count() FROM {db}.reports"), before)
	time.Sleep(time.Until(deadline.Add(15 * time.Second))) // a minute down in all
	restarted := time.Now()
	startCluster(t)
	answers := time.Now()
	caughtUp := waitCaughtUp(t, d)
	fmt.Printf("fault: replica 1 started again after a minute down: it answered after %s and had caught up %s after its start\n",
		answers.Sub(restarted).Round(100*time.Millisecond), caughtUp.Sub(restarted).Round(100*time.Millisecond))
	produced()
	d.reconcile("replica-killed", s, reconciliation{stop: []*proc{a, b}})
}

// waitCaughtUp waits until replica 1's replication queue is empty and it holds as many rows of
// every replicated table as replica 2, and returns when that was first seen.
func waitCaughtUp(t testing.TB, d *deployment) time.Time {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for {
		queue := d.count(0, "SELECT toUInt64(sum(queue_size)) FROM system.replicas WHERE database = '{db}'")
		same := true
		for _, table := range []string{"reports", "case_events", "raw_messages", "warnings", "notices", "deliveries"} {
			if d.count(0, "SELECT count() FROM {db}."+table) < d.count(1, "SELECT count() FROM {db}."+table) {
				same = false
			}
		}
		if queue == 0 && same {
			return time.Now()
		}
		if time.Now().After(deadline) {
			t.Fatal("replica 1 did not catch up within 5 minutes")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// The broker that leads most partitions of reports.v1 is killed with SIGKILL while reports are
// produced (acks=all, min.insync.replicas 2) and ingested: leadership moves to the other
// brokers, nothing acknowledged is lost, and the broker, started again, rejoins.
func TestFaultLeadingBrokerKilledUnderLoad(t *testing.T) {
	d := newDeployment(t, "broker")
	s := simulated(t, 60_000, 12)
	a, b := d.start("run-a", "run"), d.start("run-b", "run")
	leader(t, time.Minute, a, b)
	produced := d.producing(s, 300)
	time.Sleep(15 * time.Second)
	part := leadingBroker(t, d)
	killPart(t, part)
	fmt.Printf("fault: Kafka broker %s, leader of most partitions of reports.v1, killed (SIGKILL) under load\n", strings.TrimPrefix(part, "kafka"))
	time.Sleep(20 * time.Second)
	startCluster(t)
	fmt.Println("fault: the broker started again")
	produced()
	d.reconcile("broker-killed", s, reconciliation{stop: []*proc{a, b}})
}

// leadingBroker is the cluster part (kafka1…3) that leads most partitions of the deployment's
// reports topic.
func leadingBroker(t testing.TB, d *deployment) string {
	t.Helper()
	client := &kafka.Client{Addr: kafka.TCP(d.cfg.Kafka.Brokers...), Timeout: 10 * time.Second}
	meta, err := client.Metadata(context.Background(), &kafka.MetadataRequest{Topics: []string{d.settings["kafka.topic.reports"]}})
	if err != nil {
		t.Fatal(err)
	}
	led := map[int]int{}
	for _, p := range meta.Topics[0].Partitions {
		led[p.Leader.ID]++
	}
	best := slices.MaxFunc(slices.Collect(maps.Keys(led)), func(a, b int) int { return led[a] - led[b] })
	return fmt.Sprintf("kafka%d", best) // cluster.sh gives broker i node.id i
}

// ingested produces the stream and ingests it with `ecowatch ingest` before any `run` starts,
// so that the first detection cycle of a run has the whole history to warn about.
func ingested(t testing.TB, d *deployment, s stream) {
	t.Helper()
	if err := d.produce(context.Background(), s, 0); err != nil {
		t.Fatal(err)
	}
	t.Log(strings.TrimSpace(run(t, d.settings, "--log-level", "warn", "ingest", "--until-idle", "5s")))
}

// The leading `ecowatch run` is killed with SIGKILL in the middle of a detection cycle — its
// reminders written as warning revisions, their notices being written — and the other
// instance takes over within a minute, runs the interrupted cycle again as of the same time,
// and finishes the work: no notice twice, none missing.
func TestFaultLeaderKilledMidCycle(t *testing.T) {
	d := newDeployment(t, "leader")
	s := simulated(t, 120_000, 13)
	ingested(t, d, s)
	a := d.start("run-a", "run")
	leader(t, time.Minute, a)
	b := d.start("run-b", "run")
	tick := midCycle(t, d, a)
	killed := time.Now()
	a.kill9(t)
	fmt.Printf("fault: the leading ecowatch run killed (SIGKILL) in the middle of the overdue cycle as of %s\n", tick.Format("15:04"))
	led := b.waitLog(t, time.Minute, "leading: the scheduled jobs run here")
	fmt.Printf("fault: the other instance leads %s after the kill\n", led.Sub(killed).Round(100*time.Millisecond))
	if led.Sub(killed) > time.Minute {
		t.Errorf("the takeover took %s, more than a minute", led.Sub(killed))
	}
	finishedBy(t, d, "overdue", tick, b)
	if n := d.count(0, fmt.Sprintf("SELECT count() FROM {db}.job_runs WHERE job = 'overdue' AND tick = toDateTime(%d) AND instance = '%s' AND outcome != 'started'", tick.Unix(), a.instance())); n != 0 {
		t.Fatalf("the killed leader recorded the end of its overdue cycle as of %s: it was not killed in the middle of it", tick)
	}
	time.Sleep(70 * time.Second) // a full minute of the new leader's own schedule
	d.reconcile("leader-killed", s, reconciliation{repeatsAllowed: true, stop: []*proc{b}})
}

// midCycle waits for the overdue job of p to be in the middle of its first cycle with work:
// its warning revisions are written and their notices not all acknowledged. It returns the
// cycle's time.
func midCycle(t testing.TB, d *deployment, p *proc) time.Time {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for d.count(0, "SELECT count() FROM {db}.warnings WHERE kind = 'overdue'") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no reminder was written within 3 minutes")
		}
		time.Sleep(20 * time.Millisecond)
	}
	var tick time.Time
	if err := d.conns[0].QueryRow(context.Background(), "SELECT max(tick) FROM "+d.db+".job_runs WHERE job = 'overdue' AND instance = ?", p.instance()).Scan(&tick); err != nil {
		t.Fatal(err)
	}
	return tick.In(calendar.Shanghai)
}

// finishedBy waits until p has recorded a finished run of job as of tick.
func finishedBy(t testing.TB, d *deployment, job string, tick time.Time, p *proc) {
	t.Helper()
	q := fmt.Sprintf("SELECT count() FROM {db}.job_runs WHERE job = '%s' AND tick = toDateTime(%d) AND instance = '%s' AND outcome = 'done'", job, tick.Unix(), p.instance())
	deadline := time.Now().Add(3 * time.Minute)
	for d.count(0, q) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not finish the %s cycle as of %s within 3 minutes", p.name, job, tick.Format("15:04"))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// The leader is paused (SIGSTOP) in the middle of a detection cycle for longer than its
// ZooKeeper session: the other instance takes over and finishes the cycle; then the old leader
// wakes up (SIGCONT) in the middle of its stale cycle — and its writes are fenced: it numbers
// no notice, writes no warning revision, publishes and posts nothing twice.
func TestFaultStaleLeaderWakesUpLate(t *testing.T) {
	d := newDeployment(t, "stale")
	s := simulated(t, 120_000, 14)
	ingested(t, d, s)
	a := d.start("run-a", "run")
	leader(t, time.Minute, a)
	b := d.start("run-b", "run")
	tick := midCycle(t, d, a)
	if err := a.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("fault: the leading ecowatch run paused (SIGSTOP) in the middle of the overdue cycle as of %s\n", tick.Format("15:04"))
	b.waitLog(t, time.Minute, "leading: the scheduled jobs run here")
	finishedBy(t, d, "overdue", tick, b)
	time.Sleep(5 * time.Second)
	if err := a.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	fmt.Println("fault: the old leader woke up (SIGCONT) after the new one finished its cycle")
	a.waitLog(t, time.Minute, "no longer leading")
	// The stale cycle did not finish: it was stopped or fenced (its error says which).
	var outcome, reason string
	deadline := time.Now().Add(time.Minute)
	for outcome == "" || outcome == "started" {
		if time.Now().After(deadline) {
			t.Fatalf("the old leader recorded no end of its stale overdue cycle as of %s", tick)
		}
		time.Sleep(500 * time.Millisecond)
		d.conns[0].QueryRow(context.Background(), "SELECT argMax(outcome, started_at), argMax(error, started_at) FROM "+d.db+
			".job_runs WHERE job = 'overdue' AND tick = ? AND instance = ? AND outcome != 'started'", tick, a.instance()).Scan(&outcome, &reason)
	}
	if outcome != "failed" {
		t.Fatalf("the old leader finished its stale overdue cycle as of %s (%s): its writes were not fenced", tick, outcome)
	}
	fmt.Printf("fault: the old leader's stale cycle ended: %s\n", reason)
	time.Sleep(70 * time.Second)
	d.reconcile("stale-leader", s, reconciliation{repeatsAllowed: true, stop: []*proc{a, b}})
}

// Two `ecowatch alerts run --at T` started at the same moment write the warnings, the
// notices (numbers included) and the notice files of one, and publish each revision once —
// compared with one run on a copy of the same data.
func TestFaultTwoAlertsRunsAtOnce(t *testing.T) {
	x := newDeployment(t, "twice")
	s := simulated(t, 120_000, 15)
	ingested(t, x, s)
	// The reference: its own database and outputs, fed from the same topics.
	y := newDeployment(t, "once")
	y.settings["kafka.topic.reports"], y.settings["kafka.topic.events"] = x.settings["kafka.topic.reports"], x.settings["kafka.topic.events"]
	t.Log(strings.TrimSpace(run(t, y.settings, "--log-level", "warn", "ingest", "--until-idle", "5s")))

	at := time.Now().In(calendar.Shanghai).Truncate(time.Minute).Format("2006-01-02T15:04")
	var wg sync.WaitGroup
	outs := make([][]byte, 2)
	errs := make([]error, 2)
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(testenv.Binary(t), "--log-level", "warn", "alerts", "run", "--at", at)
			cmd.Env = x.environ(nil)
			outs[i], errs[i] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("alerts run %d: %v\n%s", i+1, err, outs[i])
		}
	}
	once := run(t, y.settings, "--log-level", "warn", "alerts", "run", "--at", at)
	t.Logf("run 1:\n%s\nrun 2:\n%s\nreference:\n%s", outs[0], outs[1], once)
	syncReplicas(t, x.conns, x.db)
	syncReplicas(t, y.conns, y.db)

	table := func(d *deployment, q string) string {
		t.Helper()
		rows, err := d.conns[0].Query(context.Background(), strings.ReplaceAll(q, "{db}", d.db))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var b strings.Builder
		cols := rows.ColumnTypes()
		for rows.Next() {
			vals := make([]any, len(cols))
			for i, c := range cols {
				vals[i] = reflect.New(c.ScanType()).Interface()
			}
			if err := rows.Scan(vals...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				fmt.Fprintf(&b, "%v\t", reflect.ValueOf(v).Elem().Interface())
			}
			b.WriteString("\n")
		}
		return b.String()
	}
	warnings := `SELECT * FROM {db}.warnings FINAL ORDER BY warning_id, revision`
	notices := `SELECT notice_id, kind, number, issuer_code, recipient_code, recipient_name, warning_ids, revisions, issued_at
		FROM {db}.notices FINAL ORDER BY notice_id`
	states := `SELECT * FROM {db}.case_states FINAL ORDER BY report_id`
	for name, q := range map[string]string{"warnings": warnings, "notices": notices, "case_states": states} {
		if got, want := table(x, q), table(y, q); got != want {
			t.Errorf("two runs at once wrote other %s than one run (%d and %d bytes)", name, len(got), len(want))
		}
	}
	nWarnings := x.count(0, "SELECT count() FROM (SELECT DISTINCT warning_id, revision FROM {db}.warnings)")
	nNotices := x.count(0, "SELECT uniqExact(notice_id) FROM {db}.notices")
	if nWarnings == 0 || nNotices == 0 {
		t.Fatalf("the cycle wrote %d warning revisions and %d notices: nothing to compare", nWarnings, nNotices)
	}
	if got, want := fileDigests(t, x.out), fileDigests(t, y.out); !maps.Equal(got, want) {
		t.Errorf("two runs at once wrote %d notice files, one run %d, or their bytes differ", len(got), len(want))
	}
	px, repeats := x.warningsTopic()
	py, _ := y.warningsTopic()
	if repeats > 0 || !sameSet(keysOf(px), keysOf(py)) {
		t.Errorf("warnings.v1: %d revisions (%d repeats) after two runs, %d after one", len(px), repeats, len(py))
	}
	fmt.Printf("reconciliation two-alerts-runs: %d warning revisions, %d notices, %d notice files, %d revisions on warnings.v1 (%d repeats): the same as one run's\n",
		nWarnings, nNotices, len(fileDigests(t, x.out)), len(px), repeats)
}
