// Package config holds ecowatch's configuration: one file of documented `name = value` lines
// (see ecowatch.example.conf at the repository root) plus environment overrides
// (ECOWATCH_<NAME> with dots and dashes as underscores, e.g. ECOWATCH_KAFKA_BROKERS).
//
// Every setting is declared once in the settings table below with its default, its meaning and
// its validation; the example file is checked against that table by a test. A bad value stops
// the program with a message naming the setting and the accepted values.
//
// It owns no connections: the packages that connect (broker, store) take the sections they need.
package config

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration. The zero value is not meaningful; use Default or Load.
type Config struct {
	Kafka      Kafka
	ClickHouse ClickHouse
	Ingest     Ingest
	Privacy    Privacy
	Alerts     Alerts
	ZooKeeper  ZooKeeper
	Serve      Serve
	OutDir     string
}

// ZooKeeper is the coordination service several ecowatch instances share: the leader election
// of `ecowatch run` and the serial numbers of notices (package coord). Empty Addr: one instance.
type ZooKeeper struct {
	Addr []string
	// Root is the path under which ecowatch keeps its nodes, one folder per database.
	Root string
	// SessionTimeout is how long ZooKeeper keeps a silent instance's session: a dead leader is
	// replaced after about this long.
	SessionTimeout time.Duration
}

// Serve holds the settings of `ecowatch serve`: who may sign in and how, and TLS.
type Serve struct {
	AccountsFile            string
	SessionIdle, SessionMax time.Duration
	TLSCertFile, TLSKeyFile string
	TrustedProxies          []string
	SSOUserHeader           string
	SSOJurisdictionHeader   string
	SSONameHeader           string
}

// Alerts holds the detector schedules and deliveries.
type Alerts struct {
	// Schedules maps a job of `ecowatch run` (each detector by name, cases, outbox,
	// dashboards, disclosure) to its cron expression in Asia/Shanghai.
	Schedules    map[string]string
	WebhooksFile string
	// NoticeInterval: at most one numbered 预警通知书 per organisation and warning within it
	// (escalations to level 1 or 2 excepted; see deliver.Policy).
	NoticeInterval time.Duration
	// WatershedReach: a watershed warning goes to every jurisdiction the water can reach within
	// this travel time (detect.WatershedConfig.Reach).
	WatershedReach time.Duration
}

// Kafka is where the topics live and how to reach them.
type Kafka struct {
	Brokers       []string
	Group         string
	TopicReports  string
	TopicEvents   string
	TopicWarnings string
	TopicDLQ      string
	Partitions    int
	TLS           bool
	TLSCAFile     string
	SASLMechanism string // none, plain, scram-sha-256, scram-sha-512
	SASLUsername  string
	SASLPassword  string
}

// ClickHouse is the analytics store.
type ClickHouse struct {
	Addr     []string
	Database string
	Username string
	Password string
	TLS      bool
	// Cluster is the remote_servers cluster the schema is replicated across (ON CLUSTER DDL,
	// Replicated… tables); empty for a single server.
	Cluster string
	// Compression of the native protocol stream: auto, lz4 or none (auto: none when every
	// address is on this machine, lz4 otherwise).
	Compression string
}

// Ingest tunes the consumer.
type Ingest struct {
	BatchSize   int
	BatchWait   time.Duration
	MetricsAddr string
	MaxFuture   time.Duration
}

// Privacy holds where the sealing key comes from.
type Privacy struct {
	KeyFile string
	Key     string // "keyid:hex"; wins over KeyFile when set (ECOWATCH_PRIVACY_KEY)
}

type setting struct {
	name, def, doc string
	secret         bool
	set            func(c *Config, v string) error
}

var settings = []setting{
	{"kafka.brokers", "127.0.0.1:9092", "Kafka bootstrap brokers, comma-separated host:port.", false,
		func(c *Config, v string) error { c.Kafka.Brokers, _ = list(v); return nonEmpty(v) }},
	{"kafka.group", "ecowatch-ingest", "Consumer group of `ecowatch ingest`; instances in one group share partitions.", false,
		func(c *Config, v string) error { c.Kafka.Group = v; return nonEmpty(v) }},
	{"kafka.topic.reports", "reports.v1", "Topic of reports.v1 messages.", false,
		func(c *Config, v string) error { c.Kafka.TopicReports = v; return nonEmpty(v) }},
	{"kafka.topic.events", "case-events.v1", "Topic of case-events.v1 messages.", false,
		func(c *Config, v string) error { c.Kafka.TopicEvents = v; return nonEmpty(v) }},
	{"kafka.topic.warnings", "warnings.v1", "Topic ecowatch publishes warnings.v1 messages to.", false,
		func(c *Config, v string) error { c.Kafka.TopicWarnings = v; return nonEmpty(v) }},
	{"kafka.topic.dlq", "dlq.v1", "Topic of dead letters (dlq.v1); protected like the input topics.", false,
		func(c *Config, v string) error { c.Kafka.TopicDLQ = v; return nonEmpty(v) }},
	{"kafka.partitions", "4", "Partitions per topic when `ecowatch topics` creates them (1–1024).", false,
		func(c *Config, v string) (err error) { c.Kafka.Partitions, err = intIn(v, 1, 1024); return }},
	{"kafka.tls", "false", "Connect to Kafka over TLS (true/false).", false,
		func(c *Config, v string) (err error) { c.Kafka.TLS, err = boolean(v); return }},
	{"kafka.tls-ca-file", "", "PEM file of the CA that signed the brokers' certificates (empty: system roots).", false,
		func(c *Config, v string) error { c.Kafka.TLSCAFile = v; return nil }},
	{"kafka.sasl-mechanism", "none", "SASL mechanism: none, plain, scram-sha-256 or scram-sha-512.", false,
		func(c *Config, v string) error {
			c.Kafka.SASLMechanism = v
			return oneOf(v, "none", "plain", "scram-sha-256", "scram-sha-512")
		}},
	{"kafka.sasl-username", "", "SASL user name.", false,
		func(c *Config, v string) error { c.Kafka.SASLUsername = v; return nil }},
	{"kafka.sasl-password", "", "SASL password (prefer the environment variable; never logged).", true,
		func(c *Config, v string) error { c.Kafka.SASLPassword = v; return nil }},
	{"clickhouse.addr", "127.0.0.1:9000", "ClickHouse native-protocol addresses, comma-separated host:port.", false,
		func(c *Config, v string) error { c.ClickHouse.Addr, _ = list(v); return nonEmpty(v) }},
	{"clickhouse.database", "ecowatch", "Database holding ecowatch's tables (created by migrate).", false,
		func(c *Config, v string) error { c.ClickHouse.Database = v; return identifier(v) }},
	{"clickhouse.username", "default", "ClickHouse user.", false,
		func(c *Config, v string) error { c.ClickHouse.Username = v; return nil }},
	{"clickhouse.password", "", "ClickHouse password (prefer the environment variable; never logged).", true,
		func(c *Config, v string) error { c.ClickHouse.Password = v; return nil }},
	{"clickhouse.tls", "false", "Connect to ClickHouse over TLS (true/false).", false,
		func(c *Config, v string) (err error) { c.ClickHouse.TLS, err = boolean(v); return }},
	{"clickhouse.cluster", "", "ClickHouse cluster (a remote_servers name) to replicate the schema across: migrations run ON CLUSTER and tables are Replicated…MergeTree (empty: a single server).", false,
		func(c *Config, v string) error {
			c.ClickHouse.Cluster = v
			if v == "" {
				return nil
			}
			return identifier(v)
		}},
	{"clickhouse.compression", "auto", "Compression of the data sent to ClickHouse: lz4, none, or auto (none when every clickhouse.addr is a loopback address, where it would cost CPU and save nothing; lz4 otherwise).", false,
		func(c *Config, v string) error { c.ClickHouse.Compression = v; return oneOf(v, "auto", "lz4", "none") }},
	{"ingest.batch-size", "16000", "Messages per ClickHouse insert batch (1–200000).", false,
		func(c *Config, v string) (err error) { c.Ingest.BatchSize, err = intIn(v, 1, 200000); return }},
	{"ingest.batch-wait", "1s", "Longest a message waits before its batch is written (Go duration, 10ms–1m).", false,
		func(c *Config, v string) (err error) {
			c.Ingest.BatchWait, err = durationIn(v, 10*time.Millisecond, time.Minute)
			return
		}},
	{"ingest.metrics-addr", "127.0.0.1:9464", "Address of the Prometheus /metrics endpoint (empty: off).", false,
		func(c *Config, v string) error { c.Ingest.MetricsAddr = v; return nil }},
	{"ingest.max-future", "24h", "Tolerated producer clock skew: later timestamps are dead-lettered (Go duration, 1m–720h).", false,
		func(c *Config, v string) (err error) {
			c.Ingest.MaxFuture, err = durationIn(v, time.Minute, 720*time.Hour)
			return
		}},
	{"privacy.key-file", ".local/keys/seal.key", "File holding the sealing key as `keyid:64-hex-chars` (the local setup generates one).", false,
		func(c *Config, v string) error { c.Privacy.KeyFile = v; return nil }},
	{"privacy.key", "", "The sealing key itself as `keyid:64-hex-chars`; overrides privacy.key-file (environment only, never in a file).", true,
		func(c *Config, v string) error { c.Privacy.Key = v; return nil }},
	schedule("emergency", "* * * * *", "emergency detector (flags and text signals: immediate)"),
	schedule("cluster", "*/5 * * * *", "cluster detector (公众集中举报)"),
	schedule("watershed", "*/5 * * * *", "watershed detector (流域污染)"),
	schedule("overdue", "0 * * * *", "overdue detector (催办)"),
	schedule("cases", "0 * * * *", "case-state stage: every case evaluated and saved as case_states, case_deadlines and merge_suggestions for the dashboards and the disclosure"),
	schedule("supervision", "15 2 * * *", "supervision detector (督办: repeated complaints, procedure violations)"),
	schedule("outbox", "* * * * *", "delivery of warning changes to warnings.v1 and webhooks"),
	schedule("dashboards", "*/10 * * * *", "leadership dashboards (static site under <out>/dashboards)"),
	schedule("disclosure", "0 7 * * *", "quarterly public disclosure: on the first working day of a quarter, the previous quarter's report under <out>/disclosure/<quarter>"),
	{"alerts.webhooks-file", "", "File of webhook endpoints, one line per organisation: `org_code url secret` (empty: no webhooks).", false,
		func(c *Config, v string) error { c.Alerts.WebhooksFile = v; return nil }},
	{"alerts.notice-interval", "6h", "At most one numbered warning notice (预警通知书) per organisation and warning within this time; escalations to level 1 or 2 go at once, other changes go out as 续报 in a daily digest (Go duration, 1m–72h).", false,
		func(c *Config, v string) (err error) {
			c.Alerts.NoticeInterval, err = durationIn(v, time.Minute, 72*time.Hour)
			return
		}},
	{"alerts.watershed-reach", "168h", "A watershed warning goes to every jurisdiction downstream that the water can reach within this travel time, at the fast end of the documented flow speeds (Go duration, 1h–336h).", false,
		func(c *Config, v string) (err error) {
			c.Alerts.WatershedReach, err = durationIn(v, time.Hour, 336*time.Hour)
			return
		}},
	{"zookeeper.addr", "", "ZooKeeper ensemble (the one the ClickHouse replicas use), comma-separated host:port: several `ecowatch run` instances elect there the one that runs the scheduled jobs, and notices get their serial numbers there. Required with clickhouse.cluster; empty: a single instance.", false,
		func(c *Config, v string) error { c.ZooKeeper.Addr, _ = list(v); return nil }},
	{"zookeeper.root", "/ecowatch", "ZooKeeper path under which ecowatch keeps its nodes (one folder per clickhouse.database).", false,
		func(c *Config, v string) error {
			c.ZooKeeper.Root = v
			if !strings.HasPrefix(v, "/") || len(v) < 2 || strings.HasSuffix(v, "/") || strings.Contains(v, "//") {
				return fmt.Errorf("%q is not accepted (accepted: an absolute ZooKeeper path such as /ecowatch, without a trailing /)", v)
			}
			return nil
		}},
	{"zookeeper.session-timeout", "10s", "How long ZooKeeper waits for a silent instance before ending its session: a leading `ecowatch run` that dies is replaced after about this long (Go duration, 4s–40s; the server bounds it by 2 and 20 ticks).", false,
		func(c *Config, v string) (err error) {
			c.ZooKeeper.SessionTimeout, err = durationIn(v, 4*time.Second, 40*time.Second)
			return
		}},
	{"serve.accounts-file", "", "Accounts of `ecowatch serve` (one line per person: login, bcrypt hash, jurisdiction, name, active|disabled; managed by `ecowatch user`). Empty: no password sign-in (then single sign-on is required).", false,
		func(c *Config, v string) error { c.Serve.AccountsFile = v; return nil }},
	{"serve.session-idle", "30m", "A signed-in session ends after this long without a request (Go duration, 1m–24h).", false,
		func(c *Config, v string) (err error) {
			c.Serve.SessionIdle, err = durationIn(v, time.Minute, 24*time.Hour)
			return
		}},
	{"serve.session-max", "12h", "A signed-in session ends this long after sign-in, used or not (Go duration, 5m–720h).", false,
		func(c *Config, v string) (err error) {
			c.Serve.SessionMax, err = durationIn(v, 5*time.Minute, 720*time.Hour)
			return
		}},
	{"serve.tls-cert-file", "", "PEM certificate chain of `ecowatch serve` (with serve.tls-key-file: serve HTTPS). Empty: plain HTTP, on loopback only unless --insecure-http-beyond-loopback.", false,
		func(c *Config, v string) error { c.Serve.TLSCertFile = v; return nil }},
	{"serve.tls-key-file", "", "PEM private key of serve.tls-cert-file.", false,
		func(c *Config, v string) error { c.Serve.TLSKeyFile = v; return nil }},
	{"serve.trusted-proxies", "", "Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto and single-sign-on headers are believed: IP addresses or CIDR ranges, comma-separated (empty: none).", false,
		func(c *Config, v string) error {
			c.Serve.TrustedProxies, _ = list(v)
			for _, p := range c.Serve.TrustedProxies {
				if err := addressOrCIDR(p); err != nil {
					return err
				}
			}
			return nil
		}},
	{"serve.sso-user-header", "", "Single sign-on: the request header in which a trusted proxy passes the login, e.g. X-Remote-User (empty: off). Needs serve.trusted-proxies.", false,
		func(c *Config, v string) error { c.Serve.SSOUserHeader = v; return headerName(v) }},
	{"serve.sso-jurisdiction-header", "X-Remote-Jurisdiction", "Single sign-on: the header with the person's jurisdiction (nation, a province or a prefecture-level city code).", false,
		func(c *Config, v string) error { c.Serve.SSOJurisdictionHeader = v; return headerName(v) }},
	{"serve.sso-name-header", "X-Remote-Name", "Single sign-on: the header with the display name (UTF-8 or percent-encoded; empty: the login).", false,
		func(c *Config, v string) error { c.Serve.SSONameHeader = v; return headerName(v) }},
	{"out.dir", "out", "Folder for notices, reports and dashboards.", false,
		func(c *Config, v string) error { c.OutDir = v; return nonEmpty(v) }},
}

// schedule declares the cron schedule setting of a job run by `ecowatch run`.
func schedule(job, def, what string) setting {
	return setting{"alerts.schedule." + job, def,
		"Cron schedule (5 fields, Asia/Shanghai) of the " + what + ".", false,
		func(c *Config, v string) error {
			if n := len(strings.Fields(v)); n != 5 && n != 6 {
				return fmt.Errorf("%q is not accepted (accepted: a cron expression of 5 fields such as */5 * * * *, or 6 with leading seconds)", v)
			}
			if c.Alerts.Schedules == nil {
				c.Alerts.Schedules = map[string]string{}
			}
			c.Alerts.Schedules[job] = v
			return nil
		}}
}

// Default returns the configuration that works with the local services.
func Default() *Config {
	c := &Config{}
	for _, s := range settings {
		if err := s.set(c, s.def); err != nil {
			panic(fmt.Sprintf("config: default of %s is invalid: %v", s.name, err))
		}
	}
	return c
}

// EnvName is the environment variable that overrides a setting.
func EnvName(name string) string {
	return "ECOWATCH_" + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(name))
}

// Load reads the file at path (empty: none) over the defaults, then the environment (lookup,
// usually os.LookupEnv) over that.
func Load(path string, lookup func(string) (string, bool)) (*Config, error) {
	c := Default()
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		defer f.Close()
		if err := c.read(f, path); err != nil {
			return nil, err
		}
	}
	for _, s := range settings {
		if v, ok := lookup(EnvName(s.name)); ok {
			if err := s.set(c, strings.TrimSpace(v)); err != nil {
				return nil, fmt.Errorf("config: environment %s: %w", EnvName(s.name), err)
			}
		}
	}
	return c, nil
}

func (c *Config) read(r io.Reader, name string) error {
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return fmt.Errorf("config: %s:%d: expected `name = value`, got %q", name, n, line)
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		s, ok := lookupSetting(key)
		if !ok {
			return fmt.Errorf("config: %s:%d: unknown setting %q (see ecowatch.example.conf for the accepted names)", name, n, key)
		}
		if s.secret && s.name == "privacy.key" {
			return fmt.Errorf("config: %s:%d: %s may only come from the environment (%s)", name, n, key, EnvName(key))
		}
		if err := s.set(c, value); err != nil {
			return fmt.Errorf("config: %s:%d: setting %s: %w", name, n, key, err)
		}
	}
	return sc.Err()
}

func lookupSetting(name string) (setting, bool) {
	for _, s := range settings {
		if s.name == name {
			return s, true
		}
	}
	return setting{}, false
}

// Example writes a documented configuration file with every setting at its default.
func Example(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# ecowatch configuration. Every line is `name = value`; `#` starts a comment.\n")
	b.WriteString("# Each setting can also be given in the environment as ECOWATCH_<NAME>, dots and\n")
	b.WriteString("# dashes replaced by underscores (e.g. ECOWATCH_KAFKA_BROKERS), which wins over the file.\n")
	b.WriteString("# The defaults below work with the local services of `make services`.\n")
	for _, s := range settings {
		fmt.Fprintf(&b, "\n# %s\n# environment: %s\n", s.doc, EnvName(s.name))
		if s.secret {
			fmt.Fprintf(&b, "# %s =\n", s.name)
		} else {
			fmt.Fprintf(&b, "%s = %s\n", s.name, s.def)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func list(v string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out, nil
}

func nonEmpty(v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("must not be empty")
	}
	return nil
}

func oneOf(v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("%q is not accepted (accepted: %s)", v, strings.Join(allowed, ", "))
}

func boolean(v string) (bool, error) {
	switch v {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, fmt.Errorf("%q is not accepted (accepted: true, false)", v)
}

func intIn(v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%q is not accepted (accepted: a whole number from %d to %d)", v, lo, hi)
	}
	return n, nil
}

func durationIn(v string, lo, hi time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < lo || d > hi {
		return 0, fmt.Errorf("%q is not accepted (accepted: a Go duration such as 500ms or 2s, from %s to %s)", v, lo, hi)
	}
	return d, nil
}

func addressOrCIDR(v string) error {
	if _, err := netip.ParsePrefix(v); err == nil {
		return nil
	}
	if _, err := netip.ParseAddr(v); err == nil {
		return nil
	}
	return fmt.Errorf("%q is not accepted (accepted: IP addresses or CIDR ranges separated by commas, e.g. 10.0.0.5, 10.1.0.0/24)", v)
}

// headerName accepts an HTTP header name (token characters) or nothing.
func headerName(v string) error {
	for _, r := range v {
		if !(r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return fmt.Errorf("%q is not accepted (accepted: a header name of letters, digits and -, e.g. X-Remote-User)", v)
		}
	}
	return nil
}

func identifier(v string) error {
	if v == "" {
		return fmt.Errorf("must not be empty")
	}
	for _, r := range v {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return fmt.Errorf("%q is not accepted (accepted: letters, digits and _)", v)
		}
	}
	return nil
}
