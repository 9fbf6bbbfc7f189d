// Named OpenAI-format services and Azure OpenAI, pointed at a mock-server: the path, auth header and body
// each one must get.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, startMock, postJSON, parseJSON, lastUpstreamRequest, logged } from '../lib/harness.mjs';

let mock, gw;
before(async () => {
  mock = await startMock([]);
  gw = await startGateway({ config: `models:
  - name: on-azure
    targets:
      - provider: azure
        model: gpt4o-prod
        api_base: ${mock.url}
        api_key: azure-secret
  - name: on-groq
    targets:
      - provider: groq
        model: llama-3.3-70b-versatile
        api_base: ${mock.url}/openai/v1
        api_key: gsk-secret
  - name: on-mistral
    targets:
      - provider: mistral
        model: mistral-small-latest
        api_base: ${mock.url}/v1
        api_key: m-secret
` });
});
after(async () => { await Promise.all([gw?.stop(), mock?.stop()]); });

const chat = (model, extra = {}) => postJSON(`${gw.url}/v1/chat/completions`,
  { model, messages: [{ role: 'user', content: 'hi' }], ...extra });

describe('provider presets', () => {
  it('azure: deployment path, api-version, api-key header', logged(async () => {
    const r = await chat('on-azure');
    assert.equal(r.status, 200, r.body);
    assert.equal(parseJSON(r.body).choices[0].message.content, 'mock: hi');
    const seen = await lastUpstreamRequest(mock);
    assert.equal(seen.path, '/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21');
    assert.equal(seen.headers['api-key'], 'azure-secret');
    assert.equal(seen.headers.authorization, undefined);
  }));
  it('groq: bearer auth at its base path', logged(async () => {
    const r = await chat('on-groq');
    assert.equal(r.status, 200, r.body);
    const seen = await lastUpstreamRequest(mock);
    assert.equal(seen.path, '/openai/v1/chat/completions');
    assert.equal(seen.headers.authorization, 'Bearer gsk-secret');
    assert.equal(JSON.parse(seen.body).model, 'llama-3.3-70b-versatile');
  }));
  it('mistral: a stream is sent without stream_options the client did not ask for', logged(async () => {
    const r = await chat('on-mistral', { stream: true });
    assert.equal(r.status, 200, r.body);
    assert.equal(JSON.parse((await lastUpstreamRequest(mock)).body).stream_options, undefined);
  }));
});
