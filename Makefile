# ecowatch — the two commands a newcomer needs are `make demo` and `make test`.
GO      ?= go
BIN     := bin/ecowatch
SERVICES := deploy/local/services.sh

.PHONY: all build services services-stop services-status demo test unit integration lint bench clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/ecowatch

## services: install (if needed) and start the local ClickHouse and Kafka, and wait until they answer
services:
	$(SERVICES) start

services-stop:
	$(SERVICES) stop

services-status:
	$(SERVICES) status

## demo: the main job end to end on simulated data; everything lands in out/
demo: services build
	scripts/demo.sh

## test: vet, unit tests, and integration tests against the real local services
test: services build lint
	$(GO) test -count=1 -timeout 15m ./...

## unit: the tests that need no services
unit:
	$(GO) test -count=1 $$($(GO) list ./... | grep -v /integration)

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.local/*')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

## bench: throughput, latency and memory figures (see docs/benchmarks.md)
bench: services build
	scripts/bench.sh

clean:
	rm -rf bin out
