#!/usr/bin/env python3
"""Runs the reference features as DuckDB SQL (benches/features_duckdb.sql) over a radar store.

    python3 benches/features_duckdb.py --store DIR --as-of YYYY-MM-DD --out DIR

writes DIR/student_week.csv and DIR/student_term.csv (a header row, null = empty cell,
dates YYYY-MM-DD, rows sorted by key); `--compare-dir OTHER` then compares them cell by cell
with OTHER's CSVs of the same names (numbers as numbers, relative tolerance 1e-9).
`--scenarios pipelines/tests` instead runs the hand-checked scenarios (each ingested with
radar into a scratch store) and compares with their expected rows.: an implementation of /work/shared/spec/features.md
that shares no code with radar, used as an independent check of `radar refresh` and as the
competitor of benches/refresh_bench.py.

The store's Delta tables are read through their current Parquet files
(`deltalake.DeltaTable(path).file_uris()`); a record kind the store does not hold becomes
an empty view with the contract's columns. The SQL's `{{as_of}}` and `{{tz}}` are
substituted textually.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SQL_PATH = HERE / "features_duckdb.sql"

TS = "TIMESTAMPTZ"
# The record kinds the SQL reads, with the contract's columns in the store's types
# (interfaces.md: timestamps as UTC instants, money DECIMAL(18,2), other non-integer
# numbers DOUBLE, counts BIGINT, dates DATE, ids and enums VARCHAR).
KINDS: dict[str, list[tuple[str, str]]] = {
    "students": [("student_id", "VARCHAR"), ("name", "VARCHAR"), ("gender", "VARCHAR"),
                 ("college", "VARCHAR"), ("major", "VARCHAR"), ("class_id", "VARCHAR"),
                 ("cohort", "BIGINT"), ("degree_level", "VARCHAR"), ("dorm_building", "VARCHAR"),
                 ("dorm_floor", "BIGINT"), ("dorm_room", "VARCHAR"), ("counsellor_id", "VARCHAR"),
                 ("mentor_id", "VARCHAR"), ("political_status", "VARCHAR"),
                 ("hometown_province", "VARCHAR"), ("financial_aid_level", "VARCHAR"),
                 ("status", "VARCHAR")],
    "courses": [("course_id", "VARCHAR"), ("course_name", "VARCHAR"), ("credits", "DOUBLE"),
                ("category", "VARCHAR"), ("college", "VARCHAR")],
    "activities": [("activity_id", "VARCHAR"), ("title", "VARCHAR"), ("category", "VARCHAR"),
                   ("dimension", "VARCHAR"), ("organiser", "VARCHAR"), ("start_ts", TS),
                   ("end_ts", TS), ("location", "VARCHAR")],
    "card_transactions": [("txn_id", "VARCHAR"), ("student_id", "VARCHAR"), ("ts", TS),
                          ("amount", "DECIMAL(18,2)"), ("kind", "VARCHAR"),
                          ("merchant_category", "VARCHAR"), ("merchant_id", "VARCHAR"),
                          ("location", "VARCHAR")],
    "access_events": [("event_id", "VARCHAR"), ("student_id", "VARCHAR"), ("ts", TS),
                      ("place_type", "VARCHAR"), ("place_id", "VARCHAR"), ("direction", "VARCHAR")],
    "network_sessions": [("session_id", "VARCHAR"), ("student_id", "VARCHAR"), ("start_ts", TS),
                         ("end_ts", TS), ("bytes_in", "BIGINT"), ("bytes_out", "BIGINT")],
    "library_loans": [("loan_id", "VARCHAR"), ("student_id", "VARCHAR"), ("book_id", "VARCHAR"),
                      ("clc_class", "VARCHAR"), ("borrowed_at", TS), ("due_at", TS),
                      ("returned_at", TS)],
    "attendance": [("record_id", "VARCHAR"), ("student_id", "VARCHAR"), ("course_id", "VARCHAR"),
                   ("session_ts", TS), ("status", "VARCHAR")],
    "learning_events": [("event_id", "VARCHAR"), ("student_id", "VARCHAR"), ("course_id", "VARCHAR"),
                        ("ts", TS), ("activity_type", "VARCHAR"), ("clicks", "BIGINT")],
    "coursework": [("record_id", "VARCHAR"), ("student_id", "VARCHAR"), ("course_id", "VARCHAR"),
                   ("term", "VARCHAR"), ("item", "VARCHAR"), ("weight", "DOUBLE"), ("due_at", TS),
                   ("submitted_at", TS), ("score", "DOUBLE")],
    "grades": [("student_id", "VARCHAR"), ("course_id", "VARCHAR"), ("term", "VARCHAR"),
               ("attempt", "BIGINT"), ("score", "DOUBLE"), ("status", "VARCHAR"),
               ("recorded_at", "DATE")],
    "participation": [("participation_id", "VARCHAR"), ("student_id", "VARCHAR"),
                      ("activity_id", "VARCHAR"), ("role", "VARCHAR"), ("hours", "DOUBLE"),
                      ("verified", "BOOLEAN")],
    "process_records": [("record_id", "VARCHAR"), ("student_id", "VARCHAR"), ("staff_id", "VARCHAR"),
                        ("ts", TS), ("kind", "VARCHAR"), ("duration_min", "BIGINT"),
                        ("summary", "VARCHAR"), ("follow_up", "BOOLEAN")],
    "assessments": [("assessment_id", "VARCHAR"), ("student_id", "VARCHAR"), ("ts", TS),
                    ("kind", "VARCHAR"), ("score", "DOUBLE"), ("level", "VARCHAR")],
    "awards": [("record_id", "VARCHAR"), ("student_id", "VARCHAR"), ("ts", "DATE"),
               ("kind", "VARCHAR"), ("level", "VARCHAR"), ("title", "VARCHAR")],
}

OUTPUTS = {
    "student_week": ("student_id, week_start, meals, breakfast_days, canteen_spend, total_spend, "
                     "meal_time_entropy, late_returns, library_visits, online_hours, "
                     "night_online_hours, attendance_rate, activity_hours, no_trace_days",
                     "student_id, week_start"),
    "student_term": ("student_id, term, attempted_credits, failed_credits, gpa, gpa_rank_pct",
                     "student_id, term"),
}

# DuckDB's names for the types above, to check what the store really holds.
_DUCK_NAMES = {"TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE"}


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def delta_files(table_dir: Path) -> list[str] | None:
    """The current Parquet files of a Delta table, or None when the store has no such table."""
    if not (table_dir / "_delta_log").is_dir():
        return None
    from deltalake import DeltaTable
    uris = DeltaTable(str(table_dir)).file_uris()
    return [u[len("file://"):] if u.startswith("file://") else u for u in uris]


def attach_store(con, store: str | os.PathLike) -> dict[str, int]:
    """Creates one view per record kind over the store's Parquet files; returns the number
    of data files per kind (0 = the store does not hold the kind: an empty typed view)."""
    store = Path(store)
    if not store.is_dir():
        raise SystemExit(f"features_duckdb: no store at {store}")
    files_per_kind = {}
    for kind, cols in KINDS.items():
        files = delta_files(store / kind)
        if files:
            sel = ", ".join(c for c, _ in cols)
            con.execute(f"CREATE OR REPLACE VIEW {kind} AS SELECT {sel} FROM read_parquet("
                        f"[{', '.join(map(_q, files))}], union_by_name = true)")
            got = {r[0]: r[1] for r in con.execute(f"DESCRIBE {kind}").fetchall()}
            for c, t in cols:
                want = _DUCK_NAMES.get(t, t)
                if got[c] != want and not (want == "VARCHAR" and got[c] == "VARCHAR"):
                    raise SystemExit(f"features_duckdb: {kind}.{c} is {got[c]} in the store, "
                                     f"expected {want}")
        else:
            sel = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in cols)
            con.execute(f"CREATE OR REPLACE VIEW {kind} AS SELECT {sel} WHERE false")
        files_per_kind[kind] = len(files or [])
    return files_per_kind


def fixed_offset_us(tz: str) -> int | None:
    """The zone's UTC offset in microseconds when it is the same on every day from 1992 to
    2100 (no daylight saving time in that range, e.g. Asia/Shanghai), else None."""
    import datetime as dt
    from zoneinfo import ZoneInfo
    zone = ZoneInfo(tz)
    t = dt.datetime(1992, 1, 1, 12, tzinfo=dt.timezone.utc)
    first = t.astimezone(zone).utcoffset()
    while t.year < 2100:
        if t.astimezone(zone).utcoffset() != first:
            return None
        t += dt.timedelta(days=1)
    return int(first.total_seconds()) * 1_000_000


ICU_LOC = "CREATE OR REPLACE TEMP MACRO loc(t) AS timezone('{{tz}}', t);"
ICU_INST = "CREATE OR REPLACE TEMP MACRO inst(t) AS timezone('{{tz}}', t);"


def feature_sql(as_of: str, tz: str = "Asia/Shanghai", sql_path: Path = SQL_PATH,
                zone: str = "auto") -> str:
    """The SQL with its parameters substituted. zone: `icu` keeps ICU's zone conversions;
    `auto` swaps in fixed-offset arithmetic when the zone's offset is constant."""
    sql = sql_path.read_text()
    off = fixed_offset_us(tz) if zone == "auto" else None
    if off is not None:
        assert ICU_LOC in sql and ICU_INST in sql, "features_duckdb.sql: loc/inst macros changed"
        sql = sql.replace(ICU_LOC, f"CREATE OR REPLACE TEMP MACRO loc(t) AS make_timestamp(epoch_us(t) + ({off}));")
        sql = sql.replace(ICU_INST, f"CREATE OR REPLACE TEMP MACRO inst(t) AS make_timestamptz(epoch_us(t) - ({off}));")
    return sql.replace("{{as_of}}", as_of).replace("{{tz}}", tz)


def run_features(con, as_of: str, tz: str = "Asia/Shanghai", zone: str = "auto") -> None:
    """Creates the tables student_week and student_term."""
    con.execute(feature_sql(as_of, tz, zone=zone))


def write_outputs(con, out: Path, fmt: str = "csv") -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    rows = {}
    for table, (cols, key) in OUTPUTS.items():
        path = out / f"{table}.{fmt}"
        opts = "HEADER, DELIMITER ','" if fmt == "csv" else "FORMAT parquet"
        con.execute(f"COPY (SELECT {cols} FROM {table} ORDER BY {key}) TO {_q(str(path))} ({opts})")
        rows[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return rows


def _cell_equal(a: str, b: str, rel: float = 1e-9, abs_tol: float = 1e-9) -> bool:
    """Empty = null; numbers compare as numbers (relative tolerance 1e-9); else as text."""
    if a == b:
        return True
    if a == "" or b == "":
        return False
    try:
        x, y = float(a), float(b)
    except ValueError:
        return a.lower() == b.lower() and a.lower() in ("true", "false")
    return abs(x - y) <= max(rel * max(abs(x), abs(y)), abs_tol)


def compare_csv(expected: Path, actual: Path, key: list[str], limit: int = 50) -> list[str]:
    """Cell-by-cell comparison of two feature CSVs on the columns of `expected`."""
    import csv
    def load(path):
        with open(path, newline="", encoding="utf-8") as f:
            r = csv.DictReader(f)
            return r.fieldnames or [], {tuple(row[k] for k in key): row for row in r}
    cols, exp = load(expected)
    acols, act = load(actual)
    problems = [f"{actual.name}: column {c} missing" for c in cols if c not in acols]
    if problems:
        return problems
    for k in sorted(exp.keys() - act.keys())[:limit]:
        problems.append(f"{actual.name}: row {k} missing")
    for k in sorted(act.keys() - exp.keys())[:limit]:
        problems.append(f"{actual.name}: extra row {k}")
    for k in sorted(exp.keys() & act.keys()):
        for c in cols:
            if not _cell_equal(exp[k][c], act[k][c]):
                problems.append(f"{actual.name}: {k} {c}: expected {exp[k][c]!r}, got {act[k][c]!r}")
                if len(problems) >= limit:
                    return problems
    return problems


def compare_dirs(expected_dir: Path, actual_dir: Path) -> list[str]:
    """Compares student_week.csv and student_term.csv of two directories."""
    problems = []
    for table, (_, key) in OUTPUTS.items():
        e, a = Path(expected_dir) / f"{table}.csv", Path(actual_dir) / f"{table}.csv"
        if not a.exists():
            problems.append(f"{a} missing")
            continue
        problems += compare_csv(e, a, [k.strip() for k in key.split(",")])
    return problems


def run_scenarios(directory: Path, radar: str) -> int:
    """Runs the hand-checked scenarios (pipelines/tests/*.toml: inputs as CSV text, as_of,
    optional tz / ingest_now, the expected rows of one table on some of its columns):
    ingests each with `radar` into a scratch store, runs the SQL, compares. Returns the
    number of failed scenarios."""
    import datetime as dt
    import shutil
    import subprocess
    import tempfile
    import tomllib
    import duckdb
    failed = 0
    for f in sorted(Path(directory).glob("*.toml")):
        sc = tomllib.loads(f.read_text())
        tz = sc.get("tz", "Asia/Shanghai")
        as_of = str(sc["as_of"])
        now = str(sc.get("ingest_now", (dt.date.fromisoformat(as_of) + dt.timedelta(days=30)).isoformat()))
        tmp = Path(tempfile.mkdtemp(prefix="features-duckdb-"))
        try:
            (tmp / "in").mkdir()
            for kind, text in sc["inputs"].items():
                (tmp / "in" / f"{kind}.csv").write_text(text.lstrip("\n"))
            r = subprocess.run([radar, "--store", str(tmp / "store"), "--tz", tz, "--now", now, "-q",
                                "ingest", str(tmp / "in")], capture_output=True, text=True)
            if r.returncode != 0:
                print(f"note {f.name}: radar ingest exit {r.returncode}: {r.stderr.strip()[:200]}")
            con = duckdb.connect()
            attach_store(con, tmp / "store")
            run_features(con, as_of, tz)
            write_outputs(con, tmp / "out")
            (tmp / "expected.csv").write_text(sc["expected"].lstrip("\n"))
            problems = compare_csv(tmp / "expected.csv", tmp / "out" / f"{sc['table']}.csv", list(sc["key"]))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        print(("ok   " if not problems else "FAIL ") + f.name)
        for line in problems[:10]:
            print("     " + line)
        failed += bool(problems)
    return failed


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--store", help="radar store directory")
    p.add_argument("--as-of", help="as-of date D (YYYY-MM-DD)")
    p.add_argument("--out", help="output directory")
    p.add_argument("--scenarios", metavar="DIR",
                   help="instead: run the hand-checked scenarios DIR/*.toml (e.g. pipelines/tests), "
                        "each ingested with radar into a scratch store; exit 1 if any fails")
    p.add_argument("--radar", default=os.path.join(os.environ.get("CARGO_TARGET_DIR") or
                                                   os.path.expanduser("~/.cache/campus-radar/target"),
                                                   "release", "radar"),
                   help="radar binary, for --scenarios (default $CARGO_TARGET_DIR/release/radar)")
    p.add_argument("--tz", default=os.environ.get("RADAR_TZ", "Asia/Shanghai"), help="campus time zone")
    p.add_argument("--format", choices=["csv", "parquet"], default="csv")
    p.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: DuckDB's)")
    p.add_argument("--zone", choices=["auto", "icu"], default="auto",
                   help="local-time conversion: ICU (any zone), or auto = fixed-offset arithmetic "
                        "when the zone's UTC offset is constant from 1992 to 2100 (default auto)")
    p.add_argument("--compare-dir", default=None,
                   help="a directory with student_week.csv / student_term.csv (e.g. radar's) to "
                        "compare with ours cell by cell; exit 1 on any difference")
    args = p.parse_args(argv)
    if args.scenarios:
        failed = run_scenarios(Path(args.scenarios), args.radar)
        print(f"features_duckdb: {failed} scenario(s) failed", file=sys.stderr)
        return 1 if failed else 0
    if not (args.store and args.as_of and args.out):
        p.error("give --store, --as-of and --out (or --scenarios DIR)")
    import datetime as _dt
    try:
        _dt.date.fromisoformat(args.as_of)
    except ValueError:
        p.error(f"--as-of must be YYYY-MM-DD, got {args.as_of!r}")
    import duckdb
    con = duckdb.connect()
    if args.threads:
        con.execute(f"SET threads = {args.threads}")
    attach_store(con, args.store)
    t0 = time.perf_counter()
    run_features(con, args.as_of, args.tz, args.zone)
    secs = time.perf_counter() - t0
    rows = write_outputs(con, Path(args.out), args.format)
    print(f"features_duckdb: as of {args.as_of}: student_week {rows['student_week']} rows, "
          f"student_term {rows['student_term']} rows ({secs:.2f} s) -> {args.out}", file=sys.stderr)
    if args.compare_dir:
        if args.format != "csv":
            p.error("--compare-dir needs --format csv")
        problems = compare_dirs(Path(args.out), Path(args.compare_dir))
        for line in problems:
            print(line)
        print(f"features_duckdb: {'no differences' if not problems else f'{len(problems)} difference(s)'} "
              f"with {args.compare_dir}", file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
