//go:build faults

package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ecowatch/ecowatch/internal/testenv"
)

// afterRestartIdle is the --until-idle of the run after a broker restart: the group waits for
// the stopped member's session to expire (30 s) before it hands its partitions over, which
// that run must not take for the end of the stream.
const afterRestartIdle = "45s"

// TestFaultSIGTERMWhileKafkaIsDown: with the broker stopped, ingest's reader keeps trying to
// fetch; SIGTERM ends it at once (leaving the consumer group cannot reach the broker either),
// and after the broker is back a second run finds every message written exactly once.
func TestFaultSIGTERMWhileKafkaIsDown(t *testing.T) {
	env := testenv.New(t)
	t.Cleanup(func() { services(t, "start") }) // whatever happened
	msgs, valid, invalid := mixedBatch(0, 2000)
	sigtermDuring(t, env, "fetch", "", afterRestartIdle, msgs, valid, invalid, func() {},
		func(*syncBuffer) {
			for count(t, env, "SELECT count() FROM raw_messages") < uint64(len(msgs)) {
				time.Sleep(100 * time.Millisecond)
			}
			services(t, "stop", "kafka")
			fmt.Println("fault: Kafka broker stopped with ingest idle")
			time.Sleep(5 * time.Second)
		},
		func() {
			services(t, "start")
			fmt.Println("fault: Kafka broker started again")
		})
}

// TestFaultSIGTERMDuringCommitRetries: a batch's inserts wait on a missing table while the
// broker is stopped; once the table is back the rows are durable but the offsets cannot be
// committed. SIGTERM during those commit retries ends ingest at once; the messages are
// delivered again to the next run and absorbed by the tables.
func TestFaultSIGTERMDuringCommitRetries(t *testing.T) {
	env := testenv.New(t)
	t.Cleanup(func() { services(t, "start") }) // whatever happened
	msgs, valid, invalid := mixedBatch(0, 500)
	db := env.Store.Database()
	exec1 := func(q string) {
		if err := env.Store.Conn().Exec(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var logs *syncBuffer
	sigtermDuring(t, env, "commit", "", afterRestartIdle, msgs, valid, invalid,
		func() { exec1("RENAME TABLE " + db + ".reports TO " + db + ".reports_away") },
		func(l *syncBuffer) {
			logs = l
			waitFor(t, logs, "what=clickhouse", 2*time.Minute)
			services(t, "stop", "kafka")
			fmt.Println("fault: Kafka broker stopped while inserts were retried")
			exec1("RENAME TABLE " + db + ".reports_away TO " + db + ".reports")
			// The insert succeeds at its next attempt; then the commit waits on the broker.
			waitFor(t, logs, "msg=recovered what=clickhouse", 2*time.Minute)
			time.Sleep(3 * time.Second)
		},
		func() {
			if !strings.Contains(logs.String(), "offsets not committed") {
				t.Errorf("SIGTERM did not find ingest committing:\n%s", lastLines(logs.String(), 5000))
			}
			services(t, "start")
			fmt.Println("fault: Kafka broker started again")
		})
}
