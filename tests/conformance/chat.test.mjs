// Chat completions through the official openai SDK: the built-in `mock` model and a pass-through
// model (`fast`, provider openai -> mock-server), non-streaming and streaming.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway, startMock, gatewayConfig, lastUpstreamRequest, logged } from '../lib/harness.mjs';

const UPSTREAM_KEY = 'sk-upstream-from-env';

let mock, gw, client;

before(async () => {
  mock = await startMock([]);
  gw = await startGateway({
    config: gatewayConfig({
      models: [{ name: 'fast', model: 'gpt-4o-mini', api_base: `${mock.url}/v1`, api_key: '${MODELMUX_TEST_UPSTREAM_KEY}' }],
    }),
    env: { MODELMUX_TEST_UPSTREAM_KEY: UPSTREAM_KEY },
  });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0, timeout: 8_000 });
});

after(async () => {
  await gw?.stop();
  await mock?.stop();
});

function assertUsage(usage) {
  assert.ok(usage, 'usage present');
  assert.ok(Number.isInteger(usage.prompt_tokens) && usage.prompt_tokens > 0, `prompt_tokens > 0: ${JSON.stringify(usage)}`);
  assert.ok(Number.isInteger(usage.completion_tokens) && usage.completion_tokens > 0, `completion_tokens > 0: ${JSON.stringify(usage)}`);
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens, 'total_tokens = prompt + completion');
}

function assertCompletion(c, expectedContent) {
  assert.equal(typeof c, 'object', `completion is parsed JSON (content-type application/json), got ${typeof c}: ${String(c).slice(0, 200)}`);
  assert.equal(c.object, 'chat.completion');
  assert.ok(typeof c.id === 'string' && c.id.length > 0, 'id');
  assert.ok(Number.isInteger(c.created) && c.created > 0, 'created');
  assert.ok(typeof c.model === 'string' && c.model.length > 0, 'model');
  assert.equal(c.choices.length, 1);
  assert.equal(c.choices[0].index, 0);
  assert.equal(c.choices[0].message.role, 'assistant');
  assert.equal(c.choices[0].message.content, expectedContent);
  assert.equal(c.choices[0].finish_reason, 'stop');
  assertUsage(c.usage);
}

/** Reads an SDK stream to the end and checks the chunk-level contract. */
async function collectStream(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.ok(chunks.length > 0, 'stream yielded chunks');
  for (const c of chunks) {
    assert.equal(c.object, 'chat.completion.chunk', `chunk object: ${JSON.stringify(c)}`);
    assert.ok(typeof c.id === 'string' && c.id.length > 0, `chunk id: ${JSON.stringify(c)}`);
    assert.ok(Number.isInteger(c.created) && c.created > 0, `chunk created: ${JSON.stringify(c)}`);
    assert.ok(typeof c.model === 'string' && c.model.length > 0, `chunk model: ${JSON.stringify(c)}`);
    assert.ok(Array.isArray(c.choices), `chunk choices: ${JSON.stringify(c)}`);
  }
  const withChoices = chunks.filter((c) => c.choices.length > 0);
  assert.ok(withChoices.length > 0, 'some chunk has choices');
  assert.equal(withChoices[0].choices[0].delta.role, 'assistant', `first chunk's delta has role assistant: ${JSON.stringify(withChoices[0])}`);
  const contentChunks = withChoices.filter((c) => typeof c.choices[0].delta.content === 'string' && c.choices[0].delta.content !== '');
  const text = withChoices.map((c) => c.choices[0].delta.content ?? '').join('');
  const finishes = withChoices.filter((c) => c.choices[0].finish_reason);
  assert.equal(finishes.length, 1, `exactly one chunk has a finish_reason: ${JSON.stringify(finishes)}`);
  assert.equal(finishes[0].choices[0].finish_reason, 'stop');
  assert.equal(finishes[0], withChoices.at(-1), 'the finish_reason chunk is the last chunk with choices');
  return { chunks, withChoices, contentChunks, text, finish: finishes[0] };
}

describe('non-streaming chat completions', () => {
  it('mock model echoes the last user message', logged(async () => {
    const c = await client.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'hello world' }] });
    assertCompletion(c, 'mock: hello world');
    assert.ok(typeof c._request_id === 'string' && c._request_id.length > 0, 'x-request-id header present');
  }));

  it('uses the last user message of a multi-turn conversation', logged(async () => {
    const c = await client.chat.completions.create({
      model: 'mock',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'first answer' },
        { role: 'user', content: 'second question' },
      ],
    });
    assertCompletion(c, 'mock: second question');
  }));

  it('concatenates the text parts of array content', logged(async () => {
    const c = await client.chat.completions.create({
      model: 'mock',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'foo ' }, { type: 'text', text: 'bar' }] }],
    });
    assertCompletion(c, 'mock: foo bar');
  }));

  it('pass-through model gives the same result and rewrites model / uses the target api_key', logged(async () => {
    const c = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] });
    assertCompletion(c, 'mock: hi');
    const seen = await lastUpstreamRequest(mock);
    assert.equal(seen.method, 'POST');
    assert.equal(seen.path, '/v1/chat/completions');
    const body = JSON.parse(seen.body);
    assert.equal(body.model, 'gpt-4o-mini', 'upstream saw the target model');
    assert.deepEqual(body.messages, [{ role: 'user', content: 'hi' }]);
    assert.equal(seen.headers.authorization, `Bearer ${UPSTREAM_KEY}`, '${VAR} in api_key interpolated and sent upstream');
  }));
});

describe('streaming chat completions', () => {
  for (const model of ['mock', 'fast']) {
    it(`${model}: deltas concatenate to the reply, several content chunks, finish_reason stop`, logged(async () => {
      const stream = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'one two three four' }],
        stream: true,
      });
      const r = await collectStream(stream);
      assert.equal(r.text, 'mock: one two three four');
      assert.ok(r.contentChunks.length >= 2, `content split over several chunks (got ${r.contentChunks.length})`);
      for (const c of r.chunks) {
        assert.ok(!c.usage, `no usage chunk without stream_options.include_usage: ${JSON.stringify(c)}`);
      }
    }));

    it(`${model}: stream_options.include_usage adds a final choices: [] chunk with usage`, logged(async () => {
      const stream = await client.chat.completions.create({
        model,
        messages: [{ role: 'user', content: 'count my tokens' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      const r = await collectStream(stream);
      assert.equal(r.text, 'mock: count my tokens');
      const last = r.chunks.at(-1);
      assert.deepEqual(last.choices, [], `last chunk has choices: [] (${JSON.stringify(last)})`);
      assertUsage(last.usage);
      assert.equal(r.chunks.filter((c) => c.choices.length === 0).length, 1, 'exactly one usage chunk');
    }));
  }

  it('upstream model seen by mock-server for a stream is the target model', logged(async () => {
    const stream = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'x' }], stream: true });
    await collectStream(stream);
    const body = JSON.parse((await lastUpstreamRequest(mock)).body);
    assert.equal(body.model, 'gpt-4o-mini');
    assert.equal(body.stream, true);
  }));

  it('SDK stream helper assembles the final completion', logged(async () => {
    const runner = client.chat.completions.stream({ model: 'mock', messages: [{ role: 'user', content: 'assemble me' }] });
    const final = await runner.finalChatCompletion();
    assert.equal(final.choices[0].message.role, 'assistant');
    assert.equal(final.choices[0].message.content, 'mock: assemble me');
    assert.equal(final.choices[0].finish_reason, 'stop');
  }));
});

describe('built-in defaults (no --config)', () => {
  let gw0;
  before(async () => { gw0 = await startGateway(); });
  after(async () => { await gw0?.stop(); });

  it('serves model "mock" without a config file', logged(async () => {
    const c0 = new OpenAI({ baseURL: `${gw0.url}/v1`, apiKey: 'x', maxRetries: 0, timeout: 8_000 });
    const c = await c0.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: 'defaults' }] });
    assertCompletion(c, 'mock: defaults');
    const ids = [];
    for await (const m of c0.models.list()) ids.push(m.id);
    assert.ok(ids.includes('mock'), `models.list has mock: ${ids}`);
  }));
});
