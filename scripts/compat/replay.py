"""Replays what ecowatch sent to the local ClickHouse 18.16 on a current ClickHouse engine.

The statements are those that ecowatch's driver (clickhouse-go) sent to the local server, read
from the server's system.query_log (the local server logs every query: deploy/local/services.sh):
every distinct statement logged since --run-since (the short run that scripts/compat.sh makes),
and one statement of each shape (literals masked) of those logged between --since and
--run-since (the integration suite, under `make test`). The data is the short run's database,
copied table by table in Native format into chdb-core's in-process engine, whose schema is the
one ecowatch creates on a server of that version (`ecowatch migrate --print 26.9`). Merges are
stopped on both sides while the check runs, so both hold the same rows, duplicates and versions
included. The integration suite's statements thus run over the short run's data, not their own
(dropped with each test's database): they prove that those statements run on the current
engine and agree there on this data.

Then:
  - DDL statements run on the current engine (in a scratch database) and must succeed;
  - INSERT statements (the driver sends "INSERT INTO t (columns) FORMAT Native" and the rows
    apart) must name columns that the current schema has, with types the rows convert to:
    they run as "INSERT INTO t (columns) SELECT columns FROM t LIMIT 0"; a test's
    "INSERT INTO t (columns) SELECT …" of its own fixture rows runs with its SELECT under LIMIT 0;
  - every SELECT runs on both engines over the same data; it must succeed on the current one
    and return the same rows (as a multiset). The only differences set aside are those in the
    reviewed list (formatting.tsv beside this file). Rows that come in another order are not a
    failure (ties of an ORDER BY are unspecified in ClickHouse, and ecowatch sorts again where
    order matters, e.g. store.dedupEvents); the report lists those statements.

Exit status 0 when every statement passes, 1 otherwise; 2 on a setup error. The last line is
"compat: N passed, M failed". Details of every failure go to --report.
"""

import argparse
import json
import os
import re
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


class SetupError(Exception):
    pass


# ------------------------------------------------------------------ ClickHouse 18.16 over HTTP

class Server:
    def __init__(self, url, database):
        self.url = url.rstrip("/") + "/"
        self.database = database

    def raw(self, query, database=None, timeout=300):
        params = {"database": database or self.database}
        req = urllib.request.Request(self.url + "?" + urllib.parse.urlencode(params),
                                     data=query.encode("utf-8"), method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.read()
        except urllib.error.HTTPError as e:
            raise RuntimeError(e.read().decode("utf-8", "replace").strip()) from None

    def text(self, query, database=None):
        # A column of sealed bytes is not UTF-8: both engines' results are read alike, an
        # invalid byte as \xNN, so that they compare byte for byte and print.
        return self.raw(query, database).decode("utf-8", "backslashreplace")

    def rows(self, query, database="system"):
        out = self.text(query + " FORMAT JSONEachRow", database)
        return [json.loads(line) for line in out.splitlines() if line.strip()]


def quote(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


# ------------------------------------------------------------------ the reviewed list

class Entry:
    def __init__(self, ident, kind, arg, reason):
        self.id, self.kind, self.arg, self.reason = ident, kind, arg, reason
        self.used = 0
        if kind == "value":
            a, sep, b = arg.partition(" => ")
            if not sep:
                raise SetupError(f"formatting entry {ident}: a value entry reads 'A => B'")
            self.a, self.b = a, b
        elif kind not in ("array-order", "statement"):
            raise SetupError(f"formatting entry {ident}: unknown kind {kind!r} (accepted: value, array-order, statement)")
        if not reason.strip():
            raise SetupError(f"formatting entry {ident}: the reason is empty")

    def applies(self, sql):
        if self.kind == "array-order":
            return re.search(r"\b" + re.escape(self.arg) + r"\s*\(", sql) is not None
        if self.kind == "statement":
            return sql.strip() == self.arg
        return True


def load_entries(path):
    entries = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 4:
                raise SetupError(f"{path}:{n}: want 4 tab-separated columns (id, kind, argument, reason), got {len(parts)}")
            entries.append(Entry(*parts))
    return entries


def split_array(field):
    """The top-level elements of a TSV array field such as ['a','b'] or [[1,2],[3]]."""
    inner = field[1:-1]
    out, depth, quoted, cur, i = [], 0, False, [], 0
    while i < len(inner):
        c = inner[i]
        if quoted:
            cur.append(c)
            if c == "\\" and i + 1 < len(inner):
                cur.append(inner[i + 1])
                i += 1
            elif c == "'":
                quoted = False
        elif c == "'":
            quoted = True
            cur.append(c)
        elif c in "[(":
            depth += 1
            cur.append(c)
        elif c in "])":
            depth -= 1
            cur.append(c)
        elif c == "," and depth == 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    if cur or out:
        out.append("".join(cur))
    return out


def normalise(rows, entry):
    """rows with one entry applied."""
    out = []
    for row in rows:
        fields = row.split("\t")
        for i, f in enumerate(fields):
            if entry.kind == "value":
                if f == entry.a:
                    fields[i] = entry.b
                elif f.startswith("[") and "'" + entry.a + "'" in f:
                    fields[i] = f.replace("'" + entry.a + "'", "'" + entry.b + "'")
            elif entry.kind == "array-order" and f.startswith("[") and f.endswith("]"):
                fields[i] = "[" + ",".join(sorted(split_array(f))) + "]"
        out.append("\t".join(fields))
    return out


# ------------------------------------------------------------------ statements

TEST_DATABASE = re.compile(r"\becowatch_test_\w+\.")


def scratch(ddl):
    """A DDL statement aimed at the scratch database: the integration tests name their own
    database (ecowatch_test_…) where they alter a table in place, whereas the migrations create
    tables unqualified in whatever database the connection uses."""
    return TEST_DATABASE.sub("", ddl)


def first_keyword(sql):
    m = re.match(r"\s*(\w+)", sql)
    return m.group(1).upper() if m else ""


def top_level_text(sql):
    """The statement's text outside parentheses and string literals."""
    out, depth, quoted, i = [], 0, None, 0
    while i < len(sql):
        c = sql[i]
        if quoted:
            if c == "\\":
                i += 1
            elif c == quoted:
                quoted = None
        elif c in "'`\"":
            quoted = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0:
            out.append(c)
        i += 1
    return "".join(out)


def shape(sql):
    """The statement with its literals masked: statements that differ only in times, ids and
    lists of values have one shape."""
    q = re.sub(r"'(?:[^'\\]|\\.)*'", "?", sql)
    q = re.sub(r"\b\d+(?:\.\d+)?\b", "?", q)
    q = re.sub(r"\?(?:\s*,\s*\?)+", "?…", q)
    return " ".join(q.split())


INSERT = re.compile(r"^\s*INSERT\s+INTO\s+([\w.`]+)\s*\(([^)]*)\)\s*(?:VALUES|FORMAT\s+\w+)?\s*$", re.IGNORECASE | re.DOTALL)
INSERT_SELECT = re.compile(r"^\s*INSERT\s+INTO\s+([\w.`]+)\s*\(([^)]*)\)\s*(SELECT\b.*)$", re.IGNORECASE | re.DOTALL)


def lines(text):
    return text.split("\n")[:-1] if text.endswith("\n") else (text.split("\n") if text else [])


def shorten(sql, n=12):
    ls = [l for l in sql.strip().split("\n")]
    return "\n".join(ls[:n]) + (f"\n    … ({len(ls) - n} more lines)" if len(ls) > n else "")


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--http", required=True, help="the 18.16 server's HTTP address, e.g. http://127.0.0.1:8123")
    ap.add_argument("--database", required=True, help="the short run's database, whose data both engines query")
    ap.add_argument("--run-since", required=True, type=int, help="Unix time the short run started: every distinct statement from then on")
    ap.add_argument("--since", type=int, help="Unix time the capture started (before --run-since): one statement per shape from then to --run-since")
    ap.add_argument("--phase", action="append", default=[], metavar="NAME=START-END",
                    help="Unix times of a step of the short run: its statements are counted apart and must exist")
    ap.add_argument("--schema", required=True, help="file with the schema statements for the current engine (ecowatch migrate --print)")
    ap.add_argument("--formatting", required=True, help="the reviewed list of formatting differences")
    ap.add_argument("--work", required=True, help="scratch folder (recreated)")
    ap.add_argument("--report", required=True, help="file for the details of every failure")
    args = ap.parse_args()
    since = args.since if args.since is not None else args.run_since
    phases = []
    for p in args.phase:
        m = re.fullmatch(r"([\w-]+)=(\d+)-(\d+)", p)
        if not m:
            raise SetupError(f"--phase {p!r}: want NAME=START-END (Unix times)")
        phases.append((m.group(1), int(m.group(2)), int(m.group(3))))

    started = time.monotonic()
    import chdb
    from chdb import session as chsession
    import importlib.metadata

    entries = load_entries(args.formatting)
    server = Server(args.http, args.database)
    try:
        old_version = server.text("SELECT version()").strip()
    except (OSError, RuntimeError) as e:
        raise SetupError(f"the local ClickHouse does not answer over HTTP at {args.http}: {e}")
    if not server.rows("SELECT name FROM system.tables WHERE database = 'system' AND name = 'query_log'"):
        raise SetupError("the local ClickHouse has no system.query_log: it was started by an older "
                         "deploy/local/services.sh; run `make services` again (it restarts it with query logging)")
    if not server.rows(f"SELECT name FROM system.databases WHERE name = {quote(args.database)}"):
        raise SetupError(f"the local ClickHouse has no database {args.database}: the short run did not happen")

    # 1. the statements
    server.raw("SYSTEM FLUSH LOGS", "system")
    logged = server.rows(f"""
        SELECT query, toUInt32(min(event_time)) AS first, toUInt32(max(event_time)) AS last FROM system.query_log
        WHERE event_time >= toDateTime({since}) AND type = 2 AND is_initial_query
            AND client_name LIKE 'clickhouse-go/%'
        GROUP BY query""")
    failed_on_old = server.rows(f"""
        SELECT uniqExact(query) AS n FROM system.query_log
        WHERE event_time >= toDateTime({since}) AND type IN (3, 4) AND client_name LIKE 'clickhouse-go/%'""")[0]["n"]
    run = [r for r in logged if r["last"] >= args.run_since]
    if not run:
        raise SetupError(f"no statement of ecowatch was logged since {time.strftime('%F %T', time.localtime(args.run_since))}; "
                         "is log_queries on (deploy/local/services.sh writes it)?")
    statements = {r["query"] for r in run}
    shapes = {shape(q) for q in statements}
    earlier = 0
    for r in sorted(logged, key=lambda r: r["query"]):
        if r["last"] < args.run_since:
            earlier += 1
            sh = shape(r["query"])
            if sh not in shapes:
                shapes.add(sh)
                statements.add(r["query"])
    in_phase = {name: {r["query"] for r in server.rows(f"""
        SELECT DISTINCT query FROM system.query_log
        WHERE event_time >= toDateTime({start}) AND event_time <= toDateTime({end}) AND type = 2 AND is_initial_query
            AND client_name LIKE 'clickhouse-go/%'""")} for name, start, end in phases}
    first_seen = {r["query"]: r["first"] for r in logged}
    selects, inserts, ddl = [], [], []
    for q in statements:
        kw = first_keyword(q)
        if kw in ("SELECT", "WITH"):
            selects.append(q)
        elif kw == "INSERT":
            inserts.append(q)
        else:
            ddl.append(q)
    selects.sort()
    inserts.sort()
    # CREATE DATABASE before the tables, DROP last, each group in the order the server first saw
    # its statements (a table is created before it is altered or renamed, and renamed back after);
    # within one second (the log's resolution: a migration run creates and alters in the same
    # second) a CREATE goes first
    ddl.sort(key=lambda q: (0 if re.match(r"\s*CREATE\s+DATABASE", q, re.I) else 2 if first_keyword(q) == "DROP" else 1,
                            first_seen[q], 0 if first_keyword(q) == "CREATE" else 1, q))

    # 2. freeze and copy the data
    if os.path.isdir(args.work):
        shutil.rmtree(args.work)
    os.makedirs(args.work)
    tables = server.rows(f"SELECT name, engine FROM system.tables WHERE database = {quote(args.database)} ORDER BY name")
    data_tables = [t["name"] for t in tables if t["engine"].endswith("MergeTree")]
    failures, reordered = [], []
    passed = set()
    try:
        for t in data_tables:
            server.raw(f"SYSTEM STOP MERGES {args.database}.{t}", "system")
        counts = {}
        for t in data_tables:
            path = os.path.join(args.work, t + ".native")
            with open(path, "wb") as f:
                f.write(server.raw(f"SELECT * FROM {args.database}.{t} FORMAT Native"))
            counts[t] = int(server.text(f"SELECT count() FROM {args.database}.{t}").strip())

        sess = chsession.Session(os.path.join(args.work, "chdb"))
        new_version = sess.query("SELECT version()", "TSV").bytes().decode().strip()

        # 3. DDL in a scratch database (before the copy: a replayed DROP cannot touch it)
        sess.query("CREATE DATABASE IF NOT EXISTS compat_ddl")
        sess.query("USE compat_ddl")
        for q in ddl:
            try:
                sess.query(scratch(q))
                passed.add(q)
            except Exception as e:  # chdb raises its own exception types
                failures.append(("DDL fails on the current engine", q, str(e).strip()))

        # 4. the copy, under the schema ecowatch creates on the current engine
        sess.query(f"DROP DATABASE IF EXISTS {args.database}")
        sess.query(f"CREATE DATABASE {args.database}")
        sess.query(f"USE {args.database}")
        with open(args.schema, encoding="utf-8") as f:
            schema = [s.strip() for s in f.read().split(";\n\n") if s.strip()]
        for s in schema:
            sess.query(s)
        sess.query("SYSTEM STOP MERGES")
        for t in data_tables:
            path = os.path.join(args.work, t + ".native")
            sess.query(f"INSERT INTO {t} SELECT * FROM file({quote(path)}, 'Native') SETTINGS optimize_on_insert = 0")
            got = int(sess.query(f"SELECT count() FROM {t}", "TSV").bytes().decode().strip())
            if got != counts[t]:
                raise SetupError(f"the copy of {t} holds {got} rows on the current engine, {counts[t]} on 18.16")
        copied = sum(counts.values())

        # 5. inserts: the column lists against the current schema
        for q in inserts:
            m = INSERT.match(q)
            if m:
                table, cols = m.group(1), m.group(2)
                probe = f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {table} LIMIT 0"
            elif (m := INSERT_SELECT.match(q)):
                # a test's own fixture rows: its SELECT must run and convert into the columns
                probe = f"INSERT INTO {m.group(1)} ({m.group(2)}) SELECT * FROM ({m.group(3)}) LIMIT 0"
            else:
                failures.append(("INSERT not understood by the check", q,
                                 "expected INSERT INTO t (columns) FORMAT Native, or INSERT INTO t (columns) SELECT …"))
                continue
            try:
                sess.query(probe)
                passed.add(q)
            except Exception as e:
                failures.append(("INSERT does not fit the current schema", q, str(e).strip()))

        # 6. every SELECT on both engines
        progress = open(os.path.join(args.work, "progress.tsv"), "w", encoding="utf-8")
        for i, q in enumerate(selects):
            t0 = time.monotonic()
            old, old_error = None, None
            try:
                old = lines(server.text(q))
            except RuntimeError as e:
                old_error = str(e)
            t1 = time.monotonic()
            try:
                new = lines(sess.query(q, "TSV").bytes().decode("utf-8", "backslashreplace"))
            except Exception as e:
                failures.append(("SELECT fails on the current engine", q, str(e).strip()))
                continue
            finally:
                progress.write(f"{i}\t{t1 - t0:.3f}\t{time.monotonic() - t1:.3f}\t{' '.join(q.split())[:200]}\n")
                progress.flush()
            if old_error is not None:
                failures.append(("SELECT fails on 18.16 over the copy (cannot be compared)", q, old_error))
                continue
            if sorted(old) == sorted(new):
                passed.add(q)
                if old != new:
                    reordered.append(q)
                continue
            applicable = [e for e in entries if e.applies(q)]
            if any(e.kind == "statement" for e in applicable):
                for e in applicable:
                    if e.kind == "statement":
                        e.used += 1
                passed.add(q)
                continue
            a, b, used = old, new, []
            for e in applicable:
                na, nb = normalise(a, e), normalise(b, e)
                if na != a or nb != b:
                    used.append(e)
                a, b = na, nb
            if sorted(a) == sorted(b):
                for e in used:
                    e.used += 1
                passed.add(q)
                continue
            sa, sb = set(a), set(b)
            only_old = [r for r in a if r not in sb][:5]
            only_new = [r for r in b if r not in sa][:5]
            failures.append(("SELECT returns different rows", q,
                             f"{len(old)} rows on {old_version}, {len(new)} on {new_version}"
                             + "".join(f"\n      only 18.16: {r}" for r in only_old)
                             + "".join(f"\n      only current: {r}" for r in only_new)))
    finally:
        for t in data_tables:
            try:
                server.raw(f"SYSTEM START MERGES {args.database}.{t}", "system")
            except (OSError, RuntimeError):
                pass

    for e in entries:
        if e.used == 0:
            failures.append(("formatting entry excused nothing (remove it from the list)", e.id + "\t" + e.kind + "\t" + e.arg, e.reason))
    for name, qs in in_phase.items():
        if not qs:
            failures.append((f"no statement of the step {name} was captured", name, "the short run's step sent nothing?"))

    with open(args.report, "w", encoding="utf-8") as f:
        for kind, q, detail in failures:
            f.write(f"== {kind}\n{q.strip()}\n-- {detail}\n\n")
        for q in reordered:
            f.write(f"== same rows in another order (not a failure)\n{q.strip()}\n\n")
    print(f"compat: ClickHouse {old_version} (local server) against {new_version} "
          f"(chdb-core {importlib.metadata.version('chdb-core')}, in-process)")
    print(f"compat: data: database {args.database}, {copied} rows in {len(data_tables)} tables copied in Native")
    print(f"compat: statements of ecowatch's driver: {len(run)} distinct from the short run"
          + (f", {len(statements) - len(run)} shapes of {earlier} distinct from before it (the integration suite)" if args.since is not None else "")
          + f"; replayed {len(selects)} SELECT, {len(inserts)} INSERT, {len(ddl)} DDL"
          + f"; {failed_on_old} had failed on 18.16 itself and are not replayed")
    for name, qs in in_phase.items():
        print(f"compat: step {name}: {len(qs)} statements, {len(qs & passed)} passed")
    print("compat: formatting differences set aside (" + os.path.basename(args.formatting) + "): "
          + ", ".join(f"{e.id} in {e.used} statements" for e in entries))
    print(f"compat: same rows in another order (not a failure): {len(reordered)} statements")
    for kind, q, detail in failures[:20]:
        print(f"\nFAIL {kind}:\n    " + shorten(q).replace("\n", "\n    ") + f"\n  -- {detail[:2000]}")
    if len(failures) > 20:
        print(f"\n… and {len(failures) - 20} more failures")
    print(f"compat: every failure in full, and the reordered statements: {args.report}")
    print(f"compat: replay took {time.monotonic() - started:.0f}s")
    print(f"compat: {len(passed)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SetupError as e:
        print(f"compat: ERROR: {e}", file=sys.stderr)
        sys.exit(2)
