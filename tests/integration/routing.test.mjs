// Routing and resilience end to end: real mock-server upstreams with injected faults behind one gateway.
// Each fault must end in the right fallback (invisible to the client) or the right error.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, startMock, postJSON, httpRequest, parseJSON, parseChatSSE, splitSSE, closedPort } from '../lib/harness.mjs';

const M = {};
let gw;

const t = (model, base, extra = '') =>
  `      - provider: openai_compatible\n        model: ${model}\n        api_base: ${base}/v1\n        api_key: k\n${extra}`;
const group = (name, targets, extra = '') => `  - name: ${name}\n${extra}    targets:\n${targets.join('')}`;

const chat = (model, extra = {}) => ({ model, messages: [{ role: 'user', content: 'hello routing' }], ...extra });
const mockCount = async (m) => parseJSON((await httpRequest(`${m.url}/_mock/stats`)).body).requests;
const mockSet = (m, opts) => postJSON(`${m.url}/_mock/set`, opts);
const targetsHealth = async () => parseJSON((await httpRequest(`${gw.url}/health/targets`)).body).data;

before(async () => {
  const specs = {
    ok: [], ok2: [], ok3: [],
    limited: ['--fail-status', '429', '--fail-rate', '1', '--retry-after', '1'],
    once503: ['--fail-status', '503', '--fail-first', '1'],
    once429: ['--fail-status', '429', '--fail-first', '1', '--retry-after', '1'],
    e500: ['--fail-status', '500', '--fail-rate', '1'],
    stall: ['--stall-rate', '1'],
    reset: ['--reset-rate', '1'],
    cutEarly: ['--cut-after-chunks', '1'],
    cutLate: ['--cut-after-chunks', '4', '--chunk-interval-ms', '10'],
    malformed: ['--malformed-rate', '1'],
    streamErr: ['--stream-error-rate', '1'],
    bad400: ['--fail-status', '400', '--fail-rate', '1'],
    ctx: ['--fail-status', '400', '--fail-rate', '1', '--fail-code', 'context_length_exceeded'],
    filtered: ['--fail-status', '400', '--fail-rate', '1', '--fail-code', 'content_filter'],
    flaky: ['--fail-status', '503', '--fail-rate', '1'],
    slow: ['--latency-ms', '1500'],
    probed: ['--fail-status', '503', '--fail-rate', '1'],
  };
  await Promise.all(Object.entries(specs).map(async ([k, args]) => { M[k] = await startMock(args); }));
  const down = await closedPort();
  const config = `server:
  listen: 127.0.0.1:0
routing:
  retries: {max_retries: 1, backoff_base_ms: 50, backoff_max_ms: 200, attempt_timeout_ms: 400}
  breaker: {consecutive_failures: 2, cooldown_ms: 800}
prices:
  small-window: {input: 1, output: 1, context_window: 1000}
  big-window: {input: 2, output: 2, context_window: 1000000}
models:
${group('r429', [t('limited', M.limited.url), t('ok', M.ok.url)])}
${group('retry503', [t('once503', M.once503.url)])}
${group('retry429', [t('once429', M.once429.url)])}
${group('all500', [t('e500', M.e500.url)])}
${group('timeout', [t('stall', M.stall.url), t('ok', M.ok.url)])}
${group('refused', [`      - provider: openai_compatible\n        model: down\n        api_base: http://127.0.0.1:${down}/v1\n`, t('ok', M.ok.url)])}
${group('reset', [t('reset', M.reset.url), t('ok', M.ok.url)])}
${group('cutEarly', [t('cut-early', M.cutEarly.url), t('ok', M.ok.url)])}
${group('cutLate', [t('cut-late', M.cutLate.url), t('ok', M.ok.url)])}
${group('malformed', [t('malformed', M.malformed.url), t('ok', M.ok.url)])}
${group('streamErr', [t('stream-err', M.streamErr.url), t('ok', M.ok.url)])}
${group('bad400', [t('bad', M.bad400.url), t('ok', M.ok.url)])}
${group('ctx', [t('small-window', M.ctx.url), t('big-window', M.ok.url)])}
${group('filtered', [t('filtered', M.filtered.url)], '    content_policy_fallback: lenient\n')}
${group('lenient', [t('lenient', M.ok2.url)])}
${group('breaker', [t('flaky', M.flaky.url), t('ok', M.ok3.url)])}
${group('hedged', [t('slow', M.slow.url, '        timeouts: {first_byte_ms: 5000}\n'), t('ok', M.ok.url)], '    hedge: {after_ms: 100}\n')}
${group('withFallback', [t('e500', M.e500.url)], '    fallbacks: [backup]\n')}
${group('backup', [t('ok', M.ok2.url)])}
${group('cheap', [t('gpt-4o', M.ok.url), t('gpt-4o-mini', M.ok2.url)], '    strategy: cost\n')}
${group('checked', [t('probed', M.probed.url, '        health_check: {interval_ms: 100, timeout_ms: 300}\n')])}
`;
  gw = await startGateway({ config });
});

after(async () => {
  await gw?.stop();
  await Promise.all(Object.values(M).map((m) => m.stop()));
});

const served = (r) => ({ target: r.headers['x-modelmux-target'], attempts: Number(r.headers['x-modelmux-attempts']) });

describe('faults before the first byte fall back to the next target', () => {
  it('429 with Retry-After: the next target is tried at once, without waiting', async () => {
    const t0 = Date.now();
    const r = await postJSON(`${gw.url}/v1/chat/completions`, chat('r429'));
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(served(r), { target: 'openai_compatible/ok', attempts: 2 });
    assert.ok(Date.now() - t0 < 900, 'did not wait for Retry-After when another target was free');
  });
  it('a single target answering 503 once is retried after a backoff', async () => {
    const r = await postJSON(`${gw.url}/v1/chat/completions`, chat('retry503'));
    assert.equal(r.status, 200, r.body);
    assert.equal(served(r).attempts, 2);
  });
  it('a single target answering 429 once is retried no sooner than its Retry-After', async () => {
    const t0 = Date.now();
    const r = await postJSON(`${gw.url}/v1/chat/completions`, chat('retry429'));
    assert.equal(r.status, 200, r.body);
    assert.equal(served(r).attempts, 2);
    assert.ok(Date.now() - t0 >= 950, `retried after ${Date.now() - t0} ms, before Retry-After: 1`);
  });
  it('every retry failing ends in the last error, in OpenAI format', async () => {
    const r = await postJSON(`${gw.url}/v1/chat/completions`, chat('all500'));
    assert.equal(r.status, 502);
    assert.equal(parseJSON(r.body).error.type, 'server_error');
    assert.equal(await mockCount(M.e500) >= 2, true);
  });
  it('a stalled target times out per attempt and the next one serves', async () => {
    const t0 = Date.now();
    const r = await postJSON(`${gw.url}/v1/chat/completions`, chat('timeout'));
    assert.equal(r.status, 200, r.body);
    assert.equal(served(r).target, 'openai_compatible/ok');
    assert.ok(Date.now() - t0 < 1500, 'the attempt timeout (400 ms) bounded the stalled attempt');
  });
  it('a refused connection and a reset fall back', async () => {
    for (const model of ['refused', 'reset']) {
      const r = await postJSON(`${gw.url}/v1/chat/completions`, chat(model));
      assert.equal(r.status, 200, `${model}: ${r.body}`);
      assert.equal(served(r).target, 'openai_compatible/ok');
    }
  });
  it('a malformed 200 body falls back, streamed or not', async () => {
    const r = await postJSON(`${gw.url}/v1/chat/completions`, chat('malformed'));
    assert.equal(r.status, 200, r.body);
    assert.equal(parseJSON(r.body).choices[0].message.content, 'mock: hello routing');
    const s = await postJSON(`${gw.url}/v1/chat/completions`, chat('malformed', { stream: true }));
    assert.equal(s.status, 200);
    assert.equal(parseChatSSE(s.body).text, 'mock: hello routing');
    assert.equal(served(s).target, 'openai_compatible/ok');
  });
  it('a 400 is the client\'s error: no fallback', async () => {
    const r = await postJSON(`${gw.url}/v1/chat/completions`, chat('bad400'));
    assert.equal(r.status, 400);
    assert.equal(served(r).target, undefined);
  });
});

describe('streams are held until their first content', () => {
  it('an error event inside a 200 stream before any content falls back invisibly', async () => {
    const r = await postJSON(`${gw.url}/v1/chat/completions`, chat('streamErr', { stream: true }));
    assert.equal(r.status, 200);
    const { text, done } = parseChatSSE(r.body);
    assert.equal(text, 'mock: hello routing');
    assert.ok(done);
    assert.ok(!r.body.includes('injected stream error'));
    assert.equal(served(r).attempts, 2);
  });
  it('a stream cut before its first content falls back invisibly', async () => {
    const r = await postJSON(`${gw.url}/v1/chat/completions`, chat('cutEarly', { stream: true }));
    assert.equal(r.status, 200);
    assert.equal(parseChatSSE(r.body).text, 'mock: hello routing');
    assert.equal(served(r).target, 'openai_compatible/ok');
  });
  it('a stream cut after content ends with an OpenAI error event, not a silent end', async () => {
    const r = await postJSON(`${gw.url}/v1/chat/completions`,
      chat('cutLate', { stream: true, messages: [{ role: 'user', content: 'one two three four five six seven' }] }));
    assert.equal(r.status, 200);
    const { events } = splitSSE(r.body);
    const last = JSON.parse(events[events.length - 1]);
    assert.ok(last.error, `last event is an error: ${events[events.length - 1]}`);
    assert.ok(events.some((e) => e.includes('"content":"')), 'some content arrived before the cut');
    assert.equal(served(r).target, 'openai_compatible/cut-late');
  });
});

describe('fallbacks by kind of failure', () => {
  it('context-window overflow goes to a target with a larger window', async () => {
    const r = await postJSON(`${gw.url}/v1/chat/completions`, chat('ctx'));
    assert.equal(r.status, 200, r.body);
    assert.equal(served(r).target, 'openai_compatible/big-window');
  });
  it('content filtering goes to the content-policy fallback group', async () => {
    const r = await postJSON(`${gw.url}/v1/chat/completions`, chat('filtered'));
    assert.equal(r.status, 200, r.body);
    assert.equal(served(r).target, 'openai_compatible/lenient');
  });
  it('a group\'s fallback groups come after its own targets', async () => {
    const r = await postJSON(`${gw.url}/v1/chat/completions`, chat('withFallback'));
    assert.equal(r.status, 200, r.body);
    assert.equal(served(r).target, 'openai_compatible/ok');
  });
  it('the access log records every attempt and why it failed', async () => {
    await postJSON(`${gw.url}/v1/chat/completions`, chat('r429'), { headers: { 'x-request-id': 'route-log-1' } });
    let line;
    for (let i = 0; i < 50 && !line; i++) {
      line = gw.handle.stderr.split('\n').find((l) => l.includes('route-log-1') && l.includes('attempts'));
      if (!line) await new Promise((res) => setTimeout(res, 20));
    }
    assert.ok(line, 'access log line');
    const rec = JSON.parse(line);
    assert.equal(rec.attempts[0].error, 'rate_limited');
    assert.match(rec.attempts[0].reason, /injected failure 429/);
    assert.equal(rec.attempts[1].status, 200);
  });
});

describe('circuit breaker and health', () => {
  it('opens after consecutive failures, skips the target, half-opens after the cooldown and closes on success', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await postJSON(`${gw.url}/v1/chat/completions`, chat('breaker'));
      assert.equal(served(r).target, 'openai_compatible/ok');
    }
    const before = await mockCount(M.flaky);
    const h = (await targetsHealth()).find((x) => x.model === 'breaker' && x.target.endsWith('flaky'));
    assert.equal(h.breaker, 'open');
    const r = await postJSON(`${gw.url}/v1/chat/completions`, chat('breaker'));
    assert.deepEqual(served(r), { target: 'openai_compatible/ok', attempts: 1 });
    assert.equal(await mockCount(M.flaky), before, 'an open breaker sends nothing to its target');
    await mockSet(M.flaky, { fail_rate: 0 });
    await new Promise((res) => setTimeout(res, 900));
    const probe = await postJSON(`${gw.url}/v1/chat/completions`, chat('breaker'));
    assert.deepEqual(served(probe), { target: 'openai_compatible/flaky', attempts: 1 });
    const after = (await targetsHealth()).find((x) => x.model === 'breaker' && x.target.endsWith('flaky'));
    assert.equal(after.breaker, 'closed');
    assert.ok(after.requests >= 3 && after.failures >= 2);
  });
  it('active health checks find a failing target and open its breaker before any user request', async () => {
    let h;
    for (let i = 0; i < 40; i++) {
      h = (await targetsHealth()).find((x) => x.model === 'checked');
      if (h.breaker === 'open') break;
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.equal(h.health_check, 'failing');
    assert.equal(h.breaker, 'open');
    const r = await postJSON(`${gw.url}/v1/chat/completions`, chat('checked'));
    assert.equal(r.status, 503);
    assert.ok(r.headers['retry-after'], 'all circuits open: 503 with Retry-After');
    await mockSet(M.probed, { fail_rate: 0 });
    for (let i = 0; i < 40; i++) {
      h = (await targetsHealth()).find((x) => x.model === 'checked');
      if (h.breaker === 'closed') break;
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.equal(h.health_check, 'passing');
    assert.equal(h.breaker, 'closed', 'a passing probe closed the breaker');
  });
});

describe('hedging', () => {
  it('a slow first attempt is raced by a second; the fast one wins and the slow one is cancelled', async () => {
    const t0 = Date.now();
    const r = await postJSON(`${gw.url}/v1/chat/completions`, chat('hedged'));
    const took = Date.now() - t0;
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(served(r), { target: 'openai_compatible/ok', attempts: 2 });
    assert.ok(took < 1000, `answered in ${took} ms, not after the slow target's 1500`);
    const slow = (await targetsHealth()).find((x) => x.model === 'hedged' && x.target.endsWith('slow'));
    assert.equal(slow.in_flight, 0, 'the cancelled attempt no longer counts as in flight');
  });
});

describe('explain and per-request strategy', () => {
  it('POST /v1/route explains the decision without calling any provider', async () => {
    const before = await mockCount(M.ok2);
    const r = await postJSON(`${gw.url}/v1/route`, chat('cheap'));
    assert.equal(r.status, 200, r.body);
    const d = parseJSON(r.body);
    assert.equal(d.strategy, 'cost');
    assert.equal(d.chosen, 'openai_compatible/gpt-4o-mini');
    assert.deepEqual(d.fallback_order, ['openai_compatible/gpt-4o-mini', 'openai_compatible/gpt-4o']);
    assert.match(d.reasoning, /cheapest/);
    assert.ok(d.candidates[0].estimated_cost_usd < d.candidates[1].estimated_cost_usd);
    assert.equal(await mockCount(M.ok2), before);
  });
  it('x-modelmux-strategy overrides the group\'s; the body field too, and it is not sent upstream', async () => {
    const r = await postJSON(`${gw.url}/v1/route`, chat('cheap'), { headers: { 'x-modelmux-strategy': 'priority' } });
    assert.equal(parseJSON(r.body).chosen, 'openai_compatible/gpt-4o');
    const c = await postJSON(`${gw.url}/v1/chat/completions`, chat('cheap', { strategy: 'priority' }));
    assert.equal(c.status, 200, c.body);
    assert.equal(served(c).target, 'openai_compatible/gpt-4o');
    const sent = JSON.parse(parseJSON((await httpRequest(`${M.ok.url}/_mock/last_request`)).body).body);
    assert.equal(sent.strategy, undefined);
    assert.equal(sent.model, 'gpt-4o');
  });
  it('provider_options: the target provider\'s entry is merged into the pass-through body, the key is not sent', async () => {
    const r = await postJSON(`${gw.url}/v1/chat/completions`, chat('cheap', {
      strategy: 'priority',
      provider_options: { openai_compatible: { logit_bias: { 50256: -100 }, service_tier: 'flex' }, anthropic: { top_k: 3 } },
    }));
    assert.equal(r.status, 200, r.body);
    const sent = JSON.parse(parseJSON((await httpRequest(`${M.ok.url}/_mock/last_request`)).body).body);
    assert.equal(sent.provider_options, undefined);
    assert.equal(sent.service_tier, 'flex');
    assert.deepEqual(sent.logit_bias, { 50256: -100 });
    assert.equal(sent.top_k, undefined);
    const bad = await postJSON(`${gw.url}/v1/chat/completions`, chat('cheap', { provider_options: { anthropic: 5 } }));
    assert.equal(bad.status, 400);
    assert.equal(parseJSON(bad.body).error.param, 'provider_options');
  });
  it('an unknown strategy is a 400 naming it', async () => {
    const r = await postJSON(`${gw.url}/v1/chat/completions`, chat('cheap'), { headers: { 'x-modelmux-strategy': 'fastest' } });
    assert.equal(r.status, 400);
    const e = parseJSON(r.body).error;
    assert.match(e.message, /unknown strategy "fastest"/);
    assert.equal(e.param, 'x-modelmux-strategy');
  });
});
