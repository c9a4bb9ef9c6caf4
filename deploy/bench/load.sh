#!/usr/bin/env bash
# Load benchmarks against the running system (`edugroup-dev up --no-demo`,
# release build, fresh database `edugroup_load`, wrk), each next to the machine's own limits
# measured in the same run, alternating, ROUNDS rounds of DUR seconds, medians:
#   read   GET /groups/{g}/members (JWT → NATS → PK select) at 64 and 1 connections vs the
#          actix hello floor (tools/bench/src/bin/hello.rs), the raw NATS
#          request/reply (tools/bench/src/bin/nats_rtt.rs) and pgbench -S;
#   write  POST /groups/{g}/postings (NATS → posting row + outbox row committed) at 16 and 1
#          connections vs pgbench of the same two-insert transaction;
#   JWT    the API's verifier on one core (tools/bench/src/bin/jwt_verify.rs) as a share of
#          the endpoints' per-request CPU;
#   lag    outbox commit → the evaluation service's consumer commit, at half the write rate;
#   drain  a backlog of EVENTS outbox rows published by the relay vs a raw JetStream
#          publish+ack loop with the relay's window (tools/bench/src/bin/outbox_drain.rs);
#   overload  throughput vs connections on the read (the knee), then 4 × the knee's
#          connections and twice the API's in-flight limit and queue: 2xx rate, every 5xx by code, 503/429
#          with Retry-After, memory.
# The baselines of the first round are measured again in the last; a drift over 25 % marks
# the run INVALID (the machine is shared and its disk is noisy).
#
#   deploy/bench/load.sh                 # DUR=15 ROUNDS=3 KNEE_DUR=5 EVENTS=100000
# Writes deploy/bench/RESULTS-load.md (raw figures in target/bench/load-raw.txt).
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../.."
DUR=${DUR:-15}
ROUNDS=${ROUNDS:-3}
KNEE_DUR=${KNEE_DUR:-5}
EVENTS=${EVENTS:-100000}
PORT=${PORT:-18082}
HELLO_PORT=${HELLO_PORT:-18083}
DB=edugroup_load
RESULTS=deploy/bench/RESULTS-load.md
# shellcheck source=deploy/bench/lib.sh
source deploy/bench/lib.sh

bench_init
cargo build --release --quiet -p edu-dev --bin edugroup-dev
cargo build --release --quiet -p edu-bench --bin nats_rtt --bin outbox_drain --bin hello --bin jwt_verify
# the relay's in-flight window and the API's default in-flight limit, from the code
WINDOW=$(sed -nE 's/^const BATCH: i64 = ([0-9]+);/\1/p' shared/bus/src/relay.rs)
LIMIT=${EDUGROUP_HTTP_MAX_IN_FLIGHT:-$(sed -nE 's/^pub const DEFAULT_MAX_IN_FLIGHT: usize = ([0-9]+);/\1/p' services/lead-api/src/shed.rs)}
QUEUE=$((LIMIT * $(sed -nE 's/^pub const DEFAULT_QUEUE_PER_PLACE: usize = ([0-9]+);/\1/p' services/lead-api/src/shed.rs)))
CORES=$(nproc)

HELLO=
SAMPLER=
cleanup() {
  for pid in $SAMPLER $HELLO; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  bench_stop
}
trap cleanup EXIT
bench_fresh_db "$DB"
bench_up "$PORT"
target/release/hello "127.0.0.1:$HELLO_PORT" 2 >/dev/null 2>&1 &
HELLO=$!
bench_token
bench_posting_fixture 256
pgbench_posting_schema "$DB"
pgbench -h 127.0.0.1 -U postgres -i -s 10 -q "$DB" >/dev/null 2>&1
READ="$BASE/api/v1/groups/$GROUP/members"
AUTH=(-H "Authorization: Bearer $TOKEN")
HELLO_URL="http://127.0.0.1:$HELLO_PORT/"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
rm -f "$OUT/errors.txt"

drain() { # relay|raw → "events/s"
  target/release/outbox_drain "$EDUGROUP_DATABASE_URL" "$NATS_URL" "$1" "$EVENTS" "$WINDOW" | awk '/events/{print $2}'
}
jwt() { target/release/jwt_verify 5 | awk '/verifications/{v=$2} /ns/{n=$2} END {print v, n}'; }

# peak RSS (kB) of the `up` process while a command runs
rss_start() {
  (while kill -0 "$UP" 2>/dev/null; do awk '/VmRSS/{print $2}' "/proc/$UP/status"; sleep 0.2; done) >"$OUT/rss.txt" &
  SAMPLER=$!
}
rss_stop() {
  kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true; SAMPLER=
  sort -n "$OUT/rss.txt" | tail -1
}

# the read with every status counted: "2xx/s 503 429 500 other5xx other noretry sockerr p50us p99us rsskB"
cat >"$OUT/read.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $TOKEN"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; s503 = 0; s429 = 0; s500 = 0; s5xx = 0; other = 0; noretry = 0 end
function response(status, headers, body)
  if status < 300 then ok = ok + 1
  elseif status == 503 or status == 429 then
    if status == 503 then s503 = s503 + 1 else s429 = s429 + 1 end
    if headers["retry-after"] == nil and headers["Retry-After"] == nil then noretry = noretry + 1 end
  elseif status == 500 then s500 = s500 + 1
  elseif status > 500 then s5xx = s5xx + 1
  else other = other + 1 end
end
function done(summary, latency, requests)
  local t = {ok = 0, s503 = 0, s429 = 0, s500 = 0, s5xx = 0, other = 0, noretry = 0}
  for _, th in ipairs(threads) do for k, _ in pairs(t) do t[k] = t[k] + th:get(k) end end
  local sock = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("STATUS %d %d %d %d %d %d %d %d %d %d\n", t.ok, t.s503, t.s429, t.s500, t.s5xx, t.other, t.noretry, sock, latency:percentile(50), latency:percentile(99)))
end
LUA
counted() { # connections seconds → "2xx/s 503 429 500 5xx other noretry sockerr p50us p99us rsskB"
  rss_start
  wrk -t $(( $1 < 2 ? 1 : 2 )) -c "$1" -d "${2}s" --latency -s "$OUT/read.lua" "$READ" >"$OUT/counted.out" 2>&1
  local rss ok rest
  rss=$(rss_stop)
  read -r ok rest < <(grep STATUS "$OUT/counted.out" | cut -d' ' -f2-)
  echo "$(python3 -c "print(round($ok / $2, 1))") $rest $rss"
}

declare -a R
baselines_first() { # round: the baselines of the read, alternating with the read itself
  R+=("hello64 $1 $(wrk_get 64 "$HELLO_URL")")
  R+=("read64 $1 $(wrk_get 64 "$READ" "${AUTH[@]}")")
  R+=("nats64 $1 $(nats_rtt 64)")
  R+=("pgS64 $1 $(pgb 64 -S)")
  R+=("hello1 $1 $(wrk_get 1 "$HELLO_URL")")
  R+=("read1 $1 $(wrk_get 1 "$READ" "${AUTH[@]}")")
  R+=("nats1 $1 $(nats_rtt 1)")
  R+=("pgS1 $1 $(pgb 1 -S)")
}
baselines_write() { # round: the write's baselines, alternating with the write and the drain
  R+=("pgW16 $1 $(pgb 16 -f "$OUT/pgbench.sql")")
  R+=("write16 $1 $(http 16 $((2031 + 2 * $1)))")
  R+=("pgW1 $1 $(pgb 1 -f "$OUT/pgbench.sql")")
  R+=("write1 $1 $(http 1 $((2030 + 2 * $1)))")
  R+=("jsraw $1 $(drain raw)")
  R+=("relay $1 $(drain relay)")
}
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round/$ROUNDS: read, write, drain" >&2
  baselines_first "$round"
  baselines_write "$round"
  R+=("jwt $round $(jwt)")
done

med() { printf '%s\n' "${R[@]}" | awk -v n="$1" -v c="$2" '$1 == n {print $c}' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# event lag at half the write rate: 4 connections, each pacing its requests
WRITE16=$(med write16 3)
WRITE1_P50=$(med write1 4)
PACE=$(python3 -c "print(max(0, round(4 * 1000 / ($WRITE16 / 2) - $WRITE1_P50)))")
for round in $(seq 1 "$ROUNDS"); do
  echo "lag $round/$ROUNDS at ~$(python3 -c "print(round($WRITE16 / 2))") req/s" >&2
  T0=$("${PSQL[@]}" -d "$DB" -c "SELECT now()")
  posting_lua $((2050 + round)) 1 "$PACE"
  out=$(wrk_posting -t 1 -c 4)
  T1=$("${PSQL[@]}" -d "$DB" -c "SELECT now()")
  sleep 2 # let the consumer finish the last events
  lag=$("${PSQL[@]}" -F' ' -d "$DB" -c "
    SELECT count(*), count(i.event_id),
           coalesce(round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM i.processed_at - o.created_at)))::numeric * 1000, 3), -1),
           coalesce(round((percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM i.processed_at - o.created_at)))::numeric * 1000, 3), -1)
    FROM rotation.outbox o LEFT JOIN evaluation.inbox i ON i.event_id = o.id
    WHERE o.event_type = 'posting.proposed' AND o.created_at BETWEEN '$T0' AND '$T1'")
  R+=("lag $round $(echo "$out" | cut -d' ' -f1) $lag")
done

# the knee: 2xx throughput vs connections on the read
for c in 1 2 4 8 16 32 64 128; do
  echo "knee: $c connections" >&2
  R+=("knee $c $(counted "$c" "$KNEE_DUR")")
done
KNEE=$(printf '%s\n' "${R[@]}" | python3 -c "
import sys
rows = [l.split() for l in sys.stdin if l.startswith('knee ')]
peak = max(float(r[2]) for r in rows)
print(min(int(r[1]) for r in rows if float(r[2]) >= 0.9 * peak))")
OVER=$((4 * KNEE))
for round in $(seq 1 "$ROUNDS"); do
  echo "overload $round/$ROUNDS: $OVER connections (4 × the knee, $KNEE)" >&2
  R+=("over $round $OVER $(counted "$OVER" "$DUR")")
done
# beyond the in-flight limit and its queue (as many again), so that the shedding itself is
# exercised
SHED=$((2 * (LIMIT + QUEUE)))
echo "shedding: $SHED connections (2 × (the in-flight limit $LIMIT + its queue $QUEUE))" >&2
R+=("shed 1 $SHED $(counted "$SHED" "$DUR")")

# peak memory: the `up` process (every service and the API), nats-server, the system's
# PostgreSQL backends
UP_HWM=$(awk '/VmHWM/{print $2}' "/proc/$UP/status")
NATS_HWM=$([ -n "$NATS_PID" ] && awk '/VmHWM/{print $2}' "/proc/$NATS_PID/status" || echo 0)
NATS_RSS=$([ -n "$NATS_PID" ] && awk '/VmRSS/{print $2}' "/proc/$NATS_PID/status" || echo 0)
PG_PIDS=$("${PSQL[@]}" -d "$DB" -c "SELECT pid FROM pg_stat_activity WHERE datname = '$DB' AND pid <> pg_backend_pid()")
PG_BACKENDS=$(echo "$PG_PIDS" | grep -c . || true)
PG_ANON=$(for p in $PG_PIDS; do awk '/RssAnon/{print $2}' "/proc/$p/status" 2>/dev/null; done | awk '{s+=$1} END {print s+0}')
PG_HWM=$(for p in $PG_PIDS; do awk '/VmHWM/{print $2}' "/proc/$p/status" 2>/dev/null; done | sort -n | tail -1)
R+=("mem 0 $UP_HWM $NATS_HWM $NATS_RSS $PG_BACKENDS $PG_ANON ${PG_HWM:-0}")
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

printf '%s\n' "${R[@]}" >"$OUT/load-raw.txt"
cat "$OUT/errors.txt" 2>/dev/null | sort | uniq -c | head -5 >&2 || true
python3 - "$OUT/load-raw.txt" "$DUR" "$ROUNDS" "$KNEE_DUR" "$EVENTS" "$WINDOW" "$LIMIT $QUEUE" "$CORES" \
  "$LOAD_START" "$LOAD_END" "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- services shared src || echo ' with uncommitted changes in the working tree')" "$KNEE" <<'PY' | tee "$OUT/load.md" >"$RESULTS"
import re, statistics, sys
from datetime import date
raw, dur, rounds, knee_dur, events, window, limit, cores, load0, load1, commit, knee = sys.argv[1:]
limit, queue = limit.split()
rounds, cores, limit, queue, knee = int(rounds), int(cores), int(limit), int(queue), int(knee)
rows = [l.split() for l in open(raw) if l.strip()]
def ms(s):  # wrk prints 512.00us / 1.20ms / 1.02s; the others are already ms
    m = re.match(r"([0-9.]+)(us|ms|s)?$", s); v = float(m.group(1))
    return {"us": v / 1000, "s": v * 1000}.get(m.group(2), v)
def vals(name, i, conv=float): return [conv(r[i]) for r in rows if r[0] == name]
def med(name, i, conv=float): return statistics.median(vals(name, i, conv))
def at(name, rnd, i): return [float(r[i]) for r in rows if r[0] == name and r[1] == str(rnd)][0]
H = lambda *xs: 1 / sum(1 / x for x in xs)
ok = lambda b: "**met**" if b else "**not met**"

# drift of every baseline's throughput, first round vs last
base = ["hello64", "nats64", "pgS64", "hello1", "nats1", "pgS1", "pgW16", "pgW1", "jsraw"]
change = {b: (at(b, rounds, 2) - at(b, 1, 2)) / at(b, 1, 2) for b in base}
drift = {b: abs(c) for b, c in change.items()}
worst = max(drift, key=drift.get)
invalid = rounds < 2 or drift[worst] > 0.25

hello64, nats64, pgS64 = med("hello64", 2), med("nats64", 2), med("pgS64", 2)
read64, read1 = med("read64", 2), med("read1", 2)
read1_p50, read1_p99 = med("read1", 3, ms), med("read1", 4, ms)
read64_p50, read64_p99 = med("read64", 3, ms), med("read64", 4, ms)
hello1_p50, nats1_p50, pgS1_p50 = med("hello1", 3, ms), med("nats1", 3), med("pgS1", 3)
h_read = H(hello64, nats64, pgS64)
read_budget = 2.5 * (hello1_p50 + nats1_p50 + pgS1_p50)
pgW16, pgW1, pgW1_p50 = med("pgW16", 2), med("pgW1", 2), med("pgW1", 3)
w16, w1 = med("write16", 2), med("write1", 2)
w16_p50, w16_p99, w1_p50, w1_p99 = med("write16", 3), med("write16", 4), med("write1", 3), med("write1", 4)
write_budget = 2 * (hello1_p50 + nats1_p50 + pgW1_p50)
errors = sum(vals("read64", 5)) + sum(vals("read1", 5)) + sum(vals("write16", 5)) + sum(vals("write1", 5))
jwt_ops, jwt_ns = med("jwt", 2), med("jwt", 3)
# the share of the machine's CPU per request that verification takes, at the measured rate
share = lambda rps: rps * jwt_ns / (cores * 1e9)
lag_rate, lag_n, lag_seen = med("lag", 2), sum(vals("lag", 3)), sum(vals("lag", 4))
lag_p50, lag_p99 = med("lag", 5), med("lag", 6)
jsraw, relay = med("jsraw", 2), med("relay", 2)
knees = [r for r in rows if r[0] == "knee"]
peak = max(float(r[2]) for r in knees)
knee_row = [r for r in knees if int(r[1]) == knee][0]
knee_rss = float(knee_row[12])
over = [r for r in rows if r[0] == "over"]
over_conns = int(over[0][2])
over_rps = statistics.median(float(r[3]) for r in over)
over_rss = max(float(r[13]) for r in over)
def codes(rs):
    s = lambda i: sum(int(r[i]) for r in rs)
    return {"503": s(4), "429": s(5), "500": s(6), "other 5xx": s(7), "other non-2xx": s(8), "shed without Retry-After": s(9), "socket errors": s(10)}
oc = codes(over)
shed = [r for r in rows if r[0] == "shed"]
sc = codes(shed)
mem = [r for r in rows if r[0] == "mem"][0]

print(f"<!-- produced by: DUR={dur} ROUNDS={rounds} KNEE_DUR={knee_dur} EVENTS={events} deploy/bench/load.sh at commit {commit}, {date.today()}, {cores} cores (the load averages show what else ran); load average (1/5/15 min) {load0} at the start, {load1} at the end -->")
print(f"# Load benchmarks: the system vs this machine's limits ({rounds} alternating rounds of {dur} s, medians)\n")
if invalid:
    why = "fewer than 2 rounds: no drift check" if rounds < 2 else f"{worst} moved {drift[worst]:.0%} between the first and the last round (limit 25 %)"
    print(f"**INVALID run**: {why}. The figures below are kept for reference only.\n")
else:
    print(f"Valid run: every baseline within 25 % between the first and the last round (largest drift {worst} {drift[worst]:.0%}).\n")
print(f"Load average (1/5/15 min): {load0} at the start, {load1} at the end; {cores} cores.\n")
print("| goal | measured | target | |")
print("|---|---|---|---|")
print(f"| read at 64 connections / H(actix hello, NATS request/reply, pgbench -S) | {read64:.0f} / H({hello64:.0f}, {nats64:.0f}, {pgS64:.0f}) = {read64:.0f} / {h_read:.0f} = **{read64 / h_read:.2f}** | ≥ 0.5 | {ok(read64 / h_read >= 0.5)} |")
print(f"| read p50 at 1 connection | {read1_p50:.3f} ms = **{read1_p50 / read_budget * 2.5:.2f} ×** the sum {hello1_p50:.3f} + {nats1_p50:.3f} + {pgS1_p50:.3f} ms | ≤ 2.5 × | {ok(read1_p50 <= read_budget)} |")
print(f"| write at 16 connections / pgbench of the same two inserts | {w16:.0f} / {pgW16:.0f} = **{w16 / pgW16:.2f}** | ≥ 0.45 | {ok(w16 / pgW16 >= 0.45)} |")
print(f"| write p50 at 1 connection | {w1_p50:.3f} ms = **{w1_p50 / write_budget * 2:.2f} ×** the sum {hello1_p50:.3f} + {nats1_p50:.3f} + {pgW1_p50:.3f} ms | ≤ 2 × | {ok(w1_p50 <= write_budget)} |")
print(f"| JWT verification's share of the read at 64 / the write at 16 | {jwt_ns / 1000:.2f} µs per token → **{share(read64):.1%}** / **{share(w16):.1%}** | ≤ 10 % | {ok(max(share(read64), share(w16)) <= 0.10)} |")
print(f"| event lag, outbox commit → evaluation consumer commit, at {lag_rate:.0f} req/s (half of {w16:.0f}) | p50 **{lag_p50:.2f} ms**, p99 {lag_p99:.2f} ms ({lag_seen:.0f} of {lag_n:.0f} events seen) | p50 ≤ 5 ms | {ok(lag_p50 <= 5)} |")
print(f"| draining {int(events):,} outbox events / raw JetStream publish+ack, window {window} | {relay:.0f} / {jsraw:.0f} events/s = **{relay / jsraw:.2f}** | ≥ 0.5 | {ok(relay / jsraw >= 0.5)} |")
over_ok = over_rps >= 0.8 * peak and oc["500"] == 0 and oc["other 5xx"] == 0 and oc["shed without Retry-After"] == 0 and over_rss <= 2 * knee_rss
print(f"| overload: read at {over_conns} connections (4 × the knee at {knee}) | **{over_rps / peak:.2f}** × peak ({over_rps:.0f} / {peak:.0f} 2xx/s); 500s {oc['500']}, other 5xx {oc['other 5xx']}, shed 503 {oc['503']} / 429 {oc['429']}, without Retry-After {oc['shed without Retry-After']}; RSS {over_rss / 1024:.0f} MiB vs {knee_rss / 1024:.0f} MiB at the knee | ≥ 0.8 ×, no 500, shed with Retry-After, ≤ 2 × memory | {ok(over_ok)} |")
print()
print("| measure | req/s | p50 (ms) | p99 (ms) |")
print("|---|---|---|---|")
for name, label in [("hello64", "actix hello, 64 connections"), ("read64", "GET members, 64 connections"), ("hello1", "actix hello, 1 connection"), ("read1", "GET members, 1 connection")]:
    print(f"| {label} | {med(name, 2):.0f} | {med(name, 3, ms):.3f} | {med(name, 4, ms):.3f} |")
print(f"| NATS request/reply, 64 in flight / 1 | {nats64:.0f} / {med('nats1', 2):.0f} | – / {nats1_p50:.3f} | |")
print(f"| pgbench -S, 64 clients / 1 | {pgS64:.0f} / {med('pgS1', 2):.0f} | {med('pgS64', 3):.3f} / {pgS1_p50:.3f} | |")
print(f"| pgbench two inserts, 16 clients / 1 | {pgW16:.0f} / {pgW1:.0f} | {med('pgW16', 3):.3f} / {pgW1_p50:.3f} | |")
print(f"| POST postings, 16 connections | {w16:.0f} | {w16_p50:.3f} | {w16_p99:.3f} |")
print(f"| POST postings, 1 connection | {w1:.0f} | {w1_p50:.3f} | {w1_p99:.3f} |")
print(f"| overload, {over_conns} connections (2xx/s) | {over_rps:.0f} | {med('over', 11) / 1000:.3f} | {med('over', 12) / 1000:.3f} |")
print(f"| beyond the limit, {shed[0][2]} connections = 2 × ({limit} in flight + {queue} waiting) (2xx/s) | {float(shed[0][3]):.0f} | {float(shed[0][11]) / 1000:.3f} | {float(shed[0][12]) / 1000:.3f} |")
print(f"\nNon-2xx or socket errors in the read and write runs: {errors:.0f}. Beyond the limit: {', '.join(f'{k} {v}' for k, v in sc.items())}; RSS {float(shed[0][13]) / 1024:.0f} MiB.")
print("\nKnee (read, {} s per level; 2xx/s by connections): ".format(knee_dur) + ", ".join(f"{r[1]}: {float(r[2]):.0f}" for r in knees) + f" → the knee is the fewest connections reaching 90 % of the peak: {knee}.")
print(f"\nPeak memory: `edugroup-dev up` runs every service and the API in one process: VmHWM **{int(mem[2]) / 1024:.0f} MiB**. "
      f"nats-server (the benchmark's own): VmHWM {int(mem[3]) / 1024:.0f} MiB, now {int(mem[4]) / 1024:.0f} MiB. "
      f"PostgreSQL: {mem[5]} backends of the system's database, private memory (RssAnon) {int(mem[6]) / 1024:.0f} MiB in all, largest VmHWM {int(mem[7]) / 1024:.0f} MiB (counts the shared buffers it touched).")
print("\nBaseline drift, first round → last round: " + ", ".join(f"{b} {at(b, 1, 2):.0f} → {at(b, rounds, 2):.0f} ({change[b]:+.0%})" for b in base) + ".")
PY
cat "$RESULTS"
