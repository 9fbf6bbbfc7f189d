// The openai SDK, unchanged, against a gateway whose model is served by Anthropic's Messages API (a strict
// fake of it): text, streaming with usage, tool calls with streamed arguments, and errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway, logged } from '../lib/harness.mjs';
import { startFakeAnthropic } from '../lib/fake_anthropic.mjs';

let upstream, gw, client;
before(async () => {
  upstream = await startFakeAnthropic();
  gw = await startGateway({ config: `models:
  - name: claude
    targets:
      - provider: anthropic
        model: claude-sonnet-4-5
        api_base: ${upstream.url}/v1
        api_key: sk-ant-fake
` });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
});
after(async () => { await gw?.stop(); await upstream?.close(); });

const weatherTool = { type: 'function', function: { name: 'get_weather', description: 'Weather for a city',
  parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } } };

describe('openai SDK -> modelmux -> Anthropic', () => {
  it('chat: system prompt lifted out, reply translated', logged(async () => {
    const r = await client.chat.completions.create({ model: 'claude',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello there' }] });
    assert.equal(r.choices[0].message.content, 'anthropic: hello there');
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.equal(r.model, 'claude-sonnet-4-5-20250929');
    assert.equal(r.usage.prompt_tokens, 10);
    assert.equal(r.usage.completion_tokens, 7);
    const sent = upstream.received.at(-1).body;
    assert.equal(sent.system, 'Be brief.');
    assert.equal(sent.max_tokens, 4096);
    assert.deepEqual(sent.messages, [{ role: 'user', content: 'hello there' }]);
  }));

  it('stream: deltas, finish_reason and the usage chunk', logged(async () => {
    const stream = await client.chat.completions.create({ model: 'claude', stream: true,
      stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'stream me please' }] });
    let text = '', finish = null, usage = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        text += c.delta?.content ?? '';
        finish = c.finish_reason ?? finish;
      }
    }
    assert.equal(text, 'anthropic: stream me please');
    assert.equal(finish, 'stop');
    assert.equal(usage.prompt_tokens, 10);
    assert.equal(usage.completion_tokens, 7);
  }));

  it('response_format json_object is honoured (a schema-less answer tool, forced), not dropped', logged(async () => {
    const r = await client.chat.completions.create({ model: 'claude', response_format: { type: 'json_object' },
      messages: [{ role: 'user', content: 'reply in JSON' }] });
    assert.equal(typeof JSON.parse(r.choices[0].message.content), 'object');
    const sent = upstream.received.at(-1).body;
    assert.deepEqual(sent.tool_choice, { type: 'tool', name: sent.tools.at(-1).name });
    assert.deepEqual(sent.tools.at(-1).input_schema, { type: 'object' });
  }));

  it('tool call, not streamed, then the tool result round trip', logged(async () => {
    const first = await client.chat.completions.create({ model: 'claude', tools: [weatherTool],
      messages: [{ role: 'user', content: 'what is the weather in Paris?' }] });
    const call = first.choices[0].message.tool_calls[0];
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { location: 'Paris' });
    const second = await client.chat.completions.create({ model: 'claude', tools: [weatherTool], messages: [
      { role: 'user', content: 'what is the weather in Paris?' },
      first.choices[0].message,
      { role: 'tool', tool_call_id: call.id, content: '18C and sunny' },
      { role: 'user', content: 'thanks, summarise' },
    ] });
    assert.equal(second.choices[0].message.content, 'anthropic: thanks, summarise');
    const sent = upstream.received.at(-1).body.messages;
    assert.deepEqual(sent.map((m) => m.role), ['user', 'assistant', 'user']);
    assert.deepEqual(sent[2].content[0], { type: 'tool_result', tool_use_id: call.id, content: '18C and sunny' });
  }));

  it('a streamed call of a tool without parameters ends with arguments {}, which finalChatCompletion() parses', logged(async () => {
    const clock = { type: 'function', function: { name: 'get_time', description: 'The time here.', parameters: { type: 'object', properties: {} } } };
    const stream = client.chat.completions.stream({ model: 'claude', tools: [clock],
      messages: [{ role: 'user', content: 'what time is it (the fake calls a tool on the word weather)' }] });
    const done = await stream.finalChatCompletion();
    const [call] = done.choices[0].message.tool_calls;
    assert.equal(call.function.name, 'get_time');
    assert.equal(call.function.arguments, '{}');
    assert.equal(done.choices[0].finish_reason, 'tool_calls');
  }));

  it('tool call streamed: arguments arrive in pieces and assemble', logged(async () => {
    const stream = await client.chat.completions.create({ model: 'claude', stream: true, tools: [weatherTool],
      messages: [{ role: 'user', content: 'weather in Paris, streamed' }] });
    const calls = [];
    let finish = null;
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        for (const tc of c.delta?.tool_calls ?? []) {
          calls[tc.index] ??= { id: tc.id, name: tc.function?.name, args: '' };
          calls[tc.index].args += tc.function?.arguments ?? '';
        }
        finish = c.finish_reason ?? finish;
      }
    }
    assert.equal(calls.length, 1);
    assert.equal(calls[0].id, 'toolu_fake1');
    assert.equal(calls[0].name, 'get_weather');
    assert.deepEqual(JSON.parse(calls[0].args), { location: 'Paris' });
    assert.equal(finish, 'tool_calls');
  }));

  it('Anthropic 529 overloaded -> an APIError with status 503', logged(async () => {
    await assert.rejects(client.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'overload now' }] }),
      (err) => err instanceof OpenAI.APIError && err.status === 503 && /Overloaded/.test(err.message));
  }));

  it('an error event inside the stream reaches the SDK as an error', logged(async () => {
    const stream = await client.chat.completions.create({ model: 'claude', stream: true,
      messages: [{ role: 'user', content: 'fail midstream please' }] });
    await assert.rejects((async () => { for await (const _ of stream) { /* drain */ } })(), /Overloaded/);
  }));
});
