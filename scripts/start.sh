#!/usr/bin/env bash
# Runs the server with the embedded defaults (SQLite in ./data, API on 127.0.0.1:8443).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/npm-deps.sh
exec node bin/routeserver.js serve "$@"
