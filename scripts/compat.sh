#!/usr/bin/env bash
# The current-ClickHouse compatibility check (`make compat`; `make test` runs it after the Go
# tests). The local server is ClickHouse 18.16; offices run current releases. This script
#   1. makes a short demo-like run (scripts/demo.sh under the name compat: database
#      ecowatch_compat, topics compat.*, outputs in .local/compat/out): simulate, ingest, every
#      detector replayed, notices, the quarterly disclosure of a province, a prefecture and the
#      nation, the dashboards;
#   2. replays what ecowatch sent to the local server (its system.query_log) on the current
#      engine of chdb-core (deploy/local/chdb.sh installs it) over a Native copy of the run's
#      data, and fails on any statement that fails there or returns other rows than on 18.16
#      (scripts/compat/replay.py; the reviewed formatting differences are in
#      scripts/compat/formatting.tsv).
#
#   scripts/compat.sh [--since UNIX_TIME]
#
# --since: also replay one statement of each shape that ecowatch sent from that time until the
# short run (make test passes the time the Go tests started: the integration suite's statements).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/ecowatch}
LOCAL=${ECOWATCH_LOCAL:-.local}
WORK=$LOCAL/compat
HTTP_PORT=${ECOWATCH_CLICKHOUSE_HTTP_PORT:-8123}
SINCE=
while [ $# -gt 0 ]; do
  case $1 in
    --since) SINCE=${2:?--since needs a Unix time}; shift 2 ;;
    *) echo "compat: unknown argument '$1' (accepted: --since UNIX_TIME)" >&2; exit 2 ;;
  esac
done

PY=$(deploy/local/chdb.sh)
[ -x "$BIN" ] || { echo "compat: $BIN is missing (make build)" >&2; exit 2; }
mkdir -p "$WORK"
started=$(date +%s)
run_since=$started
log=$WORK/run.log
echo "compat: short run (database ecowatch_compat; log in $log)"
export DEMO_NAME=compat ECOWATCH_OUT_DIR=$WORK/out
# Four months of Guangdong at a tenth of its volume: the disclosure's quarter and the one
# before it, a lifecycle replay every 5 days, early warning every 6 hours over the last weeks.
DEMO_FROM=2026-06-01 DEMO_TO=2026-10-01 DEMO_WATCH_FROM=2026-09-10 DEMO_RATE=6000 \
  DEMO_CASE_STEP=120h DEMO_WATCH_STEP=6h scripts/demo.sh >"$log" 2>&1 \
  || { tail -n 30 "$log" >&2; echo "compat: the short run failed (log: $log)" >&2; exit 1; }

export ECOWATCH_CLICKHOUSE_DATABASE=ecowatch_compat ECOWATCH_KAFKA_TOPIC_WARNINGS=compat.warnings.v1
# Each step below runs in its own whole seconds of the query log, so its statements are told
# apart (query_log times are in seconds).
phase() { # name command…
  local name=$1; shift
  sleep 1; local from; from=$(date +%s)
  "$@" >>"$log" 2>&1 || { tail -n 30 "$log" >&2; echo "compat: step $name failed (log: $log)" >&2; exit 1; }
  local to; to=$(date +%s); sleep 1
  PHASES+=(--phase "$name=$from-$to")
}
PHASES=()
phase disclosure bash -c "
  '$BIN' report --quarter 2026Q3 --scope 440000 --out '$WORK/out/disclosure-440000' &&
  '$BIN' report --quarter 2026Q3 --scope 440300 --out '$WORK/out/disclosure-440300' &&
  '$BIN' report --quarter 2026Q3 --out '$WORK/out/disclosure-nation'"
phase dashboards "$BIN" --log-level warn dashboard --at 2026-09-30T18:00 --out "$WORK/out/dashboards"
"$BIN" summary >>"$log"
"$BIN" alerts list >>"$log"

"$BIN" migrate --print 26.9 >"$WORK/schema-26.9.sql"
# The local server's time zone, so that what depends on it (none of ecowatch's output should)
# prints alike on both engines.
status=0
TZ=Asia/Shanghai "$PY" scripts/compat/replay.py --http "http://127.0.0.1:$HTTP_PORT" --database ecowatch_compat \
  ${SINCE:+--since "$SINCE"} --run-since "$run_since" "${PHASES[@]}" \
  --schema "$WORK/schema-26.9.sql" --formatting scripts/compat/formatting.tsv \
  --work "$WORK/replay" --report "$WORK/report.txt" || status=$?
echo "compat: the check took $(( $(date +%s) - started ))s"
exit $status
