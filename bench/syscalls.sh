#!/usr/bin/env bash
# System calls per pass-through request: one modelmux worker (`serve --threads 1`, access log off) in front of
# the static nginx upstream, `wrk -t1 -c32`, and `perf stat` counting the process's system calls by kind
# for 4 s of the load, divided by the requests served in that time. Where the kernel's share of a request
# goes (issue 11 compares it with nginx's 2 recvfrom + 2 writev a request).
#
#   bench/syscalls.sh              # needs build/modelmux, nginx, wrk, perf
#   GOVERNED=1 bench/syscalls.sh   # keys, budgets, limits and the SQLite ledger on
#   PEER=nginx bench/syscalls.sh   # the nginx reverse proxy's one worker instead (bench/nginx-proxy.conf.in)
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
BIN=${MODELMUX_BIN:-$ROOT/build/modelmux}
for tool in nginx wrk perf curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y nginx-light wrk linux-perf curl)" >&2; exit 1; }
done
# shellcheck source=bench/single_worker.sh
. "$BENCH_DIR/single_worker.sh"
MM=$(free_port)
start_upstream
render_config "$MM"
if [[ ${PEER:-modelmux} == nginx ]]; then
  # One worker, no master process, so that the process perf watches is the one that proxies.
  mkdir -p "$TMP/proxy"
  sed -e "s#@TMP@#$TMP/proxy#g" -e "s#@NGINX_WORKERS@#1#" -e "s#@UPSTREAM_PORT@#$UP#g" -e "s#@PROXY_PORT@#$MM#g" \
      -e 's#^daemon off;#daemon off;\nmaster_process off;#' "$BENCH_DIR/nginx-proxy.conf.in" > "$TMP/proxy/nginx.conf"
  nginx -p "$TMP/proxy" -c "$TMP/proxy/nginx.conf" -e "$TMP/proxy/error.log" >"$TMP/modelmux.log" 2>&1 &
else
  "$BIN" serve --config "$TMP/modelmux.yaml" --threads 1 >"$TMP/modelmux.log" 2>&1 &
fi
PID=$!; PIDS+=("$PID")
for _ in $(seq 100); do curl -so /dev/null "http://127.0.0.1:$MM/health" && break; sleep 0.1; done
export BENCH_BODY='{"model":"bench","messages":[{"role":"user","content":"hello"}]}'
export BENCH_HEADERS="Authorization: Bearer sk-bench"
[[ ${GOVERNED:-0} == 1 ]] && BENCH_HEADERS="Authorization: Bearer $("$BENCH_DIR/governed_key.sh" "http://127.0.0.1:$MM")"
URL="http://127.0.0.1:$MM/v1/chat/completions"
wrk -t1 -c32 -d2s -s "$BENCH_DIR/post.lua" "$URL" >/dev/null
# perf counts from second 1 to second 5 of a 6-second run; req/s of the whole run scales the counts.
wrk -t1 -c32 -d6s -s "$BENCH_DIR/post.lua" "$URL" > "$TMP/wrk.txt" &
WRK=$!
sleep 1
perf stat -e 'syscalls:sys_enter_*' -e context-switches -p "$PID" -- sleep 4 2> "$TMP/perf.txt" >/dev/null
wait "$WRK"
rps=$(awk '/Requests\/sec/ {print $2}' "$TMP/wrk.txt")
echo "req/s: $rps; per request:"
awk -v r="$rps" '$1 ~ /^[0-9,]+$/ { gsub(",", "", $1); n = $1 / (r * 4); sub("syscalls:sys_enter_", "", $2)
                   if (n >= 0.01) printf "%8.2f %s\n", n, $2 }' "$TMP/perf.txt" | sort -rn
