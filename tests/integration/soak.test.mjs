// Soak: hostile clients and hostile upstreams attack one gateway at once for ATTACK_MS, and the gateway's
// memory stays under a bound derived from its configuration, GET /health keeps answering within 100 ms,
// every attack gets the answer the hardening promises, and once the attackers stop the memory goes back
// near where it started and no upstream call is left open. The attackers, concurrently, for the whole
// window:
//   1. chunked request bodies with an endless chunk extension (`5;a=` then megabytes of extension bytes)
//      and with an endless trailer section, each reconnecting when the gateway closes it (400 expected);
//   2. hundreds of connections that never send a byte (closed by server.header_timeout_ms);
//   3. streamed chat requests to an upstream that floods comments and empty deltas before any content (502
//      once 1 MiB is held) and to one that sends a comment every 50 ms forever (held), the client leaving
//      after a random short time (the gateway must then close the upstream call);
//   4. large-but-allowed bodies (200) and bodies over server.max_body_bytes, by Content-Length and chunked
//      (413).
// Meanwhile a worker thread (its own event loop, so the attackers' work on this thread does not delay its
// measurements) samples the gateway's VmRSS and probes GET /health over a fresh connection every 200 ms.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { startGateway, postJSON, httpRequest, logged } from '../lib/harness.mjs';

const KiB = 1024;
const MiB = 1024 * KiB;
const ATTACK_MS = 20_000;
const SETTLE_MS = 3_000;
const SAMPLE_MS = 200;
const SETTLE_MARGIN = 40 * MiB;  // see the settle check

// The limits under test (written into the gateway's configuration below).
const MAX_CONNECTIONS = 300;
const MAX_BODY_BYTES = 512 * KiB;
const HEADER_TIMEOUT_MS = 1000;
const BODY_TIMEOUT_MS = 2000;

// The attackers' numbers. Together they stay under MAX_CONNECTIONS, so that no attack is answered 503
// for want of a connection slot instead of by the bound it attacks.
const SILENT = 250;           // connections that never send a byte, kept open (reopened when closed)
const EXT_ATTACKERS = 2;      // endless chunk extension, one connection at a time each
const TRAILER_ATTACKERS = 2;  // endless trailer section
const FLOOD_CLIENTS = 4;      // streamed requests to the flooding upstream
const SLOW_CLIENTS = 8;       // streamed requests to the upstream that never sends content
const BODY_CLIENTS = 2;       // large and too-large bodies
const STREAM_CLIENTS = FLOOD_CLIENTS + SLOW_CLIENTS;
const FLOOD_ANSWER_MS = 3000;  // a flood's 502 comes within this (milliseconds, in fact)
const ABORT_MS = 1000;         // a slow stream's upstream call is closed within this of its client leaving

// Gateway-side constants the bound is made of (src/http/message.hpp, src/http/server.cpp,
// src/pipeline/attempts.cpp).
const HEADER_LIMIT = 64 * KiB;        // kHeaderLimit: a request's head, and the read buffer's max_size
const READ_BUFFER = 64 * KiB;         // the session's flat_buffer(kHeaderLimit)
const DISCARD_SINK = 64 * KiB;        // discard_rest's buffer, while a refused request's rest is dropped
const HEALTH_RESERVE = 32;            // kOverLimitReserve: connections read past max_connections
const HELD_BOUND = 1 * MiB;           // kMaxHeldBytes: what a stream holds before its first content
const UPSTREAM_BUFFERS = 3 * 64 * KiB;  // per upstream call: the connection's 64 KiB read buffer, the
                                        // parsed piece of one read, and the piece that crosses the bound
const BODY_WORK_FACTOR = 8;           // a large body being served: its JSON tree and the upstream's copy

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const jitter = (lo, hi) => lo + Math.random() * (hi - lo);
const statusOf = (text) => { const m = /^HTTP\/1\.1 (\d{3}) /.exec(text); return m ? Number(m[1]) : null; };

function procStatus(pid) {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)[1]);
  return { rss: kib('VmRSS') * KiB, hwm: kib('VmHWM') * KiB };
}

// CPU seconds the process has used (utime + stime), for the summary.
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');  // from field 3 on
  return (Number(f[11]) + Number(f[12])) / 100;  // fields 14 and 15, in clock ticks (USER_HZ = 100)
}

// Whether the gateway runs under AddressSanitizer (`make test-asan`): its allocator keeps freed memory in a
// quarantine (256 MiB) and adds shadow memory and redzones, so RSS says nothing about the gateway's own
// bounds there. The memory checks are for the real allocator; under a sanitizer the same attacks check for
// memory errors, crashes, the answers and /health.
function sanitized(pid) {
  return /lib(asan|clang_rt\.asan)/.test(fs.readFileSync(`/proc/${pid}/maps`, 'utf8'));
}

const MiBs = (b) => (b / MiB).toFixed(1);
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

// ---- the monitor: RSS samples and /health probes, in a worker thread -------------------------------

const MONITOR = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const net = require('node:net');
const { pid, port, periodMs, alarm } = workerData;
const rss = [];     // {t, rss}
const probes = [];  // {t, ms, status, error}
let running = true;
parentPort.on('message', () => { running = false; });

function sampleRss() {
  try {
    const m = /^VmRSS:\\s+(\\d+) kB/m.exec(fs.readFileSync('/proc/' + pid + '/status', 'utf8'));
    rss.push({ t: Date.now(), rss: Number(m[1]) * 1024 });
    // Over the bound: the attack stops at once, so that a gateway without its limits is not fed on.
    if (rss.at(-1).rss > alarm) parentPort.postMessage({ over: rss.at(-1).rss });
  } catch (e) { rss.push({ t: Date.now(), rss: null, error: e.message }); }
}

// One GET /health over a fresh connection; the latency runs from the connect call to the whole answer.
function probe() {
  return new Promise((resolve) => {
    const t = Date.now();
    const t0 = performance.now();
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    let done = false;
    const finish = (status, error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ t, ms: performance.now() - t0, status, error });
    };
    const timer = setTimeout(() => finish(0, 'no answer within 2000 ms'), 2000);
    s.setEncoding('latin1');
    s.on('connect', () => s.write('GET /health HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n'));
    s.on('data', (d) => {
      text += d;
      const end = text.indexOf('\\r\\n\\r\\n');
      if (end < 0) return;
      const len = /content-length: *(\\d+)/i.exec(text.slice(0, end));
      if (len && text.length - end - 4 >= Number(len[1])) {
        const m = /^HTTP\\/1\\.1 (\\d{3}) /.exec(text);
        finish(m ? Number(m[1]) : 0, m ? undefined : 'not an HTTP answer: ' + JSON.stringify(text.slice(0, 100)));
      }
    });
    s.on('error', (e) => finish(0, e.message));
    s.on('close', () => finish(0, 'closed before a whole answer: ' + JSON.stringify(text.slice(0, 100))));
  });
}

(async () => {
  const timer = setInterval(sampleRss, periodMs);
  sampleRss();
  let next = performance.now();
  while (running) {
    probes.push(await probe());
    next += periodMs;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    else next = performance.now();
  }
  clearInterval(timer);
  sampleRss();
  parentPort.postMessage({ done: { rss, probes } });
})();
`;

function startMonitor(pid, port, alarm, onAlarm) {
  const worker = new Worker(MONITOR, { eval: true, workerData: { pid, port, periodMs: SAMPLE_MS, alarm } });
  const result = new Promise((resolve, reject) => {
    worker.on('message', (m) => { if (m.over) onAlarm(m.over); else resolve(m.done); });
    worker.once('error', reject);
  });
  let stopped;
  return {
    // Idempotent: the test stops it when done, and again (to no effect) on its way out after a failure.
    stop() {
      stopped ??= (async () => {
        worker.postMessage('stop');
        let timer;
        const r = await Promise.race([result, new Promise((r) => { timer = setTimeout(r, 5_000); })]);
        clearTimeout(timer);
        await worker.terminate();
        return r;
      })();
      return stopped;
    },
  };
}

// ---- the hostile upstream ----------------------------------------------------------------------------

// Answers every streamed chat request with 200 and an event stream that never has content: 'flood' gets
// comments and empty deltas as fast as the gateway reads them, anything else a comment every 50 ms; both
// until the gateway closes the connection. Counts the calls still open, which must all be closed by then.
async function startHostileUpstream() {
  const stats = { requests: 0, flood: 0, slow: 0, open: 0, maxOpen: 0 };
  const calls = new Map();  // a slow call's text -> {opened, closed} (Date.now())
  const floodPiece = Buffer.from(': keep-alive\n\n'.repeat(1000) +
    'data: {"choices":[{"index":0,"delta":{}}]}\n\n'.repeat(200));
  const server = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      stats.requests++;
      stats.open++;
      stats.maxOpen = Math.max(stats.maxOpen, stats.open);
      let timer;
      let text = '';
      try { text = JSON.parse(raw).messages.at(-1).content; } catch { /* counted as slow */ }
      const call = { opened: Date.now(), closed: undefined };
      if (text !== 'flood') calls.set(text, call);
      res.on('close', () => { stats.open--; call.closed = Date.now(); clearInterval(timer); });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (text === 'flood') {
        stats.flood++;
        const flood = () => {
          while (!res.destroyed && res.write(floodPiece));
          if (!res.destroyed) res.once('drain', flood);
        };
        flood();
        return;
      }
      stats.slow++;
      timer = setInterval(() => res.write(': still thinking\n\n'), 50);
    });
  });
  server.on('clientError', (e, s) => s.destroy());
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stats,
    calls,
    close: () => { server.closeAllConnections(); return new Promise((r) => server.close(r)); },
  };
}

// ---- the attackers -----------------------------------------------------------------------------------

/**
 * One raw exchange: connects, lets `send(socket)` write, collects what comes back until the connection
 * closes (or `timeoutMs`, or `leaveAfterMs` when the client leaves on its own). Resolves with {text (its
 * first 4 KiB), error (the socket's, if any), why ('closed', 'left' or 'timeout')}.
 */
function exchange(port, send, { timeoutMs = 10_000, leaveAfterMs } = {}) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    let error;
    let done = false;
    const finish = (why) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(leave);
      s.destroy();
      resolve({ text, error, why });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    const leave = leaveAfterMs === undefined ? undefined : setTimeout(() => finish('left'), leaveAfterMs);
    s.setEncoding('latin1');
    s.on('connect', () => send(s));
    s.on('data', (d) => { if (text.length < 4096) text += d; });
    // EPIPE/ECONNRESET while we still write: judge by what arrived.
    s.on('error', (e) => { error = e.code ?? e.message; });
    s.on('close', () => finish('closed'));
  });
}

/**
 * Writes `piece` over and over until the socket closes or `cap` bytes are out, one piece per turn of the
 * event loop (so what the gateway answers meanwhile is read, and this thread's CPU is shared). Returns a
 * function giving the bytes written so far.
 */
function pumpForever(s, piece, cap) {
  let sent = 0;
  const go = () => {
    if (s.destroyed || !s.writable || sent >= cap) return;
    sent += piece.length;
    if (s.write(piece)) setImmediate(go);
    else s.once('drain', go);
  };
  go();
  return () => sent;
}

const chunkedHead = (path = '/v1/chat/completions') =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;
const EXT_PIECE = Buffer.alloc(64 * KiB, 'b');
const TRAILER_PIECE = Buffer.from(('x-trailer: ' + 'b'.repeat(100) + '\r\n').repeat(560));  // ~63 KiB
// The gateway reads and drops at most 4 MiB after refusing a malformed request, then closes: a sender
// that does not stop is closed by then. The cap is what a gateway that buffered the bytes whole would
// take from each connection (within body_timeout_ms), enough for the attackers together to cross the
// bound; and it keeps a broken gateway from being fed forever.
const PUMP_CAP = 256 * MiB;

function bigChat(bytes) {
  const filler = 'a'.repeat(bytes - 120);
  return JSON.stringify({ model: 'mock', messages: [{ role: 'system', content: filler }, { role: 'user', content: 'hi' }] });
}

describe('soak: hostile clients and upstreams at once', () => {
  let up, gw, monitor;
  before(async () => {
    up = await startHostileUpstream();
    gw = await startGateway({ config: `server:
  threads: 2
  access_log: false
  max_connections: ${MAX_CONNECTIONS}
  max_body_bytes: ${MAX_BODY_BYTES}
  header_timeout_ms: ${HEADER_TIMEOUT_MS}
  body_timeout_ms: ${BODY_TIMEOUT_MS}
  idle_timeout_ms: 5000
models:
  - name: mock
    targets:
      - provider: mock
        model: mock
  - name: hostile
    targets:
      - provider: openai
        model: m
        api_base: ${up.url}/v1
        api_key: k
        timeouts: {connect_ms: 1000, first_byte_ms: 3000, idle_ms: 3000}
routing:
  retries: {max_retries: 0}
  # The flooding upstream fails every call: an open breaker would answer 503 without calling it, and
  # the holding bound would no longer be attacked.
  breaker: {consecutive_failures: 1000000, min_requests: 1000000}
` });
  });
  after(async () => { await Promise.all([monitor?.stop(), gw?.stop(), up?.close()]); });

  it(`memory stays bounded and /health answers while attacked for ${ATTACK_MS / 1000} s`, { timeout: 60_000 }, logged(async (t) => {
    const pid = gw.handle.pid;
    const checkMemory = !sanitized(pid);
    if (!checkMemory) t.diagnostic('the gateway runs under AddressSanitizer: its memory is reported, not checked');
    const port = gw.port;

    // Baseline: the gateway after start, warmed by one request of each kind it will serve.
    assert.equal((await httpRequest(`${gw.url}/health`)).status, 200);
    assert.equal((await postJSON(`${gw.url}/v1/chat/completions`,
      { model: 'mock', messages: [{ role: 'user', content: 'hi' }] })).status, 200);
    await sleep(300);
    const baseline = procStatus(pid).rss;

    // The bound, from the configuration:
    //  - per client connection, what one can pin: the read buffer (64 KiB), the parsed head (64 KiB), the
    //    body (max_body_bytes, 1.5 x for a chunked one: its string grows by doubling, so for a moment the
    //    old buffer, up to half of it, is there beside the new) and the discard sink while a refused
    //    request's rest is dropped (64 KiB), for max_connections plus the health reserve (a connection past
    //    those is closed at once);
    //  - per request waiting on an upstream (at most STREAM_CLIENTS at once: each attacker has one
    //    request in flight): the bytes held before first content (1 MiB, 2 x while the held string grows
    //    past it) and the upstream call's buffers;
    //  - per large body being served (at most BODY_CLIENTS at once): its JSON tree and the copy sent on,
    //    allowed BODY_WORK_FACTOR x max_body_bytes;
    //  - a fixed 32 MiB for thread stacks, allocator arenas and fragmentation.
    // With the limits above: 332 x 960 KiB + 12 x 2.19 MiB + 2 x 4 MiB + 32 MiB + baseline, about 385 MiB:
    // far below what the hardening issue reported (1.6 GB held from chunk extensions, 4.46 GB from held
    // streams), so a return of either fails here; the attackers send enough for that (PUMP_CAP per
    // chunked connection, an endless flood per stream).
    // What this bound does not count is the session's own state (coroutine frame, socket, a 4 KiB first
    // read): a few KiB a connection, well within the 192 KiB of buffers counted for each.
    const perConnection = READ_BUFFER + HEADER_LIMIT + 1.5 * MAX_BODY_BYTES + DISCARD_SINK;
    const perStream = 2 * HELD_BOUND + UPSTREAM_BUFFERS;
    const bound = baseline + (MAX_CONNECTIONS + HEALTH_RESERVE) * perConnection + STREAM_CLIENTS * perStream +
      BODY_CLIENTS * BODY_WORK_FACTOR * MAX_BODY_BYTES + 32 * MiB;
    assert.ok(bound < 1 * 1024 * MiB, `the bound (${MiBs(bound)} MiB) must be tight enough to catch a 1.6 GB leak`);

    let maxAttackBytes = 0;
    const counts = {
      ext: 0, extBytes: 0, trailer: 0, trailerBytes: 0, silent: 0, flood: 0, flood502: 0, slow: 0, bodyOk: 0, bodyOverLength: 0, bodyOverChunked: 0,
    };
    const unexpected = [];  // attacks that did not get the answer the gateway promises
    const note = (what, r) => {
      if (unexpected.length < 20) unexpected.push(`${what}: ${r.why}, error ${r.error}, got ${JSON.stringify(r.text.slice(0, 200))}`);
    };
    const silentLives = [];
    let running = true;
    const gwCpu0 = cpuSeconds(pid);
    const ownCpu0 = process.cpuUsage();
    let alarm = 0;
    monitor = startMonitor(pid, port, checkMemory ? bound : Infinity, (rss) => { alarm = Math.max(alarm, rss); running = false; });
    const attackStart = Date.now();
    const stopTimer = setTimeout(() => { running = false; }, ATTACK_MS);

    // 1. Endless chunk extensions and trailer sections: each gets a 400 and its connection closed by the
    // gateway; then the attacker comes back.
    async function chunkAttacker(kind) {
      while (running) {
        let sent;
        const r = await exchange(port, (s) => {
          s.write(chunkedHead() + (kind === 'ext' ? '5;a=' : '2\r\n{}\r\n0\r\n'));
          sent = pumpForever(s, kind === 'ext' ? EXT_PIECE : TRAILER_PIECE, PUMP_CAP);
        });
        counts[kind]++;
        counts[`${kind}Bytes`] += sent();
        maxAttackBytes = Math.max(maxAttackBytes, sent());
        // The answer is a 400 naming the bound, and the gateway closes the connection (while the client
        // still writes: EPIPE or a reset) after reading and dropping at most 4 MiB.
        const want = kind === 'ext' ? /chunk/ : /trailer/;
        if (statusOf(r.text) !== 400 || !want.test(r.text) || r.why !== 'closed' || sent() >= PUMP_CAP) note(kind, r);
        await sleep(jitter(50, 150));
      }
    }

    // 2. Silent connections: each must be closed by the gateway once header_timeout_ms has passed since
    // its accept, without a byte sent; it is replaced by a new one.
    let silentOpen = 0;
    function silentOne() {
      silentOpen++;
      const t0 = performance.now();
      const s = net.connect(port, '127.0.0.1');
      let got = '';
      s.setEncoding('latin1');
      s.on('data', (d) => { got += d; });
      s.on('error', (e) => { got += `[${e.code}]`; });
      s.on('close', () => {
        silentOpen--;
        counts.silent++;
        silentLives.push(performance.now() - t0);
        if (got) note('silent', { why: 'closed', error: undefined, text: got });
        if (running) setTimeout(silentOne, jitter(5, 30));
      });
    }
    // Opened over the first second, so that their timeouts, and so the reconnections, are spread out.
    for (let i = 0; i < SILENT; i++) setTimeout(() => { if (running) silentOne(); }, (i * 1000) / SILENT);

    // 3. Streamed requests to the hostile upstream. A flood must get its 502 (over 1 MiB before any
    // content) within FLOOD_ANSWER_MS, after which the gateway closes the connection (the request says
    // `connection: close`); a gateway that held the flood whole would still be reading it. A slow stream is
    // held (the client sees nothing), and its client leaves after 50 ms to 1.5 s: the gateway must then close
    // the upstream call, within ABORT_MS.
    const streamPost = (body, extra = '') => `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n` +
      `Content-Type: application/json\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const streamBody = (content) => JSON.stringify({ model: 'hostile', stream: true, messages: [{ role: 'user', content }] });
    async function flooder() {
      const body = streamBody('flood');
      while (running) {
        const r = await exchange(port, (s) => s.write(streamPost(body, 'Connection: close\r\n')), { leaveAfterMs: FLOOD_ANSWER_MS });
        counts.flood++;
        if (statusOf(r.text) === 502 && /over 1024 KiB before any content/.test(r.text) && r.why === 'closed') counts.flood502++;
        else note('flood', r);
        await sleep(jitter(150, 350));  // a flood costs the gateway a few ms of CPU (1 MiB of events decoded)
      }
    }
    const leftAt = new Map();  // slow stream's text -> when its client left
    async function slowStreamer() {
      while (running) {
        const id = `slow-${counts.slow++}`;
        const r = await exchange(port, (s) => s.write(streamPost(streamBody(id))), { leaveAfterMs: jitter(50, 1500) });
        leftAt.set(id, Date.now());
        if (r.text !== '' || r.why !== 'left') note('slow', r);
        await sleep(jitter(20, 80));
      }
    }

    // 4. Bodies: a large one within max_body_bytes (200), one over it by Content-Length (413 from the
    // head) and one over it in chunks (413 once the limit is crossed).
    const okBody = bigChat(MAX_BODY_BYTES - 64 * KiB);
    const overBody = Buffer.alloc(MAX_BODY_BYTES + 512 * KiB, 'a');
    const chunk = Buffer.concat([Buffer.from(`${(64 * KiB).toString(16)}\r\n`), Buffer.alloc(64 * KiB, 'a'), Buffer.from('\r\n')]);
    const overChunks = overBody.length / (64 * KiB);
    async function bodySender(offset) {
      for (let i = offset; running; i++) {
        const kind = ['bodyOk', 'bodyOverLength', 'bodyOverChunked'][i % 3];
        const r = await exchange(port, (s) => {
          if (kind === 'bodyOk') {
            s.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
              `Connection: close\r\nContent-Length: ${Buffer.byteLength(okBody)}\r\n\r\n${okBody}`);
          } else if (kind === 'bodyOverLength') {
            s.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
              `Content-Length: ${overBody.length}\r\n\r\n`);
            s.write(overBody);
          } else {
            s.write(chunkedHead());
            for (let k = 0; k < overChunks; k++) s.write(chunk);
            s.write('0\r\n\r\n');
          }
        });
        counts[kind]++;
        if (statusOf(r.text) !== (kind === 'bodyOk' ? 200 : 413)) note(kind, r);
        await sleep(jitter(30, 100));
      }
    }

    await Promise.all([
      ...Array.from({ length: EXT_ATTACKERS }, () => chunkAttacker('ext')),
      ...Array.from({ length: TRAILER_ATTACKERS }, () => chunkAttacker('trailer')),
      ...Array.from({ length: FLOOD_CLIENTS }, () => flooder()),
      ...Array.from({ length: SLOW_CLIENTS }, () => slowStreamer()),
      ...Array.from({ length: BODY_CLIENTS }, (_, k) => bodySender(k)),
    ]);
    clearTimeout(stopTimer);
    // The silent connections still open are closed by the gateway within header_timeout_ms.
    for (let i = 0; i < 50 && silentOpen > 0; i++) await sleep(100);
    const attackEnd = Date.now();
    assert.equal(gw.handle.exitInfo, null, 'the gateway is still running');
    const gwCpu = cpuSeconds(pid) - gwCpu0;
    const ownCpu = process.cpuUsage(ownCpu0);

    // Settle, then take the memory once nothing attacks any more.
    await sleep(SETTLE_MS);
    const { rss: samples, probes } = await monitor.stop();
    assert.equal(gw.handle.exitInfo, null, 'the gateway is still running');
    const settled = procStatus(pid);
    if (process.env.SOAK_TIMELINE) {
      console.log(samples.map((s) => `${((s.t - attackStart) / 1000).toFixed(1)}:${MiBs(s.rss)}`).join(' '));
    }

    const during = samples.filter((s) => s.t >= attackStart && s.t <= attackEnd && s.rss !== null);
    const peakSampled = Math.max(...during.map((s) => s.rss));
    const peak = Math.max(peakSampled, settled.hwm);  // VmHWM: the kernel's high-water mark, between samples too
    const lat = probes.filter((p) => p.t >= attackStart && p.t <= attackEnd);
    const sortedMs = lat.map((p) => p.ms).sort((a, b) => a - b);
    const p50 = quantile(sortedMs, 0.5), p99 = quantile(sortedMs, 0.99), max = sortedMs.at(-1);
    const lives = silentLives.slice().sort((a, b) => a - b);
    // How long after its client left each slow stream's upstream call was closed (from when the upstream
    // got it, for a call that reached the upstream after its client had left).
    const abortDelays = [];
    for (const [id, call] of up.calls) {
      if (!leftAt.has(id)) continue;
      abortDelays.push((call.closed ?? Infinity) - Math.max(leftAt.get(id), call.opened));
    }
    const maxAbortDelay = Math.max(...abortDelays);

    console.log(`soak: baseline RSS ${MiBs(baseline)} MiB, peak ${MiBs(peak)} MiB (sampled ${MiBs(peakSampled)}), ` +
      `settled ${MiBs(settled.rss)} MiB after ${SETTLE_MS / 1000} s, bound ${MiBs(bound)} MiB; ` +
      `/health ${lat.length} probes p50 ${p50.toFixed(1)} ms p99 ${p99.toFixed(1)} ms max ${max.toFixed(1)} ms; ` +
      `attacks: ext ${counts.ext} (${MiBs(counts.extBytes)} MiB), trailer ${counts.trailer} ` +
      `(${MiBs(counts.trailerBytes)} MiB; at most ${MiBs(maxAttackBytes)} MiB on one connection), ` +
      `silent ${counts.silent} (closed after ${lives[0]?.toFixed(0)}-${lives.at(-1)?.toFixed(0)} ms), ` +
      `flood ${counts.flood} (${counts.flood502} answered 502), slow ${counts.slow} (${abortDelays.length} reached ` +
      `the upstream, closed at most ${maxAbortDelay.toFixed(0)} ms after the client left), body ok ${counts.bodyOk}, ` +
      `over by length ${counts.bodyOverLength}, over chunked ${counts.bodyOverChunked}; upstream calls ` +
      `${up.stats.requests} (at most ${up.stats.maxOpen} open at once, ${up.stats.open} still open); CPU gateway ` +
      `${gwCpu.toFixed(1)} s, test ${((ownCpu.user + ownCpu.system) / 1e6).toFixed(1)} s in ` +
      `${((attackEnd - attackStart) / 1000).toFixed(1)} s; unexpected answers ${unexpected.length}`);

    // Memory: under the bound at every moment (the attack stops early once a sample crosses it).
    assert.ok(during.length >= (ATTACK_MS / SAMPLE_MS) * 0.8 || alarm, `only ${during.length} RSS samples`);
    if (checkMemory) {
      assert.ok(peak < bound && !alarm,
        `peak RSS ${MiBs(Math.max(peak, alarm))} MiB over the bound of ${MiBs(bound)} MiB`);
    }
    // Every upstream call was closed by the gateway: a flood once 1 MiB was held, a slow stream when its
    // client left (nothing else would have closed it: it sends a comment every 50 ms, forever).
    assert.equal(up.stats.open, 0, `${up.stats.open} upstream calls are still open`);
    assert.ok(abortDelays.length > 0 && maxAbortDelay < ABORT_MS,
      `a slow stream's upstream call was closed ${maxAbortDelay} ms after its client left`);
    // And back near the baseline once the attackers are gone. The allocator keeps freed memory for reuse
    // (RSS stays flat at about the attack's working set, 10-20 MiB over the baseline, from the first
    // seconds of the attack to its end), so the margin is that plus room. A leak of 8 KiB per attack
    // connection (about 7,000 of them) would cross it, and so would the held megabyte of one stream in ten
    // (about 500 streams).
    if (checkMemory) {
      assert.ok(settled.rss < baseline + SETTLE_MARGIN,
        `RSS ${MiBs(settled.rss)} MiB ${SETTLE_MS / 1000} s after the attack, baseline ${MiBs(baseline)} MiB`);
    }

    // /health: every probe answered 200, within 100 ms.
    assert.ok(lat.length >= (ATTACK_MS / SAMPLE_MS) * 0.8, `only ${lat.length} /health probes`);
    const failed = lat.filter((p) => p.status !== 200);
    assert.deepEqual(failed, [], '/health probes that did not get 200');
    const slow = lat.filter((p) => p.ms >= 100);
    assert.deepEqual(slow.map((p) => `${p.ms.toFixed(1)} ms at +${p.t - attackStart} ms`), [],
      '/health probes slower than 100 ms');

    // Silent connections were closed by the header timeout (each about five times in the window): not
    // before it, and not long after.
    assert.ok(counts.silent >= SILENT * 5,
      `only ${counts.silent} silent connections were closed by the gateway (header_timeout_ms ${HEADER_TIMEOUT_MS})`);
    assert.ok(lives[0] >= HEADER_TIMEOUT_MS - 50, `a silent connection closed after ${lives[0].toFixed(0)} ms`);
    assert.ok(lives.at(-1) <= HEADER_TIMEOUT_MS + 1000, `a silent connection lived ${lives.at(-1).toFixed(0)} ms`);
    // Every attack ran, and got the answer the gateway promises.
    for (const [k, n] of Object.entries(counts)) assert.ok(n > 0, `no ${k} attack ran`);
    assert.deepEqual(unexpected, [], 'attacks answered otherwise than promised');
  }));
});
