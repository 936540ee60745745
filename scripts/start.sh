#!/usr/bin/env bash
# Runs the server with the embedded defaults (SQLite in ./data, API on 127.0.0.1:8443).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
exec node bin/routeserver.js serve "$@"
