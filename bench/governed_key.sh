#!/usr/bin/env bash
# Prints a new virtual key of the governed benchmark gateway at $1 (http://HOST:PORT): with a budget and
# limits, so that every request reserves and settles against them.
set -euo pipefail
curl -sf -X POST "$1/admin/v1/keys" -H 'authorization: Bearer bench-master-key-0123456789' \
  -H 'content-type: application/json' \
  -d '{"name":"bench","budget":{"usd":1000000000,"period":"month"},"limits":{"rpm":1000000000,"tpm":1000000000000,"parallel":1000000}}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'
