#!/usr/bin/env python3
"""State-kind upserts: one day of updates into a 30,000-student year, before and after.

  data     synthesized here (deterministic, --seed): 30,000 students and, per kind, a year
           of weekly exports (52 files, the rows first seen that week, in their state at
           the export) plus one day of updates: rows stored earlier in a later state
           (library_loans: returned; coursework: marked) and some new rows. `radar
           generate` draws about 75 loans a day at 30,000 students; this synthesizes a
           busier library (--per-student loans a year) so that the year is large.
  store    per binary and kind, a fresh store: `radar ingest` of the students and of the
           52 weekly files (one call, one commit per file)
  measure  `radar ingest` of the day's file under `/usr/bin/time -v`: wall time, peak RSS,
           and from the table's last Delta commit the files and bytes removed (rewritten)
           and added; the table's file count and bytes before; the run's stored/duplicates
  binaries --radar PATH ... (default: this worktree's release build), each labelled by
           --labels; `before` is main's binary, which rewrote the whole table on every
           upsert (coursework) and appended library_loans as events (so it kept the
           borrowed row and counted the return as a duplicate)

Prints the figures and writes them to benches/results-upsert.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START = dt.date(2025, 9, 1)
WEEKS = 52
STUDENTS_HEADER = (
    "student_id,name,gender,college,major,class_id,cohort,degree_level,dorm_building,dorm_floor,dorm_room,"
    "counsellor_id,mentor_id,political_status,hometown_province,financial_aid_level,status"
)


def radar_default() -> str:
    target = os.environ.get("CARGO_TARGET_DIR", str(Path.home() / ".cache/campus-radar/target"))
    return str(Path(target) / "release" / "radar")


def student_ids(n: int) -> list[str]:
    return [f"{2022 + i % 4}{i:06d}" for i in range(n)]


def write_students(path: Path, n: int) -> None:
    with path.open("w") as f:
        f.write(STUDENTS_HEADER + "\n")
        for i, sid in enumerate(student_ids(n)):
            f.write(f"{sid},某,{'FM'[i % 2]},C{i % 12},M{i % 40},K{i % 900},{2022 + i % 4},undergraduate,,,,T1,,masses,,none,active\n")


def ts(d: dt.datetime) -> str:
    return d.strftime("%Y-%m-%d %H:%M:%S")


def loans(rng: random.Random, ids: list[str], per_student: int, out: Path) -> tuple[int, int, int]:
    """Weekly loan exports and the day after the year: (year rows, day updates, day new)."""
    per_day = len(ids) * per_student // 365
    head = "loan_id,student_id,book_id,clc_class,borrowed_at,due_at,returned_at\n"
    open_loans: list[tuple] = []
    year_rows = 0
    seq = 0

    def row(l, returned):
        lid, sid, book, clc, b = l
        due = (b + dt.timedelta(days=30)).replace(hour=23, minute=59, second=59)
        return f"{lid},{sid},{book},{clc},{ts(b)},{ts(due)},{ts(returned) if returned else ''}\n"

    def new_loan(day: dt.date) -> tuple:
        nonlocal seq
        seq += 1
        b = dt.datetime.combine(day, dt.time(8)) + dt.timedelta(seconds=rng.randrange(14 * 3600))
        return (f"L{day:%Y%m%d}{seq:07d}", rng.choice(ids), f"B{rng.randrange(10**7):07d}", rng.choice("ABCDEFGHIJKNOPQRSTUVXZ"), b)

    for w in range(WEEKS):
        export = dt.datetime.combine(START + dt.timedelta(days=7 * w + 7), dt.time(0))
        with (out / f"library_loans-w{w + 1:02d}.csv").open("w") as f:
            f.write(head)
            for d in range(7):
                day = START + dt.timedelta(days=7 * w + d)
                for _ in range(per_day):
                    l = new_loan(day)
                    back = l[4] + dt.timedelta(days=rng.randint(1, 45), seconds=rng.randrange(3600))
                    if back < export:
                        f.write(row(l, back))
                    else:
                        f.write(row(l, None))
                        open_loans.append((l, back))
                    year_rows += 1
    day = START + dt.timedelta(days=7 * WEEKS)
    # The day's returns: the open loans due back nearest to it.
    due_today = sorted((lb for lb in open_loans if lb[1].date() <= day), key=lambda lb: lb[1], reverse=True)
    updates = due_today[:per_day]
    with (out.parent / "day" / "library_loans-day.csv").open("w") as f:
        f.write(head)
        for l, _ in updates:
            f.write(row(l, dt.datetime.combine(day, dt.time(9)) + dt.timedelta(seconds=rng.randrange(10 * 3600))))
        for _ in range(per_day):
            f.write(row(new_loan(day), None))
    return year_rows, len(updates), per_day


def coursework(rng: random.Random, ids: list[str], per_student: int, out: Path) -> tuple[int, int, int]:
    """Weekly coursework exports (items submitted, not yet marked, are marked later)."""
    per_day = len(ids) * per_student // 365
    head = "record_id,student_id,course_id,term,item,weight,due_at,submitted_at,score\n"
    unmarked: list[tuple] = []
    year_rows = 0
    seq = 0

    def row(r, score):
        rid, sid, course, term, item, due, sub = r
        return f"{rid},{sid},{course},{term},{item},10,{ts(due)},{ts(sub)},{score if score is not None else ''}\n"

    def new_item(day: dt.date) -> tuple:
        nonlocal seq
        seq += 1
        due = dt.datetime.combine(day, dt.time(23, 59, 59))
        sub = due - dt.timedelta(seconds=rng.randrange(3 * 86400))
        term = "2025-2026-1" if day < dt.date(2026, 2, 15) else "2025-2026-2"
        return (f"CW{day:%Y%m%d}{seq:07d}", rng.choice(ids), f"C{rng.randrange(300):03d}", term, f"hw{seq % 12}", due, sub)

    for w in range(WEEKS):
        export = START + dt.timedelta(days=7 * w + 7)
        with (out / f"coursework-w{w + 1:02d}.csv").open("w") as f:
            f.write(head)
            for d in range(7):
                day = START + dt.timedelta(days=7 * w + d)
                for _ in range(per_day):
                    r = new_item(day)
                    marked = day + dt.timedelta(days=rng.randint(1, 30))
                    if marked < export:
                        f.write(row(r, rng.randint(40, 100)))
                    else:
                        f.write(row(r, None))
                        unmarked.append((r, marked))
                    year_rows += 1
    day = START + dt.timedelta(days=7 * WEEKS)
    due_today = [r for r, _ in sorted((rm for rm in unmarked if rm[1] <= day), key=lambda rm: rm[1], reverse=True)]
    updates = due_today[:per_day]
    with (out.parent / "day" / "coursework-day.csv").open("w") as f:
        f.write(head)
        for r in updates:
            f.write(row(r, rng.randint(40, 100)))
        for _ in range(per_day):
            f.write(row(new_item(day), None))
    return year_rows, len(updates), per_day


def run(args: list[str]) -> subprocess.CompletedProcess:
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(map(str, args))}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    return p


def timed(args: list[str]) -> tuple[subprocess.CompletedProcess, float, float]:
    """Runs under /usr/bin/time -v: (process, wall s, peak RSS MiB)."""
    p = run(["/usr/bin/time", "-v", *args])
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", p.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    secs = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3)) if wall else float("nan")
    return p, secs, int(rss.group(1)) / 1024 if rss else float("nan")


def table_state(table: Path) -> tuple[int, int]:
    """Live data files and bytes of a table's current version (replaying its JSON log)."""
    live: dict[str, int] = {}
    for c in sorted((table / "_delta_log").glob("*.json")):
        for line in c.read_text().splitlines():
            a = json.loads(line)
            if "add" in a:
                live[a["add"]["path"]] = a["add"]["size"]
            elif "remove" in a:
                live.pop(a["remove"]["path"], None)
    return len(live), sum(live.values())


def last_commit(table: Path) -> dict:
    c = max((table / "_delta_log").glob("*.json"))
    out = {"removed": 0, "removed_bytes": 0, "added": 0, "added_bytes": 0, "version": int(c.stem)}
    for line in c.read_text().splitlines():
        a = json.loads(line)
        if "remove" in a:
            out["removed"] += 1
            out["removed_bytes"] += a["remove"].get("size") or 0
        if "add" in a:
            out["added"] += 1
            out["added_bytes"] += a["add"]["size"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=30000)
    ap.add_argument("--per-student", type=int, default=20, help="rows a student adds a year, per kind")
    ap.add_argument("--kinds", nargs="*", default=["library_loans", "coursework"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--radar", nargs="*", default=[radar_default()])
    ap.add_argument("--labels", nargs="*", default=["after"])
    ap.add_argument("--data-dir", default=str(ROOT / "bench-data" / "upsert"))
    ap.add_argument("--results", default=str(ROOT / "benches" / "results-upsert.md"))
    a = ap.parse_args()
    if len(a.labels) != len(a.radar):
        sys.exit("give one --labels entry per --radar binary")
    data = Path(a.data_dir) / f"{a.students}-{a.per_student}-{a.seed}"
    now = f"{START + dt.timedelta(days=7 * WEEKS + 1)}T00:00:00+08:00"
    sizes: dict[str, tuple[int, int, int]] = {}
    stamp = data / "sizes.json"
    if not stamp.exists():
        shutil.rmtree(data, ignore_errors=True)
        (data / "day").mkdir(parents=True)
        ids = student_ids(a.students)
        write_students(data / "students.csv", a.students)
        for kind, make in (("library_loans", loans), ("coursework", coursework)):
            (data / kind).mkdir(parents=True)
            sizes[kind] = make(random.Random(a.seed), ids, a.per_student, data / kind)
        stamp.write_text(json.dumps(sizes))
    sizes = {k: tuple(v) for k, v in json.loads(stamp.read_text()).items()}

    lines = []
    for label, radar in zip(a.labels, a.radar):
        for kind in a.kinds:
            store = data / f"store-{label}-{kind}"
            shutil.rmtree(store, ignore_errors=True)
            base = [radar, "-q", "--store", str(store), "--now", now, "--tz", "Asia/Shanghai", "ingest"]
            run([*base, str(data / "students.csv")])
            _, year_s, year_rss = timed([*base, str(data / kind)])
            files_before, bytes_before = table_state(store / kind)
            p, secs, rss = timed([*base, str(data / "day" / f"{kind}-day.csv"), "--format", "json"])
            rep = json.loads(p.stdout)[0]
            c = last_commit(store / kind)
            year_rows, upd, new = sizes[kind]
            lines.append({
                "label": label, "kind": kind, "year_rows": year_rows, "updates": upd, "new": new,
                "year_s": year_s, "year_rss": year_rss, "files_before": files_before, "bytes_before": bytes_before,
                "secs": secs, "rss": rss, "stored": rep["stored"], "duplicates": rep["duplicates"], **c,
            })
            print(json.dumps(lines[-1]), flush=True)
    write_results(a, lines, now)


def write_results(a, lines: list[dict], now: str) -> None:
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")), "?")
    load = Path("/proc/loadavg").read_text().split()[:3]
    mib = lambda b: f"{b / 2**20:,.1f}"
    out = [
        "# Upsert benchmark: one day of state-kind updates into a 30,000-student year",
        "",
        f"- date: {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')}",
        f"- command: `python3 benches/upsert_bench.py {' '.join(sys.argv[1:])}`",
        f"- machine: nproc {os.cpu_count()}, {cpu}; load average at the end {' / '.join(load)} (shared by other sessions: one run, figures are indicative)",
        f"- data: {a.students:,} students, per kind a year of 52 weekly exports ({a.per_student} rows a student a year), then one day's file of updates to rows stored earlier plus new rows; clock `--now {now}`",
        "- measured: `radar ingest` of the day's file, wall time and peak RSS from `/usr/bin/time -v`; files and bytes from the table's Delta log (the day's commit: `remove` = rewritten, `add` = written)",
        "",
        "| binary | kind | year rows | day: updates + new | table before: files / MiB | day: s | peak RSS MiB | files removed | MiB removed | files added | MiB added | stored / duplicates |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for l in lines:
        out.append(
            f"| {l['label']} | {l['kind']} | {l['year_rows']:,} | {l['updates']:,} + {l['new']:,} | {l['files_before']} / {mib(l['bytes_before'])} "
            f"| {l['secs']:.2f} | {l['rss']:,.0f} | {l['removed']} | {mib(l['removed_bytes'])} | {l['added']} | {mib(l['added_bytes'])} | {l['stored']:,} / {l['duplicates']:,} |"
        )
    out += ["", "Year ingest (52 files, one call): " + "; ".join(f"{l['label']} {l['kind']} {l['year_s']:.1f} s, peak {l['year_rss']:,.0f} MiB" for l in lines), ""]
    Path(a.results).write_text("\n".join(out) + "\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()
