// The openai SDK and the @anthropic-ai/sdk, unchanged, against a gateway whose models are served by Bedrock's
// Converse API: a strict fake of it that verifies every SigV4 signature with the AWS signer and streams with
// the AWS event-stream encoder. The fake itself is first checked with the real AWS client.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startGateway, runModelmux, writeTempFile, logged } from '../lib/harness.mjs';
import { startFakeBedrock, FAKE_CREDENTIALS, FAKE_REGION } from '../lib/fake_bedrock.mjs';

const PROFILE_ID = 'us.anthropic.claude-3-5-sonnet-20241022-v2:0';
const ARN = `arn:aws:bedrock:${FAKE_REGION}:123456789012:application-inference-profile/abc123`;

let fake, gw, openai, anthropic;
before(async () => {
  fake = await startFakeBedrock();
  // Credentials three ways: target keys (with a session token), the environment, and a wrong secret.
  gw = await startGateway({
    env: { AWS_ACCESS_KEY_ID: FAKE_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: FAKE_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: FAKE_CREDENTIALS.sessionToken, AWS_REGION: FAKE_REGION, AWS_PROFILE: '' },
    config: `models:
  - name: claude
    targets:
      - provider: bedrock
        model: ${PROFILE_ID}
        api_base: ${fake.url}
        aws_access_key_id: ${FAKE_CREDENTIALS.accessKeyId}
        aws_secret_access_key: ${FAKE_CREDENTIALS.secretAccessKey}
        aws_session_token: \${AWS_SESSION_TOKEN}
        aws_region: ${FAKE_REGION}
  - name: claude-arn
    targets:
      - provider: bedrock
        model: ${ARN}
        api_base: ${fake.url}
  - name: wrong-secret
    targets:
      - provider: bedrock
        model: ${PROFILE_ID}
        api_base: ${fake.url}
        aws_access_key_id: ${FAKE_CREDENTIALS.accessKeyId}
        aws_secret_access_key: not-the-secret
        aws_session_token: \${AWS_SESSION_TOKEN}
        aws_region: ${FAKE_REGION}
` });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'x', maxRetries: 0 });
});
after(async () => { await gw?.stop(); await fake?.close(); });

const weatherTool = { type: 'function', function: { name: 'get_weather', description: 'Weather for a city',
  parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } } };
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe('the fake Bedrock, checked with the AWS SDK', () => {
  const sdk = (credentials) => new BedrockRuntimeClient({ region: FAKE_REGION, endpoint: fake.url, credentials,
    requestHandler: new NodeHttpHandler(), maxAttempts: 1 });

  it('accepts what the AWS client signs and streams what it decodes', logged(async () => {
    const r = await sdk(FAKE_CREDENTIALS).send(new ConverseCommand({ modelId: ARN, messages: [{ role: 'user', content: [{ text: 'hi' }] }] }));
    assert.deepEqual(r.output.message.content, [{ text: 'bedrock: hi' }]);
    assert.equal(fake.received.at(-1).modelId, ARN);
    const s = await sdk(FAKE_CREDENTIALS).send(new ConverseStreamCommand({ modelId: PROFILE_ID,
      messages: [{ role: 'user', content: [{ text: 'two words' }] }] }));
    const kinds = [];
    let text = '';
    for await (const ev of s.stream) { kinds.push(Object.keys(ev)[0]); text += ev.contentBlockDelta?.delta?.text ?? ''; }
    assert.equal(text, 'bedrock: two words');
    assert.deepEqual([kinds[0], ...kinds.slice(-3)], ['messageStart', 'contentBlockStop', 'messageStop', 'metadata']);
  }));

  it('refuses a wrong signature and a malformed conversation, as AWS does', logged(async () => {
    await assert.rejects(sdk({ ...FAKE_CREDENTIALS, secretAccessKey: 'wrong' }).send(new ConverseCommand({ modelId: PROFILE_ID,
      messages: [{ role: 'user', content: [{ text: 'hi' }] }] })), (e) => e.name === 'InvalidSignatureException' && e.$metadata.httpStatusCode === 403);
    await assert.rejects(sdk(FAKE_CREDENTIALS).send(new ConverseCommand({ modelId: PROFILE_ID,
      messages: [{ role: 'assistant', content: [{ text: 'hi' }] }] })), (e) => e.name === 'ValidationException' && /start with a user/.test(e.message));
  }));
});

describe('openai SDK -> modelmux -> Bedrock Converse', () => {
  it('chat: system blocks, signed with the session token, reply and usage translated', logged(async () => {
    const r = await openai.chat.completions.create({ model: 'claude', max_tokens: 200, temperature: 0.5,
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello there' }] });
    assert.equal(r.choices[0].message.content, 'bedrock: hello there');
    assert.equal(r.choices[0].finish_reason, 'stop');
    assert.deepEqual(r.usage, { prompt_tokens: 10, completion_tokens: 7, total_tokens: 17 });
    const sent = fake.received.at(-1);
    assert.equal(sent.modelId, PROFILE_ID);
    assert.equal(sent.headers['x-amz-security-token'], FAKE_CREDENTIALS.sessionToken);
    assert.deepEqual(sent.body, { messages: [{ role: 'user', content: [{ text: 'hello there' }] }], system: [{ text: 'Be brief.' }],
      inferenceConfig: { maxTokens: 200, temperature: 0.5 } });
  }));

  it('an ARN model id with credentials from the environment', logged(async () => {
    const r = await openai.chat.completions.create({ model: 'claude-arn', messages: [{ role: 'user', content: 'arn please' }] });
    assert.equal(r.choices[0].message.content, 'bedrock: arn please');
    assert.equal(fake.received.at(-1).modelId, ARN);
  }));

  it('stream: deltas, finish_reason and the usage chunk from the event stream', logged(async () => {
    const stream = await openai.chat.completions.create({ model: 'claude', stream: true, stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream me please' }] });
    let text = '', finish = null, usage = null;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) { text += c.delta?.content ?? ''; finish = c.finish_reason ?? finish; }
    }
    assert.equal(text, 'bedrock: stream me please');
    assert.equal(finish, 'stop');
    assert.equal(usage.prompt_tokens, 10);
    assert.equal(usage.completion_tokens, 7);
    assert.equal(fake.received.at(-1).stream, true);
  }));

  it('tool call, then the tool result round trip', logged(async () => {
    const first = await openai.chat.completions.create({ model: 'claude', tools: [weatherTool],
      messages: [{ role: 'user', content: 'what is the weather in Paris?' }] });
    const call = first.choices[0].message.tool_calls[0];
    assert.equal(first.choices[0].finish_reason, 'tool_calls');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { location: 'Paris' });
    const second = await openai.chat.completions.create({ model: 'claude', tools: [weatherTool], messages: [
      { role: 'user', content: 'what is the weather in Paris?' },
      first.choices[0].message,
      { role: 'tool', tool_call_id: call.id, content: '18C and sunny' },
      { role: 'user', content: 'thanks, summarise' },
    ] });
    assert.equal(second.choices[0].message.content, 'bedrock: thanks, summarise');
    const sent = fake.received.at(-1).body.messages;
    assert.deepEqual(sent.map((m) => m.role), ['user', 'assistant', 'user']);
    assert.deepEqual(sent[2].content, [{ toolResult: { toolUseId: call.id, content: [{ text: '18C and sunny' }] } }, { text: 'thanks, summarise' }]);
  }));

  it('tool call streamed: arguments arrive in pieces and assemble', logged(async () => {
    const stream = await openai.chat.completions.create({ model: 'claude', stream: true, tools: [weatherTool], tool_choice: 'required',
      messages: [{ role: 'user', content: 'weather in Paris, streamed' }] });
    const calls = [];
    let finish = null, pieces = 0;
    for await (const chunk of stream) {
      for (const c of chunk.choices) {
        for (const tc of c.delta?.tool_calls ?? []) {
          calls[tc.index] ??= { id: tc.id, name: tc.function?.name, args: '' };
          if (tc.function?.arguments) { calls[tc.index].args += tc.function.arguments; pieces++; }
        }
        finish = c.finish_reason ?? finish;
      }
    }
    assert.equal(calls.length, 1);
    assert.match(calls[0].id, /^tooluse_fake/);
    assert.equal(calls[0].name, 'get_weather');
    assert.equal(pieces, 3);
    assert.deepEqual(JSON.parse(calls[0].args), { location: 'Paris' });
    assert.equal(finish, 'tool_calls');
    assert.deepEqual(fake.received.at(-1).body.toolConfig.toolChoice, { any: {} });
  }));

  it('json_schema: native outputConfig, the reply is the JSON', logged(async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' }, temp_c: { type: 'number' } }, required: ['city', 'temp_c'] };
    const r = await openai.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'weather as JSON' }],
      response_format: { type: 'json_schema', json_schema: { name: 'weather', schema } } });
    assert.deepEqual(JSON.parse(r.choices[0].message.content), { city: 'bedrock', temp_c: 4.5 });
    const fmt = fake.received.at(-1).body.outputConfig.textFormat;
    assert.equal(fmt.type, 'json_schema');
    assert.deepEqual(JSON.parse(fmt.structure.jsonSchema.schema), schema);
  }));

  it('image input as a data URL; a link is a clear 400', logged(async () => {
    const r = await openai.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: [
      { type: 'text', text: 'describe' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }] }] });
    assert.equal(r.choices[0].message.content, 'bedrock: describe');
    assert.deepEqual(fake.received.at(-1).body.messages[0].content[1], { image: { format: 'png', source: { bytes: PNG } } });
    const before = fake.received.length;
    await assert.rejects(openai.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: [
      { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }] }),
    (e) => e instanceof OpenAI.BadRequestError && /base64 data URLs/.test(e.message) && e.param === 'messages[0].content');
    assert.equal(fake.received.length, before, 'nothing reached Bedrock');
  }));

  it('errors: throttling -> 429, too long -> context_length_exceeded, bad signature -> 401', logged(async () => {
    await assert.rejects(openai.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'throttle me' }] }),
      (e) => e instanceof OpenAI.RateLimitError && /ThrottlingException/.test(e.message));
    await assert.rejects(openai.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'this is too long' }] }),
      (e) => e.status === 400 && e.code === 'context_length_exceeded');
    await assert.rejects(openai.chat.completions.create({ model: 'wrong-secret', messages: [{ role: 'user', content: 'hi' }] }),
      (e) => e instanceof OpenAI.AuthenticationError && /signature we calculated does not match/.test(e.message));
  }));

  it('an exception inside the stream reaches the SDK as an error', logged(async () => {
    const stream = await openai.chat.completions.create({ model: 'claude', stream: true,
      messages: [{ role: 'user', content: 'fail midstream please' }] });
    let text = '';
    await assert.rejects((async () => { for await (const c of stream) text += c.choices[0]?.delta?.content ?? ''; })(), /Too many tokens/);
    assert.equal(text, 'bedrock: fail midstream please');
  }));
});

describe('@anthropic-ai/sdk -> /v1/messages -> Bedrock', () => {
  const tool = { name: 'get_weather', description: 'Weather for a city',
    input_schema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } };

  it('stream text', logged(async () => {
    const stream = anthropic.messages.stream({ model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: 'hello stream' }] });
    const msg = await stream.finalMessage();
    assert.equal(msg.content[0].text, 'bedrock: hello stream');
    assert.equal(msg.stop_reason, 'end_turn');
    assert.equal(msg.usage.output_tokens, 7);
  }));

  it('tool use, plain and streamed', logged(async () => {
    const msg = await anthropic.messages.create({ model: 'claude', max_tokens: 100, tools: [tool],
      messages: [{ role: 'user', content: 'weather in Paris?' }] });
    assert.equal(msg.stop_reason, 'tool_use');
    const use = msg.content.find((b) => b.type === 'tool_use');
    assert.equal(use.name, 'get_weather');
    assert.deepEqual(use.input, { location: 'Paris' });
    const streamed = await anthropic.messages.stream({ model: 'claude', max_tokens: 100, tools: [tool],
      messages: [{ role: 'user', content: 'weather in Paris, streamed' }] }).finalMessage();
    assert.equal(streamed.stop_reason, 'tool_use');
    assert.deepEqual(streamed.content.find((b) => b.type === 'tool_use').input, { location: 'Paris' });
  }));
});

describe('secrets', () => {
  it('never reach the gateway\'s output', logged(async () => {
    const out = gw.handle.stdout + gw.handle.stderr;
    assert.ok(out.includes('bedrock/'), 'the access log was written');
    for (const secret of [FAKE_CREDENTIALS.secretAccessKey, FAKE_CREDENTIALS.sessionToken, 'not-the-secret'])
      assert.ok(!out.includes(secret), 'a secret appeared in the logs');
  }));
});

describe('configuration', () => {
  it('a bedrock target without credentials stops the start with file:line', logged(async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'modelmux-nohome-'));
    const file = await writeTempFile(`models:\n  - name: c\n    targets:\n      - provider: bedrock\n        model: m\n        aws_region: us-east-1\n`);
    const env = { HOME: home, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '', AWS_SHARED_CREDENTIALS_FILE: '', AWS_CONFIG_FILE: '' };
    const r = await runModelmux(['serve', '--config', file, '--listen', '127.0.0.1:0'], { env });
    fs.rmSync(home, { recursive: true, force: true });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /modelmux\.yaml:4: models\[0\]\.targets\[0\]\.provider: no AWS credentials/);
  }));
});
