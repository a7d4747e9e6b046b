package ingest

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are ingest's Prometheus metrics. Labels carry topics, tables and error codes only,
// never message content.
type Metrics struct {
	Consumed     *prometheus.CounterVec
	Written      *prometheus.CounterVec
	DeadLettered *prometheus.CounterVec
	// DeadLettersUnwritten counts dead letters the dead-letter topic refused as too large
	// (the messages are in ingest_errors and the sealed archive).
	DeadLettersUnwritten *prometheus.CounterVec
	Lag                  *prometheus.GaugeVec
	BatchSeconds         prometheus.Histogram
	Retries              *prometheus.CounterVec
}

// NewMetrics creates the metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Consumed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecowatch_ingest_consumed_total", Help: "Messages consumed, by topic.",
		}, []string{"topic"}),
		Written: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecowatch_ingest_written_total", Help: "Rows written to ClickHouse, by table.",
		}, []string{"table"}),
		DeadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecowatch_ingest_dead_lettered_total", Help: "Messages dead-lettered, by error code.",
		}, []string{"code"}),
		DeadLettersUnwritten: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecowatch_ingest_dead_letters_unwritten_total",
			Help: "Dead letters the dead-letter topic refused as too large, by error code (the messages are in ingest_errors).",
		}, []string{"code"}),
		Lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ecowatch_ingest_lag_messages", Help: "Messages behind the partition's high-water mark when last fetched.",
		}, []string{"topic", "partition"}),
		BatchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ecowatch_ingest_batch_seconds", Help: "Time to make one batch durable (insert, dead letters, commit).",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 14),
		}),
		Retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ecowatch_ingest_retries_total", Help: "Retried operations, by what failed (fetch, clickhouse, dlq, commit).",
		}, []string{"what"}),
	}
	reg.MustRegister(m.Consumed, m.Written, m.DeadLettered, m.DeadLettersUnwritten, m.Lag, m.BatchSeconds, m.Retries)
	return m
}
