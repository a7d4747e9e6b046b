#!/usr/bin/env bash
# Benchmarks against the real local services (`make bench`). Prints Go benchmark lines; copy
# the figures, with the machine they came from, into docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -sr), $(go version | cut -d' ' -f3)"
echo "clickhouse: $(clickhouse-client --port "${ECOWATCH_CLICKHOUSE_PORT:-9000}" -q 'SELECT version()'), kafka: $(ls .local/kafka/libs | sed -n 's/^kafka_2.13-\(.*\)\.jar$/\1/p')"
go test -run '^$' -bench 'Redact' -benchtime 300ms -benchmem ./privacy
go test -run '^$' -bench 'DecodeShapes' -benchtime 200ms -benchmem ./contract
# ingest's per-report work without Kafka or ClickHouse: decoding, the batch's rows, both
go test -run '^$' -bench . -benchmem ./pipeline
go test -run '^$' -bench . -benchtime 1x -timeout 20m ./simulate
go test -run '^$' -bench . -benchtime 1x -timeout 20m ./integration
