# Shared parts of the benchmark scripts (sourced, from the repository's root):
# the local stack and wrk, a fresh database, `edugroup-dev up` on a port, a bureau token, the
# posting fixture (a group, its member school and a roster), and the load generators with
# their one-line results (wrk, pgbench, the raw NATS round trip).
# shellcheck shell=bash

OUT=${OUT:-target/bench}
PSQL=(psql -h 127.0.0.1 -U postgres -qAt -v ON_ERROR_STOP=1)
# the development tool (tools/dev): `up` runs the whole system in one process, `token` mints
# a development token for it; the scripts build it with `cargo build --release -p edu-dev`
DEV=target/release/edugroup-dev

# The local PostgreSQL and NATS, the output directory, and wrk (from Debian) when missing.
bench_init() {
  mkdir -p "$OUT"
  bash deploy/dev-stack.sh >/dev/null
  command -v wrk >/dev/null || {
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
  }
}

# $1 = database: dropped, created, and the system's database from now on.
bench_fresh_db() {
  "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"
  export EDUGROUP_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$1"
}

# A private nats-server with JetStream on a free port (NATS_URL, pid in NATS_PID): another
# system on the shared server would join the services' queue groups and answer part of the
# benchmark's requests from its own database (seen: 404 teacher not found). It is anonymous,
# like the raw round trip measured against it, so the system is told so (--insecure-bus): it
# lives on loopback for the benchmark's length only.
bench_nats() {
  local port dir
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  dir=$(mktemp -d)
  NATS_DIR=$dir
  "$(command -v nats-server || echo /usr/sbin/nats-server)" -a 127.0.0.1 -p "$port" -js -sd "$dir/js" >"$OUT/nats.log" 2>&1 &
  NATS_PID=$!
  for _ in $(seq 1 100); do grep -q "Server is ready" "$OUT/nats.log" 2>/dev/null && break; sleep 0.1; done
  grep -q "Server is ready" "$OUT/nats.log" || { echo "nats-server did not start"; cat "$OUT/nats.log"; exit 1; }
  NATS_URL="nats://127.0.0.1:$port"
  export EDUGROUP_NATS_URL=$NATS_URL EDUGROUP_INSECURE_BUS=1
}

# $1 = port: starts a private nats-server and `edugroup-dev up --no-demo` there (pid in UP,
# address in BASE), waits until ready. The caller's EXIT trap should call bench_stop.
bench_up() {
  bench_nats
  # rate limits off: a benchmark is one client at the machine's limits, on purpose
  EDUGROUP_BIND="127.0.0.1:$1" EDUGROUP_RATE_PER_ADDRESS=0 EDUGROUP_RATE_PER_TOKEN=0 \
    RUST_LOG=error $DEV up --no-demo >"$OUT/up.log" 2>&1 &
  UP=$!
  BASE="http://127.0.0.1:$1"
  for _ in $(seq 1 120); do curl -fs "$BASE/readyz" >/dev/null && break; sleep 0.5; done
  curl -fs "$BASE/readyz" >/dev/null || { echo "system did not become ready"; cat "$OUT/up.log"; exit 1; }
}

bench_stop() {
  if [ -n "${UP:-}" ]; then kill "$UP" 2>/dev/null || true; wait "$UP" 2>/dev/null || true; fi
  if [ -n "${NATS_PID:-}" ]; then kill "$NATS_PID" 2>/dev/null || true; wait "$NATS_PID" 2>/dev/null || true; fi
  if [ -n "${NATS_DIR:-}" ]; then rm -rf "$NATS_DIR"; fi
}

# A bureau token of county 411627 (TOKEN) and the JSON request headers (H).
bench_token() {
  TOKEN=$($DEV token --role bureau --region 411627 --hours 2)
  H=(-H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json")
}

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
school() { curl -fs "${H[@]}" -d "{\"name\":\"$1\",\"stage\":\"junior\",\"region\":\"411627\",\"principal_name\":\"校长\",\"legal_person\":\"$1\"}" "$BASE/api/v1/schools" | json "['id']"; }

# A group (GROUP) of a lead school (LEAD) and a member (MEMBER), $1 teachers (default 256) on
# the lead school's roster (IDS, one per line), and the rotation service aware of the group.
bench_posting_fixture() {
  local n=${1:-256}
  LEAD=$(school 压测龙头中学)
  MEMBER=$(school 压测成员中学)
  GROUP=$(curl -fs "${H[@]}" -d "{\"name\":\"压测集团\",\"model\":\"alliance\",\"lead_school_id\":\"$LEAD\",\"plaque_date\":\"2024-09-01\"}" "$BASE/api/v1/groups" | json "['id']")
  curl -fs "${H[@]}" -d "{\"school_id\":\"$MEMBER\"}" "$BASE/api/v1/groups/$GROUP/members" >/dev/null
  python3 - "$n" >"$OUT/roster.csv" <<'PY'
import sys
print("工号,姓名,岗位,学科,骨干级别,符合交流条件")
for i in range(int(sys.argv[1])):
    print(f"B{i:04d},压测教师{i},学科教师,数学,{'县级' if i % 5 == 0 else '无'},是")
PY
  curl -fs -H "Authorization: Bearer $TOKEN" -H "Content-Type: text/csv" --data-binary @"$OUT/roster.csv" \
    "$BASE/api/v1/schools/$LEAD/teachers/import?school_year=2026" >/dev/null
  IDS=$(for offset in $(seq 0 200 $((n - 1))); do
          curl -fs "${H[@]}" "$BASE/api/v1/schools/$LEAD/teachers?school_year=2026&limit=200&offset=$offset"; echo
        done | python3 -c "import json,sys; [print(t['id']) for line in sys.stdin if line.strip() for t in json.loads(line)['items']]")
  # wait until the rotation service has seen the group (events are asynchronous)
  local code
  for _ in $(seq 1 100); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "${H[@]}" -d "{\"teacher_id\":\"$(echo "$IDS" | head -1)\",\"to_school_id\":\"$MEMBER\",\"kind\":\"secondment\",\"term\":{\"type\":\"dates\",\"start\":\"2029-09-01\",\"end\":\"2029-09-01\"},\"host_post\":\"warm-up\"}" "$BASE/api/v1/groups/$GROUP/postings")
    [ "$code" = 201 ] && break; sleep 0.1
  done
}

# wrk script $OUT/post.lua: every request a new one-day posting; (teacher, day) unique across
# threads. $1 = school year of the run, $2 = wrk threads, $3 = ms between a connection's
# requests (optional: an open pace for a target rate).
posting_lua() {
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
    if [ -n "${3:-}" ]; then echo "function delay() return $3 end"; fi
  } >"$OUT/post.lua"
}

# The posting transaction's shape for pgbench ($OUT/pgbench.sql, schema pgb of database $1):
# one posting row and one outbox row, committed.
pgbench_posting_schema() {
  "${PSQL[@]}" -d "$1" <<'SQL'
DROP SCHEMA IF EXISTS pgb CASCADE;
CREATE SCHEMA pgb;
CREATE TABLE pgb.postings (id uuid PRIMARY KEY, group_id uuid NOT NULL, teacher_id uuid NOT NULL,
  from_school_id uuid NOT NULL, to_school_id uuid NOT NULL, kind text NOT NULL, host_post text NOT NULL,
  start_date date NOT NULL, end_date date NOT NULL, school_year int NOT NULL, status text NOT NULL,
  payroll_unit_id uuid NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ON pgb.postings (teacher_id, start_date);
CREATE TABLE pgb.outbox (seq bigserial PRIMARY KEY, id uuid NOT NULL UNIQUE, event_type text NOT NULL,
  envelope json NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
  tx xid8 NOT NULL DEFAULT pg_current_xact_id());
CREATE INDEX ON pgb.outbox (tx, seq);
SQL
  cat >"$OUT/pgbench.sql" <<'SQL'
BEGIN;
INSERT INTO pgb.postings VALUES (gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), gen_random_uuid(), 'secondment', 'bench', current_date, current_date, 2026, 'proposed', gen_random_uuid(), now());
INSERT INTO pgb.outbox (id, event_type, envelope) VALUES (gen_random_uuid(), 'posting.proposed', '{"type":"posting.proposed","version":1,"payload":{"kind":"secondment"}}');
COMMIT;
SQL
}

# pgbench for DUR seconds on database DB: $1 = clients, the rest = its workload
# (`-f file` or `-S`) → "tps p50ms"
pgb() {
  local clients=$1; shift
  pgbench -h 127.0.0.1 -U postgres -n -c "$clients" -j "$clients" -T "$DUR" -r "$@" -l --log-prefix="$OUT/pgb" "$DB" >"$OUT/pgbench.out" 2>&1
  local tps p50
  tps=$(grep -E '^tps' "$OUT/pgbench.out" | head -1 | sed -E 's/tps = ([0-9.]+).*/\1/')
  p50=$(cat "$OUT"/pgb.* | awk '{print $3}' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]/1000}')
  rm -f "$OUT"/pgb.*
  echo "$tps $p50"
}

# Posting creation for DUR seconds: $1 = connections, $2 = school year of the run
# → "rps p50ms p99ms non2xx"
http() {
  local threads=$(( $1 < 2 ? 1 : 2 ))
  posting_lua "$2" "$threads"
  wrk_posting -t "$threads" -c "$1"
}

# wrk with $OUT/post.lua for DUR seconds; the arguments are wrk's → "rps p50ms p99ms non2xx"
wrk_posting() {
  local reqs non2xx sockerr p50 p99
  wrk "$@" -d "${DUR}s" --latency -s "$OUT/post.lua" "$BASE" >"$OUT/wrk.out" 2>&1
  read -r reqs non2xx sockerr p50 p99 < <(grep WRKSTAT "$OUT/wrk.out" | cut -d' ' -f2-)
  grep FIRSTERR "$OUT/wrk.out" >>"$OUT/errors.txt" || true
  echo "$(python3 -c "print(round($reqs / $DUR, 1))") $(python3 -c "print($p50 / 1000)") $(python3 -c "print($p99 / 1000)") $((non2xx + sockerr))"
}

# GET for DUR seconds: $1 = connections, $2 = URL, the rest = wrk options (headers)
# → "rps p50 p99 non2xx" (latencies as wrk prints them, e.g. 512.00us)
wrk_get() {
  local conns=$1 url=$2; shift 2
  wrk -t $(( conns < 2 ? 1 : 2 )) -c "$conns" -d "${DUR}s" --latency "$@" "$url" >"$OUT/get.out" 2>&1
  local rps p50 p99 non2xx
  rps=$(grep 'Requests/sec' "$OUT/get.out" | awk '{print $2}')
  p50=$(grep -E '^ +50%' "$OUT/get.out" | awk '{print $2}')
  p99=$(grep -E '^ +99%' "$OUT/get.out" | awk '{print $2}')
  non2xx=$(grep -E 'Non-2xx' "$OUT/get.out" | awk '{print $NF}' || true)
  echo "$rps $p50 $p99 ${non2xx:-0}"
}

# The HTTP floor: GET /healthz for DUR seconds at $1 connections → "rps p50"
floor() {
  wrk_get "$1" "$BASE/healthz" | cut -d' ' -f1,2
}

# The raw NATS request/reply round trip for DUR seconds at $1 requests in flight
# → "requests/s p50ms"
nats_rtt() {
  target/release/nats_rtt "$NATS_URL" "$DUR" "$1" | awk '/requests/{r=$2} /p50/{p=$3} END {print r, p/1000}'
}
