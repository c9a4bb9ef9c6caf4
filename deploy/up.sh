#!/usr/bin/env bash
# Brings the whole system up in one process with demo data and prints where to look:
# the console, the API docs and a token per role. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/dev-stack.sh
exec cargo run --quiet -- up "$@"
