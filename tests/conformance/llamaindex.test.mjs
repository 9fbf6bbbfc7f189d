// LlamaIndex's OpenAI LLMs through the gateway, the client that found the empty-arguments defect: its
// streamed chat parses each finished tool call's arguments with JSON.parse, so a call of a tool without
// parameters must end as {} (here from Anthropic, which streams it as an empty partial_json); and its
// Responses LLM reaches any provider.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { OpenAI, OpenAIResponses } from '@llamaindex/openai';
import { startGateway, logged } from '../lib/harness.mjs';
import { responsesModels, startFakes } from '../lib/four_providers.mjs';

let fakes, gw;
before(async () => {
  fakes = await startFakes();
  gw = await startGateway({ config: `models:\n${responsesModels(fakes)}` });
});
after(async () => { await gw?.stop(); for (const f of Object.values(fakes ?? {})) await f.close(); });

const clock = { metadata: { name: 'get_time', description: 'The time here.', parameters: { type: 'object', properties: {} } },
  call: async () => '12:00' };

describe('LlamaIndex -> modelmux', () => {
  // (the Anthropic fake answers a parameterless tool with an empty input, as Anthropic does; the others
  // always call with {"location": "Paris"}: what matters there is that the streamed call parses)
  for (const model of ['claude', 'bedrock', 'gpt']) {
    it(`streamed chat: a tool's call arrives whole and parsed (${model})`, logged(async () => {
      const llm = new OpenAI({ model, apiKey: 'x', baseURL: `${gw.url}/v1` });
      const stream = await llm.chat({ messages: [{ role: 'user', content: 'what is the weather time now?' }], tools: [clock], stream: true });
      let call = null;
      for await (const chunk of stream) if (chunk.options?.toolCall) call = chunk.options.toolCall.at(-1);
      assert.ok(call, 'no tool call streamed');
      assert.equal(call.name, 'get_time');
      const input = typeof call.input === 'string' ? JSON.parse(call.input) : call.input;
      assert.deepEqual(input, model === 'claude' ? {} : { location: 'Paris' });
    }));
  }

  it('the Responses LLM answers from Anthropic and Gemini', logged(async () => {
    for (const [model, prefix] of [['claude', 'anthropic'], ['gemini', 'gemini']]) {
      const llm = new OpenAIResponses({ model, apiKey: 'x', baseURL: `${gw.url}/v1` });
      const r = await llm.chat({ messages: [{ role: 'user', content: 'hello llama' }] });
      assert.equal(r.message.content, `${prefix}: hello llama`);
    }
  }));
});
