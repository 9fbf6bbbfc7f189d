// Governance through the official SDKs, with their default retries on: a budget refusal is raised once and
// never retried (x-should-retry: false); a rate-limit refusal is retried after its retry-after-ms and then
// succeeds; the keys each SDK presents (Bearer, x-api-key, x-goog-api-key) are accepted, and a wrong one is
// the SDK's authentication error. Requests that reached the gateway are counted from its access log.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import { startGateway, startMock, logged } from '../lib/harness.mjs';
import { governedConfig, createKey } from '../lib/governance.mjs';

let mock, gw;
before(async () => {
  mock = await startMock(['--latency-ms', '400']);
  gw = await startGateway({
    config: governedConfig({
      top: 'prices:\n  house: {input: 100, output: 1000}\n',
      models: `  - name: house\n    targets:\n      - {provider: openai, model: house, api_base: "${mock.url}/v1", api_key: k}\n`,
    }),
  });
});
after(async () => { await Promise.all([gw?.stop(), mock?.stop()]); });

const hi = [{ role: 'user', content: 'hi' }];
// Access-log lines of one key: every request that reached the gateway with it.
const reached = (keyId) => gw.handle.stderr.split('\n').filter((l) => l.includes(`"key_id":"${keyId}"`)).length;
const settle = () => new Promise((r) => setTimeout(r, 100));

describe('governance through the official SDKs', () => {
  it('openai: a budget refusal is raised once, without retries', logged(async () => {
    const k = await createKey(gw, { budget: { usd: 0, period: 'month' } });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: k.key, maxRetries: 3 });
    const err = await client.chat.completions.create({ model: 'house', max_tokens: 5, messages: hi }).then(
      () => assert.fail('expected a refusal'), (e) => e);
    assert.ok(err instanceof OpenAI.RateLimitError, `${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.code, 'budget_exceeded');
    await settle();
    assert.equal(reached(k.id), 1, 'the SDK did not retry');
  }));

  it('openai: a rate-limit refusal is retried after retry-after-ms and then succeeds', logged(async () => {
    const k = await createKey(gw, { limits: { parallel: 1 } });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: k.key, maxRetries: 2 });
    const started = Date.now();
    const [a, b] = await Promise.all([
      client.chat.completions.create({ model: 'house', max_tokens: 5, messages: hi }),
      new Promise((r) => setTimeout(r, 50)).then(() =>
        client.chat.completions.create({ model: 'house', max_tokens: 5, messages: hi })),
    ]);
    assert.ok(a.choices[0].message.content && b.choices[0].message.content);
    assert.ok(Date.now() - started >= 1000, 'the second waited for its retry-after-ms (1 s)');
    await settle();
    assert.equal(reached(k.id), 3, 'two requests and one retry');
  }));

  it('anthropic: the key goes as x-api-key; a budget refusal is raised once', logged(async () => {
    // Room for one short answer, then too little for another's input and a token of output.
    const k = await createKey(gw, { budget: { usd: 0.0041, period: 'day' } });
    const client = new Anthropic({ baseURL: gw.url, apiKey: k.key, maxRetries: 3 });
    const msg = await client.messages.create({ model: 'house', max_tokens: 20, messages: hi });
    assert.equal(msg.type, 'message');
    const err = await client.messages.create({ model: 'house', max_tokens: 20, messages: hi }).then(
      () => assert.fail('expected a refusal'), (e) => e);
    assert.ok(err instanceof Anthropic.RateLimitError, `${err?.constructor?.name}: ${err?.message}`);
    await settle();
    assert.equal(reached(k.id), 2);
    const wrong = new Anthropic({ baseURL: gw.url, apiKey: 'mm-wrong', maxRetries: 0 });
    const denied = await wrong.messages.create({ model: 'house', max_tokens: 5, messages: hi }).then(() => null, (e) => e);
    assert.ok(denied instanceof Anthropic.AuthenticationError, `${denied?.constructor?.name}`);
  }));

  it('google: the key goes as x-goog-api-key', logged(async () => {
    const k = await createKey(gw);
    const ai = new GoogleGenAI({ apiKey: k.key, httpOptions: { baseUrl: gw.url } });
    const r = await ai.models.generateContent({ model: 'house', contents: 'hi' });
    assert.match(r.text, /mock/);
    await settle();
    assert.equal(reached(k.id), 1);
    const wrong = new GoogleGenAI({ apiKey: 'mm-wrong', httpOptions: { baseUrl: gw.url } });
    const err = await wrong.models.generateContent({ model: 'house', contents: 'hi' }).then(() => null, (e) => e);
    assert.equal(err?.status, 401, String(err));
  }));
});
