#!/usr/bin/env bash
# Installs what the test suite and the lab need on a fresh Debian 12 machine:
# the BGP daemons used as real peers, etcd (the shared store), iproute2, Chromium (the dashboard's
# browser test drives it through playwright-core), gcc (compiles the TCP-MD5 addon,
# native/tcp-md5/build.sh) and the npm packages.
# Idempotent: installs only what is missing. Needs root for the Debian part.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(frr bird2 gobgpd exabgp openbgpd etcd-server iproute2 python3 iputils-ping traceroute chromium pmacct gcc libc6-dev make)

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing Debian packages (${missing[*]}); run as root to install them" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Keep package scripts from starting daemons (there is no init system to stop them again).
  made_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  echo "install-deps: installing ${missing[*]}"
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
  if [ -n "$made_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
fi

# the official Azure clients (az CLI, Python SDK) for the client tests: a private tree, see the script
bash scripts/install-azure-clients.sh >/dev/null

bash scripts/npm-deps.sh
sh native/tcp-md5/build.sh
