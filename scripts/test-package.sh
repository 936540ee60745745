#!/usr/bin/env bash
# The package as users get it: `npm pack` (prepack compiles dist/ when the
# sources changed), checks what the tarball holds, installs it with
# `npm install --omit=dev` into an empty temporary directory and runs the
# installed `routeserver --version`, `--help` and `demo --help` from outside
# the checkout.
#
# The dependencies' install scripts are skipped (--ignore-scripts): the native
# addons (better-sqlite3, sockopt) would fetch prebuilt binaries from GitHub or
# compile for minutes, and these commands do not load them (both addons are
# loaded on first use). --with-install-scripts runs them, and then checks that
# the package's own install script compiled the TCP-MD5 addon from the C source
# the tarball ships (native/tcp-md5, docs/tcp-md5.md).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
started=$(date +%s)
install_flags=(--ignore-scripts)
[ "${1:-}" = "--with-install-scripts" ] && install_flags=()

work=$(mktemp -d "${TMPDIR:-/tmp}/routeserver-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "test-package: $*" >&2; exit 1; }

npm pack --silent --pack-destination "$work" >"$work/pack.out"
tarball="$work/$(tail -n 1 "$work/pack.out")"
[ -f "$tarball" ] || fail "npm pack did not write $tarball"

tar -tzf "$tarball" | sort >"$work/contents"
for wanted in package/package.json package/README.md package/LICENSE package/bin/routeserver.js \
  package/dist/cli/main.js package/dist/demo/scripts/demo.js package/dist/demo/scripts/demo-gateways.js \
  package/dist/web/index.html \
  package/examples/seed-scenario.yaml package/examples/gateways-scenario.yaml package/examples/route-maps.yaml \
  package/native/tcp-md5/tcp_md5.c package/native/tcp-md5/build.sh; do
  grep -qx "$wanted" "$work/contents" || fail "the tarball lacks $wanted"
done
if grep -E '\.test\.|test-support|__fixtures__|^package/(src|test|scripts|bench)/|\.ts$|\.node$' "$work/contents"; then
  fail "the tarball holds the files above (sources, tests or test support)"
fi

mkdir "$work/install"
cd "$work/install"
echo '{ "name": "routeserver-package-test", "private": true }' >package.json
npm install --omit=dev --no-audit --no-fund --loglevel=error "${install_flags[@]}" "$tarball" >/dev/null
bin="$work/install/node_modules/.bin/routeserver"
[ -x "$bin" ] || fail "npm install did not link the routeserver command"
if [ ${#install_flags[@]} -eq 0 ]; then
  [ -f "$work/install/node_modules/routeserver/native/tcp-md5/build/tcp_md5.node" ] ||
    fail "the install script did not compile the TCP-MD5 addon (native/tcp-md5/build.sh)"
fi

want_version=$(node -p "require('$repo/package.json').version")
got_version=$("$bin" --version)
[ "$got_version" = "$want_version" ] || fail "routeserver --version printed '$got_version', want '$want_version'"
help=$("$bin" --help)
for verb in serve demo create peering route-map vnet nic; do
  grep -qE "^  $verb\b" <<<"$help" || fail "routeserver --help does not list '$verb':
$help"
done
"$bin" demo --help | grep -q -- '--once' || fail "routeserver demo --help does not show --once"
"$bin" demo --help | grep -q -- '--with-gateways' || fail "routeserver demo --help does not show --with-gateways"

echo "test-package: $(basename "$tarball") ($(grep -c . "$work/contents") files) installs; routeserver --version, --help and demo --help work ($(($(date +%s) - started)) s)"
