#!/usr/bin/env bash
# The main job end to end on simulated data (`make demo`): a few months of one province's
# complaints with injected events are produced to Kafka, ingested into ClickHouse, and
# summarised. Everything a person reads lands in out/. The demo has its own database
# (ecowatch_demo) and topics (demo.*), recreated at every run, so it can be repeated and never
# touches the default ones.
#
# DEMO_NAME (default demo) names the database (ecowatch_$DEMO_NAME) and topics ($DEMO_NAME.*);
# DEMO_FROM, DEMO_TO, DEMO_WATCH_FROM, DEMO_SCOPE, DEMO_RATE (valid reports a year, default the
# scope's share of the nation), DEMO_WATERSHED (watershed incidents, default 3), DEMO_CASE_STEP
# and DEMO_WATCH_STEP shape the
# run (the compatibility check, scripts/compat.sh, runs a short one under the name compat).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/ecowatch}
OUT=${ECOWATCH_OUT_DIR:-out}

NAME=${DEMO_NAME:-demo}
case $NAME in *[!a-z0-9_]*|'') echo "DEMO_NAME must be lower-case letters, digits and _ (got '$NAME')" >&2; exit 2 ;; esac
DB=ecowatch_$NAME
export ECOWATCH_CLICKHOUSE_DATABASE=$DB
export ECOWATCH_KAFKA_TOPIC_REPORTS=$NAME.reports.v1
export ECOWATCH_KAFKA_TOPIC_EVENTS=$NAME.case-events.v1
export ECOWATCH_KAFKA_TOPIC_WARNINGS=$NAME.warnings.v1
export ECOWATCH_KAFKA_TOPIC_DLQ=$NAME.dlq.v1
export ECOWATCH_KAFKA_GROUP=$NAME-ingest
export ECOWATCH_OUT_DIR=$OUT
export ECOWATCH_INGEST_METRICS_ADDR=127.0.0.1:0

FROM=${DEMO_FROM:-2026-04-01}
TO=${DEMO_TO:-2026-10-01}
WATCH_FROM=${DEMO_WATCH_FROM:-2026-06-01} # early warning needs weeks of history before it
SCOPE=${DEMO_SCOPE:-440000}
CASE_STEP=${DEMO_CASE_STEP:-24h}
WATCH_STEP=${DEMO_WATCH_STEP:-2h}
WATERSHED=${DEMO_WATERSHED:-3} # watershed incidents injected: one of them falls in the watched months

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

rm -rf "$OUT" && mkdir -p "$OUT/simulation"
step "fresh demo database and topics"
clickhouse-client --port "${ECOWATCH_CLICKHOUSE_PORT:-9000}" -q "DROP DATABASE IF EXISTS $DB"
"$BIN" migrate
"$BIN" topics --recreate

step "simulate $SCOPE from $FROM to $TO (seed 7) → Kafka; ground truth in $OUT/simulation/"
"$BIN" simulate --from "$FROM" --to "$TO" --scope "$SCOPE" --seed 7 --watershed "$WATERSHED" ${DEMO_RATE:+--rate "$DEMO_RATE"} --truth "$OUT/simulation"

step "ingest until the stream is idle"
"$BIN" --log-level warn ingest --until-idle 5s 2>"$OUT/ingest.log"

step "what landed in ClickHouse (database $DB)"
"$BIN" summary | tee "$OUT/summary.txt"

step "case lifecycle: replay the period every $CASE_STEP — 催办 for missed deadlines, 督办 suggestions"
"$BIN" --log-level warn alerts backtest --from "$FROM" --to "$TO" --step "$CASE_STEP" --detectors overdue,supervision | tee "$OUT/alerts.txt"
printf 'planted by the simulator: %s missed deadlines\n' "$(grep -o '"deadline": *"[a-z_]*"' "$OUT/simulation/truth.json" | grep -c -E '"(accept|assign|close)"')"
printf 'notices: %s 催办通知, %s 督办建议 in %s/notices/\n' "$(find "$OUT/notices" -name '催办-*.html' | wc -l)" "$(find "$OUT/notices" -name '督办-*.html' | wc -l)" "$OUT"

step "early warning: replay $WATCH_FROM to $TO every $WATCH_STEP — clusters, watershed, emergencies"
"$BIN" --log-level warn alerts backtest --from "$WATCH_FROM" --to "$TO" --step "$WATCH_STEP" --detectors emergency,cluster,watershed | tee -a "$OUT/alerts.txt"
step "warnings next to the events the simulator injected"
"$BIN" alerts compare --truth "$OUT/simulation/truth.json" --from "$WATCH_FROM" | tee "$OUT/warnings-vs-injected.txt"
printf '预警通知书: %s, 预警续报 (daily digests): %s in %s/notices/\n' "$(find "$OUT/notices" -name '预警-*.html' | wc -l)" \
  "$(find "$OUT/notices" -name '续报-*.html' | wc -l)" "$OUT"

step "watershed warnings and their recipients: the jurisdictions downstream with the water's estimated arrival"
"$BIN" alerts list --kind watershed --recipients | tee "$OUT/watershed-recipients.txt"
arrival=$(grep -l '到达本辖区河段' "$OUT"/notices/*/预警-*.md 2>/dev/null | head -1 || true)
if [ -n "$arrival" ]; then
  printf '\na notice to a jurisdiction downstream (%s):\n' "$arrival"
  grep -E '^(# |## |### |\*\*你辖区|.*：$|抄送)' "$arrival" || true
fi

step "case states as of $TO: every case evaluated → case_states, case_deadlines, merge suggestions (read by the disclosure and the dashboards)"
"$BIN" --log-level warn cases --at "$TO"

LAST=$(date -d "$TO -1 day" +%Y-%m)
QUARTER="${LAST%-*}Q$(( (10#${LAST#*-} - 1) / 3 + 1 ))"
step "quarterly public disclosure $QUARTER of $SCOPE → $OUT/disclosure/"
"$BIN" report --quarter "$QUARTER" --scope "$SCOPE" --out "$OUT/disclosure"

step "leadership dashboards → $OUT/dashboards/"
"$BIN" --log-level warn dashboard --at "${DEMO_DASHBOARD_AT:-$(date -d "$TO -1 day" +%F)T18:00}" --out "$OUT/dashboards" | tee "$OUT/dashboards.txt"

step "accounts for the served dashboards: one per level → $OUT/accounts (passwords in $OUT/demo-passwords.txt)"
export ECOWATCH_SERVE_ACCOUNTS_FILE=$OUT/accounts
PROVINCE=${SCOPE:0:2}0000
CITY=${DEMO_CITY:-${SCOPE:0:2}0100}
: >"$OUT/demo-passwords.txt" && chmod 600 "$OUT/demo-passwords.txt"
for account in "mee.demo nation 生态环境部（演示）" "province.demo $PROVINCE 省级生态环境厅（演示）" "city.demo $CITY 市级生态环境局（演示）"; do
  read -r login jurisdiction name <<<"$account"
  password=$(head -c 15 /dev/urandom | base64 | tr '+/' '-_')
  printf '%s\n' "$password" | "$BIN" user add --login "$login" --jurisdiction "$jurisdiction" --name "$name"
  printf '%-14s %-7s %s\n' "$login" "$jurisdiction" "$password" >>"$OUT/demo-passwords.txt"
done

printf '\nOutputs are in %s/ (simulation truth, ingest log, summary, notices, disclosure, dashboards).\n' "$OUT"
cat <<EOF

To open the dashboards in a browser (signed in, each account sees its jurisdiction; every access
goes to the access_audit table of $DB):

  ECOWATCH_CLICKHOUSE_DATABASE=$DB ECOWATCH_SERVE_ACCOUNTS_FILE=$OUT/accounts \\
    $BIN serve --dir $OUT/dashboards --public $OUT/disclosure

then open http://127.0.0.1:8080/ (the quarterly disclosure, public: http://127.0.0.1:8080/public/).
Logins and passwords (ministry, province $PROVINCE, city $CITY): $OUT/demo-passwords.txt
EOF
