#!/usr/bin/env bash
# User-space instructions per pass-through request, counted by callgrind: a repeatable measure of
# modelmux's own CPU cost that, unlike req/s on a shared 2-core VM, does not move with machine noise.
#
#   bench/instructions.sh                        # pass-through (OpenAI-format upstream)
#   MODEL=bench-anthropic bench/instructions.sh  # translated (Anthropic-format upstream)
#   MODEL="bench bench-auto" bench/instructions.sh  # and behind the learned router (strategy auto), same run
#   SURFACE=anthropic MODEL=bench-anthropic bench/instructions.sh  # Anthropic client, Anthropic upstream:
#                                                  # passed through (translated before the pipeline issue)
#   SURFACE=anthropic bench/instructions.sh        # Anthropic client, OpenAI-format upstream: translated
#   GOVERNED=1 bench/instructions.sh               # pass-through with a virtual key, budgets, limits and the
#                                                  # ledger on (the ledger's writer thread is counted too)
#   PEER=nginx bench/instructions.sh               # the nginx reverse proxy instead (bench/nginx-proxy.conf.in,
#                                                  # one process): the reference for modelmux's pass-through
# Needs build/modelmux, nginx, wrk, valgrind.
#
# One modelmux worker thread under callgrind, a static nginx upstream, wrk with 4 connections (CONNS=). Counting is
# switched on after a warm-up and off before the dump, so start-up is not measured.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
BIN=${MODELMUX_BIN:-$ROOT/build/modelmux}
DURATION=${DURATION:-4s}
for tool in nginx wrk valgrind callgrind_control callgrind_annotate curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install -y nginx-light wrk valgrind curl)" >&2; exit 1; }
done
[ -x "$BIN" ] || { echo "no $BIN: run make build first" >&2; exit 1; }

# shellcheck source=bench/single_worker.sh
. "$BENCH_DIR/single_worker.sh"
MM=$(free_port)
start_upstream
render_config "$MM"
# `modelmux serve` re-executes itself to set this glibc tunable (src/app/malloc_tuning.cpp); set here, the
# process stays under callgrind and is measured as it runs.
export GLIBC_TUNABLES=${GLIBC_TUNABLES:-glibc.malloc.tcache_count=256}
if [[ ${PEER:-modelmux} == nginx ]]; then
  # nginx's one worker as the only process (master_process off), so that callgrind follows it.
  mkdir -p "$TMP/proxy"
  sed -e "s#@TMP@#$TMP/proxy#g" -e "s#@NGINX_WORKERS@#1#" -e "s#@UPSTREAM_PORT@#$UP#g" -e "s#@PROXY_PORT@#$MM#g" \
      -e 's#^daemon off;#daemon off;\nmaster_process off;#' "$BENCH_DIR/nginx-proxy.conf.in" > "$TMP/proxy/nginx.conf"
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$TMP/callgrind.out.%p" \
    nginx -p "$TMP/proxy" -c "$TMP/proxy/nginx.conf" -e "$TMP/proxy/error.log" >"$TMP/modelmux.log" 2>&1 &
else
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$TMP/callgrind.out.%p" \
    "$BIN" serve --config "$TMP/modelmux.yaml" --threads 1 >"$TMP/modelmux.log" 2>&1 &
fi
VG=$!; PIDS+=("$VG")
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$MM/health" >/dev/null && break; sleep 0.2; done
# Several models (MODEL="bench bench-auto") are measured one after the other by the same process, each in
# its own callgrind dump: a comparison within one run.
GOVERNED_KEY=""
[[ ${GOVERNED:-0} == 1 ]] && GOVERNED_KEY=$("$BENCH_DIR/governed_key.sh" "http://127.0.0.1:$MM")
n=0
for model in ${MODEL:-bench}; do
  n=$((n + 1))
  if [[ ${SURFACE:-openai} == anthropic ]]; then
    export BENCH_BODY="{\"model\":\"$model\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"
    export BENCH_HEADERS="anthropic-version: 2023-06-01"
    URL="http://127.0.0.1:$MM/v1/messages"
  else
    export BENCH_BODY="{\"model\":\"$model\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"
    URL="http://127.0.0.1:$MM/v1/chat/completions"
  fi
  if [[ -n $GOVERNED_KEY ]]; then
    export BENCH_HEADERS="authorization: Bearer $GOVERNED_KEY"
  fi
  wrk -t1 -c"${CONNS:-4}" -d2s -s "$BENCH_DIR/post.lua" "$URL" >/dev/null
  callgrind_control -i on "$VG" >/dev/null 2>&1
  out=$(wrk -t1 -c"${CONNS:-4}" -d"$DURATION" -s "$BENCH_DIR/post.lua" "$URL")
  callgrind_control -i off "$VG" >/dev/null 2>&1
  callgrind_control -d "$VG" >/dev/null 2>&1
  sleep 0.5
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  [ -z "$non2xx" ] || { echo "$model: non-2xx responses: $non2xx" >&2; exit 1; }
  dump=$(ls "$TMP"/callgrind.out.*."$n" | head -1)
  total=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}')
  label=$model; [[ ${PEER:-modelmux} == nginx ]] && label="nginx proxy"
  awk -v m="$label" -v t="$total" -v r="$requests" 'BEGIN { printf "%s: %d requests, %.0f instructions/request\n", m, r, t / r }'
  if [ -n "${KEEP_PROFILE:-}" ]; then cp "$dump" "$KEEP_PROFILE.$model"; echo "profile: $KEEP_PROFILE.$model"; fi
done
