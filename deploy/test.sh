#!/usr/bin/env bash
# Runs every test of the workspace against real PostgreSQL and NATS (JetStream).
# Installs and starts them first when they are absent (deploy/dev-stack.sh), and installs
# cargo-nextest when it is missing. Each test makes its own database and NATS namespace.
# Then the console's browser tests (e2e/).
set -euo pipefail
cd "$(dirname "$0")/.."

bash deploy/dev-stack.sh

# The reliability tests (tests/reliability) start private nats-servers of their own.
if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  echo "test: installing nats-server"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nats-server >/dev/null
fi

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "test: installing cargo-nextest"
  cargo install --locked cargo-nextest
fi

profile=default
[ "${CI:-}" = "true" ] && profile=ci
cargo nextest run --workspace --profile "$profile" "$@"

# API fuzzing: schemathesis against openapi/openapi.json and the whole
# system; zero 5xx and every answer as documented. Arguments narrow the run to nextest only.
if [ $# -eq 0 ]; then
  bash deploy/fuzz/run.sh
fi

# The console in a real browser: playwright-core driving Debian's Chromium against the whole
# system (e2e/run.sh installs what it needs). Arguments narrow the run to nextest tests only.
if [ $# -eq 0 ]; then
  bash e2e/run.sh
fi
