// Package testenv is the one way integration tests reach the real local Kafka and ClickHouse
// started by `make services` (deploy/local/services.sh). Each test gets its own ClickHouse
// database, its own topics and its own consumer group, so tests never see each other's data
// and can run in parallel.
//
// A package of such tests gates itself with Main in its TestMain: when the services do not
// answer, it says so and how to start them, and runs nothing — a failure when
// ECOWATCH_REQUIRE_SERVICES is set (`make test`, `make faults`, `make bench` set it), otherwise
// a visible "[no tests to run]" so that a plain `go test ./...` runs the unit tests. Once
// the services answer, New fails a test that cannot get its slice of them. Nothing is faked.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/broker"
	"github.com/ecowatch/ecowatch/config"
	"github.com/ecowatch/ecowatch/store"
)

// RepoRoot is the repository's top folder.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// RequireServices is the environment variable that turns "the services do not answer" from
// "run nothing" into a failure.
const RequireServices = "ECOWATCH_REQUIRE_SERVICES"

// Main runs the tests of a package that needs the local services; call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }
//
// If the services do not answer, it prints which one and how to start it and runs nothing: it
// returns 1 when $ECOWATCH_REQUIRE_SERVICES is set; otherwise it ends as the testing package
// ends a run of no test, so that `go test ./...` marks the package "[no tests to run]" rather
// than "ok" alone — and, as the run wrote no test log, go test does not cache it: the next
// `go test` after `make services` runs the tests.
func Main(m *testing.M) int {
	err := Reachable(os.LookupEnv, 3*time.Second)
	if err == nil {
		return m.Run()
	}
	msg := fmt.Sprintf("%v.\nThese tests need the local services: start them with `make services`, or run `make test`, which starts them and runs every test.", err)
	if os.Getenv(RequireServices) != "" {
		fmt.Fprintf(os.Stderr, "FAIL: %s\n(%s is set: the services are required.)\n", msg, RequireServices)
		return 1
	}
	fmt.Fprintf(os.Stderr, "NOT RUN: %s\n(Set %s=1 to make this a failure.)\n", msg, RequireServices)
	// What testing prints when no test ran; go test looks for this line.
	fmt.Fprintln(os.Stderr, "testing: warning: no tests to run")
	fmt.Println("PASS")
	return 0
}

// Reachable reports, in one error naming each, the local services that do not accept a
// connection within timeout, at the addresses of the configuration (lookup: the environment).
func Reachable(lookup func(string) (string, bool), timeout time.Duration) error {
	cfg, err := config.Load("", lookup)
	if err != nil {
		return fmt.Errorf("testenv: configuration: %w", err)
	}
	var errs []string
	for _, s := range []struct {
		name, setting string
		addrs         []string
	}{
		{"ClickHouse", "ECOWATCH_CLICKHOUSE_ADDR", cfg.ClickHouse.Addr},
		{"Kafka", "ECOWATCH_KAFKA_BROKERS", cfg.Kafka.Brokers},
	} {
		for _, addr := range s.addrs {
			conn, err := net.DialTimeout("tcp", addr, timeout)
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s does not answer at %s (%s): %v", s.name, addr, s.setting, err))
				continue
			}
			conn.Close()
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errors.New("the local services do not answer: " + strings.Join(errs, "; "))
}

// Env is one test's isolated slice of the local services.
type Env struct {
	Config *config.Config
	Broker *broker.Conn
	Store  *store.Store
	// Suffix is the random part of this test's names.
	Suffix string
}

// New creates a database and topics for the test and removes them when it ends. The local
// services' addresses come from the usual environment overrides (ECOWATCH_KAFKA_BROKERS,
// ECOWATCH_CLICKHOUSE_ADDR), defaulting to the local setup.
func New(t testing.TB) *Env {
	t.Helper()
	return newEnv(t, "")
}

// NewOnUTCServer is New with the second local ClickHouse, whose server time zone is UTC
// (`deploy/local/services.sh start clickhouse-utc`), at UTCServerAddr.
func NewOnUTCServer(t testing.TB) *Env {
	t.Helper()
	return newEnv(t, UTCServerAddr())
}

// UTCServerAddr is the address of the local ClickHouse whose server time zone is UTC:
// ECOWATCH_CLICKHOUSE_UTC_ADDR, else 127.0.0.1 at ECOWATCH_CLICKHOUSE_UTC_PORT, else at the
// main server's port (ECOWATCH_CLICKHOUSE_PORT, 9000) plus 10, as deploy/local/services.sh
// starts it.
func UTCServerAddr() string {
	if a := os.Getenv("ECOWATCH_CLICKHOUSE_UTC_ADDR"); a != "" {
		return a
	}
	if p := os.Getenv("ECOWATCH_CLICKHOUSE_UTC_PORT"); p != "" {
		return "127.0.0.1:" + p
	}
	mainPort := 9000
	if p, err := strconv.Atoi(os.Getenv("ECOWATCH_CLICKHOUSE_PORT")); err == nil {
		mainPort = p
	}
	return "127.0.0.1:" + strconv.Itoa(mainPort+10)
}

func newEnv(t testing.TB, clickhouseAddr string) *Env {
	t.Helper()
	cfg, err := config.Load("", os.LookupEnv)
	if err != nil {
		t.Fatalf("testenv: configuration: %v", err)
	}
	start := "`make services`"
	if clickhouseAddr != "" {
		cfg.ClickHouse.Addr = []string{clickhouseAddr}
		start = "`deploy/local/services.sh start clickhouse-utc`"
	}
	suffix := randomSuffix()
	cfg.ClickHouse.Database = "ecowatch_test_" + suffix
	name := strings.Map(func(r rune) rune { // Kafka topic names: ASCII letters, digits, . _ -
		if r < 128 && (r == '.' || r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return r
		}
		return '-'
	}, t.Name())
	if len(name) > 40 {
		name = name[:40]
	}
	prefix := "t-" + name + "-" + suffix + "."
	cfg.Kafka.TopicReports = prefix + "reports.v1"
	cfg.Kafka.TopicEvents = prefix + "case-events.v1"
	cfg.Kafka.TopicWarnings = prefix + "warnings.v1"
	cfg.Kafka.TopicDLQ = prefix + "dlq.v1"
	cfg.Kafka.Group = prefix + "ingest"
	cfg.Privacy.KeyFile = ""
	cfg.Privacy.Key = TestKey
	cfg.OutDir = t.TempDir()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := store.Open(ctx, cfg.ClickHouse)
	if err != nil {
		t.Fatalf("testenv: ClickHouse at %v is not reachable (%v). Start it with %s.", cfg.ClickHouse.Addr, err, start)
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("testenv: migrating %s: %v", cfg.ClickHouse.Database, err)
	}
	conn, err := broker.New(cfg.Kafka)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	if err := conn.EnsureTopics(ctx, 1, conn.Topics()...); err != nil {
		t.Fatalf("testenv: creating the test's topics: %v (is Kafka running? Start the local services with `make services`.)", err)
	}
	e := &Env{Config: cfg, Broker: conn, Store: s, Suffix: suffix}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if os.Getenv("ECOWATCH_KEEP_TEST_DATA") == "" {
			s.DropDatabase(ctx)
			client := &kafka.Client{Addr: kafka.TCP(cfg.Kafka.Brokers...), Transport: conn.Transport()}
			client.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: conn.Topics()})
		}
		s.Close()
	})
	return e
}

// TestKey is the sealing key of integration tests (never used outside tests).
const TestKey = "test-key:5f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"

// Produce writes messages to topic, keyed, and fails the test on error.
func (e *Env) Produce(t testing.TB, topic string, msgs ...kafka.Message) {
	t.Helper()
	w := e.Broker.Writer(topic)
	defer w.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatalf("testenv: producing %d messages to %s: %v", len(msgs), topic, err)
	}
}

func randomSuffix() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// FreeAddr is a loopback address with a port that nothing listens on now, for a child process
// to listen on (a fixed port may be taken by anything else on a shared machine).
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
