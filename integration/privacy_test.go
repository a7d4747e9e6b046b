package integration

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/internal/testenv"
)

// TestCanariesAppearNowhere ingests reports whose reporter identities are unique canary strings
// (and whose contents repeat the reporter's phone), runs the detectors that write notices, and
// searches every ClickHouse table, every output file, the logs and the metrics for the
// canaries. Then it reads one identity back through the audited reveal.
func TestCanariesAppearNowhere(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	bin := testenv.Binary(t)
	var msgs, events []kafka.Message
	for i := range 300 {
		m, _ := reportMsg(i, 1)
		msgs = append(msgs, m)
		events = append(events, eventMsg(i, contract.EventAccepted)) // accepted, never assigned: overdue
	}
	env.Produce(t, env.Config.Kafka.TopicReports, msgs...)
	env.Produce(t, env.Config.Kafka.TopicEvents, events...)

	var logs strings.Builder
	ingest := exec.Command(bin, "--log-level", "debug", "ingest", "--until-idle", "5s")
	metricsAddr := testenv.FreeAddr(t)
	ingest.Env = processEnv(env, "ECOWATCH_INGEST_METRICS_ADDR="+metricsAddr)
	ingest.Stdout, ingest.Stderr = &logs, &logs
	if err := ingest.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for count(t, env, "SELECT count() FROM reports") < 300 {
		if time.Now().After(deadline) {
			ingest.Process.Kill()
			t.Fatalf("ingest wrote fewer than 300 reports in 2 minutes; log:\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	metrics, scrapeErr := scrape("http://" + metricsAddr + "/metrics")
	if err := ingest.Wait(); err != nil {
		t.Fatalf("ingest: %v\n%s", err, logs.String())
	}
	if scrapeErr != nil || !strings.Contains(metrics, "ecowatch_ingest_consumed_total") {
		t.Fatalf("no metrics scraped (%v):\n%s", scrapeErr, metrics)
	}
	run := exec.Command(bin, "--log-level", "debug", "alerts", "run", "--at", "2026-04-30T12:00")
	run.Env = processEnv(env)
	out, err := run.CombinedOutput()
	logs.Write(out)
	if err != nil {
		t.Fatalf("alerts run: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "overdue") {
		t.Fatalf("alerts run printed no detector results:\n%s", out)
	}

	var canaries []string
	for i := range 300 {
		r := canaryReporter(i)
		canaries = append(canaries, r.Name, r.Phone, r.IDNumber, r.Email)
	}
	canaries = append(canaries, "金丝雀")
	assertNoCanaries(t, env, []string{"金丝雀", canaryReporter(1).Phone, canaryReporter(2).IDNumber, canaryReporter(3).Email})
	texts := map[string]string{"logs": logs.String(), "metrics": metrics}
	err = filepath.Walk(env.Config.OutDir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		texts[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatalf("reading the output files: %v", err)
	}
	if len(texts) == 2 {
		t.Fatal("the detectors wrote no files to search")
	}
	for where, text := range texts {
		for _, c := range canaries {
			if strings.Contains(text, c) {
				t.Errorf("canary %q found in %s", c, where)
				break
			}
		}
	}

	// The audited reveal: refused without a purpose, refused with another key (and nothing
	// shown), and with the key it prints the identity after writing the audit record.
	id := "12369-440305-20260315-000001"
	noPurpose := exec.Command(bin, "reveal", "--report-id", id)
	noPurpose.Env = processEnv(env)
	if out, err := noPurpose.CombinedOutput(); err == nil || strings.Contains(string(out), canaryReporter(1).Phone) {
		t.Fatalf("reveal without a purpose: %v\n%s", err, out)
	}
	wrongKey := exec.Command(bin, "reveal", "--report-id", id, "--purpose", "核实举报奖励发放")
	wrongKey.Env = processEnv(env, "ECOWATCH_PRIVACY_KEY=other:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
	if out, err := wrongKey.CombinedOutput(); err == nil || strings.Contains(string(out), canaryReporter(1).Phone) {
		t.Fatalf("reveal with another key: %v\n%s", err, out)
	}
	if n := count(t, env, "SELECT count() FROM reveal_audit"); n != 0 {
		t.Fatalf("%d audit records for refused reveals", n)
	}
	reveal := exec.Command(bin, "reveal", "--report-id", id, "--purpose", "核实举报奖励发放", "--operator", "审计员甲")
	reveal.Env = processEnv(env)
	out, err = reveal.CombinedOutput()
	if err != nil || !strings.Contains(string(out), canaryReporter(1).Phone) || !strings.Contains(string(out), canaryReporter(1).Name) {
		t.Fatalf("reveal: %v\n%s", err, out)
	}
	var purpose, operator string
	if err := env.Store.Conn().QueryRow(context.Background(), "SELECT purpose, operator FROM reveal_audit WHERE report_id = ?", id).Scan(&purpose, &operator); err != nil || purpose != "核实举报奖励发放" || operator != "审计员甲" {
		t.Fatalf("audit record: %q %q %v", purpose, operator, err)
	}
}

// scrape reads a Prometheus /metrics page.
func scrape(url string) (string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: %s", url, resp.Status)
	}
	return string(b), err
}
