// Package integration holds the tests that run against the real local Kafka and ClickHouse
// (`make services`). They reach the services only through internal/testenv: each test gets its
// own database, topics and consumer group, so the tests run in parallel.
//
// Running them:
//
//   - `make test` starts the services (and installs Chromium for the page tests), then runs
//     every test with ECOWATCH_REQUIRE_SERVICES=1: if the services do not answer, this package
//     fails, naming the service and the address it tried.
//   - A plain `go test ./...` runs them when the services answer. When they do not, TestMain
//     (testenv.Main) prints which service does not answer and how to start it, runs nothing,
//     and go test shows the package as "ok … [no tests to run]" (never a bare "ok"); the unit
//     tests of every other package run as usual. Set ECOWATCH_REQUIRE_SERVICES=1 to make that
//     a failure instead.
//   - The services' addresses come from ECOWATCH_CLICKHOUSE_ADDR and ECOWATCH_KAFKA_BROKERS
//     (default 127.0.0.1:9000 and 127.0.0.1:9092), as for ecowatch itself.
//   - `make faults` runs the fault tests (build tag faults: they stop and start the services,
//     so never beside the others) and `make bench` the benchmarks; both require the services.
//
// Files: helpers_test.go (messages and ingest), crash_test.go (the ecowatch binary: kill -9,
// SIGTERM), ingest_test.go, privacy_test.go, faults_test.go, bench*_test.go; the others are
// the tests of the disclosure, the dashboards and the detectors end to end.
package integration
