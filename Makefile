# ecowatch — the two commands a newcomer needs are `make demo` and `make test`.
GO      ?= go
BIN     := bin/ecowatch
SERVICES := deploy/local/services.sh
CLUSTER  := deploy/local/cluster.sh
# bash with pipefail: a recipe that pipes go test through a filter fails when the tests do.
SHELL   := /bin/bash
.SHELLFLAGS := -o pipefail -c

.PHONY: all build browser chdb services services-utc services-stop services-status cluster cluster-stop cluster-status cluster-test cluster-faults demo test compat unit lint faults bench clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/ecowatch

## services: install (if needed) and start the local ClickHouse and Kafka, and wait until they answer
services:
	$(SERVICES) start

## services-utc: the second local ClickHouse, server time zone UTC (for the time-zone test)
services-utc:
	$(SERVICES) start clickhouse-utc

services-stop:
	$(SERVICES) stop

services-status:
	$(SERVICES) status

## cluster: ZooKeeper, two ClickHouse replicas and three Kafka brokers (deploy/local/cluster.sh);
## prints the environment that points ecowatch at them
cluster:
	$(CLUSTER) start

cluster-stop:
	$(CLUSTER) stop

cluster-status:
	$(CLUSTER) status

## cluster-test: the tests of the replicated deployment (build tag `cluster`), against `make cluster`
cluster-test: cluster
	eval "$$($(CLUSTER) env)" && \
	  $(GO) vet -tags cluster ./integration/cluster && \
	  $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 -tags cluster ./integration/cluster && \
	  $(GO) test -count=1 -tags cluster -p 1 -v -timeout 20m ./integration/cluster

## cluster-faults: kill -9 a ClickHouse replica during ingest, the leading Kafka broker under
## load, the leading `ecowatch run` mid-cycle; pause the leader past its ZooKeeper session; two
## `alerts run` at once. Each test ends with the reconciliation; the whole log is kept in
## .local/cluster-faults.log.
cluster-faults: cluster
	mkdir -p .local
	eval "$$($(CLUSTER) env)" && \
	  $(GO) vet -tags 'cluster faults' ./integration/cluster && \
	  $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 -tags 'cluster faults' ./integration/cluster && \
	  $(GO) test -count=1 -tags 'cluster faults' -run TestFault -p 1 -v -timeout 60m ./integration/cluster 2>&1 | tee .local/cluster-faults.log \
	    | grep -E '^(reconciliation|fault:|--- |ok|FAIL|PASS)' || { echo "cluster faults failed; the whole log is in .local/cluster-faults.log"; exit 1; }

## demo: the main job end to end on simulated data; everything lands in out/
demo: services build
	scripts/demo.sh

## browser: install Debian's chromium for the page tests if it is missing
browser:
	deploy/local/browser.sh

## chdb: install the current ClickHouse engine (PyPI chdb-core, pinned) for the compatibility check
chdb:
	@deploy/local/chdb.sh >/dev/null

## test: gofmt, vet, staticcheck, unit tests, integration tests against the real local services,
## then the compatibility check: what ecowatch sent to 18.16, replayed on a current ClickHouse,
## then the tests of the replicated deployment on the local cluster (cluster-test).
## ECOWATCH_REQUIRE_SERVICES=1: the integration tests fail (never pass without running) if the
## services do not answer. A plain `go test ./...` without services runs the unit tests and shows
## integration/ as "[no tests to run]" (see integration/doc.go).
test: services services-utc chdb browser build lint
	since=$$(date +%s); \
	  ECOWATCH_REQUIRE_SERVICES=1 $(GO) test -count=1 -timeout 15m ./... && scripts/compat.sh --since "$$since"
	$(MAKE) --no-print-directory cluster-test

## compat: the compatibility check alone (a short run, replayed on a current ClickHouse engine)
compat: services chdb build
	scripts/compat.sh

## unit: the tests that need no services
unit:
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /integration)

## lint: gofmt, go vet and staticcheck (pinned; fetched through the Go module proxy), the fault
## and cluster tests (build tags) included: they are compiled here even when not run
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.local/*')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags 'cluster faults' ./integration/...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 -tags faults ./integration
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 -tags cluster ./integration/cluster
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 -tags 'cluster faults' ./integration/cluster

## faults: stop and start the real services under load, fill a disk, kill an instance; each
## test ends with a reconciliation (also: fuzz the decoders and the redaction for a while);
## then the same on the local cluster (cluster-faults: kill -9 a replica, a broker, the leader)
faults: services build
	ECOWATCH_REQUIRE_SERVICES=1 $(GO) test -count=1 -tags faults -run TestFault -p 1 -v -timeout 30m ./integration 2>&1 | tee .local/faults.log \
		| grep -E '^(reconciliation|fault:|--- |ok|FAIL|PASS)' || { echo "faults failed; the whole log is in .local/faults.log"; exit 1; }
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime 60s ./contract
	$(GO) test -run '^$$' -fuzz FuzzRedact -fuzztime 60s ./privacy
	$(GO) test -run '^$$' -fuzz FuzzEvaluate -fuzztime 60s ./lifecycle
	$(MAKE) --no-print-directory cluster-faults

## bench: throughput, latency and memory figures (see docs/benchmarks.md)
bench: services build
	ECOWATCH_REQUIRE_SERVICES=1 scripts/bench.sh

clean:
	rm -rf bin out
