#!/usr/bin/env bash
# Runs a replicated ecowatch deployment on one machine, to prove the cluster guarantees with
# real parts: ZooKeeper (Debian's `zookeeper` package, standalone), two ClickHouse 18.16
# replicas of one shard (macros {shard}/{replica}, the remote_servers cluster `ecowatch`,
# distributed DDL through ZooKeeper) and three Kafka brokers in KRaft (each broker+controller,
# three voters, replication factor 3, min.insync.replicas 2). Plain background processes on
# loopback; everything lives under $ECOWATCH_LOCAL/cluster (default .local/cluster/,
# git-ignored). The single-server setup is services.sh; the two share lib.sh and the Kafka
# download.
#
#   deploy/local/cluster.sh start     install what is missing, start what is not running, wait,
#                                     then print the environment that points ecowatch at it
#   deploy/local/cluster.sh stop [zookeeper|clickhouse1|clickhouse2|kafka1|kafka2|kafka3]
#                                     stop everything (or one part) cleanly; data is kept
#   deploy/local/cluster.sh status    say what runs
#   deploy/local/cluster.sh env       print the environment exports only (eval "$(… env)"):
#                                     both replicas, the cluster, the three brokers, ZooKeeper
#   deploy/local/cluster.sh reset     stop and delete the data folders (not the downloads)
#
# Ports: ECOWATCH_CLUSTER_PORT_BASE (17000) moves them all; each can also be set alone:
#   ECOWATCH_CLUSTER_ZOOKEEPER_PORT     base+181
#   ECOWATCH_CLUSTER_CLICKHOUSE_PORTS   base+1,base+2      (native protocol, replica 1,2)
#   ECOWATCH_CLUSTER_CLICKHOUSE_HTTP_PORTS base+123,base+124
#   ECOWATCH_CLUSTER_INTERSERVER_PORTS  base+9,base+10     (replicas fetch parts over these)
#   ECOWATCH_CLUSTER_KAFKA_PORTS        base+92,base+93,base+94
#   ECOWATCH_CLUSTER_CONTROLLER_PORTS   base+192,base+193,base+194
# ECOWATCH_CLUSTER_NAME (ecowatch) is the remote_servers name that clickhouse.cluster names.
# start is idempotent: a part that already answers is left alone.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LOCAL=${ECOWATCH_LOCAL:-$ROOT/.local}
LOG_TAG=cluster
# shellcheck source=lib.sh
. "$ROOT/deploy/local/lib.sh"

BASE=${ECOWATCH_CLUSTER_PORT_BASE:-17000}
NAME=${ECOWATCH_CLUSTER_NAME:-ecowatch}
ZK_PORT=${ECOWATCH_CLUSTER_ZOOKEEPER_PORT:-$((BASE + 181))}
IFS=, read -r -a CH_PORTS <<<"${ECOWATCH_CLUSTER_CLICKHOUSE_PORTS:-$((BASE + 1)),$((BASE + 2))}"
IFS=, read -r -a CH_HTTP_PORTS <<<"${ECOWATCH_CLUSTER_CLICKHOUSE_HTTP_PORTS:-$((BASE + 123)),$((BASE + 124))}"
IFS=, read -r -a IS_PORTS <<<"${ECOWATCH_CLUSTER_INTERSERVER_PORTS:-$((BASE + 9)),$((BASE + 10))}"
IFS=, read -r -a KAFKA_PORTS <<<"${ECOWATCH_CLUSTER_KAFKA_PORTS:-$((BASE + 92)),$((BASE + 93)),$((BASE + 94))}"
IFS=, read -r -a CONTROLLER_PORTS <<<"${ECOWATCH_CLUSTER_CONTROLLER_PORTS:-$((BASE + 192)),$((BASE + 193)),$((BASE + 194))}"
[ ${#CH_PORTS[@]} = 2 ] && [ ${#CH_HTTP_PORTS[@]} = 2 ] && [ ${#IS_PORTS[@]} = 2 ] \
  || die "ECOWATCH_CLUSTER_CLICKHOUSE_PORTS, _HTTP_PORTS and _INTERSERVER_PORTS take two ports each"
[ ${#KAFKA_PORTS[@]} = 3 ] && [ ${#CONTROLLER_PORTS[@]} = 3 ] \
  || die "ECOWATCH_CLUSTER_KAFKA_PORTS and _CONTROLLER_PORTS take three ports each"

DIR=$LOCAL/cluster
ZK_DIR=$DIR/zookeeper
ZK_JAR=/usr/share/java/zookeeper.jar
ZK_CP="$ZK_JAR:/usr/share/java/slf4j-log4j12.jar:/usr/share/java/log4j-1.2.jar"

# ---------------------------------------------------------------- ZooKeeper

zookeeper_answers() { # "imok" to the four-letter word ruok
  local reply
  reply=$( (exec 3<>"/dev/tcp/127.0.0.1/$ZK_PORT" && printf ruok >&3 && timeout 2 cat <&3) 2>/dev/null) || true
  [ "$reply" = imok ]
}

start_zookeeper() {
  if zookeeper_answers; then log "ZooKeeper already answers on 127.0.0.1:$ZK_PORT"; return; fi
  port_open "$ZK_PORT" && die "port $ZK_PORT is taken by something that is not ZooKeeper (set ECOWATCH_CLUSTER_ZOOKEEPER_PORT)"
  [ -f "$ZK_JAR" ] || apt_install zookeeper
  command -v java >/dev/null || die "no java on PATH: ZooKeeper needs a JRE"
  mkdir -p "$ZK_DIR"/{data,log}
  # Standalone: one server is the local stand-in for a production ensemble of three or five.
  # The admin server (Jetty, port 8080 by default) is off so it cannot collide with anything.
  cat >"$ZK_DIR/zoo.cfg" <<CFG
tickTime=2000
initLimit=10
syncLimit=5
dataDir=$ZK_DIR/data
clientPort=$ZK_PORT
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr,stat,mntr
autopurge.purgeInterval=1
CFG
  cat >"$ZK_DIR/log4j.properties" <<PROPS
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$ZK_DIR/log/zookeeper.log
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
PROPS
  log "starting ZooKeeper on 127.0.0.1:$ZK_PORT (data in $ZK_DIR/data)"
  nohup java -Xms64m -Xmx256m -Djava.awt.headless=true -Dzookeeper.jmx.log4j.disable=true \
    "-Dlog4j.configuration=file:$ZK_DIR/log4j.properties" -cp "$ZK_CP" \
    org.apache.zookeeper.server.ZooKeeperServerMain "$ZK_DIR/zoo.cfg" >"$ZK_DIR/log/stdout.log" 2>&1 &
  echo $! >"$ZK_DIR/pid"
  LOGS=("$ZK_DIR/log/stdout.log" "$ZK_DIR/log/zookeeper.log")
  wait_until_up ZooKeeper "$ZK_DIR/pid" 120 zookeeper_answers
}

# ---------------------------------------------------------------- ClickHouse replicas

# replica_xml N: what replica N adds to the common server configuration.
replica_xml() {
  local n=$1
  cat <<XML
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <interserver_http_port>${IS_PORTS[$((n - 1))]}</interserver_http_port>
  <macros>
    <shard>01</shard>
    <replica>r$n</replica>
  </macros>
  <remote_servers>
    <$NAME>
      <shard>
        <internal_replication>true</internal_replication>
        <replica><host>127.0.0.1</host><port>${CH_PORTS[0]}</port></replica>
        <replica><host>127.0.0.1</host><port>${CH_PORTS[1]}</port></replica>
      </shard>
    </$NAME>
  </remote_servers>
  <zookeeper>
    <node><host>127.0.0.1</host><port>$ZK_PORT</port></node>
    <session_timeout_ms>30000</session_timeout_ms>
  </zookeeper>
  <distributed_ddl>
    <path>/clickhouse/task_queue/ddl</path>
  </distributed_ddl>
XML
}

start_replica() { # N
  local n=$1
  start_clickhouse "ClickHouse replica $n" "$DIR/clickhouse$n" "${CH_PORTS[$((n - 1))]}" \
    "${CH_HTTP_PORTS[$((n - 1))]}" "$(replica_xml "$n")"
}

# ---------------------------------------------------------------- Kafka brokers

# Three voters; every topic and the internal ones keep three copies and accept a write once
# two have it (acks=all), so one broker can be lost without losing or refusing anything.
KAFKA_CLUSTER_PROPS="default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
unclean.leader.election.enable=false"

voters() {
  local v="" i
  for i in 1 2 3; do v+="${v:+,}$i@127.0.0.1:${CONTROLLER_PORTS[$((i - 1))]}"; done
  echo "$v"
}

start_brokers() {
  local i dir launched=()
  for i in 1 2 3; do
    dir=$DIR/kafka$i
    if kafka_ready "$dir" "${KAFKA_PORTS[$((i - 1))]}"; then
      log "Kafka broker $i already answers on 127.0.0.1:${KAFKA_PORTS[$((i - 1))]}"; continue
    fi
    port_open "${KAFKA_PORTS[$((i - 1))]}" \
      && die "port ${KAFKA_PORTS[$((i - 1))]} is taken by something that is not our broker $i (set ECOWATCH_CLUSTER_KAFKA_PORTS)"
    install_kafka
    write_kafka_config "$dir" "$i" "${KAFKA_PORTS[$((i - 1))]}" "${CONTROLLER_PORTS[$((i - 1))]}" \
      "$(voters)" "$KAFKA_CLUSTER_PROPS"
    # All three log directories are formatted with the same cluster id.
    [ -s "$DIR/kafka.cluster-id" ] || new_kafka_cluster_id >"$DIR/kafka.cluster-id"
    log "starting Kafka broker $i (KRaft voter) on 127.0.0.1:${KAFKA_PORTS[$((i - 1))]} (data in $dir/data)"
    launch_kafka "Kafka broker $i" "$dir" "$(cat "$DIR/kafka.cluster-id")" 512m
    launched+=("$i")
  done
  for i in "${launched[@]}"; do
    wait_kafka "Kafka broker $i" "$DIR/kafka$i" "${KAFKA_PORTS[$((i - 1))]}"
  done
}

# ---------------------------------------------------------------- status and environment

join() { local IFS=,; echo "$*"; }

print_env() {
  local addrs=() i
  for i in 0 1; do addrs+=("127.0.0.1:${CH_PORTS[$i]}"); done
  local brokers=()
  for i in 0 1 2; do brokers+=("127.0.0.1:${KAFKA_PORTS[$i]}"); done
  cat <<ENV
export ECOWATCH_CLICKHOUSE_ADDR=$(join "${addrs[@]}")
export ECOWATCH_CLICKHOUSE_CLUSTER=$NAME
export ECOWATCH_KAFKA_BROKERS=$(join "${brokers[@]}")
export ECOWATCH_ZOOKEEPER_ADDR=127.0.0.1:$ZK_PORT
ENV
}

status() {
  local rc=0 i
  if zookeeper_answers; then echo "zookeeper: up on 127.0.0.1:$ZK_PORT"; else echo "zookeeper: down"; rc=1; fi
  for i in 1 2; do
    local port=${CH_PORTS[$((i - 1))]}
    if clickhouse_answers "$port"; then
      local zk
      zk=$(clickhouse-client --port "$port" --query "SELECT count() FROM system.zookeeper WHERE path = '/'" 2>/dev/null) || zk=unreachable
      echo "clickhouse replica $i: up on 127.0.0.1:$port (ZooKeeper nodes at /: $zk)"
    else
      echo "clickhouse replica $i: down"; rc=1
    fi
  done
  for i in 1 2 3; do
    if kafka_ready "$DIR/kafka$i" "${KAFKA_PORTS[$((i - 1))]}"; then
      echo "kafka broker $i: up on 127.0.0.1:${KAFKA_PORTS[$((i - 1))]}"
    else
      echo "kafka broker $i: down"; rc=1
    fi
  done
  return $rc
}

stop_part() {
  case $1 in
    zookeeper) stop_one ZooKeeper "$ZK_DIR/pid" ;;
    clickhouse1 | clickhouse2) stop_one "ClickHouse replica ${1#clickhouse}" "$DIR/$1/pid" ;;
    kafka1 | kafka2 | kafka3) stop_one "Kafka broker ${1#kafka}" "$DIR/$1/pid" ;;
    *) die "unknown part '$1' (accepted: zookeeper, clickhouse1, clickhouse2, kafka1, kafka2, kafka3)" ;;
  esac
}

case ${1:-start} in
  start)
    mkdir -p "$DIR"
    ensure_key
    start_zookeeper
    start_replica 1
    start_replica 2
    start_brokers
    log "cluster '$NAME' is up; point ecowatch at it with:"
    print_env >&2
    ;;
  stop)
    if [ $# -ge 2 ]; then stop_part "$2"; else
      # The brokers are stopped together: the last voter of a quorum stopped alone waits for
      # the others to shut down in order and never finishes.
      for i in 1 2 3; do stop_part "kafka$i" & done
      wait
      for p in clickhouse1 clickhouse2 zookeeper; do stop_part "$p"; done
    fi
    ;;
  status) status ;;
  env) print_env ;;
  reset)
    "$0" stop
    rm -rf "$ZK_DIR/data" "$DIR"/clickhouse{1,2}/data "$DIR"/kafka{1,2,3}/data "$DIR/kafka.cluster-id"
    log "data folders removed"
    ;;
  *) die "unknown command '$1' (accepted: start, stop, status, env, reset)" ;;
esac
