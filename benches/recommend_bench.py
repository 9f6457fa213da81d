#!/usr/bin/env python3
"""Recommendations on a generated campus: quality (leave-latest-out) and cost.

  data     `radar generate --students N --weeks W --seed S --start 2025-09-08` (cached in
           bench-data/recommend-N-W-S), or --data DIR
  store    a fresh store: `radar ingest` + `radar refresh` (with its warnings, which the
           resource matching reads) as of the generator's clock; or --store DIR, an
           already refreshed store (only the `recommendations` table is written)
  runs     `radar evaluate recommendations` (--k 10, and --k 3 for the books' short list)
           and `radar recommend --all`, --runs times each: median wall time of the whole
           process and peak RSS (from /usr/bin/time when present)

Prints the figures as Markdown (paste them into benches/results-recommend.md).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def radar_bin() -> str:
    if os.environ.get("RADAR_BIN"):
        return os.environ["RADAR_BIN"]
    target = os.environ.get("CARGO_TARGET_DIR", str(Path.home() / ".cache/campus-radar/target"))
    return str(Path(target) / "release" / "radar")


def run(args: list[str]) -> tuple[subprocess.CompletedProcess, float, int | None]:
    """Runs a command; returns it, its wall time and its peak RSS in KiB (if measurable)."""
    timer = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    cmd = [timer, "-f", "%M", *args] if timer else args
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.time() - t0
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{p.stderr}")
    rss = None
    if timer:
        last = p.stderr.strip().splitlines()[-1:] or [""]
        rss = int(last[0]) if last[0].isdigit() else None
    return p, wall, rss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=3000)
    ap.add_argument("--weeks", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", help="generated campus directory (default: bench-data cache)")
    ap.add_argument("--store", help="an already refreshed store to use")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    radar = radar_bin()
    tag = f"{a.students}-{a.weeks}-{a.seed}"
    data = Path(a.data) if a.data else ROOT / "bench-data" / f"recommend-{tag}"
    if not (data / "students.csv").exists():
        data.mkdir(parents=True, exist_ok=True)
        run([radar, "-q", "generate", "--start", "2025-09-08", "--students", str(a.students), "--weeks",
             str(a.weeks), "--seed", str(a.seed), "--out", str(data)])
    # The clock `radar generate` prints: the Monday after the last week.
    now = (date(2025, 9, 8) + timedelta(weeks=a.weeks)).isoformat() + "T00:00:00+08:00"
    if a.store:
        store = Path(a.store)
    else:
        store = ROOT / "bench-data" / f"recommend-store-{tag}"
        shutil.rmtree(store, ignore_errors=True)
        run([radar, "--store", str(store), "--now", now, "-q", "ingest", str(data)])
        run([radar, "--store", str(store), "--now", now, "-q", "refresh"])
    base = [radar, "--store", str(store), "--now", now]

    print(f"## {a.students} students x {a.weeks} weeks, seed {a.seed}; store {store}\n")
    for k in (10, 3):
        times, rss, out = [], [], None
        for _ in range(a.runs):
            p, wall, m = run([*base, "-q", "evaluate", "recommendations", "--k", str(k), "--format", "csv"])
            times.append(wall)
            rss.append(m or 0)
            out = p.stdout
        rows = list(csv.DictReader(io.StringIO(out or "")))
        print(f"### evaluate recommendations --k {k}: median {statistics.median(times):.2f} s, "
              f"peak RSS {max(rss) / 1024:.0f} MiB\n")
        print("| what | method | students | skipped | recall@k | NDCG@k | lift vs popularity |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for r in rows:
            print(f"| {r['what']} | {r['method']} | {r['students']} | {r['skipped']} | {r['recall_at_k']} | "
                  f"{r['ndcg_at_k']} | {r['lift_vs_popularity']} |")
        print()
    times, rss, note = [], [], ""
    for _ in range(a.runs):
        p, wall, m = run([*base, "recommend", "--all"])
        times.append(wall)
        rss.append(m or 0)
        note = [line for line in p.stderr.splitlines() if line.startswith("recommendations")][-1:]
    print(f"### recommend --all: median {statistics.median(times):.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in times)}), peak RSS {max(rss) / 1024:.0f} MiB\n")
    print("```\n" + "\n".join(note) + "\n```")


if __name__ == "__main__":
    main()
