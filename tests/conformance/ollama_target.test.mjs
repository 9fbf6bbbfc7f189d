// The openai SDK, unchanged, against a gateway whose models are served by Ollama's native /api/chat (a strict
// fake of it): text with usage from Ollama's eval counts, NDJSON streams, tool calls (streamed or not) and the
// tool-result round trip named by tool_name, JSON schema output as `format`, base64 images, num_predict, and
// Ollama's 404 for a model it has not pulled.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway, logged } from '../lib/harness.mjs';
import { startFakeOllama } from '../lib/fake_ollama.mjs';

let upstream, gw, client;
before(async () => {
  upstream = await startFakeOllama();
  const target = (name, model) => `  - name: ${name}
    targets:
      - provider: ollama
        model: ${model}
        api_base: ${upstream.url}
`;
  // The unknown-model test expects Ollama's 404 to reach the client as is: no retries, no breaker opening.
  gw = await startGateway({ config: `routing:
  retries: {max_retries: 0}
  breaker: {consecutive_failures: 1000, min_requests: 1000}
models:
${target('local', 'llama3.2')}${target('vision', 'llava')}${target('local-missing', 'not-pulled')}` });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
});
after(async () => { await gw?.stop(); await upstream?.close(); });

const weatherTool = { type: 'function', function: { name: 'get_weather', description: 'Weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } };

async function drain(stream) {
  let text = '', finish = null, usage = null, chunks = 0;
  const calls = [];
  for await (const chunk of stream) {
    ++chunks;
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
  return { text, finish, usage, calls, chunks };
}

const lastSent = () => upstream.received.at(-1);

describe('openai SDK -> modelmux -> Ollama /api/chat', () => {
  it('chat: reply, finish_reason stop, usage from prompt_eval_count/eval_count', logged(async () => {
    const r = await client.chat.completions.create({ model: 'local',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello there' }] });
    assert.equal(r.choices[0].message.content, 'ollama: hello there');
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.equal(r.model, 'llama3.2');
    // prompt: "Be brief." + "hello there" = 4 words; reply: 3 words.
    assert.equal(r.usage.prompt_tokens, 4);
    assert.equal(r.usage.completion_tokens, 3);
    assert.equal(r.usage.total_tokens, 7);
    const sent = lastSent();
    assert.equal(sent.path, '/api/chat');
    assert.match(sent.headers['content-type'], /^application\/json/);
    assert.deepEqual(sent.body, { model: 'llama3.2', stream: false,
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello there' }] });
  }));

  it('sampling parameters go into options under Ollama\'s names', logged(async () => {
    await client.chat.completions.create({ model: 'local', temperature: 0.25, top_p: 0.5, seed: 101, stop: ['END'],
      messages: [{ role: 'user', content: 'hi' }] });
    assert.deepEqual(lastSent().body.options, { temperature: 0.25, top_p: 0.5, seed: 101, stop: ['END'] });
  }));

  it('provider_options.ollama fields (keep_alive, think, top_k) reach /api/chat; other providers\' do not', logged(async () => {
    const r = await client.chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'hi' }],
      provider_options: { ollama: { keep_alive: '10m', think: false, options: { top_k: 5 } }, gemini: { topK: 3 } } });
    assert.equal(r.choices[0].message.content, 'ollama: hi');
    const sent = lastSent().body;
    assert.equal(sent.keep_alive, '10m');
    assert.equal(sent.think, false);
    assert.deepEqual(sent.options, { top_k: 5 });
    assert.equal(sent.provider_options, undefined);
    assert.equal(sent.topK, undefined);
  }));

  it('stream: NDJSON lines become deltas, final finish_reason, usage chunk with include_usage', logged(async () => {
    const stream = await client.chat.completions.create({ model: 'local', stream: true,
      stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'stream me please' }] });
    const { text, finish, usage, chunks } = await drain(stream);
    assert.equal(text, 'ollama: stream me please');
    assert.equal(finish, 'stop');
    assert.ok(chunks >= 4, `one delta per NDJSON line at least (got ${chunks} chunks)`);
    assert.equal(usage.prompt_tokens, 3);
    assert.equal(usage.completion_tokens, 4);
    assert.equal(usage.total_tokens, 7);
    assert.equal(lastSent().body.stream, true);
  }));

  it('stream without include_usage sends no usage chunk', logged(async () => {
    const { text, usage } = await drain(await client.chat.completions.create({ model: 'local', stream: true,
      messages: [{ role: 'user', content: 'quiet stream' }] }));
    assert.equal(text, 'ollama: quiet stream');
    assert.equal(usage, null);
  }));

  it('tool call: finish_reason tool_calls, arguments as a JSON string of Ollama\'s object', logged(async () => {
    const r = await client.chat.completions.create({ model: 'local', tools: [weatherTool],
      messages: [{ role: 'user', content: 'use the tool for Paris' }] });
    const choice = r.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.tool_calls.length, 1);
    const call = choice.message.tool_calls[0];
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.equal(typeof call.function.arguments, 'string');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
    assert.ok(call.id, 'the gateway gives the call an id even though Ollama sends none');
    assert.deepEqual(lastSent().body.tools, [weatherTool]);
  }));

  it('streamed tool call: one whole call, finish_reason tool_calls', logged(async () => {
    const { calls, finish, text } = await drain(await client.chat.completions.create({ model: 'local', stream: true,
      tools: [weatherTool], messages: [{ role: 'user', content: 'call a tool please' }] }));
    assert.equal(finish, 'tool_calls');
    assert.equal(text, '');
    assert.equal(calls.length, 1);
    assert.ok(calls[0].id);
    assert.equal(calls[0].name, 'get_weather');
    assert.deepEqual(JSON.parse(calls[0].args), { city: 'Paris' });
  }));

  it('parallel calls in one NDJSON line: each its own index, so finalChatCompletion() has both whole', logged(async () => {
    const stream = client.chat.completions.stream({ model: 'local', tools: [weatherTool],
      messages: [{ role: 'user', content: 'call two tools please' }] });
    const done = await stream.finalChatCompletion();
    const calls = done.choices[0].message.tool_calls;
    assert.equal(done.choices[0].finish_reason, 'tool_calls');
    assert.deepEqual(calls.map((c) => JSON.parse(c.function.arguments)), [{ city: 'Paris' }, { city: 'Lyon' }]);
    assert.notEqual(calls[0].id, calls[1].id);
  }));

  it('tool result round trip: arguments back as an object, the result named by tool_name', logged(async () => {
    const first = await client.chat.completions.create({ model: 'local', tools: [weatherTool],
      messages: [{ role: 'user', content: 'use the tool for Paris' }] });
    const call = first.choices[0].message.tool_calls[0];
    const second = await client.chat.completions.create({ model: 'local', tools: [weatherTool], messages: [
      { role: 'user', content: 'use the tool for Paris' },
      first.choices[0].message,
      { role: 'tool', tool_call_id: call.id, content: '18C and sunny' },
      { role: 'user', content: 'thanks, summarise' },
    ] });
    assert.equal(second.choices[0].message.content, 'ollama: thanks, summarise');
    assert.equal(second.choices[0].finish_reason, 'stop');
    const sent = lastSent().body.messages;
    assert.deepEqual(sent.map((m) => m.role), ['user', 'assistant', 'tool', 'user']);
    assert.deepEqual(sent[1].tool_calls, [{ function: { name: 'get_weather', arguments: { city: 'Paris' } } }]);
    assert.equal(sent[1].content ?? '', '');
    assert.deepEqual(sent[2], { role: 'tool', content: '18C and sunny', tool_name: 'get_weather' });
  }));

  it('response_format json_schema -> format is the schema, content parses', logged(async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' }, population: { type: 'integer' } },
      required: ['city', 'population'], additionalProperties: false };
    const r = await client.chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'a city' }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', strict: true, schema } } });
    assert.deepEqual(JSON.parse(r.choices[0].message.content), { city: 'x', population: 1 });
    assert.deepEqual(lastSent().body.format, schema);
  }));

  it('response_format json_object -> format "json"', logged(async () => {
    const r = await client.chat.completions.create({ model: 'local', messages: [{ role: 'user', content: 'json please' }],
      response_format: { type: 'json_object' } });
    assert.deepEqual(JSON.parse(r.choices[0].message.content), { text: 'ollama: json please' });
    assert.equal(lastSent().body.format, 'json');
  }));

  it('image as a data URL -> bare base64 in the message\'s images', logged(async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const r = await client.chat.completions.create({ model: 'vision', messages: [{ role: 'user', content: [
      { type: 'text', text: 'what is this?' },
      { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }] }] });
    assert.equal(r.choices[0].message.content, 'ollama: saw 1 image(s)');
    assert.deepEqual(lastSent().body.messages, [{ role: 'user', content: 'what is this?', images: [png] }]);
  }));

  it('an image link Ollama cannot fetch -> 400, nothing sent upstream', logged(async () => {
    const before = upstream.received.length;
    await assert.rejects(client.chat.completions.create({ model: 'vision', messages: [{ role: 'user', content: [
      { type: 'image_url', image_url: { url: 'https://example.org/cat.png' } }] }] }),
    (e) => e instanceof OpenAI.BadRequestError && e.status === 400);
    assert.equal(upstream.received.length, before);
  }));

  it('max_tokens -> options.num_predict; a capped reply ends with finish_reason length', logged(async () => {
    const r = await client.chat.completions.create({ model: 'local', max_tokens: 2,
      messages: [{ role: 'user', content: 'tell me a long story' }] });
    assert.equal(lastSent().body.options.num_predict, 2);
    assert.equal(r.choices[0].message.content, 'ollama: tell');
    assert.equal(r.choices[0].finish_reason, 'length');
    assert.equal(r.usage.completion_tokens, 2);
    await client.chat.completions.create({ model: 'local', max_completion_tokens: 50,
      messages: [{ role: 'user', content: 'short' }] });
    assert.equal(lastSent().body.options.num_predict, 50);
  }));

  it('a model Ollama has not pulled -> the SDK raises NotFoundError (404) with Ollama\'s message', logged(async () => {
    await assert.rejects(client.chat.completions.create({ model: 'local-missing', messages: [{ role: 'user', content: 'hi' }] }),
      (e) => e instanceof OpenAI.NotFoundError && e.status === 404 && /not-pulled.*not found/.test(e.message));
    assert.equal(lastSent().body.model, 'not-pulled');
    await assert.rejects(client.chat.completions.create({ model: 'local-missing', stream: true,
      messages: [{ role: 'user', content: 'hi' }] }).then(drain),
    (e) => e instanceof OpenAI.NotFoundError && e.status === 404);
  }));
});
