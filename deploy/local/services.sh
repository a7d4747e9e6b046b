#!/usr/bin/env bash
# Installs and runs the real local services ecowatch needs — ClickHouse (Debian's
# clickhouse-server, 18.16) and Apache Kafka (from Maven Central, one KRaft broker+controller on
# the machine's JDK) — on loopback, as plain background processes. Everything downloaded or
# written lives under $ECOWATCH_LOCAL (default: .local/ in the repository, git-ignored).
#
#   deploy/local/services.sh start    install what is missing, start what is not running, wait
#   deploy/local/services.sh stop [clickhouse|kafka]
#                                     stop both (or one) cleanly (data is kept)
#   deploy/local/services.sh status   say what runs
#   deploy/local/services.sh reset    stop and delete the data folders (not the downloads)
#
# Ports (environment): ECOWATCH_KAFKA_PORT (9092), ECOWATCH_KAFKA_CONTROLLER_PORT (9093),
# ECOWATCH_CLICKHOUSE_PORT (9000), ECOWATCH_CLICKHOUSE_HTTP_PORT (8123).
# start is idempotent: a service that already answers is left alone.
# The replicated setup (ZooKeeper, two ClickHouse replicas, three brokers) is cluster.sh.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LOCAL=${ECOWATCH_LOCAL:-$ROOT/.local}
LOG_TAG=services
# shellcheck source=lib.sh
. "$ROOT/deploy/local/lib.sh"

KAFKA_PORT=${ECOWATCH_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${ECOWATCH_KAFKA_CONTROLLER_PORT:-9093}
CH_PORT=${ECOWATCH_CLICKHOUSE_PORT:-9000}
CH_HTTP_PORT=${ECOWATCH_CLICKHOUSE_HTTP_PORT:-8123}

CH_DIR=$LOCAL/clickhouse
KAFKA_DIR=$LOCAL/kafka

# One broker: the offsets and transaction-state topics can only have one replica.
KAFKA_SINGLE_PROPS="offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1"

start_kafka() {
  if kafka_ready "$KAFKA_DIR" "$KAFKA_PORT"; then log "Kafka already answers on 127.0.0.1:$KAFKA_PORT"; return; fi
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by something that is not our Kafka (set ECOWATCH_KAFKA_PORT)"
  install_kafka
  write_kafka_config "$KAFKA_DIR" 1 "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" \
    "1@127.0.0.1:$KAFKA_CONTROLLER_PORT" "$KAFKA_SINGLE_PROPS"
  log "starting Kafka $KAFKA_VERSION (KRaft) on 127.0.0.1:$KAFKA_PORT (data in $KAFKA_DIR/data)"
  launch_kafka Kafka "$KAFKA_DIR" "$(new_kafka_cluster_id)" 768m
  wait_kafka Kafka "$KAFKA_DIR" "$KAFKA_PORT"
}

case ${1:-start} in
  start)
    mkdir -p "$LOCAL"
    ensure_key
    start_clickhouse ClickHouse "$CH_DIR" "$CH_PORT" "$CH_HTTP_PORT"
    start_kafka
    ;;
  stop)
    case ${2:-both} in
      kafka) stop_one Kafka "$KAFKA_DIR/pid" ;;
      clickhouse) stop_one ClickHouse "$CH_DIR/pid" ;;
      both) stop_one Kafka "$KAFKA_DIR/pid"; stop_one ClickHouse "$CH_DIR/pid" ;;
      *) die "unknown service '$2' (accepted: clickhouse, kafka)" ;;
    esac
    ;;
  status)
    if clickhouse_answers "$CH_PORT"; then echo "clickhouse: up on 127.0.0.1:$CH_PORT"; else echo "clickhouse: down"; fi
    if kafka_ready "$KAFKA_DIR" "$KAFKA_PORT"; then echo "kafka: up on 127.0.0.1:$KAFKA_PORT"; else echo "kafka: down"; fi
    ;;
  reset)
    "$0" stop
    rm -rf "$CH_DIR/data" "$KAFKA_DIR/data"
    log "data folders removed"
    ;;
  *) die "unknown command '$1' (accepted: start, stop, status, reset)";;
esac
