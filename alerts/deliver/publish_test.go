package deliver

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/broker"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/store"
)

// memOutbox is an in-memory OutboxStore.
type memOutbox struct {
	rows  []store.WarningRow
	acked map[string]bool
}

func (m *memOutbox) Undelivered(context.Context, string) ([]store.WarningRow, error) {
	var out []store.WarningRow
	for _, r := range m.rows {
		if !m.acked[fmt.Sprintf("%s:%d", r.WarningID, r.Revision)] {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m *memOutbox) MarkDelivered(_ context.Context, _ string, rows []store.WarningRow, _ int) error {
	for _, r := range rows {
		m.acked[fmt.Sprintf("%s:%d", r.WarningID, r.Revision)] = true
	}
	return nil
}

// batchRecorder is a MessageWriter that keeps what each call wrote.
type batchRecorder struct{ calls [][]kafka.Message }

func (b *batchRecorder) WriteMessages(_ context.Context, msgs ...kafka.Message) error {
	b.calls = append(b.calls, msgs)
	return nil
}

// A first national cycle's thousands of revisions go out in pieces a broker with Kafka's
// default limit accepts, each acknowledged; one revision too large for any message is left
// unacknowledged and does not hold the others back.
func TestPublishWarningsInPiecesTheBrokerAccepts(t *testing.T) {
	out := &memOutbox{acked: map[string]bool{}}
	ids := func(n int) []string {
		s := make([]string, n)
		for i := range s {
			s[i] = fmt.Sprintf("12369-440305-20260315-%06d", i)
		}
		return s
	}
	for i := range 3000 {
		w := contract.Warning{Schema: contract.SchemaWarnings, WarningID: fmt.Sprintf("w-%04d", i), Revision: 1, Kind: contract.WarningCluster,
			Status: contract.StatusOpen, Level: 3, Title: "公众集中举报预警", ReportIDs: ids(40)}
		if i == 1500 {
			w.ReportIDs = ids(60000) // about 2 MB
		}
		out.rows = append(out.rows, store.WarningRow{Warning: w})
	}
	rec := &batchRecorder{}
	n, err := PublishWarnings(context.Background(), out, rec)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2999 || len(out.acked) != 2999 || out.acked["w-1500:1"] {
		t.Fatalf("published %d, acknowledged %d (the huge one: %v), want 2999 without it", n, len(out.acked), out.acked["w-1500:1"])
	}
	limit := broker.BatchBytes(broker.DefaultMaxMessageBytes)
	for i, call := range rec.calls {
		var size int64
		for _, m := range call {
			size += broker.MessageBytes(m)
		}
		if size > limit {
			t.Errorf("write %d carried %d bytes, more than %d", i, size, limit)
		}
	}
	if len(rec.calls) < 2 {
		t.Errorf("%d writes for 3000 revisions of about 1.3 KB", len(rec.calls))
	}
}

func (m *memOutbox) UndeliveredTo(ctx context.Context, channel, _ string) ([]store.WarningRow, error) {
	return m.Undelivered(ctx, channel)
}

// A receiver that refuses one revision's body as too large (413) gets it once, not again and
// again, and the revisions after it are still delivered.
func TestWebhookTooLargeDoesNotHoldLaterRevisions(t *testing.T) {
	posts := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		posts[r.Header.Get(HeaderIdempotency)]++
		if len(body) > 100<<10 {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	out := &memOutbox{acked: map[string]bool{}}
	for i := range 5 {
		w := contract.Warning{Schema: contract.SchemaWarnings, WarningID: fmt.Sprintf("w-%d", i), Revision: 1, Kind: contract.WarningCluster, Status: contract.StatusOpen}
		if i == 1 {
			for j := range 10000 {
				w.ReportIDs = append(w.ReportIDs, fmt.Sprintf("12369-440305-20260315-%06d", j))
			}
		}
		out.rows = append(out.rows, store.WarningRow{Warning: w})
	}
	d := &Deliverer{Store: out, Backoff: time.Millisecond, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	n, err := d.Deliver(context.Background(), []Webhook{{OrgCode: "440300", URL: srv.URL, Secret: []byte("0123456789abcdef")}})
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 || out.acked["w-1:1"] || !out.acked["w-4:1"] || posts["w-1:1"] != 1 {
		t.Fatalf("delivered %d (the large one acknowledged: %v, posted %d times; the last: %v), want the 4 others, the large one posted once",
			n, out.acked["w-1:1"], posts["w-1:1"], out.acked["w-4:1"])
	}
}
