// The openai SDK's Responses API (responses.create, .stream, .retrieve, .delete, .inputItems) against a
// gateway whose models are served by an OpenAI-format API, Anthropic, Gemini and Bedrock (strict fakes of
// each): text, typed stream events in order, function-call loops continued by previous_response_id, a
// conversation that changes provider mid-way, stored responses per key, and the 400s for what cannot be
// translated.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway, logged } from '../lib/harness.mjs';
import { responsesModels, startFakes, PREFIX } from '../lib/four_providers.mjs';
import { startGovernedGateway, createKey, governedConfig } from '../lib/governance.mjs';

const FAKE = { gpt: 'openai', claude: 'anthropic', gemini: 'gemini', bedrock: 'bedrock' };

const weather = { type: 'function', name: 'get_weather', description: 'Weather for a city',
  parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } };

let fakes, gw, client;
before(async () => {
  fakes = await startFakes();
  gw = await startGateway({ config: `models:\n${responsesModels(fakes)}` });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
});
after(async () => { await gw?.stop(); for (const f of Object.values(fakes ?? {})) await f.close(); });

for (const model of Object.keys(PREFIX)) {
  describe(`openai SDK responses -> modelmux -> ${model}`, () => {
    it('create: output text, usage, status; retrieve returns the same response', logged(async () => {
      const r = await client.responses.create({ model, input: 'hello there', instructions: 'Be brief.',
        metadata: { ticket: 'T-1' } });
      assert.equal(r.object, 'response');
      assert.match(r.id, /^resp_/);
      assert.equal(r.status, 'completed');
      assert.equal(r.output_text, `${PREFIX[model]}: hello there`);
      assert.equal(r.model, model);
      assert.equal(r.instructions, 'Be brief.');
      assert.deepEqual(r.metadata, { ticket: 'T-1' });
      assert.ok(r.usage.input_tokens > 0 && r.usage.output_tokens > 0);
      assert.equal(r.usage.total_tokens, r.usage.input_tokens + r.usage.output_tokens);
      const msg = r.output.find((o) => o.type === 'message');
      assert.equal(msg.role, 'assistant');
      assert.equal(msg.content[0].type, 'output_text');
      const again = await client.responses.retrieve(r.id);
      assert.equal(again.id, r.id);
      assert.deepEqual(again.output, r.output);
    }));

    it('stream: typed events in order, numbered from 0; finalResponse() is the stored response', logged(async () => {
      const stream = client.responses.stream({ model, input: 'stream me please' });
      const events = [];
      for await (const ev of stream) events.push(ev);
      const final = await stream.finalResponse();
      assert.deepEqual(events.map((e) => e.sequence_number), events.map((_, i) => i));
      const types = events.map((e) => e.type);
      assert.equal(types[0], 'response.created');
      assert.equal(types[1], 'response.in_progress');
      assert.equal(types.at(-1), 'response.completed');
      for (const t of ['response.output_item.added', 'response.content_part.added', 'response.output_text.delta',
        'response.output_text.done', 'response.content_part.done', 'response.output_item.done'])
        assert.ok(types.includes(t), `${t} missing in ${types.join(', ')}`);
      assert.ok(types.indexOf('response.output_item.added') < types.indexOf('response.output_text.delta'));
      assert.ok(types.lastIndexOf('response.output_text.delta') < types.indexOf('response.output_text.done'));
      const deltas = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
      assert.equal(deltas, `${PREFIX[model]}: stream me please`);
      assert.equal(final.output_text, deltas);
      assert.equal(final.status, 'completed');
      assert.ok(final.usage.output_tokens > 0);
      const stored = await client.responses.retrieve(final.id);
      assert.equal(stored.status, 'completed');
      assert.equal(stored.output[0].content[0].text, deltas);
    }));

    for (const stream of [false, true]) {
      it(`function call loop${stream ? ', streamed' : ''}: the call, then its output by previous_response_id`, logged(async () => {
        const ask = { model, tools: [weather], input: 'what is the weather in Paris?' };
        const first = stream ? await client.responses.stream(ask).finalResponse() : await client.responses.create(ask);
        const call = first.output.find((o) => o.type === 'function_call');
        assert.ok(call, JSON.stringify(first.output));
        assert.equal(call.name, 'get_weather');
        assert.equal(typeof JSON.parse(call.arguments), 'object');
        assert.ok(call.call_id);
        const next = { model, tools: [weather], previous_response_id: first.id,
          input: [{ type: 'function_call_output', call_id: call.call_id, output: '18C and sunny' },
            { role: 'user', content: 'thanks, summarise' }] };
        const second = stream ? await client.responses.stream(next).finalResponse() : await client.responses.create(next);
        assert.equal(second.output_text, `${PREFIX[model]}: thanks, summarise`);
        assert.equal(second.previous_response_id, first.id);
        // The upstream got the whole conversation: the question, the call, its output, the new question.
        const sent = JSON.stringify(fakes[FAKE[model]].received.at(-1).body);
        for (const piece of ['what is the weather in Paris?', '18C and sunny', 'thanks, summarise'])
          assert.ok(sent.includes(piece), `${piece} not sent upstream: ${sent}`);
      }));
    }
  });
}

describe('openai SDK responses: state, items, refusals', () => {
  it('a previous_response_id chain that changes provider mid-way carries the conversation', logged(async () => {
    const a = await client.responses.create({ model: 'claude', input: 'my name is Ada' });
    const b = await client.responses.create({ model: 'gemini', previous_response_id: a.id, input: 'what is my name?' });
    assert.equal(b.output_text, 'gemini: what is my name?');
    const toGemini = JSON.stringify(fakes.gemini.received.at(-1).body.contents);
    assert.ok(toGemini.includes('my name is Ada') && toGemini.includes('anthropic: my name is Ada'), toGemini);
    const c = await client.responses.create({ model: 'gpt', previous_response_id: b.id, input: 'and again?' });
    assert.equal(c.output_text, 'openai: and again?');
    const toOpenAI = fakes.openai.received.at(-1).body.messages;
    assert.deepEqual(toOpenAI.map((m) => m.role), ['user', 'assistant', 'user', 'assistant', 'user']);
    assert.equal(toOpenAI[3].content, 'gemini: what is my name?');
  }));

  it('input_items lists the request\'s own input (desc by default, paged); delete removes; store: false keeps nothing', logged(async () => {
    const r = await client.responses.create({ model: 'gpt', input: [
      { role: 'user', content: 'one' }, { role: 'user', content: [{ type: 'input_text', text: 'two' }] }] });
    const page = await client.responses.inputItems.list(r.id);
    assert.deepEqual(page.data.map((i) => i.content[0].text ?? i.content), ['two', 'one']);
    const asc = await client.responses.inputItems.list(r.id, { order: 'asc', limit: 1 });
    assert.equal(asc.data.length, 1);
    assert.equal(asc.has_more, true);
    const all = [];
    for await (const item of client.responses.inputItems.list(r.id, { order: 'asc', limit: 1 })) all.push(item);
    assert.equal(all.length, 2);
    await client.responses.delete(r.id);
    await assert.rejects(client.responses.retrieve(r.id), (e) => e.status === 404);
    const ephemeral = await client.responses.create({ model: 'gpt', input: 'forget me', store: false });
    assert.equal(ephemeral.store, false);
    await assert.rejects(client.responses.retrieve(ephemeral.id), (e) => e.status === 404);
    await assert.rejects(client.responses.create({ model: 'gpt', input: 'x', previous_response_id: ephemeral.id }),
      (e) => e.status === 400 && e.param === 'previous_response_id');
  }));

  it('an item_reference is the stored item it names', logged(async () => {
    const a = await client.responses.create({ model: 'claude', input: 'remember the colour blue' });
    const msg = a.output.find((o) => o.type === 'message');
    const b = await client.responses.create({ model: 'gpt', input: [{ role: 'user', content: 'remember the colour blue' },
      { type: 'item_reference', id: msg.id }, { role: 'user', content: 'which colour?' }] });
    assert.equal(b.output_text, 'openai: which colour?');
    const sent = fakes.openai.received.at(-1).body.messages;
    assert.equal(sent[1].content, 'anthropic: remember the colour blue');
    await assert.rejects(client.responses.create({ model: 'gpt', input: [{ type: 'item_reference', id: 'msg_nope' }] }),
      (e) => e.status === 400 && e.param === 'input[0].id');
  }));

  it('text.format json_schema: the schema\'s JSON on every provider (Anthropic through a forced answer tool)', logged(async () => {
    const format = { type: 'json_schema', name: 'answer', strict: true,
      schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false } };
    for (const model of ['gpt', 'claude', 'gemini', 'bedrock']) {
      const r = await client.responses.create({ model, input: 'forty-two', text: { format } });
      assert.equal(typeof JSON.parse(r.output_text).answer, 'string', `${model}: ${r.output_text}`);
      assert.deepEqual(r.text.format, format);
    }
    for (const model of ['claude', 'bedrock']) {
      const streamed = await client.responses.stream({ model, input: 'streamed', text: { format } }).finalResponse();
      assert.equal(typeof JSON.parse(streamed.output_text).answer, 'string', `${model}: ${streamed.output_text}`);
    }
    const sent = fakes.anthropic.received.findLast((r) => !r.body.stream).body;
    assert.deepEqual(sent.tools.at(-1).input_schema, format.schema);
    assert.deepEqual(sent.tool_choice, { type: 'tool', name: sent.tools.at(-1).name });
  }));

  it('refusals name the field: a tool OpenAI hosts, an unknown parameter, background mode', logged(async () => {
    const cases = [
      [{ tools: [{ type: 'web_search' }] }, 'tools[0].type', /web_search/],
      [{ frobnicate: true }, 'frobnicate', /not a parameter/],
      [{ background: true }, 'background', /not supported/],
      [{ input: [{ type: 'web_search_call', id: 'ws_1' }] }, 'input[0].type', /tool OpenAI hosts/],
      [{ input: 42 }, 'input', /string or an array/],
    ];
    for (const [extra, param, message] of cases) {
      await assert.rejects(client.responses.create({ model: 'claude', input: 'hi', ...extra }), (e) => {
        assert.equal(e.status, 400);
        assert.equal(e.param, param);
        assert.match(e.message, message);
        return true;
      });
    }
    await assert.rejects(client.responses.create({ model: 'claude', input: 'hi', previous_response_id: 'resp_unknown' }),
      (e) => e.status === 400 && e.param === 'previous_response_id' && /not found/.test(e.message));
  }));

  it('an upstream error before the stream starts is an APIError; one inside it ends with error and response.failed', logged(async () => {
    await assert.rejects(client.responses.create({ model: 'claude', input: 'overload please' }), (e) => e.status >= 500);
    const events = [];
    for await (const ev of client.responses.stream({ model: 'bedrock', input: 'midstream please' })) events.push(ev);
    const types = events.map((e) => e.type);
    assert.ok(types.includes('response.output_text.delta'), types.join(', '));
    // (the SDK's stream ends at the error event; response.failed follows it on the wire, and is what is stored)
    assert.equal(types.at(-1), 'error');
    assert.ok(events.at(-1).message.length > 0);
    assert.deepEqual(events.map((e) => e.sequence_number), events.map((_, i) => i));
    const failed = events[0].response;
    const stored = await client.responses.retrieve(failed.id);
    assert.equal(stored.status, 'failed');
    assert.ok(stored.error.message.length > 0);
  }));
});

describe('an OpenAI target with responses_api: true is given the Responses request as it is', () => {
  const sent = () => fakes.openai.received.at(-1);

  it('create and stream: the upstream\'s own response comes back, and is stored under its id', logged(async () => {
    const r = await client.responses.create({ model: 'native', input: 'hello native', metadata: { k: 'v' } });
    assert.equal(sent().path, '/v1/responses');
    assert.equal(sent().body.model, 'gpt-native');
    assert.equal(sent().body.input, 'hello native');
    assert.match(r.id, /^resp_fake/);
    assert.equal(r.output_text, 'openai-responses: hello native');
    assert.deepEqual((await client.responses.retrieve(r.id)).output, r.output);
    const stream = client.responses.stream({ model: 'native', input: 'stream native' });
    const types = [];
    for await (const ev of stream) types.push(ev.type);
    const final = await stream.finalResponse();
    assert.equal(types[0], 'response.created');
    assert.equal(types.at(-1), 'response.completed');
    assert.equal(final.output_text, 'openai-responses: stream native');
    assert.equal((await client.responses.retrieve(final.id)).status, 'completed');
  }));

  it('a tool only OpenAI hosts runs there; translated for another provider it is a 400', logged(async () => {
    const r = await client.responses.create({ model: 'native', input: 'news today', tools: [{ type: 'web_search' }] });
    assert.deepEqual(r.output.map((o) => o.type), ['web_search_call', 'message']);
    await assert.rejects(client.responses.create({ model: 'claude', input: 'news today', tools: [{ type: 'web_search' }] }),
      (e) => e.status === 400 && e.param === 'tools[0].type');
  }));

  it('continuations: by id where the upstream keeps the conversation, resent as items where it does not', logged(async () => {
    const a = await client.responses.create({ model: 'native', input: 'my name is Ada' });
    const b = await client.responses.create({ model: 'native', previous_response_id: a.id, input: 'who am I?' });
    assert.equal(sent().body.previous_response_id, a.id);
    assert.equal(b.output_text, 'openai-responses: who am I?');
    // native -> claude: the gateway's copy of OpenAI's response carries the conversation to Anthropic
    const c = await client.responses.create({ model: 'claude', previous_response_id: b.id, input: 'and now?' });
    assert.equal(c.output_text, 'anthropic: and now?');
    const toAnthropic = JSON.stringify(fakes.anthropic.received.at(-1).body.messages);
    for (const piece of ['my name is Ada', 'openai-responses: my name is Ada', 'who am I?', 'openai-responses: who am I?'])
      assert.ok(toAnthropic.includes(piece), `${piece} missing: ${toAnthropic}`);
    // claude -> native: OpenAI does not keep c, so the conversation goes as items, without the gateway's ids
    const d = await client.responses.create({ model: 'native', previous_response_id: c.id, input: 'last one' });
    assert.equal(d.output_text, 'openai-responses: last one');
    assert.equal(sent().body.previous_response_id, undefined);
    const items = sent().body.input;
    assert.ok(items.every((i) => i.id === undefined && i.type !== 'reasoning'), JSON.stringify(items));
    assert.ok(JSON.stringify(items).includes('anthropic: and now?'));
    assert.equal(items.at(-1).content[0].text ?? items.at(-1).content, 'last one');
  }));
});

describe('responses are the caller\'s key\'s, and kept in the store', () => {
  let ggw, fakes2, again;
  before(async () => {
    fakes2 = await startFakes();
    ggw = await startGovernedGateway(responsesModels(fakes2));
  });
  after(async () => {
    await again?.stop();
    await ggw?.close();
    for (const f of Object.values(fakes2 ?? {})) await f.close();
  });

  it('another key can neither read, continue nor delete a response; a restart forgets none', logged(async () => {
    const keyA = (await createKey(ggw)).key;
    const a = new OpenAI({ baseURL: `${ggw.url}/v1`, apiKey: keyA, maxRetries: 0 });
    const b = new OpenAI({ baseURL: `${ggw.url}/v1`, apiKey: (await createKey(ggw)).key, maxRetries: 0 });
    const r = await a.responses.create({ model: 'gpt', input: 'secret plans' });
    assert.equal((await a.responses.retrieve(r.id)).id, r.id);
    await assert.rejects(b.responses.retrieve(r.id), (e) => e.status === 404);
    await assert.rejects(b.responses.delete(r.id), (e) => e.status === 404);
    await assert.rejects(b.responses.create({ model: 'gpt', input: 'x', previous_response_id: r.id }), (e) => e.status === 400);
    await assert.rejects(b.responses.inputItems.list(r.id), (e) => e.status === 404);
    const anonymous = new OpenAI({ baseURL: `${ggw.url}/v1`, apiKey: 'mm-not-a-key', maxRetries: 0 });
    await assert.rejects(anonymous.responses.retrieve(r.id), (e) => e.status === 401);
    const gone = await a.responses.create({ model: 'gpt', input: 'delete me' });
    await a.responses.delete(gone.id);

    // The same store, a new process: the response, its items and the deletion are all still there.
    await ggw.stop();
    again = await startGateway({ config: governedConfig({ models: responsesModels(fakes2), store: `  sqlite: ${ggw.dir}/ledger.db\n` }) });
    const a2 = new OpenAI({ baseURL: `${again.url}/v1`, apiKey: keyA, maxRetries: 0 });
    assert.deepEqual((await a2.responses.retrieve(r.id)).output, r.output);
    const next = await a2.responses.create({ model: 'claude', previous_response_id: r.id, input: 'go on' });
    assert.equal(next.output_text, 'anthropic: go on');
    assert.ok(JSON.stringify(fakes2.anthropic.received.at(-1).body.messages).includes('openai: secret plans'));
    await assert.rejects(a2.responses.retrieve(gone.id), (e) => e.status === 404);
  }));
});
