// What the gateway holds before a stream's first content is bounded, and a client that leaves is noticed
// while it waits: the upstream call is cancelled (its connection closed) and the request is logged as 499
// without invented usage, whether the client left before the upstream's first byte or while the stream was
// held for its first content.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { startGateway, postJSON, accessLogLine, logged } from '../lib/harness.mjs';

// An upstream that misbehaves by the request's last user text, and reports when it sees its client go.
async function startSlowUpstream() {
  const closed = new Map();  // text -> ms from request to the gateway closing the upstream connection
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const text = JSON.parse(raw).messages.at(-1).content;
      const t0 = Date.now();
      res.on('close', () => closed.set(text, Date.now() - t0));
      if (text.startsWith('no-first-byte')) return;  // headers never come
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (text.startsWith('flood')) {
        // Comments and empty deltas, 2 MB of them at once, and never any content.
        const chunk = ': keep-alive\n\n'.repeat(1000) + 'data: {"choices":[{"index":0,"delta":{}}]}\n\n'.repeat(200);
        while (res.writableLength < 2_000_000) res.write(chunk);
        return;
      }
      // text 'slow-comments': a comment every 50 ms, and never any content.
      const timer = setInterval(() => res.write(': still thinking\n\n'), 50);
      res.on('close', () => clearInterval(timer));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, closed, close: () => { server.closeAllConnections(); return new Promise((r) => server.close(r)); } };
}

// Sends a streamed chat request over a raw socket and closes it after `ms`, without reading the answer.
function leaveAfter(gw, text, id, ms) {
  return new Promise((resolve) => {
    const body = JSON.stringify({ model: 'slow', stream: true, messages: [{ role: 'user', content: text }] });
    const sock = net.connect(Number(new URL(gw.url).port), '127.0.0.1', () => {
      sock.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n`
        + `x-request-id: ${id}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      setTimeout(() => { sock.destroy(); resolve(); }, ms);
    });
    sock.on('error', () => {});
  });
}

async function waitFor(cond, ms = 3000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

let up, gw;
before(async () => {
  up = await startSlowUpstream();
  gw = await startGateway({ config: `models:
  - name: slow
    targets:
      - provider: openai
        model: m
        api_base: ${up.url}/v1
        api_key: k
        timeouts: {first_byte_ms: 30000, idle_ms: 30000}
routing:
  retries: {max_retries: 0}
` });
});
after(async () => { await Promise.all([gw?.stop(), up?.close()]); });

describe('held streams and clients that leave', () => {
  it('an upstream that floods comments before any content fails once 1 MiB is held', logged(async () => {
    const r = await postJSON(`${gw.url}/v1/chat/completions`,
      { model: 'slow', stream: true, messages: [{ role: 'user', content: 'flood' }] });
    assert.equal(r.status, 502, r.body);
    assert.match(JSON.parse(r.body).error.message, /over 1024 KiB before any content/);
    assert.ok(await waitFor(() => up.closed.has('flood')), 'the upstream connection is closed');
  }));

  it('a client that leaves while the stream is held cancels the upstream call, logged as 499', logged(async () => {
    await leaveAfter(gw, 'slow-comments', 'gone-held', 300);
    assert.ok(await waitFor(() => up.closed.has('slow-comments')), 'the upstream connection is closed');
    assert.ok(up.closed.get('slow-comments') < 1500, `closed after ${up.closed.get('slow-comments')} ms`);
    const line = await accessLogLine(gw, 'gone-held');
    assert.equal(line.status, 499);
    assert.equal(line.error, 'client_closed');
    assert.equal(line.prompt_tokens, undefined, 'no usage was reported, so none is logged');
  }));

  it('a client that leaves before the upstream\'s first byte cancels the call too', logged(async () => {
    await leaveAfter(gw, 'no-first-byte', 'gone-early', 300);
    assert.ok(await waitFor(() => up.closed.has('no-first-byte')), 'the upstream connection is closed');
    assert.ok(up.closed.get('no-first-byte') < 1500, `closed after ${up.closed.get('no-first-byte')} ms`);
    const line = await accessLogLine(gw, 'gone-early');
    assert.equal(line.status, 499);
    assert.equal(line.prompt_tokens, undefined);
  }));
});
