package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/ecowatch/ecowatch/basin"
	"github.com/ecowatch/ecowatch/broker"
	"github.com/ecowatch/ecowatch/calendar"
	"github.com/ecowatch/ecowatch/config"
	"github.com/ecowatch/ecowatch/contract"
	"github.com/ecowatch/ecowatch/pipeline"
	"github.com/ecowatch/ecowatch/privacy"
	"github.com/ecowatch/ecowatch/region"
	"github.com/ecowatch/ecowatch/store"
)

// env is what a subcommand gets: the configuration path, a logger and outputs. Connections are
// opened on demand by the helpers below and closed by the subcommand.
type env struct {
	configPath     string
	log            *slog.Logger
	stdin          *os.File
	stdout, stderr io.Writer
	cfg            *config.Config
}

func (e *env) config() (*config.Config, error) {
	if e.cfg == nil {
		c, err := config.Load(e.configPath, os.LookupEnv)
		if err != nil {
			return nil, err
		}
		e.cfg = c
	}
	return e.cfg, nil
}

// openStore connects to ClickHouse and applies pending migrations (every command that uses
// the store migrates at start-up, so a fresh database just works).
func (e *env) openStore(ctx context.Context) (*store.Store, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	s, err := store.Open(ctx, cfg.ClickHouse)
	if err != nil {
		return nil, err
	}
	applied, err := s.Migrate(ctx)
	if err != nil {
		s.Close()
		return nil, err
	}
	for _, m := range applied {
		e.log.Info("migration applied", "migration", m)
	}
	return s, nil
}

func (e *env) broker() (*broker.Conn, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	return broker.New(cfg.Kafka)
}

func (e *env) keys() (*privacy.Keyring, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	return privacy.LoadKey(cfg.Privacy.Key, cfg.Privacy.KeyFile)
}

func (e *env) pipeline() (*pipeline.Pipeline, error) {
	keys, err := e.keys()
	if err != nil {
		return nil, err
	}
	return &pipeline.Pipeline{Regions: region.Default(), Basins: basin.Default(), Keys: keys}, nil
}

func (e *env) validator() (*contract.Validator, error) {
	cfg, err := e.config()
	if err != nil {
		return nil, err
	}
	return &contract.Validator{Regions: region.Default(), MaxFuture: cfg.Ingest.MaxFuture}, nil
}

// parseTime reads a command-line time: RFC 3339, or a date / date-time in Asia/Shanghai.
func parseTime(flagName, s string) (time.Time, error) {
	if t, ok := contract.ParseTime(s); ok {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, calendar.Shanghai); err == nil {
		return t, nil
	}
	return time.Time{}, usageError{fmt.Sprintf("--%s %q is not a time (accepted: 2026-03-15, 2026-03-15T09:00, or RFC 3339)", flagName, s)}
}

// fitWriter bounds a writer's batches by what its topic accepts, asking the broker
// (broker.Conn.FitWriter); when the broker does not say, Kafka's documented default stays and a
// warning says so.
func (e *env) fitWriter(ctx context.Context, conn *broker.Conn, w *kafka.Writer) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := conn.FitWriter(ctx, w); err != nil {
		e.log.Warn("the limit of a topic is unknown; assuming Kafka's default", "topic", w.Topic,
			"max_message_bytes", broker.DefaultMaxMessageBytes, "err", err)
	}
}
