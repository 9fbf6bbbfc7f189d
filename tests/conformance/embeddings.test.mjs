// The openai SDK's embeddings.create, unchanged, against the gateway's /v1/embeddings with every kind of
// target behind it: an OpenAI-wire upstream (mock-server; the body passes through), Gemini
// (batchEmbedContents), Bedrock (InvokeModel for Titan and Cohere, SigV4 verified by the fake), Ollama
// (/api/embed) and the in-process mock. The SDK asks for base64 by default and decodes it itself, so each
// target is read both ways and the two must agree to the float32 bit.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import OpenAI from 'openai';
import { startGateway, startMock, lastUpstreamRequest, postJSON, logged } from '../lib/harness.mjs';
import { startFakeGemini } from '../lib/fake_gemini.mjs';
import { startFakeBedrock, FAKE_CREDENTIALS, FAKE_REGION } from '../lib/fake_bedrock.mjs';
import { startFakeOllama } from '../lib/fake_ollama.mjs';

// An OpenAI-compatible server that ignores encoding_format and always answers float arrays.
async function startFloatsOnly() {
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const inputs = [JSON.parse(raw).input].flat();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', model: 'floaty', usage: { prompt_tokens: 4, total_tokens: 4 },
        data: inputs.map((t, index) => ({ object: 'embedding', index, embedding: [t.length / 4, -0.5, 0.1] })) }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

let mock, gemini, bedrock, ollama, floatsOnly, gw, client;
before(async () => {
  [mock, gemini, bedrock, ollama, floatsOnly] = await Promise.all([startMock(), startFakeGemini(), startFakeBedrock(), startFakeOllama(), startFloatsOnly()]);
  const bedrockTarget = (name, model) => `  - name: ${name}
    targets:
      - provider: bedrock
        model: ${model}
        api_base: ${bedrock.url}
        aws_access_key_id: ${FAKE_CREDENTIALS.accessKeyId}
        aws_secret_access_key: ${FAKE_CREDENTIALS.secretAccessKey}
        aws_session_token: ${FAKE_CREDENTIALS.sessionToken}
        aws_region: ${FAKE_REGION}
`;
  gw = await startGateway({ config: `routing:
  retries: {max_retries: 0}
  breaker: {consecutive_failures: 1000, min_requests: 1000}
models:
  - name: oai-embed
    targets:
      - provider: openai
        model: text-embedding-3-small
        api_base: ${mock.url}/v1
        api_key: sk-fake
  - name: gemini-embed
    targets:
      - provider: gemini
        model: gemini-embedding-001
        api_base: ${gemini.url}/v1beta
        api_key: AIza-fake
  - name: gemini-missing
    targets:
      - provider: gemini
        model: gemini-missing
        api_base: ${gemini.url}/v1beta
        api_key: AIza-fake
${bedrockTarget('titan', 'amazon.titan-embed-text-v2:0')}${bedrockTarget('cohere', 'cohere.embed-english-v3')}  - name: ollama-embed
    targets:
      - provider: ollama
        model: nomic-embed-text
        api_base: ${ollama.url}
  - name: ollama-missing
    targets:
      - provider: ollama
        model: not-pulled
        api_base: ${ollama.url}
  - name: floats-only
    targets:
      - provider: openai_compatible
        model: floaty
        api_base: ${floatsOnly.url}/v1
  - name: claude
    targets:
      - provider: anthropic
        model: claude-haiku-4-5
        api_base: http://127.0.0.1:9
        api_key: sk-ant-fake
  - name: mock
    targets:
      - provider: mock
        model: mock
` });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
});
after(async () => { await gw?.stop(); await mock?.stop(); await gemini?.close(); await bedrock?.close(); await ollama?.close(); await floatsOnly?.close(); });

// The SDK's default (base64, decoded by the SDK) and an explicit float request give the same float32 values.
async function bothWays(params) {
  const { data: b64, response } = await client.embeddings.create(params).withResponse();
  const float = await client.embeddings.create({ ...params, encoding_format: 'float' });
  assert.equal(b64.object, 'list');
  assert.equal(b64.data.length, float.data.length);
  b64.data.forEach((d, i) => {
    assert.equal(d.object, 'embedding');
    assert.equal(d.index, i);
    assert.deepEqual(Array.from(d.embedding), float.data[i].embedding.map(Math.fround));
  });
  assert.deepEqual(b64.usage, float.usage);
  return { b64, float, response };
}

describe('openai SDK embeddings.create -> modelmux', () => {
  it('OpenAI-wire target: the body passes through with the model rewritten', logged(async () => {
    const { b64, float, response } = await bothWays({ model: 'oai-embed', input: ['hello', 'world'], dimensions: 5 });
    assert.equal(response.headers.get('x-modelmux-target'), 'openai/text-embedding-3-small');
    assert.equal(response.headers.get('x-modelmux-attempts'), '1');
    assert.equal(b64.model, 'text-embedding-3-small');
    assert.equal(float.data[0].embedding.length, 5);
    assert.notDeepEqual(float.data[0].embedding, float.data[1].embedding);
    assert.ok(float.usage.prompt_tokens > 0);
    assert.equal(float.usage.total_tokens, float.usage.prompt_tokens);
    const sent = await lastUpstreamRequest(mock);
    assert.equal(sent.path, '/v1/embeddings');
    assert.equal(sent.headers.authorization, 'Bearer sk-fake');
    assert.deepEqual(JSON.parse(sent.body), { model: 'text-embedding-3-small', input: ['hello', 'world'], dimensions: 5, encoding_format: 'float' });
  }));

  it('OpenAI-wire target: token-id input passes through', logged(async () => {
    const r = await client.embeddings.create({ model: 'oai-embed', input: [[1, 2, 3], [4]], encoding_format: 'float' });
    assert.equal(r.data.length, 2);
    assert.equal(JSON.parse((await lastUpstreamRequest(mock)).body).input.length, 2);
  }));

  it('Gemini: batchEmbedContents, one request per input, tokens estimated', logged(async () => {
    const { float } = await bothWays({ model: 'gemini-embed', input: ['abcd', 'abcdefgh'], dimensions: 3 });
    assert.deepEqual(float.data.map((d) => d.embedding), [[0.5, 0.625, 0.75], [1, 1.125, 1.25]]);
    assert.equal(float.model, 'gemini-embed');
    assert.deepEqual(float.usage, { prompt_tokens: 3, total_tokens: 3 });
    const sent = gemini.received.at(-1);
    assert.equal(sent.path, '/v1beta/models/gemini-embedding-001:batchEmbedContents');
    assert.deepEqual(sent.body.requests[1], { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'abcdefgh' }] }, outputDimensionality: 3 });
  }));

  it('Gemini: its errors reach the client with their status', logged(async () => {
    await assert.rejects(client.embeddings.create({ model: 'gemini-missing', input: 'x' }),
      (e) => e instanceof OpenAI.NotFoundError && /not found/.test(e.message));
  }));

  it('Bedrock Titan: a signed InvokeModel per request, its token count', logged(async () => {
    const { float } = await bothWays({ model: 'titan', input: 'two words', dimensions: 256 });
    assert.equal(float.data[0].embedding.length, 256);
    assert.equal(float.data[0].embedding[1], (9 + 1) / 16);
    assert.deepEqual(float.usage, { prompt_tokens: 2, total_tokens: 2 });
    const sent = bedrock.received.at(-1);
    assert.equal(sent.modelId, 'amazon.titan-embed-text-v2:0');
    assert.deepEqual(sent.body, { inputText: 'two words', normalize: true, dimensions: 256 });
  }));

  it('Bedrock Titan: more than one input is a 400 that says why', logged(async () => {
    await assert.rejects(client.embeddings.create({ model: 'titan', input: ['a', 'b'] }),
      (e) => e instanceof OpenAI.BadRequestError && /one input a request/.test(e.message));
  }));

  it('Bedrock Cohere: a batch of texts in one call', logged(async () => {
    const { float } = await bothWays({ model: 'cohere', input: ['ab', 'abc'] });
    assert.deepEqual(float.data.map((d) => d.embedding[0]), [2 / 16, 3 / 16]);
    assert.deepEqual(bedrock.received.at(-1).body, { texts: ['ab', 'abc'], input_type: 'search_document' });
  }));

  it('Ollama: /api/embed with dimensions, prompt_eval_count as usage', logged(async () => {
    const { float } = await bothWays({ model: 'ollama-embed', input: ['one two', 'three'], dimensions: 2 });
    assert.deepEqual(float.data.map((d) => d.embedding), [[7 / 4, 8 / 4], [5 / 4, 6 / 4]]);
    assert.equal(float.model, 'nomic-embed-text');
    assert.deepEqual(float.usage, { prompt_tokens: 3, total_tokens: 3 });
    assert.deepEqual(ollama.received.at(-1).body, { model: 'nomic-embed-text', input: ['one two', 'three'], dimensions: 2 });
  }));

  it('an OpenAI-compatible server that ignores base64: the gateway encodes what the SDK asked for', logged(async () => {
    const { b64 } = await bothWays({ model: 'floats-only', input: ['abcd', 'ab'] });
    assert.deepEqual(b64.data.map((d) => Array.from(d.embedding)), [[1, -0.5, Math.fround(0.1)], [0.5, -0.5, Math.fround(0.1)]]);
    assert.equal(b64.model, 'floaty');
    assert.deepEqual(b64.usage, { prompt_tokens: 4, total_tokens: 4 });
  }));

  it('the in-process mock serves embeddings', logged(async () => {
    const { float } = await bothWays({ model: 'mock', input: 'hi' });
    assert.equal(float.data[0].embedding.length, 8);
  }));
});

describe('embeddings errors', () => {
  it('unknown model: 404', logged(async () => {
    await assert.rejects(client.embeddings.create({ model: 'no-such-model', input: 'x' }), (e) => e instanceof OpenAI.NotFoundError);
  }));

  it('bad input: 400 naming the field', logged(async () => {
    for (const body of [{ model: 'oai-embed', input: [] }, { model: 'oai-embed', input: [1, 'a'] }, { model: 'oai-embed' },
      { model: 'oai-embed', input: 'x', encoding_format: 'int8' }, { model: 'oai-embed', input: 'x', dimensions: -1 }]) {
      const r = await postJSON(`${gw.url}/v1/embeddings`, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      const err = JSON.parse(r.body).error;
      assert.equal(err.type, 'invalid_request_error');
      assert.ok(['input', 'encoding_format', 'dimensions'].includes(err.param), r.body);
    }
    const notJson = await postJSON(`${gw.url}/v1/embeddings`, '{"model":');
    assert.equal(notJson.status, 400);
  }));

  it('upstream refusals keep their status: Bedrock ValidationException, Ollama model not found', logged(async () => {
    await assert.rejects(client.embeddings.create({ model: 'titan', input: 'x', dimensions: 100 }),
      (e) => e instanceof OpenAI.BadRequestError && /dimensions: 100 is not a valid enum value/.test(e.message));
    await assert.rejects(client.embeddings.create({ model: 'ollama-missing', input: 'x' }),
      (e) => e instanceof OpenAI.NotFoundError && /not found, try pulling it first/.test(e.message));
  }));

  it('token ids to a text-only target: 400', logged(async () => {
    await assert.rejects(client.embeddings.create({ model: 'gemini-embed', input: [1, 2, 3] }),
      (e) => e instanceof OpenAI.BadRequestError && /token ids/.test(e.message));
  }));

  it('a provider without embeddings: 400 naming it', logged(async () => {
    await assert.rejects(client.embeddings.create({ model: 'claude', input: 'x' }),
      (e) => e instanceof OpenAI.BadRequestError && /provider anthropic does not serve embeddings/.test(e.message));
  }));

  it('GET is refused with 405', logged(async () => {
    const r = await fetch(`${gw.url}/v1/embeddings`);
    assert.equal(r.status, 405);
  }));
});
