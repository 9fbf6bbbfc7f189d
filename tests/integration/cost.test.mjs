// Per-request cost: usage times the price table, in the x-modelmux-cost header of whole replies and in the
// access log of every reply (streams included); cached input and reasoning priced as the provider prices
// them; no cost at all for a model the table does not know.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startGateway, startMock, postJSON, accessLogLine, logged } from '../lib/harness.mjs';

// An OpenAI-format upstream whose usage names cached and reasoning tokens.
async function startDetailedUpstream() {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'chatcmpl-d', object: 'chat.completion', created: 1, model: 'o4-mini',
        choices: [{ index: 0, message: { role: 'assistant', content: 'thought hard' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500,
          prompt_tokens_details: { cached_tokens: 400 }, completion_tokens_details: { reasoning_tokens: 300 } } }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

let mock, detailed, gw;
before(async () => {
  [mock, detailed] = await Promise.all([startMock([]), startDetailedUpstream()]);
  gw = await startGateway({ config: `models:
  - name: priced
    targets:
      - {provider: openai, model: gpt-4o-mini, api_base: "${mock.url}/v1", api_key: k}
  - name: unpriced
    targets:
      - {provider: openai, model: house-model-7, api_base: "${mock.url}/v1", api_key: k}
  - name: reasoning
    targets:
      - {provider: openai, model: o4-mini, api_base: "${detailed.url}/v1", api_key: k}
  - name: embed
    targets:
      - {provider: openai, model: text-embedding-3-small, api_base: "${mock.url}/v1", api_key: k}
` });
});
after(async () => { await Promise.all([gw?.stop(), mock?.stop(), detailed?.close()]); });

const chat = (model, id, extra = {}) => postJSON(`${gw.url}/v1/chat/completions`,
  { model, messages: [{ role: 'user', content: 'what does this cost' }], ...extra }, { headers: { 'x-request-id': id } });
const near = (a, b) => Math.abs(a - b) < 1e-12;

describe('per-request cost', () => {
  it('a whole reply carries x-modelmux-cost, and the access log the same cost', logged(async () => {
    const r = await chat('priced', 'cost-1');
    assert.equal(r.status, 200, r.body);
    const { usage } = JSON.parse(r.body);
    const expected = (usage.prompt_tokens * 0.15 + usage.completion_tokens * 0.6) / 1e6;  // gpt-4o-mini
    assert.ok(near(Number(r.headers['x-modelmux-cost']), expected), `${r.headers['x-modelmux-cost']} != ${expected}`);
    assert.match(r.headers['x-modelmux-cost'], /^\d+(\.\d+)?$/, 'plain decimal, no exponent');
    const line = await accessLogLine(gw, 'cost-1');
    assert.ok(near(line.cost_usd, expected), JSON.stringify(line));
  }));

  it('cached input at the cached price, reasoning as output (o4-mini)', logged(async () => {
    const r = await chat('reasoning', 'cost-2');
    assert.equal(r.status, 200, r.body);
    const expected = (600 * 1.1 + 400 * 0.275 + 500 * 4.4) / 1e6;
    assert.ok(near(Number(r.headers['x-modelmux-cost']), expected), r.headers['x-modelmux-cost']);
    const line = await accessLogLine(gw, 'cost-2');
    assert.equal(line.cached_tokens, 400);
    assert.equal(line.reasoning_tokens, 300);
    assert.ok(near(line.cost_usd, expected));
  }));

  it('a stream has no cost header; its cost is in the access log', logged(async () => {
    const r = await chat('priced', 'cost-3', { stream: true });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-modelmux-cost'], undefined);
    const line = await accessLogLine(gw, 'cost-3');
    assert.ok(line.prompt_tokens > 0);
    assert.ok(near(line.cost_usd, (line.prompt_tokens * 0.15 + line.completion_tokens * 0.6) / 1e6), JSON.stringify(line));
  }));

  it('a model the price table does not know has no cost rather than a made-up one', logged(async () => {
    const r = await chat('unpriced', 'cost-4');
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-modelmux-cost'], undefined);
    const line = await accessLogLine(gw, 'cost-4');
    assert.ok(line.prompt_tokens > 0);
    assert.equal(line.cost_usd, undefined);
  }));

  it('embeddings are priced by their input tokens', logged(async () => {
    const r = await postJSON(`${gw.url}/v1/embeddings`, { model: 'embed', input: ['price', 'these'] },
      { headers: { 'x-request-id': 'cost-5' } });
    assert.equal(r.status, 200, r.body);
    const tokens = JSON.parse(r.body).usage.prompt_tokens;
    assert.ok(near(Number(r.headers['x-modelmux-cost']), tokens * 0.02 / 1e6), r.headers['x-modelmux-cost']);
  }));

  it('a failed request has no cost', logged(async () => {
    const r = await chat('nope', 'cost-6');
    assert.equal(r.status, 404);
    const line = await accessLogLine(gw, 'cost-6');
    assert.equal(line.cost_usd, undefined);
    assert.equal(line.error, 'model_not_found');
  }));
});
