// The openai SDK's images.generate, unchanged, against POST /v1/images/generations on the gateway, served by
// an OpenAI-compatible fake, the Bedrock fake (Titan / Nova Canvas through InvokeModel, SigV4 checked), the
// Gemini fake (Imagen :predict) and the SageMaker fake (an image endpoint, SigV4 checked).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import OpenAI from 'openai';
import { startGateway, logged } from '../lib/harness.mjs';
import { startFakeBedrock, FAKE_CREDENTIALS as BEDROCK_CREDS, FAKE_REGION as BEDROCK_REGION } from '../lib/fake_bedrock.mjs';
import { startFakeGemini } from '../lib/fake_gemini.mjs';
import { startFakeSagemaker, FAKE_CREDENTIALS as SM_CREDS, FAKE_REGION as SM_REGION } from '../lib/fake_sagemaker.mjs';

// OpenAI's images endpoint as far as the gateway's pass-through goes: a bearer key, the upstream model, and
// data items in the asked response_format.
async function startFakeOpenAiImages() {
  const received = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const reply = (status, body) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
      if (req.method !== 'POST' || req.url !== '/v1/images/generations') return reply(404, { error: { message: `no route ${req.url}`, type: 'invalid_request_error' } });
      if (req.headers.authorization !== 'Bearer sk-fake') return reply(401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
      const body = JSON.parse(raw);
      received.push(body);
      if (body.model !== 'gpt-image-1' || typeof body.prompt !== 'string') return reply(400, { error: { message: 'model and prompt required', type: 'invalid_request_error' } });
      const data = Array.from({ length: body.n ?? 1 }, (_, i) => (body.response_format === 'b64_json'
        ? { b64_json: Buffer.from(`openai-image:${i}:${body.prompt}`).toString('base64') }
        : { url: `https://images.example/${i}.png`, revised_prompt: `A picture of ${body.prompt}.` }));
      reply(200, { created: 1713833628, data, usage: { input_tokens: 10, output_tokens: 4160, total_tokens: 4170, input_tokens_details: { text_tokens: 10, image_tokens: 0 } } });
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, received, close: () => new Promise((r) => server.close(r)) };
}

let oai, bedrock, gemini, sagemaker, gw, client;
before(async () => {
  [oai, bedrock, gemini, sagemaker] = await Promise.all([startFakeOpenAiImages(), startFakeBedrock(),
    startFakeGemini(), startFakeSagemaker({ endpoints: { 'sdxl-endpoint': 'image' } })]);
  gw = await startGateway({
    env: { AWS_PROFILE: '' },
    config: `routing:
  retries: {max_retries: 0}
  breaker: {consecutive_failures: 1000, min_requests: 1000}
models:
  - name: dalle
    targets:
      - {provider: openai_compatible, model: gpt-image-1, api_base: "${oai.url}/v1", api_key: sk-fake}
  - name: titan
    targets:
      - provider: bedrock
        model: amazon.titan-image-generator-v2:0
        api_base: ${bedrock.url}
        aws_access_key_id: ${BEDROCK_CREDS.accessKeyId}
        aws_secret_access_key: ${BEDROCK_CREDS.secretAccessKey}
        aws_session_token: ${BEDROCK_CREDS.sessionToken}
        aws_region: ${BEDROCK_REGION}
  - name: imagen
    targets:
      - {provider: gemini, model: imagen-4.0-generate-001, api_base: "${gemini.url}/v1beta", api_key: AIza-fake}
  - name: sdxl
    targets:
      - provider: sagemaker
        model: sdxl-endpoint
        api_base: ${sagemaker.url}
        aws_access_key_id: ${SM_CREDS.accessKeyId}
        aws_secret_access_key: ${SM_CREDS.secretAccessKey}
        aws_region: ${SM_REGION}
  - name: chat-only
    targets:
      - {provider: mock, model: m}
` });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
});
after(async () => { await gw?.stop(); await Promise.all([oai, bedrock, gemini, sagemaker].map((f) => f?.close())); });

const decoded = (r) => r.data.map((d) => Buffer.from(d.b64_json, 'base64').toString());

describe('openai SDK images.generate -> modelmux', () => {
  it('OpenAI-compatible upstream: the body passed on with its model, urls and usage back', logged(async () => {
    const r = await client.images.generate({ model: 'dalle', prompt: 'a red fox', n: 2, size: '1024x1024', quality: 'high' });
    assert.deepEqual(r.data.map((d) => d.url), ['https://images.example/0.png', 'https://images.example/1.png']);
    assert.equal(r.data[0].revised_prompt, 'A picture of a red fox.');
    assert.equal(r.created, 1713833628);
    assert.equal(r.usage.output_tokens, 4160);
    assert.deepEqual(oai.received.at(-1), { model: 'gpt-image-1', prompt: 'a red fox', n: 2, size: '1024x1024', quality: 'high' });
    const b64 = await client.images.generate({ model: 'dalle', prompt: 'a cat', response_format: 'b64_json' });
    assert.deepEqual(decoded(b64), ['openai-image:0:a cat']);
  }));

  it('Bedrock Titan: a signed TEXT_IMAGE InvokeModel, base64 images back; url refused', logged(async () => {
    const r = await client.images.generate({ model: 'titan', prompt: 'a red fox', n: 2, size: '1024x1024', quality: 'hd' });
    assert.deepEqual(decoded(r), ['bedrock-image:0:a red fox', 'bedrock-image:1:a red fox']);
    assert.equal(r.data[0].url, undefined);
    const sent = bedrock.received.at(-1);
    assert.equal(sent.modelId, 'amazon.titan-image-generator-v2:0');
    assert.deepEqual(sent.body, { taskType: 'TEXT_IMAGE', textToImageParams: { text: 'a red fox' },
      imageGenerationConfig: { numberOfImages: 2, width: 1024, height: 1024, quality: 'premium' } });
    await assert.rejects(client.images.generate({ model: 'titan', prompt: 'x', response_format: 'url' }),
      (e) => e instanceof OpenAI.BadRequestError && e.param === 'response_format' && /b64_json/.test(e.message));
  }));

  it('Gemini Imagen: :predict with sampleCount and the aspect ratio of the size; all filtered is an error', logged(async () => {
    const r = await client.images.generate({ model: 'imagen', prompt: 'a red fox', n: 2, size: '1792x1024' });
    assert.deepEqual(decoded(r), ['imagen:0:a red fox', 'imagen:1:a red fox']);
    const sent = gemini.received.at(-1);
    assert.equal(sent.path, '/v1beta/models/imagen-4.0-generate-001:predict');
    assert.deepEqual(sent.body, { instances: [{ prompt: 'a red fox' }], parameters: { sampleCount: 2, aspectRatio: '16:9' } });
    await assert.rejects(client.images.generate({ model: 'imagen', prompt: 'something unsafe' }),
      (e) => e.status === 400 && /filtered/.test(e.message));
    await assert.rejects(client.images.generate({ model: 'imagen', prompt: 'x', size: '1536x1024' }),
      (e) => e instanceof OpenAI.BadRequestError && e.param === 'size');
  }));

  it('SageMaker image endpoint: the signed {prompt, width, height} contract, base64 images back', logged(async () => {
    const r = await client.images.generate({ model: 'sdxl', prompt: 'a red fox', size: '512x512' });
    assert.deepEqual(decoded(r), ['sagemaker-image:0:a red fox']);
    assert.deepEqual(sagemaker.received.at(-1).body, { prompt: 'a red fox', width: 512, height: 512 });
  }));

  it('a provider without images, and a request without a prompt, are clear 400s', logged(async () => {
    await assert.rejects(client.images.generate({ model: 'chat-only', prompt: 'x' }),
      (e) => e instanceof OpenAI.BadRequestError && /provider mock does not generate images/.test(e.message));
    await assert.rejects(client.images.generate({ model: 'dalle', prompt: '' }),
      (e) => e instanceof OpenAI.BadRequestError && e.param === 'prompt');
    await assert.rejects(client.images.generate({ model: 'nope', prompt: 'x' }), (e) => e.status === 404);
  }));
});
