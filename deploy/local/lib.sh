# Shell functions shared by services.sh (one ClickHouse, one broker) and cluster.sh (ZooKeeper,
# two ClickHouse replicas, three brokers): installing ClickHouse and Kafka, writing their
# configuration, starting them as plain background processes and stopping them by pid file.
#
# Source it after setting ROOT (the repository), LOCAL (the git-ignored folder everything is
# written to) and LOG_TAG (the prefix of log lines). Nothing here starts anything by itself.

KAFKA_VERSION=3.9.1

log() { printf '[%s] %s\n' "$LOG_TAG" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$LOG_TAG" "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root to run: $* (install it by hand or run as root)"; fi
}

# apt_install PACKAGE... installs Debian packages (the caller checks whether they are missing).
apt_install() {
  log "installing $* from Debian's packages"
  as_root apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || die "apt-get install $* failed"
}

# wait_until_up NAME PIDFILE TRIES CHECK... runs CHECK every 0.5 s until it succeeds, dying
# with the last lines of the logs (LOGS, an array the caller sets) if the process exits first
# or TRIES run out.
wait_until_up() {
  local name=$1 pidfile=$2 tries=$3; shift 3
  for _ in $(seq 1 "$tries"); do
    "$@" && { log "$name is up"; return; }
    kill -0 "$(cat "$pidfile")" 2>/dev/null || {
      tail -n 30 "${LOGS[@]}" >&2 2>/dev/null || true
      die "$name exited during start-up (logs above)"; }
    sleep 0.5
  done
  die "$name did not come up within $((tries / 2)) s (logs: ${LOGS[*]})"
}

# stop_one NAME PIDFILE stops a process started here (TERM, then KILL after 30 s).
stop_one() {
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

# ensure_key generates the local sealing key once (development only; production brings its own).
KEY_FILE=$LOCAL/keys/seal.key
ensure_key() {
  [ -s "$KEY_FILE" ] && return
  mkdir -p "$(dirname "$KEY_FILE")"
  (umask 077
    printf 'local-%s:%s\n' "$(date +%Y%m%d)" "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$KEY_FILE")
  log "generated a local sealing key in $KEY_FILE (for development only)"
}

# ---------------------------------------------------------------- ClickHouse

install_clickhouse() {
  command -v clickhouse-server >/dev/null && command -v clickhouse-client >/dev/null && return
  apt_install clickhouse-server clickhouse-client
}

clickhouse_answers() { # PORT
  clickhouse-client --host 127.0.0.1 --port "$1" --query 'SELECT 1' >/dev/null 2>&1
}

# write_clickhouse_config DIR TCP_PORT HTTP_PORT [EXTRA_XML] [TZ] writes DIR/config.xml.new and
# DIR/users.xml.new: loopback only, data under DIR, server time zone TZ (default
# Asia/Shanghai). EXTRA_XML is inserted into <yandex> as is (the cluster's macros,
# remote_servers, zookeeper…). Every query is logged in system.query_log (log_queries in the
# default profile): the compatibility check (scripts/compat) replays what the product sent on a
# current ClickHouse engine.
write_clickhouse_config() {
  local dir=$1 tcp=$2 http=$3 extra=${4:-} tz=${5:-Asia/Shanghai}
  mkdir -p "$dir"/{data,tmp,user_files,format_schemas,log}
  cat >"$dir/config.xml.new" <<XML
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>$dir/log/clickhouse-server.log</log>
    <errorlog>$dir/log/clickhouse-server.err.log</errorlog>
    <size>100M</size>
    <count>3</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <tcp_port>$tcp</tcp_port>
  <http_port>$http</http_port>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/user_files/</user_files_path>
  <format_schema_path>$dir/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>$tz</timezone>
  <mark_cache_size>536870912</mark_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <query_log>
    <database>system</database>
    <table>query_log</table>
    <partition_by>toYYYYMM(event_date)</partition_by>
    <flush_interval_milliseconds>7500</flush_interval_milliseconds>
  </query_log>
$extra</yandex>
XML
  cat >"$dir/users.xml.new" <<XML
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

# start_clickhouse NAME DIR TCP_PORT HTTP_PORT [EXTRA_XML] [TZ] starts a server unless one
# already answers on TCP_PORT, and waits until it answers. Our own server running from an
# older configuration (before query logging, say) is restarted with the current one; anything
# else answering on the port is left alone.
start_clickhouse() {
  local name=$1 dir=$2 tcp=$3 http=$4 extra=${5:-} tz=${6:-Asia/Shanghai}
  install_clickhouse
  write_clickhouse_config "$dir" "$tcp" "$http" "$extra" "$tz"
  if clickhouse_answers "$tcp"; then
    if cmp -s "$dir/config.xml.new" "$dir/config.xml" && cmp -s "$dir/users.xml.new" "$dir/users.xml"; then
      rm -f "$dir"/{config,users}.xml.new
      log "$name already answers on 127.0.0.1:$tcp"; return
    fi
    if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      log "$name runs with an older configuration: restarting it"
      stop_one "$name" "$dir/pid"
    else
      rm -f "$dir"/{config,users}.xml.new
      log "$name answers on 127.0.0.1:$tcp but was not started by this script; leaving it alone"; return
    fi
  fi
  port_open "$tcp" && die "port $tcp is taken by something that is not ClickHouse (see the port settings at the top of $0)"
  mv "$dir/config.xml.new" "$dir/config.xml"
  mv "$dir/users.xml.new" "$dir/users.xml"
  log "starting $name on 127.0.0.1:$tcp, server time zone $tz (data in $dir/data)"
  nohup clickhouse-server --config-file="$dir/config.xml" >"$dir/log/stdout.log" 2>&1 &
  echo $! >"$dir/pid"
  LOGS=("$dir/log/stdout.log" "$dir/log/clickhouse-server.err.log")
  wait_until_up "$name" "$dir/pid" 120 clickhouse_answers "$tcp"
}

# ---------------------------------------------------------------- Kafka

# install_kafka fetches Kafka and its runtime dependencies once into $LOCAL/kafka/libs, shared
# by the single broker and the cluster's brokers.
KAFKA_LIBS=$LOCAL/kafka/libs
install_kafka() {
  [ -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ] && return
  command -v java >/dev/null || die "no java on PATH: Kafka needs a JDK (17 or newer)"
  command -v mvn >/dev/null || die "no mvn on PATH: Kafka is fetched from Maven Central with Maven"
  log "fetching Apache Kafka $KAFKA_VERSION and its runtime dependencies from Maven Central"
  mkdir -p "$KAFKA_LIBS"
  mvn -q -B -f "$ROOT/deploy/local/kafka-pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$KAFKA_LIBS" -Dmaven.repo.local="$LOCAL/m2" >"$LOCAL/kafka/fetch.log" 2>&1 \
    || { tail -n 30 "$LOCAL/kafka/fetch.log" >&2; die "could not fetch Kafka with Maven (log: $LOCAL/kafka/fetch.log)"; }
}

kafka_ready() { # DIR PORT
  port_open "$2" && grep -q 'Kafka Server started' "$1/log/server.log" 2>/dev/null
}

# write_kafka_config DIR NODE_ID PORT CONTROLLER_PORT VOTERS EXTRA_PROPS writes a combined
# broker+controller (KRaft) configuration and its log4j file. VOTERS is
# controller.quorum.voters; EXTRA_PROPS holds the replication settings, one per line.
write_kafka_config() {
  local dir=$1 id=$2 port=$3 cport=$4 voters=$5 extra=$6
  mkdir -p "$dir"/{data,log}
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=$id
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=4
offsets.topic.num.partitions=8
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
message.max.bytes=1048576
log.retention.hours=-1
$extra
PROPS
  cat >"$dir/log4j.properties" <<PROPS
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$dir/log/server.log
log4j.appender.file.MaxFileSize=50MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=WARN
log4j.logger.kafka.server.KafkaRaftServer=INFO
PROPS
}

# launch_kafka NAME DIR CLUSTER_ID HEAP formats DIR/data once (with CLUSTER_ID) and starts the
# broker in the background without waiting: the brokers of a quorum must all be launched
# before any of them finishes starting. Wait with wait_kafka.
launch_kafka() {
  local name=$1 dir=$2 cluster_id=$3 heap=$4
  local java_opts=(-Xms256m "-Xmx$heap" -XX:+UseG1GC -Djava.awt.headless=true
    "-Dlog4j.configuration=file:$dir/log4j.properties")
  local cp="$KAFKA_LIBS/*"
  if [ ! -f "$dir/data/meta.properties" ]; then
    log "formatting the KRaft log directory of $name"
    java "${java_opts[@]}" -cp "$cp" kafka.tools.StorageTool format -t "$cluster_id" \
      -c "$dir/server.properties" >"$dir/log/format.log" 2>&1 \
      || { cat "$dir/log/format.log" >&2; die "kafka-storage format of $name failed"; }
  fi
  : >"$dir/log/server.log"
  nohup java "${java_opts[@]}" -cp "$cp" kafka.Kafka "$dir/server.properties" \
    >"$dir/log/stdout.log" 2>&1 &
  echo $! >"$dir/pid"
}

wait_kafka() { # NAME DIR PORT
  LOGS=("$2/log/stdout.log" "$2/log/server.log")
  wait_until_up "$1" "$2/pid" 240 kafka_ready "$2" "$3"
}

new_kafka_cluster_id() { tr -d - </proc/sys/kernel/random/uuid | head -c 22; }
