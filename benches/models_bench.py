#!/usr/bin/env python3
"""Risk models on a generated campus: backtest quality at week 8 and train/score time.

Builds (or reuses) a store of `radar generate --students N --weeks W --seed S` that has
been ingested and refreshed, then for each split trains `--week 8` models and scores every
student as of week 8. Times are medians of --repeat runs of the whole process.

    python3 benches/models_bench.py --students 3000 [--weeks 20] [--seed 1] [--store DIR]
        [--repeat 3] [--out benches/results-models-3000.md]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd):
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return p, time.perf_counter() - t


def fmt(v):
    return "-" if v is None else f"{v:.3f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=3000)
    ap.add_argument("--weeks", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--store", help="an ingested and refreshed store of that campus (else built in bench-data/)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out")
    default_bin = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "radar")
    ap.add_argument("--radar", default=default_bin)
    a = ap.parse_args()
    tag = f"{a.students}-{a.weeks}-{a.seed}"
    store = a.store or os.path.join(ROOT, "bench-data", f"models-store-{tag}")
    now = None
    if not a.store and not os.path.isdir(store):
        data = os.path.join(ROOT, "bench-data", f"models-{tag}")
        p, _ = run([a.radar, "-q", "generate", "--students", str(a.students), "--weeks", str(a.weeks),
                    "--seed", str(a.seed), "--out", data])
        now = p.stdout.split()[2]
        run([a.radar, "--store", store, "--now", now, "-q", "ingest", data])
        run([a.radar, "--store", store, "--now", now, "-q", "refresh", "--no-warnings"])
    models = tempfile.mkdtemp(prefix="models-bench-")
    base = [a.radar, "--store", store, "-q"]
    splits = [
        ("credits6", []),
        ("credits6", ["--test-cohort", str(max_cohort(a, store) - 1)]),
        ("any-fail", []),
    ]
    lines = [
        f"# Risk models on a generated campus: {a.students} students x {a.weeks} weeks (seed {a.seed})",
        "",
        f"Command: `python3 benches/models_bench.py --students {a.students} --weeks {a.weeks} --seed {a.seed}`;",
        f"cut-off week 8 of the autumn term; times are medians of {a.repeat} runs (whole process).",
        "",
        "| target | split | train rows | test rows | positives | chosen | test AUC | PR-AUC | Brier (raw → calibrated) | clicks-alone AUC | train s | score s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, (target, extra) in enumerate(splits):
        name = f"bench-{i}"
        times = []
        for _ in range(a.repeat):
            _, t = run(base + ["train", "--name", name, "--week", "8", "--target", target, "--models", models, "--format", "json"] + extra)
            times.append(t)
        versions = sorted(os.listdir(os.path.join(models, name)))
        m = json.load(open(os.path.join(models, name, [v for v in versions if v.endswith(".json")][-1])))
        as_of = m["test"][0]["as_of"]
        stimes = []
        for _ in range(a.repeat):
            _, t = run(base + ["score", "--model", name, "--models", models, "--as-of", as_of, "--no-write", "--format", "csv"])
            stimes.append(t)
        mm = m["metrics"]
        b = (m.get("baseline") or {}).get("metrics", {})
        split = m["split"].split(":")[0] + (f" (test cohort {m['test'][0]['cohorts']})" if m["test"][0]["cohorts"] else "")
        lines.append(
            f"| {target} | {split} | {sum(w['rows'] for w in m['train'])} | {mm['n']} | {mm['positives']} "
            f"| {m['params']['family']} + {m['calibrator']['method']} | {fmt(mm['auc'])} | {fmt(mm['pr_auc'])} "
            f"| {fmt(m['raw_brier'])} → {fmt(mm['brier'])} | {fmt(b.get('auc'))} "
            f"| {statistics.median(times):.2f} | {statistics.median(stimes):.2f} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)


def max_cohort(a, store):
    p, _ = run([a.radar, "--store", store, "-q", "sql", "SELECT MAX(cohort) AS c FROM students", "--format", "csv"])
    return int(p.stdout.splitlines()[1])


if __name__ == "__main__":
    main()
