// Package integration holds the tests that run against the real local Kafka and ClickHouse
// (`make services`). They reach the services only through internal/testenv.
package integration
