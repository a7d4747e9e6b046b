#!/usr/bin/env bash
# Installs the current ClickHouse engine that the compatibility check replays the product's
# statements on: the in-process ClickHouse of the PyPI package chdb-core (pinned below), in a
# virtual environment under $ECOWATCH_LOCAL (default .local/ in the repository, git-ignored).
# No ClickHouse server newer than Debian's 18.16 can be installed on this kind of machine;
# chdb-core embeds a current engine (26.9) that runs SQL in-process (no port, no wire protocol).
#
#   deploy/local/chdb.sh          install if missing (idempotent), print the venv's python
#   deploy/local/chdb.sh python   print the venv's python (fails when not installed)
#
# Needs only python3 with pip and PyPI. Where python3 lacks the venv module's pip (Debian's
# python3 without python3-venv), the venv is made without pip and filled by the outer pip.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LOCAL=${ECOWATCH_LOCAL:-$ROOT/.local}
VENV=$LOCAL/chdb/venv
PY=$VENV/bin/python
# The engine the check proves: chdb-core 26.9.0 embeds ClickHouse 26.9.
CHDB_CORE_VERSION=26.9.0

log() { printf '[chdb] %s\n' "$*" >&2; }
die() { printf '[chdb] ERROR: %s\n' "$*" >&2; exit 1; }

installed() {
  [ -x "$PY" ] && "$PY" - "$CHDB_CORE_VERSION" <<'PY' 2>/dev/null
import sys, importlib.metadata as m
import chdb  # noqa: F401  (the import itself proves the engine loads)
sys.exit(0 if m.version("chdb-core") == sys.argv[1] else 1)
PY
}

case ${1:-install} in
  python)
    installed || die "chdb-core $CHDB_CORE_VERSION is not installed in $VENV (run deploy/local/chdb.sh)"
    echo "$PY"; exit 0 ;;
  install) ;;
  *) die "unknown command '$1' (accepted: install, python)" ;;
esac

if installed; then echo "$PY"; exit 0; fi
command -v python3 >/dev/null || die "no python3 on PATH: the compatibility check needs python3 with pip"
log "installing chdb-core $CHDB_CORE_VERSION (ClickHouse 26.9 in-process) from PyPI into $VENV"
rm -rf "$VENV"
mkdir -p "$(dirname "$VENV")"
if python3 -m venv "$VENV" 2>/dev/null && [ -x "$VENV/bin/pip" ]; then
  "$PY" -m pip install -q --disable-pip-version-check "chdb-core==$CHDB_CORE_VERSION" \
    >"$LOCAL/chdb/install.log" 2>&1 || { tail -n 20 "$LOCAL/chdb/install.log" >&2; die "pip install chdb-core failed (log: $LOCAL/chdb/install.log)"; }
else
  rm -rf "$VENV"
  python3 -m venv --without-pip "$VENV" || die "python3 -m venv failed"
  python3 -m pip --python "$PY" install -q --disable-pip-version-check "chdb-core==$CHDB_CORE_VERSION" \
    >"$LOCAL/chdb/install.log" 2>&1 || { tail -n 20 "$LOCAL/chdb/install.log" >&2; die "pip install chdb-core failed (log: $LOCAL/chdb/install.log)"; }
fi
installed || die "chdb-core $CHDB_CORE_VERSION was installed but does not load (log: $LOCAL/chdb/install.log)"
log "chdb-core $CHDB_CORE_VERSION ready"
echo "$PY"
