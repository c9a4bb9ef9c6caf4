#!/usr/bin/env bash
# The console's browser tests: the real system (`edugroup-dev up` with its demo county) on a free
# port, with its own database and its own nats-server (the one `up` runs, requiring
# credentials made for this run in a scratch state directory), driven by playwright-core in
# Debian's Chromium, headless. Installs node, npm and chromium from Debian packages when
# missing and playwright-core from npm (package-lock.json). Screenshots go to
# target/screenshots/. Stops the system (and so its nats-server) and drops the database however
# it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ -x /usr/lib/chromium/chromium ] || missing+=(chromium)
nats=$(command -v nats-server || echo /usr/sbin/nats-server)
[ -x "$nats" ] || missing+=(nats-server)
# Chinese glyphs for the screenshots
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
  echo "browser tests: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

(cd e2e && npm ci --no-audit --no-fund --loglevel=error)

cargo build --quiet -p edu-dev --bin edugroup-dev

work=$(mktemp -d -t edugroup-e2e.XXXXXX)
# the PostgreSQL server the other tests use (EDUGROUP_TEST_DATABASE_URL names a database on it)
admin_url=${EDUGROUP_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
server_url=${admin_url%/*}
database="edugroup_console_$$"
api_pid=""

cleanup() {
  status=$?
  set +e
  # SIGTERM: `up` stops its services, then its nats-server
  [ -n "$api_pid" ] && kill "$api_pid" 2>/dev/null && wait "$api_pid" 2>/dev/null
  psql -q "$admin_url" -c "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null 2>&1 || true
  if [ $status -ne 0 ]; then
    echo "browser tests failed; the system's log:"
    tail -n 60 "$work/up.log" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT
trap "exit 130" INT TERM

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# the log exists before the loop below reads it (the background start may not have opened it)
: >"$work/up.log"
EDUGROUP_DATABASE_URL="$server_url/$database" \
EDUGROUP_DEV_STATE_DIR="$work/state" \
EDUGROUP_BIND=127.0.0.1:0 \
EDUGROUP_FILES_DIR="$work/files" \
  "$root/target/debug/edugroup-dev" up >"$work/up.log" 2>&1 &
api_pid=$!

base=""
for _ in $(seq 600); do
  base=$(sed -n 's/^  console  控制台   \(http:[^ ]*\)\/$/\1/p' "$work/up.log" | head -n1)
  [ -n "$base" ] && break
  kill -0 "$api_pid" 2>/dev/null || { echo "edugroup-dev up stopped"; exit 1; }
  sleep 0.2
done
[ -n "$base" ] || { echo "edugroup-dev up printed no console URL"; exit 1; }
bus=$(sed -n 's/^  bus      消息总线 \([^ ]*\).*$/\1/p' "$work/up.log" | head -n1)
echo "browser tests: system at $base (database $database, bus $bus)"

rm -rf target/screenshots && mkdir -p target/screenshots
started=$(date +%s)
(cd e2e && BASE_URL="$base" CHROMIUM=/usr/lib/chromium/chromium SCREENSHOTS="$root/target/screenshots" node --test ${E2E_ONLY:+--test-name-pattern="$E2E_ONLY"} console.test.mjs)
echo "browser tests: passed in $(( $(date +%s) - started )) s; screenshots in target/screenshots/"
