// Exact SSE framing of streamed chat completions, from the gateway (built-in mock and
// pass-through) and from the standalone mock-server itself.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startGateway, startMock, gatewayConfig, httpRequest, postJSON, parseChatSSE, logged } from '../lib/harness.mjs';

let mock, slowMock, gw;

before(async () => {
  [mock, slowMock] = await Promise.all([
    startMock([]),
    startMock(['--chunks', '5', '--chunk-interval-ms', '80', '--response-tokens', '10']),
  ]);
  gw = await startGateway({
    config: gatewayConfig({
      models: [
        { name: 'fast', api_base: `${mock.url}/v1`, api_key: 'k' },
        { name: 'slow', api_base: `${slowMock.url}/v1`, api_key: 'k' },
      ],
    }),
  });
});
after(async () => { await Promise.all([gw?.stop(), mock?.stop(), slowMock?.stop()]); });

/** Checks the full framing of a chat SSE response and returns the parsed stream. */
function checkStream(r, expectedText, { usage = false } = {}) {
  assert.equal(r.status, 200, r.body.slice(0, 500));
  assert.match(r.headers['content-type'] ?? '', /^text\/event-stream\b/i, `content-type: ${r.headers['content-type']}`);
  assert.ok(r.body.endsWith('data: [DONE]\n\n'), `ends with "data: [DONE]\\n\\n": ${JSON.stringify(r.body.slice(-80))}`);
  assert.match(r.body, /^(data: [^\n]+\n\n)+$/, `every event is exactly "data: ...\\n\\n": ${JSON.stringify(r.body.slice(0, 400))}`);
  const s = parseChatSSE(r.body);
  assert.ok(s.done, 'saw [DONE]');
  for (const c of s.chunks) {
    assert.equal(c.object, 'chat.completion.chunk');
    assert.ok(typeof c.id === 'string' && c.id.length > 0, 'chunk id');
    assert.ok(Number.isInteger(c.created) && c.created > 0, 'chunk created');
    assert.ok(typeof c.model === 'string' && c.model.length > 0, 'chunk model');
  }
  const choiceChunks = s.chunks.filter((c) => c.choices.length > 0);
  assert.equal(choiceChunks[0].choices[0].delta.role, 'assistant', 'first delta has role assistant');
  for (const c of choiceChunks) assert.equal(c.choices[0].index, 0);
  assert.equal(s.text, expectedText);
  const contentChunks = choiceChunks.filter((c) => c.choices[0].delta.content);
  assert.ok(contentChunks.length >= 2, `content over several chunks, got ${contentChunks.length}`);
  const finishIdx = choiceChunks.findIndex((c) => c.choices[0].finish_reason);
  assert.equal(finishIdx, choiceChunks.length - 1, 'finish_reason only on the last chunk with choices');
  assert.equal(choiceChunks[finishIdx].choices[0].finish_reason, 'stop');
  if (usage) {
    const last = s.chunks.at(-1);
    assert.deepEqual(last.choices, [], 'usage chunk has choices: []');
    assert.ok(last.usage.prompt_tokens > 0 && last.usage.completion_tokens > 0);
    assert.equal(last.usage.total_tokens, last.usage.prompt_tokens + last.usage.completion_tokens);
  } else {
    assert.ok(s.chunks.every((c) => !c.usage), 'no usage without include_usage');
    assert.ok(s.chunks.every((c) => c.choices.length > 0), 'no choices: [] chunk without include_usage');
  }
  return s;
}

const body = (model, text, extra = {}) => ({ model, messages: [{ role: 'user', content: text }], stream: true, ...extra });

describe('gateway SSE framing', () => {
  for (const model of ['mock', 'fast']) {
    it(`${model}: data: {...}\\n\\n events ending with data: [DONE]`, logged(async () => {
      checkStream(await postJSON(`${gw.url}/v1/chat/completions`, body(model, 'the quick brown fox')), 'mock: the quick brown fox');
    }));

    it(`${model}: include_usage -> final choices: [] chunk with usage, then [DONE]`, logged(async () => {
      checkStream(
        await postJSON(`${gw.url}/v1/chat/completions`, body(model, 'usage please', { stream_options: { include_usage: true } })),
        'mock: usage please', { usage: true });
    }));
  }

  it('streams incrementally (first event arrives well before the last)', logged(async () => {
    const u = new URL(`${gw.url}/v1/chat/completions`);
    const payload = JSON.stringify(body('slow', 'ignored'));
    const times = await new Promise((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
        const t = [];
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { text += d; t.push(Date.now()); });
        res.on('end', () => resolve({ t, text, status: res.statusCode }));
        res.on('error', reject);
      });
      req.setTimeout(8_000, () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(payload);
    });
    assert.equal(times.status, 200, times.text);
    const s = parseChatSSE(times.text);
    assert.ok(s.done);
    assert.equal(s.text.trim().split(/\s+/).length, 10, `10 filler words: ${JSON.stringify(s.text)}`);
    const spread = times.t.at(-1) - times.t[0];
    assert.ok(spread >= 200, `bytes arrived over >= 200 ms (5 chunks x 80 ms upstream), got ${spread} ms: the gateway buffers the stream`);
  }));
});

describe('mock-server SSE framing (direct)', () => {
  it('echo stream is correctly framed', logged(async () => {
    checkStream(await postJSON(`${mock.url}/v1/chat/completions`, body('whatever', 'direct to mock')), 'mock: direct to mock');
  }));

  it('include_usage on the mock-server', logged(async () => {
    checkStream(
      await postJSON(`${mock.url}/v1/chat/completions`, body('whatever', 'direct usage', { stream_options: { include_usage: true } })),
      'mock: direct usage', { usage: true });
  }));

  it('--chunks N gives N content chunks, --response-tokens N gives N words', logged(async () => {
    const r = await postJSON(`${slowMock.url}/v1/chat/completions`, body('m', 'ignored'));
    assert.equal(r.status, 200);
    const s = parseChatSSE(r.body);
    const contentChunks = s.chunks.filter((c) => c.choices[0]?.delta?.content);
    assert.equal(contentChunks.length, 5);
    assert.equal(s.text.trim().split(/\s+/).length, 10);
  }));

  it('non-stream from mock-server with --response-tokens', logged(async () => {
    const r = await postJSON(`${slowMock.url}/v1/chat/completions`, { model: 'm', messages: [{ role: 'user', content: 'x' }] });
    assert.equal(r.status, 200, r.body);
    const j = JSON.parse(r.body);
    assert.equal(j.choices[0].message.content.trim().split(/\s+/).length, 10);
    assert.equal(j.choices[0].finish_reason, 'stop');
  }));

  it('GET /v1/models on the mock-server is an OpenAI list', logged(async () => {
    const r = await httpRequest(`${mock.url}/v1/models`);
    assert.equal(r.status, 200);
    const j = JSON.parse(r.body);
    assert.equal(j.object, 'list');
    assert.ok(Array.isArray(j.data) && j.data.length > 0);
    for (const m of j.data) assert.equal(m.object, 'model');
  }));
});
