// Raw HTTP behaviour of `modelmux serve`: exact JSON shapes, headers, bad input, body limits,
// keep-alive. No SDK: node:http only.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { startGateway, gatewayConfig, httpRequest, postJSON, parseJSON, logged } from '../lib/harness.mjs';

let gw;       // default body limit (8 MiB)
let gwSmall;  // server.max_body_bytes: 1024

before(async () => {
  [gw, gwSmall] = await Promise.all([
    startGateway({ config: gatewayConfig() }),
    startGateway({ config: gatewayConfig({ server: { max_body_bytes: 1024 } }) }),
  ]);
});
after(async () => { await Promise.all([gw?.stop(), gwSmall?.stop()]); });

const chatURL = () => `${gw.url}/v1/chat/completions`;
const hi = { model: 'mock', messages: [{ role: 'user', content: 'hi' }] };

function assertJSONType(r) {
  assert.match(r.headers['content-type'] ?? '', /^application\/json\b/i, `content-type: ${r.headers['content-type']}`);
}

/** Asserts an OpenAI error body and returns its `error` object. */
function assertErrorBody(r, status) {
  assert.equal(r.status, status, `status ${status}, got ${r.status}: ${r.body}`);
  assertJSONType(r);
  const j = parseJSON(r.body);
  assert.deepEqual(Object.keys(j), ['error'], `body is {"error": {...}} only: ${r.body}`);
  const e = j.error;
  for (const k of ['message', 'type', 'param', 'code']) assert.ok(k in e, `error.${k} present: ${r.body}`);
  assert.ok(typeof e.message === 'string' && e.message.length > 0, `error.message non-empty: ${r.body}`);
  assert.ok(typeof e.type === 'string' && e.type.length > 0, `error.type non-empty: ${r.body}`);
  assert.ok(e.param === null || typeof e.param === 'string', `error.param string|null: ${r.body}`);
  assert.ok(e.code === null || typeof e.code === 'string', `error.code string|null: ${r.body}`);
  return e;
}

describe('health and models', () => {
  it('GET /health -> 200 {"status":"ok"}', logged(async () => {
    const r = await httpRequest(`${gw.url}/health`);
    assert.equal(r.status, 200);
    assertJSONType(r);
    assert.deepEqual(parseJSON(r.body), { status: 'ok' });
  }));

  it('GET /v1/models -> exact OpenAI list shape', logged(async () => {
    const r = await httpRequest(`${gw.url}/v1/models`);
    assert.equal(r.status, 200);
    assertJSONType(r);
    const j = parseJSON(r.body);
    assert.equal(j.object, 'list');
    assert.deepEqual(j.data.map((m) => m.id), ['mock']);
    for (const m of j.data) {
      assert.deepEqual(Object.keys(m).sort(), ['created', 'id', 'object', 'owned_by']);
      assert.equal(m.object, 'model');
      assert.equal(m.owned_by, 'modelmux');
      assert.ok(Number.isInteger(m.created) && m.created >= 0);
    }
  }));
});

describe('chat completions JSON', () => {
  it('non-streaming response has the exact OpenAI shape', logged(async () => {
    const r = await postJSON(chatURL(), { ...hi, messages: [{ role: 'user', content: 'shape check' }] });
    assert.equal(r.status, 200, r.body);
    assertJSONType(r);
    const j = parseJSON(r.body);
    assert.equal(j.object, 'chat.completion');
    assert.ok(typeof j.id === 'string' && j.id.length > 0);
    assert.ok(Number.isInteger(j.created) && j.created > 1_600_000_000, `created is unix seconds: ${j.created}`);
    assert.equal(typeof j.model, 'string');
    assert.equal(j.choices.length, 1);
    const ch = j.choices[0];
    assert.equal(ch.index, 0);
    assert.equal(ch.finish_reason, 'stop');
    assert.equal(ch.message.role, 'assistant');
    assert.equal(ch.message.content, 'mock: shape check');
    const u = j.usage;
    assert.ok(u.prompt_tokens > 0 && u.completion_tokens > 0);
    assert.equal(u.total_tokens, u.prompt_tokens + u.completion_tokens);
  }));

  it('accepts a chunked (no content-length) request body', logged(async () => {
    const body = JSON.stringify({ ...hi, messages: [{ role: 'user', content: 'chunked body' }] });
    const r = await httpRequest(chatURL(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body,
    });
    assert.equal(r.status, 200, r.body);
    assert.equal(parseJSON(r.body).choices[0].message.content, 'mock: chunked body');
  }));
});

describe('x-request-id', () => {
  it('is echoed when the client sends one', logged(async () => {
    const id = 'test-req-4f1c9a';
    for (const r of [
      await postJSON(chatURL(), hi, { headers: { 'x-request-id': id } }),
      await httpRequest(`${gw.url}/health`, { headers: { 'x-request-id': id } }),
      await httpRequest(`${gw.url}/v1/models`, { headers: { 'x-request-id': id } }),
      await postJSON(chatURL(), '{bad json', { headers: { 'x-request-id': id } }),
      await httpRequest(`${gw.url}/nope`, { headers: { 'x-request-id': id } }),
    ]) {
      assert.equal(r.headers['x-request-id'], id, `echoed on a ${r.status} response`);
    }
  }));

  it('is echoed on a streaming response', logged(async () => {
    const r = await postJSON(chatURL(), { ...hi, stream: true }, { headers: { 'x-request-id': 'stream-id-1' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-request-id'], 'stream-id-1');
  }));

  it('is generated when absent, and differs between requests', logged(async () => {
    const a = await postJSON(chatURL(), hi);
    const b = await httpRequest(`${gw.url}/health`);
    const c = await httpRequest(`${gw.url}/nope`);
    for (const r of [a, b, c]) {
      assert.ok(typeof r.headers['x-request-id'] === 'string' && r.headers['x-request-id'].length > 0,
        `x-request-id on a ${r.status} response`);
    }
    assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id']);
  }));
});

describe('bad input', () => {
  it('invalid JSON -> 400 invalid_json', logged(async () => {
    const e = assertErrorBody(await postJSON(chatURL(), '{"model": "mock", "messages": ['), 400);
    assert.equal(e.code, 'invalid_json');
  }));

  it('empty body -> 400', logged(async () => {
    assertErrorBody(await postJSON(chatURL(), ''), 400);
  }));

  it('JSON that is not an object -> 400', logged(async () => {
    assertErrorBody(await postJSON(chatURL(), '[1,2,3]'), 400);
  }));

  const cases = [
    ['missing messages', { model: 'mock' }, /messages/],
    ['messages not an array', { model: 'mock', messages: 'hi' }, /messages/],
    ['a message without role', { model: 'mock', messages: [{ content: 'hi' }] }, /role/],
    ['temperature a string', { model: 'mock', messages: [{ role: 'user', content: 'hi' }], temperature: 'hot' }, /temperature/],
  ];
  for (const [name, body, re] of cases) {
    it(`${name} -> 400 invalid_request_error naming the field`, logged(async () => {
      const e = assertErrorBody(await postJSON(chatURL(), body), 400);
      assert.equal(e.type, 'invalid_request_error');
      assert.match(e.message, re);
    }));
  }

  it('missing model -> 400 (or 404 model_not_found) naming the model', logged(async () => {
    const r = await postJSON(chatURL(), { messages: [{ role: 'user', content: 'hi' }] });
    const e = assertErrorBody(r, r.status === 404 ? 404 : 400);
    assert.ok(/model/.test(e.message) || e.param === 'model', `names the model field: ${r.body}`);
  }));

  it('unknown model -> 404 model_not_found, param model', logged(async () => {
    const e = assertErrorBody(await postJSON(chatURL(), { ...hi, model: 'gpt-nope' }), 404);
    assert.equal(e.code, 'model_not_found');
    assert.equal(e.param, 'model');
  }));

  it('unknown path -> 404 in the OpenAI error format', logged(async () => {
    assertErrorBody(await httpRequest(`${gw.url}/v1/does-not-exist`), 404);
    assertErrorBody(await postJSON(`${gw.url}/v2/chat/completions`, hi), 404);
  }));
});

describe('body size limit', () => {
  /**
   * POST a JSON body of n bytes over a raw socket. The server may answer 413 as soon as it has
   * seen the headers and close the connection while we are still uploading, so write errors are
   * ignored and the response is parsed from whatever bytes arrived (node:http's client would
   * report EPIPE instead of the response).
   */
  function postLarge(url, n, { chunked = false, pauseAfterHeadersMs = 0 } = {}) {
    return new Promise((resolve, reject) => {
      const u = new URL(url);
      const sock = net.connect(Number(u.port), u.hostname);
      let got = Buffer.alloc(0);
      let finished = false;
      const finish = (err) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        sock.destroy();
        if (err) return reject(err);
        try { resolve(parseRawResponse(got)); } catch (e) { reject(e); }
      };
      const timer = setTimeout(() => finish(new Error(`timeout; received so far: ${JSON.stringify(got.toString().slice(0, 300))}`)), 8_000);
      sock.on('data', (d) => {
        got = Buffer.concat([got, d]);
        if (rawResponseComplete(got)) finish();
      });
      const sockErrors = [];
      sock.on('error', (e) => { sockErrors.push(e.code ?? e.message); /* EPIPE/ECONNRESET while uploading: judge by what arrived */ });
      sock.on('close', () => {
        if (got.length === 0) {
          finish(new Error(`connection closed without a readable response after sending ${n - left} of ${n} bytes` +
            ` (socket errors: ${sockErrors.join(', ') || 'none'}). A server that answers early and closes without` +
            ` draining the request body makes the client's TCP stack drop the response on RST (RFC 9112 9.6 staged close).`));
        }
        else finish();
      });
      const prefix = '{"model":"mock","messages":[{"role":"user","content":"';
      const suffix = '"}]}';
      const pad = n - prefix.length - suffix.length;
      const head = `POST ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\n` +
        (chunked ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${n}\r\n`) + '\r\n';
      const frame = (buf) => (chunked ? Buffer.concat([Buffer.from(buf.length.toString(16) + '\r\n'), Buffer.from(buf), Buffer.from('\r\n')]) : Buffer.from(buf));
      const piece = Buffer.alloc(64 * 1024, 'a');
      let left = pad;
      sock.on('connect', async () => {
        sock.write(head);
        // Optionally give the server the chance to answer from the headers alone before any body
        // byte is sent (no unread data on its side -> no RST can eat the response).
        if (pauseAfterHeadersMs) {
          await new Promise((r) => setTimeout(r, pauseAfterHeadersMs));
          if (got.length > 0 || finished || sock.destroyed) return;
        }
        sock.write(frame(prefix));
        const pump = () => {
          while (left > 0 && !finished && !sock.destroyed && got.length === 0) {
            const take = Math.min(left, piece.length);
            left -= take;
            if (!sock.write(frame(take === piece.length ? piece : piece.subarray(0, take)))) { sock.once('drain', pump); return; }
          }
          if (left === 0 && !finished && !sock.destroyed) {
            sock.write(frame(suffix));
            if (chunked) sock.write('0\r\n\r\n');
          }
        };
        pump();
      });
    });
  }

  /** Parses one raw HTTP/1.1 response (content-length, chunked, or read-to-close body). */
  function parseRawResponse(buf) {
    const text = buf.toString('latin1');
    const sep = text.indexOf('\r\n\r\n');
    if (sep < 0) throw new Error(`incomplete response head: ${JSON.stringify(text.slice(0, 300))}`);
    const [statusLine, ...hl] = text.slice(0, sep).split('\r\n');
    const status = Number(statusLine.split(' ')[1]);
    const headers = {};
    for (const l of hl) { const i = l.indexOf(':'); headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim(); }
    let body = buf.subarray(Buffer.byteLength(text.slice(0, sep + 4), 'latin1'));
    if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const out = [];
      let s = body.toString('latin1');
      for (;;) {
        const i = s.indexOf('\r\n');
        if (i < 0) break;
        const len = parseInt(s.slice(0, i), 16);
        if (!len) break;
        out.push(s.slice(i + 2, i + 2 + len));
        s = s.slice(i + 2 + len + 2);
      }
      body = Buffer.from(out.join(''), 'latin1');
    } else if (headers['content-length'] !== undefined) {
      body = body.subarray(0, Number(headers['content-length']));
    }
    return { status, headers, body: body.toString('utf8') };
  }

  function rawResponseComplete(buf) {
    const text = buf.toString('latin1');
    const sep = text.indexOf('\r\n\r\n');
    if (sep < 0) return false;
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, sep + 2));
    if (m) return buf.length >= Buffer.byteLength(text.slice(0, sep + 4), 'latin1') + Number(m[1]);
    if (/\r\ntransfer-encoding:\s*chunked/i.test(text.slice(0, sep + 2))) return text.endsWith('0\r\n\r\n');
    return false; // read to close
  }

  // Whether the gateway computes the 413 right (answered from the headers, or after reading the
  // body: both are fine; the body is sent only if no answer came within 500 ms).
  it('Content-Length over the default 8 MiB -> 413 with an OpenAI error body', logged(async () => {
    const r = await postLarge(`${gw.url}/v1/chat/completions`, 9 * 1024 * 1024, { pauseAfterHeadersMs: 500 });
    assertErrorBody(r, 413);
  }));

  it('Content-Length over server.max_body_bytes -> 413 with an OpenAI error body', logged(async () => {
    const r = await postLarge(`${gwSmall.url}/v1/chat/completions`, 2048, { pauseAfterHeadersMs: 500 });
    assertErrorBody(r, 413);
  }));

  it('a body just under server.max_body_bytes is accepted', logged(async () => {
    const r = await postLarge(`${gwSmall.url}/v1/chat/completions`, 1000);
    assert.equal(r.status, 200, `1000-byte body under a 1024 limit: ${r.body.slice(0, 300)}`);
  }));

  // Whether a client that simply uploads the whole body (as fetch / the openai SDK do) gets to see
  // the 413, rather than EPIPE/ECONNRESET.
  it('a client uploading a whole 9 MiB body receives the 413', logged(async () => {
    const r = await postLarge(`${gw.url}/v1/chat/completions`, 9 * 1024 * 1024);
    assert.equal(r.status, 413, r.body.slice(0, 300));
  }));

  it('a client uploading a whole body over server.max_body_bytes receives the 413 (content-length and chunked)', logged(async () => {
    const url = `${gwSmall.url}/v1/chat/completions`;
    const over = await postLarge(url, 2048);
    assert.equal(over.status, 413, over.body.slice(0, 300));
    const overChunked = await postLarge(url, 4096, { chunked: true });
    assert.equal(overChunked.status, 413, overChunked.body.slice(0, 300));
  }));
});

describe('keep-alive', () => {
  async function onOneSocket(fn) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try { return await fn(agent); } finally { agent.destroy(); }
  }
  function assertSameSocket(first, rest) {
    rest.forEach((r, k) => {
      assert.equal(r.reusedSocket, true, `request ${k + 2} went over the first connection (reusedSocket)`);
      assert.equal(r.socket, first.socket, `request ${k + 2} reused the first socket`);
    });
  }

  it('requests (200, 200, 400, 200) reuse one connection', logged(async () => {
    await onOneSocket(async (agent) => {
      const r1 = await httpRequest(`${gw.url}/health`, { agent });
      const r2 = await postJSON(chatURL(), hi, { agent });
      const r3 = await postJSON(chatURL(), '{not json', { agent });
      const r4 = await postJSON(chatURL(), { ...hi, messages: [{ role: 'user', content: 'again' }] }, { agent });
      assert.deepEqual([r1, r2, r3, r4].map((r) => r.status), [200, 200, 400, 200]);
      assert.equal(parseJSON(r4.body).choices[0].message.content, 'mock: again');
      assertSameSocket(r1, [r2, r3, r4]);
    });
  }));

  it('the connection is reused after a streamed response', logged(async () => {
    await onOneSocket(async (agent) => {
      const r1 = await postJSON(chatURL(), { ...hi, stream: true }, { agent });
      const r2 = await httpRequest(`${gw.url}/health`, { agent });
      assert.equal(r1.status, 200);
      assert.match(r1.body, /data: \[DONE\]\n\n$/);
      assert.equal(r2.status, 200);
      assertSameSocket(r1, [r2]);
    });
  }));

  it('a client that half-closes right after its request is answered and closed at once', logged(async () => {
    // The request's last bytes and the client's end of stream reach the server together. The server reads
    // a client's socket as drained after a short read (src/http/read_hint.hpp); had it missed the end of
    // stream, the connection would stay open until the idle timeout (75 s).
    const u = new URL(gw.url);
    const sock = net.connect({ port: Number(u.port), host: u.hostname, allowHalfOpen: true });
    let got = '';
    sock.setEncoding('latin1');
    sock.on('data', (d) => { got += d; });
    const closed = new Promise((resolve) => sock.on('end', resolve));
    await new Promise((resolve, reject) => { sock.on('connect', resolve); sock.on('error', reject); });
    const request = (body) => `POST /v1/chat/completions HTTP/1.1\r\nHost: ${u.host}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    // A first request and its answer, so that the second is read from a socket already read once.
    sock.write(request(JSON.stringify(hi)));
    const deadline = Date.now() + 5_000;
    while (!/mock: hi/.test(got) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.match(got, /^HTTP\/1\.1 200 /, got.slice(0, 200));
    sock.end(request(JSON.stringify({ ...hi, messages: [{ role: 'user', content: 'last' }] })));
    const started = Date.now();
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error(
      `the server did not close the half-closed connection within 3 s; received: ${got.slice(-300)}`)), 3_000));
    await Promise.race([closed, timeout]);
    assert.ok(Date.now() - started < 3_000);
    assert.equal(got.match(/HTTP\/1\.1 200 /g)?.length, 2, got);
    assert.match(got, /mock: last/);
    sock.destroy();
  }));
});
