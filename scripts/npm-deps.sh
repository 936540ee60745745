#!/usr/bin/env bash
# Installs the npm packages with `npm ci` when node_modules was not installed
# from the current package-lock.json (compared by content hash, not mtime).
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.routeserver-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi
