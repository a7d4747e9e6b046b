//go:build cluster

package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/config"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/internal/testenv"
)

// newEnv is testenv.New on the cluster: it refuses to run against a single server, since every
// assertion here is about replicas.
func newEnv(t testing.TB) *testenv.Env {
	t.Helper()
	cfg, err := config.Load("", os.LookupEnv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ClickHouse.Cluster == "" || len(cfg.ClickHouse.Addr) < 2 || len(cfg.Kafka.Brokers) < 3 {
		t.Fatalf("the cluster tests need the local cluster: run them with `make cluster-test`, or "+
			"`eval \"$(deploy/local/cluster.sh env)\"` first (got clickhouse.cluster=%q, clickhouse.addr=%v, kafka.brokers=%v)",
			cfg.ClickHouse.Cluster, cfg.ClickHouse.Addr, cfg.Kafka.Brokers)
	}
	return testenv.New(t)
}

// replicas opens one connection to each replica alone, to look at what each one holds.
func replicas(t testing.TB, cfg config.ClickHouse) []driver.Conn {
	t.Helper()
	var out []driver.Conn
	for _, addr := range cfg.Addr {
		conn, err := clickhouse.Open(&clickhouse.Options{
			Addr: []string{addr},
			Auth: clickhouse.Auth{Database: "default", Username: cfg.Username, Password: cfg.Password},
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		out = append(out, conn)
	}
	return out
}

func queryCount(t testing.TB, conn driver.Conn, query string, args ...any) uint64 {
	t.Helper()
	var n uint64
	if err := conn.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func exec1(t testing.TB, conn driver.Conn, query string) {
	t.Helper()
	if err := conn.Exec(context.Background(), query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// tables lists the database's MergeTree-family tables on a replica.
func tables(t testing.TB, conn driver.Conn, db string) map[string]string {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT name, engine FROM system.tables WHERE database = ?", db)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, engine string
		if err := rows.Scan(&name, &engine); err != nil {
			t.Fatal(err)
		}
		out[name] = engine
	}
	return out
}

// tableColumns is each table's columns with their types, by name.
func tableColumns(t testing.TB, conn driver.Conn, db string) map[string]string {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT table, name, type FROM system.columns WHERE database = ? ORDER BY table, name", db)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var table, name, typ string
		if err := rows.Scan(&table, &name, &typ); err != nil {
			t.Fatal(err)
		}
		out[table] += name + " " + typ + ", "
	}
	return out
}

// syncReplicas waits until each replica has fetched everything the other has written to the
// database's replicated tables.
func syncReplicas(t testing.TB, conns []driver.Conn, db string) {
	t.Helper()
	for _, conn := range conns {
		for name, engine := range tables(t, conn, db) {
			if strings.HasPrefix(engine, "Replicated") {
				exec1(t, conn, "SYSTEM SYNC REPLICA "+db+"."+name)
			}
		}
	}
}

// report is a valid reports.v1 message with a reporter identity.
func report(i int) kafka.Message {
	r := contract.Report{
		Schema: contract.SchemaReports, ReportID: fmt.Sprintf("12369-440305-20261120-%06d", i), Version: 1,
		Kind: "report", Channel: "web",
		ReceivedAt: contract.NewTime(time.Date(2026, 11, 20, 9, 0, i%3600, 0, time.FixedZone("CST", 8*3600))),
		RegionCode: "440305", Category: "water", Title: "河道发黑发臭",
		Content:  fmt.Sprintf("第%d件：河道出现黑色污水。", i),
		Reporter: &contract.Reporter{Name: "集群测试", Phone: fmt.Sprintf("139%08d", i)},
	}
	b, _ := json.Marshal(r)
	return kafka.Message{Key: []byte(r.ReportID), Value: b}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// run runs the ecowatch binary with the environment plus the given settings and returns its
// standard output; a failure fails the test with both outputs.
func run(t testing.TB, settings map[string]string, args ...string) string {
	t.Helper()
	cmd := exec.Command(testenv.Binary(t), args...)
	cmd.Env = os.Environ()
	for k, v := range settings {
		cmd.Env = append(cmd.Env, config.EnvName(k)+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ecowatch %s: %v\n%s\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// cutProxy stands between a client and one ClickHouse server and loses the server's reply to
// one insert: when the client sends a query containing marker, the proxy forwards the table
// header the server answers with and the rows the client then sends, but holds back what the
// server answers after that — the acknowledgement — and signals held. Cut then closes every
// connection and stops listening, as a replica that dies right after writing a block would
// look to the client: the insert landed, and the client cannot know.
type cutProxy struct {
	ln     net.Listener
	target string
	marker []byte
	held   chan struct{}
	once   sync.Once // guards the arming: one insert only

	mu    sync.Mutex
	conns []net.Conn
}

func newCutProxy(t testing.TB, target, marker string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, marker: []byte(marker), held: make(chan struct{})}
	go p.serve()
	t.Cleanup(p.Cut)
	return p
}

func (p *cutProxy) Addr() string { return p.ln.Addr().String() }

func (p *cutProxy) serve() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		go p.pipe(client, server)
	}
}

// pipe copies both ways. state: 0 plain; 1 the marked query went to the server; 2 the server
// answered it (the header, forwarded); 3 the client sent its rows — from then on the server's
// bytes are held back.
func (p *cutProxy) pipe(client, server net.Conn) {
	var mu sync.Mutex
	state := 0
	go func() {
		buf := make([]byte, 64<<10)
		var tail []byte
		for {
			n, err := client.Read(buf)
			if n > 0 {
				mu.Lock()
				window := append(tail, buf[:n]...)
				if state == 0 && bytes.Contains(window, p.marker) {
					p.once.Do(func() { state = 1 })
				} else if state == 2 {
					state = 3
				}
				mu.Unlock()
				if len(window) > len(p.marker) {
					tail = append([]byte(nil), window[len(window)-len(p.marker):]...)
				}
				if _, err := server.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				server.Close()
				return
			}
		}
	}()
	buf := make([]byte, 64<<10)
	for {
		n, err := server.Read(buf)
		if n > 0 {
			mu.Lock()
			if state == 1 {
				state = 2
			}
			hold := state == 3
			mu.Unlock()
			if hold {
				select {
				case <-p.held:
				default:
					close(p.held)
				}
				continue
			}
			if _, err := client.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			client.Close()
			return
		}
	}
}

// Cut stops listening and closes every connection.
func (p *cutProxy) Cut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
