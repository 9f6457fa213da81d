#!/usr/bin/env python3
"""Risk models on real students: the OULAD excerpt (CC BY 4.0, Kuzilek et al. 2017).

Imports sample_data/oulad with `radar import oulad`, ingests it, and for weeks 4, 8 and 12
trains on AAA 2013J and tests on AAA 2014J (fail-or-withdraw among students still
registered at the cut-off, features from what was known by then), next to the click-count
baseline. Then trains `oulad-bbb` on BBB 2013B at week 8 (backtested on AAA 2014J, the
only later presentation in the excerpt).

    python3 benches/oulad_eval.py [--radar PATH] [--out benches/results-oulad.md]
        [--install-bbb]   # copy the oulad-bbb model into models/ (the shipped model)
"""

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DAY0 = {"2013J": dt.date(2013, 10, 1), "2014J": dt.date(2014, 10, 1), "2013B": dt.date(2013, 2, 1)}


def run(cmd, **kw):
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return p, time.perf_counter() - t


def cut(pres, week):
    return (DAY0[pres] + dt.timedelta(days=7 * week)).isoformat()


def sub(m):
    """The model used for students without earlier grades, when there is one."""
    nh = m.get("no_history")
    return f"; no history ({nh['test_rows']}): {nh['params']['family']}" if nh else ""


def fmt(v):
    return "-" if v is None else f"{v:.3f}"


def main():
    ap = argparse.ArgumentParser()
    default_bin = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "radar")
    ap.add_argument("--radar", default=default_bin)
    ap.add_argument("--out", default=os.path.join(ROOT, "benches", "results-oulad.md"))
    ap.add_argument("--install-bbb", action="store_true")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="oulad-eval-")
    store, models, data = (os.path.join(work, x) for x in ("store", "models", "contract"))
    base = [a.radar, "--store", store, "--now", "2016-01-01T00:00:00+08:00", "-q"]
    _, t_import = run([a.radar, "-q", "import", "oulad", os.path.join(ROOT, "sample_data", "oulad"), "--out", data, "--format", "json"])
    _, t_ingest = run(base + ["ingest", data])
    lines = [
        "# Risk models on OULAD (real students)",
        "",
        "Data: the OULAD excerpt in `sample_data/oulad` (Kuzilek, Hlosta & Zdrahal 2017, CC BY 4.0).",
        "Command: `python3 benches/oulad_eval.py`. Target: fail or withdraw (a withdrawal is an",
        "`absent` grade), among students still registered at the cut-off; features from records",
        "before the cut-off only. Train AAA 2013J, test AAA 2014J.",
        "",
        f"Import {t_import:.1f} s, ingest {t_ingest:.1f} s.",
        "",
        "| week (day) | test rows | positives | chosen model | AUC | PR-AUC | Brier | baseline (clicks alone) AUC | PR-AUC | Brier | train+test s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    results = {}
    for week in (4, 8, 12):
        name = f"oulad-aaa-w{week}"
        cmd = base + ["train", "--name", name, "--target", "any-fail", "--models", models,
                      "--train-as-of", cut("2013J", week), "--test-as-of", cut("2014J", week), "--format", "json"]
        _, secs = run(cmd)
        m = json.load(open(os.path.join(models, name, "v1.json")))
        b = (m.get("baseline") or {}).get("metrics", {})
        mm = m["metrics"]
        results[week] = m
        lines.append(
            f"| {week} ({7 * week}) | {mm['n']} | {mm['positives']} | {m['params']['family']} + {m['calibrator']['method']}{sub(m)} "
            f"| {fmt(mm['auc'])} | {fmt(mm['pr_auc'])} | {fmt(mm['brier'])} | {fmt(b.get('auc'))} | {fmt(b.get('pr_auc'))} | {fmt(b.get('brier'))} | {secs:.1f} |"
        )
    # oulad-bbb: BBB 2013B at week 8, backtested on AAA 2014J week 8.
    cmd = base + ["train", "--name", "oulad-bbb", "--target", "any-fail", "--models", models,
                  "--train-as-of", cut("2013B", 8), "--test-as-of", cut("2014J", 8), "--format", "json"]
    _, secs = run(cmd)
    bbb = json.load(open(os.path.join(models, "oulad-bbb", "v1.json")))
    lines += [
        "",
        f"`oulad-bbb`: trained on BBB 2013B as of {cut('2013B', 8)} ({bbb['train'][0]['rows']} students), "
        f"{bbb['params']['family']}; backtest on AAA 2014J week 8 (another module, a later term): "
        f"AUC {fmt(bbb['metrics']['auc'])}, PR-AUC {fmt(bbb['metrics']['pr_auc'])}, Brier {fmt(bbb['metrics']['brier'])} "
        f"({secs:.1f} s).",
        "",
        "Week-8 model card (`radar models show oulad-aaa-w8`):",
        "",
        "```",
    ]
    card, _ = run(base + ["models", "show", "oulad-aaa-w8", "--models", models])
    lines += card.stdout.rstrip().splitlines() + ["```", ""]
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    if a.install_bbb:
        dest = os.path.join(ROOT, "models", "oulad-bbb")
        os.makedirs(dest, exist_ok=True)
        shutil.copy(os.path.join(models, "oulad-bbb", "v1.json"), os.path.join(dest, "v1.json"))
        with open(os.path.join(dest, "ACTIVE"), "w") as f:
            f.write("v1\n")
        print(f"installed {dest}/v1.json", file=sys.stderr)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
