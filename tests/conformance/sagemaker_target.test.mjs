// The openai SDK, unchanged, against a gateway whose models are SageMaker endpoints: a fake SageMaker
// Runtime that verifies every SigV4 signature with the AWS signer and streams with the AWS event-stream
// encoder, with an OpenAI-compatible (vLLM-like) container behind one endpoint and a TGI one behind another.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway, logged } from '../lib/harness.mjs';
import { startFakeSagemaker, FAKE_CREDENTIALS, FAKE_REGION } from '../lib/fake_sagemaker.mjs';

let fake, gw, openai;
before(async () => {
  fake = await startFakeSagemaker({ endpoints: { 'llama-vllm': 'openai', 'falcon-tgi': 'tgi' } });
  const target = (name, endpoint, format, secret = FAKE_CREDENTIALS.secretAccessKey) => `  - name: ${name}
    targets:
      - provider: sagemaker
        model: ${endpoint}
        sagemaker_format: ${format}
        api_base: ${fake.url}
        aws_access_key_id: ${FAKE_CREDENTIALS.accessKeyId}
        aws_secret_access_key: ${secret}
        aws_region: ${FAKE_REGION}
`;
  // Errors are injected on purpose to check their translation: no retries, and no breaker opening on them.
  gw = await startGateway({
    env: { AWS_PROFILE: '' },
    config: `routing:
  retries: {max_retries: 0}
  breaker: {consecutive_failures: 1000, min_requests: 1000}
models:
${target('llama', 'llama-vllm', 'openai')}${target('falcon', 'falcon-tgi', 'tgi')}${target('missing', 'no-such-endpoint', 'openai')}${target('wrong-secret', 'llama-vllm', 'openai', 'not-the-secret')}` });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
});
after(async () => { await gw?.stop(); await fake?.close(); });

const weatherTool = { type: 'function', function: { name: 'get_weather', description: 'Weather for a city',
  parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } } };

async function collect(stream) {
  let text = '', finish = null, usage = null;
  const calls = [];
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      text += c.delta?.content ?? '';
      finish = c.finish_reason ?? finish;
      for (const tc of c.delta?.tool_calls ?? []) {
        calls[tc.index] ??= { id: '', name: '', arguments: '' };
        if (tc.id) calls[tc.index].id = tc.id;
        if (tc.function?.name) calls[tc.index].name = tc.function.name;
        calls[tc.index].arguments += tc.function?.arguments ?? '';
      }
    }
  }
  return { text, finish, usage, calls };
}

describe('openai SDK -> modelmux -> SageMaker endpoint with an OpenAI-compatible container', () => {
  it('chat: signed InvokeEndpoint, the body as OpenAI chat without a model name, reply and usage as they came', logged(async () => {
    const r = await openai.chat.completions.create({ model: 'llama', max_tokens: 50, temperature: 0.5,
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello there' }] });
    assert.equal(r.choices[0].message.content, 'sagemaker: hello there');
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.deepEqual(r.usage, { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
    const sent = fake.received.at(-1);
    assert.equal(sent.endpoint, 'llama-vllm');
    assert.equal(sent.stream, false);
    assert.deepEqual(sent.body, { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello there' }],
      max_tokens: 50, temperature: 0.5 });
  }));

  it('stream: the container SSE cut across PayloadParts reassembles into deltas, finish and usage', logged(async () => {
    const r = await collect(await openai.chat.completions.create({ model: 'llama', stream: true, stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream me a rather longer answer please' }] }));
    assert.equal(r.text, 'sagemaker: stream me a rather longer answer please');
    assert.equal(r.finish, 'stop');
    assert.deepEqual(r.usage, { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
    assert.equal(fake.received.at(-1).stream, true);
  }));

  it('stream without usage asked: the container is asked anyway, the client gets no usage chunk', logged(async () => {
    const r = await collect(await openai.chat.completions.create({ model: 'llama', stream: true,
      messages: [{ role: 'user', content: 'no usage please' }] }));
    assert.equal(r.text, 'sagemaker: no usage please');
    assert.equal(r.usage, null);
    assert.deepEqual(fake.received.at(-1).body.stream_options, { include_usage: true });
  }));

  it('tool call, plain and streamed', logged(async () => {
    const first = await openai.chat.completions.create({ model: 'llama', tools: [weatherTool],
      messages: [{ role: 'user', content: 'what is the weather in Paris?' }] });
    const call = first.choices[0].message.tool_calls[0];
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { location: 'Paris' });
    assert.deepEqual(fake.received.at(-1).body.tools, [weatherTool]);
    const second = await openai.chat.completions.create({ model: 'llama', tools: [weatherTool], messages: [
      { role: 'user', content: 'what is the weather in Paris?' }, first.choices[0].message,
      { role: 'tool', tool_call_id: call.id, content: '18C and sunny' }, { role: 'user', content: 'thanks' }] });
    assert.equal(second.choices[0].message.content, 'sagemaker: thanks');
    assert.equal(fake.received.at(-1).body.messages[2].tool_call_id, call.id);
    const s = await collect(await openai.chat.completions.create({ model: 'llama', stream: true, tools: [weatherTool],
      messages: [{ role: 'user', content: 'weather in Paris, streamed' }] }));
    assert.equal(s.finish, 'tool_calls');
    assert.equal(s.calls.length, 1);
    assert.equal(s.calls[0].name, 'get_weather');
    assert.deepEqual(JSON.parse(s.calls[0].arguments), { location: 'Paris' });
  }));

  it('errors: the container 400 stays a 400, an unknown endpoint is a 400, a bad signature a 401, not-ready a 429', logged(async () => {
    await assert.rejects(openai.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'this is too long' }] }),
      (e) => e instanceof OpenAI.BadRequestError && e.code === 'context_length_exceeded' && /maximum context length/.test(e.message));
    await assert.rejects(openai.chat.completions.create({ model: 'missing', messages: [{ role: 'user', content: 'hi' }] }),
      (e) => e instanceof OpenAI.BadRequestError && /Endpoint no-such-endpoint of account \d+ not found/.test(e.message));
    await assert.rejects(openai.chat.completions.create({ model: 'wrong-secret', messages: [{ role: 'user', content: 'hi' }] }),
      (e) => e instanceof OpenAI.AuthenticationError && /signature/.test(e.message));
    await assert.rejects(openai.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'notready' }] }),
      (e) => e instanceof OpenAI.RateLimitError && /not ready/.test(e.message));
    await assert.rejects(openai.chat.completions.create({ model: 'llama', messages: [{ role: 'user', content: 'crash' }] }),
      (e) => e.status >= 500 && /ModelError/.test(e.message));
  }));

  it('a ModelStreamError mid-stream ends the stream in an error after the text already sent', logged(async () => {
    const stream = await openai.chat.completions.create({ model: 'llama', stream: true, messages: [{ role: 'user', content: 'midstream' }] });
    let text = '';
    await assert.rejects((async () => { for await (const c of stream) text += c.choices[0]?.delta?.content ?? ''; })(),
      (e) => /ModelStreamError|stream/i.test(e.message));
    assert.equal(text, 'sagemaker: midstream');
  }));
});

describe('openai SDK -> modelmux -> SageMaker endpoint with a TGI container', () => {
  it('chat: the prompt template, TGI parameters (temperature 0 left out), generated_text and details', logged(async () => {
    const r = await openai.chat.completions.create({ model: 'falcon', max_tokens: 30, temperature: 0,
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'name a colour' }] });
    assert.equal(r.choices[0].message.content, 'tgi: name a colour');
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.equal(r.usage.completion_tokens, 5);
    assert.deepEqual(fake.received.at(-1).body, { inputs: 'System: Be brief.\n\nUser: name a colour\n\nAssistant:',
      parameters: { details: true, return_full_text: false, max_new_tokens: 30 } });
  }));

  it('stream: token events cut across PayloadParts, the special end token dropped, details finish the stream', logged(async () => {
    const r = await collect(await openai.chat.completions.create({ model: 'falcon', stream: true, stream_options: { include_usage: true },
      temperature: 0.8, messages: [{ role: 'user', content: 'stream a few words' }] }));
    assert.equal(r.text, 'tgi: stream a few words');
    assert.equal(r.finish, 'stop');
    assert.equal(r.usage.completion_tokens, 6);
    const sent = fake.received.at(-1);
    assert.equal(sent.stream, true);
    assert.equal(sent.body.stream, true);
    assert.equal(sent.body.parameters.temperature, 0.8);
  }));

  it('tools cannot reach a TGI prompt: a clear 400 before any upstream call', logged(async () => {
    const before = fake.received.length;
    await assert.rejects(openai.chat.completions.create({ model: 'falcon', tools: [weatherTool], messages: [{ role: 'user', content: 'weather?' }] }),
      (e) => e instanceof OpenAI.BadRequestError && /sagemaker_format: openai/.test(e.message));
    assert.equal(fake.received.length, before);
  }));
});
