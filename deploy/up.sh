#!/usr/bin/env bash
# Brings the whole system up in one process with demo data and prints where to look:
# the console, the API docs, the bus and a token per role. Ctrl-C stops it.
# `up` is a command of the development tool `edugroup-dev` (tools/dev), never of the
# production binary: it runs a nats-server of its own (the Debian package's) that requires
# the development credentials, made once per installation outside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/dev-stack.sh
if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  echo "up: installing nats-server"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nats-server >/dev/null
fi
exec cargo run --quiet -p edu-dev --bin edugroup-dev -- up "$@"
