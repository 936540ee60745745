#!/bin/sh
# Compiles the TCP-MD5 addon (tcp_md5.c, docs/tcp-md5.md) into
# build/tcp_md5.node with the system's C compiler: a plain `cc -shared`, no
# node-gyp, so no Node headers are downloaded. The Node-API headers come from
# the `node-api-headers` package when it is installed, else from the running
# Node's own include/node directory (official builds and Debian's nodejs ship
# it). Rebuilds only when the source is newer than the addon.
#   --if-possible   exit 0 with a warning when there is no compiler or no
#                   headers (npm install must not fail: only MD5 peerings need
#                   the addon, and they fail with BGPRS_ERR_SESSION_TCP_MD5)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/build/tcp_md5.node"
soft=
[ "${1:-}" = "--if-possible" ] && soft=1

give_up() {
  if [ -n "$soft" ]; then
    echo "tcp-md5: $1; TCP-MD5 peerings will not start (docs/tcp-md5.md)" >&2
    exit 0
  fi
  echo "tcp-md5: $1" >&2
  exit 1
}

[ "$(uname -s)" = Linux ] || give_up "TCP_MD5SIG is a Linux socket option"
if [ -f "$out" ] && [ "$out" -nt "$here/tcp_md5.c" ]; then exit 0; fi
cc=${CC:-cc}
command -v "$cc" >/dev/null 2>&1 || give_up "no C compiler ($cc); install gcc"
include=$(cd "$here" && node -p "require('node:path').join(require('node:path').dirname(require.resolve('node-api-headers/package.json')), 'include')" 2>/dev/null || true)
if [ -z "$include" ] || [ ! -f "$include/node_api.h" ]; then
  include=$(node -p "require('node:path').join(require('node:path').dirname(process.execPath), '..', 'include', 'node')")
fi
[ -f "$include/node_api.h" ] || give_up "no node_api.h (install node-api-headers or Node's headers)"
mkdir -p "$here/build"
"$cc" -O2 -Wall -Wextra -Werror -shared -fPIC -I"$include" -o "$out.tmp" "$here/tcp_md5.c" || give_up "compiling tcp_md5.c failed"
mv "$out.tmp" "$out"
