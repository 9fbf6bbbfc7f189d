// The HTTP-level hardening of `modelmux serve`: bounds on every byte of a message (both sides), connection
// limits and the header timeout from the accept, request smuggling, SIGHUP, HEAD, JSON depth, what a
// browser can be made to send (content type, CORS) and a second instance on the same port. Raw sockets
// (node:net) where the defect is at HTTP level; fake upstreams written here where it is upstream-side.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import {
  MODELMUX_BIN, startGateway, startMock, gatewayConfig, httpRequest, postJSON, parseJSON, runModelmux,
  writeTempFile, logged,
} from '../lib/harness.mjs';

const hi = { model: 'mock', messages: [{ role: 'user', content: 'hi' }] };
const cleanup = [];
after(async () => { await Promise.all(cleanup.map((c) => c.stop())); });

async function gateway(options) {
  const gw = await startGateway(options);
  cleanup.push(gw);
  return gw;
}

/**
 * Opens a connection, lets `send(socket)` write, and collects what comes back until the server ends its
 * side. Resolves with {text, ended: true}; rejects after `timeoutMs` with what arrived so far.
 */
function raw(port, send, { timeoutMs = 3_000 } = {}) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no end from the server within ${timeoutMs} ms; got ${JSON.stringify(text.slice(0, 400))}`));
    }, timeoutMs);
    s.setEncoding('latin1');
    s.on('connect', () => send(s));
    s.on('data', (d) => { text += d; });
    s.on('error', () => { /* EPIPE/ECONNRESET while we still write: judge by what arrived */ });
    const done = () => { clearTimeout(timer); s.destroy(); resolve({ text, ended: true }); };
    s.on('end', done);
    s.on('close', done);
  });
}

/** Status codes of the responses in a raw byte string, in order. */
const statuses = (text) => [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));

/**
 * Writes `total` bytes (a few MB: far past any limit, yet within what the server reads and drops after
 * refusing, so its answer is not lost to a reset) of `fill` repeated, with backpressure.
 */
function pump(s, total, fill = 'b') {
  const piece = Buffer.alloc(fill.length * Math.ceil(65536 / fill.length), fill);  // whole copies of fill
  let left = total;
  const go = () => {
    while (left > 0 && !s.destroyed && s.writable) {
      const n = Math.min(left, piece.length);
      left -= n;
      if (!s.write(piece.subarray(0, n))) { s.once('drain', go); return; }
    }
  };
  go();
}

const chunkedHead = (path = '/v1/chat/completions') =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`;

describe('every byte of a request counts against a bound (1)', () => {
  let gw, small;
  before(async () => {
    [gw, small] = await Promise.all([
      gateway({ config: gatewayConfig() }),
      gateway({ config: gatewayConfig({ server: { max_body_bytes: 1024 } }) }),
    ]);
  });

  it('an endless chunk extension gets a 400 and the connection closes', logged(async () => {
    const r = await raw(gw.port, (s) => { s.write(chunkedHead() + '5;a='); pump(s, 2 << 20); });
    assert.deepEqual(statuses(r.text), [400], r.text.slice(0, 400));
    assert.match(r.text, /chunk/);
  }));

  it('a chunk line with a 5 KiB extension (whole) gets a 400', logged(async () => {
    const r = await raw(gw.port, (s) => s.write(chunkedHead() + `2;a=${'b'.repeat(5 * 1024)}\r\n{}\r\n0\r\n\r\n`));
    assert.deepEqual(statuses(r.text), [400], r.text.slice(0, 400));
  }));

  it('an endless trailer section gets a 400 and the connection closes', logged(async () => {
    const r = await raw(gw.port, (s) => {
      s.write(chunkedHead() + '2\r\n{}\r\n0\r\n');
      pump(s, 2 << 20, 'x-trailer: ' + 'b'.repeat(100) + '\r\n');
    });
    assert.deepEqual(statuses(r.text), [400], r.text.slice(0, 400));
    assert.match(r.text, /trailer/);
  }));

  it('trailer fields are not taken as headers', logged(async () => {
    // A trailer that would name a model (via x-modelmux-strategy) must not reach the pipeline: an unknown
    // strategy in a header is a 400, in a trailer it is ignored.
    const body = JSON.stringify(hi);
    const r = await raw(gw.port, (s) => s.write(
      chunkedHead().replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n') +
      `${body.length.toString(16)}\r\n${body}\r\n0\r\nx-modelmux-strategy: nonsense\r\n\r\n`));
    assert.deepEqual(statuses(r.text), [200], r.text.slice(0, 400));
  }));

  it('chunk framing counts against server.max_body_bytes: 413', logged(async () => {
    // 300 one-byte chunks, each with a 3 KiB extension: a 300-byte body in about 900 KiB.
    const line = `1;a=${'b'.repeat(3 * 1024)}\r\nx\r\n`;
    const r = await raw(small.port, (s) => { s.write(chunkedHead()); s.write(line.repeat(300)); s.write('0\r\n\r\n'); });
    assert.deepEqual(statuses(r.text), [413], r.text.slice(0, 400));
  }));
});

describe('upstream replies: chunk extensions and trailers are bounded (1)', () => {
  let gw;
  const upstreams = [];
  // A fake upstream that answers every request with `head` and then `pumpBytes` of `fill`, and never ends.
  async function endlessUpstream(head, fill) {
    const srv = net.createServer((s) => {
      s.on('error', () => {});
      s.once('data', () => { s.write(head); pump(s, 4 << 20, fill); });
    });
    await new Promise((r) => srv.listen(0, '127.0.0.1', r));
    upstreams.push(srv);
    return `http://127.0.0.1:${srv.address().port}/v1`;
  }
  before(async () => {
    const chunked = 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n';
    const ext = await endlessUpstream(chunked + '5;a=', 'b');
    const trailers = await endlessUpstream(chunked + '2\r\n{}\r\n0\r\nx-a: b\r\n', 'b');
    // A chunk size that is not hex, in the same write as the head (found by the parse of what came with the
    // head, without another read), and a head with a field that has no colon.
    const badchunk = await endlessUpstream(chunked + 'zz\r\n{}\r\n0\r\n\r\n', 'b');
    const badhead = await endlessUpstream('HTTP/1.1 200 OK\r\ncontent-type application/json\r\n\r\n', 'b');
    const config = gatewayConfig({
      models: [
        { name: 'ext', provider: 'openai_compatible', api_base: ext },
        { name: 'trailers', provider: 'openai_compatible', api_base: trailers },
        { name: 'badchunk', provider: 'openai_compatible', api_base: badchunk },
        { name: 'badhead', provider: 'openai_compatible', api_base: badhead },
      ],
    }) + 'routing:\n  retries: {max_attempts: 1, max_retries: 0}\n';
    gw = await gateway({ config });
  });
  after(() => { for (const s of upstreams) s.close(); });

  // A malformed reply is the upstream's fault (upstream_error), not the network's (connection_failed).
  for (const [model, what] of [['badchunk', 'body, right after its head'], ['badhead', 'head (a field with no colon)']]) {
    it(`an upstream reply malformed in its ${what} fails with upstream_error`, logged(async () => {
      const r = await postJSON(`${gw.url}/v1/chat/completions`, { ...hi, model }, { timeoutMs: 5_000 });
      assert.equal(r.status, 502, r.body);
      const err = parseJSON(r.body).error;
      assert.equal(err.code, 'upstream_error', r.body);
      assert.match(err.message, /malformed reply/, r.body);
    }));
  }

  for (const model of ['ext', 'trailers']) {
    it(`an upstream sending an endless ${model === 'ext' ? 'chunk extension' : 'trailer section'} fails the reply with upstream_error`,
      logged(async () => {
        const r = await postJSON(`${gw.url}/v1/chat/completions`, { ...hi, model }, { timeoutMs: 5_000 });
        assert.equal(r.status, 502, r.body);
        assert.equal(parseJSON(r.body).error.code, 'upstream_error', r.body);
      }));
  }
});

describe('a response larger than the socket takes at once', () => {
  it('reaches a client that pauses reading, whole and in order, on a connection that stays usable', logged(async () => {
    const gw = await gateway({});
    // 256 inputs x 4096 dimensions: about 12 MB of JSON, more than a loopback socket takes unread (4 MB): the
    // first write takes what it can, the rest follows as the client reads.
    const body = JSON.stringify({ model: 'mock', input: Array.from({ length: 256 }, (_, i) => `text ${i}`), dimensions: 4096 });
    const req = `POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const s = net.connect(gw.port, '127.0.0.1');
    const chunks = [];
    let size = 0;
    const whole = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`incomplete after 10 s: ${size} bytes`)), 10_000);
      let expected = Infinity;  // head and body, once the head is in
      const onData = (d) => {
        chunks.push(d);
        size += d.length;
        if (expected === Infinity) {
          const text = Buffer.concat(chunks).toString('latin1');
          const end = text.indexOf('\r\n\r\n');
          if (end >= 0) expected = end + 4 + Number(/content-length: (\d+)/i.exec(text.slice(0, end))[1]);
        }
        if (size >= expected) {
          clearTimeout(timer);
          s.off('data', onData);
          resolve(Buffer.concat(chunks).toString('latin1'));
        }
      };
      s.on('data', onData);
      s.on('error', reject);
    });
    s.on('connect', () => { s.write(req); s.pause(); setTimeout(() => s.resume(), 300); });
    const text = await whole;
    const head = text.slice(0, text.indexOf('\r\n\r\n'));
    assert.match(head, /^HTTP\/1\.1 200 /);
    const parsed = JSON.parse(text.slice(head.length + 4));
    assert.equal(parsed.data.length, 256);
    parsed.data.forEach((d, i) => { assert.equal(d.index, i); assert.equal(d.embedding.length, 4096); });
    // The connection is still good for the next request.
    s.write(`GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    const next = await new Promise((resolve) => { let t = ''; s.setEncoding('latin1'); s.on('data', (d) => { t += d; }); s.on('end', () => resolve(t)); });
    assert.match(next, /^HTTP\/1\.1 200 /);
    s.destroy();
  }));
});

describe('a request larger than the upstream\'s socket takes at once', () => {
  const digest = (text) => { let h = 0; for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0; return h; };

  it('reaches an upstream that pauses reading, whole, and its answer reaches the client', logged(async () => {
    // A 6 MB message: the gateway's first write to the upstream takes what the socket holds unread, and the
    // rest goes as the upstream reads, which it starts doing only after 300 ms.
    const srv = http.createServer((req, res) => {
      req.pause();
      setTimeout(() => {
        const chunks = [];
        req.on('data', (d) => chunks.push(d));
        req.on('end', () => {
          const got = JSON.parse(Buffer.concat(chunks).toString('utf8')).messages[0].content;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({
            id: 'x', object: 'chat.completion', created: 1, model: 'm',
            choices: [{ index: 0, message: { role: 'assistant', content: `${got.length} ${digest(got)}` }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          }));
        });
        req.resume();
      }, 300);
    });
    await new Promise((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const config = gatewayConfig({
        models: [{ name: 'slow', provider: 'openai_compatible', api_base: `http://127.0.0.1:${srv.address().port}/v1` }],
      });
      const gw = await gateway({ config });
      const content = Array.from({ length: 600_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('').repeat(10);
      const r = await postJSON(`${gw.url}/v1/chat/completions`,
        { model: 'slow', messages: [{ role: 'user', content }] }, { timeoutMs: 10_000 });
      assert.equal(r.status, 200, r.body.slice(0, 400));
      assert.equal(parseJSON(r.body).choices[0].message.content, `${content.length} ${digest(content)}`);
    } finally {
      srv.close();
    }
  }));
});

describe('connections (3)', () => {
  let quick, full;
  before(async () => {
    [quick, full] = await Promise.all([
      gateway({ config: gatewayConfig({ server: { header_timeout_ms: 300 } }) }),
      gateway({ config: gatewayConfig({ server: { max_connections: 4 } }) }),
    ]);
  });

  it('a connection that never sends a byte is closed after header_timeout_ms', logged(async () => {
    const t0 = Date.now();
    const r = await raw(quick.port, () => {}, { timeoutMs: 2_000 });
    assert.equal(r.text, '');
    assert.ok(Date.now() - t0 >= 250, `closed after ${Date.now() - t0} ms`);
  }));

  it('the header timeout runs from the accept, not from the first byte', logged(async () => {
    const t0 = Date.now();
    await raw(quick.port, (s) => setTimeout(() => s.write('GET /health HTTP/1.1\r\n'), 200), { timeoutMs: 2_000 });
    const ms = Date.now() - t0;
    assert.ok(ms < 450, `closed ${ms} ms after the connect (header_timeout_ms 300)`);
  }));

  it('past server.max_connections GET /health answers in under 100 ms, other requests get 503', logged(async () => {
    const silent = [];
    try {
      for (let i = 0; i < 4; i++) {
        const s = net.connect(full.port, '127.0.0.1');
        s.on('error', () => {});
        silent.push(s);
      }
      await new Promise((r) => setTimeout(r, 200));  // accepted by now
      let best = Infinity;
      for (let i = 0; i < 3; i++) {
        const t0 = process.hrtime.bigint();
        const h = await httpRequest(`${full.url}/health`, { timeoutMs: 2_000 });
        best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
        assert.equal(h.status, 200, h.body);
      }
      assert.ok(best < 100, `GET /health took ${best.toFixed(1)} ms`);
      const r = await postJSON(`${full.url}/v1/chat/completions`, hi, { timeoutMs: 2_000 });
      assert.equal(r.status, 503, r.body);
      assert.equal(r.headers.connection, 'close');
      assert.equal(parseJSON(r.body).error.code, 'unavailable');
    } finally {
      for (const s of silent) s.destroy();
    }
    // Once the silent connections are gone, requests are served again.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await postJSON(`${full.url}/v1/chat/completions`, hi)).status, 200);
  }));

  it('a flood of silent connections past the reserve cannot keep GET /health out', logged(async () => {
    // 4 allowed + 32 in the reserve; 150 silent clients reconnect as soon as they are closed. The oldest
    // silent connection of the reserve makes room for each new one, so a health check always gets in.
    const flood = [];
    let stop = false;
    const open = () => {
      if (stop) return;
      const s = net.connect(full.port, '127.0.0.1');
      s.on('error', () => {});
      s.on('close', () => { flood.splice(flood.indexOf(s), 1); setImmediate(open); });
      flood.push(s);
    };
    try {
      for (let i = 0; i < 150; i++) open();
      await new Promise((r) => setTimeout(r, 300));
      for (let i = 0; i < 10; i++) {
        const h = await httpRequest(`${full.url}/health`, { timeoutMs: 2_000 });
        assert.equal(h.status, 200, `probe ${i}: ${h.status} ${h.body}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      stop = true;
      for (const s of [...flood]) s.destroy();
    }
  }));

  it('the open-file limit is raised at start to what the connections need', logged(async () => {
    const config = await writeTempFile(gatewayConfig({ server: { max_connections: 2000 } }));
    const proc = spawn('sh', ['-c', 'ulimit -Sn 1024 && exec "$0" "$@"', MODELMUX_BIN, 'serve', '--config', config,
      '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      proc.stdout.on('data', (d) => { out += d; });
      for (let i = 0; i < 100 && !/listening on/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(out, /listening on/);
      const limits = fs.readFileSync(`/proc/${proc.pid}/limits`, 'utf8');
      const soft = Number(/^Max open files\s+(\d+)/m.exec(limits)[1]);
      assert.ok(soft >= 4000, `soft limit ${soft} after asking for 2000 connections`);
    } finally {
      proc.kill('SIGKILL');
    }
  }));
});

describe('request smuggling (4)', () => {
  let gw;
  before(async () => { gw = await gateway({ config: gatewayConfig() }); });
  const smuggled = 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n';
  const post = (headers, version = '1.1') =>
    `POST /v1/chat/completions HTTP/${version}\r\n${headers}Content-Type: application/json\r\n`;
  const chunk = (text) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
  const cases = [
    ['Transfer-Encoding: chunked, gzip with Content-Length: 0', post('Host: x\r\nTransfer-Encoding: chunked, gzip\r\nContent-Length: 0\r\n') + '\r\n'],
    ['Transfer-Encoding: identity with Content-Length: 0', post('Host: x\r\nTransfer-Encoding: identity\r\nContent-Length: 0\r\n') + '\r\n'],
    ['Transfer-Encoding: xchunked with Content-Length: 0', post('Host: x\r\nTransfer-Encoding: xchunked\r\nContent-Length: 0\r\n') + '\r\n'],
    ['Transfer-Encoding: gzip, chunked', post('Host: x\r\nTransfer-Encoding: gzip, chunked\r\n') + '\r\n0\r\n\r\n'],
    ['Transfer-Encoding: chunked on HTTP/1.0',
      post('Transfer-Encoding: chunked\r\nConnection: keep-alive\r\n', '1.0') + `\r\n${chunk(JSON.stringify(hi))}0\r\n\r\n`],
    ['HTTP/1.1 without Host', 'GET /health HTTP/1.1\r\n\r\n'],
    ['two Host headers', 'GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
    ['obs-fold', 'GET /health HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n'],
  ];
  for (const [name, request] of cases) {
    it(`${name}: 400, the connection closes, nothing after it runs`, logged(async () => {
      const r = await raw(gw.port, (s) => s.write(request + smuggled));
      assert.deepEqual(statuses(r.text), [400], r.text.slice(0, 600));
      assert.match(r.text, /connection: close/i);
    }));
  }
});

describe('SIGHUP (6)', () => {
  for (const which of ['gateway', 'mock-server']) {
    it(`${which}: SIGHUP is logged and ignored`, logged(async () => {
      const p = which === 'gateway' ? await gateway({ config: gatewayConfig() }) : await startMock();
      if (which !== 'gateway') cleanup.push(p);
      p.proc.kill('SIGHUP');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(p.handle.exitInfo, null, 'still running');
      assert.equal((await httpRequest(`${p.url}/health`)).status, 200);
      assert.match(p.handle.stderr, /SIGHUP ignored/);
    }));
  }
});

describe('HEAD and methods (7)', () => {
  let gw;
  before(async () => { gw = await gateway({ config: gatewayConfig() }); });

  it('HEAD /health: the head of GET (content-length 15), no body', logged(async () => {
    const r = await raw(gw.port, (s) => s.write('HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n' +
      'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    const end = r.text.indexOf('\r\n\r\n') + 4;
    assert.match(r.text.slice(0, end), /^HTTP\/1\.1 200 .*content-length: 15\r\n/s);
    assert.ok(r.text.slice(end).startsWith('HTTP/1.1 200 '), `the next response follows the head: ${JSON.stringify(r.text)}`);
    assert.deepEqual(statuses(r.text), [200, 200]);
  }));

  it('HEAD /v1/models: content-length of the GET body, no body', logged(async () => {
    const get = await httpRequest(`${gw.url}/v1/models`);
    const head = await httpRequest(`${gw.url}/v1/models`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(Number(head.headers['content-length']), Buffer.byteLength(get.body));
  }));

  for (const method of ['TRACE', 'DELETE', 'OPTIONS', 'POST']) {
    it(`${method} /health and /healthz -> 405 with allow: GET, HEAD`, logged(async () => {
      for (const path of ['/health', '/healthz']) {
        const r = await httpRequest(`${gw.url}${path}`, { method, headers: { 'content-type': 'application/json' } });
        assert.equal(r.status, 405, `${method} ${path}: ${r.body}`);
        assert.equal(r.headers.allow, 'GET, HEAD');
      }
    }));
  }
});

describe('JSON depth (8)', () => {
  let gw;
  before(async () => {
    const mock = await startMock();
    cleanup.push(mock);
    gw = await gateway({ config: gatewayConfig({ models: [{ name: 'deep', provider: 'openai_compatible', api_base: `${mock.url}/v1` }] }) });
  });
  const nest = (levels) => {  // `levels` objects, one inside the other
    let v = 1;
    for (let i = 0; i < levels; i++) v = { a: v };
    return v;
  };
  const schema = (objects) => {  // a JSON schema `objects` objects deep
    let s = { type: 'string' };
    for (let i = 0; i < objects; i++) s = { type: 'object', properties: { p: s } };
    return s;
  };

  it('a valid 33-level body is served', logged(async () => {
    const r = await postJSON(`${gw.url}/v1/chat/completions`, { model: 'deep', messages: hi.messages, metadata: nest(32) });  // 33 levels with the body itself
    assert.equal(r.status, 200, r.body);
  }));

  it('a tool schema 25 objects deep is served', logged(async () => {
    const tools = [{ type: 'function', function: { name: 'f', parameters: schema(25) } }];
    const r = await postJSON(`${gw.url}/v1/chat/completions`, { model: 'deep', messages: hi.messages, tools });
    assert.equal(r.status, 200, r.body);
  }));

  it('past 128 levels: 400 invalid_request "too deeply nested (limit 128 levels)"', logged(async () => {
    const r = await postJSON(`${gw.url}/v1/chat/completions`, { ...hi, metadata: nest(140) });
    assert.equal(r.status, 400, r.body);
    const e = parseJSON(r.body).error;
    assert.equal(e.code, 'invalid_request');
    assert.match(e.message, /too deeply nested \(limit 128 levels\)/);
  }));
});

describe('what browsers can send (9)', () => {
  let gw, cors;
  const origin = 'http://app.example';
  before(async () => {
    [gw, cors] = await Promise.all([
      gateway({ config: gatewayConfig() }),
      gateway({ config: gatewayConfig({ server: { cors: `{allowed_origins: ["${origin}"]}` } }) }),
    ]);
  });
  const chat = (url, headers) => httpRequest(`${url}/v1/chat/completions`, {
    method: 'POST', headers: { 'content-length': Buffer.byteLength(JSON.stringify(hi)), ...headers }, body: JSON.stringify(hi),
  });

  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
    it(`a POST with content-type ${type ?? '(none)'} -> 415 with an error body`, logged(async () => {
      const r = await chat(gw.url, type ? { 'content-type': type } : {});
      assert.equal(r.status, 415, r.body);
      const e = parseJSON(r.body).error;
      assert.match(e.message, /application\/json/);
    }));
  }

  it('application/json with parameters is accepted', logged(async () => {
    assert.equal((await chat(gw.url, { 'content-type': 'Application/JSON; charset=utf-8' })).status, 200);
  }));

  it('without server.cors: no CORS headers, and a preflight gets 403', logged(async () => {
    const r = await chat(gw.url, { 'content-type': 'application/json', origin });
    assert.equal(r.status, 200);
    assert.equal(r.headers['access-control-allow-origin'], undefined);
    const pre = await httpRequest(`${gw.url}/v1/chat/completions`, {
      method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' },
    });
    assert.equal(pre.status, 403, pre.body);
    assert.equal(pre.headers['access-control-allow-origin'], undefined);
  }));

  it('a listed origin: preflight 204 with the allowed headers, responses carry its origin', logged(async () => {
    const pre = await httpRequest(`${cors.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: {
        origin, 'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, Authorization, x-modelmux-strategy, x-evil',
      },
    });
    assert.equal(pre.status, 204, pre.body);
    assert.equal(pre.headers['access-control-allow-origin'], origin);
    assert.equal(pre.headers['access-control-allow-methods'], 'POST, GET, OPTIONS');
    assert.equal(pre.headers['access-control-allow-headers'], 'content-type, Authorization, x-modelmux-strategy');
    const r = await chat(cors.url, { 'content-type': 'application/json', origin });
    assert.equal(r.status, 200);
    assert.equal(r.headers['access-control-allow-origin'], origin);
    assert.match(r.headers.vary ?? '', /origin/i);
  }));

  it('an unlisted origin: preflight 403, no CORS headers on responses', logged(async () => {
    const other = 'http://evil.example';
    const pre = await httpRequest(`${cors.url}/v1/chat/completions`, {
      method: 'OPTIONS', headers: { origin: other, 'access-control-request-method': 'POST' },
    });
    assert.equal(pre.status, 403, pre.body);
    const r = await chat(cors.url, { 'content-type': 'application/json', origin: other });
    assert.equal(r.headers['access-control-allow-origin'], undefined);
  }));
});

describe('one process per address (11)', () => {
  it('a second instance on a port in use exits with a clear message', logged(async () => {
    const first = await gateway({ config: gatewayConfig() });
    const second = await runModelmux(['serve', '--listen', `127.0.0.1:${first.port}`], { timeoutMs: 3_000 });
    assert.equal(second.timedOut, false, 'the second instance must not start');
    assert.equal(second.code, 1, second.stderr);
    assert.match(second.stderr, /already in use/);
    assert.doesNotMatch(second.stdout, /listening on/);
  }));

  it('--reuse-port and server.reuse_port share the port on purpose', logged(async () => {
    const first = await gateway({ config: gatewayConfig() });
    const byFlag = await gateway({ args: ['--listen', `127.0.0.1:${first.port}`, '--reuse-port'] });
    assert.equal(byFlag.port, first.port);
    const byConfig = await gateway({ config: gatewayConfig({ server: { reuse_port: true } }),
      args: ['--listen', `127.0.0.1:${first.port}`] });
    assert.equal(byConfig.port, first.port);
  }));
});
