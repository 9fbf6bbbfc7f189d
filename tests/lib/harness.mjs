// Test harness for modelmux: spawns the gateway (`modelmux serve`) and the fake upstream
// (`modelmux mock-server`), waits for their "listening on HOST:PORT" line, and makes sure every
// child is gone when the test file ends, whatever happened. Also a few raw-HTTP helpers for the
// integration tests (node built-ins only: this file must not need any npm package).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MODELMUX_BIN = process.env.MODELMUX_BIN
  ? path.resolve(process.env.MODELMUX_BIN)
  : path.join(REPO_ROOT, 'build', 'modelmux');

const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 3_000;
const LISTEN_RE = /listening on (\S+):(\d+)/;
const LOG_TAIL_CHARS = 4_000;

// Every process this file started, for the exit-time cleanup and for logs on failure.
const started = new Set();
const tempDirs = new Set();

function killAll() {
  for (const p of started) {
    if (p.exitCode === null && p.signalCode === null) {
      try { p.kill('SIGKILL'); } catch { /* already gone */ }
    }
  }
  for (const d of tempDirs) {
    try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* best effort */ }
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => { killAll(); process.exit(128 + (os.constants.signals[sig] ?? 0)); });
}

function binaryOrThrow() {
  if (!fs.existsSync(MODELMUX_BIN)) {
    throw new Error(`modelmux binary not found at ${MODELMUX_BIN} (build it, or set MODELMUX_BIN)`);
  }
  return MODELMUX_BIN;
}

/** Writes `text` to a fresh temp dir and returns the file's path. */
export async function writeTempFile(text, name = 'modelmux.yaml') {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'modelmux-test-'));
  tempDirs.add(dir);
  const file = path.join(dir, name);
  await fsp.writeFile(file, text);
  return file;
}

function tail(s) {
  return s.length > LOG_TAIL_CHARS ? '…' + s.slice(-LOG_TAIL_CHARS) : s;
}

/** Logs of every process this test file started, for failure messages. */
export function allLogs() {
  const parts = [];
  for (const p of started) {
    const h = p.__handle;
    if (h) parts.push(h.describe());
  }
  return parts.join('\n');
}

/**
 * Wraps a test function so that a failure's message carries the stdout/stderr of the processes
 * the file started. Use as `it('x', logged(async (t) => {...}))`.
 */
export function logged(fn) {
  return async function (...a) {
    try {
      return await fn.apply(this, a);
    } catch (err) {
      const logs = allLogs();
      if (logs && err && typeof err === 'object') {
        try { err.message = `${err.message}\n--- process logs ---\n${logs}`; } catch { /* frozen */ }
      }
      throw err;
    }
  };
}

class ProcHandle {
  constructor(proc, label, argv) {
    this.proc = proc;
    this.label = label;
    this.argv = argv;
    this.stdout = '';
    this.stderr = '';
    this.exitInfo = null;
    this.exited = new Promise((resolve) => {
      proc.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      proc.on('error', (err) => {
        this.stderr += `\n[spawn error] ${err.message}`;
        this.exitInfo ??= { code: null, signal: null, error: err };
        resolve(this.exitInfo);
      });
    });
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (d) => { this.stdout += d; });
    proc.stderr.on('data', (d) => { this.stderr += d; });
    proc.__handle = this;
  }

  get pid() { return this.proc.pid; }

  describe() {
    const st = this.exitInfo ? `exited code=${this.exitInfo.code} signal=${this.exitInfo.signal}` : 'running';
    return `[${this.label} pid=${this.proc.pid} ${st}] ${this.argv.join(' ')}\n` +
      `  stdout: ${tail(this.stdout).replace(/\n/g, '\n    ')}\n` +
      `  stderr: ${tail(this.stderr).replace(/\n/g, '\n    ')}`;
  }

  /** Resolves with {host, port} once stdout has the listening line; rejects on exit or timeout. */
  waitListening(timeoutMs = READY_TIMEOUT_MS) {
    return new Promise((resolve, reject) => {
      let done = false;
      const check = () => {
        if (done) return;
        const m = LISTEN_RE.exec(this.stdout);
        if (m) { finish(); resolve({ host: m[1], port: Number(m[2]) }); }
      };
      const onExit = () => {
        if (done) return;
        check();
        if (done) return;
        finish();
        reject(new Error(`${this.label} exited before listening\n${this.describe()}`));
      };
      const timer = setTimeout(() => {
        if (done) return;
        finish();
        reject(new Error(`${this.label} did not print "listening on HOST:PORT" within ${timeoutMs} ms\n${this.describe()}`));
      }, timeoutMs);
      const finish = () => {
        done = true;
        clearTimeout(timer);
        this.proc.stdout.off('data', check);
      };
      this.proc.stdout.on('data', check);
      this.exited.then(onExit);
      check();
    });
  }

  /** Sends `signal` (SIGTERM by default); SIGKILL after 3 s. Resolves with {code, signal}. */
  async stop(signal = 'SIGTERM') {
    if (this.exitInfo) return this.exitInfo;
    try { this.proc.kill(signal); } catch { /* gone */ }
    let timer;
    const killed = new Promise((resolve) => {
      timer = setTimeout(() => {
        try { this.proc.kill('SIGKILL'); } catch { /* gone */ }
        resolve();
      }, STOP_GRACE_MS);
    });
    await Promise.race([this.exited, killed]);
    clearTimeout(timer);
    return this.exited;
  }
}

/** Spawns `modelmux ...argv` and returns its ProcHandle (does not wait for anything). */
export function spawnModelmux(argv, { env, label = 'modelmux' } = {}) {
  const bin = binaryOrThrow();
  const proc = spawn(bin, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...(env ?? {}) },
  });
  started.add(proc);
  return new ProcHandle(proc, label, [bin, ...argv]);
}

function hasFlag(args, flag) {
  return args.some((a) => a === flag || a.startsWith(flag + '='));
}

async function startServer(argv, opts) {
  const h = spawnModelmux(argv, opts);
  let addr;
  try {
    addr = await h.waitListening();
  } catch (err) {
    await h.stop('SIGKILL');
    throw err;
  }
  const hostForUrl = addr.host.includes(':') && !addr.host.startsWith('[') ? `[${addr.host}]` : addr.host;
  return {
    host: addr.host,
    port: addr.port,
    url: `http://${hostForUrl}:${addr.port}`,
    proc: h.proc,
    handle: h,
    exited: h.exited,
    logs: () => h.describe(),
    stop: (signal) => h.stop(signal),
  };
}

/**
 * Starts `modelmux serve`. `config` is YAML text (written to a temp file, passed as --config);
 * `args` are extra arguments; `--listen 127.0.0.1:0` is added unless args has --listen.
 * Returns {host, port, url, proc, handle, exited, logs(), stop()}.
 */
export async function startGateway({ config, args = [], env } = {}) {
  const argv = ['serve'];
  if (config !== undefined) argv.push('--config', await writeTempFile(config));
  if (!hasFlag(args, '--listen')) argv.push('--listen', '127.0.0.1:0');
  argv.push(...args);
  return startServer(argv, { env, label: 'gateway' });
}

/** Starts `modelmux mock-server` with `--listen 127.0.0.1:0` (unless given) and the knobs in args. */
export async function startMock(args = [], { env } = {}) {
  const argv = ['mock-server'];
  if (!hasFlag(args, '--listen')) argv.push('--listen', '127.0.0.1:0');
  argv.push(...args);
  return startServer(argv, { env, label: 'mock-server' });
}

/**
 * Runs `modelmux ...argv` to completion (for commands expected to exit, e.g. a bad config).
 * If it is still running after timeoutMs (e.g. it started serving a config it should have
 * refused) it is killed and {timedOut: true} is set. Resolves with {code, signal, stdout, stderr, timedOut}.
 */
export async function runModelmux(argv, { env, timeoutMs = 5_000 } = {}) {
  const h = spawnModelmux(argv, { env, label: 'modelmux-run' });
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; h.proc.kill('SIGKILL'); }, timeoutMs);
  const info = await h.exited;
  clearTimeout(timer);
  // Let the pipes drain.
  await new Promise((r) => setImmediate(r));
  return { code: info.code, signal: info.signal, stdout: h.stdout, stderr: h.stderr, timedOut, logs: () => h.describe() };
}

/**
 * A loopback port that nothing listens on. It is taken from below the kernel's ephemeral range: a port
 * the kernel handed out and got back could be handed to a server another test starts meanwhile (seen:
 * a "refused" target that answered), but servers here only ever listen on port 0, inside that range.
 */
export async function closedPort() {
  let low = 32768;
  try { low = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || low; } catch {}
  for (;;) {
    const port = low - 1 - Math.floor(Math.random() * Math.min(8000, low - 1024));
    const srv = net.createServer();
    const free = await new Promise((r) => { srv.once('error', () => r(false)); srv.listen(port, '127.0.0.1', () => r(true)); });
    if (free) {
      await new Promise((r) => srv.close(r));
      return port;
    }
  }
}

/**
 * One HTTP request with node:http. Resolves with {status, headers (lowercased), body (string),
 * socket}. `body` may be a string/Buffer; `agent` lets tests share a keep-alive agent.
 */
export function httpRequest(url, { method = 'GET', headers = {}, body, agent, timeoutMs = 8_000 } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = http.request({
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port,
      path: u.pathname + u.search,
      method,
      headers,
      agent: agent ?? false,
    });
    const timer = setTimeout(() => req.destroy(new Error(`request timed out after ${timeoutMs} ms: ${method} ${url}`)), timeoutMs);
    let socket;
    req.on('socket', (s) => { socket = s; });
    req.on('error', (e) => { clearTimeout(timer); reject(e); });
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', (e) => { clearTimeout(timer); reject(e); });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          socket,
          reusedSocket: req.reusedSocket,
        });
      });
    });
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** POST JSON (object -> JSON text; a string is sent as is). */
export function postJSON(url, body, { headers = {}, ...rest } = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return httpRequest(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers },
    body: text,
    ...rest,
  });
}

/** Parses a response body as JSON, with the body in the error message when it is not. */
export function parseJSON(text, what = 'body') {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} is not JSON (${e.message}): ${JSON.stringify(text.slice(0, 500))}`);
  }
}

/**
 * Strictly splits an SSE body into events of the form `data: X\n\n`. Returns {events: [X...],
 * rest} where rest is any trailing text that is not a complete event. Throws if an event is not
 * exactly one `data: ` line.
 */
export function splitSSE(body) {
  const events = [];
  let i = 0;
  while (i < body.length) {
    const end = body.indexOf('\n\n', i);
    if (end < 0) break;
    const raw = body.slice(i, end);
    if (!raw.startsWith('data: ') || raw.includes('\n')) {
      throw new Error(`SSE event is not a single "data: " line: ${JSON.stringify(raw.slice(0, 300))}`);
    }
    events.push(raw.slice('data: '.length));
    i = end + 2;
  }
  return { events, rest: body.slice(i) };
}

/** Parses an SSE chat stream body; returns {chunks (parsed JSON), done: saw [DONE] last, text}. */
export function parseChatSSE(body) {
  const { events, rest } = splitSSE(body);
  if (rest !== '') throw new Error(`SSE body has trailing bytes after the last event: ${JSON.stringify(rest.slice(0, 300))}`);
  const doneIdx = events.indexOf('[DONE]');
  if (doneIdx >= 0 && doneIdx !== events.length - 1) {
    throw new Error(`data: [DONE] is not the last event (index ${doneIdx} of ${events.length})`);
  }
  const done = doneIdx === events.length - 1;
  const chunks = (done ? events.slice(0, -1) : events).map((e, k) => parseJSON(e, `SSE event ${k}`));
  const text = chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join('');
  return { chunks, done, text };
}

/** The fake upstream's record of the last /v1/chat/completions request it received. */
export async function lastUpstreamRequest(mock) {
  const r = await httpRequest(`${mock.url}/_mock/last_request`);
  if (r.status !== 200) throw new Error(`GET /_mock/last_request -> ${r.status}: ${r.body}`);
  return parseJSON(r.body, '/_mock/last_request');
}

/** The gateway's access-log line (JSON on stderr) for `requestId`, waiting up to a second for it. */
export async function accessLogLine(gw, requestId) {
  for (let i = 0; i < 50; i++) {
    const line = gw.handle.stderr.split('\n').find((l) => l.includes(`"request_id":"${requestId}"`));
    if (line) return JSON.parse(line);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no access-log line for ${requestId}`);
}

/** YAML for a gateway with the built-in mock model plus the given openai-provider models. */
export function gatewayConfig({ models = [], server = {}, includeMock = true } = {}) {
  const lines = ['server:', '  listen: 127.0.0.1:0'];
  for (const [k, v] of Object.entries(server)) lines.push(`  ${k}: ${v}`);
  lines.push('models:');
  if (includeMock) {
    lines.push('  - name: mock', '    targets:', '      - provider: mock', '        model: mock');
  }
  for (const m of models) {
    lines.push(`  - name: ${m.name}`, '    targets:');
    lines.push(`      - provider: ${m.provider ?? 'openai'}`);
    lines.push(`        model: ${m.model ?? 'gpt-4o-mini'}`);
    if (m.api_base) lines.push(`        api_base: ${m.api_base}`);
    if (m.api_key !== undefined) lines.push(`        api_key: ${m.api_key}`);
  }
  return lines.join('\n') + '\n';
}
