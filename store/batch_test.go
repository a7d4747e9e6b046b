package store

import (
	"context"
	"testing"
	"time"
)

func TestSendContextEndsWithItsParentOnlyWhileTheInsertRuns(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	ctx, finished := sendContext(parent)
	if ctx.Err() != nil {
		t.Fatal("the insert's context ended before its parent")
	}
	cancel()
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
		t.Fatal("cancelling the parent during the insert must cancel the insert")
	}
	finished()

	// After finished, the parent's end must not reach the insert's context: clickhouse-go
	// would close a connection already back in its pool.
	parent, cancel = context.WithCancel(context.Background())
	ctx, finished = sendContext(parent)
	finished()
	cancel()
	time.Sleep(10 * time.Millisecond)
	if ctx.Err() != nil {
		t.Fatal("the parent's cancellation after the insert reached the insert's context")
	}

	// A deadline counts as an end.
	parent, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	ctx, finished = sendContext(parent)
	defer finished()
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
		t.Fatal("the parent's deadline did not end the insert")
	}
}
