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
OUT=target/bench
mkdir -p "$OUT"
PSQL=(psql -h 127.0.0.1 -U postgres -qAt)

bash deploy/dev-stack.sh >/dev/null
command -v wrk >/dev/null || { # the HTTP load generator, from Debian
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
}
cargo build --release --quiet --bin edugroup
cargo build --release --quiet -p edu-bus --example nats_rtt
BIN=target/release/edugroup

"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
export EDUGROUP_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
EDUGROUP_BIND="127.0.0.1:$PORT" RUST_LOG=error $BIN up --no-demo >"$OUT/up.log" 2>&1 &
UP=$!
trap 'kill $UP 2>/dev/null; wait $UP 2>/dev/null || true' EXIT
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 120); do curl -fs "$BASE/readyz" >/dev/null && break; sleep 0.5; done
curl -fs "$BASE/readyz" >/dev/null || { echo "system did not become ready"; cat "$OUT/up.log"; exit 1; }

TOKEN=$($BIN token --role bureau --region 411627 --hours 2)
H=(-H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json")
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
school() { curl -fs "${H[@]}" -d "{\"name\":\"$1\",\"stage\":\"junior\",\"region\":\"411627\",\"principal_name\":\"校长\",\"legal_person\":\"$1\"}" "$BASE/api/v1/schools" | json "['id']"; }
LEAD=$(school 压测龙头中学)
MEMBER=$(school 压测成员中学)
GROUP=$(curl -fs "${H[@]}" -d "{\"name\":\"压测集团\",\"model\":\"alliance\",\"lead_school_id\":\"$LEAD\",\"plaque_date\":\"2024-09-01\"}" "$BASE/api/v1/groups" | json "['id']")
curl -fs "${H[@]}" -d "{\"school_id\":\"$MEMBER\"}" "$BASE/api/v1/groups/$GROUP/members" >/dev/null
N=256
python3 - "$N" >"$OUT/roster.csv" <<'PY'
import sys
print("工号,姓名,岗位,学科,骨干级别,符合交流条件")
for i in range(int(sys.argv[1])):
    print(f"B{i:04d},压测教师{i},学科教师,数学,{'县级' if i % 5 == 0 else '无'},是")
PY
curl -fs -H "Authorization: Bearer $TOKEN" -H "Content-Type: text/csv" --data-binary @"$OUT/roster.csv" \
  "$BASE/api/v1/schools/$LEAD/teachers/import?school_year=2026" >/dev/null
IDS=$( (curl -fs "${H[@]}" "$BASE/api/v1/schools/$LEAD/teachers?school_year=2026&limit=200&offset=0"; echo; \
        curl -fs "${H[@]}" "$BASE/api/v1/schools/$LEAD/teachers?school_year=2026&limit=200&offset=200"; echo) \
      | python3 -c "import json,sys; [print(t['id']) for line in sys.stdin if line.strip() for t in json.loads(line)['items']]")

# wait until the rotation service has seen the group (events are asynchronous)
for _ in $(seq 1 100); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "${H[@]}" -d "{\"teacher_id\":\"$(echo "$IDS" | head -1)\",\"to_school_id\":\"$MEMBER\",\"kind\":\"secondment\",\"term\":{\"type\":\"dates\",\"start\":\"2029-09-01\",\"end\":\"2029-09-01\"},\"host_post\":\"warm-up\"}" "$BASE/api/v1/groups/$GROUP/postings")
  [ "$code" = 201 ] && break; sleep 0.1
done

# wrk script: every request a new one-day posting; (teacher, day) unique across threads
lua() { # $1 = school year of this run, $2 = wrk threads
  {
    echo "local ids = {"; echo "$IDS" | sed 's/.*/"&",/'; echo "}"
    cat <<LUA
local n = #ids
local base = os.time({year = $1, month = 9, day = 1, hour = 12})
local threads = 0
function setup(thread) thread:set("tid", threads); threads = threads + 1 end
local k = 0
request = function()
  local i = k * $2 + tid
  k = k + 1
  local day = os.date("!%Y-%m-%d", base + math.floor(i / n) * 86400)
  local body = string.format('{"teacher_id":"%s","to_school_id":"$MEMBER","kind":"secondment","term":{"type":"dates","start":"%s","end":"%s"},"host_post":"bench"}', ids[(i % n) + 1], day, day)
  return wrk.format("POST", "/api/v1/groups/$GROUP/postings", {["Authorization"] = "Bearer $TOKEN", ["Content-Type"] = "application/json"}, body)
end
local logged = false
response = function(status, headers, body)
  if status ~= 201 and not logged then io.write("FIRSTERR " .. status .. " " .. body .. "\n"); logged = true end
end
done = function(summary, latency, requests)
  io.write(string.format("WRKSTAT %d %d %d %d %d\n", summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, latency:percentile(50), latency:percentile(99)))
end
LUA
  } >"$OUT/post.lua"
}

# pgbench: the same transaction shape in its own schema
"${PSQL[@]}" -d "$DB" <<'SQL'
DROP SCHEMA IF EXISTS pgb CASCADE;
CREATE SCHEMA pgb;
CREATE TABLE pgb.postings (id uuid PRIMARY KEY, group_id uuid NOT NULL, teacher_id uuid NOT NULL,
  from_school_id uuid NOT NULL, to_school_id uuid NOT NULL, kind text NOT NULL, host_post text NOT NULL,
  start_date date NOT NULL, end_date date NOT NULL, school_year int NOT NULL, status text NOT NULL,
  payroll_unit_id uuid NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ON pgb.postings (teacher_id, start_date);
CREATE TABLE pgb.outbox (seq bigserial PRIMARY KEY, id uuid NOT NULL UNIQUE, event_type text NOT NULL,
  envelope jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz);
CREATE INDEX ON pgb.outbox (seq) WHERE published_at IS NULL;
SQL
cat >"$OUT/pgbench.sql" <<'SQL'
BEGIN;
INSERT INTO pgb.postings VALUES (gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'secondment', 'bench', current_date, current_date, 2026, 'proposed', gen_random_uuid(), now());
INSERT INTO pgb.outbox (id, event_type, envelope) VALUES (gen_random_uuid(), 'posting.proposed', '{"type":"posting.proposed","version":1,"payload":{"kind":"secondment"}}');
COMMIT;
SQL

pgb() { # clients → "tps p50ms"
  pgbench -h 127.0.0.1 -U postgres -n -c "$1" -j "$1" -T "$DUR" -r -f "$OUT/pgbench.sql" -l --log-prefix="$OUT/pgb" "$DB" >"$OUT/pgbench.out" 2>&1
  tps=$(grep -E '^tps' "$OUT/pgbench.out" | head -1 | sed -E 's/tps = ([0-9.]+).*/\1/')
  p50=$(cat "$OUT"/pgb.* | awk '{print $3}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]/1000}')
  rm -f "$OUT"/pgb.*
  echo "$tps $p50"
}
http() { # connections, school year of the run → "rps p50ms p99ms non2xx"
  local threads=$(( $1 < 2 ? 1 : 2 ))
  lua "$2" "$threads"
  wrk -t "$threads" -c "$1" -d "${DUR}s" --latency -s "$OUT/post.lua" "$BASE" >"$OUT/wrk.out" 2>&1
  read -r reqs non2xx sockerr p50 p99 < <(grep WRKSTAT "$OUT/wrk.out" | cut -d' ' -f2-)
  grep FIRSTERR "$OUT/wrk.out" >>"$OUT/errors.txt" || true
  echo "$(python3 -c "print(round($reqs / $DUR, 1))") $(python3 -c "print($p50 / 1000)") $(python3 -c "print($p99 / 1000)") $((non2xx + sockerr))"
}
floor() { # connections → "rps p50ms"
  wrk -t 1 -c "$1" -d "${DUR}s" --latency "$BASE/healthz" >"$OUT/floor.out" 2>&1
  rps=$(grep 'Requests/sec' "$OUT/floor.out" | awk '{print $2}')
  p50=$(grep -E '^ +50%' "$OUT/floor.out" | awk '{print $2}')
  echo "$rps $p50"
}

rm -f "$OUT/errors.txt"
declare -a R
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round/$ROUNDS" >&2
  # every HTTP run books its own school year, so no run overlaps another's postings
  R+=("pg1 $(pgb 1)" "http1 $(http 1 $((2030 + 2 * round)))" "pg16 $(pgb 16)" "http16 $(http 16 $((2031 + 2 * round)))")
done
R+=("floor1 $(floor 1)")
R+=("nats1 $(target/release/examples/nats_rtt nats://127.0.0.1:4222 "$DUR" 1 | awk '/requests/{r=$2} /p50/{p=$3} END {print r, p/1000}')")

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
