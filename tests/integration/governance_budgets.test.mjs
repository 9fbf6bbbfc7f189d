// Budgets and rate limits under load, against mock-server: a budget is never overspent however many
// requests race (and nearly everything it can pay for is served), an RPM limit admits exactly its limit,
// a TPM limit is reserved from the worst case and settled to the count; max_tokens capped to what a budget
// can pay; end users with budgets of their own; a request's cost ceiling; upstream quotas and budgets that
// route around a spent target; group limits; soft-limit alerts; and no route that escapes a budget.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startGateway, startMock, postJSON, httpRequest, parseJSON, parseChatSSE, lastUpstreamRequest, logged } from '../lib/harness.mjs';
import { storeDir, governedConfig, admin, createKey, chatAs, errorCode, sleep } from '../lib/governance.mjs';

// `house` costs $100 per 1M input tokens and $1000 per 1M output: a 4-token prompt and 20 tokens of reply
// cost 0.0004 + 0.02 = $0.0204.
const PRICES = `prices:
  house: {input: 100, output: 1000}
  house-cheap: {input: 1, output: 10}
`;
const PER_REQUEST = 0.0204;

let mock, slow, gw, dir;
before(async () => {
  [mock, slow] = await Promise.all([startMock(['--response-tokens', '40']), startMock(['--latency-ms', '600'])]);
  dir = await storeDir();
  const t = (model, base, extra = '') => `      - {provider: openai, model: ${model}, api_base: "${base}/v1", api_key: k${extra}}\n`;
  gw = await startGateway({
    config: governedConfig({
      top: PRICES,
      store: `  sqlite: ${dir}/ledger.db\n`,
      models: `  - name: house
    targets:
${t('house', mock.url)}  - name: slow
    targets:
${t('house', slow.url)}  - name: tiered
    targets:
${t('house', mock.url, ', limits: {rpm: 2}')}${t('house-cheap', mock.url)}  - name: daily
    targets:
${t('house', mock.url, ', budget: {usd: 0.041, period: day}')}${t('house-cheap', mock.url)}  - name: grouped
    limits: {rpm: 3}
    targets:
${t('house', mock.url)}  - name: both
    targets:
${t('house', mock.url)}${t('house-cheap', mock.url)}  - name: embed
    targets:
      - {provider: openai, model: text-embedding-3-small, api_base: "${mock.url}/v1", api_key: k}
`,
    }),
    args: ['--threads', '2'],
  });
});
after(async () => {
  await Promise.all([gw?.stop(), mock?.stop(), slow?.stop()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

const ask = (model, extra = {}) => ({ model, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }], ...extra });
const usdOf = (r) => Number(r.headers['x-modelmux-cost'] ?? 0);

async function spendOf(id) {
  const r = await admin(gw, 'GET', `keys/${id}`);
  return r.body.spend;
}

// A whole streamed answer: 200, every event well-formed, [DONE] last.
function completeStream(r) {
  if (r.status !== 200) return false;
  try { return parseChatSSE(r.body).done; } catch { return false; }
}

describe('budgets', () => {
  it('1,000 racing requests (half streamed): never over budget, and at least 95% of what it can pay is served', logged(async (t) => {
    const budget = PER_REQUEST * 300;
    const k = await createKey(gw, { budget: { usd: budget, period: 'month' } });
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) =>
      chatAs(gw, k.key, ask('house', i % 2 ? { stream: true } : {}), { timeoutMs: 60_000 })));
    const served = results.filter((r) => (r.headers['content-type'] ?? '').includes('event-stream') ? completeStream(r) : r.status === 200);
    const refused = results.filter((r) => r.status === 429);
    assert.equal(served.length + refused.length, 1000, `other statuses: ${[...new Set(results.map((r) => r.status))]}`);
    for (const r of refused) {
      assert.equal(errorCode(r), 'budget_exceeded');
      assert.equal(r.headers['x-should-retry'], 'false');
    }
    await sleep(200);
    const spend = await spendOf(k.id);
    assert.ok(spend.spent_usd <= budget + 1e-9, `spent ${spend.spent_usd} > budget ${budget}`);
    assert.ok(Math.abs(spend.reserved_usd) < 1e-9, `still reserved: ${spend.reserved_usd}`);
    const payable = Math.floor(budget / PER_REQUEST + 1e-9);
    t.diagnostic(`served ${served.length} of 1000 (${payable} payable), spent $${spend.spent_usd} of $${budget}`);
    assert.ok(served.length >= 0.95 * payable, `served ${served.length} of ${payable} payable`);
    // The ledger agrees with the counters.
    const ledger = await admin(gw, 'GET', `spend?group_by=key`);
    const row = ledger.body.data.find((g) => g.group === k.id);
    assert.equal(row.requests, 1000);
    assert.ok(Math.abs(row.cost_usd - spend.spent_usd) < 1e-9, `ledger ${row.cost_usd} != counters ${spend.spent_usd}`);
  }));

  it('over budget: 429 budget_exceeded with the reset time, x-should-retry: false', logged(async () => {
    // One request, and too little left for another's input and a token of output.
    const k = await createKey(gw, { budget: { usd: 0.021, period: 'day' } });
    assert.equal((await chatAs(gw, k.key, ask('house'))).status, 200);
    const r = await chatAs(gw, k.key, ask('house'));
    assert.equal(r.status, 429);
    assert.equal(errorCode(r), 'budget_exceeded');
    assert.equal(r.headers['x-should-retry'], 'false');
    assert.equal(r.headers['retry-after'], undefined);
    assert.match(parseJSON(r.body).error.message, /resets at \d{4}-\d\d-\d\dT00:00:00Z/);
  }));

  it('a worst case that does not fit lowers max_tokens to what is left (the default policy)', logged(async () => {
    // Room for the input and 10 tokens of output: max_tokens 20 becomes 10.
    const k = await createKey(gw, { budget: { usd: 0.0008 + 0.01 + 0.00005, period: 'day' } });
    const r = await chatAs(gw, k.key, ask('house'));
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers['x-modelmux-max-tokens-capped'], '10');
    assert.equal(JSON.parse((await lastUpstreamRequest(mock)).body).max_tokens, 10);
    assert.equal(parseJSON(r.body).choices[0].finish_reason, 'length');
    assert.ok(usdOf(r) <= 0.0008 + 0.01 + 0.00005);
  }));

  it('end users of one key have budgets of their own (user field, header, Anthropic metadata)', logged(async () => {
    const k = await createKey(gw, { end_users: { budget: { usd: 0.021, period: 'month' } } });
    assert.equal((await chatAs(gw, k.key, ask('house', { user: 'alice' }))).status, 200);
    const again = await chatAs(gw, k.key, ask('house', { user: 'alice' }));
    assert.equal(again.status, 429);
    assert.match(parseJSON(again.body).error.message, /end user alice/);
    assert.equal((await chatAs(gw, k.key, ask('house'), { headers: { 'x-modelmux-user': 'bob' } })).status, 200);
    assert.equal((await chatAs(gw, k.key, ask('house'), { headers: { 'x-modelmux-user': 'bob' } })).status, 429);
    const anthropic = (user) => postJSON(`${gw.url}/v1/messages`,
      { model: 'house', max_tokens: 20, metadata: { user_id: user }, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-api-key': k.key } });
    assert.equal((await anthropic('carol')).status, 200);
    const refused = await anthropic('carol');
    assert.equal(refused.status, 429);
    assert.equal(parseJSON(refused.body).error.type, 'rate_limit_error');
    const logs = await admin(gw, 'GET', `spend/logs?key_id=${k.id}&end_user=bob`);
    assert.equal(logs.body.data.length, 2);
  }));

  it('a user\'s and a team\'s budgets bound all their keys together', logged(async () => {
    await admin(gw, 'POST', 'teams', { id: 'squad', budget: { usd: 0.05, period: 'week' } });
    const a = await createKey(gw, { team_id: 'squad' });
    const b = await createKey(gw, { team_id: 'squad' });
    assert.equal((await chatAs(gw, a.key, ask('house'))).status, 200);
    assert.equal((await chatAs(gw, b.key, ask('house'))).status, 200);
    const third = await chatAs(gw, a.key, ask('house'));
    assert.equal(third.status, 200, 'capped into what is left');
    assert.ok(Number(third.headers['x-modelmux-max-tokens-capped']) < 20);
    const fourth = await chatAs(gw, b.key, ask('house'));
    assert.equal(fourth.status, 429);
    assert.match(parseJSON(fourth.body).error.message, /team squad/);
    const team = await admin(gw, 'GET', 'teams/squad');
    assert.ok(team.body.spend.spent_usd <= 0.05 + 1e-12);
  }));

  it('a request\'s ceiling leaves out the targets whose worst case exceeds it', logged(async () => {
    const k = await createKey(gw);
    const cheap = await chatAs(gw, k.key, ask('both'), { headers: { 'x-modelmux-max-cost': '0.001' } });
    assert.equal(cheap.status, 200, cheap.body);
    assert.equal(cheap.headers['x-modelmux-target'], 'openai/house-cheap');
    const body = await chatAs(gw, k.key, ask('both', { budget_limit: 0.001 }));
    assert.equal(body.headers['x-modelmux-target'], 'openai/house-cheap');
    assert.equal(JSON.parse((await lastUpstreamRequest(mock)).body).budget_limit, undefined, 'the gateway\'s own field is not sent upstream');
    const none = await chatAs(gw, k.key, ask('house'), { headers: { 'x-modelmux-max-cost': '0.0001' } });
    assert.equal(none.status, 429);
    assert.equal(errorCode(none), 'budget_exceeded');
    const bad = await chatAs(gw, k.key, ask('house'), { headers: { 'x-modelmux-max-cost': 'lots' } });
    assert.equal(bad.status, 400);
  }));

  it('every route that reaches a provider is governed: embeddings, messages, generateContent', logged(async () => {
    const k = await createKey(gw, { budget: { usd: 0, period: 'day' } });
    const emb = await postJSON(`${gw.url}/v1/embeddings`, { model: 'embed', input: 'x' }, { headers: { authorization: `Bearer ${k.key}` } });
    assert.equal(emb.status, 429, emb.body);
    const msg = await postJSON(`${gw.url}/v1/messages`, { model: 'house', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'x-api-key': k.key } });
    assert.equal(msg.status, 429);
    const gem = await postJSON(`${gw.url}/v1beta/models/house:generateContent`, { contents: [{ parts: [{ text: 'x' }] }] },
      { headers: { 'x-goog-api-key': k.key } });
    assert.equal(gem.status, 429);
    assert.equal(parseJSON(gem.body).error.status, 'RESOURCE_EXHAUSTED');
  }));

  it('crossing a soft limit logs an alert and serves on', logged(async () => {
    const k = await createKey(gw, { budget: { usd: 1, soft_usd: 0.03, period: 'month' } });
    assert.equal((await chatAs(gw, k.key, ask('house'))).status, 200);
    assert.equal((await chatAs(gw, k.key, ask('house'))).status, 200);
    await sleep(100);
    const alerts = gw.handle.stderr.split('\n').filter((l) => l.includes('"budget_alert"') && l.includes(`key:${k.id}`));
    assert.equal(alerts.length, 1, gw.handle.stderr.slice(-2000));
    assert.equal(JSON.parse(alerts[0]).soft_usd, 0.03);
  }));
});

describe('rate limits', () => {
  it('RPM 50 with 500 racing clients: exactly 50 admitted, the rest 429 with an exact Retry-After', logged(async () => {
    const k = await createKey(gw, { limits: { rpm: 50 } });
    const results = await Promise.all(Array.from({ length: 500 }, () => chatAs(gw, k.key, ask('house'), { timeoutMs: 30_000 })));
    const ok = results.filter((r) => r.status === 200);
    assert.equal(ok.length, 50);
    const limited = results.filter((r) => r.status === 429);
    assert.equal(limited.length, 450);
    for (const r of limited) {
      assert.equal(errorCode(r), 'rate_limit_exceeded');
      const ms = Number(r.headers['retry-after-ms']);
      assert.ok(ms > 55_000 && ms <= 60_000, `retry-after-ms ${ms}`);
      assert.equal(Number(r.headers['retry-after']), Math.ceil(ms / 1000));
    }
    const remaining = ok.map((r) => Number(r.headers['x-ratelimit-remaining-requests'])).sort((a, b) => a - b);
    assert.deepEqual(remaining, Array.from({ length: 50 }, (_, i) => i));
    assert.ok(ok.every((r) => r.headers['x-ratelimit-limit-requests'] === '50'));
    assert.ok(ok.every((r) => r.headers['x-ratelimit-reset-requests'] === '1m0s'), 'a full window frees in a minute');
  }));

  it('TPM: racing requests are admitted on their worst case, then settled to what they used', logged(async () => {
    // Each request may use 8 (estimated input) + 92 tokens: 10 fit a limit of 1000 while they are in flight.
    const k = await createKey(gw, { limits: { tpm: 1000 } });
    const body = ask('slow', { max_tokens: 92 });
    const results = await Promise.all(Array.from({ length: 40 }, () => chatAs(gw, k.key, body, { timeoutMs: 30_000 })));
    assert.equal(results.filter((r) => r.status === 200).length, 10);
    assert.equal(results.filter((r) => r.status === 429).length, 30);
    assert.ok(results.filter((r) => r.status === 429).every((r) => errorCode(r) === 'rate_limit_exceeded'));
    // Settled: each used 4 + 2 tokens ("mock: hi"), so the window now holds 60 of them.
    const next = await chatAs(gw, k.key, body);
    assert.equal(next.status, 200);
    assert.equal(Number(next.headers['x-ratelimit-remaining-tokens']), 1000 - 60 - 100);
    assert.equal(next.headers['x-ratelimit-limit-tokens'], '1000');
    assert.equal(next.headers['x-ratelimit-reset-tokens'], '1m0s');
    assert.equal(next.headers['x-ratelimit-limit-requests'], undefined, 'no requests limit applies');
    // A stream's head carries them too.
    const streamed = await chatAs(gw, k.key, { ...body, stream: true });
    assert.equal(streamed.status, 200);
    assert.equal(Number(streamed.headers['x-ratelimit-remaining-tokens']), 1000 - 60 - 100 - 6);
    assert.equal(streamed.headers['x-ratelimit-reset-tokens'], '1m0s');
    // A request larger than the whole limit can never fit: refused without a Retry-After.
    const huge = await chatAs(gw, k.key, ask('slow', { max_tokens: 5000 }));
    assert.equal(huge.status, 429);
    assert.match(parseJSON(huge.body).error.message, /too large/);
  }));

  it('parallel: requests in flight at once', logged(async () => {
    const k = await createKey(gw, { limits: { parallel: 2 } });
    const results = await Promise.all(Array.from({ length: 6 }, () => chatAs(gw, k.key, ask('slow'))));
    assert.equal(results.filter((r) => r.status === 200).length, 2);
    assert.equal((await chatAs(gw, k.key, ask('slow'))).status, 200, 'the slots are free again');
  }));

  it('an upstream with its quota spent is skipped, not sent a request that would come back 429', logged(async () => {
    const before = parseJSON((await httpRequest(`${mock.url}/_mock/stats`)).body).requests;
    const k = await createKey(gw);
    const targets = [];
    for (let i = 0; i < 5; i++) targets.push((await chatAs(gw, k.key, ask('tiered'))).headers['x-modelmux-target']);
    assert.deepEqual(targets, ['openai/house', 'openai/house', 'openai/house-cheap', 'openai/house-cheap', 'openai/house-cheap']);
    const after = parseJSON((await httpRequest(`${mock.url}/_mock/stats`)).body).requests;
    assert.equal(after - before, 5, 'no request was sent to be refused');
  }));

  it('an upstream\'s daily budget: spent, it is skipped until the day ends', logged(async () => {
    const k = await createKey(gw);
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push((await chatAs(gw, k.key, ask('daily'))).headers['x-modelmux-target']);
    assert.deepEqual(seen, ['openai/house', 'openai/house', 'openai/house-cheap', 'openai/house-cheap']);
  }));

  it('a model group\'s limit holds for all its clients together', logged(async () => {
    const a = await createKey(gw);
    const b = await createKey(gw);
    const statuses = [];
    for (const k of [a, b, a, b]) statuses.push((await chatAs(gw, k.key, ask('grouped'))).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
  }));
});
