#!/usr/bin/env bash
# Load benchmark of `radar serve` on a 30,000-student store (issue 15, "Speed and load").
#
#   benches/serve_load.sh            # builds what is missing, runs, writes benches/results-serve.md
#
# What it does:
#   1. store (cached in $DATA/serve-30000, built once): `radar generate --students 30000
#      --weeks 20 --seed 1`, `radar ingest`, `radar refresh` (features, warnings,
#      typology, evaluation, recommendations, profiles), as of $NOW;
#   2. accounts: the counsellor with the most open warnings and the leader of that
#      counsellor's college, each with an API token (`radar users add`, `radar tokens create`);
#   3. `radar serve` on 127.0.0.1:$PORT with the clock $NOW;
#   4. with `oha` on loopback, $RATE requests/s for $DURATION each (latency measured from
#      the time each request was due, so a stall is not hidden):
#        GET /api/v1/warnings                       as the counsellor (their morning inbox)
#        GET /api/v1/warnings                       as the leader (the whole college)
#        GET /api/v1/students/{id}/profile          as the leader, ids rotating over the college
#      then the same three while `radar refresh --full` runs and publishes in parallel;
#   5. the server's RSS is sampled from /proc every 0.5 s; p50 / p99 / max latency, errors
#      and the peak RSS go to benches/results-serve.md.
#
# Settings (environment): RADAR (default $CARGO_TARGET_DIR/release/radar), OHA (default
# `oha` on PATH, else ~/.cache/oha/bin/oha), DATA (bench-data), PORT (18080), RATE (200),
# DURATION (60s), RESULTS (benches/results-serve.md), QUICK=1 (5 s runs, results to
# $DATA/results-serve-quick.md: a check of the harness).
# oha: `cargo install oha --locked` (its own CARGO_TARGET_DIR, e.g. ~/.cache/oha-target).
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/campus-radar/target}"
RADAR="${RADAR:-$CARGO_TARGET_DIR/release/radar}"
OHA="${OHA:-$(command -v oha || echo "$HOME/.cache/oha/bin/oha")}"
DATA="${DATA:-bench-data}"
PORT="${PORT:-18080}"
RATE="${RATE:-200}"
DURATION="${DURATION:-60s}"
RESULTS="${RESULTS:-benches/results-serve.md}"
if [ "${QUICK:-}" = 1 ]; then
  DURATION=5s
  RESULTS="$DATA/results-serve-quick.md"
fi
STUDENTS=30000
GEN="$DATA/gen-$STUDENTS"
STORE="$DATA/serve-$STUDENTS"
NOW="2026-01-26T08:00:00+08:00"
OUT="$DATA/serve-load"
BASE="http://127.0.0.1:$PORT"

[ -x "$RADAR" ] || { echo "serve_load: no radar binary at $RADAR (cargo build --release)" >&2; exit 2; }
[ -x "$OHA" ] || { echo "serve_load: no oha at $OHA (cargo install oha --locked)" >&2; exit 2; }
mkdir -p "$DATA" "$OUT"
rm -f "$OUT"/*.json "$OUT"/*.rss "$OUT"/*.log

radar() { "$RADAR" --store "$STORE" --now "$NOW" "$@"; }

# 1. The store.
if [ ! -f "$STORE/.serve-bench-ready" ]; then
  if [ ! -f "$GEN/students.csv" ]; then
    "$RADAR" -q generate --students "$STUDENTS" --weeks 20 --seed 1 --out "$GEN"
  fi
  rm -rf "$STORE"
  "$RADAR" --store "$STORE" --now 2026-01-26T00:00:00+08:00 -q ingest "$GEN"
  radar -q refresh
  touch "$STORE/.serve-bench-ready"
fi

# 2. Accounts and tokens (a fresh pair each run).
q() { radar sql "$1" --format csv | tail -n +2 | head -n 1; }
COUNSELLOR=$(q "SELECT counsellor_id FROM warnings WHERE status NOT IN ('resolved', 'false_positive') GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
COLLEGE=$(q "SELECT college FROM students WHERE counsellor_id = '$COUNSELLOR' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
LEADER=$(q "SELECT staff_id FROM staff WHERE role = 'leader' AND college = '$COLLEGE' ORDER BY 1 LIMIT 1")
[ -n "$COUNSELLOR" ] && [ -n "$LEADER" ] || { echo "serve_load: no counsellor or leader in $STORE" >&2; exit 1; }
stamp=$(date +%s)
radar -q users add "bench-c-$stamp" --role counsellor --staff-id "$COUNSELLOR" --password-stdin <<<"bench password $stamp"
radar -q users add "bench-l-$stamp" --role leader --staff-id "$LEADER" --password-stdin <<<"bench password $stamp"
C_TOKEN=$(radar -q tokens create "bench-c-$stamp" | tail -n 1)
L_TOKEN=$(radar -q tokens create "bench-l-$stamp" | tail -n 1)
# The college's students, rotated by oha's URL regex.
IDS=$(radar sql "SELECT student_id FROM students WHERE college = '$COLLEGE' ORDER BY 1" --format csv | tail -n +2 | paste -sd '|')
N_IDS=$(awk -F'|' '{print NF}' <<<"$IDS")

# 3. The server.
radar serve --addr "127.0.0.1:$PORT" 2>"$OUT/serve.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fsS "$BASE/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$BASE/healthz" >/dev/null || { echo "serve_load: the server did not start" >&2; cat "$OUT/serve.log" >&2; exit 1; }
INBOX=$(curl -fsS -H "authorization: Bearer $C_TOKEN" "$BASE/api/v1/warnings" | python3 -c 'import json,sys; v=json.load(sys.stdin); print(len(v if isinstance(v, list) else v.get("warnings", v.get("items", []))))')
COLLEGE_WARNINGS=$(curl -fsS -H "authorization: Bearer $L_TOKEN" "$BASE/api/v1/warnings" | python3 -c 'import json,sys; v=json.load(sys.stdin); print(len(v if isinstance(v, list) else v.get("warnings", v.get("items", []))))')
PROFILE_BYTES=$(curl -fsS -H "authorization: Bearer $L_TOKEN" "$BASE/api/v1/students/${IDS%%|*}/profile" | wc -c)

# Samples the server's resident memory (KiB) every 0.5 s into $1 until killed.
sample_rss() {
  while kill -0 "$SERVER" 2>/dev/null; do
    awk '/^VmRSS:/ {print $2}' "/proc/$SERVER/status" 2>/dev/null >>"$1" || true
    sleep 0.5
  done
}

# run NAME TOKEN URL [regex]: one oha run at $RATE for $DURATION.
run() {
  local name=$1 token=$2 url=$3 regex=${4:-}
  local extra=()
  [ -n "$regex" ] && extra=(--rand-regex-url)
  sample_rss "$OUT/$name.rss" &
  local sampler=$!
  "$OHA" --no-tui --output-format json --latency-correction -q "$RATE" -z "$DURATION" \
    -H "authorization: Bearer $token" "${extra[@]}" "$url" >"$OUT/$name.json"
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
}

# run_with_refresh NAME …: the same while `radar refresh --full` publishes.
run_with_refresh() {
  local name=$1
  shift
  local t0
  t0=$(date +%s.%N)
  ( rc=0
    radar -q refresh --full --wait >"$OUT/$name.refresh.log" 2>&1 || rc=$?
    echo "exit=$rc seconds=$(awk "BEGIN {print $(date +%s.%N) - $t0}")" >>"$OUT/$name.refresh.log" ) &
  local refresh=$!
  run "$name" "$@"
  wait "$refresh"
}

PROFILE_URL="$BASE/api/v1/students/($IDS)/profile"
run inbox "$C_TOKEN" "$BASE/api/v1/warnings"
run college "$L_TOKEN" "$BASE/api/v1/warnings"
run profile "$L_TOKEN" "$PROFILE_URL" regex
run_with_refresh inbox-refresh "$C_TOKEN" "$BASE/api/v1/warnings"
run_with_refresh college-refresh "$L_TOKEN" "$BASE/api/v1/warnings"
run_with_refresh profile-refresh "$L_TOKEN" "$PROFILE_URL" regex

# 5. Results.
export OUT RESULTS RATE DURATION NOW COUNSELLOR LEADER COLLEGE N_IDS INBOX COLLEGE_WARNINGS PROFILE_BYTES
python3 - <<'EOF'
import json, os, platform, subprocess
out, results = os.environ["OUT"], os.environ["RESULTS"]
def ms(x): return f"{x * 1000:.2f}" if x is not None else "–"
def peak(name):
    try:
        v = [int(l) for l in open(f"{out}/{name}.rss") if l.strip()]
    except FileNotFoundError:
        return "–"
    return f"{max(v) / 1024:.0f} MiB" if v else "–"
def refresh(name):
    try:
        last = open(f"{out}/{name}.refresh.log").read().strip().splitlines()[-1]
    except (FileNotFoundError, IndexError):
        return ""
    kv = dict(p.split("=", 1) for p in last.split() if "=" in p)
    return f"refresh --full exit {kv.get('exit')}, {float(kv.get('seconds', 'nan')):.0f} s"
rows = []
for name, what in [
    ("inbox", "GET /api/v1/warnings, counsellor"),
    ("college", "GET /api/v1/warnings, leader (college)"),
    ("profile", "GET /api/v1/students/{id}/profile, leader, ids rotating"),
    ("inbox-refresh", "GET /api/v1/warnings, counsellor, during refresh --full"),
    ("college-refresh", "GET /api/v1/warnings, leader, during refresh --full"),
    ("profile-refresh", "GET /api/v1/students/{id}/profile, during refresh --full"),
]:
    r = json.load(open(f"{out}/{name}.json"))
    s, p = r["summary"], r["latencyPercentiles"]
    codes = r.get("statusCodeDistribution", {})
    errors = sum(r.get("errorDistribution", {}).values()) + sum(n for c, n in codes.items() if not c.startswith("2"))
    total = sum(codes.values()) + sum(r.get("errorDistribution", {}).values())
    rows.append(f"| {what} | {total:,} | {s['requestsPerSec']:.1f} | {ms(p.get('p50'))} | {ms(p.get('p99'))} | "
                f"{ms(s.get('slowest'))} | {errors} | {peak(name)} | {refresh(name)} |")
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
mem = next((l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal")), "0")
oha = subprocess.run([os.environ.get("OHA", "oha"), "--version"], capture_output=True, text=True).stdout.strip()
e = os.environ
text = f"""# `radar serve` under load — 30,000 students

Command: `benches/serve_load.sh` (one command; it builds the store when missing).
Store: `radar generate --students 30000 --weeks 20 --seed 1`, ingested and refreshed as of
{e['NOW']} (features, warnings, typology, evaluation, recommendations, profiles).
Load: {oha} on loopback, {e['RATE']} requests/s for {e['DURATION']} per row, latency counted from
the time each request was due (`--latency-correction`), keep-alive connections.
Callers: counsellor {e['COUNSELLOR']} ({e['INBOX']} warnings in the inbox), leader {e['LEADER']}
of their college ({e['COLLEGE_WARNINGS']} warnings; profiles of its {e['N_IDS']} students in rotation,
{e['PROFILE_BYTES']} bytes for the first). The server runs with `--now {e['NOW']}`.
Machine: {cpu}, {os.cpu_count()} cores, {int(mem) / 1048576:.0f} GiB; the load tool, the server and
(in the last three rows) the refresh share the cores.

Targets (issue 15): p99 ≤ 50 ms and zero errors, also while a full refresh publishes.

| route and caller | requests | req/s | p50 ms | p99 ms | max ms | errors | server peak RSS | refresh |
|---|---:|---:|---:|---:|---:|---:|---:|---|
""" + "\n".join(rows) + "\n"
open(results, "w").write(text)
print(text)
EOF
