package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/alerts/deliver"
	"github.com/ecowatch/ecowatch/alerts/detect"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/eval"
	"github.com/ecowatch/ecowatch/internal/testenv"
	"github.com/ecowatch/ecowatch/org"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/simulate"
)

// TestEarlyWarningEndToEnd streams a simulated province through Kafka into ClickHouse,
// replays the early-warning detectors every two hours over the injected events, and checks the
// warnings, the notice files, the warnings.v1 messages and the signed webhook deliveries.
func TestEarlyWarningEndToEnd(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	from := time.Date(2026, 4, 1, 0, 0, 0, 0, calendar.Shanghai)
	cfg := simulate.Config{From: from, To: from.AddDate(0, 4, 0), Scope: region.MustScope("440000"), Seed: 5, Clusters: 8, WatershedIncidents: 1, Emergencies: 3, RepeatTargets: -1}
	truth, identities := simulateAndIngest(t, env, cfg)

	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	start := from.AddDate(0, 0, 60) // the detectors need weeks of history
	reg, err := detect.Registry(detect.DefaultDeps())
	if err != nil {
		t.Fatal(err)
	}
	early, err := reg.Select("emergency,cluster,watershed")
	if err != nil {
		t.Fatal(err)
	}
	regions := region.Default()
	bt := &eval.Backtest{Store: env.Store, Detectors: early, From: start, To: cfg.To.Add(-2 * time.Hour), Step: 2 * time.Hour, Log: quiet, // as the demo replays
		Notices: &deliver.Notices{Store: env.Store, Orgs: org.New(regions), Regions: regions, Dir: env.Config.OutDir}}
	if _, err := bt.Run(ctx); err != nil {
		t.Fatal(err)
	}

	// Every injected emergency after the warm-up has a warning at its places within 24 h of
	// onset, and so do most injected clusters. (The detection rate itself — 90 % within 24 h
	// over 63 national clusters — is measured by the evaluation in package eval; a handful
	// of clusters here checks the wiring from ClickHouse to warnings, not the statistics.)
	kinds := map[string]string{simulate.EventCluster: contract.WarningCluster, simulate.EventEmergency: contract.WarningEmergency}
	byKind := map[string][]alertsRow{}
	for _, k := range []string{contract.WarningCluster, contract.WarningEmergency, contract.WarningWatershed} {
		rows, err := env.Store.CurrentWarnings(ctx, k, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			byKind[k] = append(byKind[k], alertsRow{r.RegionCodes, r.OpenedAt})
		}
	}
	injected, warned := map[string]int{}, map[string]int{}
	for _, ev := range truth.Events {
		kind, ok := kinds[ev.Type]
		if !ok || ev.Onset.Before(start) || ev.Onset.After(cfg.To.Add(-24*time.Hour)) {
			continue
		}
		injected[ev.Type]++
		for _, w := range byKind[kind] {
			if overlaps(w.regions, ev.Places) && !w.opened.Before(ev.Onset.Add(-time.Hour)) && w.opened.Sub(ev.Onset) <= 24*time.Hour {
				warned[ev.Type]++
				break
			}
		}
	}
	if injected[simulate.EventCluster] == 0 || injected[simulate.EventEmergency] == 0 {
		t.Fatalf("the evaluated period holds %v injected events; the test needs clusters and emergencies", injected)
	}
	if warned[simulate.EventEmergency] != injected[simulate.EventEmergency] {
		t.Errorf("%d of %d injected emergencies warned within 24 h", warned[simulate.EventEmergency], injected[simulate.EventEmergency])
	}
	if c := injected[simulate.EventCluster]; warned[simulate.EventCluster]*3 < c*2 {
		t.Errorf("%d of %d injected clusters warned within 24 h", warned[simulate.EventCluster], c)
	}
	checked := injected[simulate.EventCluster] + injected[simulate.EventEmergency]

	// Deliveries: a webhook receiver that times out twice, then recovers. A delivery the
	// receiver handled but whose answer the sender never saw is sent again with the same
	// delivery id, which is how the receiver recognises it.
	var mu sync.Mutex
	received := map[string]int{}
	failFirst := 2
	secret := []byte("a-test-secret-of-enough-length")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		fail := failFirst > 0
		failFirst--
		mu.Unlock()
		if fail {
			time.Sleep(300 * time.Millisecond) // longer than the client's timeout
			return
		}
		if !deliver.VerifySignature(secret, body, r.Header.Get(deliver.HeaderSignature)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var msg contract.Warning
		if err := json.Unmarshal(body, &msg); err != nil || msg.WarningID == "" {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		mu.Lock()
		received[r.Header.Get(deliver.HeaderIdempotency)]++
		mu.Unlock()
	}))
	defer srv.Close()
	all, err := env.Store.AllWarnings(ctx)
	if err != nil || len(all) == 0 {
		t.Fatalf("warnings: %v (%d)", err, len(all))
	}
	target := all[0].Recipients[0].OrgCode
	hook := deliver.Webhook{OrgCode: target, URL: srv.URL, Secret: secret}
	d := &deliver.Deliverer{Store: env.Store, Client: &http.Client{Timeout: 100 * time.Millisecond}, Attempts: 1, Backoff: time.Millisecond, Log: quiet}
	for round := 0; round < 10; round++ { // the first rounds hit the timeouts; later ones catch up
		if _, err := d.Deliver(ctx, []deliver.Webhook{hook}); err != nil {
			t.Fatal(err)
		}
	}
	addressed := map[string]bool{} // every revision addressed to the target
	rows, err := env.Store.Conn().Query(ctx, "SELECT warning_id, revision FROM warnings WHERE has(recipient_codes, ?)", target)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var rev uint32
		if err := rows.Scan(&id, &rev); err != nil {
			t.Fatal(err)
		}
		addressed[fmt.Sprintf("%s:%d", id, rev)] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	mu.Lock()
	for id := range addressed {
		if received[id] == 0 {
			t.Errorf("revision %s was never delivered to the webhook", id)
		}
	}
	for id := range received {
		if !addressed[id] {
			t.Errorf("delivery %s was not addressed to %s", id, target)
		}
	}
	total := len(received)
	mu.Unlock()
	if n := count(t, env, "SELECT count() FROM deliveries WHERE channel = ?", hook.Channel()); n != uint64(len(addressed)) {
		t.Errorf("%d deliveries acknowledged, want %d", n, len(addressed))
	}

	w := env.Broker.Writer(env.Config.Kafka.TopicWarnings)
	published, err := deliver.PublishWarnings(ctx, env.Store, w)
	w.Close()
	if err != nil || published == 0 {
		t.Fatalf("published %d: %v", published, err)
	}
	if again, _ := deliver.PublishWarnings(ctx, env.Store, env.Broker.Writer(env.Config.Kafka.TopicWarnings)); again != 0 {
		t.Fatalf("a second publish sent %d revisions again", again)
	}
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: env.Config.Kafka.Brokers, GroupID: env.Config.Kafka.Group + "-w", Topic: env.Config.Kafka.TopicWarnings, StartOffset: kafka.FirstOffset, MaxWait: 200 * time.Millisecond})
	defer r.Close()
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for i := 0; i < published; i++ {
		m, err := r.ReadMessage(rctx)
		if err != nil {
			t.Fatalf("warnings.v1 after %d of %d: %v", i, published, err)
		}
		var msg contract.Warning
		if err := json.Unmarshal(m.Value, &msg); err != nil || msg.Schema != contract.SchemaWarnings || msg.Revision == 0 || msg.Recipients == nil {
			t.Fatalf("bad warnings.v1 message: %s", m.Value)
		}
	}

	// Notice files: 预警通知书 per recipient, no reporter identity.
	var files []string
	filepath.Walk(filepath.Join(env.Config.OutDir, "notices"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Fatal("no notices")
	}
	assertNoIdentityInFiles(t, identities, files)
	t.Logf("%d injected events checked, %d warnings, %d revisions delivered by webhook, %d warnings.v1 messages, %d notice files",
		checked, len(all), total, published, len(files))
}

type alertsRow struct {
	regions []string
	opened  time.Time
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}
