#!/usr/bin/env bash
# Benchmark: computing a whole evaluation round for a province-sized region
# through the HTTP API (JWT → lead-api → NATS → evaluation: POST answers 202 with the
# round computing; the evaluation service reads the region's facts in one query per table,
# asks rotation for every group's E-08 at once, scores, and stores the scorecards and
# events in one transaction; the bench polls the round's Location until it is computed),
# against the same aggregates written as one raw SQL
# query per indicator family (governance, resource sharing, teacher team, quality and value
# added, balance CVs), measured in the same run, alternating, ROUNDS times each; medians.
# Also: the seed time, the peak RSS (VmHWM) of the `edugroup-dev up` process, and the phases
# of each round as the evaluation service logs them (ms per step).
#
#   SCALE=1.0 ROUNDS=3 deploy/bench/evaluation.sh
# Fresh database edugroup_province (dropped at the end). Writes target/bench/evaluation.md.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../.."
SCALE=${SCALE:-1.0}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-18090}
REGION=410000
YEAR=2025
FIRST=2025-09-01
LAST=2026-08-31
DB=edugroup_province
OUT=target/bench
mkdir -p "$OUT"
PSQL=(psql -h 127.0.0.1 -U postgres -qAt -v ON_ERROR_STOP=1)

cargo build --release --quiet --bin edugroup
cargo build --release --quiet -p edu-dev --bin edugroup-dev
cargo build --release --quiet -p edu-bench --bin seed
BIN=target/release/edugroup
export EDUGROUP_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"

"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
# shellcheck source=deploy/bench/lib.sh
source deploy/bench/lib.sh
UP=
cleanup() {
  bench_stop
  "${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
# The system on its own nats-server: another system on a shared one would answer part of the
# round's requests from its own database.
bench_nats

RUST_LOG=error $BIN migrate >/dev/null
t0=$(date +%s.%N)
target/release/seed --province --scale "$SCALE" --region "$REGION" | tee "$OUT/seed.log"
SEED_S=$(python3 -c "print(round($(date +%s.%N) - $t0, 1))")

EDUGROUP_BIND="127.0.0.1:$PORT" EDUGROUP_RATE_PER_ADDRESS=0 EDUGROUP_RATE_PER_TOKEN=0 \
  RUST_LOG=error,edu_evaluation=info $DEV up --no-demo >"$OUT/up.log" 2>&1 &
UP=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 240); do curl -fs "$BASE/readyz" >/dev/null && break; sleep 0.5; done
curl -fs "$BASE/readyz" >/dev/null || { echo "system did not become ready"; cat "$OUT/up.log"; exit 1; }
RSS_IDLE=$(awk '/VmRSS/{print $2}' "/proc/$UP/status")
TOKEN=$($DEV token --role bureau --region "$REGION" --hours 2)

# The raw SQL: one query per indicator family, the whole region at once.
cat >"$OUT/evaluation-raw.sql" <<SQL
\\o /dev/null
\\timing on
-- governance: meetings held by kind, attendance (schools present / schools), reports on time
SELECT g.group_id, m.held, m.council, m.planning, m.summary, m.showcase, m.attendance,
       r.on_time, r.late
FROM evaluation.membership_groups g
LEFT JOIN (SELECT m.group_id, count(*) AS held,
                  count(*) FILTER (WHERE m.kind = 'council') AS council,
                  count(*) FILTER (WHERE m.kind = 'work_planning') AS planning,
                  count(*) FILTER (WHERE m.kind = 'annual_summary') AS summary,
                  count(*) FILTER (WHERE m.kind = 'results_showcase') AS showcase,
                  avg(cardinality(m.schools_present)::float8 / n.schools) AS attendance
           FROM evaluation.meetings m
           JOIN (SELECT group_id, count(*) AS schools FROM evaluation.membership_schools
                 WHERE active GROUP BY group_id) n USING (group_id)
           WHERE m.held_on BETWEEN '$FIRST' AND '$LAST' GROUP BY m.group_id) m USING (group_id)
LEFT JOIN (SELECT group_id, count(*) FILTER (WHERE NOT late) AS on_time,
                  count(*) FILTER (WHERE late) AS late
           FROM evaluation.reports WHERE year BETWEEN $YEAR AND $YEAR + 1
           GROUP BY group_id) r USING (group_id)
WHERE g.region = '$REGION';
-- resource sharing: published per group and per school, adoptions by other schools, reuse
SELECT g.group_id, r.published, r.publishing_schools, a.adoptions, a.reused
FROM evaluation.membership_groups g
LEFT JOIN (SELECT group_id, count(*) AS published,
                  count(DISTINCT owner_school_id) AS publishing_schools
           FROM evaluation.resources WHERE published_on BETWEEN '$FIRST' AND '$LAST'
           GROUP BY group_id) r USING (group_id)
LEFT JOIN (SELECT group_id,
                  count(*) FILTER (WHERE adopting_school_id <> owner_school_id) AS adoptions,
                  count(DISTINCT resource_id) AS reused
           FROM evaluation.adoptions WHERE adopted_on BETWEEN '$FIRST' AND '$LAST'
           GROUP BY group_id) a USING (group_id)
WHERE g.region = '$REGION';
-- teacher team: E-08 (eligible teachers of the group's schools, rotated and backbone
-- rotated by the day), trainings and showcases by kind
WITH elig AS (
  SELECT gs.group_id, count(*) AS eligible
  FROM rotation.membership_schools gs
  JOIN rotation.teachers t ON t.home_school_id = gs.school_id
  JOIN rotation.teacher_eligibility e ON e.teacher_id = t.id
  WHERE gs.active AND e.school_year = $YEAR AND e.eligible GROUP BY gs.group_id),
rot AS (
  SELECT p.group_id, count(DISTINCT p.teacher_id) AS rotated,
         count(DISTINCT p.teacher_id) FILTER (WHERE t.backbone IN ('county', 'city', 'province'))
           AS backbone
  FROM rotation.postings p JOIN rotation.teachers t ON t.id = p.teacher_id
  WHERE p.status IN ('confirmed', 'ended_early') AND p.school_year = $YEAR
    AND p.start_date <= '$LAST'
  GROUP BY p.group_id),
tr AS (
  SELECT group_id, count(*) FILTER (WHERE kind <> 'teaching_showcase') AS trainings,
         count(*) FILTER (WHERE kind = 'teaching_showcase') AS showcases
  FROM evaluation.trainings WHERE held_on BETWEEN '$FIRST' AND '$LAST' GROUP BY group_id)
SELECT g.group_id, e.eligible, r.rotated, r.backbone,
       100.0 * r.rotated / nullif(e.eligible, 0) AS rotation_pct, tr.trainings, tr.showcases
FROM rotation.membership_groups g
LEFT JOIN elig e USING (group_id) LEFT JOIN rot r USING (group_id) LEFT JOIN tr USING (group_id)
WHERE g.region = '$REGION';
-- quality: members' scores now and a year before, value added, the gap to the lead
SELECT gs.group_id,
       avg(d.quality_score) FILTER (WHERE gs.role = 'member') AS members_now,
       avg(p.quality_score) FILTER (WHERE gs.role = 'member') AS members_before,
       avg(d.quality_score - p.quality_score) FILTER (WHERE gs.role = 'member') AS value_added,
       max(d.quality_score) FILTER (WHERE gs.role = 'lead')
         - avg(d.quality_score) FILTER (WHERE gs.role = 'member') AS gap_now,
       max(p.quality_score) FILTER (WHERE gs.role = 'lead')
         - avg(p.quality_score) FILTER (WHERE gs.role = 'member') AS gap_before
FROM evaluation.membership_schools gs
JOIN evaluation.membership_groups g USING (group_id)
LEFT JOIN evaluation.school_data d ON d.school_id = gs.school_id AND d.school_year = $YEAR
LEFT JOIN evaluation.school_data p ON p.school_id = gs.school_id AND p.school_year = $YEAR - 1
WHERE g.region = '$REGION' AND gs.active
GROUP BY gs.group_id;
-- balance (Q-12, V-17): seven indicators per 100 students, the group's CVs now and with the
-- postings running on the day applied, the county's CVs by stage
WITH mv AS (
  SELECT school_id, sum(delta) AS delta FROM (
    SELECT from_school_id AS school_id, -1 AS delta FROM evaluation.postings
    WHERE NOT cancelled AND start_date <= '$LAST' AND end_date >= '$LAST'
    UNION ALL
    SELECT to_school_id, 1 FROM evaluation.postings
    WHERE NOT cancelled AND start_date <= '$LAST' AND end_date >= '$LAST') x
  GROUP BY school_id),
s AS (
  SELECT d.school_id, d.stage, 100.0 / (d.balance->>'enrolment')::float8 AS k,
         (d.balance->>'teachers_above_degree')::float8 AS i1,
         (d.balance->>'teachers_above_degree')::float8 + coalesce(mv.delta, 0) AS i1m,
         (d.balance->>'backbone_teachers')::float8 AS i2,
         (d.balance->>'pe_art_teachers')::float8 AS i3,
         (d.balance->>'teaching_area_m2')::float8 AS i4,
         (d.balance->>'sports_area_m2')::float8 AS i5,
         (d.balance->>'equipment_value_yuan')::float8 AS i6,
         (d.balance->>'multimedia_rooms')::float8 AS i7
  FROM evaluation.school_data d LEFT JOIN mv USING (school_id)
  WHERE d.region = '$REGION' AND d.school_year = $YEAR AND d.balance IS NOT NULL),
grp AS (
  SELECT gs.group_id,
         stddev_pop(i1 * k) / nullif(avg(i1 * k), 0) AS cv1,
         stddev_pop(i1m * k) / nullif(avg(i1m * k), 0) AS cv1_with_postings,
         stddev_pop(i2 * k) / nullif(avg(i2 * k), 0) AS cv2,
         stddev_pop(i3 * k) / nullif(avg(i3 * k), 0) AS cv3,
         stddev_pop(i4 * k) / nullif(avg(i4 * k), 0) AS cv4,
         stddev_pop(i5 * k) / nullif(avg(i5 * k), 0) AS cv5,
         stddev_pop(i6 * k) / nullif(avg(i6 * k), 0) AS cv6,
         stddev_pop(i7 * k) / nullif(avg(i7 * k), 0) AS cv7
  FROM s JOIN evaluation.membership_schools gs ON gs.school_id = s.school_id AND gs.active
  GROUP BY gs.group_id),
county AS (
  SELECT stage = 'primary' AS primary_stage,
         stddev_pop(i1 * k) / avg(i1 * k) AS c1, stddev_pop(i2 * k) / avg(i2 * k) AS c2,
         stddev_pop(i3 * k) / avg(i3 * k) AS c3, stddev_pop(i4 * k) / avg(i4 * k) AS c4,
         stddev_pop(i5 * k) / avg(i5 * k) AS c5, stddev_pop(i6 * k) / avg(i6 * k) AS c6,
         stddev_pop(i7 * k) / avg(i7 * k) AS c7
  FROM s GROUP BY 1)
SELECT * FROM grp CROSS JOIN county;
SQL

NGROUPS=$("${PSQL[@]}" -d "$DB" -c "SELECT count(*) FROM evaluation.membership_groups WHERE region = '$REGION'")
raw() { # → total ms of the five queries (server round trips as psql's \timing measures them)
  "${PSQL[@]}" -d "$DB" -f "$OUT/evaluation-raw.sql" | awk '/^Time:/{s += $2} END {printf "%.1f\n", s}'
}
http() { # → "ms_until_computed http_status http_ms scorecards"
  "${PSQL[@]}" -d "$DB" -c "DELETE FROM evaluation.consequences; DELETE FROM evaluation.scorecards; DELETE FROM evaluation.round_groups; DELETE FROM evaluation.rounds" \
    -c "VACUUM ANALYZE evaluation.scorecards" >/dev/null
  local start; start=$(date +%s.%N)
  local res; res=$(curl -s -o "$OUT/round.json" -D "$OUT/round.headers" -w '%{http_code} %{time_total}' --max-time 900 \
    -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
    -d "{\"school_year\":$YEAR}" "$BASE/api/v1/evaluation-rounds")
  case "$res" in 202*) ;; *) echo "round not accepted: $res $(cat "$OUT/round.json")" >&2; return 1 ;; esac
  # 202 Accepted: poll the round at its Location until it is computed (or failed).
  local location; location=$(awk 'tolower($1) == "location:" {print $2}' "$OUT/round.headers" | tr -d '\r')
  local status=computing
  for _ in $(seq 1 18000); do
    status=$(curl -s -H "Authorization: Bearer $TOKEN" "$BASE$location" -o "$OUT/round-status.json" -w '' &&
      python3 -c "import json; print(json.load(open('$OUT/round-status.json'))['status'])")
    [ "$status" != computing ] && break
    sleep 0.05
  done
  local done_at; done_at=$(date +%s.%N)
  [ "$status" = computed ] || { echo "round $status: $(cat "$OUT/round-status.json")" >&2; return 1; }
  local cards; cards=$("${PSQL[@]}" -d "$DB" -c "SELECT count(*) FROM evaluation.scorecards")
  read -r code secs <<<"$res"
  echo "$(python3 -c "print(round(($done_at - $start) * 1000, 1))") $code $(python3 -c "print(round($secs * 1000, 1))") $cards"
}

declare -a R
raw >/dev/null # warm the cache once for both sides
for round in $(seq 1 "$ROUNDS"); do
  echo "round $round/$ROUNDS" >&2
  h=$(http)
  R+=("http $h" "raw $(raw)")
done
RSS_PEAK=$(awk '/VmHWM/{print $2}' "/proc/$UP/status")
cp "$OUT/round.json" "$OUT/round-last.json"
printf '%s\n' "${R[@]}" >"$OUT/evaluation-raw.txt"
# "evaluation round computed … ms=… phases=setup=… members=… …": the steps of each round.
sed -n 's/\x1b\[[0-9;]*m//g; s/.*evaluation round computed.* ms=\([0-9]*\) phases=\(.*\)$/total=\1 \2/p' "$OUT/up.log" >"$OUT/evaluation-phases.txt"

python3 - "$OUT/evaluation-raw.txt" "$OUT/evaluation-phases.txt" "$SCALE" "$ROUNDS" "$SEED_S" "$RSS_IDLE" "$RSS_PEAK" "$NGROUPS" <<'PY' | tee "$OUT/evaluation.md"
import statistics, sys
path, phases_path, scale, rounds, seed_s, rss_idle, rss_peak, groups = sys.argv[1:]
load = " / ".join(open("/proc/loadavg").read().split()[:3])
rows = [l.split() for l in open(path) if l.strip()]
http = [r for r in rows if r[0] == "http"]
raw = [float(r[1]) for r in rows if r[0] == "raw"]
commit = statistics.median(float(r[1]) for r in http)
codes = sorted({r[2] for r in http})
http_ms = statistics.median(float(r[3]) for r in http)
cards = sorted({r[4] for r in http})
sql = statistics.median(raw)
print(f"# A whole evaluation round at province scale {scale} vs raw SQL ({rounds} alternating runs, medians)\n")
print("| measure | value |")
print("|---|---|")
print(f"| groups in the region / scorecards per round | {groups} / {', '.join(cards)} |")
print(f"| seed (`seed --province --scale {scale}`, incl. checks) | {seed_s} s |")
print(f"| round via HTTP, POST (202) until GET says `computed` | {commit / 1000:.2f} s |")
print(f"| HTTP reply: status / time | {', '.join(codes)} / {http_ms / 1000:.2f} s |")
print(f"| raw SQL, one query per indicator family (5 queries, sum) | {sql / 1000:.2f} s |")
print(f"| **ratio round / raw SQL** | **{commit / sql:.2f}** (goal ≤ 2) |")
print(f"| `edugroup-dev up` RSS idle / peak (VmHWM) | {int(rss_idle) / 1024:.0f} MiB / {int(rss_peak) / 1024:.0f} MiB |")
print(f"| load average (1/5/15 min) at the end | {load} |")
print("\nPer run (ms until computed, HTTP status, HTTP ms, scorecards; raw SQL ms):\n")
print("```")
for r in rows:
    print(" ".join(r))
print("```")
phases = [dict(p.split("=", 1) for p in l.split()) for l in open(phases_path) if l.strip()]
if phases:
    print("\nPhases of the round in the evaluation service (ms, median of the runs; `evaluation round computed` log lines):\n")
    print("| phase | ms |")
    print("|---|---|")
    for k in phases[0]:
        print(f"| {k} | {statistics.median(float(p.get(k, 0)) for p in phases):.0f} |")
PY
