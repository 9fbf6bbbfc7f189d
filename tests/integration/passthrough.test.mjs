// What the gateway sends upstream (seen through the mock-server's /_mock/last_request), and how
// upstream failures reach the client, on the raw HTTP level.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, startMock, gatewayConfig, postJSON, parseJSON, lastUpstreamRequest, closedPort, logged } from '../lib/harness.mjs';

let mock, mRate, mAuth, mReset, mUnavail, gw;

before(async () => {
  [mock, mRate, mAuth, mReset, mUnavail] = await Promise.all([
    startMock([]),
    startMock(['--fail-status', '429', '--fail-rate', '1', '--retry-after', '7']),
    startMock(['--api-key', 'right']),
    startMock(['--reset-rate', '1']),
    startMock(['--fail-status', '503', '--fail-rate', '1']),
  ]);
  const down = await closedPort();
  gw = await startGateway({
    config: gatewayConfig({
      models: [
        { name: 'fast', model: 'gpt-4o-mini', api_base: `${mock.url}/v1`, api_key: 'sk-target' },
        { name: 'other', model: 'upstream-other', api_base: `${mock.url}/v1`, api_key: 'sk-other' },
        { name: 'limited', api_base: `${mRate.url}/v1`, api_key: 'k' },
        { name: 'badkey', api_base: `${mAuth.url}/v1`, api_key: 'wrong' },
        { name: 'reset', api_base: `${mReset.url}/v1`, api_key: 'k' },
        { name: 'unavail', api_base: `${mUnavail.url}/v1`, api_key: 'k' },
        { name: 'down', api_base: `http://127.0.0.1:${down}/v1`, api_key: 'k' },
      ],
    }),
  });
});
after(async () => { await Promise.all([gw, mock, mRate, mAuth, mReset, mUnavail].map((p) => p?.stop())); });

const url = () => `${gw.url}/v1/chat/completions`;
const hi = (model, extra = {}) => ({ model, messages: [{ role: 'user', content: 'hi' }], ...extra });

function errorOf(r) {
  assert.match(r.headers['content-type'] ?? '', /^application\/json\b/i, `content-type: ${r.headers['content-type']} body: ${r.body}`);
  const j = parseJSON(r.body);
  assert.ok(j.error && typeof j.error.message === 'string' && j.error.message.length > 0, `OpenAI error body: ${r.body}`);
  return j.error;
}

describe('request sent upstream', () => {
  it('rewrites model, keeps unknown fields, sends the target api_key (not the client\'s)', logged(async () => {
    const r = await postJSON(url(), hi('fast', { custom_field: { a: 1 }, temperature: 0.5, max_tokens: 17, user: 'u-1' }),
      { headers: { authorization: 'Bearer client-key-must-not-leak' } });
    assert.equal(r.status, 200, r.body);
    assert.equal(parseJSON(r.body).choices[0].message.content, 'mock: hi');
    const seen = await lastUpstreamRequest(mock);
    assert.equal(seen.method, 'POST');
    assert.equal(seen.path, '/v1/chat/completions');
    assert.equal(seen.headers.authorization, 'Bearer sk-target');
    assert.match(seen.headers['content-type'] ?? '', /application\/json/);
    const b = parseJSON(seen.body, 'upstream body');
    assert.equal(b.model, 'gpt-4o-mini');
    assert.deepEqual(b.custom_field, { a: 1 });
    assert.equal(b.temperature, 0.5);
    assert.equal(b.max_tokens, 17);
    assert.equal(b.user, 'u-1');
    assert.deepEqual(b.messages, [{ role: 'user', content: 'hi' }]);
  }));

  it('each model goes to its own upstream model id with its own key', logged(async () => {
    const r = await postJSON(url(), hi('other'));
    assert.equal(r.status, 200, r.body);
    const seen = await lastUpstreamRequest(mock);
    assert.equal(parseJSON(seen.body).model, 'upstream-other');
    assert.equal(seen.headers.authorization, 'Bearer sk-other');
  }));

  it('streaming request is forwarded with stream: true and stream_options', logged(async () => {
    const r = await postJSON(url(), hi('fast', { stream: true, stream_options: { include_usage: true } }));
    assert.equal(r.status, 200, r.body);
    assert.ok(r.body.endsWith('data: [DONE]\n\n'));
    const b = parseJSON((await lastUpstreamRequest(mock)).body);
    assert.equal(b.stream, true);
    assert.equal(b.model, 'gpt-4o-mini');
    assert.deepEqual(b.stream_options, { include_usage: true });
  }));
});

describe('upstream failures', () => {
  it('429 -> 429 with Retry-After passed on', logged(async () => {
    const r = await postJSON(url(), hi('limited'));
    assert.equal(r.status, 429, r.body);
    assert.equal(r.headers['retry-after'], '7');
    errorOf(r);
  }));

  it('429 on a stream -> 429 status (not a 200 stream)', logged(async () => {
    const r = await postJSON(url(), hi('limited', { stream: true }));
    assert.equal(r.status, 429, r.body);
    assert.equal(r.headers['retry-after'], '7');
    errorOf(r);
  }));

  it('401 upstream -> 401', logged(async () => {
    const r = await postJSON(url(), hi('badkey'));
    assert.equal(r.status, 401, r.body);
    errorOf(r);
  }));

  it('503 upstream -> 5xx with an error body', logged(async () => {
    const r = await postJSON(url(), hi('unavail'));
    assert.ok(r.status >= 500 && r.status <= 599, `5xx, got ${r.status}: ${r.body}`);
    errorOf(r);
  }));

  it('connection refused -> 502/503 with an error body', logged(async () => {
    const r = await postJSON(url(), hi('down'));
    assert.ok([502, 503].includes(r.status), `502/503, got ${r.status}: ${r.body}`);
    errorOf(r);
  }));

  it('connection reset by upstream -> 5xx with an error body', logged(async () => {
    const r = await postJSON(url(), hi('reset'));
    assert.ok(r.status >= 500 && r.status <= 599, `5xx, got ${r.status}: ${r.body}`);
    errorOf(r);
  }));

  it('the gateway still serves normally after upstream failures', logged(async () => {
    const r = await postJSON(url(), hi('fast'));
    assert.equal(r.status, 200, r.body);
  }));
});

describe('mock-server knobs (direct)', () => {
  it('--api-key: missing or wrong bearer -> 401 invalid_api_key; right one -> 200', logged(async () => {
    const m = `${mAuth.url}/v1/chat/completions`;
    for (const headers of [{}, { authorization: 'Bearer nope' }]) {
      const r = await postJSON(m, hi('x'), { headers });
      assert.equal(r.status, 401, r.body);
      assert.equal(errorOf(r).code, 'invalid_api_key');
    }
    const ok = await postJSON(m, hi('x'), { headers: { authorization: 'Bearer right' } });
    assert.equal(ok.status, 200, ok.body);
    assert.equal(parseJSON(ok.body).choices[0].message.content, 'mock: hi');
  }));

  it('--fail-status 429 --retry-after 7 -> 429, Retry-After: 7, OpenAI error body', logged(async () => {
    const r = await postJSON(`${mRate.url}/v1/chat/completions`, hi('x'));
    assert.equal(r.status, 429);
    assert.equal(r.headers['retry-after'], '7');
    errorOf(r);
  }));

  it('/_mock/last_request records method, path, lowercased headers and the raw body', logged(async () => {
    const raw = '{"model":"raw-model","messages":[{"role":"user","content":"rec"}],"x":{"y":[1,2]}}';
    const r = await postJSON(`${mock.url}/v1/chat/completions`, raw, { headers: { 'X-Custom-Header': 'Val' } });
    assert.equal(r.status, 200, r.body);
    const seen = await lastUpstreamRequest(mock);
    assert.equal(seen.method, 'POST');
    assert.equal(seen.path, '/v1/chat/completions');
    assert.equal(seen.headers['x-custom-header'], 'Val');
    assert.equal(seen.body, raw);
  }));
});
