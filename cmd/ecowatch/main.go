// Command ecowatch is the analytics and early-warning pipeline behind China's
// ecological-environment complaint channels. This file only wires packages together; see
// docs/ENGINEERING.md for where each part lives.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand.
type command struct {
	name, usage, summary string
	run                  func(ctx context.Context, env *env, args []string) error
}

func commands() []command {
	return []command{
		{"help", "help", "list the commands", nil},
		{"config", "config example", "print a documented configuration file with every default", runConfig},
		{"topics", "topics", "create the Kafka topics that do not exist", runTopics},
		{"migrate", "migrate", "apply the ClickHouse schema migrations (safe to repeat)", runMigrate},
		{"run", "run", "the service: ingest and every scheduled job (detectors, case states, deliveries) until SIGTERM", runRun},
		{"ingest", "ingest [--until-idle D]", "consume reports and case events into ClickHouse", runIngest},
		{"simulate", "simulate --from T --to T [--scope CODE] [--seed N] [--out DIR]", "generate a realistic stream with known injected events", runSimulate},
		{"summary", "summary", "print what ingest wrote and dead-lettered", runSummary},
		{"report", "report --quarter YYYYQn [--scope CODE] [--out DIR]", "write the quarterly public disclosure (信息公开) of a jurisdiction as a static site", runReport},
		{"dashboard", "dashboard [--at T] [--scope CODE] --out DIR", "write the leadership dashboards (a static site, swapped in atomically)", runDashboard},
		{"serve", "serve --dir DIR [--addr 127.0.0.1:8080] [--public DIR] [--insecure-http-beyond-loopback]", "serve the dashboards to signed-in people, each their jurisdiction (audited); a public folder beside", runServe},
		{"user", "user add --login L --jurisdiction CODE --name NAME | user passwd --login L | user disable --login L | user list", "manage the accounts of `ecowatch serve` (passwords are read from the terminal or stdin)", runUser},
		{"eval", "eval detection [--scope CODE] [--from T] [--to T] [--seed N] [--clusters N] [--watershed N] [--only clusters|watershed]", "measure detection quality on a simulated stream with injected events: clusters and watershed incidents against baselines, downstream coverage, notices per warning", runEval},
		{"reveal", "reveal --report-id ID --purpose TEXT [--operator NAME]", "open a report's sealed reporter identity (audited)", runReveal},
		{"cases", "cases [--at T]", "evaluate every case as of T and save case states, deadlines and merge suggestions", runCases},
		{"alerts", "alerts run [--at T] | alerts backtest --from T1 --to T2 [--step D] | alerts list [--kind K] [--recipients] | alerts compare --truth F", "run the detectors, replay a period, list warnings, compare with injected events", runAlerts},
	}
}

// usageError marks a mistake in the command line; main prints usage and exits 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	global := flag.NewFlagSet("ecowatch", flag.ContinueOnError)
	global.SetOutput(stderr)
	configPath := global.String("config", os.Getenv("ECOWATCH_CONFIG"), "configuration file (default: built-in defaults; env ECOWATCH_CONFIG)")
	logLevel := global.String("log-level", "info", "log level: debug, info, warn, error")
	global.Usage = func() { printHelp(stderr) }
	if err := global.Parse(args); err != nil {
		return 2
	}
	rest := global.Args()
	if len(rest) == 0 || rest[0] == "help" || rest[0] == "-h" || rest[0] == "--help" {
		printHelp(stdout)
		return 0
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "ecowatch: --log-level %q is not accepted (accepted: debug, info, warn, error)\n", *logLevel)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	for _, c := range commands() {
		if c.name != rest[0] || c.run == nil {
			continue
		}
		e := &env{configPath: *configPath, log: log, stdin: os.Stdin, stdout: stdout, stderr: stderr}
		err := c.run(ctx, e, rest[1:])
		var uerr usageError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &uerr):
			fmt.Fprintf(stderr, "ecowatch %s: %s\nusage: ecowatch %s\n", c.name, uerr.msg, c.usage)
			return 2
		case errors.Is(err, flag.ErrHelp):
			return 0
		default:
			fmt.Fprintf(stderr, "ecowatch %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "ecowatch: unknown command %q (run `ecowatch help` for the list)\n", rest[0])
	return 2
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "ecowatch — analytics and early warning for the 12369 hotline and environmental petitions")
	fmt.Fprintln(w, "\nusage: ecowatch [--config FILE] [--log-level LEVEL] COMMAND [flags]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\n`ecowatch COMMAND -h` shows a command's flags. Settings: ecowatch.example.conf.")
}
