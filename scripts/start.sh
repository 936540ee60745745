#!/usr/bin/env bash
# Runs the server with the embedded defaults (SQLite in ./data, API on 127.0.0.1:8443):
# installs the npm packages and compiles the sources when they changed, then runs the
# compiled `routeserver serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/npm-deps.sh
bash scripts/build.sh
exec node bin/routeserver.js serve "$@"
