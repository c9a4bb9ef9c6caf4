#!/usr/bin/env bash
# Runs every test of the workspace against real PostgreSQL and NATS (JetStream).
# Installs and starts them first when they are absent (deploy/dev-stack.sh), and installs
# cargo-nextest when it is missing. Each test makes its own database and NATS namespace.
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
exec cargo nextest run --workspace --profile "$profile" "$@"
