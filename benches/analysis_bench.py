#!/usr/bin/env python3
"""Lifestyle typology and hidden-hardship score on a generated campus: quality and cost.

  data     `radar generate --students N --weeks W --seed S --start 2025-09-08` (cached in
           bench-data/warnings-N-W-S, shared with warnings_eval.py), or --data DIR
  store    a fresh store: `radar ingest` + `radar refresh --no-warnings` as of the
           generator's clock; or --store DIR, an already refreshed store (left as it is
           apart from the two result tables)
  runs     per as-of date: `radar typology`, `radar hardship`, `radar evaluate hardship
           --truth DATA` (json), --runs times each; median wall time of the whole process

Prints the figures and writes them to benches/results-analysis.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def radar_bin() -> str:
    if os.environ.get("RADAR_BIN"):
        return os.environ["RADAR_BIN"]
    target = os.environ.get("CARGO_TARGET_DIR", str(Path.home() / ".cache/campus-radar/target"))
    return str(Path(target) / "release" / "radar")


def run(args: list[str]) -> subprocess.CompletedProcess:
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{p.stderr}")
    return p


def timed(args: list[str], runs: int) -> tuple[subprocess.CompletedProcess, float]:
    times, p = [], None
    for _ in range(runs):
        t0 = time.time()
        p = run(args)
        times.append(time.time() - t0)
    return p, statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=3000)
    ap.add_argument("--weeks", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", help="generated campus directory (default: bench-data cache)")
    ap.add_argument("--store", help="an already refreshed store to use")
    ap.add_argument("--as-of", nargs="*", default=[], help="as-of dates (default: the refresh's, then 2026-01-05)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "benches" / "results-analysis.md"))
    a = ap.parse_args()
    radar = radar_bin()
    data = Path(a.data) if a.data else ROOT / "bench-data" / f"warnings-{a.students}-{a.weeks}-{a.seed}"
    if not (data / "truth" / "students.csv").exists():
        shutil.rmtree(data, ignore_errors=True)
        out = run([radar, "-q", "generate", "--start", "2025-09-08", "--students", str(a.students), "--weeks",
                   str(a.weeks), "--seed", str(a.seed), "--out", str(data)]).stdout
        (data / ".clock").write_text(out.split()[2])
    if a.store:
        store = Path(a.store)
        now = json.loads((store / "_published.json").read_text())["as_of"]
    else:
        now = (data / ".clock").read_text().strip()
        store = ROOT / "bench-data" / f"analysis-store-{a.students}-{a.weeks}-{a.seed}"
        shutil.rmtree(store, ignore_errors=True)
        run([radar, "--store", str(store), "--now", now, "-q", "ingest", str(data)])
        run([radar, "--store", str(store), "--now", now, "-q", "refresh", "--as-of", now[:10], "--no-warnings"])
    base = [radar, "--store", str(store), "--now", now]
    dates = a.as_of or [None, "2026-01-05"]
    lines = [
        f"# Typology and hidden hardship ({a.students} students × {a.weeks} weeks, seed {a.seed})",
        "",
        f"`python3 benches/analysis_bench.py` — median of {a.runs} runs, wall time of the whole process.",
        "",
    ]
    for d in dates:
        at = ["--as-of", d] if d else []
        tp, t_typ = timed(base + ["typology", "--format", "json"] + at, a.runs)
        typ = json.loads(tp.stdout)
        hp, t_hard = timed(base + ["hardship", "--format", "json"] + at, a.runs)
        hard = json.loads(hp.stdout)
        ep, t_eval = timed(base + ["evaluate", "hardship", "--truth", str(data), "--format", "json"] + at, a.runs)
        ev = {(r["method"], r["metric"]): r for r in json.loads(ep.stdout)}
        lines += [f"## As of {typ['as_of']} (typology weeks {typ['weeks'][0]}..{typ['weeks'][1]}, "
                  f"hardship weeks {hard['weeks'][0]}..{hard['weeks'][1]})", ""]
        lines += ["| command | wall time |", "|---|---:|",
                  f"| `radar typology` | {t_typ:.2f} s |", f"| `radar hardship` | {t_hard:.2f} s |",
                  f"| `radar evaluate hardship` | {t_eval:.2f} s |", ""]
        sil = ", ".join(f"k={c['k']}: {c['silhouette']:.3f}" for c in typ["criterion"])
        ine = ", ".join(f"k={c['k']}: {c['inertia']:.0f}" for c in typ["criterion"])
        lines += [f"Typology: **k = {typ['k']}** ({typ['chosen_by']}); silhouette {sil}; inertia {ine}; "
                  f"{sum(c['size'] for c in typ['clusters'])} students clustered, {typ['without_data']} without data.",
                  ""]
        for n in typ["notes"]:
            lines.append(f"- note: {n}")
        lines += ["", "| cluster | size | share | label | 标签 |", "|---:|---:|---:|---|---|"]
        for c in typ["clusters"]:
            lines.append(f"| {c['cluster']} | {c['size']} | {c['share']:.1%} | {c['description_en']} | {c['label_zh']} |")
        lines += ["", f"Hardship: {hard['scored']} scored, {hard['unscored']} with fewer than {hard['min_meals']:.0f} "
                      f"meals; candidates' aid levels {hard['aid_levels_of_candidates']}.", "",
                  "| method | metric | value | n |", "|---|---|---:|---:|"]
        for (m, k), r in ev.items():
            v = r["value"]
            lines.append(f"| {m} | {k} | {'' if v is None else f'{v:.4f}'} | {r['n']} |")
        lines.append("")
    text = "\n".join(lines)
    print(text)
    Path(a.out).write_text(text)


if __name__ == "__main__":
    main()
