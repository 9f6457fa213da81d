#!/usr/bin/env python3
"""Warning quality and cost over a term, refreshed night by night.

  data     `radar generate --students N --weeks W --seed S --start 2025-09-08` (cached in
           bench-data/warnings-N-W-S)
  store    a fresh store; `radar ingest` of the whole campus with the generator's clock
  nights   `radar refresh --from FIRST --as-of LAST`: one incremental refresh per night,
           each seeing only the records before its morning, each followed by the
           warnings raise (dedup, cooldown, capacity)
  score    `radar evaluate warnings --truth DATA --per-rule`

Prints the metrics and the per-rule table, the wall time of the night-by-night run and
its median per night, and writes them to benches/results-warnings.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def radar_bin() -> str:
    target = os.environ.get("CARGO_TARGET_DIR", str(Path.home() / ".cache/campus-radar/target"))
    return str(Path(target) / "release" / "radar")


def run(args: list[str], **kw) -> subprocess.CompletedProcess:
    p = subprocess.run(args, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{p.stderr}")
    return p


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=3000)
    ap.add_argument("--weeks", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rules", help="rule file (default: built-in)")
    ap.add_argument("--keep-store", action="store_true")
    ap.add_argument("--tag", default="", help="suffix of the store directory (to run variants side by side)")
    ap.add_argument("--out", default=str(ROOT / "benches" / "results-warnings.md"))
    a = ap.parse_args()
    radar = radar_bin()
    data = ROOT / "bench-data" / f"warnings-{a.students}-{a.weeks}-{a.seed}"
    clock_file = data / ".clock"
    if not clock_file.exists():
        shutil.rmtree(data, ignore_errors=True)
        out = run([radar, "-q", "generate", "--start", "2025-09-08", "--students", str(a.students), "--weeks",
                   str(a.weeks), "--seed", str(a.seed), "--out", str(data)]).stdout
        clock_file.write_text(out.split()[2])
    now = clock_file.read_text().strip()
    store = ROOT / "bench-data" / f"warnings-store-{a.students}-{a.weeks}-{a.seed}{a.tag}"
    shutil.rmtree(store, ignore_errors=True)
    base = [radar, "--store", str(store), "--now", now]
    t0 = time.time()
    run(base + ["-q", "ingest", str(data)])
    ingest_s = time.time() - t0
    last = now[:10]
    rules = ["--rules", a.rules] if a.rules else []
    t0 = time.time()
    p = run(base + ["refresh", "--from", "2025-09-09", "--as-of", last] + rules)
    nights_s = time.time() - t0
    nights = p.stderr.count("warnings:")
    raise_s = sorted(float(m) for m in re.findall(r"warnings:.* in ([0-9.]+) s", p.stderr))
    raise_med = raise_s[len(raise_s) // 2] if raise_s else float("nan")
    ev = run(base + ["evaluate", "warnings", "--truth", str(data), "--per-rule", "--format", "csv"] + rules).stdout
    raise_runs = run(base + ["sql", "SELECT count(*) FROM warnings", "--format", "csv"]).stdout
    lines = [
        f"# Warnings over a term, night by night ({a.students} students × {a.weeks} weeks, seed {a.seed})",
        "",
        f"`python3 benches/warnings_eval.py --students {a.students} --weeks {a.weeks} --seed {a.seed}"
        + (f" --rules {a.rules}`" if a.rules else "`"),
        "",
        f"- ingest: {ingest_s:.1f} s; {nights} nights refreshed and raised in {nights_s:.1f} s "
        f"({nights_s / max(nights, 1):.2f} s per night on average, refresh included); "
        f"the warnings step alone: median {raise_med:.2f} s, max {max(raise_s, default=float('nan')):.2f} s per night",
        f"- warnings in the store: {raise_runs.splitlines()[1] if len(raise_runs.splitlines()) > 1 else '?'}",
        "",
    ]
    blocks = ev.strip().split("\n\n")
    for b in blocks:
        rows = list(csv.reader(io.StringIO(b)))
        lines.append("| " + " | ".join(rows[0]) + " |")
        lines.append("|" + "---|" * len(rows[0]))
        for r in rows[1:]:
            lines.append("| " + " | ".join(r) + " |")
        lines.append("")
    text = "\n".join(lines)
    print(text)
    Path(a.out).write_text(text + "\n")
    if not a.keep_store:
        shutil.rmtree(store, ignore_errors=True)


if __name__ == "__main__":
    main()
