package store

import (
	"slices"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/contract"
)

func TestDedupEventsOrdersByTimeAndKeepsOneCopyOfEachEvent(t *testing.T) {
	at := func(h int) contract.Time { return contract.NewTime(time.Date(2026, 5, 1, h, 0, 0, 0, time.UTC)) }
	ev := func(id string, h int) contract.CaseEvent { return contract.CaseEvent{EventID: id, At: at(h)} }
	tests := []struct {
		name string
		in   []contract.CaseEvent
		want []string
	}{
		{"empty", nil, nil},
		{"in order", []contract.CaseEvent{ev("a", 1), ev("b", 2)}, []string{"a", "b"}},
		{"out of order", []contract.CaseEvent{ev("c", 3), ev("a", 1), ev("b", 2)}, []string{"a", "b", "c"}},
		{"same time: by id", []contract.CaseEvent{ev("b", 1), ev("a", 1)}, []string{"a", "b"}},
		{"redelivered copy", []contract.CaseEvent{ev("a", 1), ev("b", 2), ev("a", 1)}, []string{"a", "b"}},
		{"copies of several", []contract.CaseEvent{ev("b", 2), ev("a", 1), ev("b", 2), ev("a", 1), ev("a", 1)}, []string{"a", "b"}},
		{"same id, different times: the earliest", []contract.CaseEvent{ev("a", 5), ev("a", 1), ev("b", 3)}, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := dedupEvents(slices.Clone(tt.in))
			var ids []string
			for _, e := range got {
				ids = append(ids, e.EventID)
			}
			if !slices.Equal(ids, tt.want) {
				t.Fatalf("got %v, want %v", ids, tt.want)
			}
			if tt.name == "same id, different times: the earliest" && !got[0].At.Equal(at(1).Time) {
				t.Fatalf("kept the copy at %v, want the earliest", got[0].At)
			}
		})
	}
}
