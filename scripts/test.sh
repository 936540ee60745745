#!/usr/bin/env bash
# The whole test suite, as CI runs it: dependencies, build, typecheck, lint,
# format, import direction, documentation references, unused exports, unit
# tests with coverage, the installed package, the official Azure clients against
# the server, interop tests against real BGP daemons.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

step "dependencies"
bash scripts/install-deps.sh

step "build (dist/, when the sources changed)"
bash scripts/build.sh

step "typecheck"
npx tsc -p tsconfig.json --noEmit

step "lint"
npx eslint --max-warnings 0 .
npx prettier --check . >/dev/null || { npx prettier --list-different .; echo "prettier: files above need formatting (npm run format)"; exit 1; }

step "import direction, documentation references, unused exports"
npx tsx scripts/check-imports.ts
npx tsx scripts/check-doc-references.ts
npx tsx scripts/unused-exports.ts

step "unit tests, with coverage (thresholds in vitest.config.ts)"
npx vitest run --project unit --coverage

step "package (npm pack, install, run the installed command)"
bash scripts/test-package.sh

step "client tests (the az CLI and the Python SDK against a running server)"
npx vitest run --project clients

step "interop tests (real daemons in network namespaces)"
if [ "$(id -u)" -ne 0 ]; then
  echo "interop tests need root (network namespaces)" >&2
  exit 1
fi
npx vitest run --project interop
