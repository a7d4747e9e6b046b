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
