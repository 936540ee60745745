#!/usr/bin/env bash
# Installs the official Azure clients the client tests drive: the `az` CLI
# 2.91 and the Python SDK (azure-identity, azure-mgmt-network,
# azure-mgmt-resource), from Debian's archive only (no Python package index).
#
# Debian 12's own azure-cli (2.45) cannot run `az network` commands, so the
# newer pure-Python packages of Debian unstable are unpacked into a private
# tree with `dpkg-deb -x` (nothing of them is installed system-wide), over
# the compiled dependencies of Debian 12's azure-cli package, which is
# installed for them. unstable's azure-mgmt-resource lacks a versioned module
# `az group create` imports; those subpackages come from trixie's python3-azure.
#
#   bash scripts/install-azure-clients.sh        # prints the tree's path
#
# The tree lives in $ROUTESERVER_AZURE_CLIENTS (default
# ~/.cache/routeserver/azure-clients/<versions>) and is reused when complete.
# Run the clients with PYTHONPATH=<tree>/usr/lib/python3/dist-packages
# /usr/bin/python3 -m azure.cli (docs/identity.md). Needs root for the Debian part.
set -euo pipefail

SID_PACKAGES=(
  azure-cli=2.91.0-1
  python3-azure-cli=2.91.0-1
  python3-azure-cli-core=2.91.0-1
  python3-azure-cli-telemetry=2.91.0-1
  python3-azure=20260602+git-1
  python3-msal=1.39.0-1
  python3-msal-extensions=1.3.1-1
  python3-knack=0.14.0-1
  python3-isodate=0.7.2-3
  python3-typing-extensions=4.16.0-5
)
TRIXIE_AZURE=python3-azure=20250603+git-1
RESOURCE_SUBPACKAGES=(resources subscriptions features links locks policy privatelinks managedapplications)

key=$(printf '%s\n' "${SID_PACKAGES[@]}" "$TRIXIE_AZURE" | sha256sum | cut -c1-12)
tree=${ROUTESERVER_AZURE_CLIENTS:-${HOME}/.cache/routeserver/azure-clients/$key}
if [ -f "$tree/.complete" ]; then
  echo "$tree"
  exit 0
fi

if ! dpkg -s azure-cli >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-azure-clients: Debian's azure-cli (for its compiled dependencies) is missing; run as root" >&2
    exit 1
  fi
  echo "install-azure-clients: installing Debian 12's azure-cli for its dependencies" >&2
  made_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    made_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends azure-cli >&2
  if [ -n "$made_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/sid" "$work/trixie" "$work/tree"
mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
mirror=${mirror:-http://deb.debian.org/debian}
cat >"$work/sources.list" <<EOF
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main
EOF
apt_opts=(
  -o "Dir::Etc::sourcelist=$work/sources.list" -o Dir::Etc::sourceparts=-
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o APT::Sandbox::User=root
)
echo "install-azure-clients: fetching the package lists of sid and trixie" >&2
apt-get "${apt_opts[@]}" update -q >&2

# exact versions when the archive still has them, else the newest (said on stderr)
resolve() {
  local name=${1%%=*} version=${1#*=}
  if apt-cache "${apt_opts[@]}" show "$name=$version" >/dev/null 2>&1; then
    echo "$name=$version"
  else
    echo "install-azure-clients: $name $version is gone from the archive; taking the newest" >&2
    echo "$name"
  fi
}
sid=()
for p in "${SID_PACKAGES[@]}"; do sid+=("$(resolve "$p")"); done
(cd "$work/sid" && apt-get "${apt_opts[@]}" download "${sid[@]}" >&2)
(cd "$work/trixie" && apt-get "${apt_opts[@]}" download "$(resolve "$TRIXIE_AZURE")" >&2)

for deb in "$work"/sid/*.deb; do dpkg-deb -x "$deb" "$work/tree"; done
dpkg-deb -x "$work"/trixie/*.deb "$work/trixie/tree"
resource=usr/lib/python3/dist-packages/azure/mgmt/resource
for sub in "${RESOURCE_SUBPACKAGES[@]}"; do
  rm -rf "${work:?}/tree/$resource/$sub"
  cp -r "$work/trixie/tree/$resource/$sub" "$work/tree/$resource/$sub"
done

# azure.mgmt is a pkgutil namespace: without an __init__.py of its own in the
# tree, Debian 12's (older) azure.mgmt package would be found first
echo "__path__ = __import__('pkgutil').extend_path(__path__, __name__)" >"$work/tree/usr/lib/python3/dist-packages/azure/mgmt/__init__.py"

mkdir -p "$(dirname "$tree")"
rm -rf "$tree"
mv "$work/tree" "$tree"
PYTHONPATH="$tree/usr/lib/python3/dist-packages" /usr/bin/python3 -c '
import azure.cli.core, azure.identity, azure.mgmt.network
from azure.mgmt.resource.subscriptions import v2022_12_01' >&2
touch "$tree/.complete"
echo "$tree"
