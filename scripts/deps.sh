#!/usr/bin/env bash
# Installs what the build and the tests need on Debian 12, only when something is missing, so that
# `make run` and `make test` work on a fresh machine and cost nothing on a prepared one.
set -euo pipefail
want_tests=${1:-}
pkgs=(build-essential cmake ccache pkg-config ca-certificates
      libboost1.81-dev libboost-json1.81-dev libssl-dev libyaml-cpp-dev libfmt-dev libcli11-dev
      libgtest-dev libgmock-dev libbenchmark-dev libsqlite3-dev)
if [ "$want_tests" = "--tests" ]; then
  pkgs+=(nodejs npm clang libclang-rt-14-dev clang-format)
fi
missing=()
for p in "${pkgs[@]}"; do
  # nodejs may come from another repository with npm bundled; a working node+npm is enough.
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
  if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ "$want_tests" = "--tests" ]; then
  dir=$(cd "$(dirname "$0")/.." && pwd)/tests/conformance
  # npm records what it installed in node_modules/.package-lock.json; a lock file newer than that record
  # means packages were added or bumped since the last install.
  if [ -f "$dir/package.json" ] && { [ ! -f "$dir/node_modules/.package-lock.json" ] ||
       [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; }; then
    echo "deps: npm ci in tests/conformance"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
