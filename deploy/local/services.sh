#!/usr/bin/env bash
# Installs and runs the real local services ecowatch needs — ClickHouse (Debian's
# clickhouse-server, 18.16) and Apache Kafka (from Maven Central, one KRaft broker+controller on
# the machine's JDK) — on loopback, as plain background processes. Everything downloaded or
# written lives under $ECOWATCH_LOCAL (default: .local/ in the repository, git-ignored).
#
#   deploy/local/services.sh start [SERVICE…]
#                                     install what is missing, start what is not running, wait
#                                     (default: clickhouse kafka)
#   deploy/local/services.sh stop [SERVICE…]
#                                     stop them cleanly (default: all three; data is kept)
#   deploy/local/services.sh status   say what runs
#   deploy/local/services.sh reset    stop all and delete the data folders (not the downloads)
#
# Services: clickhouse (server time zone Asia/Shanghai, the one everything uses), kafka, and
# clickhouse-utc: a second ClickHouse 18.16 with the server time zone UTC and its own data
# folder (.local/clickhouse-utc), for the test that proves the output does not depend on the
# server's time zone.
#
# Ports (environment): ECOWATCH_KAFKA_PORT (9092), ECOWATCH_KAFKA_CONTROLLER_PORT (9093),
# ECOWATCH_CLICKHOUSE_PORT (9000), ECOWATCH_CLICKHOUSE_HTTP_PORT (8123),
# ECOWATCH_CLICKHOUSE_UTC_PORT and ECOWATCH_CLICKHOUSE_UTC_HTTP_PORT (the main ports + 10).
# start is idempotent: a service that already answers is left alone (our own ClickHouse is
# restarted when this script's configuration of it changed).
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
# The UTC server's ports default to the main server's plus 10 (9010, 8133), so that worktrees
# with their own port blocks get their own UTC server too (internal/testenv uses the same rule).
CH_UTC_PORT=${ECOWATCH_CLICKHOUSE_UTC_PORT:-$((CH_PORT + 10))}
CH_UTC_HTTP_PORT=${ECOWATCH_CLICKHOUSE_UTC_HTTP_PORT:-$((CH_HTTP_PORT + 10))}

CH_DIR=$LOCAL/clickhouse
CH_UTC_DIR=$LOCAL/clickhouse-utc
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

# services lists the services named on the command line, or the defaults when none is.
services() { # default… -- given…
  local defaults=() given=() seen=
  for a in "$@"; do
    if [ "$a" = -- ]; then seen=1; continue; fi
    if [ -n "$seen" ]; then given+=("$a"); else defaults+=("$a"); fi
  done
  [ ${#given[@]} -gt 0 ] || given=("${defaults[@]}")
  for a in "${given[@]}"; do
    case $a in clickhouse|clickhouse-utc|kafka) ;; *) die "unknown service '$a' (accepted: clickhouse, clickhouse-utc, kafka)" ;; esac
  done
  echo "${given[@]}"
}

cmd=${1:-start}
[ $# -gt 0 ] && shift
case $cmd in
  start)
    mkdir -p "$LOCAL"
    ensure_key
    for svc in $(services clickhouse kafka -- "$@"); do
      case $svc in
        clickhouse) start_clickhouse ClickHouse "$CH_DIR" "$CH_PORT" "$CH_HTTP_PORT" ;;
        clickhouse-utc) start_clickhouse "ClickHouse (UTC)" "$CH_UTC_DIR" "$CH_UTC_PORT" "$CH_UTC_HTTP_PORT" "" UTC ;;
        kafka) start_kafka ;;
      esac
    done
    ;;
  stop)
    for svc in $(services kafka clickhouse clickhouse-utc -- "$@"); do
      case $svc in
        kafka) stop_one Kafka "$KAFKA_DIR/pid" ;;
        clickhouse) stop_one ClickHouse "$CH_DIR/pid" ;;
        clickhouse-utc) stop_one "ClickHouse (UTC)" "$CH_UTC_DIR/pid" ;;
      esac
    done
    ;;
  status)
    if clickhouse_answers "$CH_PORT"; then echo "clickhouse: up on 127.0.0.1:$CH_PORT"; else echo "clickhouse: down"; fi
    if clickhouse_answers "$CH_UTC_PORT"; then echo "clickhouse-utc: up on 127.0.0.1:$CH_UTC_PORT (server time zone UTC)"; else echo "clickhouse-utc: down"; fi
    if kafka_ready "$KAFKA_DIR" "$KAFKA_PORT"; then echo "kafka: up on 127.0.0.1:$KAFKA_PORT"; else echo "kafka: down"; fi
    ;;
  reset)
    "$0" stop
    rm -rf "$CH_DIR/data" "$CH_UTC_DIR/data" "$KAFKA_DIR/data"
    log "data folders removed"
    ;;
  *) die "unknown command '$cmd' (accepted: start, stop, status, reset)";;
esac
