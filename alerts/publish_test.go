package alerts

import (
	"context"
	"fmt"
	"testing"

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
