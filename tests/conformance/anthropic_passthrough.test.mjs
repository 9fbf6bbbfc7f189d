// The official @anthropic-ai/sdk through modelmux to an Anthropic upstream: the pass-through path. The
// upstream must receive the client's body byte for byte apart from `model`, with the client's anthropic-beta
// header; thinking blocks keep their signatures both ways (whole and streamed) and cache_control survives,
// its cache reads and writes reaching the client's usage, the access log and the cost.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startGateway, accessLogLine, logged } from '../lib/harness.mjs';
import { startFakeAnthropic } from '../lib/fake_anthropic.mjs';

let fake, gw, client;
const sent = [];  // the SDK's own request bodies, as it put them on the wire

before(async () => {
  fake = await startFakeAnthropic();
  gw = await startGateway({ config: `models:
  - name: claude-behind
    targets:
      - provider: anthropic
        model: claude-sonnet-4-5
        api_base: ${fake.url}/v1
        api_key: sk-ant-fake
` });
  const recordingFetch = async (url, init) => {
    sent.push(typeof init?.body === 'string' ? init.body : '');
    return fetch(url, init);
  };
  client = new Anthropic({ baseURL: gw.url, apiKey: 'x', maxRetries: 0, fetch: recordingFetch });
});
after(async () => { await Promise.all([gw?.stop(), fake?.close()]); });

const lastRaw = () => fake.received[fake.received.length - 1].raw;
const expectedUpstream = (clientBody) => clientBody.replace('"model":"claude-behind"', '"model":"claude-sonnet-4-5"');

// A conversation with what only an Anthropic upstream understands: system blocks with cache_control, a
// thinking block with its signature, tool use, metadata, a `thinking` budget, documents (inline and by URL).
function richRequest(thought) {
  return {
    model: 'claude-behind',
    max_tokens: 2048,
    system: [{ type: 'text', text: 'You are a weather bot.', cache_control: { type: 'ephemeral' } }],
    thinking: { type: 'enabled', budget_tokens: 1024 },
    metadata: { user_id: 'user-42' },
    tools: [{ name: 'get_weather', description: 'Weather for a city',
      input_schema: { type: 'object', properties: { city: { type: 'string' } } }, cache_control: { type: 'ephemeral' } }],
    messages: [
      { role: 'user', content: 'weather in Paris?' },
      { role: 'assistant', content: [
        { type: 'thinking', thinking: thought, signature: `sig:${thought}` },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '18C' },
        { type: 'document', source: { type: 'url', url: 'https://example.com/forecast.pdf' }, citations: { enabled: true } },
        { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Rain at noon.' }, title: 'notes' },
        { type: 'text', text: 'and tomorrow?', cache_control: { type: 'ephemeral' } }] },
    ],
  };
}

describe('@anthropic-ai/sdk -> modelmux -> Anthropic upstream (pass-through)', () => {
  it('the upstream receives the client body byte for byte, model aside, and the anthropic-beta header', logged(async () => {
    await client.messages.create(richRequest('I should call the tool.'),
      { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14', 'x-request-id': 'pt-bytes' } });
    assert.equal(lastRaw(), expectedUpstream(sent[sent.length - 1]));
    const headers = fake.received[fake.received.length - 1].headers;
    assert.equal(headers['anthropic-beta'], 'interleaved-thinking-2025-05-14');
    assert.equal(headers['x-api-key'], 'sk-ant-fake', 'the client key is replaced by the target key');
  }));

  it('a thinking block and its signature come back whole, and go up again accepted', logged(async () => {
    const first = await client.messages.create({ model: 'claude-behind', max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'think about rain' }] });
    const thinking = first.content.find((b) => b.type === 'thinking');
    assert.ok(thinking, JSON.stringify(first));
    assert.equal(thinking.signature, `sig:${thinking.thinking}`);
    // The fake refuses a thinking block whose signature is not the one it gave.
    const second = await client.messages.create({ model: 'claude-behind', max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [
        { role: 'user', content: 'think about rain' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: 'and snow?' }] });
    assert.equal(second.content.find((b) => b.type === 'text').text, 'anthropic: and snow?');
    assert.equal(lastRaw(), expectedUpstream(sent[sent.length - 1]));
  }));

  it('streamed: thinking and signature deltas reach the client as the upstream sent them', logged(async () => {
    const stream = client.messages.stream({ model: 'claude-behind', max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: 'think about wind' }] });
    const signatures = [];
    stream.on('signature', (s) => signatures.push(s));
    const final = await stream.finalMessage();
    const thinking = final.content.find((b) => b.type === 'thinking');
    assert.equal(thinking.thinking, 'Thinking about think about wind.');
    assert.equal(thinking.signature, 'sig:Thinking about think about wind.');
    assert.deepEqual(signatures, ['sig:Thinking about think about wind.']);
    assert.equal(final.content.find((b) => b.type === 'text').text, 'anthropic: think about wind');
  }));

  it('cache_control survives: cache reads and writes reach the usage, the access log and the cost', logged(async () => {
    const msg = await client.messages.create(richRequest('Caching.'), { headers: { 'x-request-id': 'pt-cache' } });
    assert.equal(msg.usage.cache_creation_input_tokens, 50);
    assert.equal(msg.usage.cache_read_input_tokens, 20);
    const line = await accessLogLine(gw, 'pt-cache');
    assert.equal(line.prompt_tokens, 80, 'input, cache writes and cache reads');
    assert.equal(line.cached_tokens, 20);
    assert.equal(line.cache_write_tokens, 50);
    // claude-sonnet-4-5: $3/M input, $3.75/M cache writes, $0.30/M cache reads, $15/M output.
    const expected = (10 * 3 + 50 * 3.75 + 20 * 0.3 + 7 * 15) / 1e6;
    assert.ok(Math.abs(line.cost_usd - expected) < 1e-12, `${line.cost_usd} != ${expected}`);
  }));

  it('a streamed reply reads its usage on the way: the access log has tokens and cost', logged(async () => {
    const stream = client.messages.stream({ model: 'claude-behind', max_tokens: 100,
      messages: [{ role: 'user', content: 'hello stream' }] }, { headers: { 'x-request-id': 'pt-stream-usage' } });
    await stream.finalMessage();
    const line = await accessLogLine(gw, 'pt-stream-usage');
    assert.equal(line.stream, true);
    assert.equal(line.prompt_tokens, 10);
    assert.equal(line.completion_tokens, 7);
    assert.ok(Math.abs(line.cost_usd - (10 * 3 + 7 * 15) / 1e6) < 1e-12, String(line.cost_usd));
  }));

  it('upstream errors keep Anthropic\'s shape and status (529 overloaded)', logged(async () => {
    await assert.rejects(client.messages.create({ model: 'claude-behind', max_tokens: 10,
      messages: [{ role: 'user', content: 'overload please' }] }), (e) => {
      assert.equal(e.status, 529);
      assert.equal(e.error?.error?.type, 'overloaded_error');
      return true;
    });
  }));
});
