package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/basin"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/ingest"
	"github.com/ecowatch/ecowatch/internal/testenv"
	"github.com/ecowatch/ecowatch/pipeline"
	"github.com/ecowatch/ecowatch/privacy"
	"github.com/ecowatch/ecowatch/region"
)

// canary identities: unique strings that must never appear in plaintext outside the sealed
// columns.
func canaryReporter(i int) *contract.Reporter {
	return &contract.Reporter{
		Name:     fmt.Sprintf("金丝雀%04d", i),
		Phone:    fmt.Sprintf("139%08d", 40000000+i),
		IDNumber: fmt.Sprintf("11010519800101%03dX", i%1000),
		Email:    fmt.Sprintf("canary%04d@example.org", i),
	}
}

var regionsForTest = []string{"440305", "440306", "310104", "420106", "330106"}

func reportMsg(i, version int) (kafka.Message, *contract.Report) {
	lat, lon := 22.53+float64(i%10)*0.001, 113.93
	r := &contract.Report{
		Schema: contract.SchemaReports, ReportID: fmt.Sprintf("12369-440305-20260315-%06d", i), Version: uint32(version),
		Kind: "report", Channel: contract.Channels[i%3], ReceivedAt: contract.NewTime(time.Date(2026, 3, 15, 9, 0, i%3600, 0, time.FixedZone("CST", 8*3600))),
		RegionCode: regionsForTest[i%len(regionsForTest)], Location: &contract.Location{Lat: &lat, Lon: &lon, Address: "某某路88号"},
		Category: contract.Categories[i%4], Title: "河道出现大量黑色污水",
		Content:  fmt.Sprintf("第%d件：工厂夜间偷排，请尽快处理。我的电话是%s。", i, canaryReporter(i).Phone),
		Target:   &contract.Target{Name: "某某化工有限公司", CreditCode: "91440300MA5XXXXXX1"},
		Reporter: canaryReporter(i),
	}
	if i%5 == 0 {
		r.Reporter = &contract.Reporter{Anonymous: true}
		r.Content = fmt.Sprintf("第%d件：匿名举报。", i)
	}
	b, _ := json.Marshal(r)
	return kafka.Message{Key: []byte(r.ReportID), Value: b}, r
}

func eventMsg(i int, typ string) kafka.Message {
	ev := contract.CaseEvent{
		Schema: contract.SchemaCaseEvents, EventID: fmt.Sprintf("evt-%06d-%s", i, typ), ReportID: fmt.Sprintf("12369-440305-20260315-%06d", i),
		Type: typ, At: contract.NewTime(time.Date(2026, 3, 16, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))), OrgCode: "440305",
	}
	if typ == contract.EventClosed {
		ev.Finding = contract.FindingSubstantiated
		ev.Summary = "经现场核查，情况属实，已责令整改。"
	}
	b, _ := json.Marshal(ev)
	return kafka.Message{Key: []byte(ev.ReportID), Value: b}
}

// runIngest runs one in-process ingester until the stream is idle.
func runIngest(t *testing.T, env *testenv.Env, batchSize int) ingest.Stats {
	t.Helper()
	keys, err := privacy.ParseKey(testenv.TestKey)
	if err != nil {
		t.Fatal(err)
	}
	pipe := &pipeline.Pipeline{Regions: region.Default(), Basins: basin.Default(), Keys: keys}
	v := &contract.Validator{Regions: region.Default()}
	in := ingest.New(env.Broker, env.Store, pipe, v, ingest.NewMetrics(prometheus.NewRegistry()), ingest.Options{
		BatchSize: batchSize, BatchWait: 300 * time.Millisecond, UntilIdle: 4 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	defer in.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := in.Run(ctx); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	return in.Stats()
}

// count runs a single-number query.
func count(t testing.TB, env *testenv.Env, query string, args ...any) uint64 {
	t.Helper()
	var n uint64
	if err := env.Store.Conn().QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
