#!/usr/bin/env bash
# The main job end to end on simulated data (`make demo`): a few months of one province's
# complaints with injected events are produced to Kafka, ingested into ClickHouse, and
# summarised. Everything a person reads lands in out/. The demo has its own database
# (ecowatch_demo) and topics (demo.*), recreated at every run, so it can be repeated and never
# touches the default ones.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/ecowatch}
OUT=${ECOWATCH_OUT_DIR:-out}

export ECOWATCH_CLICKHOUSE_DATABASE=ecowatch_demo
export ECOWATCH_KAFKA_TOPIC_REPORTS=demo.reports.v1
export ECOWATCH_KAFKA_TOPIC_EVENTS=demo.case-events.v1
export ECOWATCH_KAFKA_TOPIC_WARNINGS=demo.warnings.v1
export ECOWATCH_KAFKA_TOPIC_DLQ=demo.dlq.v1
export ECOWATCH_KAFKA_GROUP=demo-ingest
export ECOWATCH_OUT_DIR=$OUT
export ECOWATCH_INGEST_METRICS_ADDR=127.0.0.1:0

FROM=${DEMO_FROM:-2026-04-01}
TO=${DEMO_TO:-2026-10-01}
WATCH_FROM=${DEMO_WATCH_FROM:-2026-06-01} # early warning needs weeks of history before it
SCOPE=${DEMO_SCOPE:-440000}

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

rm -rf "$OUT" && mkdir -p "$OUT/simulation"
step "fresh demo database and topics"
clickhouse-client --port "${ECOWATCH_CLICKHOUSE_PORT:-9000}" -q "DROP DATABASE IF EXISTS ecowatch_demo"
"$BIN" migrate
"$BIN" topics --recreate

step "simulate $SCOPE from $FROM to $TO (seed 7) → Kafka; ground truth in $OUT/simulation/"
"$BIN" simulate --from "$FROM" --to "$TO" --scope "$SCOPE" --seed 7 --truth "$OUT/simulation"

step "ingest until the stream is idle"
"$BIN" --log-level warn ingest --until-idle 5s 2>"$OUT/ingest.log"

step "what landed in ClickHouse (database ecowatch_demo)"
"$BIN" summary | tee "$OUT/summary.txt"

step "case lifecycle: replay the period day by day — 催办 for missed deadlines, 督办 suggestions"
"$BIN" --log-level warn alerts backtest --from "$FROM" --to "$TO" --step 24h --detectors overdue,supervision | tee "$OUT/alerts.txt"
printf 'planted by the simulator: %s missed deadlines\n' "$(grep -o '"deadline": *"[a-z_]*"' "$OUT/simulation/truth.json" | grep -c -E '"(accept|assign|close)"')"
printf 'notices: %s 催办通知, %s 督办建议 in %s/notices/\n' "$(find "$OUT/notices" -name '催办-*.html' | wc -l)" "$(find "$OUT/notices" -name '督办-*.html' | wc -l)" "$OUT"

step "early warning: replay $WATCH_FROM to $TO every two hours — clusters, watershed, emergencies"
"$BIN" --log-level warn alerts backtest --from "$WATCH_FROM" --to "$TO" --step 2h --detectors emergency,cluster,watershed | tee -a "$OUT/alerts.txt"
step "warnings next to the events the simulator injected"
"$BIN" alerts compare --truth "$OUT/simulation/truth.json" --from "$WATCH_FROM" | tee "$OUT/warnings-vs-injected.txt"
printf '预警通知书: %s in %s/notices/\n' "$(find "$OUT/notices" -name '预警-*.html' | wc -l)" "$OUT"

step "case states as of $TO: every case evaluated → case_states, case_deadlines, merge suggestions (read by the disclosure and the dashboards)"
"$BIN" --log-level warn cases --at "$TO"

LAST=$(date -d "$TO -1 day" +%Y-%m)
QUARTER="${LAST%-*}Q$(( (10#${LAST#*-} - 1) / 3 + 1 ))"
step "quarterly public disclosure $QUARTER of $SCOPE → $OUT/disclosure/"
"$BIN" report --quarter "$QUARTER" --scope "$SCOPE" --out "$OUT/disclosure"

step "leadership dashboards → $OUT/dashboards/"
"$BIN" --log-level warn dashboard --at "${DEMO_DASHBOARD_AT:-$(date -d "$TO -1 day" +%F)T18:00}" --out "$OUT/dashboards" | tee "$OUT/dashboards.txt"

printf '\nOutputs are in %s/ (simulation truth, ingest log, summary, notices, disclosure, dashboards).\n' "$OUT"
