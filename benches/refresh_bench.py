#!/usr/bin/env python3
"""Refresh benchmark: `radar refresh` (full and incremental) vs DuckDB running the reference
features as SQL (benches/features_duckdb.sql) over the same store.

For each campus size N (default 3,000 and 30,000 students) × W weeks (default 20):

  data        `radar generate --students N --weeks W --seed S` (cached), split so that the
              last day's event rows (LASTDAY = the day before the printed `--now`) are
              held back: part1 = dimensions + every event row of an earlier (or later)
              local date, part2 = the event rows of LASTDAY
  base store  `radar --store BASE --now T ingest part1` (rebuilt every run of the harness)
  per run     copy BASE, then
                radar full         `radar --store S --now T refresh --as-of LASTDAY --full`
                radar ingest       `radar --store S --now T ingest part2`
                radar incremental  `radar --store S --now T refresh --as-of LASTDAY+1`
              and, in a fresh Python process each,
                duckdb full        features_duckdb.sql as of LASTDAY over BASE's Parquet
                duckdb LASTDAY+1   the same as of LASTDAY+1 over BASE + part2 (DuckDB has
                                   no incremental mode: it recomputes everything)
              each materialising student_week and student_term as Parquet files.

Every measured command runs under a small Python wrapper process that pins the CPUs and
takes the wall time and `getrusage(RUSAGE_CHILDREN).ru_maxrss` (the peak RSS of that
command alone). Medians over --runs; the markdown table goes to stdout and to
benches/results-refresh.md. With the check on (default, first run only), radar's
student_week / student_term after each refresh are compared cell by cell with DuckDB's.
See benches/README.md.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import features_duckdb as fd  # noqa: E402  (benches/features_duckdb.py)

DIMENSIONS = ("students", "staff", "courses", "activities")
# The event-time column each event kind is split on (its local date = LASTDAY -> part2).
# Participation has no time of its own: it goes with its activity's start_ts.
# Coursework (upserted) goes by submitted_at; unsubmitted items stay in part1.
SPLIT_COLUMN = {
    "card_transactions": "ts",
    "access_events": "ts",
    "network_sessions": "start_ts",
    "library_loans": "borrowed_at",
    "attendance": "session_ts",
    "learning_events": "ts",
    "coursework": "submitted_at",
    "grades": "recorded_at",      # a date
    "process_records": "ts",
    "assessments": "ts",
    "awards": "ts",               # a date
    "participation": None,        # by activities.start_ts
}
DATE_COLUMNS = {("grades", "recorded_at"), ("awards", "ts")}
# Bump when the split changes: cached parts with another version are rebuilt.
SPLIT_VERSION = 1

# --------------------------------------------------------------------------------------
# Measuring (as in ingest_vs_duckdb.py): every measured command runs as the only child of
# a fresh wrapper process, so RUSAGE_CHILDREN.ru_maxrss is that command's peak RSS.
# --------------------------------------------------------------------------------------

WRAPPER = r"""
import json, os, resource, subprocess, sys, time
cpus, out_path, err_path, cwd = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
cmd = sys.argv[5:]
if cpus:
    os.sched_setaffinity(0, {int(c) for c in cpus.split(",")})
with open(out_path, "wb") as out, open(err_path, "wb") as err:
    t0 = time.perf_counter()
    rc = subprocess.call(cmd, stdout=out, stderr=err, cwd=cwd or None)
    wall = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "wall": wall, "maxrss_kib": ru.ru_maxrss,
                  "user": ru.ru_utime, "sys": ru.ru_stime}))
"""

# DuckDB side, in a fresh process: views over the store's Delta tables (their current
# Parquet files), the feature SQL, both tables written as Parquet. Timed from before the
# Delta logs are read to after the Parquet files are written; interpreter start-up and
# `import duckdb` are outside (reported as the process wall time).
DUCKDB_CHILD = r"""
import json, sys, time
benches, store, as_of, tz, out, threads, csv_too, zone = sys.argv[1:9]
sys.path.insert(0, benches)
import duckdb
import features_duckdb as fd
from pathlib import Path
con = duckdb.connect()
con.execute(f"SET threads = {int(threads)}")
t0 = time.perf_counter()
files = fd.attach_store(con, store)
t1 = time.perf_counter()
fd.run_features(con, as_of, tz, zone)
for t in ("student_week", "student_term"):
    con.execute(f"COPY {t} TO '{out}/{t}.parquet' (FORMAT parquet)")
t2 = time.perf_counter()
rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("student_week", "student_term")}
if csv_too == "1":
    fd.write_outputs(con, Path(out), "csv")
print(json.dumps({"seconds": t2 - t0, "attach_seconds": t1 - t0, "rows": rows,
                  "input_files": sum(files.values()), "duckdb": duckdb.__version__}))
"""


def measure(cmd: list[str], cpus: str, work: Path, label: str, cwd: Path | None = None) -> dict:
    out_path, err_path = work / f"{label}.stdout", work / f"{label}.stderr"
    res = subprocess.run([sys.executable, "-c", WRAPPER, cpus, str(out_path), str(err_path),
                          str(cwd or ""), *cmd], capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"benches: measuring wrapper failed for {shlex.join(cmd)}:\n{res.stderr}")
    m = json.loads(res.stdout)
    m["stdout"] = out_path.read_text(errors="replace")
    m["stderr"] = err_path.read_text(errors="replace")
    out_path.unlink(missing_ok=True)
    err_path.unlink(missing_ok=True)
    if m["rc"] != 0:
        fail(f"{label}: exit {m['rc']} from {shlex.join(cmd)}", m)
    return m


def fail(what: str, m: dict | None = None) -> None:
    m = m or {}
    sys.exit(f"benches: FAILED: {what}\n--- stdout ---\n{m.get('stdout', '')[-4000:]}\n"
             f"--- stderr ---\n{m.get('stderr', '')[-4000:]}")


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def rm(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def dir_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# --------------------------------------------------------------------------------------
# radar
# --------------------------------------------------------------------------------------

def default_radar() -> str:
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.expanduser("~/.cache/campus-radar/target")
    return os.path.join(target, "release", "radar")


def radar_ingest(radar: str, store: Path, now: str, path: Path, cpus: str, work: Path,
                 label: str) -> tuple[dict, dict]:
    """Ingests a directory; returns the measurement and the summed per-file report."""
    cmd = [radar, "--store", str(store), "--now", now, "-q", "ingest", str(path), "--format", "json"]
    m = measure(cmd, cpus, work, label)
    try:
        reports = json.loads(m["stdout"])
    except ValueError:
        fail(f"{label}: stdout is not JSON", m)
    bad = [r for r in reports if r.get("status", "ok") != "ok" or r.get("quarantined")]
    if bad:
        fail(f"{label}: files failed or rows quarantined: {json.dumps(bad, ensure_ascii=False)[:2000]}", m)
    total = {k: sum(r.get(k) or 0 for r in reports) for k in ("rows_read", "stored", "duplicates", "quarantined")}
    total["by_kind"] = {r["kind"]: r.get("stored") for r in reports}
    return m, total


def radar_refresh(radar: str, store: Path, now: str, as_of: str, full: bool, cpus: str, work: Path,
                  label: str) -> dict:
    cmd = [radar, "--store", str(store), "--now", now, "-q", "refresh", "--as-of", as_of]
    if full:
        cmd.append("--full")
    return measure(cmd, cpus, work, label)


def radar_sql(radar: str, store: Path, query: str, fmt: str = "csv") -> str:
    res = subprocess.run([radar, "--store", str(store), "sql", query, "--format", fmt],
                         capture_output=True, text=True)
    if res.returncode != 0:
        fail(f"radar sql {query!r}: exit {res.returncode}", {"stdout": res.stdout, "stderr": res.stderr})
    return res.stdout


def radar_columns(radar: str, store: Path, table: str) -> list[str]:
    out = radar_sql(radar, store, f"DESCRIBE {table}", "csv")
    return [line.split(",")[0] for line in out.splitlines()[1:] if line]


def radar_features(radar: str, store: Path, as_of: str) -> dict:
    """Row counts of radar's student_week / student_term for as_of (tables that keep
    several as-of dates are filtered on an `as_of` column when they have one)."""
    rows = {}
    for table in fd.OUTPUTS:
        cols = radar_columns(radar, store, table)
        where = f" WHERE as_of = DATE '{as_of}'" if "as_of" in cols else ""
        out = radar_sql(radar, store, f"SELECT count(*) AS n FROM {table}{where}", "json")
        rows[table] = json.loads(out)[0]["n"]
    return rows


def export_radar_features(radar: str, store: Path, as_of: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for table, (cols, key) in fd.OUTPUTS.items():
        have = radar_columns(radar, store, table)
        where = f" WHERE as_of = DATE '{as_of}'" if "as_of" in have else ""
        text = radar_sql(radar, store, f"SELECT {cols} FROM {table}{where} ORDER BY {key}", "csv")
        if not text.strip():  # no rows: radar prints no header either
            text = cols.replace(" ", "") + "\n"
        (out / f"{table}.csv").write_text(text)


def has_refresh(radar: str) -> bool:
    res = subprocess.run([radar, "refresh", "--help"], capture_output=True, text=True)
    return res.returncode == 0


# --------------------------------------------------------------------------------------
# Data: generate, then split off the last day
# --------------------------------------------------------------------------------------

def binary_id(radar: str) -> dict:
    st = os.stat(radar)
    ver = subprocess.run([radar, "--version"], capture_output=True, text=True).stdout.strip()
    return {"radar": ver, "binary_size": st.st_size, "binary_mtime": int(st.st_mtime)}


def ensure_data(radar: str, data_dir: Path, n: int, weeks: int, seed: int, fmt: str, tz: str,
                regenerate: bool) -> dict:
    """Generates the campus and splits it; cached in data_dir/campus-N-wW-sS-FMT/ with a
    meta.json (a new radar binary regenerates: the generator may have changed)."""
    import duckdb
    root = data_dir / f"campus-{n}-w{weeks}-s{seed}-{fmt}"
    meta_path = root / "meta.json"
    want = {"students": n, "weeks": weeks, "seed": seed, "format": fmt, "tz": tz,
            "split": SPLIT_VERSION, "duckdb": duckdb.__version__, **binary_id(radar)}
    if not regenerate and meta_path.exists():
        try:
            meta = json.loads(meta_path.read_text())
        except ValueError:
            meta = {}
        if all(meta.get(k) == v for k, v in want.items()):
            log(f"reusing {root}")
            return meta
    rm(root)
    root.mkdir(parents=True)
    gen = root / "gen"
    log(f"generating {n:,} students × {weeks} weeks into {gen}")
    t0 = time.perf_counter()
    res = subprocess.run([radar, "generate", "--students", str(n), "--weeks", str(weeks),
                          "--seed", str(seed), "--format", fmt, "--out", str(gen)],
                         capture_output=True, text=True)
    if res.returncode != 0:
        fail(f"radar generate exit {res.returncode}", {"stdout": res.stdout, "stderr": res.stderr})
    gen_s = time.perf_counter() - t0
    found = re.search(r"--now\s+(\S+)", res.stdout) or re.search(r"--now\s+(\S+)", res.stderr)
    if not found:
        fail("radar generate printed no `--now` clock", {"stdout": res.stdout, "stderr": res.stderr})
    now = found.group(1)
    last_day = _dt.date.fromisoformat(now[:10]) - _dt.timedelta(days=1)
    log(f"  {gen_s:.1f} s; clock --now {now}; held-back day {last_day}")
    part1, part2 = root / "part1", root / "part2"
    t0 = time.perf_counter()
    counts = split_campus(gen, part1, part2, last_day, fmt, tz)
    log(f"  split in {time.perf_counter() - t0:.1f} s: part1 {sum(c[0] for c in counts.values()):,} rows, "
        f"part2 {sum(c[1] for c in counts.values()):,} rows")
    if not sum(c[1] for c in counts.values()):
        sys.exit(f"benches: no event rows on {last_day} to hold back")
    rm(gen)  # part1 + part2 hold every row
    meta = {**want, "now": now, "last_day": last_day.isoformat(), "generate_seconds": gen_s,
            "rows": {k: {"part1": a, "part2": b} for k, (a, b) in counts.items()}}
    meta_path.write_text(json.dumps(meta, indent=1))
    return meta


def _local_date_sql(col: str, kind: str, tz: str) -> str:
    c = f'"{col}"'
    if (kind, col) in DATE_COLUMNS:
        return f"TRY_CAST({c} AS DATE)"
    # The contract's timestamp forms: RFC 3339 with an offset (`Z`/`z`/±hh:mm), or naive
    # local `YYYY-MM-DD HH:MM:SS`; `t` as the separator is allowed. A value that does not
    # parse (radar would quarantine the row) gives NULL: the row goes to part1.
    return (f"CASE WHEN {c} IS NULL THEN NULL "
            f"WHEN regexp_matches({c}, '([Zz]|[+-][0-9][0-9]:[0-9][0-9])$') "
            f"THEN CAST(timezone('{tz}', TRY_CAST(replace(replace(upper({c}), 'T', ' '), 'Z', '+00:00') "
            f"AS TIMESTAMPTZ)) AS DATE) "
            f"ELSE TRY_CAST(left({c}, 10) AS DATE) END")


def split_campus(gen: Path, part1: Path, part2: Path, last_day: _dt.date, fmt: str, tz: str) -> dict:
    """Copies the generated files into part1 (dimensions whole, event rows not of
    last_day) and part2 (event rows of last_day). Returns {kind: (part1 rows, part2 rows)}."""
    import duckdb
    part1.mkdir(parents=True)
    part2.mkdir(parents=True)
    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{tz}'")
    ext = {"csv": "csv", "parquet": "parquet", "ndjson": "ndjson"}[fmt]
    if fmt == "ndjson":
        sys.exit("benches: --gen-format ndjson is not supported by the split; use csv or parquet")

    def reader(path: Path) -> str:
        if fmt == "csv":
            return f"read_csv('{path}', all_varchar = true, header = true)"
        return f"read_parquet('{path}')"

    def writer(query: str, path: Path) -> None:
        opts = "HEADER, DELIMITER ','" if fmt == "csv" else "FORMAT parquet"
        con.execute(f"COPY ({query}) TO '{path}' ({opts})")

    counts = {}
    day = last_day.isoformat()
    for f in sorted(gen.glob(f"*.{ext}")):
        kind = f.name[: -len(ext) - 1]
        if kind in DIMENSIONS:
            shutil.copy2(f, part1 / f.name)
            counts[kind] = (con.execute(f"SELECT count(*) FROM {reader(f)}").fetchone()[0], 0)
            continue
        if kind not in SPLIT_COLUMN:
            sys.exit(f"benches: generated file {f.name} is of no known kind")
        col = SPLIT_COLUMN[kind]
        if col is None:  # participation: the activity's start date
            acts = gen / f"activities.{ext}"
            ld = _local_date_sql("start_ts", "activities", tz)
            con.execute(f"CREATE OR REPLACE TEMP TABLE act_day AS SELECT activity_id, {ld} AS d "
                        f"FROM {reader(acts)}")
            base = (f"SELECT p.*, a.d AS __d FROM {reader(f)} p "
                    f"LEFT JOIN act_day a ON a.activity_id = p.activity_id")
        else:
            base = f"SELECT *, {_local_date_sql(col, kind, tz)} AS __d FROM {reader(f)}"
        con.execute(f"CREATE OR REPLACE TEMP TABLE t AS {base}")
        n2 = con.execute(f"SELECT count(*) FROM t WHERE __d = DATE '{day}'").fetchone()[0]
        n1 = con.execute(f"SELECT count(*) FROM t WHERE __d IS DISTINCT FROM DATE '{day}'").fetchone()[0]
        writer(f"SELECT * EXCLUDE (__d) FROM t WHERE __d IS DISTINCT FROM DATE '{day}'", part1 / f.name)
        if n2:
            writer(f"SELECT * EXCLUDE (__d) FROM t WHERE __d = DATE '{day}'", part2 / f.name)
        con.execute("DROP TABLE t")
        counts[kind] = (n1, n2)
    con.close()
    return counts


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--students", type=int, nargs="+", default=[3000, 30000],
                   help="campus sizes (default 3000 30000)")
    p.add_argument("--weeks", type=int, default=20, help="weeks generated (default 20)")
    p.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    p.add_argument("--runs", type=int, default=3, help="runs per size; medians are reported (default 3)")
    p.add_argument("--skip-duckdb", action="store_true", help="do not run the DuckDB side")
    p.add_argument("--skip-radar", action="store_true",
                   help="do not run `radar refresh` (ingest and DuckDB only)")
    p.add_argument("--no-check", action="store_true",
                   help="do not compare radar's features with DuckDB's (default: compared on run 1)")
    p.add_argument("--radar", default=None,
                   help="radar binary (default $CARGO_TARGET_DIR/release/radar, "
                        "CARGO_TARGET_DIR defaulting to ~/.cache/campus-radar/target)")
    p.add_argument("--data-dir", default=str(REPO / "bench-data" / "refresh"),
                   help="cached campuses, base stores and scratch (default bench-data/refresh/)")
    p.add_argument("--gen-format", choices=["csv", "parquet"], default="csv",
                   help="format of the generated files radar ingests (default csv)")
    p.add_argument("--regenerate", action="store_true", help="ignore cached campuses")
    p.add_argument("--tz", default="Asia/Shanghai", help="campus time zone (default Asia/Shanghai)")
    p.add_argument("--cpus", default=None,
                   help="CPU ids every measured process is pinned to (default: the first two this "
                        "process may use); 'none' to not pin")
    p.add_argument("--threads", type=int, default=2, help="DuckDB threads (default 2)")
    p.add_argument("--duckdb-zone", choices=["auto", "icu"], default="auto",
                   help="DuckDB's local-time conversion (features_duckdb.py --zone): auto = "
                        "fixed-offset arithmetic for a zone without DST such as Asia/Shanghai "
                        "(exact, about 3× cheaper than ICU), icu = ICU's conversions (default auto)")
    p.add_argument("--results", default=str(HERE / "results-refresh.md"),
                   help="markdown results file (default benches/results-refresh.md)")
    p.add_argument("--keep", action="store_true", help="keep the base stores and the run scratch")
    return p.parse_args(argv)


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def fmt_count(x) -> str:
    return "" if x is None else f"{x:,}"


def med(xs):
    return statistics.median(xs) if xs else None


def main(argv=None) -> int:
    args = parse_args(argv)
    import duckdb
    data_dir = Path(args.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    if args.cpus is None:
        cpus = ",".join(map(str, sorted(os.sched_getaffinity(0))[:2]))
    elif args.cpus == "none":
        cpus = ""
    else:
        cpus = args.cpus

    radar = os.path.abspath(args.radar or default_radar())
    if not (os.path.isfile(radar) and os.access(radar, os.X_OK)):
        sys.exit(f"benches: radar binary not found at {radar} (build it with "
                 f"`cargo build --release`, or pass --radar PATH)")
    radar_version = subprocess.run([radar, "--version"], capture_output=True, text=True).stdout.strip()
    if not args.skip_radar and not has_refresh(radar):
        sys.exit(f"benches: {radar} has no `refresh` subcommand yet; pass --skip-radar to run "
                 f"the data, ingest and DuckDB parts only")
    check = not args.no_check and not args.skip_radar and not args.skip_duckdb

    load_at_start = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    work = data_dir / "runs"
    rm(work)
    work.mkdir()

    results = []
    for n in args.students:
        meta = ensure_data(radar, data_dir, n, args.weeks, args.seed, args.gen_format, args.tz,
                           args.regenerate)
        root = data_dir / f"campus-{n}-w{args.weeks}-s{args.seed}-{args.gen_format}"
        now, last_day = meta["now"], meta["last_day"]
        next_day = (_dt.date.fromisoformat(last_day) + _dt.timedelta(days=1)).isoformat()

        # Base store: part1 (timed once, for the record). Base2 = base + part2, for DuckDB's
        # LASTDAY+1 input.
        base, base2 = work / f"base-{n}", work / f"base2-{n}"
        log(f"N={n:,}: ingesting part1 into {base}")
        m, rep1 = radar_ingest(radar, base, now, root / "part1", cpus, work, f"ingest1-{n}")
        ingest1 = {"wall": m["wall"], "maxrss_kib": m["maxrss_kib"], **rep1}
        log(f"  {rep1['stored']:,} rows stored in {m['wall']:.1f} s, peak {m['maxrss_kib'] / 1024:,.0f} MiB")
        base_bytes = dir_bytes(base)
        if not args.skip_duckdb:
            shutil.copytree(base, base2)
            radar_ingest(radar, base2, now, root / "part2", cpus, work, f"ingest2-base-{n}")

        runs = {k: [] for k in ("radar full", "radar ingest part2", "radar incremental",
                                "duckdb full", "duckdb next day")}
        extra = {"duckdb full process": [], "duckdb next process": [], "radar full cpu": [],
                 "radar incremental cpu": [], "duckdb full attach": []}
        rows = {}
        checks = []
        for r in range(1, args.runs + 1):
            log(f"N={n:,} run {r}/{args.runs}")
            do_check = check and r == 1
            if not args.skip_radar:
                store = work / f"store-{n}-{r}"
                rm(store)
                shutil.copytree(base, store)
                m = radar_refresh(radar, store, now, last_day, True, cpus, work, f"full-{n}-{r}")
                runs["radar full"].append((m["wall"], m["maxrss_kib"]))
                extra["radar full cpu"].append(m["user"] + m["sys"])
                log(f"  radar full refresh  {m['wall']:8.2f} s  {m['maxrss_kib'] / 1024:8.1f} MiB")
                if r == 1:
                    rows["radar full"] = radar_features(radar, store, last_day)
                if do_check:
                    export_radar_features(radar, store, last_day, work / f"radar-full-{n}")
                m, rep2 = radar_ingest(radar, store, now, root / "part2", cpus, work, f"ingest2-{n}-{r}")
                runs["radar ingest part2"].append((m["wall"], m["maxrss_kib"]))
                if r == 1:
                    rows["part2 stored"] = rep2["stored"]
                log(f"  radar ingest part2  {m['wall']:8.2f} s  {m['maxrss_kib'] / 1024:8.1f} MiB "
                    f"({rep2['stored']:,} rows)")
                m = radar_refresh(radar, store, now, next_day, False, cpus, work, f"incr-{n}-{r}")
                runs["radar incremental"].append((m["wall"], m["maxrss_kib"]))
                extra["radar incremental cpu"].append(m["user"] + m["sys"])
                log(f"  radar incremental   {m['wall']:8.2f} s  {m['maxrss_kib'] / 1024:8.1f} MiB")
                if r == 1:
                    rows["radar incremental"] = radar_features(radar, store, next_day)
                if do_check:
                    export_radar_features(radar, store, next_day, work / f"radar-incr-{n}")
                if not args.keep:
                    rm(store)
            if not args.skip_duckdb:
                for label, src, as_of, key, pkey in (
                        ("full", base, last_day, "duckdb full", "duckdb full process"),
                        ("next", base2, next_day, "duckdb next day", "duckdb next process")):
                    out = work / f"duckdb-{label}-{n}-{r}"
                    rm(out)
                    out.mkdir()
                    m = measure([sys.executable, "-c", DUCKDB_CHILD, str(HERE), str(src), as_of, args.tz,
                                 str(out), str(args.threads), "1" if do_check else "0", args.duckdb_zone],
                                cpus, work, f"duckdb-{label}-{n}-{r}")
                    info = json.loads(m["stdout"].strip().splitlines()[-1])
                    runs[key].append((info["seconds"], m["maxrss_kib"]))
                    extra[pkey].append(m["wall"])
                    if label == "full":
                        extra["duckdb full attach"].append(info["attach_seconds"])
                    if r == 1:
                        rows[key] = info["rows"]
                    log(f"  duckdb {label:4s} (as of {as_of}) {info['seconds']:8.2f} s  "
                        f"{m['maxrss_kib'] / 1024:8.1f} MiB (process {m['wall']:.2f} s)")
                    if do_check:
                        which = "full" if label == "full" else "incr"
                        problems = fd.compare_dirs(out, work / f"radar-{which}-{n}")
                        checks.append((f"{'full refresh' if label == 'full' else 'incremental refresh'} "
                                       f"as of {as_of}", problems))
                        for p in problems[:20]:
                            log(f"    MISMATCH {p}")
                    if not args.keep:
                        rm(out)
        if not args.keep:
            rm(base)
            rm(base2)
        results.append({"n": n, "meta": meta, "runs": runs, "extra": extra, "rows": rows,
                        "checks": checks, "ingest1": ingest1, "base_bytes": base_bytes,
                        "last_day": last_day, "next_day": next_day, "now": now})
    if not args.keep:
        rm(work)

    # Report.
    lines = ["| students | tool / phase | as of / input | median s | peak RSS MiB | DuckDB s ÷ radar s | "
             "student_week rows | student_term rows |",
             "|---:|---|---|---:|---:|---:|---:|---:|"]
    verdicts, details = [], []
    for res in results:
        n, runs, rows = res["n"], res["runs"], res["rows"]
        m = {k: (med([x[0] for x in v]), med([x[1] / 1024 for x in v])) for k, v in runs.items() if v}
        duck_full = m.get("duckdb full", (None,))[0]
        duck_next = m.get("duckdb next day", (None,))[0]
        for key, as_of, vs in (("radar full", res["last_day"], duck_full),
                               ("radar ingest part2", "", None),
                               ("radar incremental", res["next_day"], duck_next),
                               ("duckdb full", res["last_day"], None),
                               ("duckdb next day", res["next_day"], None)):
            if key not in m:
                continue
            s, mib = m[key]
            ratio = f"{vs / s:.2f}" if vs else ""
            if key == "radar full" and vs:
                ratio = f"**{ratio}**"
            rc = rows.get(key) or {}
            if key == "radar ingest part2":
                rc = {"student_week": None, "student_term": None}
                as_of = f"{rows.get('part2 stored', 0):,} rows"
            lines.append(f"| {n:,} | {key} | {as_of} | {s:.2f} | {mib:,.0f} | {ratio} | "
                         f"{fmt_count(rc.get('student_week'))} | {fmt_count(rc.get('student_term'))} |")
        if "radar full" in m and duck_full:
            ratio = duck_full / m["radar full"][0]
            verdicts.append(f"- {n:,} students: DuckDB ÷ radar full refresh = **{ratio:.2f}** "
                            f"({'meets' if ratio >= 1 else 'misses'} the > 1.00 target)"
                            + (f"; incremental refresh {m['radar incremental'][0]:.2f} s vs DuckDB's "
                               f"recompute {duck_next:.2f} s" if "radar incremental" in m and duck_next else ""))
        for what, problems in res["checks"]:
            verdicts.append(f"- {n:,} students, {what}: radar vs DuckDB "
                            + ("**agree**" if not problems else f"**{len(problems)} mismatches** "
                               f"(first: {problems[0]})"))
        ex = res["extra"]
        meta = res["meta"]
        p1 = sum(v["part1"] for v in meta["rows"].values())
        p2 = sum(v["part2"] for v in meta["rows"].values())
        details.append(
            f"- {n:,} students × {meta['weeks']} weeks (seed {meta['seed']}, {meta['format']}): "
            f"clock `--now {res['now']}`, held-back day {res['last_day']}; part1 {p1:,} rows "
            f"(ingested in {res['ingest1']['wall']:.1f} s, peak {res['ingest1']['maxrss_kib'] / 1024:,.0f} MiB; "
            f"{res['ingest1']['stored']:,} stored; store {res['base_bytes'] / 2**20:,.0f} MiB), "
            f"part2 {p2:,} rows. Per run: "
            + "; ".join(f"{k} s {[round(x[0], 2) for x in v]}" for k, v in runs.items() if v)
            + "".join(f"; {k} median {med(v):.2f} s" for k, v in ex.items() if v))
        details.append("  - rows held back per kind: " + ", ".join(
            f"{k} {v['part2']:,}" for k, v in sorted(meta["rows"].items()) if v["part2"]))
    table = "\n".join(lines)
    print(table)
    print()
    print("\n".join(verdicts))

    script = Path(__file__).resolve()
    script_arg = os.path.relpath(script) if script.is_relative_to(Path.cwd()) else str(script)
    cmd = shlex.join(["python3", script_arg, *(sys.argv[1:] if argv is None else argv)])
    header = [
        "# Refresh benchmark: radar vs DuckDB (reference features as SQL)",
        "",
        f"- date: {_dt.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- command: `{cmd}` (in `{Path.cwd()}`)",
        f"- nproc: {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()}; "
        f"measured processes pinned to CPUs {cpus or 'not pinned'}",
        f"- CPU: {cpu_model()}; load average at the start {load_at_start}",
        f"- radar: `{radar}` ({radar_version})"
        + ("; `radar refresh` not run (`--skip-radar`)" if args.skip_radar else ""),
        ("- DuckDB: not run (`--skip-duckdb`)" if args.skip_duckdb else
        f"- DuckDB: Python duckdb {duckdb.__version__}, `SET threads={args.threads}`, "
        f"`benches/features_duckdb.sql` over the store's Delta tables (current Parquet files), "
        f"both tables written as Parquet; local time by "
        + (f"fixed-offset arithmetic ({args.tz} has a constant UTC offset)"
           if args.duckdb_zone == "auto" and fd.fixed_offset_us(args.tz) is not None
           else "ICU's zone conversions") + f" (`--duckdb-zone {args.duckdb_zone}`)"),
        "- data: `radar generate` campus; the last day's event rows are held back (part2); "
        "full = `refresh --as-of LASTDAY --full` on the store holding part1; incremental = "
        "`refresh --as-of LASTDAY+1` after `ingest part2`; DuckDB next day = the SQL as of "
        "LASTDAY+1 over part1 + part2 (a full recompute: DuckDB has no incremental mode)",
        "- seconds: radar = wall time of the whole process; DuckDB = reading the Delta logs + "
        "the SQL + writing the Parquet files, timed inside its process (interpreter start-up "
        "and import excluded). Peak RSS: ru_maxrss of the measured process (DuckDB's includes "
        "the Python interpreter). Medians over the runs.",
        "",
    ]
    body = ("\n".join(header) + "\n" + table + "\n\n"
            + ("\n".join(verdicts) + "\n\n" if verdicts else "") + "Runs:\n"
            + "\n".join(details) + "\n")
    Path(args.results).write_text(body)
    log(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
