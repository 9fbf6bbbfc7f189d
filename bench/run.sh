#!/usr/bin/env bash
# modelmux pass-through benchmark. See bench/README.md.
#
#   bench/run.sh                      # full run (needs build/modelmux)
#   SKIP_MODELMUX=1 bench/run.sh      # everything but the modelmux column
#   DURATION=5s CONNS=128 bench/run.sh
#   ONLY="modelmux governed" bench/run.sh   # only those peers (here: the governed / ungoverned ratio)
#   SKIP_CPU=1 bench/run.sh           # without the CPU-per-request and instructions measures (bench/cpu.sh,
#                                     # bench/instructions.sh), which run after the req/s runs
#
# Starts (all on 127.0.0.1, random free ports, own temp dir):
#   nginx   -- static upstream (fixed OpenAI chat completion), and a keep-alive reverse proxy (own process)
#   modelmux -- build/modelmux serve, routed to the static upstream
#   Portkey  -- @portkey-ai/gateway from npm (installed into bench/.peers/), custom host = upstream
# then runs wrk against each, measures modelmux RSS idle and with HOLD_CONNS idle
# keep-alive connections, prints a table and writes bench/results/latest.md.
# Every process it starts is stopped on exit.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)

DURATION=${DURATION:-10s}            # each measured wrk run
CONNS=${CONNS:-64}                   # connections for the req/s run
THREADS=${THREADS:-2}                # wrk threads for the req/s run
WARMUP=${WARMUP:-2s}                 # per-peer warm-up (CONNS connections)
LAT_RUNS=${LAT_RUNS:-1}              # 1-connection latency runs per peer; the median p50/p99 is reported
WRK_TIMEOUT=${WRK_TIMEOUT:-10s}      # wrk per-request timeout
HOLD_CONNS=${HOLD_CONNS:-10000}      # idle keep-alive connections for the RSS test
HOLD_PATH=${HOLD_PATH:-/health}      # request sent once on each of them
NGINX_WORKERS=${NGINX_WORKERS:-auto} # nginx worker_processes (auto = one per core)
MODELMUX_BIN=${MODELMUX_BIN:-$ROOT/build/modelmux}
SKIP_MODELMUX=${SKIP_MODELMUX:-0}
# modelmux server.access_log. false by default because nginx runs with access_log
# off: neither side pays for per-request logging. "default" leaves the key out.
MODELMUX_ACCESS_LOG=${MODELMUX_ACCESS_LOG:-false}
SKIP_PORTKEY=${SKIP_PORTKEY:-0}
PORTKEY_VERSION=${PORTKEY_VERSION:-1.15.2}
RESULTS=${RESULTS:-$BENCH_DIR/results/latest.md}
BENCH_STRICT=${BENCH_STRICT:-0}      # 1: exit 3 when a target is missed
KEEP_TMP=${KEEP_TMP:-0}              # 1: keep the temp dir (configs, logs, raw wrk output)
SKIP_CPU=${SKIP_CPU:-0}              # 1: skip the CPU-per-request (one worker each) and instructions measures
CPU_DURATION=${CPU_DURATION:-8s}     # each bench/cpu.sh wrk run
CPU_ROUNDS=${CPU_ROUNDS:-3}          # bench/cpu.sh's rounds (the median round is reported)
GOV_PAIRS=${GOV_PAIRS:-7}            # extra alternating ungoverned/governed req/s runs for their ratio (0: none)
NGINX_PAIRS=${NGINX_PAIRS:-4}        # the same for modelmux / nginx req/s (0: none)
LAT_ROUNDS=${LAT_ROUNDS:-4}          # extra 1-connection latency runs of direct, nginx and modelmux, in turn
LAT_DURATION=${LAT_DURATION:-5s}     # each of them

# Targets (see README).
TARGET_RPS_RATIO=1.10           # modelmux / nginx proxy req/s, as many workers as threads (issue 11; was 0.90)
TARGET_ADDED_P99_US=50
TARGET_RSS_IDLE_MB=30
TARGET_RSS_HOLD_MB=150
TARGET_TRANSLATED_RATIO=0.70   # translated path (OpenAI client, Anthropic upstream) / pass-through req/s
TARGET_GOVERNED_RATIO=0.85     # keys, budgets, limits and the ledger on / off, same binary, req/s
TARGET_CPU_RATIO=0.90          # modelmux CPU per pass-through request / nginx's, one worker each (issue 11)
TARGET_GOV_CPU_RATIO=1.00      # the same, governed modelmux / nginx (issue 11)

PEERS=(direct nginx modelmux auto governed translated claude_pt claude_tr portkey)
# claude_pt / claude_tr: an Anthropic client (POST /v1/messages) to the Anthropic-format upstream, passed
# through, and to the OpenAI-format one, translated both ways. auto: the same pass-through request to the
# model bench-auto, so the learned router (strategy auto) decides in the path; modelmux's own is priority.
declare -A LABEL=([direct]="direct (upstream)" [nginx]="nginx proxy" [modelmux]="modelmux" [auto]="modelmux auto"
                  [governed]="modelmux governed"
                  [translated]="modelmux->anthropic"
                  [claude_pt]="anthropic->anthropic" [claude_tr]="anthropic->openai" [portkey]="Portkey $PORTKEY_VERSION")
declare -A URL BODY HDRS STATUS RPS P50 P99 P99S NON2XX SOCKERR OTHER
# ONLY="modelmux governed": load only these peers (the others are reported as skipped), for a quicker
# measure of one ratio.
if [[ -n ${ONLY:-} ]]; then
  for p in "${PEERS[@]}"; do [[ " $ONLY " == *" $p "* ]] || STATUS[$p]="skipped"; done
fi
PIDS=()
TMP=""
FLAGGED=0
NOISY=0

log()  { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
warn() { printf '\033[33mWARN:\033[0m %s\n' "$*" >&2; }
die()  { printf '\033[31mERROR:\033[0m %s\n' "$*" >&2; exit 1; }

# --------------------------------------------------------------------------- cleanup
cleanup() {
  local rc=$? pid kids=() i
  trap - EXIT INT TERM
  # nginx workers are children of the master we started; collect them first so
  # they cannot outlive a master that has to be SIGKILLed.
  for pid in "${PIDS[@]}"; do
    while read -r i; do [[ -n $i ]] && kids+=("$i"); done < <(pgrep -P "$pid" 2>/dev/null || true)
  done
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}" "${kids[@]}"; do
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  if [[ -n $TMP && -d $TMP ]]; then
    if [[ $KEEP_TMP == 1 ]]; then log "kept temp dir $TMP"; else rm -rf "$TMP"; fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --------------------------------------------------------------------------- preflight
for tool in nginx wrk node curl awk ss; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found. Install: apt-get install -y nginx-light wrk nodejs npm curl iproute2"
done
if [[ $SKIP_MODELMUX != 1 && ! -x $MODELMUX_BIN ]]; then
  die "modelmux binary not found at $MODELMUX_BIN -- build it first (make build), or run with SKIP_MODELMUX=1 to bench the other peers only"
fi

PK_DIR=$BENCH_DIR/.peers
PK_JS=$PK_DIR/node_modules/@portkey-ai/gateway/build/start-server.js
if [[ $SKIP_PORTKEY != 1 ]]; then
  have=$(node -p "require('$PK_DIR/node_modules/@portkey-ai/gateway/package.json').version" 2>/dev/null || true)
  if [[ ! -f $PK_JS || $have != "$PORTKEY_VERSION" ]]; then
    command -v npm >/dev/null || die "npm not found (needed to install @portkey-ai/gateway); apt-get install -y npm, or SKIP_PORTKEY=1"
    log "installing @portkey-ai/gateway@$PORTKEY_VERSION into bench/.peers (npm)"
    mkdir -p "$PK_DIR"
    [[ -f $PK_DIR/package.json ]] || echo '{"name":"modelmux-bench-peers","private":true}' > "$PK_DIR/package.json"
    # --ignore-scripts: its only install script is patch-package, and the published
    # package ships no patches.
    npm install --prefix "$PK_DIR" --no-audit --no-fund --ignore-scripts --loglevel=error \
      "@portkey-ai/gateway@$PORTKEY_VERSION" >&2 || die "npm install of @portkey-ai/gateway failed (or SKIP_PORTKEY=1)"
  fi
fi

# File descriptors: HOLD_CONNS sockets in the helper and in modelmux (each process
# has its own limit, inherited from this shell).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
NOFILE=$(ulimit -n)
# (modelmux takes as many connections as its limit has room for two descriptors each: a client's, and an
# upstream's it may need; past that it refuses them, src/http/listener.cpp.)
if [[ $NOFILE != unlimited ]] && (( NOFILE < 2 * HOLD_CONNS + 512 )); then
  warn "open-files limit is $NOFILE (< 2*HOLD_CONNS+512); modelmux will refuse part of the $HOLD_CONNS connections"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/modelmux-bench.XXXXXX")

# Anything else using the CPU (a compiler, a test suite) skews every number here:
# measure the machine's busy share for 1 s before starting anything of ours.
cpu_sample() { awk '/^cpu /{idle=$5+$6; t=0; for (i=2; i<=NF; i++) t+=$i; print t, idle}' /proc/stat; }
read -r T0 I0 < <(cpu_sample); sleep 1; read -r T1 I1 < <(cpu_sample)
BUSY_PCT=$(awk -v dt=$((T1 - T0)) -v di=$((I1 - I0)) 'BEGIN{ printf "%.0f", (dt > 0 ? 100 * (1 - di / dt) : 0) }')
BUSY_NOTE=""
NOISY_PCT=${NOISY_PCT:-10}   # other processes' share of all CPUs above which a peer's numbers are marked noisy
if (( BUSY_PCT > 15 )); then
  BUSY_NOTE="machine was ${BUSY_PCT}% busy with other work before the run: numbers are unreliable"
  warn "$BUSY_NOTE (top: $(ps -eo pcpu=,comm= --sort=-pcpu | head -n 3 | awk '{printf "%s %s%%; ", $2, $1}'))"
fi

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})'
}
declare -A USED_PORTS=()
pick_port() {
  local p
  while :; do p=$(free_port); [[ -z ${USED_PORTS[$p]:-} ]] && break; done
  USED_PORTS[$p]=1; echo "$p"
}

# wait_http URL PID SECONDS [curl args...]: poll until URL answers (any HTTP status)
wait_http() {
  local url=$1 pid=$2 secs=$3; shift 3
  local deadline=$((SECONDS + secs))
  while (( SECONDS < deadline )); do
    kill -0 "$pid" 2>/dev/null || return 1
    if curl -s -o /dev/null -m 1 "$@" "$url"; then return 0; fi
    sleep 0.1
  done
  return 1
}

# CPU ticks used by processes that are not ours during a measurement: all busy
# ticks (/proc/stat, steal included) minus the ticks of every process this script
# started (nginx master+workers, modelmux, Portkey) and of this shell with its
# reaped children (wrk, curl). Prints "busy_total ours total".
cpu_ticks() {
  local p kid pids=("$$" "${PIDS[@]}")
  for p in "${PIDS[@]}"; do
    while read -r kid; do [[ -n $kid ]] && pids+=("$kid"); done < <(pgrep -P "$p" 2>/dev/null || true)
  done
  {
    awk '/^cpu /{t=0; for (i=2; i<=NF; i++) t+=$i; print "SYS", t - $5 - $6, t}' /proc/stat
    for p in "${pids[@]}"; do
      awk -v self="$([[ $p == "$$" ]] && echo 1 || echo 0)" \
        '{ sub(/^.*\) /, ""); print "OUR", $12 + $13 + (self ? $14 + $15 : 0) }' "/proc/$p/stat" 2>/dev/null || true
    done
  } | awk '$1=="SYS"{b=$2; t=$3} $1=="OUR"{o+=$2} END{print b, o+0, t}'
}
# other_pct "before" "after": share (%) of all CPU time used by other processes
other_pct() {
  awk -v a="$1" -v b="$2" 'BEGIN{ split(a, x, " "); split(b, y, " "); dt = y[3] - x[3]
    f = (y[1] - x[1]) - (y[2] - x[2]); if (f < 0) f = 0; printf "%.0f", (dt > 0 ? 100 * f / dt : 0) }'
}

rss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM:/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
mb()     { awk -v k="$1" 'BEGIN{printf "%.1f", k/1024}'; }

UPSTREAM_JSON_MARK='Hello! How can I help you today?'

# --------------------------------------------------------------------------- nginx
UP_PORT=$(pick_port); PX_PORT=$(pick_port)
# Two nginx instances: the static upstream, and the proxy in a process of its own, as every other peer
# is (with one shared nginx a worker can serve its own proxied request without a process hop).
start_nginx() {  # role port-to-wait-on
  local role=$1 dir="$TMP/nginx-$1"
  mkdir -p "$dir"
  sed -e "s#@TMP@#$dir#g" -e "s#@NGINX_WORKERS@#$NGINX_WORKERS#" \
      -e "s#@UPSTREAM_PORT@#$UP_PORT#g" -e "s#@PROXY_PORT@#$PX_PORT#g" \
      "$BENCH_DIR/nginx-$role.conf.in" > "$dir/nginx.conf"
  nginx -q -t -p "$dir" -c "$dir/nginx.conf" -e "$dir/nginx-error.log" \
    || die "nginx $role config test failed (see $dir/nginx.conf)"
  nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/nginx-error.log" >"$dir/stdout.log" 2>&1 &
  local pid=$!; PIDS+=("$pid")
  wait_http "http://127.0.0.1:$2/health" "$pid" 10 \
    || die "nginx $role did not start: $(cat "$dir/nginx-error.log" "$dir/stdout.log" 2>/dev/null)"
}
log "starting nginx (worker_processes $NGINX_WORKERS): upstream 127.0.0.1:$UP_PORT, proxy 127.0.0.1:$PX_PORT"
start_nginx upstream "$UP_PORT"
start_nginx proxy "$PX_PORT"

REQ_OPENAI='{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello"}]}'
URL[direct]="http://127.0.0.1:$UP_PORT/v1/chat/completions"
BODY[direct]=$REQ_OPENAI
HDRS[direct]="Authorization: Bearer sk-bench"
URL[nginx]="http://127.0.0.1:$PX_PORT/v1/chat/completions"
BODY[nginx]=$REQ_OPENAI
HDRS[nginx]="Authorization: Bearer sk-bench"

# --------------------------------------------------------------------------- modelmux
MM_PID=""
if [[ $SKIP_MODELMUX == 1 ]]; then
  STATUS[modelmux]="skipped"
  STATUS[auto]="skipped"
  STATUS[governed]="skipped"
  STATUS[translated]="skipped"
  STATUS[claude_pt]="skipped"
  STATUS[claude_tr]="skipped"
else
  MM_SERVER_EXTRA=""
  [[ $MODELMUX_ACCESS_LOG != default ]] && MM_SERVER_EXTRA="  access_log: $MODELMUX_ACCESS_LOG"
  # launch_modelmux NAME TEMPLATE: renders the template, starts modelmux on it, sets LAUNCHED_PID/_PORT.
  launch_modelmux() {
    local name=$1 template=$2 port=""
    sed -e "s#@LISTEN@#127.0.0.1:0#" -e "s#@SERVER_EXTRA@#$MM_SERVER_EXTRA#" -e "s#@UPSTREAM_PORT@#$UP_PORT#" \
      -e "s#@STORE@#$TMP/$name.db#" "$template" > "$TMP/$name.yaml"
    log "starting $name: $MODELMUX_BIN serve --config $TMP/$name.yaml --listen 127.0.0.1:0"
    # stdbuf: make sure the "listening" line reaches the file even if stdout is block-buffered.
    stdbuf -oL -eL "$MODELMUX_BIN" serve --config "$TMP/$name.yaml" --listen 127.0.0.1:0 \
      >"$TMP/$name.out" 2>"$TMP/$name.err" &
    LAUNCHED_PID=$!; PIDS+=("$LAUNCHED_PID")
    for _ in $(seq 150); do
      port=$(sed -n 's/.*modelmux listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$TMP/$name.out" | head -n1)
      [[ -n $port ]] && break
      kill -0 "$LAUNCHED_PID" 2>/dev/null || break
      sleep 0.1
    done
    if [[ -z $port ]]; then
      die "$name did not print 'modelmux listening on 127.0.0.1:PORT' within 15 s.
--- stdout ---
$(tail -n 20 "$TMP/$name.out")
--- stderr ---
$(tail -n 20 "$TMP/$name.err")"
    fi
    LAUNCHED_PORT=$port
  }
  launch_modelmux modelmux "$BENCH_DIR/modelmux.yaml.in"
  MM_PID=$LAUNCHED_PID MM_PORT=$LAUNCHED_PORT
  # The same binary with keys, budgets, limits and the ledger on (idle while the others run).
  launch_modelmux governed "$BENCH_DIR/modelmux-governed.yaml.in"
  GOV_PORT=$LAUNCHED_PORT
  URL[governed]="http://127.0.0.1:$GOV_PORT/v1/chat/completions"
  BODY[governed]='{"model":"bench","messages":[{"role":"user","content":"hello"}]}'
  HDRS[governed]="authorization: Bearer $("$BENCH_DIR/governed_key.sh" "http://127.0.0.1:$GOV_PORT")"
  URL[modelmux]="http://127.0.0.1:$MM_PORT/v1/chat/completions"
  BODY[modelmux]='{"model":"bench","messages":[{"role":"user","content":"hello"}]}'
  HDRS[modelmux]=""
  URL[auto]=${URL[modelmux]}
  BODY[auto]='{"model":"bench-auto","messages":[{"role":"user","content":"hello"}]}'
  HDRS[auto]=""
  URL[translated]=${URL[modelmux]}
  BODY[translated]='{"model":"bench-anthropic","messages":[{"role":"user","content":"hello"}]}'
  HDRS[translated]=""
  URL[claude_pt]="http://127.0.0.1:$MM_PORT/v1/messages"
  BODY[claude_pt]='{"model":"bench-anthropic","max_tokens":64,"messages":[{"role":"user","content":"hello"}]}'
  HDRS[claude_pt]="anthropic-version: 2023-06-01"
  URL[claude_tr]=${URL[claude_pt]}
  BODY[claude_tr]='{"model":"bench","max_tokens":64,"messages":[{"role":"user","content":"hello"}]}'
  HDRS[claude_tr]="anthropic-version: 2023-06-01"
  sleep 0.5
  RSS_START_KB=$(rss_kb "$MM_PID")
  log "modelmux on 127.0.0.1:$MM_PORT (pid $MM_PID, RSS at start $(mb "$RSS_START_KB") MB)"
fi

# --------------------------------------------------------------------------- Portkey
PK_PID=""
if [[ $SKIP_PORTKEY == 1 ]]; then
  STATUS[portkey]="skipped"
else
  PK_PORT=$(pick_port)
  log "starting Portkey: node $PK_JS --port=$PK_PORT --headless"
  node "$PK_JS" --port="$PK_PORT" --headless >"$TMP/portkey.log" 2>&1 &
  PK_PID=$!; PIDS+=("$PK_PID")
  wait_http "http://127.0.0.1:$PK_PORT/" "$PK_PID" 30 || die "Portkey did not start: $(tail -c 2000 "$TMP/portkey.log")"
  URL[portkey]="http://127.0.0.1:$PK_PORT/v1/chat/completions"
  BODY[portkey]=$REQ_OPENAI
  HDRS[portkey]="x-portkey-provider: openai
x-portkey-custom-host: http://127.0.0.1:$UP_PORT/v1
Authorization: Bearer sk-bench"
fi

# --------------------------------------------------------------------------- checks + load
# verify PEER: one request with curl; must be HTTP 200 and carry the upstream's content.
verify() {
  local p=$1 args=() line code
  while IFS= read -r line; do [[ -n $line ]] && args+=(-H "$line"); done <<<"${HDRS[$p]}"
  code=$(curl -s -m 10 -o "$TMP/$p.verify.body" -w '%{http_code}' -X POST \
           -H 'Content-Type: application/json' "${args[@]}" --data-binary "${BODY[$p]}" "${URL[$p]}" || true)
  if [[ $code != 200 ]] || ! grep -qF "$UPSTREAM_JSON_MARK" "$TMP/$p.verify.body"; then
    STATUS[$p]="FAILED: verify got HTTP ${code:-none}: $(head -c 200 "$TMP/$p.verify.body" 2>/dev/null | tr '\n' ' ')"
    return 1
  fi
}

# wrk_run PEER TAG ARGS...: run wrk with the POST script, output to $TMP/PEER.TAG.txt
wrk_run() {
  local p=$1 tag=$2; shift 2
  BENCH_BODY=${BODY[$p]} BENCH_HEADERS=${HDRS[$p]} \
    wrk --timeout "$WRK_TIMEOUT" -s "$BENCH_DIR/post.lua" "$@" "${URL[$p]}" >"$TMP/$p.$tag.txt" 2>&1 || true
}

# to microseconds: 38.00us / 1.15ms / 2.00s / 1.00m
lat_us() {
  awk -v pct="$2" '
    /Latency Distribution/ {d=1; next}
    d && $1 == pct {
      v=$2; x=v+0
      if (v ~ /us$/) us=x; else if (v ~ /ms$/) us=x*1000; else if (v ~ /m$/) us=x*60e6; else if (v ~ /s$/) us=x*1e6
      printf "%.0f", us; exit
    }' "$1"
}
median()  { printf '%s\n' "$@" | awk 'NF' | sort -n | awk '{v[NR]=$1} END{if (NR) print v[int((NR+1)/2)]}'; }
non2xx()  { awk '/Non-2xx or 3xx responses:/{n+=$NF} END{print n+0}' "$@"; }
sockerr() { awk '/Socket errors:/{gsub(",",""); n+=$4+$6+$8+$10} END{print n+0}' "$@"; }

bench_peer() {
  local p=$1
  log "${LABEL[$p]}: verify, warm up $WARMUP, req/s at $CONNS conns for $DURATION, latency at 1 conn for $DURATION"
  verify "$p" || { warn "${LABEL[$p]}: ${STATUS[$p]}"; FLAGGED=1; return 0; }
  local c0; c0=$(cpu_ticks)
  wrk_run "$p" warmup -t"$THREADS" -c"$CONNS" -d"$WARMUP"
  sleep 0.5
  wrk_run "$p" rps -t"$THREADS" -c"$CONNS" -d"$DURATION"
  sleep 0.5
  local i p50s=() p99s=()
  for i in $(seq "$LAT_RUNS"); do
    wrk_run "$p" "lat$i" -t1 -c1 -d"$DURATION" --latency
    p50s+=("$(lat_us "$TMP/$p.lat$i.txt" 50%)"); p99s+=("$(lat_us "$TMP/$p.lat$i.txt" 99%)")
  done
  RPS[$p]=$(awk '/^Requests\/sec:/{printf "%.0f", $2}' "$TMP/$p.rps.txt")
  P50[$p]=$(median "${p50s[@]}")
  P99[$p]=$(median "${p99s[@]}")
  P99S[$p]="${p99s[*]}"
  (( LAT_RUNS > 1 )) && log "  ${LABEL[$p]}: p99 of the $LAT_RUNS latency runs: ${p99s[*]} us"
  OTHER[$p]=$(other_pct "$c0" "$(cpu_ticks)")
  NON2XX[$p]=$(non2xx "$TMP/$p".rps.txt "$TMP/$p".lat*.txt)
  SOCKERR[$p]=$(sockerr "$TMP/$p".rps.txt "$TMP/$p".lat*.txt)
  if [[ -z ${RPS[$p]} || -z ${P99[$p]} ]]; then
    STATUS[$p]="FAILED: wrk produced no result: $(tail -n 3 "$TMP/$p.rps.txt" | tr '\n' ' ')"
    FLAGGED=1
  elif (( NON2XX[$p] > 0 || SOCKERR[$p] > 0 )); then
    STATUS[$p]="FLAGGED: non-2xx=${NON2XX[$p]} socket-errors=${SOCKERR[$p]}"
    FLAGGED=1
  else
    STATUS[$p]="ok"
  fi
  if (( OTHER[$p] > NOISY_PCT )); then
    STATUS[$p]+=" (NOISY: other processes used ${OTHER[$p]}% of the CPU)"
    NOISY=1
  fi
  log "  ${LABEL[$p]}: ${RPS[$p]:-?} req/s, p50 ${P50[$p]:-?} us, p99 ${P99[$p]:-?} us (${STATUS[$p]})"
}

for p in "${PEERS[@]}"; do
  [[ ${STATUS[$p]:-} == skipped ]] && continue
  bench_peer "$p"
done

# Ratios from alternating pairs: on a shared 2-core VM one run of each peer, minutes apart, moves a ratio by
# +-0.1 (the other tenants' load changes between them). pair_ratios A B N prints B/A for the main runs
# above, then for N more runs of A and B back to back; the median of them is what is reported.
pair_ratios() {
  local a=$1 b=$2 n=$3 i
  awk -v x="${RPS[$b]}" -v y="${RPS[$a]}" 'BEGIN {printf "%.2f\n", x / y}'
  for i in $(seq "$n"); do
    wrk_run "$a" "pair-$b-$i" -t"$THREADS" -c"$CONNS" -d"$DURATION"
    wrk_run "$b" "pair-$a-$i" -t"$THREADS" -c"$CONNS" -d"$DURATION"
    awk '/^Requests\/sec:/ {r[FILENAME] = $2} END {if (r[ARGV[1]] > 0) printf "%.2f\n", r[ARGV[2]] / r[ARGV[1]]}' \
      "$TMP/$a.pair-$b-$i.txt" "$TMP/$b.pair-$a-$i.txt"
  done
}
GOV_RATIOS=()
if [[ ${STATUS[modelmux]:-} == ok* && ${STATUS[governed]:-} == ok* ]]; then
  mapfile -t GOV_RATIOS < <(pair_ratios modelmux governed "$GOV_PAIRS")
  log "governed / ungoverned req/s in ${#GOV_RATIOS[@]} pairs: ${GOV_RATIOS[*]}"
fi
NGINX_RATIOS=()
if [[ ${STATUS[modelmux]:-} == ok* && ${STATUS[nginx]:-} == ok* ]]; then
  mapfile -t NGINX_RATIOS < <(pair_ratios nginx modelmux "$NGINX_PAIRS")
  log "modelmux / nginx req/s in ${#NGINX_RATIOS[@]} pairs: ${NGINX_RATIOS[*]}"
fi
# And the 1-connection latencies that are compared (modelmux's p99 against the upstream's and nginx's):
# more runs of the three in turn, so that each p99 is the median of runs spread over the same minutes.
LAT_PEERS=()
for p in direct nginx modelmux; do [[ ${STATUS[$p]:-} == ok* ]] && LAT_PEERS+=("$p"); done
if (( LAT_ROUNDS > 0 && ${#LAT_PEERS[@]} > 1 )); then
  for i in $(seq "$LAT_ROUNDS"); do
    for p in "${LAT_PEERS[@]}"; do
      wrk_run "$p" "latround$i" -t1 -c1 -d"$LAT_DURATION" --latency
      P99S[$p]+=" $(lat_us "$TMP/$p.latround$i.txt" 99%)"
    done
  done
  for p in "${LAT_PEERS[@]}"; do
    # shellcheck disable=SC2086  # (a list of numbers)
    P99[$p]=$(median ${P99S[$p]})
    log "  ${LABEL[$p]}: p99 at 1 connection in $((LAT_ROUNDS + LAT_RUNS)) runs: ${P99S[$p]} us; median ${P99[$p]} us"
  done
fi

# --------------------------------------------------------------------------- modelmux memory
PK_RSS_KB=""
[[ -n $PK_PID ]] && PK_RSS_KB=$(rss_kb "$PK_PID")
RSS_IDLE_KB="" RSS_HOLD_KB="" RSS_AFTER_KB="" HWM_KB="" HOLD_READY="" HOLD_DONE="" HOLD_ESTAB=""
if [[ -n $MM_PID ]] && kill -0 "$MM_PID" 2>/dev/null; then
  sleep 1
  RSS_IDLE_KB=$(rss_kb "$MM_PID")
  log "modelmux RSS idle after load: $(mb "$RSS_IDLE_KB") MB; opening $HOLD_CONNS keep-alive connections (GET $HOLD_PATH)"
  node "$BENCH_DIR/hold_conns.mjs" 127.0.0.1 "$MM_PORT" "$HOLD_CONNS" "$HOLD_PATH" 120 >"$TMP/hold.out" 2>"$TMP/hold.err" &
  HOLD_PID=$!; PIDS+=("$HOLD_PID")
  for _ in $(seq 900); do
    grep -q '^READY' "$TMP/hold.out" 2>/dev/null && break
    kill -0 "$HOLD_PID" 2>/dev/null || break
    sleep 0.1
  done
  HOLD_READY=$(grep '^READY' "$TMP/hold.out" || true)
  if [[ -n $HOLD_READY ]]; then
    sleep 1
    RSS_HOLD_KB=$(rss_kb "$MM_PID")
    HOLD_ESTAB=$(ss -Htn state established "( sport = :$MM_PORT )" 2>/dev/null | wc -l)
    log "  $HOLD_READY; server-side established: $HOLD_ESTAB; RSS $(mb "$RSS_HOLD_KB") MB"
    kill -TERM "$HOLD_PID" 2>/dev/null || true
    wait "$HOLD_PID" 2>/dev/null || true
    HOLD_DONE=$(grep '^DONE' "$TMP/hold.out" || true)
    sleep 1
    RSS_AFTER_KB=$(rss_kb "$MM_PID")
    HWM_KB=$(hwm_kb "$MM_PID")
    ok=$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<<"$HOLD_READY")
    if (( ${ok:-0} < HOLD_CONNS )) || [[ $HOLD_DONE != *"closed_by_peer=0"* ]]; then
      warn "connection-hold test incomplete: $HOLD_READY / $HOLD_DONE $(head -c 300 "$TMP/hold.err")"
      FLAGGED=1
    fi
  else
    warn "hold_conns.mjs did not get ready: $(tail -c 500 "$TMP/hold.err")"
    kill -TERM "$HOLD_PID" 2>/dev/null || true
    FLAGGED=1
  fi
elif [[ -n $MM_PID ]]; then
  warn "modelmux (pid $MM_PID) is no longer running: $(tail -n 5 "$TMP/modelmux.err")"
  STATUS[modelmux]="FAILED: process exited"
  FLAGGED=1
fi

# --------------------------------------------------------------------------- CPU per request, instructions
# bench/cpu.sh: each proxy alone in its process with one worker, CPU time from schedstat and the
# user/kernel split from /proc/<pid>/stat, per request; bench/instructions.sh: callgrind's user-space
# instructions per request (noise-free). Both start their own processes, after the req/s runs above.
declare -A CPU=()
INSTR_PT="" INSTR_GOV="" INSTR_NGINX=""
if [[ $SKIP_MODELMUX != 1 && $SKIP_CPU != 1 ]]; then
  CPU_GOVERNED=1; [[ ${STATUS[governed]:-} == skipped ]] && CPU_GOVERNED=0
  log "CPU per request, one worker each: bench/cpu.sh (DURATION=$CPU_DURATION)"
  if DURATION=$CPU_DURATION ROUNDS=$CPU_ROUNDS GOVERNED=$CPU_GOVERNED CPU_OUT="$TMP/cpu.kv" MODELMUX_BIN=$MODELMUX_BIN \
       "$BENCH_DIR/cpu.sh" >"$TMP/cpu.txt" 2>&1; then
    sed 's/^/    /' "$TMP/cpu.txt" >&2
    while IFS='=' read -r k v; do [[ -n $k ]] && CPU[$k]=$v; done < "$TMP/cpu.kv"
  else
    warn "bench/cpu.sh failed: $(tail -n 3 "$TMP/cpu.txt")"
  fi
  if command -v valgrind >/dev/null; then
    log "instructions per request: bench/instructions.sh (callgrind)"
    instr() { DURATION=4s MODELMUX_BIN=$MODELMUX_BIN "$BENCH_DIR/instructions.sh" 2>&1 |
              awk '/instructions\/request/ {print $(NF-1)}' | tail -n 1; }
    INSTR_PT=$(instr)
    INSTR_NGINX=$(PEER=nginx instr)
    [[ $CPU_GOVERNED == 1 ]] && INSTR_GOV=$(GOVERNED=1 CONNS=64 instr)
    log "  pass-through ${INSTR_PT:-?}, nginx proxy ${INSTR_NGINX:-?}, governed ${INSTR_GOV:-skipped}"
  else
    warn "valgrind not found: no instructions count (apt-get install -y valgrind)"
  fi
fi

# --------------------------------------------------------------------------- report
ok_peer() { [[ ${STATUS[$1]:-} == ok* || ${STATUS[$1]:-} == FLAGGED* ]] && [[ -n ${RPS[$1]:-} ]]; }
ratio()  { awk -v a="$1" -v b="$2" 'BEGIN{ if (b>0) printf "%.2f", a/b; else print "n/a" }'; }
verdict() { # verdict VALUE OP TARGET
  awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN{
    if (v=="" || v=="n/a") { print "n/a"; exit }
    ok = (op==">=") ? (v+0 >= t+0) : (v+0 <= t+0); print ok ? "PASS" : "FAIL" }'
}
fmt_us() { [[ -n ${1:-} ]] && echo "$1 us" || echo "-"; }

MM_OK=0; ok_peer modelmux && MM_OK=1
R_NGINX="n/a"; R_PK="n/a"; ADD_P99="n/a"; ADD_P50="n/a"; NGX_ADD_P99="n/a"
(( MM_OK )) && ok_peer nginx && R_NGINX=$(median "${NGINX_RATIOS[@]}")
[[ -z $R_NGINX ]] && R_NGINX=$(ratio "${RPS[modelmux]}" "${RPS[nginx]}")
(( MM_OK )) && ok_peer portkey && R_PK=$(ratio "${RPS[modelmux]}" "${RPS[portkey]}")
if (( MM_OK )) && ok_peer direct; then
  ADD_P99=$(( P99[modelmux] - P99[direct] )); ADD_P50=$(( P50[modelmux] - P50[direct] ))
fi
ok_peer nginx && ok_peer direct && NGX_ADD_P99=$(( P99[nginx] - P99[direct] ))
P99_VS_NGINX="n/a"; (( MM_OK )) && ok_peer nginx && P99_VS_NGINX=$(( P99[modelmux] - P99[nginx] ))
PK_R_NGINX="n/a"; ok_peer portkey && ok_peer nginx && PK_R_NGINX=$(ratio "${RPS[portkey]}" "${RPS[nginx]}")
R_TRANSLATED="n/a"; (( MM_OK )) && ok_peer translated && R_TRANSLATED=$(ratio "${RPS[translated]}" "${RPS[modelmux]}")
R_CLAUDE="n/a"; ok_peer claude_pt && ok_peer claude_tr && R_CLAUDE=$(ratio "${RPS[claude_pt]}" "${RPS[claude_tr]}")
V_TRANSLATED=$(verdict "$R_TRANSLATED" ">=" "$TARGET_TRANSLATED_RATIO")
R_AUTO="n/a"; (( MM_OK )) && ok_peer auto && R_AUTO=$(ratio "${RPS[auto]}" "${RPS[modelmux]}")
R_GOVERNED="n/a"; (( MM_OK )) && ok_peer governed && R_GOVERNED=$(median "${GOV_RATIOS[@]}")
[[ -z $R_GOVERNED ]] && R_GOVERNED=$(ratio "${RPS[governed]}" "${RPS[modelmux]}")
V_GOVERNED=$(verdict "$R_GOVERNED" ">=" "$TARGET_GOVERNED_RATIO")
V_CPU=$(verdict "${CPU[modelmux_ratio]:-}" "<=" "$TARGET_CPU_RATIO")
V_GOV_CPU=$(verdict "${CPU[governed_ratio]:-}" "<=" "$TARGET_GOV_CPU_RATIO")
# cpu_cell NAME: "19.7 us (user 7.1, kernel 12.6)", or "-" when not measured.
cpu_cell() {
  [[ -n ${CPU[$1_us]:-} ]] || { echo "-"; return; }
  echo "${CPU[$1_us]} us (user ${CPU[$1_user_us]}, kernel ${CPU[$1_kernel_us]})"
}

V_RPS=$(verdict "$R_NGINX" ">=" "$TARGET_RPS_RATIO")
V_P99=$(verdict "$ADD_P99" "<=" "$TARGET_ADDED_P99_US")
V_P99_NGINX=$(verdict "$P99_VS_NGINX" "<=" 0)
NOISY_NOTE=""
if (( NOISY )); then
  NOISY_NOTE="other processes used more than ${NOISY_PCT}% of the CPU during some runs (see 'other CPU'): req/s and latency numbers are unreliable, rerun on a quiet machine"
  [[ $V_RPS != n/a ]] && V_RPS+=" (noisy)"
  [[ $V_P99 != n/a ]] && V_P99+=" (noisy)"
fi
RSS_IDLE_MB=""; RSS_HOLD_MB=""
[[ -n $RSS_IDLE_KB ]] && RSS_IDLE_MB=$(mb "$RSS_IDLE_KB")
[[ -n $RSS_HOLD_KB ]] && RSS_HOLD_MB=$(mb "$RSS_HOLD_KB")
V_IDLE=$(verdict "$RSS_IDLE_MB" "<=" "$TARGET_RSS_IDLE_MB")
V_HOLD=$(verdict "$RSS_HOLD_MB" "<=" "$TARGET_RSS_HOLD_MB")

# Terminal table
echo
printf '%-20s %12s %10s %10s %8s %8s %9s  %s\n' "peer" "req/s@$CONNS" "p50@1" "p99@1" "non-2xx" "sockerr" "other CPU" "status"
for p in "${PEERS[@]}"; do
  printf '%-20s %12s %10s %10s %8s %8s %9s  %s\n' "${LABEL[$p]}" "${RPS[$p]:--}" "$(fmt_us "${P50[$p]:-}")" \
    "$(fmt_us "${P99[$p]:-}")" "${NON2XX[$p]:--}" "${SOCKERR[$p]:--}" "${OTHER[$p]:+${OTHER[$p]}%}" "${STATUS[$p]:-}"
done
echo
printf '%-40s %10s   target %-10s %s\n' "modelmux / nginx req/s" "$R_NGINX" ">= $TARGET_RPS_RATIO" "$V_RPS"
printf '%-40s %10s\n' "modelmux / Portkey req/s" "$R_PK"
printf '%-40s %10s   target %-10s %s\n' "translated / pass-through req/s" "$R_TRANSLATED" ">= $TARGET_TRANSLATED_RATIO" "$V_TRANSLATED"
printf '%-40s %10s\n' "anthropic: pass-through / translated" "$R_CLAUDE"
printf '%-40s %10s\n' "auto (learned router) / priority req/s" "$R_AUTO"
printf '%-40s %10s   target %-10s %s\n' "governed / ungoverned req/s" "$R_GOVERNED" ">= $TARGET_GOVERNED_RATIO" "$V_GOVERNED"
printf '%-40s %10s   target %-10s %s\n' "modelmux p99 - direct p99 (us, 1 conn)" "$ADD_P99" "<= $TARGET_ADDED_P99_US" "$V_P99"
printf '%-40s %10s   target %-10s %s\n' "modelmux / nginx CPU per request" "${CPU[modelmux_ratio]:-n/a}" "<= $TARGET_CPU_RATIO" "$V_CPU"
printf '%-40s %10s   target %-10s %s\n' "governed / nginx CPU per request" "${CPU[governed_ratio]:-n/a}" "<= $TARGET_GOV_CPU_RATIO" "$V_GOV_CPU"
for p in nginx modelmux governed; do
  printf '%-40s %s\n' "  CPU per request, $p (1 worker)" "$(cpu_cell "$p")"
done
printf '%-40s %10s\n' "instructions/request, pass-through" "${INSTR_PT:-n/a}"
printf '%-40s %10s\n' "instructions/request, nginx proxy" "${INSTR_NGINX:-n/a}"
printf '%-40s %10s\n' "instructions/request, governed" "${INSTR_GOV:-n/a}"
printf '%-40s %10s   target %-10s %s\n' "modelmux p99 - nginx p99 (us, 1 conn)" "$P99_VS_NGINX" "<= 0" "$V_P99_NGINX"
printf '%-40s %10s\n' "modelmux p50 - direct p50 (us, 1 conn)" "$ADD_P50"
printf '%-40s %10s\n' "nginx p99 - direct p99 (us, reference)" "$NGX_ADD_P99"
printf '%-40s %10s   target %-10s %s\n' "modelmux RSS idle after load (MB)" "${RSS_IDLE_MB:-n/a}" "<= $TARGET_RSS_IDLE_MB" "$V_IDLE"
printf '%-40s %10s   target %-10s %s\n' "modelmux RSS, $HOLD_CONNS idle conns (MB)" "${RSS_HOLD_MB:-n/a}" "<= $TARGET_RSS_HOLD_MB" "$V_HOLD"
[[ -n ${RSS_START_KB:-} ]] && printf '%-40s %10s\n' "modelmux RSS at start (MB)" "$(mb "$RSS_START_KB")"
[[ -n $RSS_AFTER_KB ]] && printf '%-40s %10s\n' "modelmux RSS after closing them (MB)" "$(mb "$RSS_AFTER_KB")"
[[ -n $PK_RSS_KB ]] && printf '%-40s %10s\n' "Portkey RSS after load (MB, reference)" "$(mb "$PK_RSS_KB")"
echo
[[ -n $BUSY_NOTE ]] && warn "$BUSY_NOTE"
[[ -n $NOISY_NOTE ]] && warn "$NOISY_NOTE"

# Markdown
mkdir -p "$(dirname "$RESULTS")"
CPU=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
MM_REV=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "no commit")
git -C "$ROOT" diff --quiet HEAD 2>/dev/null || MM_REV="$MM_REV (dirty tree)"
{
  echo "# modelmux benchmark: latest run"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(nproc) cores${CPU:+ ($CPU)}, $(uname -sr); wrk, gateway and upstream share these cores"
  echo "- load: \`wrk -t$THREADS -c$CONNS -d$DURATION\` for req/s; \`wrk -t1 -c1 -d$DURATION --latency\` for p50/p99 (median of $LAT_RUNS run(s)); warm-up $WARMUP per peer"
  echo "- p99 of direct, nginx and modelmux: the median of those and $LAT_ROUNDS more \`-d$LAT_DURATION\` runs of the three in turn (${P99S[direct]:-} / ${P99S[nginx]:-} / ${P99S[modelmux]:-} us)"
  echo "- nginx $(nginx -v 2>&1 | sed 's#.*/##'), worker_processes $NGINX_WORKERS; node $(node --version); Portkey gateway $PORTKEY_VERSION ($( [[ $SKIP_PORTKEY == 1 ]] && echo skipped || echo "node, 1 process" ))"
  [[ -n $BUSY_NOTE ]] && echo "- **WARNING: $BUSY_NOTE**"
  [[ -n $NOISY_NOTE ]] && echo "- **WARNING: $NOISY_NOTE**"
  echo "- modelmux: $( [[ $SKIP_MODELMUX == 1 ]] && echo "skipped (SKIP_MODELMUX=1)" || echo "$MM_REV, server.access_log: $MODELMUX_ACCESS_LOG" )"
  echo
  echo "| peer | req/s ($CONNS conns) | p50 (1 conn) | p99 (1 conn) | non-2xx | socket errors | other CPU | status |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|"
  for p in "${PEERS[@]}"; do
    echo "| ${LABEL[$p]} | ${RPS[$p]:--} | $(fmt_us "${P50[$p]:-}") | $(fmt_us "${P99[$p]:-}") | ${NON2XX[$p]:--} | ${SOCKERR[$p]:--} | ${OTHER[$p]:+${OTHER[$p]}%} | ${STATUS[$p]:-} |"
  done
  echo
  echo "| metric | value | target | result |"
  echo "|---|---:|---|---|"
  echo "| modelmux / nginx req/s, median of ${#NGINX_RATIOS[@]} back-to-back pairs (${NGINX_RATIOS[*]}) | $R_NGINX | >= $TARGET_RPS_RATIO | $V_RPS |"
  echo "| modelmux / Portkey req/s | $R_PK | | |"
  echo "| translated (Anthropic upstream) / pass-through req/s | $R_TRANSLATED | >= $TARGET_TRANSLATED_RATIO | $V_TRANSLATED |"
  echo "| Anthropic client: pass-through (Anthropic upstream) / translated (OpenAI upstream) req/s | $R_CLAUDE | | |"
  echo "| auto (learned router decides) / priority req/s | $R_AUTO | | |"
  echo "| governed (keys, budgets, limits, ledger) / ungoverned req/s, median of ${#GOV_RATIOS[@]} back-to-back pairs (${GOV_RATIOS[*]}) | $R_GOVERNED | >= $TARGET_GOVERNED_RATIO | $V_GOVERNED |"
  echo "| modelmux p99 - direct p99 (1 conn) | $ADD_P99 us | <= $TARGET_ADDED_P99_US us | $V_P99 |"
  echo "| modelmux / nginx CPU per pass-through request (one worker each, schedstat), the median of rounds (${CPU[modelmux_ratios]:-}) | ${CPU[modelmux_ratio]:-n/a} | <= $TARGET_CPU_RATIO | $V_CPU |"
  echo "| governed modelmux / nginx CPU per request, in that round (all rounds: ${CPU[governed_ratios]:-}) | ${CPU[governed_ratio]:-n/a} | <= $TARGET_GOV_CPU_RATIO | $V_GOV_CPU |"
  echo "| CPU per request: nginx proxy | $(cpu_cell nginx) | | |"
  echo "| CPU per request: modelmux | $(cpu_cell modelmux) | | |"
  echo "| CPU per request: modelmux governed | $(cpu_cell governed) | | |"
  echo "| user-space instructions per pass-through request (callgrind, bench/instructions.sh) | ${INSTR_PT:-n/a} | | |"
  echo "| the same, the nginx proxy (\`PEER=nginx bench/instructions.sh\`) | ${INSTR_NGINX:-n/a} | | |"
  echo "| the same, governed (\`GOVERNED=1 CONNS=64 bench/instructions.sh\`) | ${INSTR_GOV:-n/a} | | |"
  echo "| modelmux p99 - nginx p99 (1 conn) | $P99_VS_NGINX us | <= 0 us | $V_P99_NGINX |"
  echo "| modelmux p50 - direct p50 (1 conn) | $ADD_P50 us | | |"
  echo "| nginx p99 - direct p99 (reference) | $NGX_ADD_P99 us | | |"
  echo "| Portkey / nginx req/s (reference) | $PK_R_NGINX | | |"
  echo "| modelmux RSS idle (after load) | ${RSS_IDLE_MB:-n/a} MB | <= $TARGET_RSS_IDLE_MB MB | $V_IDLE |"
  echo "| modelmux RSS with $HOLD_CONNS idle keep-alive conns | ${RSS_HOLD_MB:-n/a} MB | <= $TARGET_RSS_HOLD_MB MB | $V_HOLD |"
  [[ -n ${RSS_START_KB:-} ]] && echo "| modelmux RSS at start | $(mb "$RSS_START_KB") MB | | |"
  [[ -n $RSS_AFTER_KB ]] && echo "| modelmux RSS after closing the conns | $(mb "$RSS_AFTER_KB") MB | | |"
  [[ -n $HWM_KB ]] && echo "| modelmux peak RSS (VmHWM) | $(mb "$HWM_KB") MB | | |"
  [[ -n $PK_RSS_KB ]] && echo "| Portkey RSS after load (reference) | $(mb "$PK_RSS_KB") MB | | |"
  if [[ -n $HOLD_READY ]]; then
    echo
    echo "Connection hold: \`$HOLD_READY\`, server-side established at measurement: $HOLD_ESTAB, \`$HOLD_DONE\`."
  fi
} > "$RESULTS"
log "wrote ${RESULTS#"$ROOT"/}"

if (( FLAGGED )); then
  warn "some results are flagged (failed verification, non-2xx responses, socket errors, or incomplete connection test); see status above"
  exit 1
fi
if [[ $BENCH_STRICT == 1 ]] && [[ "$V_RPS $V_P99 $V_IDLE $V_HOLD" == *FAIL* ]]; then
  warn "BENCH_STRICT=1 and a target was missed"
  exit 3
fi
exit 0
