#!/usr/bin/env node
// Open N keep-alive HTTP/1.1 connections to HOST:PORT, send one complete
// request on each (GET PATH, Connection: keep-alive), read the full response,
// then hold every connection open and idle until SIGTERM/SIGINT or MAX_HOLD_S.
//
//   node bench/hold_conns.mjs HOST PORT [N=10000] [PATH=/health] [MAX_HOLD_S=120]
//
// stdout protocol (read by bench/run.sh):
//   READY open=<n> ok=<2xx responses> failed=<n> ms=<time to open all>
//   DONE  open_at_end=<n> closed_by_peer=<n>
// Used to measure the gateway's RSS with many idle keep-alive connections.
import net from 'node:net';

const [host = '127.0.0.1', portStr, nStr = '10000', path = '/health', maxHoldStr = '120'] =
  process.argv.slice(2);
const port = Number(portStr);
const total = Number(nStr);
const maxHoldMs = Number(maxHoldStr) * 1000;
const CONCURRENCY = 256; // connects in flight at once (stays well under somaxconn)
const PER_CONN_TIMEOUT_MS = 15000;
if (!port || !total) {
  console.error('usage: hold_conns.mjs HOST PORT [N] [PATH] [MAX_HOLD_S]');
  process.exit(2);
}

const request = `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nConnection: keep-alive\r\n\r\n`;
const sockets = new Set();
let ok = 0, failed = 0, closedByPeer = 0, ready = false, firstError = '';

// Resolve true when one complete response was read, false on error/timeout.
function openOne() {
  return new Promise((resolve) => {
    const s = net.createConnection({ host, port });
    let buf = Buffer.alloc(0), done = false, need = -1, status = 0;
    const finish = (good, why) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (good) { sockets.add(s); s.removeAllListeners('data'); }
      else { if (!firstError) firstError = why; s.destroy(); }
      resolve(good && status >= 200 && status < 300);
    };
    const timer = setTimeout(() => finish(false, 'timeout'), PER_CONN_TIMEOUT_MS);
    s.setNoDelay(true);
    s.on('connect', () => s.write(request));
    s.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (need < 0) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        status = Number(head.split(' ', 2)[1]) || 0;
        const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        const chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head);
        if (/\r\nconnection:\s*close/i.test(head)) return finish(false, 'server sent Connection: close');
        if (cl) need = end + 4 + Number(cl[1]);
        else if (chunked) need = Infinity; // complete when terminating chunk seen
        else need = end + 4;
      }
      const complete = need === Infinity
        ? buf.length >= 5 && buf.subarray(buf.length - 5).toString('latin1') === '0\r\n\r\n'
        : buf.length >= need;
      if (complete) finish(true);
    });
    s.on('error', (e) => finish(false, e.code || e.message));
    s.on('close', () => {
      if (!done) return finish(false, 'closed before response');
      if (sockets.delete(s) && ready) closedByPeer++;
    });
  });
}

const t0 = Date.now();
let next = 0;
async function worker() {
  while (next < total) {
    next++;
    if (await openOne()) ok++; else failed++;
  }
}
await Promise.all(Array.from({ length: Math.min(CONCURRENCY, total) }, worker));
ready = true;
console.log(`READY open=${sockets.size} ok=${ok} failed=${failed} ms=${Date.now() - t0}` +
  (firstError ? ` first_error=${JSON.stringify(firstError)}` : ''));

const stop = () => {
  console.log(`DONE open_at_end=${sockets.size} closed_by_peer=${closedByPeer}`);
  for (const s of sockets) s.destroy();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, maxHoldMs);
