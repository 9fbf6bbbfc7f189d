// /v1/embeddings against mock-server over raw HTTP: base64 bytes are little-endian float32, the access log
// gets the request's tokens and target, a failing target falls back like chat, the gateway's own fields are
// stripped before pass-through, and Azure is addressed by deployment.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, startMock, postJSON, lastUpstreamRequest, accessLogLine, logged } from '../lib/harness.mjs';

let mock, broken, gw;
before(async () => {
  [mock, broken] = await Promise.all([startMock([]), startMock([])]);
  await postJSON(`${broken.url}/_mock/set`, { fail_status: 503, fail_rate: 1 });
  const openai = (model, base) => `      - provider: openai
        model: ${model}
        api_base: ${base}/v1
        api_key: k
`;
  gw = await startGateway({ config: `models:
  - name: embed
    targets:
${openai('text-embedding-3-small', mock.url)}  - name: embed-fallback
    targets:
${openai('broken-embedder', broken.url)}${openai('text-embedding-3-small', mock.url)}  - name: azure-embed
    targets:
      - provider: azure
        model: my-deployment
        api_base: ${mock.url}
        api_key: az-key
` });
});
after(async () => { await Promise.all([gw?.stop(), mock?.stop(), broken?.stop()]); });

const embed = (body, id) => postJSON(`${gw.url}/v1/embeddings`, body, id ? { headers: { 'x-request-id': id } } : {});

describe('/v1/embeddings', () => {
  it('base64 is the float32 values as little-endian bytes', logged(async () => {
    const b64 = await embed({ model: 'embed', input: 'bytes', encoding_format: 'base64', dimensions: 6 });
    const float = await embed({ model: 'embed', input: 'bytes', encoding_format: 'float', dimensions: 6 });
    assert.equal(b64.status, 200, b64.body);
    const bytes = Buffer.from(JSON.parse(b64.body).data[0].embedding, 'base64');
    assert.equal(bytes.length, 6 * 4);
    const values = Array.from({ length: 6 }, (_, k) => bytes.readFloatLE(4 * k));
    assert.deepEqual(values, JSON.parse(float.body).data[0].embedding.map(Math.fround));
  }));

  it('the access log carries the tokens, target and path', logged(async () => {
    const r = await embed({ model: 'embed', input: ['count these tokens', 'and these'] }, 'emb-log-1');
    assert.equal(r.status, 200, r.body);
    const rec = await accessLogLine(gw, 'emb-log-1');
    assert.equal(rec.path, '/v1/embeddings');
    assert.equal(rec.model, 'embed');
    assert.equal(rec.target, 'openai/text-embedding-3-small');
    assert.equal(rec.status, 200);
    assert.equal(rec.prompt_tokens, JSON.parse(r.body).usage.prompt_tokens);
    assert.ok(rec.prompt_tokens > 0);
  }));

  it('a failing target falls back to the next one', logged(async () => {
    const r = await embed({ model: 'embed-fallback', input: 'x' });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.headers['x-modelmux-target'], 'openai/text-embedding-3-small');
    assert.equal(r.headers['x-modelmux-attempts'], '2');
    assert.equal(JSON.parse((await lastUpstreamRequest(broken)).body).model, 'broken-embedder');
  }));

  it('the gateway\'s own strategy field does not reach the upstream', logged(async () => {
    const r = await embed({ model: 'embed', input: 'x', strategy: 'cost', user: 'u-1' });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(JSON.parse((await lastUpstreamRequest(mock)).body), { model: 'text-embedding-3-small', input: 'x', user: 'u-1' });
    const bad = await embed({ model: 'embed', input: 'x', strategy: 'fastest-ever' });
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.body).error.param, 'strategy');
  }));

  it('Azure: the deployment URL, api-version and api-key', logged(async () => {
    const r = await embed({ model: 'azure-embed', input: 'x' });
    assert.equal(r.status, 200, r.body);
    const sent = await lastUpstreamRequest(mock);
    assert.equal(sent.path, '/openai/deployments/my-deployment/embeddings?api-version=2024-10-21');
    assert.equal(sent.headers['api-key'], 'az-key');
  }));
});
