package broker

// Unit tests of the configuration → kafka-go and franz-go settings; the calls to a real broker (topics,
// readiness) are exercised by the integration tests.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
	kgosasl "github.com/twmb/franz-go/pkg/sasl"

	"github.com/ecowatch/ecowatch/config"
)

func testKafka() config.Kafka {
	return config.Kafka{Brokers: []string{"127.0.0.1:1", "127.0.0.1:2"}, Partitions: 3,
		TopicReports: "reports.v1", TopicEvents: "case-events.v1", TopicWarnings: "warnings.v1", TopicDLQ: "dlq.v1"}
}

func TestSASLMechanisms(t *testing.T) {
	for _, tc := range []struct{ mechanism, want string }{
		{"", ""}, {"none", ""}, {"plain", "PLAIN"}, {"scram-sha-256", "SCRAM-SHA-256"}, {"scram-sha-512", "SCRAM-SHA-512"},
	} {
		cfg := testKafka()
		cfg.SASLMechanism, cfg.SASLUsername, cfg.SASLPassword = tc.mechanism, "ingest", "secret"
		c, err := New(cfg)
		if err != nil {
			t.Errorf("%q: %v", tc.mechanism, err)
			continue
		}
		got := ""
		if c.sasl != nil {
			got = c.sasl.Name()
		}
		if got != tc.want {
			t.Errorf("%q: mechanism %q, want %q", tc.mechanism, got, tc.want)
		}
		// Readers, writers and clients all get it.
		if d, tr, w := c.Dialer(), c.Transport(), c.Writer("x"); d.SASLMechanism != c.sasl || tr.SASL != c.sasl || w.Transport.(*kafka.Transport).SASL != c.sasl {
			t.Errorf("%q: the dialer, transport or writer does not carry the mechanism", tc.mechanism)
		}
		// And the consumer (franz-go), the same mechanism with the same credentials.
		var consumer []string
		for _, m := range consumerOpt[[]kgosasl.Mechanism](t, c, kgo.SASL) {
			consumer = append(consumer, m.Name())
		}
		if strings.Join(consumer, ",") != tc.want {
			t.Errorf("%q: the consumer's mechanisms %v, want %q", tc.mechanism, consumer, tc.want)
		}
	}
}

// consumerOpt is the value of one of franz-go's options in c.ConsumerOpts.
func consumerOpt[T any](t *testing.T, c *Conn, opt any) T {
	t.Helper()
	client, err := kgo.NewClient(c.ConsumerOpts()...)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	return client.OptValue(opt).(T)
}

func TestAnUnknownSASLMechanismNamesTheSettingAndTheAcceptedValues(t *testing.T) {
	cfg := testKafka()
	cfg.SASLMechanism = "gssapi"
	_, err := New(cfg)
	if err == nil {
		t.Fatal("kafka.sasl-mechanism gssapi was accepted")
	}
	for _, want := range []string{"kafka.sasl-mechanism", `"gssapi"`, "none, plain, scram-sha-256, scram-sha-512"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %s", err, want)
		}
	}
}

func TestTLS(t *testing.T) {
	cfg := testKafka()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.tls != nil || c.Dialer().TLS != nil || c.Transport().TLS != nil || consumerOpt[*tls.Config](t, c, kgo.DialTLSConfig) != nil {
		t.Error("TLS set up although kafka.tls is off")
	}

	cfg.TLS = true
	c, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.tls == nil || c.tls.MinVersion != tls.VersionTLS12 || c.tls.RootCAs != nil || c.tls.InsecureSkipVerify {
		t.Fatalf("TLS without a CA file: %+v; want TLS 1.2 or later, verified against the system's roots", c.tls)
	}
	if c.Dialer().TLS != c.tls || c.Transport().TLS != c.tls || c.Writer("x").Transport.(*kafka.Transport).TLS != c.tls {
		t.Error("the dialer, transport or writer does not carry the TLS configuration")
	}
	if consumerOpt[*tls.Config](t, c, kgo.DialTLSConfig) != c.tls {
		t.Error("the consumer does not carry the TLS configuration")
	}

	// A CA file: the broker's certificate must chain to it.
	ca, caPEM := testCA(t)
	cfg.TLSCAFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(cfg.TLSCAFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.tls.RootCAs == nil {
		t.Fatal("kafka.tls-ca-file not used")
	}
	if _, err := ca.Verify(x509.VerifyOptions{Roots: c.tls.RootCAs}); err != nil {
		t.Errorf("the CA of kafka.tls-ca-file is not trusted: %v", err)
	}
	if _, err := ca.Verify(x509.VerifyOptions{Roots: x509.NewCertPool()}); err == nil {
		t.Error("the check above proves nothing: the CA verifies against an empty pool")
	}
}

func TestTLSCAFileErrorsNameTheSetting(t *testing.T) {
	cfg := testKafka()
	cfg.TLS = true
	cfg.TLSCAFile = filepath.Join(t.TempDir(), "missing.pem")
	_, err := New(cfg)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "kafka.tls-ca-file") {
		t.Errorf("a missing CA file: %v", err)
	}
	cfg.TLSCAFile = filepath.Join(t.TempDir(), "not-a-cert.pem")
	if err := os.WriteFile(cfg.TLSCAFile, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = New(cfg)
	if err == nil || !strings.Contains(err.Error(), "kafka.tls-ca-file") || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("a CA file without a certificate: %v", err)
	}
}

// TestWriterKeepsAReportsMessagesInOrder: writers wait for every in-sync replica and choose the
// partition by the key's hash, so one report's messages land in one partition, in order.
func TestWriterKeepsAReportsMessagesInOrder(t *testing.T) {
	c, err := New(testKafka())
	if err != nil {
		t.Fatal(err)
	}
	w := c.Writer("warnings.v1")
	defer w.Close()
	if w.Topic != "warnings.v1" || w.Addr.String() != "127.0.0.1:1,127.0.0.1:2" || w.RequiredAcks != kafka.RequireAll {
		t.Errorf("writer to %q at %s with acks %v; want warnings.v1 at both brokers, all replicas", w.Topic, w.Addr, w.RequiredAcks)
	}
	hash, ok := w.Balancer.(*kafka.Hash)
	if !ok {
		t.Fatalf("balancer %T, want *kafka.Hash", w.Balancer)
	}
	partitions := []int{0, 1, 2, 3, 4, 5}
	for _, key := range []string{"12369-440305-20260315-000001", "12369-110105-20260101-000042"} {
		first := hash.Balance(kafka.Message{Key: []byte(key)}, partitions...)
		for range 5 {
			if p := hash.Balance(kafka.Message{Key: []byte(key)}, partitions...); p != first {
				t.Errorf("key %s went to partitions %d and %d", key, first, p)
			}
		}
	}
	if w.BatchSize <= 0 || w.BatchTimeout <= 0 || w.BatchTimeout > time.Second {
		t.Errorf("batching %d messages / %s: a writer must batch, and not hold a message for long", w.BatchSize, w.BatchTimeout)
	}
}

func TestTopicsInputsFirst(t *testing.T) {
	c, err := New(testKafka())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Topics(), " "); got != "reports.v1 case-events.v1 warnings.v1 dlq.v1" {
		t.Errorf("topics %s", got)
	}
	if c.Config().TopicDLQ != "dlq.v1" {
		t.Errorf("Config() does not return the configuration")
	}
}

// TestTopicsReady: ready means every topic asked for is there without error, and every one of
// its partitions has a leader.
func TestTopicsReady(t *testing.T) {
	leader := kafka.Broker{Host: "127.0.0.1", Port: 9092, ID: 1}
	good := func(name string) kafka.Topic {
		return kafka.Topic{Name: name, Partitions: []kafka.Partition{{Topic: name, ID: 0, Leader: leader}, {Topic: name, ID: 1, Leader: leader}}}
	}
	noLeader := good("b")
	noLeader.Partitions[1].Leader = kafka.Broker{}
	partitionErr := good("b")
	partitionErr.Partitions[0].Error = kafka.LeaderNotAvailable
	topicErr := good("b")
	topicErr.Error = kafka.UnknownTopicOrPartition
	empty := kafka.Topic{Name: "b"}
	for _, tc := range []struct {
		name   string
		topics []kafka.Topic
		want   bool
	}{
		{"all led", []kafka.Topic{good("a"), good("b")}, true},
		{"one missing", []kafka.Topic{good("a")}, false},
		{"a partition without a leader", []kafka.Topic{good("a"), noLeader}, false},
		{"a partition with an error", []kafka.Topic{good("a"), partitionErr}, false},
		{"a topic with an error", []kafka.Topic{good("a"), topicErr}, false},
		{"a topic without partitions", []kafka.Topic{good("a"), empty}, false},
	} {
		if got := topicsReady(&kafka.MetadataResponse{Topics: tc.topics}, 2); got != tc.want {
			t.Errorf("%s: ready = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestWaitReadyNamesTheBrokersSettingWhenNoBrokerAnswers: an unreachable cluster is an outage,
// waited for at most the given time, and the error says which setting holds the addresses.
func TestWaitReadyNamesTheBrokersSettingWhenNoBrokerAnswers(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	cfg := testKafka()
	cfg.Brokers = []string{addr}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = c.WaitReady(context.Background(), 1500*time.Millisecond, "reports.v1")
	if err == nil {
		t.Fatal("WaitReady succeeded with no broker")
	}
	for _, want := range []string{addr, "kafka.brokers", "was not ready within 1.5s"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not say %q", err, want)
		}
	}
}

// testCA is a self-signed CA certificate and its PEM.
func testCA(t *testing.T) (*x509.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ecowatch test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestTemporaryKafkaErrorsAreAskedAgain(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("kafka.(*Client).DeleteTopics: %w", kafka.BrokerNotAvailable), true},
		{kafka.NotController, true},
		{kafka.RequestTimedOut, true},
		{kafka.TopicAuthorizationFailed, false},
		{errors.New("dial tcp: connection refused"), false},
	} {
		if got := temporary(tc.err); got != tc.want {
			t.Errorf("temporary(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
