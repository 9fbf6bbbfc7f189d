// Timeouts on both sides, fallback across a model's targets, and a stream cut in the middle.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startGateway, startMock, postJSON, parseJSON, splitSSE, closedPort, logged } from '../lib/harness.mjs';

let ok, stall, cut, rate, auth, gw;

const target = (provider, model, base, key = 'k', extra = '') =>
  `      - provider: ${provider}\n        model: ${model}\n        api_base: ${base}\n        api_key: ${key}\n${extra}`;

before(async () => {
  [ok, stall, cut, rate, auth] = await Promise.all([
    startMock([]),
    startMock(['--stall-rate', '1']),
    startMock(['--cut-after-chunks', '3', '--chunk-interval-ms', '20']),
    startMock(['--fail-status', '429', '--fail-rate', '1', '--retry-after', '3']),
    startMock(['--api-key', 'right']),
  ]);
  const down = await closedPort();
  const config = `server:
  listen: 127.0.0.1:0
  header_timeout_ms: 300
  idle_timeout_ms: 400
models:
  - name: slow
    targets:
${target('openai', 'stalled', `${stall.url}/v1`, 'k', '        timeouts: {first_byte_ms: 300}\n')}
  - name: fallback
    targets:
${target('openai', 'first-down', `http://127.0.0.1:${down}/v1`)}
${target('openai', 'second-limited', `${rate.url}/v1`)}
${target('openai_compatible', 'third-ok', `${ok.url}/v1`)}
  - name: no-fallback-on-auth
    targets:
${target('openai', 'wrong-key', `${auth.url}/v1`, 'wrong')}
${target('openai', 'never-tried', `${ok.url}/v1`)}
  - name: all-limited
    targets:
${target('openai', 'limited', `${rate.url}/v1`)}
  - name: cut
    targets:
${target('openai', 'cut', `${cut.url}/v1`)}
`;
  gw = await startGateway({ config });
});
after(async () => { await Promise.all([gw, ok, stall, cut, rate, auth].map((p) => p?.stop())); });

const chat = (model, extra = {}) =>
  postJSON(`${gw.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'hi' }], ...extra });

describe('upstream timeouts', () => {
  it('an upstream that never answers -> 504 timeout after first_byte_ms', logged(async () => {
    const t0 = Date.now();
    const r = await chat('slow');
    const ms = Date.now() - t0;
    assert.equal(r.status, 504, r.body);
    assert.equal(parseJSON(r.body).error.code, 'timeout');
    assert.ok(ms >= 250 && ms < 3000, `took ${ms} ms`);
  }));
});

describe('fallback across targets', () => {
  it('refused and 429 targets are skipped; the third serves, headers say so', logged(async () => {
    const r = await chat('fallback');
    assert.equal(r.status, 200, r.body);
    assert.equal(parseJSON(r.body).choices[0].message.content, 'mock: hi');
    assert.equal(r.headers['x-modelmux-target'], 'openai_compatible/third-ok');
    assert.equal(r.headers['x-modelmux-attempts'], '3');
    // The access-log line is written just after the response; give it a moment.
    let log;
    for (let i = 0; i < 50 && !log; i++) {
      log = gw.handle.stderr.split('\n').filter((l) => l.includes('"model":"fallback"')).pop();
      if (!log) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(log, 'access-log line for the request');
    const rec = JSON.parse(log);
    assert.deepEqual(rec.attempts.map((a) => a.error ?? 'ok'), ['connection_failed', 'rate_limited', 'ok']);
    assert.equal(rec.prompt_tokens > 0 && rec.completion_tokens > 0, true, log);
  }));
  it('a streamed request falls back the same way', logged(async () => {
    const r = await chat('fallback', { stream: true });
    assert.equal(r.status, 200, r.body);
    assert.equal(splitSSE(r.body).events.at(-1), '[DONE]');
  }));
  it('a non-retryable failure (401) does not fall back', logged(async () => {
    const r = await chat('no-fallback-on-auth');
    assert.equal(r.status, 401, r.body);
  }));
  it('when every target is rate limited the client gets 429 with Retry-After', logged(async () => {
    const r = await chat('all-limited');
    assert.equal(r.status, 429, r.body);
    assert.equal(r.headers['retry-after'], '3');
  }));
});

describe('a stream cut after its first events', () => {
  it('ends with an OpenAI error event and no [DONE]', logged(async () => {
    const r = await chat('cut', { stream: true });
    assert.equal(r.status, 200);
    const { events } = splitSSE(r.body);
    assert.ok(events.length >= 2, r.body);
    const last = JSON.parse(events.at(-1));
    assert.equal(typeof last.error?.message, 'string', r.body);
    assert.ok(!events.includes('[DONE]'), r.body);
  }));
});

// Milliseconds from the connect (or, with fromFirstByte, from the first byte of an answer) to the close.
function closedWithin(ms, write, { fromFirstByte = false } = {}) {
  return new Promise((resolve, reject) => {
    const s = net.connect(gw.port, '127.0.0.1', () => { if (write) s.write(write); });
    let t0 = Date.now();
    let answered = false;
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`connection still open after ${ms} ms`)); }, ms);
    s.on('data', () => {
      if (fromFirstByte && !answered) t0 = Date.now();
      answered = true;
    });
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      if (fromFirstByte && !answered) reject(new Error('closed without an answer'));
      else resolve(Date.now() - t0);
    });
  });
}

describe('client-side timeouts', () => {
  it('a client that sends half a header is dropped after header_timeout_ms', logged(async () => {
    const ms = await closedWithin(3000, 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n');
    assert.ok(ms >= 250, `closed after ${ms} ms`);
  }));
  // A connection that never sends a byte is held by header_timeout_ms, not this (see hardening.test.mjs).
  it('an idle keep-alive connection is closed after idle_timeout_ms', logged(async () => {
    const ms = await closedWithin(3000, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n', { fromFirstByte: true });
    assert.ok(ms >= 350, `closed ${ms} ms after the answer`);
  }));
});

// Upstreams that close each connection 30 ms after answering on it, as servers close idle keep-alive
// connections: the gateway's pooled connection is closed under it. One closes its socket (a request written
// on it then draws a reset); one only half-closes and goes on reading, answering nothing and resetting
// nothing, as Apache's lingering close does. The next request must go to a fresh connection at once: the
// close is an epoll event on the idle connection, which turns Asio's read-first back on after the pool's
// hint (http/read_hint.hpp), so the next reply's read finds the close at once.
describe('a pooled upstream connection the upstream has closed', () => {
  const servers = [];
  let closing;
  const connections = { destroy: 0, 'half-close': 0 };
  const reply = JSON.stringify({
    id: 'c', object: 'chat.completion', created: 1, model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });
  async function closingUpstream(how) {
    const srv = net.createServer((s) => {
      connections[how]++;
      s.on('error', () => {});
      let got = '', answered = false;
      s.on('data', (d) => {
        if (answered) return;  // (the half-closed one reads on and ignores what comes)
        got += d;
        const end = got.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/content-length:\s*(\d+)/i.exec(got.slice(0, end))?.[1] ?? 0);
        if (got.length < end + 4 + length) return;
        answered = true;
        s.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(reply)}\r\n\r\n${reply}`);
        setTimeout(() => (how === 'destroy' ? s.destroy() : s.end()), 30);
      });
    });
    await new Promise((r) => srv.listen(0, '127.0.0.1', r));
    servers.push(srv);
    return `http://127.0.0.1:${srv.address().port}/v1`;
  }
  before(async () => {
    const models = [];
    for (const how of Object.keys(connections))
      models.push(`  - name: ${how}\n    targets:\n${target('openai_compatible', 'm', await closingUpstream(how))}`);
    closing = await startGateway({ config: `server:\n  listen: 127.0.0.1:0\nmodels:\n${models.join('')}` });
  });
  after(async () => { await closing?.stop(); for (const s of servers) s.close(); });

  const ask = (model) => postJSON(`${closing.url}/v1/chat/completions`,
    { model, messages: [{ role: 'user', content: 'hi' }] }, { timeoutMs: 10_000 });
  for (const how of Object.keys(connections)) {
    for (const idleMs of [100, 600]) {
      it(`${how}: after ${idleMs} ms in the pool it is left for a fresh one at once`, logged(async () => {
        const first = await ask(how);
        assert.equal(first.status, 200, first.body);
        const before = connections[how];
        await new Promise((r) => setTimeout(r, idleMs));
        const t0 = Date.now();
        const r = await ask(how);
        const ms = Date.now() - t0;
        assert.equal(r.status, 200, r.body);
        assert.equal(connections[how], before + 1, 'the request went over a new connection');
        assert.ok(ms < 1000, `took ${ms} ms`);
      }));
    }
  }
});
