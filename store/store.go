package store

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/ecowatch/ecowatch/config"
)

// Store is a connection to ecowatch's ClickHouse database. It is safe for concurrent use.
// Close it when done.
type Store struct {
	conn     driver.Conn
	db       string
	dialect  Dialect
	version  string
	replicas *replicaChooser // cluster mode only
}

// Open connects to ClickHouse, creates the database if it does not exist, and detects the
// server's dialect. It does not migrate; call Migrate.
func Open(ctx context.Context, cfg config.ClickHouse) (*Store, error) {
	opts := &clickhouse.Options{
		Addr: cfg.Addr,
		Auth: clickhouse.Auth{Database: "default", Username: cfg.Username, Password: cfg.Password},
		// The local 18.16 server rejects unknown settings; send none by default.
		DialTimeout:     5 * time.Second,
		MaxOpenConns:    8,
		MaxIdleConns:    4,
		ConnMaxLifetime: time.Hour,
	}
	if compressed(cfg) {
		opts.Compression = &clickhouse.Compression{Method: clickhouse.CompressionLZ4}
	}
	if cfg.TLS {
		opts.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	var replicas *replicaChooser
	if cfg.Cluster != "" {
		// The replicas in the listed order (clickhouse-go's ConnOpenInOrder, which the dial
		// strategy refines), the fit ones first: see replicas.go.
		replicas = newReplicaChooser(cfg)
		opts.ConnOpenStrategy = clickhouse.ConnOpenInOrder
		opts.DialStrategy = replicas.dial
		opts.ConnMaxLifetime = clusterConnMaxLifetime
	}
	s, err := open(ctx, cfg, opts)
	if err != nil {
		if replicas != nil {
			replicas.Close()
		}
		return nil, err
	}
	s.replicas = replicas
	return s, nil
}

// compressed reports whether the native protocol stream to ClickHouse is compressed (LZ4):
// clickhouse.compression, where auto means compressed unless every address is on this
// machine, where compressing costs CPU on both sides and saves nothing.
func compressed(cfg config.ClickHouse) bool {
	switch cfg.Compression {
	case "lz4":
		return true
	case "none":
		return false
	}
	return !loopbackOnly(cfg.Addr)
}

func open(ctx context.Context, cfg config.ClickHouse, opts *clickhouse.Options) (*Store, error) {
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("store: connecting to ClickHouse at %v: %w", cfg.Addr, err)
	}
	if err := conn.Ping(ctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("store: ClickHouse at %v does not answer: %w", cfg.Addr, err)
	}
	var version string
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&version); err != nil {
		conn.Close()
		return nil, fmt.Errorf("store: reading the ClickHouse version: %w", err)
	}
	d, err := ParseVersion(version)
	if err != nil {
		conn.Close()
		return nil, err
	}
	d.Cluster, d.Database = cfg.Cluster, cfg.Database
	if err := createDatabase(ctx, conn, d); err != nil {
		conn.Close()
		return nil, fmt.Errorf("store: creating database %s: %w", cfg.Database, err)
	}
	conn.Close()
	opts.Auth.Database = cfg.Database
	conn, err = clickhouse.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("store: connecting to ClickHouse database %s: %w", cfg.Database, err)
	}
	return &Store{conn: conn, db: cfg.Database, dialect: d, version: version}, nil
}

// createDatabase creates the database. In cluster mode it asks the replica first: an ON CLUSTER
// statement waits for every replica, and the database usually exists.
func createDatabase(ctx context.Context, conn driver.Conn, d Dialect) error {
	if d.Clustered() {
		var n uint64
		if err := conn.QueryRow(ctx, "SELECT count() FROM system.databases WHERE name = ?", d.Database).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
	}
	return conn.Exec(ctx, d.CreateDatabase())
}

// Close releases the connections.
func (s *Store) Close() error {
	err := s.conn.Close()
	if s.replicas != nil {
		err = errors.Join(err, s.replicas.Close())
	}
	return err
}

// ServerVersion is the version string the server reported.
func (s *Store) ServerVersion() string { return s.version }

// Database is the database the store works in.
func (s *Store) Database() string { return s.db }

// Ping checks that the server answers.
func (s *Store) Ping(ctx context.Context) error { return s.conn.Ping(ctx) }

// exec runs one statement without results.
func (s *Store) exec(ctx context.Context, query string, args ...any) error {
	return s.conn.Exec(ctx, query, args...)
}

// DropDatabase removes the store's whole database. Only tests use it.
func (s *Store) DropDatabase(ctx context.Context) error {
	return s.exec(ctx, s.dialect.DropDatabase())
}

// Conn is the driver connection, for integration tests that check what the tables hold and
// for ad-hoc tooling. Application code uses the Store's methods.
func (s *Store) Conn() driver.Conn { return s.conn }

// loopbackOnly reports whether every address names this machine (an IP loopback address or
// "localhost").
func loopbackOnly(addrs []string) bool {
	for _, a := range addrs {
		host, _, err := net.SplitHostPort(a)
		if err != nil {
			host = a
		}
		if host == "localhost" {
			continue
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return false
		}
	}
	return len(addrs) > 0
}
