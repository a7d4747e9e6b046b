package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestCommandLineErrorsNameTheSettingAndAcceptedValues(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
		code int
		want string
	}{
		{"help lists commands", []string{"help"}, nil, 0, "ingest"},
		{"unknown command", []string{"frobnicate"}, nil, 2, `unknown command "frobnicate"`},
		{"bad log level", []string{"--log-level", "loud", "migrate"}, nil, 2, "accepted: debug, info, warn, error"},
		{"negative idle", []string{"ingest", "--until-idle", "-1s"}, nil, 2, "--until-idle must not be negative"},
		{"bad flag", []string{"ingest", "--batch", "3"}, nil, 2, "flag provided but not defined"},
		{"bad env setting", []string{"migrate"}, map[string]string{"ECOWATCH_INGEST_BATCH_SIZE": "huge"}, 1, "ECOWATCH_INGEST_BATCH_SIZE"},
		{"bad sasl", []string{"topics"}, map[string]string{"ECOWATCH_KAFKA_SASL_MECHANISM": "gssapi"}, 1, "accepted: none, plain, scram-sha-256, scram-sha-512"},
		{"simulate needs period", []string{"simulate"}, nil, 2, "--from and --to are required"},
		{"simulate bad time", []string{"simulate", "--from", "yesterday", "--to", "2026-01-02"}, nil, 2, `--from "yesterday" is not a time`},
		{"alerts needs subcommand", []string{"alerts"}, nil, 2, "run, backtest, list or compare"},
		{"backtest detector", []string{"alerts", "backtest", "--from", "2026-01-01", "--to", "2026-01-02", "--detectors", "overdue,clusters"}, nil, 2,
			`--detectors: "clusters" is not a detector (accepted: overdue, supervision, emergency, cluster, watershed)`},
		{"cases bad time", []string{"cases", "--at", "noon"}, nil, 2, `--at "noon" is not a time`},
		{"backtest step", []string{"alerts", "backtest", "--from", "2026-01-01", "--to", "2026-01-02", "--step", "1s"}, nil, 2, "--step must be at least 1m"},
		{"report needs quarter", []string{"report"}, nil, 2, "--quarter is required (accepted form: YYYYQn"},
		{"report bad quarter", []string{"report", "--quarter", "2026-3"}, nil, 2, "accepted form: YYYYQn"},
		{"report county", []string{"report", "--quarter", "2026Q3", "--scope", "440305"}, nil, 2, "is a county"},
		{"config example", []string{"config", "example"}, nil, 0, "kafka.brokers = 127.0.0.1:9092"},
		{"schema for a current server", []string{"migrate", "--print", "26.9"}, nil, 0, "channel LowCardinality(String)"},
		{"schema for 18.16", []string{"migrate", "--print", "18.16"}, nil, 0, "CREATE VIEW IF NOT EXISTS case_events_latest"},
		{"schema for no version", []string{"migrate", "--print", "latest"}, nil, 2, "accepted: MAJOR.MINOR"},
		{"serve beyond loopback without TLS", []string{"serve", "--dir", ".", "--addr", "0.0.0.0:8080"}, nil, 2, "--insecure-http-beyond-loopback"},
		{"serve without sign-in", []string{"serve", "--dir", "."}, nil, 1, "set serve.accounts-file"},
		{"serve SSO without proxies", []string{"serve", "--dir", "."}, map[string]string{"ECOWATCH_SERVE_SSO_USER_HEADER": "X-Remote-User"}, 1, "serve.trusted-proxies is empty"},
		{"serve bad proxy", []string{"serve", "--dir", "."}, map[string]string{"ECOWATCH_SERVE_TRUSTED_PROXIES": "10.0.0.0/33"}, 1, "accepted: IP addresses or CIDR ranges"},
		{"serve bad idle", []string{"serve", "--dir", "."}, map[string]string{"ECOWATCH_SERVE_SESSION_IDLE": "forever"}, 1, "ECOWATCH_SERVE_SESSION_IDLE"},
		{"serve cert without key", []string{"serve", "--dir", "."}, map[string]string{"ECOWATCH_SERVE_TLS_CERT_FILE": "c.pem"}, 1, "serve.tls-key-file"},
		{"serve no folder", []string{"serve", "--dir", "/no/such/folder"}, nil, 1, "is not a folder"},
		{"user without accounts file", []string{"user", "list"}, nil, 1, "serve.accounts-file is not set"},
		{"user unknown subcommand", []string{"user", "remove"}, map[string]string{"ECOWATCH_SERVE_ACCOUNTS_FILE": "/tmp/x"}, 2, "accepted: add, passwd, disable, list"},
		{"user add county", []string{"user", "add", "--login", "a", "--jurisdiction", "440305", "--name", "n"}, map[string]string{"ECOWATCH_SERVE_ACCOUNTS_FILE": "/tmp/x"}, 2, "is a county"},
		{"user add bad login", []string{"user", "add", "--login", "A B", "--jurisdiction", "nation", "--name", "n"}, map[string]string{"ECOWATCH_SERVE_ACCOUNTS_FILE": "/tmp/x"}, 2, "accepted: 1 to 64"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var out, errOut bytes.Buffer
			code := run(context.Background(), tc.args, &out, &errOut)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out.String(), errOut.String())
			}
			if all := out.String() + errOut.String(); !strings.Contains(all, tc.want) {
				t.Fatalf("output does not mention %q:\n%s", tc.want, all)
			}
		})
	}
}

func TestSchemaPrintedForAServerVersionFollowsItsDialect(t *testing.T) {
	for _, tc := range []struct {
		version string
		lowCard bool
	}{{"18.16", false}, {"19.9", true}, {"26.9", true}} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), []string{"migrate", "--print", tc.version}, &out, &errOut); code != 0 {
			t.Fatalf("migrate --print %s: exit %d: %s", tc.version, code, errOut.String())
		}
		if got := strings.Contains(out.String(), "LowCardinality(String)"); got != tc.lowCard {
			t.Errorf("migrate --print %s: LowCardinality in the schema = %v, want %v", tc.version, got, tc.lowCard)
		}
		if strings.Contains(out.String(), "{enum}") {
			t.Errorf("migrate --print %s: a template placeholder is left in the schema", tc.version)
		}
		if n := strings.Count(out.String(), "CREATE "); n < 10 {
			t.Errorf("migrate --print %s: %d CREATE statements, want every table and view", tc.version, n)
		}
	}
}
