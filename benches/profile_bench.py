#!/usr/bin/env python3
"""Profile lookup latency: `radar profile ID` for random students of a built store.

Reports, over --n lookups of distinct random students (after a warm-up):
  - the CLI end to end (process start, store open, serving read, masking, rendering), and
  - the precomputed profile read itself, as `radar -v` reports it on stderr.

Usage: python3 benches/profile_bench.py --store bench-data/store-30000 [--n 200] [--format text]
The store must hold a profile build (`radar --store S profile --all`, or a nightly refresh).
"""
import argparse
import random
import re
import sqlite3
import statistics
import subprocess
import time
from pathlib import Path


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--store", required=True)
    ap.add_argument("--radar", default=str(Path.home() / ".cache/campus-radar/target/release/radar"))
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--format", default="text", choices=["text", "json", "html"])
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    db = sqlite3.connect(f"file:{Path(a.store) / 'profiles.sqlite'}?mode=ro", uri=True)
    ids = [r[0] for r in db.execute("SELECT student_id FROM profiles")]
    size = db.execute("SELECT avg(length(doc)) FROM profiles").fetchone()[0]
    db.close()
    random.Random(a.seed).shuffle(ids)
    picked = ids[: a.n]
    for sid in ids[a.n : a.n + 5]:
        subprocess.run([a.radar, "--store", a.store, "profile", sid], capture_output=True, check=True)
    wall, read = [], []
    for sid in picked:
        t = time.perf_counter()
        out = subprocess.run(
            [a.radar, "-v", "--store", a.store, "profile", sid, "--format", a.format], capture_output=True, check=True
        )
        wall.append((time.perf_counter() - t) * 1e3)
        m = re.search(r"read from the serving copy in ([0-9.]+) ms", out.stderr.decode())
        if m:
            read.append(float(m.group(1)))
    print(f"students in the build: {len(ids)}; mean document {size / 1024:.1f} KiB; lookups: {len(picked)}")
    print(f"CLI end to end ({a.format}): median {statistics.median(wall):.1f} ms, p99 {pct(wall, 0.99):.1f} ms")
    if read:
        print(f"serving read itself:       median {statistics.median(read):.3f} ms, p99 {pct(read, 0.99):.3f} ms")


if __name__ == "__main__":
    main()
