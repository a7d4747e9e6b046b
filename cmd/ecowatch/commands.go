package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ecowatch/ecowatch/config"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/ingest"
	"github.com/ecowatch/ecowatch/store"
)

func flags(name string, e *env) *flag.FlagSet {
	fs := flag.NewFlagSet("ecowatch "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

func runConfig(_ context.Context, e *env, args []string) error {
	if len(args) != 1 || args[0] != "example" {
		return usageError{"the only subcommand is `example`"}
	}
	return config.Example(e.stdout)
}

func runTopics(ctx context.Context, e *env, args []string) error {
	fs := flags("topics", e)
	replication := fs.Int("replication", 1, "replication factor of created topics (1 for the local broker, 3 in production)")
	recreate := fs.Bool("recreate", false, "delete the topics and everything in them first (for the demo and benchmarks)")
	if err := parse(fs, args); err != nil {
		return err
	}
	conn, err := e.broker()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if *recreate {
		if err := conn.DeleteTopics(ctx, conn.Topics()...); err != nil {
			return err
		}
	}
	if err := conn.EnsureTopics(ctx, *replication, conn.Topics()...); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "topics ready: %v\n", conn.Topics())
	return nil
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := flags("migrate", e)
	printFor := fs.String("print", "", "print the schema statements for a server of this version (e.g. 26.9) instead of migrating; connects to nothing")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *printFor != "" {
		d, err := store.ParseVersion(*printFor)
		if err != nil {
			return usageError{fmt.Sprintf("--print: %q is not a ClickHouse version (accepted: MAJOR.MINOR, e.g. 18.16 or 26.9)", *printFor)}
		}
		for _, stmt := range store.SchemaStatements(d) {
			fmt.Fprintf(e.stdout, "%s;\n\n", stmt)
		}
		return nil
	}
	cfg, err := e.config()
	if err != nil {
		return err
	}
	s, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(e.stdout, "ClickHouse %s, database %s: schema up to date\n", s.ServerVersion(), cfg.ClickHouse.Database)
	return nil
}

func runIngest(ctx context.Context, e *env, args []string) error {
	fs := flags("ingest", e)
	untilIdle := fs.Duration("until-idle", 0, "exit once no message has arrived for this long (0: run until SIGTERM)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *untilIdle < 0 {
		return usageError{"--until-idle must not be negative"}
	}
	s, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	in, stop, err := e.ingester(ctx, s, *untilIdle)
	if err != nil {
		return err
	}
	defer stop()
	if err := in.Run(ctx); err != nil {
		return err
	}
	st := in.Stats()
	fmt.Fprintf(e.stdout, "ingest: %d reports, %d case events written; %d dead-lettered%s\n",
		st.Reports, st.Events, st.DeadLetters, formatCodes(st.ByCode))
	if st.LastCommit.After(st.FirstFetch) {
		fmt.Fprintf(e.stdout, "ingest: %.0f messages/s from first fetch to last commit (%s)\n",
			st.Throughput(), st.LastCommit.Sub(st.FirstFetch).Round(time.Millisecond))
	}
	if kib, ok := peakRSS(); ok {
		fmt.Fprintf(e.stdout, "ingest: peak memory %.1f MiB\n", float64(kib)/1024)
	}
	return nil
}

// brokerStartupWait is how long ingest waits at startup for Kafka to answer.
const brokerStartupWait = time.Minute

// ingester assembles an ingester over the store and starts the metrics endpoint; stop closes
// both.
func (e *env) ingester(ctx context.Context, s *store.Store, untilIdle time.Duration) (*ingest.Ingester, func(), error) {
	cfg, err := e.config()
	if err != nil {
		return nil, nil, err
	}
	conn, err := e.broker()
	if err != nil {
		return nil, nil, err
	}
	// A wrong address or a missing topic stops ingest at once with a message naming the
	// setting; a broker that is still starting (or restarting with us) gets a minute. Once
	// running, ingest rides out outages by itself.
	if err := conn.WaitReady(ctx, brokerStartupWait, cfg.Kafka.TopicReports, cfg.Kafka.TopicEvents, cfg.Kafka.TopicDLQ); err != nil {
		return nil, nil, err
	}
	pipe, err := e.pipeline()
	if err != nil {
		return nil, nil, err
	}
	v, err := e.validator()
	if err != nil {
		return nil, nil, err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := ingest.NewMetrics(reg)
	stopMetrics := func() {}
	if cfg.Ingest.MetricsAddr != "" {
		if stopMetrics, err = serveMetrics(ctx, e, cfg.Ingest.MetricsAddr, reg); err != nil {
			return nil, nil, err
		}
	}
	in := ingest.New(conn, s, pipe, v, metrics, ingest.Options{
		BatchSize: cfg.Ingest.BatchSize, BatchWait: cfg.Ingest.BatchWait, UntilIdle: untilIdle, Logger: e.log,
	})
	e.log.Info("ingest started", "brokers", cfg.Kafka.Brokers, "group", cfg.Kafka.Group,
		"topics", []string{cfg.Kafka.TopicReports, cfg.Kafka.TopicEvents}, "clickhouse", cfg.ClickHouse.Addr)
	return in, func() { in.Close(); stopMetrics() }, nil
}

// serveMetrics serves /metrics until the returned stop function is called.
func serveMetrics(ctx context.Context, e *env, addr string, reg *prometheus.Registry) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ingest.metrics-addr %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	// Profiles for operators chasing a slow or hungry ingest (the address is loopback by default).
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/heap", pprof.Index)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			e.log.Error("metrics server stopped", "err", err)
		}
	}()
	e.log.Info("metrics served", "addr", "http://"+ln.Addr().String()+"/metrics")
	return func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}, nil
}

func formatCodes(by map[contract.Code]int) string {
	if len(by) == 0 {
		return ""
	}
	codes := make([]string, 0, len(by))
	for c := range by {
		codes = append(codes, string(c))
	}
	sort.Strings(codes)
	s := " ("
	for i, c := range codes {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s: %d", c, by[contract.Code(c)])
	}
	return s + ")"
}

func runSummary(ctx context.Context, e *env, args []string) error {
	if err := parse(flags("summary", e), args); err != nil {
		return err
	}
	s, err := e.openStore(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	sum, err := s.IngestSummary(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "reports (latest versions): %d\ncase events: %d\nsealed contacts: %d\nraw messages archived: %d\ndead-lettered: %d\n",
		sum.Reports, sum.CaseEvents, sum.Contacts, sum.RawMessages, sum.DeadLetters)
	for _, c := range sum.ByCode {
		fmt.Fprintf(e.stdout, "  %-15s %6d  e.g. %s\n", c.Code, c.Count, c.Example)
	}
	return nil
}

// peakRSS reads the process's peak resident set size in KiB (Linux: VmHWM).
func peakRSS() (int64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kib int64
			_, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kib)
			return kib, err == nil
		}
	}
	return 0, false
}
