//go:build cluster && faults

package cluster

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/alerts/deliver"
	"github.com/ecowatch/ecowatch/broker"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/config"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/internal/testenv"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/simulate"
)

// deployment is one fault test's ecowatch on the cluster: its own database, topics (three
// replicas each), output folder, ZooKeeper folder and a webhook receiver for one province
// bureau, with every detector, the case-state stage and the outbox due every minute.
type deployment struct {
	t        testing.TB
	cfg      *config.Config // the cluster's addresses
	db       string
	settings map[string]string
	out      string
	conns    []driver.Conn // one per replica
	hook     *receiver
	logs     string // folder of the processes' logs
	kafka    *broker.Conn
}

// webhookOrg is the organisation whose webhook the deployments deliver to: the Guangdong
// bureau, a recipient of the province's reminders and warnings.
const webhookOrg = "440000"

func newDeployment(t testing.TB, name string) *deployment {
	t.Helper()
	cfg, err := config.Load("", os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ClickHouse.Cluster == "" || len(cfg.ClickHouse.Addr) < 2 || len(cfg.Kafka.Brokers) < 3 || len(cfg.ZooKeeper.Addr) == 0 {
		t.Fatal("the cluster fault tests need the local cluster: run them with `make cluster-faults`")
	}
	suffix := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	d := &deployment{t: t, cfg: cfg, db: "ecowatch_fault_" + name + "_" + suffix, out: t.TempDir(), logs: t.TempDir()}
	prefix := "c-fault-" + name + "-" + suffix + "."
	d.hook = newReceiver(t)
	hooks := filepath.Join(t.TempDir(), "webhooks")
	if err := os.WriteFile(hooks, []byte(webhookOrg+" "+d.hook.URL()+" "+receiverSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d.settings = map[string]string{
		"clickhouse.database":  d.db,
		"kafka.topic.reports":  prefix + "reports.v1",
		"kafka.topic.events":   prefix + "case-events.v1",
		"kafka.topic.warnings": prefix + "warnings.v1",
		"kafka.topic.dlq":      prefix + "dlq.v1",
		"kafka.group":          prefix + "ingest",
		"privacy.key":          testenv.TestKey,
		"ingest.metrics-addr":  "",
		"ingest.batch-size":    "2000",
		"out.dir":              d.out,
		"alerts.webhooks-file": hooks,
	}
	for _, job := range []string{"emergency", "cluster", "watershed", "overdue", "cases", "outbox"} {
		d.settings["alerts.schedule."+job] = "* * * * *"
	}
	// The pages are not what these tests are about; they stay out of the way.
	d.settings["alerts.schedule.dashboards"] = "0 0 1 1 *"
	d.settings["alerts.schedule.disclosure"] = "0 0 1 1 *"
	d.conns = replicas(t, cfg.ClickHouse)
	kc := cfg.Kafka
	kc.TopicReports, kc.TopicEvents = d.settings["kafka.topic.reports"], d.settings["kafka.topic.events"]
	kc.TopicWarnings, kc.TopicDLQ = d.settings["kafka.topic.warnings"], d.settings["kafka.topic.dlq"]
	if d.kafka, err = broker.New(kc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if os.Getenv("ECOWATCH_KEEP_TEST_DATA") != "" {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		d.conns[0].Exec(ctx, "DROP DATABASE IF EXISTS "+d.db+" ON CLUSTER "+cfg.ClickHouse.Cluster)
		d.kafka.DeleteTopics(ctx, d.kafka.Topics()...)
		deleteTree(t, cfg.ZooKeeper.Addr, cfg.ZooKeeper.Root+"/"+d.db)
	})
	t.Log(strings.TrimSpace(run(t, d.settings, "topics", "--replication", "3")))
	t.Log(strings.TrimSpace(run(t, d.settings, "migrate")))
	return d
}

// environ is the environment of an ecowatch process of the deployment.
func (d *deployment) environ(extra map[string]string) []string {
	env := os.Environ()
	for k, v := range d.settings {
		env = append(env, config.EnvName(k)+"="+v)
	}
	for k, v := range extra {
		env = append(env, config.EnvName(k)+"="+v)
	}
	return env
}

// proc is an ecowatch process of a fault test, its output in a file.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan error
}

// start starts the ecowatch binary with the deployment's settings (debug logs: the tests read
// "job started").
func (d *deployment) start(name string, args ...string) *proc {
	d.t.Helper()
	path := filepath.Join(d.logs, name+".log")
	f, err := os.Create(path)
	if err != nil {
		d.t.Fatal(err)
	}
	cmd := exec.Command(testenv.Binary(d.t), append([]string{"--log-level", "debug"}, args...)...)
	cmd.Env = d.environ(nil)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	p := &proc{name: name, cmd: cmd, log: path, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait(); f.Close() }()
	d.t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Signal(syscall.SIGCONT)
			p.cmd.Process.Kill()
			<-p.done
		}
		if d.t.Failed() {
			d.t.Logf("%s log (tail):\n%s", p.name, tail(p.logs(), 4000))
		}
	})
	return p
}

// instance is the name the process gives itself in job_runs.
func (p *proc) instance() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d", host, p.cmd.Process.Pid)
}

func (p *proc) logs() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// waitLog waits until the process's log has a line containing every one of parts, and returns
// the line's time.
func (p *proc) waitLog(t testing.TB, timeout time.Duration, parts ...string) time.Time {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if at, ok := p.logged(parts...); ok {
			return at
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s logged no line with %q within %s", p.name, parts, timeout)
		}
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("%s exited (%v) before logging %q", p.name, err, parts)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// logged returns the time of the first log line containing every one of parts.
func (p *proc) logged(parts ...string) (time.Time, bool) {
lines:
	for _, line := range strings.Split(p.logs(), "\n") {
		for _, part := range parts {
			if !strings.Contains(line, part) {
				continue lines
			}
		}
		ts, _, _ := strings.Cut(strings.TrimPrefix(line, "time="), " ")
		at, err := time.Parse(time.RFC3339Nano, ts)
		return at, err == nil
	}
	return time.Time{}, false
}

// kill9 kills the process with SIGKILL.
func (p *proc) kill9(t testing.TB) {
	t.Helper()
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatalf("killing %s: %v", p.name, err)
	}
	<-p.done
	p.done <- errors.New("killed")
}

// stop ends the process with SIGTERM, as a supervisor would, and waits for it.
func (p *proc) stop(t testing.TB) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Errorf("%s did not stop cleanly: %v", p.name, err)
		}
	case <-time.After(2 * time.Minute):
		t.Errorf("%s did not stop within 2 minutes of SIGTERM", p.name)
	}
}

// leader waits until one of the processes leads and returns it.
func leader(t testing.TB, timeout time.Duration, procs ...*proc) *proc {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, p := range procs {
			if _, ok := p.logged("leading: the scheduled jobs run here"); ok {
				return p
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no instance led within %s", timeout)
	return nil
}

// stream is a simulated stream of one province: its messages in stream order and the truth.
type stream struct {
	msgs  []simulate.Message
	truth *simulate.Truth
}

type collect struct{ msgs []simulate.Message }

func (c *collect) Write(_ context.Context, msgs []simulate.Message) error {
	c.msgs = append(c.msgs, msgs...)
	return nil
}

// simulated is the 40 days of Guangdong up to now at perYear reports a year: late cases for the
// reminders, injected clusters and emergencies for the warnings, malformed messages for the
// dead letters.
func simulated(t testing.TB, perYear int, seed int64) stream {
	t.Helper()
	to := time.Now().In(calendar.Shanghai).Truncate(time.Hour)
	var c collect
	truth, err := simulate.Run(context.Background(), simulate.Config{
		From: to.AddDate(0, 0, -40), To: to, Scope: region.MustScope("440000"), Seed: seed, ReportsPerYear: perYear,
	}, &c)
	if err != nil {
		t.Fatal(err)
	}
	return stream{msgs: c.msgs, truth: truth}
}

// produce sends the stream to the deployment's topics, in order, at about rate messages a
// second (all at once when rate is 0), acks=all, riding out broker failures by retrying (a
// retried batch may land twice: ingest keeps each report and event once).
func (d *deployment) produce(ctx context.Context, s stream, rate int) error {
	writers := map[string]*kafka.Writer{
		simulate.TopicReports:    d.kafka.Writer(d.settings["kafka.topic.reports"]),
		simulate.TopicCaseEvents: d.kafka.Writer(d.settings["kafka.topic.events"]),
	}
	for _, w := range writers {
		w.MaxAttempts = 3
		defer w.Close()
	}
	per := len(s.msgs)
	if rate > 0 {
		per = max(rate/10, 1)
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for i := 0; i < len(s.msgs); i += per {
		if rate > 0 {
			select {
			case <-tick.C:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		batches := map[string][]kafka.Message{}
		for _, m := range s.msgs[i:min(i+per, len(s.msgs))] {
			batches[m.Topic] = append(batches[m.Topic], kafka.Message{Key: []byte(m.Key), Value: m.Value})
		}
		for topic, batch := range batches {
			for attempt := 0; ; attempt++ {
				actx, cancel := context.WithTimeout(ctx, 15*time.Second)
				err := writers[topic].WriteMessages(actx, batch...)
				cancel()
				if err == nil {
					break
				}
				if attempt > 120 || ctx.Err() != nil {
					return fmt.Errorf("producer gave up at message %d of %d: %w", i, len(s.msgs), err)
				}
				time.Sleep(time.Second)
			}
		}
	}
	return nil
}

// producing runs produce in the background; wait returns once it is done (and fails the test
// if it failed).
func (d *deployment) producing(s stream, rate int) (wait func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.produce(ctx, s, rate) }()
	d.t.Cleanup(cancel)
	return func() {
		d.t.Helper()
		if err := <-done; err != nil {
			d.t.Fatal(err)
		}
	}
}

// count runs a one-number query on a replica.
func (d *deployment) count(replica int, query string) uint64 {
	d.t.Helper()
	return queryCount(d.t, d.conns[replica], strings.ReplaceAll(query, "{db}", d.db))
}

// receiverSecret signs the webhook deliveries of the tests.
const receiverSecret = "fault-tests-webhook-secret-0123456789"

// receiver is a recipient organisation's webhook endpoint: it answers 2xx and keeps every
// delivery's id and body.
type receiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got map[string][][]byte // delivery id → bodies received
	bad int                 // deliveries with a wrong signature
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{got: map[string][][]byte{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		if !deliver.VerifySignature([]byte(receiverSecret), body, req.Header.Get(deliver.HeaderSignature)) {
			r.bad++
		}
		id := req.Header.Get(deliver.HeaderIdempotency)
		r.got[id] = append(r.got[id], body)
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) URL() string { return r.srv.URL }

// reconciliation is what a fault test ends with.
type reconciliation struct {
	// repeatsAllowed: a process that delivers was killed or paused, so warnings.v1 may carry a
	// revision twice, byte for byte — published and not yet acknowledged — and
	// internal/output's temporary files of the notices it was writing stay behind. Notices
	// never repeat. A webhook may always be posted twice (a receiver slower than the 10 s
	// timeout has it and is asked again), with the same delivery id and body: the receiver
	// keeps it once; the reconciliation counts such repeats and fails on a differing body.
	repeatsAllowed bool
	// stop: the instances to stop once everything has arrived, before the checks.
	stop []*proc
}

// reconcile waits until ingest and the outbox have caught up, then checks: every valid report
// and case event readable exactly once, every malformed message dead-lettered (ingest_errors
// and dlq.v1), both replicas holding the same rows, every warning revision delivered on every
// channel (notices, warnings.v1, the webhook), each notice once with its own number, and every
// recipient of every opened warning given its notice.
func (d *deployment) reconcile(name string, s stream, opt reconciliation) {
	t := d.t
	t.Helper()
	tt := s.truth.Totals
	deadline := time.Now().Add(4 * time.Minute)
	for {
		r := d.count(0, "SELECT count() FROM {db}.reports_latest")
		e := d.count(0, "SELECT count() FROM {db}.case_events_latest")
		bad := d.count(0, "SELECT uniqExact(topic, message_key) FROM {db}.ingest_errors")
		pending := d.count(0, `SELECT count() FROM {db}.warnings WHERE (warning_id, revision) NOT IN
			(SELECT warning_id, revision FROM {db}.deliveries WHERE channel = 'kafka')
			OR (warning_id, revision) NOT IN (SELECT warning_id, revision FROM {db}.deliveries WHERE channel = 'notices')
			OR has(recipient_codes, '`+webhookOrg+`') AND (warning_id, revision) NOT IN
				(SELECT warning_id, revision FROM {db}.deliveries WHERE channel = 'webhook:`+webhookOrg+`')`)
		if r >= uint64(tt.Reports) && e >= uint64(tt.CaseEvents) && bad >= uint64(len(malformedKeys(s))) && pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: after 4 minutes %d of %d reports, %d of %d case events, %d of %d malformed messages are in ClickHouse, %d warning revisions unpublished",
				name, r, tt.Reports, e, tt.CaseEvents, bad, len(malformedKeys(s)), pending)
		}
		time.Sleep(time.Second)
	}
	// Then the instances stop (SIGTERM), so that nothing is written while the replicas are
	// compared.
	for _, p := range opt.stop {
		p.stop(t)
	}
	syncReplicas(t, d.conns, d.db)

	// Ingest: exactly once, dead letters complete, the replicas alike.
	reports := d.count(0, "SELECT count() FROM {db}.reports_latest")
	distinct := d.count(0, "SELECT uniqExact(report_id) FROM {db}.reports")
	events := d.count(0, "SELECT count() FROM {db}.case_events_latest")
	wantBad := malformedKeys(s)
	gotBad := d.keys("SELECT DISTINCT concat(topic, ' ', message_key) FROM {db}.ingest_errors")
	dlq := d.deadLetters()
	if reports != uint64(tt.Reports) || distinct != uint64(tt.Reports) || events != uint64(tt.CaseEvents) {
		t.Errorf("%s: %d readable reports (%d distinct ids), %d case events; want %d and %d, each once", name, reports, distinct, events, tt.Reports, tt.CaseEvents)
	}
	if !sameSet(wantBad, gotBad) || !sameSet(wantBad, dlq) {
		t.Errorf("%s: %d malformed messages produced, %d in ingest_errors, %d in dlq.v1 (as topic and key); want the same", name, len(wantBad), len(gotBad), len(dlq))
	}
	var rows [2]string
	for i := range d.conns {
		var b strings.Builder
		for _, table := range []string{"reports", "case_events", "contacts", "raw_messages", "ingest_errors", "warnings", "notices", "deliveries", "case_states", "detector_runs", "job_runs"} {
			fmt.Fprintf(&b, "%s=%d ", table, d.count(i, "SELECT count() FROM {db}."+table))
		}
		rows[i] = b.String()
	}
	if rows[0] != rows[1] {
		t.Errorf("%s: the replicas hold different rows:\nreplica 1: %s\nreplica 2: %s", name, rows[0], rows[1])
	}

	// Warnings: every revision on every channel.
	revisions := d.keys("SELECT DISTINCT concat(warning_id, ':', toString(revision)) FROM {db}.warnings")
	toOrg := d.keys("SELECT DISTINCT concat(warning_id, ':', toString(revision)) FROM {db}.warnings WHERE has(recipient_codes, '" + webhookOrg + "')")
	for _, channel := range []string{"notices", "kafka", "webhook:" + webhookOrg} {
		want := revisions
		if strings.HasPrefix(channel, "webhook:") {
			want = toOrg
		}
		acked := d.keys("SELECT DISTINCT concat(warning_id, ':', toString(revision)) FROM {db}.deliveries WHERE channel = '" + channel + "'")
		if !sameSet(want, acked) {
			t.Errorf("%s: %d warning revisions, %d acknowledged on %s", name, len(want), len(acked), channel)
		}
	}
	published, topicRepeats := d.warningsTopic()
	if !sameSet(revisions, keysOf(published)) {
		t.Errorf("%s: %d warning revisions, %d distinct on warnings.v1", name, len(revisions), len(published))
	}
	d.hook.mu.Lock()
	hooked := map[string]bool{}
	hookRepeats := 0
	for id, bodies := range d.hook.got {
		hooked[id] = true
		hookRepeats += len(bodies) - 1
		for _, b := range bodies[1:] {
			if !bytes.Equal(b, bodies[0]) {
				t.Errorf("%s: webhook delivery %s arrived twice with different bodies", name, id)
			}
		}
	}
	badSignatures := d.hook.bad
	d.hook.mu.Unlock()
	if !sameSet(toOrg, hooked) || badSignatures > 0 {
		t.Errorf("%s: %d revisions addressed to %s, %d received by its webhook (%d badly signed)", name, len(toOrg), webhookOrg, len(hooked), badSignatures)
	}
	if !opt.repeatsAllowed && topicRepeats > 0 {
		t.Errorf("%s: %d repeats on warnings.v1; want each revision published once", name, topicRepeats)
	}

	// Notices: once each, numbered uniquely, none missing.
	notices := d.count(0, "SELECT uniqExact(notice_id) FROM {db}.notices")
	numbers := d.count(0, "SELECT uniqExact(number) FROM {db}.notices")
	twoNumbers := d.count(0, "SELECT count() FROM (SELECT notice_id FROM {db}.notices GROUP BY notice_id HAVING uniqExact(number) > 1)")
	// A recipient is an organisation in a role: a county's bureau and its government share
	// the code, so the name tells them apart.
	twice := d.count(0, `SELECT count() FROM (SELECT w, r, recipient_code, recipient_name FROM {db}.notices ARRAY JOIN warning_ids AS w, revisions AS r
		GROUP BY w, r, recipient_code, recipient_name HAVING uniqExact(notice_id) > 1)`)
	// An organisation copied (抄送) on an early warning's notices is not sent one of its own
	// (alerts/deliver.Policy); every other recipient of an open revision has a notice covering
	// it — a numbered one or its day's 预警续报 — once the revision is acknowledged.
	missing := d.count(0, `SELECT count() FROM (
		SELECT warning_id, revision, recipient_codes[i] AS code, recipient_names[i] AS rname
		FROM {db}.warnings ARRAY JOIN arrayEnumerate(recipient_codes) AS i
		WHERE status = 'open' AND NOT visitParamExtractBool(recipient_details[i], 'copy')
		AND (warning_id, revision, code, rname) NOT IN (SELECT w, r, recipient_code, recipient_name FROM {db}.notices ARRAY JOIN warning_ids AS w, revisions AS r))`)
	files, temporary := noticeFiles(d.out)
	if temporary > 0 && !opt.repeatsAllowed {
		t.Errorf("%s: %d temporary files left in the notices folder, though no writer was killed", name, temporary)
	}
	if notices == 0 || numbers != notices || twoNumbers > 0 || twice > 0 || missing > 0 || files != int(notices) {
		t.Errorf("%s: %d notices with %d distinct numbers (%d notices with two numbers); %d (warning, revision, recipient) given two notices, %d given none; %d HTML files",
			name, notices, numbers, twoNumbers, twice, missing, files)
	}
	fmt.Printf("reconciliation %s: produced %d reports, %d case events, %d malformed; ClickHouse reads %d reports (%d distinct ids: exactly once), %d case events; "+
		"%d malformed in ingest_errors and %d in dlq.v1; replicas alike (%s); %d warning revisions acknowledged on notices, kafka and webhook "+
		"(warnings.v1: %d distinct, %d repeats; webhook: %d distinct, %d repeats); %d notices, %d distinct numbers, none twice, none missing, %d files (%d temporary files of a killed writer)\n",
		name, tt.Reports, tt.CaseEvents, len(wantBad), reports, distinct, events, len(gotBad), len(dlq), strings.TrimSpace(rows[0]), len(revisions),
		len(published), topicRepeats, len(hooked), hookRepeats, notices, numbers, files, temporary)
}

// malformedKeys are the malformed messages of the stream as "topic key", under the
// deployment's topic names.
func malformedKeys(s stream) map[string]bool {
	out := map[string]bool{}
	for _, m := range s.truth.MalformedMessages {
		out[m.Topic+" "+m.Key] = true
	}
	return out
}

// keys runs a query of one string column and returns its values as a set; the simulator's
// topic names are put in place of the deployment's.
func (d *deployment) keys(query string) map[string]bool {
	d.t.Helper()
	rows, err := d.conns[0].Query(context.Background(), strings.ReplaceAll(query, "{db}", d.db))
	if err != nil {
		d.t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			d.t.Fatal(err)
		}
		out[d.simTopic(v)] = true
	}
	return out
}

// simTopic writes a deployment topic at the start of v as the simulator names it.
func (d *deployment) simTopic(v string) string {
	v = strings.Replace(v, d.settings["kafka.topic.reports"]+" ", simulate.TopicReports+" ", 1)
	return strings.Replace(v, d.settings["kafka.topic.events"]+" ", simulate.TopicCaseEvents+" ", 1)
}

// readTopic reads everything in a topic (until it has been quiet for 10 s).
func (d *deployment) readTopic(topic string) []kafka.Message {
	d.t.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: d.cfg.Kafka.Brokers, GroupID: topic + "-check-" + strconv.FormatInt(time.Now().UnixNano(), 36),
		Topic: topic, StartOffset: kafka.FirstOffset, MaxWait: 200 * time.Millisecond})
	defer r.Close()
	var out []kafka.Message
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		m, err := r.ReadMessage(ctx)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			return out
		}
		if err != nil {
			d.t.Fatalf("reading %s: %v", topic, err)
		}
		out = append(out, m)
	}
}

// deadLetters are the dead letters of dlq.v1 as "topic key" (simulator topic names).
func (d *deployment) deadLetters() map[string]bool {
	out := map[string]bool{}
	for _, m := range d.readTopic(d.settings["kafka.topic.dlq"]) {
		var dl contract.DeadLetter
		if err := json.Unmarshal(m.Value, &dl); err != nil {
			d.t.Errorf("a message of dlq.v1 is not a dead letter: %v", err)
			continue
		}
		out[d.simTopic(dl.Topic+" "+string(dl.Key))] = true
	}
	return out
}

// warningsTopic returns the revisions on warnings.v1 ("id:revision" → body) and how many
// arrived more than once; a repeat with another body fails the test.
func (d *deployment) warningsTopic() (map[string][]byte, int) {
	out := map[string][]byte{}
	repeats := 0
	for _, m := range d.readTopic(d.settings["kafka.topic.warnings"]) {
		var w contract.Warning
		if err := json.Unmarshal(m.Value, &w); err != nil {
			d.t.Errorf("a message of warnings.v1 is not a warning: %v", err)
			continue
		}
		key := fmt.Sprintf("%s:%d", w.WarningID, w.Revision)
		if prev, ok := out[key]; ok {
			repeats++
			if !bytes.Equal(prev, m.Value) {
				d.t.Errorf("warnings.v1 carries %s twice with different contents", key)
			}
		}
		out[key] = m.Value
	}
	return out, repeats
}

func keysOf[V any](m map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

func sameSet(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// noticeFiles counts the notices on disk (HTML files) and the temporary files of
// internal/output left there: a writer killed with SIGKILL leaves those it had not yet
// renamed, hidden and never read as notices.
func noticeFiles(dir string) (html, temporary int) {
	filepath.Walk(filepath.Join(dir, "notices"), func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		switch {
		case strings.HasPrefix(info.Name(), "."):
			temporary++
		case strings.HasSuffix(p, ".html"):
			html++
		}
		return nil
	})
	return html, temporary
}

// fileDigests maps every notice file under dir to the SHA-256 of its bytes.
func fileDigests(t testing.TB, dir string) map[string]string {
	out := map[string]string{}
	root := filepath.Join(dir, "notices")
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		rel, _ := filepath.Rel(root, p)
		out[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	return out
}

// clusterPart is a process of `make cluster` (zookeeper, clickhouse1, clickhouse2, kafka1…3):
// its pid, read from the pid file cluster.sh keeps.
func clusterPart(t testing.TB, part string) int {
	t.Helper()
	dir := os.Getenv("ECOWATCH_LOCAL")
	if dir == "" {
		dir = filepath.Join(testenv.RepoRoot(), ".local")
	}
	b, err := os.ReadFile(filepath.Join(dir, "cluster", part, "pid"))
	if err != nil {
		t.Fatalf("the pid of %s: %v", part, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// killPart kills a part of the cluster with SIGKILL.
func killPart(t testing.TB, part string) {
	t.Helper()
	pid := clusterPart(t, part)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %s (pid %d): %v", part, pid, err)
	}
	for syscall.Kill(pid, 0) == nil {
		time.Sleep(50 * time.Millisecond)
	}
}

// startCluster starts whatever part of the cluster is not running (cluster.sh start).
func startCluster(t testing.TB) {
	t.Helper()
	cmd := exec.Command(filepath.Join(testenv.RepoRoot(), "deploy/local/cluster.sh"), "start")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cluster.sh start: %v\n%s", err, out)
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
