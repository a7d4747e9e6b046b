package integration

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/internal/testenv"
)

// BenchmarkIngestVersusLoaders runs, in the same benchmark and alternately, the loaders a
// ClickHouse user would reach for instead of ecowatch, each on its own copy of the same 200,000
// realistic reports (about 900 bytes of JSON each) in a 4-partition topic:
//
//   - ecowatch: the `ecowatch ingest` binary with its defaults (validation, dead letters,
//     sealing, redaction, pseudonyms, the sealed archive, offsets committed after the rows);
//   - engine: ClickHouse's own Kafka engine, the whole line read as one String (TSV, one
//     message a row) and every column extracted with visitParamExtract* in a materialized view
//     into a table laid out like ecowatch's reports table;
//   - file: clickhouse-client inserting the same JSON lines from a file with FORMAT
//     JSONEachRow (no Kafka: the raw limit of the server on this machine);
//   - baseline (only when ECOWATCH_BENCH_BASELINE names another ecowatch binary, e.g. one built
//     from main): that binary, as "today's ingest".
//
// A loader's time runs from its start (the process, or the CREATE of the Kafka table) to the
// moment every row is readable (for ecowatch: in reports and in raw_messages, which it writes
// last), read from the parts' row counts (see waitRows). Loader CPU is the user+system time
// of the loader's process from /proc at that moment; server CPU is the ClickHouse server
// process's, and Kafka CPU the broker's, over the same interval (from /proc, so background
// merges in that interval count). Before each loader the previous loader's database and
// topics are dropped, so that its merges do not run on.
//
// ECOWATCH_BENCH_RUNS (default 3) sets the number of rounds; the order of the loaders
// alternates between rounds. ECOWATCH_BENCH_PROFILE=DIR also takes a CPU profile and a heap
// profile of ecowatch (through its pprof endpoint) in a separate, unmeasured run of
// ECOWATCH_BENCH_PROFILE_SECONDS (default 60), and of the baseline when there is one.
func BenchmarkIngestVersusLoaders(b *testing.B) {
	const n = 200_000
	sink := simulatedReports(b, n)
	bin := testenv.Binary(b)
	baseline := os.Getenv("ECOWATCH_BENCH_BASELINE")
	runs := 3
	if v, err := strconv.Atoi(os.Getenv("ECOWATCH_BENCH_RUNS")); err == nil && v > 0 {
		runs = v
	}
	server, err := servicePID("clickhouse", "clickhouse")
	if err != nil {
		b.Fatal(err)
	}
	broker, err := servicePID("kafka", "java")
	if err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(b.TempDir(), "reports.jsonl")
	var lines bytes.Buffer
	for _, m := range sink.msgs {
		lines.Write(m.Value)
		lines.WriteByte('\n')
	}
	if err := os.WriteFile(file, lines.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	lines = bytes.Buffer{}

	type loader struct {
		name string
		run  func(b *testing.B, m *meter) loaderRun
	}
	loaders := []loader{
		{"ecowatch", func(b *testing.B, m *meter) loaderRun { return runEcowatchLoader(b, m, bin, sink.msgs) }},
		{"engine", func(b *testing.B, m *meter) loaderRun { return runEngineLoader(b, m, sink.msgs) }},
		{"file", func(b *testing.B, m *meter) loaderRun { return runFileLoader(b, m, file, len(sink.msgs)) }},
	}
	if baseline != "" {
		loaders = append(loaders, loader{"baseline", func(b *testing.B, m *meter) loaderRun {
			return runEcowatchLoader(b, m, baseline, sink.msgs)
		}})
	}
	if dir := os.Getenv("ECOWATCH_BENCH_PROFILE"); dir != "" {
		profileEcowatch(b, "ecowatch", bin, sink.msgs, dir)
		if baseline != "" {
			profileEcowatch(b, "baseline", baseline, sink.msgs, dir)
		}
	}
	for b.Loop() {
		b.StopTimer()
		results := map[string][]loaderRun{}
		for r := 0; r < runs; r++ {
			order := slices.Clone(loaders)
			if r%2 == 1 {
				slices.Reverse(order)
			}
			for _, l := range order {
				res := l.run(b, &meter{server: server, broker: broker})
				results[l.name] = append(results[l.name], res)
				fmt.Printf("round %d %-8s %8.0f reports/s  loader CPU %5.1f µs/report  server CPU %5.2f s (%4.1f µs/report)  Kafka CPU %5.2f s%s\n",
					r+1, l.name, res.rate(n), res.loaderMicros(n), res.server.Seconds(), res.serverMicros(n), res.broker.Seconds(), res.note)
			}
			eco, eng, fil := results["ecowatch"][r], results["engine"][r], results["file"][r]
			line := fmt.Sprintf("round %d ratios: ecowatch/engine %.2f×, ecowatch/file %.2f×, server CPU ecowatch/engine %.2f×",
				r+1, eco.rate(n)/eng.rate(n), eco.rate(n)/fil.rate(n), eco.server.Seconds()/eng.server.Seconds())
			if baseline != "" {
				line += fmt.Sprintf(", ecowatch/baseline %.2f×", eco.rate(n)/results["baseline"][r].rate(n))
			}
			fmt.Println(line)
		}
		for _, l := range loaders {
			rs := results[l.name]
			rates := make([]float64, len(rs))
			for i, r := range rs {
				rates[i] = r.rate(n)
			}
			fmt.Printf("%-8s %d runs: %s reports/s\n", l.name, len(rs), spread(rates))
		}
		last := runs - 1
		b.ReportMetric(results["ecowatch"][last].rate(n)/results["engine"][last].rate(n), "ecowatch/engine")
		b.ReportMetric(results["ecowatch"][last].loaderMicros(n), "ecowatch-µs/report")
		b.StartTimer()
	}
}

// loaderRun is what one loader took.
type loaderRun struct {
	wall, loader, server, broker time.Duration
	note                         string
}

func (r loaderRun) rate(n int) float64         { return float64(n) / r.wall.Seconds() }
func (r loaderRun) loaderMicros(n int) float64 { return float64(r.loader.Microseconds()) / float64(n) }
func (r loaderRun) serverMicros(n int) float64 { return float64(r.server.Microseconds()) / float64(n) }

func spread(xs []float64) string {
	s := slices.Clone(xs)
	slices.Sort(s)
	return fmt.Sprintf("%.0f – %.0f, median %.0f", s[0], s[len(s)-1], s[len(s)/2])
}

// meter reads the CPU time of the ClickHouse server and the Kafka broker over a loader's run.
type meter struct {
	server, broker   int // pids
	server0, broker0 time.Duration
	started          time.Time
}

func (m *meter) start(b *testing.B) {
	m.server0, m.broker0 = mustCPU(b, m.server), mustCPU(b, m.broker)
	m.started = time.Now()
}

// stop ends the interval; loaderCPU is the loader's own CPU time at that moment.
func (m *meter) stop(b *testing.B, loaderCPU time.Duration) loaderRun {
	wall := time.Since(m.started)
	return loaderRun{wall: wall, loader: loaderCPU, server: mustCPU(b, m.server) - m.server0, broker: mustCPU(b, m.broker) - m.broker0}
}

func mustCPU(b *testing.B, pid int) time.Duration {
	d, err := processCPU(pid)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// processCPU is the user+system CPU time of a process (all its threads) from /proc.
func processCPU(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("reading the CPU time of process %d: %w", pid, err)
	}
	// The command name is in parentheses and may hold spaces: count fields after the last ')'.
	fields := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	const ticks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / ticks, nil
}

// servicePID is the process id of a local service started by deploy/local/services.sh (its
// pid file under .local/NAME), checked against the expected command.
func servicePID(name, command string) (int, error) {
	local := os.Getenv("ECOWATCH_LOCAL")
	if local == "" {
		local = filepath.Join(testenv.RepoRoot(), ".local")
	}
	raw, err := os.ReadFile(filepath.Join(local, name, "pid"))
	if err != nil {
		return 0, fmt.Errorf("the %s server's pid (started by `make services`?): %w", name, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		return 0, fmt.Errorf("the %s pid file: %w", name, err)
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !bytes.Contains(cmdline, []byte(command)) {
		return 0, fmt.Errorf("process %d of the %s pid file is not running %s", pid, name, command)
	}
	return pid, nil
}

// freshEnv is a test environment whose reports topic holds msgs.
func freshEnv(b *testing.B, msgs []kafka.Message) *testenv.Env {
	env := testenv.New(b)
	env.Produce(b, env.Config.Kafka.TopicReports, msgs...)
	return env
}

// dropEnv removes a loader's database and topics at once, so that its background merges do
// not run into the next loader's interval.
func dropEnv(b *testing.B, env *testenv.Env) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := env.Store.DropDatabase(ctx); err != nil {
		b.Logf("dropping %s: %v", env.Store.Database(), err)
	}
	if err := env.Broker.DeleteTopics(ctx, env.Broker.Topics()...); err != nil {
		b.Logf("deleting the topics: %v", err)
	}
}

// waitRows polls, every 50 ms, until the active parts of each of tables hold want rows; it
// fails after limit, or as soon as exited says the loader stopped. It reads the parts' row
// counts (metadata) rather than count(): 18.16 counts by reading a column of every row, and a
// count() of each table every 50 ms cost the server, in the loader's interval, 1.5 ms a poll
// per table — a tenth of ecowatch's server CPU, twice the engine's (it has one table).
// The loaders write no duplicate here, so the parts' rows are the rows.
func waitRows(b *testing.B, env *testenv.Env, tables []string, want uint64, limit time.Duration, exited func() error) {
	deadline := time.Now().Add(limit)
	for {
		if got := fewestRows(b, env, tables); got >= want {
			return
		} else if time.Now().After(deadline) {
			b.Fatalf("%v: %d rows after %s, want %d", tables, got, limit, want)
		}
		if exited != nil {
			if err := exited(); err != nil {
				b.Fatal(err)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fewestRows is the least number of rows in the active parts of any of tables.
func fewestRows(b *testing.B, env *testenv.Env, tables []string) uint64 {
	rows, err := env.Store.Conn().Query(context.Background(), `SELECT table, sum(rows) FROM system.parts
		WHERE database = ? AND active GROUP BY table`, env.Store.Database())
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	byTable := map[string]uint64{}
	for rows.Next() {
		var table string
		var n uint64
		if err := rows.Scan(&table, &n); err != nil {
			b.Fatal(err)
		}
		byTable[table] = n
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	fewest := byTable[tables[0]]
	for _, t := range tables[1:] {
		fewest = min(fewest, byTable[t])
	}
	return fewest
}

func runEcowatchLoader(b *testing.B, m *meter, bin string, msgs []kafka.Message) loaderRun {
	env := freshEnv(b, msgs)
	defer dropEnv(b, env)
	cmd := exec.Command(bin, "ingest", "--until-idle", "2s")
	cmd.Env = processEnv(env)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	m.start(b)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	exited := func() error {
		select {
		case err := <-done:
			return fmt.Errorf("ingest ended before every row was written: %v\n%s", err, out.String())
		default:
			return nil
		}
	}
	n := uint64(len(msgs))
	waitRows(b, env, []string{"reports", "raw_messages"}, n, 10*time.Minute, exited)
	cpu, err := processCPU(cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	res := m.stop(b, cpu)
	if err := <-done; err != nil {
		b.Fatalf("ingest: %v\n%s", err, out.String())
	}
	if got := count(b, env, "SELECT count() FROM reports_latest"); got != n {
		b.Fatalf("%d reports in reports_latest, want %d", got, n)
	}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var peak, rate float64
		if _, err := fmt.Sscanf(sc.Text(), "ingest: peak memory %f MiB", &peak); err == nil {
			res.note += fmt.Sprintf("  peak memory %.0f MiB", peak)
		}
		if _, err := fmt.Sscanf(sc.Text(), "ingest: %f messages/s from first fetch", &rate); err == nil {
			res.note += fmt.Sprintf("  %.0f/s from its first fetch", rate)
		}
	}
	return res
}

// engineColumns are the columns of the engine's table and how its materialized view extracts
// each from the whole JSON line. visitParam* functions find the first occurrence of a key
// anywhere in the line: nested objects are not told apart (target.name and reporter.name are
// both "name"), which is what this variant of the engine gives a ClickHouse user.
var engineColumns = [][2]string{
	{"report_id String", "visitParamExtractString(line, 'report_id')"},
	{"version UInt32", "toUInt32(visitParamExtractUInt(line, 'version'))"},
	{"kind String", "visitParamExtractString(line, 'kind')"},
	{"channel String", "visitParamExtractString(line, 'channel')"},
	{"received_at DateTime('Asia/Shanghai')", "parseDateTimeBestEffort(visitParamExtractString(line, 'received_at'))"},
	{"region_code String", "visitParamExtractString(line, 'region_code')"},
	{"province_code String", "concat(substring(visitParamExtractString(line, 'region_code'), 1, 2), '0000')"},
	{"lat Float64", "visitParamExtractFloat(line, 'lat')"},
	{"lon Float64", "visitParamExtractFloat(line, 'lon')"},
	{"location_address String", "visitParamExtractString(line, 'address')"},
	{"category String", "visitParamExtractString(line, 'category')"},
	{"categories String", "visitParamExtractRaw(line, 'categories')"},
	{"subcategory String", "visitParamExtractString(line, 'subcategory')"},
	{"title String", "visitParamExtractString(line, 'title')"},
	{"content String", "visitParamExtractString(line, 'content')"},
	{"target_name String", "visitParamExtractString(line, 'name')"},
	{"target_credit_code String", "visitParamExtractString(line, 'credit_code')"},
	{"target_industry String", "visitParamExtractString(line, 'industry')"},
	{"reporter_phone String", "visitParamExtractString(line, 'phone')"},
	{"reporter_id_number String", "visitParamExtractString(line, 'id_number')"},
	{"reporter_email String", "visitParamExtractString(line, 'email')"},
	{"anonymous UInt8", "visitParamExtractBool(line, 'anonymous')"},
	{"co_reporters UInt32", "toUInt32(visitParamExtractUInt(line, 'co_reporters'))"},
	{"flags String", "visitParamExtractRaw(line, 'flags')"},
	{"intake_org String", "visitParamExtractString(line, 'intake_org')"},
	{"ingested_at DateTime('Asia/Shanghai')", "now()"},
}

func runEngineLoader(b *testing.B, m *meter, msgs []kafka.Message) loaderRun {
	env := freshEnv(b, msgs)
	defer dropEnv(b, env)
	ctx := context.Background()
	cfg := env.Config.Kafka
	group := cfg.Group + "-engine"
	// librdkafka starts a group without committed offsets at the end of the topic (18.16 has no
	// setting for it in the table): commit offset 0 of every partition for the group first.
	commitZero(b, env, group)
	var cols, exprs []string
	for _, c := range engineColumns {
		cols = append(cols, c[0])
		exprs = append(exprs, c[1]+" AS "+strings.Fields(c[0])[0])
	}
	exec := func(q string) {
		if err := env.Store.Conn().Exec(ctx, q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	exec(`CREATE TABLE engine_reports (` + strings.Join(cols, ", ") + `) ENGINE = ReplacingMergeTree(version)
		PARTITION BY toYYYYMM(received_at) ORDER BY report_id`)
	m.start(b)
	exec(fmt.Sprintf(`CREATE TABLE engine_queue (line String) ENGINE = Kafka SETTINGS
		kafka_broker_list = '%s', kafka_topic_list = '%s', kafka_group_name = '%s',
		kafka_format = 'TSV', kafka_row_delimiter = '\n', kafka_num_consumers = 1`,
		strings.Join(cfg.Brokers, ","), cfg.TopicReports, group))
	exec(`CREATE MATERIALIZED VIEW engine_mv TO engine_reports AS SELECT ` + strings.Join(exprs, ", ") + ` FROM engine_queue`)
	waitRows(b, env, []string{"engine_reports"}, uint64(len(msgs)), 10*time.Minute, nil)
	if got := count(b, env, "SELECT count() FROM engine_reports"); got != uint64(len(msgs)) {
		b.Fatalf("%d rows in engine_reports, want %d", got, len(msgs))
	}
	res := m.stop(b, 0)
	exec("DROP TABLE engine_mv")
	exec("DROP TABLE engine_queue")
	res.note = "  (loader CPU is in the server's)"
	return res
}

// commitZero commits offset 0 of every partition of the reports topic for group.
func commitZero(b *testing.B, env *testenv.Env, group string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cfg := env.Config.Kafka
	client := &kafka.Client{Addr: kafka.TCP(cfg.Brokers...), Transport: env.Broker.Transport()}
	var parts []kafka.OffsetCommit
	for p := 0; p < cfg.Partitions; p++ {
		parts = append(parts, kafka.OffsetCommit{Partition: p, Offset: 0})
	}
	resp, err := client.OffsetCommit(ctx, &kafka.OffsetCommitRequest{
		GroupID: group, GenerationID: -1, Topics: map[string][]kafka.OffsetCommit{cfg.TopicReports: parts},
	})
	if err != nil {
		b.Fatalf("committing offset 0 for %s: %v", group, err)
	}
	for _, ps := range resp.Topics {
		for _, p := range ps {
			if p.Error != nil {
				b.Fatalf("committing offset 0 for %s, partition %d: %v", group, p.Partition, p.Error)
			}
		}
	}
}

func runFileLoader(b *testing.B, m *meter, file string, n int) loaderRun {
	env := testenv.New(b)
	defer dropEnv(b, env)
	ctx := context.Background()
	if err := env.Store.Conn().Exec(ctx, `CREATE TABLE file_reports (schema String, report_id String, version UInt32,
		kind String, channel String, received_at String, region_code String, category String, categories Array(String),
		subcategory String, title String, content String, co_reporters UInt32, flags Array(String), intake_org String)
		ENGINE = ReplacingMergeTree(version) ORDER BY report_id`); err != nil {
		b.Fatal(err)
	}
	host, port, err := net.SplitHostPort(env.Config.ClickHouse.Addr[0])
	if err != nil {
		b.Fatal(err)
	}
	in, err := os.Open(file)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close()
	cmd := exec.Command("clickhouse-client", "--host", host, "--port", port, "--database", env.Store.Database(),
		"--input_format_skip_unknown_fields=1", "--query", "INSERT INTO file_reports FORMAT JSONEachRow")
	cmd.Stdin = in
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	m.start(b)
	if err := cmd.Run(); err != nil {
		b.Fatalf("clickhouse-client: %v\n%s", err, out.String())
	}
	res := m.stop(b, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
	if got := count(b, env, "SELECT count() FROM file_reports"); got != uint64(n) {
		b.Fatalf("%d rows from the file, want %d", got, n)
	}
	return res
}

// profileEcowatch runs the ecowatch binary bin once, unmeasured, with its pprof endpoint on,
// and saves a CPU profile of the run to dir/NAME-cpu.pprof, and a heap profile from halfway
// through it to dir/NAME-heap.pprof. The profile covers the whole run when it takes
// less than ECOWATCH_BENCH_PROFILE_SECONDS.
func profileEcowatch(b *testing.B, name, bin string, msgs []kafka.Message, dir string) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	env := freshEnv(b, msgs)
	defer dropEnv(b, env)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	seconds := 60
	if v, err := strconv.Atoi(os.Getenv("ECOWATCH_BENCH_PROFILE_SECONDS")); err == nil && v > 0 {
		seconds = v
	}
	cmd := exec.Command(bin, "ingest", "--until-idle", fmt.Sprintf("%ds", seconds+10))
	cmd.Env = append(processEnv(env), "ECOWATCH_INGEST_METRICS_ADDR="+addr)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer cmd.Process.Kill()
	// A heap profile halfway through, while both batches are full.
	heap := make(chan error, 1)
	go func() {
		time.Sleep(time.Duration(seconds) * time.Second / 2)
		out, err := exec.Command("curl", "-sf", "-o", filepath.Join(dir, name+"-heap.pprof"),
			fmt.Sprintf("http://%s/debug/pprof/heap", addr)).CombinedOutput()
		if err != nil {
			err = fmt.Errorf("heap profile: %v %s", err, out)
		}
		heap <- err
	}()
	var prof []byte
	for i := 0; i < 600; i++ { // until the endpoint answers
		if prof, err = exec.Command("curl", "-sf", "-o", filepath.Join(dir, name+"-cpu.pprof"),
			fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, seconds)).CombinedOutput(); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		b.Fatalf("profiling ecowatch: %v %s\n%s", err, prof, out.String())
	}
	if err := <-heap; err != nil {
		b.Fatal(err)
	}
	if got := count(b, env, "SELECT count() FROM reports"); got != uint64(len(msgs)) {
		b.Fatalf("the profiled run wrote %d reports in %d s, want %d", got, seconds, len(msgs))
	}
	fmt.Printf("profile: %s\n", filepath.Join(dir, name+"-cpu.pprof"))
}
