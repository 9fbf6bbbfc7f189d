// The learned router over HTTP: an auto group picks its strong or weak group, the request's knobs override
// the configuration and never reach the upstream, /v1/route explains, and POST /v1/feedback moves the serving
// group's calibration, which /v1/route then shows; with keys required, feedback takes a key that may call models.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startGateway, startMock, postJSON, parseJSON, lastUpstreamRequest } from '../lib/harness.mjs';
import { governedConfig, storeDir, createKey, chatAs } from '../lib/governance.mjs';

describe('auto routing and feedback', () => {
  let mock, gw;
  before(async () => {
    mock = await startMock();
    const target = (model, quality) =>
      `      - {provider: openai, model: ${model}, api_base: '${mock.url}/v1', api_key: k, quality: ${quality}}\n`;
    gw = await startGateway({
      config: `models:
  - name: auto
    auto: {weak: cheap, strong: best, threshold: 1}
  - name: auto3
    auto: {groups: [best, mid, cheap], quality_floor: 0.02}
  - name: cheap
    targets:
${target('gpt-4o-mini', 0.74)}  - name: mid
    targets:
${target('gpt-4.1-mini', 0.8)}  - name: best
    targets:
${target('gpt-4o', 0.88)}`,
    });
  });
  after(async () => {
    await gw?.stop();
    await mock?.stop();
  });

  const ask = (model, extra = {}, headers = {}) =>
    postJSON(`${gw.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'Sort a list of pairs by their second item.' }], ...extra }, { headers });

  it('routes by the configured threshold, and by the request\'s, which is not sent upstream', async () => {
    let r = await ask('auto', {}, { 'x-request-id': 'lr-1' });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers['x-modelmux-target'], 'openai/gpt-4o-mini');  // threshold 1: nothing goes strong
    r = await ask('auto', { router: { threshold: 0 } });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers['x-modelmux-target'], 'openai/gpt-4o');
    const sent = JSON.parse((await lastUpstreamRequest(mock)).body);
    assert.equal(sent.router, undefined);
    assert.equal(sent.model, 'gpt-4o');
    r = await ask('auto', { router: { threshold: 2 } });
    assert.equal(r.status, 400);
    assert.match(parseJSON(r.body).error.message, /router must be an object with threshold/);
  });

  it('with more groups, the cheapest within the quality floor; the header moves the floor', async () => {
    let r = await ask('auto3');
    assert.equal(r.status, 200, r.body);
    const strict = r.headers['x-modelmux-target'];
    r = await ask('auto3', {}, { 'x-modelmux-quality-floor': '1' });
    assert.equal(r.headers['x-modelmux-target'], 'openai/gpt-4o-mini');  // anything goes: the cheapest
    r = await ask('auto3', {}, { 'x-modelmux-quality-floor': '0' });
    assert.equal(r.headers['x-modelmux-target'], 'openai/gpt-4o');  // nothing below the best
    assert.ok(['openai/gpt-4o', 'openai/gpt-4.1-mini', 'openai/gpt-4o-mini'].includes(strict));
    r = await ask('auto3', { router: { threshold: 0.2 } });
    assert.equal(r.status, 400);
    assert.match(parseJSON(r.body).error.message, /router\.threshold applies to a strong\/weak auto group/);
  });

  it('feedback moves the serving group\'s calibration, once per request, and /v1/route shows it', async () => {
    let r = await postJSON(`${gw.url}/v1/feedback`, { request_id: 'lr-1', score: 0 });
    assert.equal(r.status, 200, r.body);
    const f = parseJSON(r.body);
    assert.equal(f.group, 'cheap');
    assert.ok(f.predicted_success > 0 && f.predicted_success < 1);
    assert.equal(f.calibration.judged, 1);
    assert.ok(f.calibration.offset_logit < 0);
    r = await postJSON(`${gw.url}/v1/feedback`, { request_id: 'lr-1', score: 1 });
    assert.equal(r.status, 409);
    r = await postJSON(`${gw.url}/v1/feedback`, { request_id: 'never-seen', score: 1 });
    assert.equal(r.status, 404);
    assert.match(parseJSON(r.body).error.message, /no auto-routed request never-seen/);
    r = await postJSON(`${gw.url}/v1/feedback`, { request_id: 'lr-1', score: 7 });
    assert.equal(r.status, 400);
    r = await postJSON(`${gw.url}/v1/route`, { model: 'auto', messages: [{ role: 'user', content: 'hello' }] });
    assert.equal(r.status, 200, r.body);
    const d = parseJSON(r.body);
    const cheap = d.router.groups.find((g) => g.group === 'cheap');
    assert.equal(cheap.calibration.judged, 1);
    assert.ok(cheap.calibration.offset_logit < 0);
    assert.ok(cheap.calibration.routed >= 1);  // the requests above, each an observation of an answer
    assert.ok(cheap.p_success < cheap.p_success_model);
  });
});

describe('feedback on a gateway that requires keys', () => {
  let mock, gw, user, viewer;
  before(async () => {
    mock = await startMock();
    const target = (model, quality) =>
      `      - {provider: openai, model: ${model}, api_base: '${mock.url}/v1', api_key: k, quality: ${quality}}\n`;
    gw = await startGateway({
      config: governedConfig({
        store: `  sqlite: ${path.join(await storeDir(), 'ledger.db')}\n`,
        models: `  - name: auto
    auto: {weak: cheap, strong: best, threshold: 1}
  - name: cheap
    targets:
${target('gpt-4o-mini', 0.74)}  - name: best
    targets:
${target('gpt-4o', 0.88)}`,
      }),
    });
    user = (await createKey(gw, { name: 'app' })).key;
    viewer = (await createKey(gw, { name: 'dashboard', role: 'viewer' })).key;
  });
  after(async () => {
    await gw?.stop();
    await mock?.stop();
  });

  it('takes a key that may call models, since feedback moves routing for every client', async () => {
    const body = { model: 'auto', messages: [{ role: 'user', content: 'Name a prime number.' }] };
    let r = await chatAs(gw, user, body, { headers: { 'x-request-id': 'gov-1' } });
    assert.equal(r.status, 200, r.body);
    const judge = (key) => postJSON(`${gw.url}/v1/feedback`, { request_id: 'gov-1', score: 1 },
      key ? { headers: { authorization: `Bearer ${key}` } } : {});
    r = await judge();
    assert.equal(r.status, 401, r.body);
    r = await judge(viewer);
    assert.equal(r.status, 403, r.body);
    assert.match(parseJSON(r.body).error.message, /viewer role: it may read spend, not judge answers/);
    r = await judge(user);
    assert.equal(r.status, 200, r.body);
    assert.equal(parseJSON(r.body).group, 'cheap');
  });
});
