// The openai SDK and @anthropic-ai/sdk, unchanged, against a gateway whose models are served by the Gemini
// API (a strict fake of it): text, streams with usage, tool calls (streamed or not) and the tool-result
// round trip with Gemini's thought signature, JSON schema output, images, and errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startGateway, logged } from '../lib/harness.mjs';
import { startFakeGemini } from '../lib/fake_gemini.mjs';

let upstream, gw, client, anthropic;
before(async () => {
  upstream = await startFakeGemini();
  const target = (name, model, key) => `  - name: ${name}
    targets:
      - provider: gemini
        model: ${model}
        api_base: ${upstream.url}/v1beta
        api_key: ${key}
`;
  // These tests inject upstream errors on purpose to check their translation: no retries, and no breaker
  // opening on them (routing has its own tests).
  gw = await startGateway({ config: `routing:
  retries: {max_retries: 0}
  breaker: {consecutive_failures: 1000, min_requests: 1000}
models:
${target('gemini', 'gemini-2.5-flash', 'AIza-fake')}${target('gemini-badkey', 'gemini-2.5-flash', 'AIza-wrong')}${target('gemini-missing', 'gemini-missing', 'AIza-fake')}` });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'x', maxRetries: 0 });
});
after(async () => { await gw?.stop(); await upstream?.close(); });

const weatherTool = { type: 'function', function: { name: 'get_weather', description: 'Weather for a city',
  parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'], additionalProperties: false } } };

async function drain(stream) {
  let text = '', finish = null, usage = null;
  const calls = [];
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of chunk.choices) {
      text += c.delta?.content ?? '';
      for (const tc of c.delta?.tool_calls ?? []) {
        calls[tc.index] ??= { id: tc.id, name: tc.function?.name, args: '' };
        calls[tc.index].args += tc.function?.arguments ?? '';
      }
      finish = c.finish_reason ?? finish;
    }
  }
  return { text, finish, usage, calls };
}

describe('openai SDK -> modelmux -> Gemini', () => {
  it('chat: system instruction, reply, usage with reasoning tokens', logged(async () => {
    const r = await client.chat.completions.create({ model: 'gemini',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello there' }] });
    assert.equal(r.choices[0].message.content, 'gemini: hello there');
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.equal(r.model, 'gemini-2.5-flash-001');
    assert.equal(r.id, `fake${upstream.received.length}`);
    assert.deepEqual(r.usage, { prompt_tokens: 11, completion_tokens: 12, total_tokens: 23,
      completion_tokens_details: { reasoning_tokens: 5 } });
    const sent = upstream.received.at(-1);
    assert.equal(sent.path, '/v1beta/models/gemini-2.5-flash:generateContent');
    assert.equal(sent.headers['x-goog-api-key'], 'AIza-fake');
    assert.deepEqual(sent.body.systemInstruction, { parts: [{ text: 'Be brief.' }] });
    assert.deepEqual(sent.body.contents, [{ role: 'user', parts: [{ text: 'hello there' }] }]);
  }));

  it('stream: deltas, finish_reason and the usage chunk', logged(async () => {
    const stream = await client.chat.completions.create({ model: 'gemini', stream: true,
      stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'stream me please' }] });
    const { text, finish, usage } = await drain(stream);
    assert.equal(text, 'gemini: stream me please');
    assert.equal(finish, 'stop');
    assert.equal(usage.prompt_tokens, 11);
    assert.equal(usage.completion_tokens, 12);
    assert.equal(usage.completion_tokens_details.reasoning_tokens, 5);
    assert.equal(upstream.received.at(-1).path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
  }));

  it('tool call, then the tool result round trip carries the thought signature back', logged(async () => {
    const first = await client.chat.completions.create({ model: 'gemini', tools: [weatherTool],
      messages: [{ role: 'user', content: 'what is the weather in Paris?' }] });
    const call = first.choices[0].message.tool_calls[0];
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { location: 'Paris' });
    assert.match(call.id, /^call_0_ts_[A-Za-z0-9_-]+$/);
    const second = await client.chat.completions.create({ model: 'gemini', tools: [weatherTool], messages: [
      { role: 'user', content: 'what is the weather in Paris?' },
      first.choices[0].message,
      { role: 'tool', tool_call_id: call.id, content: '18C and sunny' },
      { role: 'user', content: 'thanks, summarise' },
    ] });
    assert.equal(second.choices[0].message.content, 'gemini: thanks, summarise');
    const sent = upstream.received.at(-1).body.contents;
    assert.deepEqual(sent.map((c) => c.role), ['user', 'model', 'user']);
    assert.ok(sent[1].parts[0].thoughtSignature, 'signature restored on the functionCall part');
    assert.deepEqual(sent[2].parts[0], { functionResponse: { name: 'get_weather', response: { output: '18C and sunny' } } });
  }));

  it('a tool call id whose signature was altered is refused by Gemini, as the real API does', logged(async () => {
    const first = await client.chat.completions.create({ model: 'gemini', tools: [weatherTool],
      messages: [{ role: 'user', content: 'weather in Paris?' }] });
    const message = structuredClone(first.choices[0].message);
    message.tool_calls[0].id = message.tool_calls[0].id.slice(0, -2) + 'AA';
    await assert.rejects(client.chat.completions.create({ model: 'gemini', tools: [weatherTool], messages: [
      { role: 'user', content: 'weather in Paris?' }, message,
      { role: 'tool', tool_call_id: message.tool_calls[0].id, content: '18C' }] }),
    (e) => e instanceof OpenAI.BadRequestError && /Corrupted thought signature/.test(e.message));
  }));

  it('parallel tool calls streamed: each arrives whole with its own id', logged(async () => {
    const stream = await client.chat.completions.create({ model: 'gemini', stream: true, tools: [weatherTool],
      messages: [{ role: 'user', content: 'weather for two cities please' }] });
    const { calls, finish } = await drain(stream);
    assert.equal(finish, 'tool_calls');
    assert.equal(calls.length, 2);
    assert.match(calls[0].id, /^call_0_ts_/);
    assert.equal(calls[1].id, 'call_1');
    assert.deepEqual(calls.map((c) => JSON.parse(c.args).location), ['Paris', 'London']);
    // Both results go back in one user turn, named after their calls.
    const r = await client.chat.completions.create({ model: 'gemini', tools: [weatherTool], messages: [
      { role: 'user', content: 'weather for two cities please' },
      { role: 'assistant', content: null, tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.args } })) },
      { role: 'tool', tool_call_id: calls[0].id, content: '{"temp_c": 18}' },
      { role: 'tool', tool_call_id: calls[1].id, content: '{"temp_c": 12}' },
    ] });
    assert.equal(r.choices[0].finish_reason, 'stop');
    const last = upstream.received.at(-1).body.contents.at(-1);
    assert.deepEqual(last.parts.map((p) => p.functionResponse.response), [{ temp_c: 18 }, { temp_c: 12 }]);
  }));

  it('json_schema: responseJsonSchema sent, JSON content returned', logged(async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
    const r = await client.chat.completions.create({ model: 'gemini', messages: [{ role: 'user', content: 'a city' }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema } } });
    assert.deepEqual(JSON.parse(r.choices[0].message.content), { city: 'gemini' });
    const g = upstream.received.at(-1).body.generationConfig;
    assert.equal(g.responseMimeType, 'application/json');
    assert.deepEqual(g.responseJsonSchema, schema);
  }));

  it('images: a data URL goes inline, an https link as fileData', logged(async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const r = await client.chat.completions.create({ model: 'gemini', messages: [{ role: 'user', content: [
      { type: 'text', text: 'compare' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
      { type: 'image_url', image_url: { url: 'https://example.org/cat.webp' } }] }] });
    assert.equal(r.choices[0].message.content, 'gemini: compare [images: 2]');
    assert.deepEqual(upstream.received.at(-1).body.contents[0].parts.slice(1), [
      { inlineData: { mimeType: 'image/png', data: png } },
      { fileData: { mimeType: 'image/webp', fileUri: 'https://example.org/cat.webp' } }]);
  }));

  it('an image link Gemini cannot take -> 400 naming the field, nothing sent upstream', logged(async () => {
    const before = upstream.received.length;
    await assert.rejects(client.chat.completions.create({ model: 'gemini', messages: [{ role: 'user', content: [
      { type: 'image_url', image_url: { url: 'https://example.org/picture' } }] }] }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'messages[0].content[0].image_url');
    assert.equal(upstream.received.length, before);
  }));

  it('a prompt Gemini blocks -> finish_reason content_filter', logged(async () => {
    const r = await client.chat.completions.create({ model: 'gemini', messages: [{ role: 'user', content: 'blockme' }] });
    assert.equal(r.choices[0].finish_reason, 'content_filter');
    assert.equal(r.choices[0].message.content, '');
  }));

  it('errors: 503 UNAVAILABLE, 429 with RetryInfo, a wrong key, an unknown model', logged(async () => {
    await assert.rejects(client.chat.completions.create({ model: 'gemini', messages: [{ role: 'user', content: 'overload now' }] }),
      (e) => e instanceof OpenAI.APIError && e.status === 503 && /overloaded/.test(e.message));
    await assert.rejects(client.chat.completions.create({ model: 'gemini', messages: [{ role: 'user', content: 'quota please' }] }),
      (e) => e instanceof OpenAI.RateLimitError && e.headers.get('retry-after') === '3');
    await assert.rejects(client.chat.completions.create({ model: 'gemini-badkey', messages: [{ role: 'user', content: 'hi' }] }),
      (e) => e instanceof OpenAI.AuthenticationError && /API key not valid/.test(e.message));
    await assert.rejects(client.chat.completions.create({ model: 'gemini-missing', messages: [{ role: 'user', content: 'hi' }] }),
      (e) => e instanceof OpenAI.NotFoundError && /not found for API version/.test(e.message));
  }));

  it('an error event inside the stream reaches the SDK as an error', logged(async () => {
    const stream = await client.chat.completions.create({ model: 'gemini', stream: true,
      messages: [{ role: 'user', content: 'fail midstream please' }] });
    await assert.rejects(drain(stream), /overloaded/);
  }));
});

const anthropicTool = { name: 'get_weather', description: 'Weather for a city',
  input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } };

describe('@anthropic-ai/sdk -> /v1/messages -> Gemini', () => {
  it('messages.stream assembles the final message', logged(async () => {
    const stream = anthropic.messages.stream({ model: 'gemini', max_tokens: 100, system: 'Be brief.',
      messages: [{ role: 'user', content: 'hello there' }] });
    let text = '';
    stream.on('text', (t) => { text += t; });
    const final = await stream.finalMessage();
    assert.equal(text, 'gemini: hello there');
    assert.equal(final.content[0].text, 'gemini: hello there');
    assert.equal(final.stop_reason, 'end_turn');
    assert.equal(final.usage.output_tokens, 12);
    assert.equal(upstream.received.at(-1).body.generationConfig.maxOutputTokens, 100);
  }));

  it('tool use streamed, then the tool_result turn goes back with the signature', logged(async () => {
    const final = await anthropic.messages.stream({ model: 'gemini', max_tokens: 100, tools: [anthropicTool],
      messages: [{ role: 'user', content: 'what is the weather in Paris?' }] }).finalMessage();
    const use = final.content.find((b) => b.type === 'tool_use');
    assert.ok(use, JSON.stringify(final));
    assert.equal(final.stop_reason, 'tool_use');
    assert.deepEqual(use.input, { location: 'Paris' });
    const msg = await anthropic.messages.create({ model: 'gemini', max_tokens: 100, tools: [anthropicTool], messages: [
      { role: 'user', content: 'what is the weather in Paris?' },
      { role: 'assistant', content: final.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18C' }, { type: 'text', text: 'thanks' }] },
    ] });
    assert.equal(msg.content[0].text, 'gemini: thanks');
    const sent = upstream.received.at(-1).body.contents;
    assert.ok(sent[1].parts.find((p) => p.functionCall).thoughtSignature);
    assert.equal(sent[2].parts[0].functionResponse.name, 'get_weather');
  }));
});
