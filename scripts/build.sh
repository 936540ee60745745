#!/usr/bin/env bash
# Compiles the TypeScript sources to dist/ when they changed since the last
# build (compared by content hash, not mtime): src/ to dist/ (what the
# `routeserver` command runs), the demo with the lab it drives
# (scripts/demo.ts, test/lab) to dist/demo/, and the dashboard (web/, built
# by Vite after a type check) to dist/web/, which the API serves at `/`. A
# rebuild starts from an empty dist/, so files of removed sources do not
# linger. `--force` rebuilds anyway.
# Concurrent runs in one checkout wait for each other (lock on this file).
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9<scripts/build.sh
flock 9

stamp=dist/.sources-sha256
want=$(
  {
    find src test/lab -type f -name '*.ts' ! -name '*.test.ts' ! -name '*.test-support.ts' ! -path '*/__fixtures__/*'
    find web -type f ! -name '*.test.ts'
    ls scripts/demo*.ts | grep -v "\.test\.ts$"
    echo tsconfig.json tsconfig.build.json tsconfig.demo.json package-lock.json | tr ' ' '\n'
  } | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1
)
if [ "${1:-}" != "--force" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "build: compiling src/ to dist/" >&2
rm -rf dist
npx tsc -p tsconfig.build.json
npx tsc -p tsconfig.demo.json
npx tsc -p web/tsconfig.json
npx vite build --config web/vite.config.ts --logLevel warn
echo "$want" > "$stamp"
