-- wrk script used by bench/run.sh: POST a chat completion with per-peer headers.
--   BENCH_BODY     request body (JSON)
--   BENCH_HEADERS  extra headers, one "Name: value" per line
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY") or '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello"}]}'
wrk.headers["Content-Type"] = "application/json"
for line in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
  local k, v = line:match("^%s*([^:]-)%s*:%s*(.-)%s*$")
  if k and k ~= "" then wrk.headers[k] = v end
end
