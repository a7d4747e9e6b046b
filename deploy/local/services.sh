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
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LOCAL=${ECOWATCH_LOCAL:-$ROOT/.local}
KAFKA_PORT=${ECOWATCH_KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${ECOWATCH_KAFKA_CONTROLLER_PORT:-9093}
CH_MAIN_PORT=${ECOWATCH_CLICKHOUSE_PORT:-9000}
CH_MAIN_HTTP_PORT=${ECOWATCH_CLICKHOUSE_HTTP_PORT:-8123}
# The UTC server's ports default to the main server's plus 10 (9010, 8133), so that worktrees
# with their own port blocks get their own UTC server too (internal/testenv uses the same rule).
CH_UTC_PORT=${ECOWATCH_CLICKHOUSE_UTC_PORT:-$((CH_MAIN_PORT + 10))}
CH_UTC_HTTP_PORT=${ECOWATCH_CLICKHOUSE_UTC_HTTP_PORT:-$((CH_MAIN_HTTP_PORT + 10))}
KAFKA_VERSION=3.9.1

KAFKA_DIR=$LOCAL/kafka
KEY_FILE=$LOCAL/keys/seal.key

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root to run: $* (install it by hand or run as root)"; fi
}

# ---------------------------------------------------------------- ClickHouse
# Two instances of the same server: "clickhouse" (the one everything uses, server time zone
# Asia/Shanghai) and "clickhouse-utc" (server time zone UTC, only for the test that proves the
# output does not depend on the server's time zone). ch_instance sets the CH_* variables.

ch_instance() { # name
  case $1 in
    clickhouse) CH_NAME=ClickHouse CH_DIR=$LOCAL/clickhouse CH_PORT=$CH_MAIN_PORT CH_HTTP_PORT=$CH_MAIN_HTTP_PORT CH_TZ=Asia/Shanghai ;;
    clickhouse-utc) CH_NAME="ClickHouse (UTC)" CH_DIR=$LOCAL/clickhouse-utc CH_PORT=$CH_UTC_PORT CH_HTTP_PORT=$CH_UTC_HTTP_PORT CH_TZ=UTC ;;
    *) die "unknown ClickHouse instance '$1'" ;;
  esac
}

install_clickhouse() {
  command -v clickhouse-server >/dev/null && command -v clickhouse-client >/dev/null && return
  log "installing clickhouse-server from Debian's packages"
  as_root apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends \
    clickhouse-server clickhouse-client >/dev/null || die "apt-get install clickhouse-server failed"
}

clickhouse_answers() {
  clickhouse-client --host 127.0.0.1 --port "$CH_PORT" --query 'SELECT 1' >/dev/null 2>&1
}

# The configuration of the current instance, written to $1 (config) and $2 (users). Every query
# is logged in system.query_log (log_queries in the default profile): the compatibility check
# (scripts/compat) replays what the product sent on a current ClickHouse engine.
clickhouse_config() {
  cat >"$1" <<XML
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>$CH_DIR/log/clickhouse-server.log</log>
    <errorlog>$CH_DIR/log/clickhouse-server.err.log</errorlog>
    <size>100M</size>
    <count>3</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>$CH_PORT</tcp_port>
  <http_port>$CH_HTTP_PORT</http_port>
  <path>$CH_DIR/data/</path>
  <tmp_path>$CH_DIR/tmp/</tmp_path>
  <user_files_path>$CH_DIR/user_files/</user_files_path>
  <format_schema_path>$CH_DIR/format_schemas/</format_schema_path>
  <users_config>$CH_DIR/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>$CH_TZ</timezone>
  <mark_cache_size>536870912</mark_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <query_log>
    <database>system</database>
    <table>query_log</table>
    <partition_by>toYYYYMM(event_date)</partition_by>
    <flush_interval_milliseconds>7500</flush_interval_milliseconds>
  </query_log>
</yandex>
XML
  cat >"$2" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <max_memory_usage>10000000000</max_memory_usage>
      <use_uncompressed_cache>0</use_uncompressed_cache>
      <load_balancing>random</load_balancing>
      <log_queries>1</log_queries>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>::1</ip><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas>
    <default>
      <interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval>
    </default>
  </quotas>
</yandex>
XML
}

start_clickhouse() { # instance
  ch_instance "$1"
  mkdir -p "$CH_DIR"/{data,tmp,user_files,format_schemas,log}
  clickhouse_config "$CH_DIR/config.xml.new" "$CH_DIR/users.xml.new"
  if clickhouse_answers; then
    # Our own server started from an older configuration (for example before query logging)
    # is restarted with the current one; anything else on the port is left alone.
    if cmp -s "$CH_DIR/config.xml.new" "$CH_DIR/config.xml" && cmp -s "$CH_DIR/users.xml.new" "$CH_DIR/users.xml"; then
      rm -f "$CH_DIR"/{config,users}.xml.new
      log "$CH_NAME already answers on 127.0.0.1:$CH_PORT"; return
    fi
    if [ -f "$CH_DIR/pid" ] && kill -0 "$(cat "$CH_DIR/pid")" 2>/dev/null; then
      log "$CH_NAME runs with an older configuration: restarting it"
      stop_one "$CH_NAME" "$CH_DIR/pid"
    else
      rm -f "$CH_DIR"/{config,users}.xml.new
      log "$CH_NAME answers on 127.0.0.1:$CH_PORT but was not started by this script; leaving it alone"; return
    fi
  fi
  port_open "$CH_PORT" && die "port $CH_PORT is taken by something that is not ClickHouse (set $(port_var "$1"))"
  install_clickhouse
  mv "$CH_DIR/config.xml.new" "$CH_DIR/config.xml"
  mv "$CH_DIR/users.xml.new" "$CH_DIR/users.xml"
  log "starting $CH_NAME on 127.0.0.1:$CH_PORT, server time zone $CH_TZ (data in $CH_DIR/data)"
  nohup clickhouse-server --config-file="$CH_DIR/config.xml" >"$CH_DIR/log/stdout.log" 2>&1 &
  echo $! >"$CH_DIR/pid"
  for _ in $(seq 1 120); do
    clickhouse_answers && { log "$CH_NAME is up"; return; }
    kill -0 "$(cat "$CH_DIR/pid")" 2>/dev/null || {
      tail -n 20 "$CH_DIR/log/stdout.log" "$CH_DIR/log/clickhouse-server.err.log" >&2 2>/dev/null || true
      die "$CH_NAME exited during start-up (logs above, in $CH_DIR/log)"; }
    sleep 0.5
  done
  die "$CH_NAME did not answer on 127.0.0.1:$CH_PORT within 60 s (logs in $CH_DIR/log)"
}

port_var() {
  case $1 in clickhouse) echo ECOWATCH_CLICKHOUSE_PORT ;; clickhouse-utc) echo ECOWATCH_CLICKHOUSE_UTC_PORT ;; esac
}

# ---------------------------------------------------------------- Kafka

install_kafka() {
  [ -f "$KAFKA_DIR/libs/kafka_2.13-$KAFKA_VERSION.jar" ] && return
  command -v java >/dev/null || die "no java on PATH: Kafka needs a JDK (17 or newer)"
  command -v mvn >/dev/null || die "no mvn on PATH: Kafka is fetched from Maven Central with Maven"
  log "fetching Apache Kafka $KAFKA_VERSION and its runtime dependencies from Maven Central"
  mkdir -p "$KAFKA_DIR/libs"
  mvn -q -B -f "$ROOT/deploy/local/kafka-pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$KAFKA_DIR/libs" -Dmaven.repo.local="$LOCAL/m2" >"$KAFKA_DIR/fetch.log" 2>&1 \
    || { tail -n 30 "$KAFKA_DIR/fetch.log" >&2; die "could not fetch Kafka with Maven (log: $KAFKA_DIR/fetch.log)"; }
}

kafka_ready() {
  port_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$KAFKA_DIR/log/server.log" 2>/dev/null
}

write_kafka_config() {
  mkdir -p "$KAFKA_DIR"/{data,log}
  cat >"$KAFKA_DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=4
offsets.topic.replication.factor=1
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
message.max.bytes=1048576
log.retention.hours=-1
PROPS
  cat >"$KAFKA_DIR/log4j.properties" <<PROPS
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$KAFKA_DIR/log/server.log
log4j.appender.file.MaxFileSize=50MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=WARN
log4j.logger.kafka.server.KafkaRaftServer=INFO
PROPS
}

start_kafka() {
  if kafka_ready; then log "Kafka already answers on 127.0.0.1:$KAFKA_PORT"; return; fi
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by something that is not our Kafka (set ECOWATCH_KAFKA_PORT)"
  install_kafka
  write_kafka_config
  local java_opts=(-Xms256m -Xmx768m -XX:+UseG1GC -Djava.awt.headless=true
    "-Dlog4j.configuration=file:$KAFKA_DIR/log4j.properties")
  local cp="$KAFKA_DIR/libs/*"
  if [ ! -f "$KAFKA_DIR/data/meta.properties" ]; then
    log "formatting the KRaft log directory"
    java "${java_opts[@]}" -cp "$cp" kafka.tools.StorageTool format \
      -t "$(cat /proc/sys/kernel/random/uuid | tr -d - | head -c 22)" \
      -c "$KAFKA_DIR/server.properties" >"$KAFKA_DIR/log/format.log" 2>&1 \
      || { cat "$KAFKA_DIR/log/format.log" >&2; die "kafka-storage format failed"; }
  fi
  : >"$KAFKA_DIR/log/server.log"
  log "starting Kafka $KAFKA_VERSION (KRaft) on 127.0.0.1:$KAFKA_PORT (data in $KAFKA_DIR/data)"
  nohup java "${java_opts[@]}" -cp "$cp" kafka.Kafka "$KAFKA_DIR/server.properties" \
    >"$KAFKA_DIR/log/stdout.log" 2>&1 &
  echo $! >"$KAFKA_DIR/pid"
  for _ in $(seq 1 240); do
    kafka_ready && { log "Kafka is up"; return; }
    kill -0 "$(cat "$KAFKA_DIR/pid")" 2>/dev/null || {
      tail -n 30 "$KAFKA_DIR/log/stdout.log" "$KAFKA_DIR/log/server.log" >&2 2>/dev/null || true
      die "Kafka exited during start-up (logs above, in $KAFKA_DIR/log)"; }
    sleep 0.5
  done
  die "Kafka did not become ready on 127.0.0.1:$KAFKA_PORT within 120 s (logs in $KAFKA_DIR/log)"
}

# ---------------------------------------------------------------- keys

ensure_key() {
  [ -s "$KEY_FILE" ] && return
  mkdir -p "$(dirname "$KEY_FILE")"
  umask 077
  printf 'local-%s:%s\n' "$(date +%Y%m%d)" "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$KEY_FILE"
  log "generated a local sealing key in $KEY_FILE (for development only)"
}

# ---------------------------------------------------------------- stop

stop_one() { # name pidfile
  local pidfile=$2
  [ -f "$pidfile" ] || return 0
  local pid; pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $1 (pid $pid)"
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && { log "$1 did not stop in 30 s, killing"; kill -9 "$pid"; }
  fi
  rm -f "$pidfile"
}

services_or() { # default… -- given…
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
    for svc in $(services_or clickhouse kafka -- "$@"); do
      case $svc in kafka) start_kafka ;; *) start_clickhouse "$svc" ;; esac
    done
    ;;
  stop)
    for svc in $(services_or kafka clickhouse clickhouse-utc -- "$@"); do
      case $svc in
        kafka) stop_one Kafka "$KAFKA_DIR/pid" ;;
        *) ch_instance "$svc"; stop_one "$CH_NAME" "$CH_DIR/pid" ;;
      esac
    done
    ;;
  status)
    for svc in clickhouse clickhouse-utc; do
      ch_instance "$svc"
      if clickhouse_answers; then echo "$svc: up on 127.0.0.1:$CH_PORT (server time zone $CH_TZ)"; else echo "$svc: down"; fi
    done
    if kafka_ready; then echo "kafka: up on 127.0.0.1:$KAFKA_PORT"; else echo "kafka: down"; fi
    ;;
  reset)
    "$0" stop
    rm -rf "$LOCAL/clickhouse/data" "$LOCAL/clickhouse-utc/data" "$KAFKA_DIR/data"
    log "data folders removed"
    ;;
  *) die "unknown command '$cmd' (accepted: start, stop, status, reset)";;
esac
