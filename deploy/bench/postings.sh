#!/usr/bin/env bash
# Benchmark: creating postings through the HTTP API (JWT → lead-api → NATS → rotation:
# posting row + outbox row committed) at 1 and 16 connections, against the machine's own
# limits measured in the same run, alternating: a pgbench transaction of the same shape
# (one row insert plus one outbox insert, committed), the HTTP floor (GET /healthz) and the
# raw NATS round trip. Release build, fresh database `edugroup_bench`.
#
#   deploy/bench/postings.sh            # DUR=15 ROUNDS=3 by default
# Prints a table and writes it to target/bench/postings.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
DUR=${DUR:-15}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-18080}
DB=edugroup_bench
# shellcheck source=deploy/bench/lib.sh
source deploy/bench/lib.sh

bench_init
cargo build --release --quiet -p edu-dev --bin edugroup-dev
cargo build --release --quiet -p edu-bench --bin nats_rtt

bench_fresh_db "$DB"
trap bench_stop EXIT
bench_up "$PORT"
bench_token
bench_posting_fixture 256
pgbench_posting_schema "$DB"

rm -f "$OUT/errors.txt"
declare -a R
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round/$ROUNDS" >&2
  # every HTTP run books its own school year, so no run overlaps another's postings
  R+=("pg1 $(pgb 1 -f "$OUT/pgbench.sql")" "http1 $(http 1 $((2030 + 2 * round)))" "pg16 $(pgb 16 -f "$OUT/pgbench.sql")" "http16 $(http 16 $((2031 + 2 * round)))")
done
R+=("floor1 $(floor 1)")
R+=("nats1 $(nats_rtt 1)")

printf '%s\n' "${R[@]}" >"$OUT/raw.txt"
python3 - "$OUT/raw.txt" "$DUR" "$ROUNDS" <<'PY' | tee "$OUT/postings.md"
import statistics, sys, re
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
def col(name, i): return [float(r[i]) for r in rows if r[0] == name]
def ms(s):  # wrk prints e.g. 512.00us / 1.20ms
    m = re.match(r"([0-9.]+)(us|ms|s)", s); v = float(m.group(1)); return v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v
med = statistics.median
pg1, pg16 = med(col("pg1", 1)), med(col("pg16", 1))
pg1_p50 = med(col("pg1", 2))
h1, h16 = med(col("http1", 1)), med(col("http16", 1))
h1_p50, h16_p50 = med(col("http1", 2)), med(col("http16", 2))
h1_p99, h16_p99 = med(col("http1", 3)), med(col("http16", 3))
errors = sum(col("http1", 4)) + sum(col("http16", 4))
floor = [r for r in rows if r[0] == "floor1"][0]
floor_p50 = ms(floor[2])
nats = [r for r in rows if r[0] == "nats1"][0]
nats_p50 = float(nats[2])
budget = 2 * (floor_p50 + nats_p50 + pg1_p50)
print(f"# Posting creation through the HTTP API vs this machine's limits ({sys.argv[3]} alternating rounds of {sys.argv[2]} s, medians)\n")
print("| measure | 1 connection | 16 connections |")
print("|---|---|---|")
print(f"| pgbench, same-shape transaction (tps) | {pg1:.0f} | {pg16:.0f} |")
print(f"| POST /groups/{{g}}/postings (req/s) | {h1:.0f} | {h16:.0f} |")
print(f"| **ratio HTTP / pgbench** | {h1/pg1:.2f} | **{h16/pg16:.2f}** (goal ≥ 0.45) |")
print(f"| HTTP p50 / p99 (ms) | {h1_p50:.2f} / {h1_p99:.2f} | {h16_p50:.2f} / {h16_p99:.2f} |")
print(f"| non-2xx or socket errors | {errors:.0f} | |")
print(f"\nAt 1 connection: p50 {h1_p50:.2f} ms against the budget 2 × (HTTP floor {floor_p50:.3f} ms + NATS round trip {nats_p50:.3f} ms + pgbench p50 {pg1_p50:.3f} ms) = {budget:.2f} ms → {'within' if h1_p50 <= budget else 'OVER'} ({h1_p50 / budget:.2f} of the budget).")
print(f"HTTP floor: GET /healthz {float(floor[1]):.0f} req/s at 1 connection; raw NATS request/reply {float(nats[1]):.0f}/s at 1.")
PY
