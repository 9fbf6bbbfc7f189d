# Sourced by the one-worker measures (bench/instructions.sh, bench/syscalls.sh): a temp dir cleaned on exit,
# the static nginx upstream, and a modelmux config (GOVERNED=1: keys, budgets, limits and the SQLite ledger
# on) rendered for it. The caller starts modelmux itself, under whatever measures it.
TMP=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 0.3; rm -rf "$TMP"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Starts the static nginx upstream on a free port, kept in UP.
start_upstream() {
  UP=$(free_port)
  sed -e "s#@TMP@#$TMP#g" -e "s#@NGINX_WORKERS@#1#" -e "s#@UPSTREAM_PORT@#$UP#g" \
    "$BENCH_DIR/nginx-upstream.conf.in" > "$TMP/nginx.conf"
  nginx -p "$TMP" -c "$TMP/nginx.conf" -e "$TMP/nginx-error.log" >/dev/null 2>&1 &
  PIDS+=($!)
}

# Writes $TMP/modelmux.yaml: modelmux on 127.0.0.1:$1, access log off, routed to the upstream.
render_config() {
  local config_in=$BENCH_DIR/modelmux.yaml.in
  [[ ${GOVERNED:-0} == 1 ]] && config_in=$BENCH_DIR/modelmux-governed.yaml.in
  sed -e "s#@LISTEN@#127.0.0.1:$1#" -e "s#@SERVER_EXTRA@#  access_log: false#" -e "s#@UPSTREAM_PORT@#$UP#" \
    -e "s#@STORE@#$TMP/ledger.db#" "$config_in" > "$TMP/modelmux.yaml"
}
