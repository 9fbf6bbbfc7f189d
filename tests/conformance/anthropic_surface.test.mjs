// The official @anthropic-ai/sdk against modelmux's /v1/messages, with an OpenAI-format upstream (the
// mock-server) and an Anthropic upstream (the strict fake) behind it: text, streams, tool use, errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startGateway, startMock, logged } from '../lib/harness.mjs';
import { startFakeAnthropic } from '../lib/fake_anthropic.mjs';

let mock, fakeAnthropic, gw, client;
before(async () => {
  [mock, fakeAnthropic] = await Promise.all([startMock([]), startFakeAnthropic()]);
  gw = await startGateway({ config: `models:
  - name: gpt-behind
    targets:
      - provider: openai
        model: gpt-4o-mini
        api_base: ${mock.url}/v1
        api_key: sk-openai
  - name: claude-behind
    targets:
      - provider: anthropic
        model: claude-sonnet-4-5
        api_base: ${fakeAnthropic.url}/v1
        api_key: sk-ant-fake
` });
  client = new Anthropic({ baseURL: gw.url, apiKey: 'x', maxRetries: 0 });
});
after(async () => { await Promise.all([gw?.stop(), mock?.stop(), fakeAnthropic?.close()]); });

const tool = { name: 'get_weather', description: 'Weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };

for (const model of ['gpt-behind', 'claude-behind']) {
  const expected = model === 'gpt-behind' ? 'mock: hello there' : 'anthropic: hello there';
  describe(`@anthropic-ai/sdk -> /v1/messages -> ${model}`, () => {
    it('messages.create', logged(async () => {
      const msg = await client.messages.create({ model, max_tokens: 100, system: 'Be brief.',
        messages: [{ role: 'user', content: 'hello there' }] });
      assert.equal(msg.type, 'message');
      assert.equal(msg.role, 'assistant');
      assert.equal(msg.content[0].type, 'text');
      assert.equal(msg.content[0].text, expected);
      assert.equal(msg.stop_reason, 'end_turn');
      assert.ok(msg.usage.output_tokens > 0);
    }));
    it('messages.stream assembles the final message', logged(async () => {
      const stream = client.messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: 'hello there' }] });
      let text = '';
      stream.on('text', (t) => { text += t; });
      const final = await stream.finalMessage();
      assert.equal(text, expected);
      assert.equal(final.content[0].text, expected);
      assert.equal(final.stop_reason, 'end_turn');
      assert.ok(final.usage.output_tokens > 0);
    }));
  });
}

describe('tool use through the Anthropic surface with an OpenAI upstream', () => {
  it('messages.create returns a tool_use block with a parsed input', logged(async () => {
    const msg = await client.messages.create({ model: 'gpt-behind', max_tokens: 100, tools: [tool],
      messages: [{ role: 'user', content: 'use the tool please' }] });
    const use = msg.content.find((b) => b.type === 'tool_use');
    assert.ok(use, JSON.stringify(msg));
    assert.equal(use.name, 'get_weather');
    assert.deepEqual(use.input, { city: 'Paris' });
    assert.equal(msg.stop_reason, 'tool_use');
  }));
  it('streamed: input_json_delta pieces assemble into the input', logged(async () => {
    const final = await client.messages.stream({ model: 'gpt-behind', max_tokens: 100, tools: [tool],
      messages: [{ role: 'user', content: 'use the tool please' }] }).finalMessage();
    const use = final.content.find((b) => b.type === 'tool_use');
    assert.deepEqual(use.input, { city: 'Paris' });
    assert.equal(final.stop_reason, 'tool_use');
  }));
  it('a tool_result turn reaches the OpenAI upstream as a tool message', logged(async () => {
    const msg = await client.messages.create({ model: 'gpt-behind', max_tokens: 100, tools: [tool], messages: [
      { role: 'user', content: 'use the tool please' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'call_mock1', name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_mock1', content: '18C' }, { type: 'text', text: 'thanks' }] },
    ] });
    assert.equal(msg.content[0].text, 'mock: thanks');
  }));
});

describe('errors in Anthropic format', () => {
  it('unknown model -> NotFoundError', logged(async () => {
    await assert.rejects(client.messages.create({ model: 'nope', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      (e) => e instanceof Anthropic.NotFoundError && e.error?.error?.type === 'not_found_error');
  }));
  it('missing max_tokens -> BadRequestError', logged(async () => {
    await assert.rejects(client.messages.create({ model: 'gpt-behind', messages: [{ role: 'user', content: 'x' }] }),
      (e) => e instanceof Anthropic.BadRequestError && /max_tokens/.test(e.message));
  }));
  it('upstream overloaded (529) stays 529', logged(async () => {
    await assert.rejects(client.messages.create({ model: 'claude-behind', max_tokens: 10,
      messages: [{ role: 'user', content: 'overload now' }] }), (e) => e.status === 529);
  }));
});
