// The official @google/genai SDK against modelmux's Gemini surface (/v1beta/models/{model}:generateContent and
// friends), unchanged but for its base URL, with an OpenAI-format upstream (mock-server), an Anthropic one and a
// Gemini one (strict fakes) behind it: text, streams, function calling with a round trip, structured output,
// usage metadata, embeddings, models.list/get, countTokens, and errors raised as the SDK's own ApiError. A
// Gemini upstream gets the client's body as it is.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GoogleGenAI, Type, ApiError } from '@google/genai';
import { startGateway, startMock, lastUpstreamRequest, accessLogLine, logged } from '../lib/harness.mjs';
import { startFakeAnthropic } from '../lib/fake_anthropic.mjs';
import { startFakeGemini } from '../lib/fake_gemini.mjs';

let mock, fakeAnthropic, fakeGemini, gw, ai;
const sent = [];  // the SDK's request bodies as they went on the wire

before(async () => {
  [mock, fakeAnthropic, fakeGemini] = await Promise.all([startMock([]), startFakeAnthropic(), startFakeGemini()]);
  gw = await startGateway({ config: `models:
  - name: gpt-behind
    targets:
      - {provider: openai, model: gpt-4o-mini, api_base: "${mock.url}/v1", api_key: sk-openai}
  - name: claude-behind
    targets:
      - {provider: anthropic, model: claude-sonnet-4-5, api_base: "${fakeAnthropic.url}/v1", api_key: sk-ant-fake}
  - name: gemini-behind
    targets:
      - {provider: gemini, model: gemini-2.5-flash, api_base: "${fakeGemini.url}/v1beta", api_key: AIza-fake}
  - name: embed-openai
    targets:
      - {provider: openai, model: text-embedding-3-small, api_base: "${mock.url}/v1", api_key: sk-openai}
  - name: embed-gemini
    targets:
      - {provider: gemini, model: gemini-embedding-001, api_base: "${fakeGemini.url}/v1beta", api_key: AIza-fake}
` });
  // The SDK uses the global fetch: its bodies are recorded on the way out.
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (url, init) => {
    if (String(url).startsWith(gw.url) && typeof init?.body === 'string') sent.push(init.body);
    return realFetch(url, init);
  };
  ai = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl: gw.url } });
});
after(async () => { await Promise.all([gw?.stop(), mock?.stop(), fakeAnthropic?.close(), fakeGemini?.close()]); });

const expected = { 'gpt-behind': 'mock: hello there', 'claude-behind': 'anthropic: hello there', 'gemini-behind': 'gemini: hello there' };
const weatherTool = { functionDeclarations: [{ name: 'get_weather', description: 'Weather for a city',
  parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING, nullable: true } }, required: ['city'] } }] };

for (const model of Object.keys(expected)) {
  describe(`@google/genai -> Gemini surface -> ${model}`, () => {
    it('generateContent: text, finish reason and usage metadata', logged(async () => {
      const r = await ai.models.generateContent({ model, contents: 'hello there', config: { systemInstruction: 'Be brief.' } });
      assert.equal(r.text, expected[model]);
      const cand = r.candidates[0];
      assert.equal(cand.content.role, 'model');
      assert.equal(cand.finishReason, 'STOP');
      const u = r.usageMetadata;
      assert.ok(u.promptTokenCount > 0 && u.candidatesTokenCount > 0, JSON.stringify(u));
      assert.equal(u.totalTokenCount, u.promptTokenCount + u.candidatesTokenCount + (u.thoughtsTokenCount ?? 0));
      assert.ok(r.responseId);
    }));

    it('generateContentStream: chunks assemble the text; the last carries finish reason and usage', logged(async () => {
      let text = '';
      let last;
      for await (const chunk of await ai.models.generateContentStream({ model, contents: 'hello there' })) {
        text += chunk.text ?? '';
        last = chunk;
      }
      assert.equal(text, expected[model]);
      assert.equal(last.candidates[0].finishReason, 'STOP');
      assert.ok(last.usageMetadata.promptTokenCount > 0, JSON.stringify(last.usageMetadata));
    }));

    it('a chat keeps its history across turns', logged(async () => {
      const chat = ai.chats.create({ model });
      await chat.sendMessage({ message: 'hello there' });
      const second = await chat.sendMessage({ message: 'and again' });
      assert.match(second.text, /and again$/);
      assert.equal(chat.getHistory().length, 4);
    }));

    it('function calling with a round trip of the function response', logged(async () => {
      const first = await ai.models.generateContent({ model, contents: 'weather tool please', config: { tools: [weatherTool] } });
      const call = first.functionCalls?.[0];
      assert.ok(call, JSON.stringify(first));
      assert.equal(call.name, 'get_weather');
      assert.equal(typeof call.args, 'object');
      const second = await ai.models.generateContent({ model, config: { tools: [weatherTool] }, contents: [
        { role: 'user', parts: [{ text: 'weather tool please' }] },
        first.candidates[0].content,
        { role: 'user', parts: [{ functionResponse: { name: call.name, id: call.id, response: { temperature: '18C' } } },
          { text: 'thanks, that is all' }] }] });
      assert.match(second.text, /thanks, that is all$/);
    }));

    it('errors are the SDK\'s ApiError with the HTTP status: an unknown model is 404', logged(async () => {
      await assert.rejects(ai.models.generateContent({ model: 'no-such-model', contents: 'hi' }), (e) => {
        assert.ok(e instanceof ApiError, e);
        assert.equal(e.status, 404);
        const body = JSON.parse(e.message);
        assert.equal(body.error.status, 'NOT_FOUND');
        return true;
      });
    }));
  });
}

describe('translation for non-Gemini upstreams', () => {
  it('the OpenAI upstream gets messages, a lower-case JSON schema for tools and response, and tool results', logged(async () => {
    await ai.models.generateContent({ model: 'gpt-behind', contents: 'translate me', config: {
      tools: [weatherTool], toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } },
      temperature: 0.25, maxOutputTokens: 77, stopSequences: ['END'], systemInstruction: 'Be brief.',
      responseMimeType: 'application/json',
      responseSchema: { type: Type.OBJECT, properties: { city: { type: Type.STRING } }, required: ['city'] } } });
    const up = JSON.parse((await lastUpstreamRequest(mock)).body);
    assert.deepEqual(up.messages, [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'translate me' }]);
    assert.equal(up.temperature, 0.25);
    assert.equal(up.max_tokens, 77);
    assert.deepEqual(up.stop, ['END']);
    assert.deepEqual(up.tools[0].function.parameters,
      { type: 'object', properties: { city: { type: ['string', 'null'] } }, required: ['city'] });
    assert.deepEqual(up.tool_choice, { type: 'function', function: { name: 'get_weather' } });
    assert.equal(up.response_format.type, 'json_schema');
    assert.deepEqual(up.response_format.json_schema.schema,
      { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] });
  }));

  it('structured output from an Anthropic upstream is the JSON the schema asks for', logged(async () => {
    const r = await ai.models.generateContent({ model: 'claude-behind', contents: 'weather as JSON', config: {
      responseMimeType: 'application/json',
      responseSchema: { type: Type.OBJECT, properties: { location: { type: Type.STRING } }, required: ['location'] } } });
    assert.deepEqual(JSON.parse(r.text), { location: 'weather as JSON' });  // (the fake fills what is required)
  }));

  it('a PDF part reaches an OpenAI upstream as a file part and Anthropic as a document; audio goes nowhere but Gemini', logged(async () => {
    const pdf = { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0xLjQ=' } };
    await ai.models.generateContent({ model: 'gpt-behind', contents: [{ role: 'user', parts: [{ text: 'summarize' }, pdf] }] });
    const sent = JSON.parse((await lastUpstreamRequest(mock)).body);
    assert.deepEqual(sent.messages[0].content[1], { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0xLjQ=' } });
    await ai.models.generateContent({ model: 'claude-behind', contents: [{ role: 'user', parts: [{ text: 'summarize' }, pdf] }] });
    const up = fakeAnthropic.received[fakeAnthropic.received.length - 1].body;
    assert.deepEqual(up.messages[0].content[1],
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQ=' } });
    await assert.rejects(ai.models.generateContent({ model: 'gpt-behind', contents: [{ role: 'user', parts: [
      { text: 'transcribe' }, { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } }] }] }), (e) => {
      assert.equal(e.status, 400);
      assert.match(e.message, /contents\[0\]\.parts\[1\]\.inlineData/);
      return true;
    });
  }));

  it('an error inside a translated stream is raised by the SDK as an ApiError', logged(async () => {
    await assert.rejects(async () => {
      for await (const chunk of await ai.models.generateContentStream({ model: 'claude-behind', contents: 'midstream please' })) void chunk;
    }, (e) => {
      assert.ok(e instanceof ApiError, String(e));
      assert.equal(e.status, 503);
      return true;
    });
  }));
});

describe('a Gemini upstream is passed through', () => {
  it('the upstream receives the client body as the SDK wrote it, safety settings and all', logged(async () => {
    await ai.models.generateContent({ model: 'gemini-behind', contents: 'hello there', config: {
      safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }], topK: 7,
      thinkingConfig: { thinkingBudget: 512 } } });
    const last = fakeGemini.received[fakeGemini.received.length - 1];
    assert.equal(last.path, '/v1beta/models/gemini-2.5-flash:generateContent');
    assert.deepEqual(last.body, JSON.parse(sent[sent.length - 1]));
    assert.equal(last.headers['x-goog-api-key'], 'AIza-fake', 'the target key, not the client\'s');
  }));

  it('thought signatures survive the round trip (the fake refuses a call without its signature)', logged(async () => {
    const first = await ai.models.generateContent({ model: 'gemini-behind', contents: 'weather in two cities',
      config: { tools: [weatherTool] } });
    assert.ok(first.candidates[0].content.parts[0].thoughtSignature);
    const second = await ai.models.generateContent({ model: 'gemini-behind', config: { tools: [weatherTool] }, contents: [
      { role: 'user', parts: [{ text: 'weather in two cities' }] },
      first.candidates[0].content,
      { role: 'user', parts: first.functionCalls.map((c) => ({ functionResponse: { name: c.name, response: { t: 1 } } })) }] });
    assert.match(second.text, /^gemini:/);
  }));

  it('an error inside the stream reaches the SDK as an ApiError; usage and cost reach the access log', logged(async () => {
    await assert.rejects(async () => {
      for await (const chunk of await ai.models.generateContentStream({ model: 'gemini-behind', contents: 'midstream please' })) void chunk;
    }, (e) => e instanceof ApiError && e.status === 503);
    const stream = await ai.models.generateContentStream({ model: 'gemini-behind', contents: 'count me',
      config: { httpOptions: { headers: { 'x-request-id': 'gem-pt-usage' } } } });
    for await (const chunk of stream) void chunk;
    const line = await accessLogLine(gw, 'gem-pt-usage');
    assert.equal(line.prompt_tokens, 11);
    assert.equal(line.completion_tokens, 12, 'candidates and thoughts');
    // gemini-2.5-flash: $0.30/M input, $2.50/M output
    assert.ok(Math.abs(line.cost_usd - (11 * 0.3 + 12 * 2.5) / 1e6) < 1e-12, String(line.cost_usd));
  }));
});

describe('embeddings, listings and token counts', () => {
  for (const model of ['embed-openai', 'embed-gemini']) {
    it(`embedContent through ${model}: one vector per content, of the asked dimension`, logged(async () => {
      const r = await ai.models.embedContent({ model, contents: ['one', 'three'], config: { outputDimensionality: 4 } });
      assert.equal(r.embeddings.length, 2);
      for (const e of r.embeddings) assert.equal(e.values.length, 4);
      assert.notDeepEqual(r.embeddings[0].values, r.embeddings[1].values);
    }));
  }

  it('the Gemini embeddings upstream gets the client batch with the task type, the model rewritten', logged(async () => {
    await ai.models.embedContent({ model: 'embed-gemini', contents: ['find me'], config: { taskType: 'RETRIEVAL_QUERY' } });
    const last = fakeGemini.received[fakeGemini.received.length - 1];
    assert.deepEqual(last.body.requests, [{ content: { role: 'user', parts: [{ text: 'find me' }] }, taskType: 'RETRIEVAL_QUERY',
      model: 'models/gemini-embedding-001' }]);
  }));

  it('models.list and models.get name the configured groups', logged(async () => {
    const names = [];
    for await (const m of await ai.models.list()) names.push(m.name);
    assert.ok(names.includes('models/gpt-behind') && names.includes('models/gemini-behind'), names.join());
    const one = await ai.models.get({ model: 'claude-behind' });
    assert.equal(one.name, 'models/claude-behind');
    await assert.rejects(ai.models.get({ model: 'nope' }), (e) => e instanceof ApiError && e.status === 404);
  }));

  it('countTokens answers from the gateway\'s estimate', logged(async () => {
    const r = await ai.models.countTokens({ model: 'gpt-behind', contents: 'count these words please' });
    assert.ok(r.totalTokens > 0 && r.totalTokens < 50, JSON.stringify(r));
  }));
});
