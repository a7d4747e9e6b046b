// Package broker is ecowatch's one way to reach Kafka: connection security (TLS, SASL) from the
// configuration, topic creation, and writers. Readers, writers and consumers elsewhere get
// their dialer, transport or client options here so that a production cluster is configured in
// one place.
//
// Two clients are configured here: kafka-go for writers, admin requests and the tests' readers,
// and franz-go for ingest's consumer group, the one hot path (docs/benchmarks.md: it decodes a
// fetch's record batches without copying each message or handing it to another goroutine).
//
// It knows topics and bytes, not the contracts, and nothing of ClickHouse.
package broker

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/sasl"
	"github.com/segmentio/kafka-go/sasl/plain"
	"github.com/segmentio/kafka-go/sasl/scram"
	"github.com/twmb/franz-go/pkg/kgo"
	kgosasl "github.com/twmb/franz-go/pkg/sasl"
	kgoplain "github.com/twmb/franz-go/pkg/sasl/plain"
	kgoscram "github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/ecowatch/ecowatch/config"
)

// Conn holds what every Kafka client of ecowatch needs: brokers, TLS and SASL.
type Conn struct {
	cfg  config.Kafka
	tls  *tls.Config
	sasl sasl.Mechanism
	// consumerSASL is the same mechanism for franz-go.
	consumerSASL kgosasl.Mechanism
}

// New prepares TLS and SASL from the configuration. It does not connect.
func New(cfg config.Kafka) (*Conn, error) {
	c := &Conn{cfg: cfg}
	if cfg.TLS {
		c.tls = &tls.Config{MinVersion: tls.VersionTLS12}
		if cfg.TLSCAFile != "" {
			pem, err := os.ReadFile(cfg.TLSCAFile)
			if err != nil {
				return nil, fmt.Errorf("broker: kafka.tls-ca-file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("broker: kafka.tls-ca-file %s holds no PEM certificate", cfg.TLSCAFile)
			}
			c.tls.RootCAs = pool
		}
	}
	var err error
	switch cfg.SASLMechanism {
	case "", "none":
	case "plain":
		c.sasl = plain.Mechanism{Username: cfg.SASLUsername, Password: cfg.SASLPassword}
		c.consumerSASL = kgoplain.Auth{User: cfg.SASLUsername, Pass: cfg.SASLPassword}.AsMechanism()
	case "scram-sha-256":
		c.sasl, err = scram.Mechanism(scram.SHA256, cfg.SASLUsername, cfg.SASLPassword)
		c.consumerSASL = kgoscram.Auth{User: cfg.SASLUsername, Pass: cfg.SASLPassword}.AsSha256Mechanism()
	case "scram-sha-512":
		c.sasl, err = scram.Mechanism(scram.SHA512, cfg.SASLUsername, cfg.SASLPassword)
		c.consumerSASL = kgoscram.Auth{User: cfg.SASLUsername, Pass: cfg.SASLPassword}.AsSha512Mechanism()
	default:
		return nil, fmt.Errorf("broker: kafka.sasl-mechanism %q is not accepted (accepted: none, plain, scram-sha-256, scram-sha-512)", cfg.SASLMechanism)
	}
	if err != nil {
		return nil, fmt.Errorf("broker: SASL %s: %w", cfg.SASLMechanism, err)
	}
	return c, nil
}

// Config returns the Kafka configuration the connection was made from.
func (c *Conn) Config() config.Kafka { return c.cfg }

// Dialer is for kafka-go's connections (the readiness checks, the tests' readers).
func (c *Conn) Dialer() *kafka.Dialer {
	return &kafka.Dialer{Timeout: 10 * time.Second, DualStack: true, TLS: c.tls, SASLMechanism: c.sasl}
}

// ConsumerOpts are the franz-go options that reach the brokers — seeds, TLS, SASL — for a
// consumer to add its own to.
func (c *Conn) ConsumerOpts() []kgo.Opt {
	opts := []kgo.Opt{kgo.SeedBrokers(c.cfg.Brokers...), kgo.DialTimeout(10 * time.Second)}
	if c.tls != nil {
		opts = append(opts, kgo.DialTLSConfig(c.tls)) // franz-go sets ServerName per broker
	}
	if c.consumerSASL != nil {
		opts = append(opts, kgo.SASL(c.consumerSASL))
	}
	return opts
}

// Transport is for kafka-go writers and clients.
func (c *Conn) Transport() *kafka.Transport {
	return &kafka.Transport{DialTimeout: 10 * time.Second, TLS: c.tls, SASL: c.sasl}
}

// DefaultMaxMessageBytes is Kafka's documented default of the broker setting message.max.bytes,
// which is also the default of a topic's max.message.bytes: the largest record batch the
// broker accepts (1 MiB plus 12 bytes of log overhead).
const DefaultMaxMessageBytes = 1048588

// batchOverhead is what a record batch adds on the wire to the sizes kafka-go counts for its
// messages (a v2 batch header is 61 bytes; kafka-go counts each record a few bytes larger than
// it is), with room to spare.
const batchOverhead = 1 << 10

// BatchBytes is the most bytes, as kafka-go counts them, a writer may put in one batch for a
// topic whose limit is maxMessageBytes. It is also the largest single message the topic takes.
func BatchBytes(maxMessageBytes int) int64 {
	return int64(max(maxMessageBytes-batchOverhead, 1))
}

// MessageBytes is the size kafka-go counts for m against a writer's BatchBytes: key, value,
// headers and a record's fixed fields.
func MessageBytes(m kafka.Message) int64 {
	n := len(m.Key) + len(m.Value) + 22
	for _, h := range m.Headers {
		n += len(h.Key) + len(h.Value) + 10
	}
	return int64(n)
}

// Writer returns a synchronous writer to topic that waits for all in-sync replicas and keys
// messages to partitions by hash, so one report's messages stay in order. Its batches fit
// Kafka's default limit (DefaultMaxMessageBytes); FitWriter fits them to the topic's own limit
// on the broker. Close it when done.
func (c *Conn) Writer(topic string) *kafka.Writer {
	return &kafka.Writer{
		Addr:         kafka.TCP(c.cfg.Brokers...),
		Topic:        topic,
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: 5 * time.Millisecond,
		BatchSize:    1000,
		BatchBytes:   BatchBytes(DefaultMaxMessageBytes),
		Transport:    c.Transport(),
	}
}

// FitWriter reads the limit of w's topic from the broker and bounds w's batches by it (call it
// before the first write). When the broker does not say, w keeps the default limit and the
// error says why.
func (c *Conn) FitWriter(ctx context.Context, w *kafka.Writer) error {
	limit, err := c.MaxMessageBytes(ctx, w.Topic)
	if err != nil {
		return err
	}
	w.BatchBytes = BatchBytes(limit)
	return nil
}

// MaxMessageBytes asks the broker for the largest record batch topic accepts: the topic's
// max.message.bytes, which is the broker's message.max.bytes unless the topic overrides it.
func (c *Conn) MaxMessageBytes(ctx context.Context, topic string) (int, error) {
	client := &kafka.Client{Addr: kafka.TCP(c.cfg.Brokers...), Transport: c.Transport(), Timeout: 10 * time.Second}
	resp, err := client.DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{{
		ResourceType: kafka.ResourceTypeTopic, ResourceName: topic, ConfigNames: []string{"max.message.bytes"},
	}}})
	if err != nil {
		return 0, fmt.Errorf("broker: reading max.message.bytes of topic %s from %v: %w", topic, c.cfg.Brokers, err)
	}
	for _, r := range resp.Resources {
		if r.Error != nil {
			return 0, fmt.Errorf("broker: reading max.message.bytes of topic %s: %w", topic, r.Error)
		}
		for _, e := range r.ConfigEntries {
			if e.ConfigName != "max.message.bytes" {
				continue
			}
			n, err := strconv.Atoi(e.ConfigValue)
			if err != nil || n <= 0 {
				return 0, fmt.Errorf("broker: topic %s has max.message.bytes %q, not a positive number", topic, e.ConfigValue)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("broker: the broker did not report max.message.bytes of topic %s", topic)
}

// Topics are the four topics of the configuration, inputs first.
func (c *Conn) Topics() []string {
	return []string{c.cfg.TopicReports, c.cfg.TopicEvents, c.cfg.TopicWarnings, c.cfg.TopicDLQ}
}

// EnsureTopics creates the topics that do not exist, with kafka.partitions partitions and the
// given replication factor, and waits until every broker of the cluster knows their leaders
// (a broker that has not yet heard of a new topic answers a write with Unknown Topic Or
// Partition). Existing topics are left as they are.
func (c *Conn) EnsureTopics(ctx context.Context, replication int, topics ...string) error {
	client := &kafka.Client{Addr: kafka.TCP(c.cfg.Brokers...), Transport: c.Transport(), Timeout: 15 * time.Second}
	req := &kafka.CreateTopicsRequest{}
	for _, t := range topics {
		req.Topics = append(req.Topics, kafka.TopicConfig{Topic: t, NumPartitions: c.cfg.Partitions, ReplicationFactor: replication})
	}
	var resp *kafka.CreateTopicsResponse
	err := askAgain(ctx, func() (err error) { resp, err = client.CreateTopics(ctx, req); return err })
	if err != nil {
		return fmt.Errorf("broker: creating topics %v on %v: %w", topics, c.cfg.Brokers, err)
	}
	for topic, terr := range resp.Errors {
		if terr != nil && !errors.Is(terr, kafka.TopicAlreadyExists) {
			return fmt.Errorf("broker: creating topic %s: %w", topic, terr)
		}
	}
	for {
		meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
		if err == nil && topicsReady(meta, len(topics)) && c.readyOnEveryBroker(ctx, meta.Brokers, topics) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("broker: topics %v not ready: %w", topics, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// WaitReady waits until the brokers answer and every topic has a leader for each partition,
// for at most wait. A topic that does not exist is reported at once: it is a configuration
// error, not an outage. The errors name the setting to look at.
func (c *Conn) WaitReady(ctx context.Context, wait time.Duration, topics ...string) error {
	client := &kafka.Client{Addr: kafka.TCP(c.cfg.Brokers...), Transport: c.Transport(), Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
		if err == nil {
			for _, t := range meta.Topics {
				if errors.Is(t.Error, kafka.UnknownTopicOrPartition) {
					return fmt.Errorf("broker: topic %s does not exist on %v (kafka.topic.* settings; create the topics with `ecowatch topics`)", t.Name, c.cfg.Brokers)
				}
			}
			if topicsReady(meta, len(topics)) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = errors.New("some partitions have no leader")
			}
			return fmt.Errorf("broker: Kafka at %v (kafka.brokers) was not ready within %s: %w", c.cfg.Brokers, wait, err)
		case <-time.After(time.Second):
		}
	}
}

// readyOnEveryBroker reports whether each of the brokers answers for the topics with a leader
// for every partition.
func (c *Conn) readyOnEveryBroker(ctx context.Context, brokers []kafka.Broker, topics []string) bool {
	for _, b := range brokers {
		conn, err := c.Dialer().DialContext(ctx, "tcp", net.JoinHostPort(b.Host, strconv.Itoa(b.Port)))
		if err != nil {
			return false
		}
		parts, err := conn.ReadPartitions(topics...)
		conn.Close()
		if err != nil {
			return false
		}
		led := map[string]bool{}
		for _, p := range parts {
			if p.Leader.Host == "" {
				return false
			}
			led[p.Topic] = true
		}
		if len(led) != len(topics) {
			return false
		}
	}
	return true
}

func topicsReady(meta *kafka.MetadataResponse, want int) bool {
	if len(meta.Topics) != want {
		return false
	}
	for _, t := range meta.Topics {
		if t.Error != nil || len(t.Partitions) == 0 {
			return false
		}
		for _, p := range t.Partitions {
			if p.Error != nil || p.Leader.Host == "" {
				return false
			}
		}
	}
	return true
}

// DeleteTopics deletes topics and waits until they are gone. Missing topics are not an error.
func (c *Conn) DeleteTopics(ctx context.Context, topics ...string) error {
	client := &kafka.Client{Addr: kafka.TCP(c.cfg.Brokers...), Transport: c.Transport(), Timeout: 15 * time.Second}
	var resp *kafka.DeleteTopicsResponse
	err := askAgain(ctx, func() (err error) {
		resp, err = client.DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: topics})
		return err
	})
	if err != nil {
		return fmt.Errorf("broker: deleting topics %v: %w", topics, err)
	}
	for topic, terr := range resp.Errors {
		if terr != nil && !errors.Is(terr, kafka.UnknownTopicOrPartition) {
			return fmt.Errorf("broker: deleting topic %s: %w", topic, terr)
		}
	}
	for {
		meta, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
		gone := err == nil
		if err == nil {
			for _, t := range meta.Topics {
				gone = gone && t.Error != nil
			}
		}
		if gone {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("broker: topics %v not deleted: %w", topics, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// askAgain runs an admin request until it succeeds, fails for good, or ctx ends: a broker busy
// with its controller work (deleting many topics at once, say) answers "Broker Not Available"
// or "Not Controller" for a moment.
func askAgain(ctx context.Context, request func() error) error {
	for {
		err := request()
		if err == nil || !temporary(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// temporary reports whether a Kafka error says to ask again: kafka-go's Temporary codes (Not
// Controller, Request Timed Out …) and Broker Not Available, which a busy KRaft broker answers
// to admin requests for a moment.
func temporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.Is(err, kafka.BrokerNotAvailable) || errors.As(err, &t) && t.Temporary()
}
