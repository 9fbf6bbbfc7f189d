// A fake Bedrock Runtime (Converse and ConverseStream) that is as strict as the real one on the points the
// gateway controls. It VERIFIES SigV4 by signing the request again with @smithy/signature-v4 (what the AWS
// SDKs use) and answers a mismatch with 403 InvalidSignatureException, like AWS; it checks the Converse body
// (roles alternate starting with the user, known fields only, block shapes, toolConfig present when tool
// blocks are) and answers problems with 400 ValidationException; it encodes its streams with
// @smithy/eventstream-codec.
//   reply text: "bedrock: <last user text>"; with tools and "weather" in the last user text: a toolUse of the
//   first tool; "throttle": 429 ThrottlingException; "too long": 400 ValidationException "Input is too long
//   for requested model."; "midstream" (streamed): some text, then a throttlingException frame. InvokeModel
//   (/model/{id}/invoke) serves Titan / Nova Canvas TEXT_IMAGE tasks.
import http from 'node:http';
import crypto from 'node:crypto';
import { awsError as awsErrorReply, signatureProblem, eventFrame, sendSplit } from './aws_fake_common.mjs';

export const FAKE_CREDENTIALS = { accessKeyId: 'AKIAFAKEBEDROCK00001', secretAccessKey: 'fake/secret+KEY/for/the/bedrock/fake000',
  sessionToken: 'IQoJb3JpZ2luX2VjEFAKESESSIONTOKEN//////////wEaCXVzLWVhc3QtMSJHMEUCIQ==' };
export const FAKE_REGION = 'us-west-2';

function awsError(res, status, type, message) {
  awsErrorReply(res, status, type, message, { namespace: 'com.amazon.bedrock' });
}

const TOP_LEVEL = ['messages', 'system', 'inferenceConfig', 'toolConfig', 'guardrailConfig', 'additionalModelRequestFields',
  'promptVariables', 'additionalModelResponseFieldPaths', 'requestMetadata', 'performanceConfig', 'serviceTier', 'outputConfig'];
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const onlyKeys = (o, keys, where, out) => { for (const k of Object.keys(o)) if (!keys.includes(k)) out.push(`${where}: unknown field ${k}`); };

function blockProblems(b, where, out) {
  if (!isObj(b) || Object.keys(b).length !== 1) return out.push(`${where}: a content block has exactly one member`);
  const [kind, v] = Object.entries(b)[0];
  if (kind === 'text') { if (typeof v !== 'string' || !v.trim()) out.push(`${where}.text: The text field in the ContentBlock object is blank.`); }
  else if (kind === 'image') {
    onlyKeys(v, ['format', 'source'], `${where}.image`, out);
    if (!['png', 'jpeg', 'gif', 'webp'].includes(v.format)) out.push(`${where}.image.format: must be png, jpeg, gif or webp`);
    if (!isObj(v.source) || typeof v.source.bytes !== 'string' || !/^[A-Za-z0-9+/]+=*$/.test(v.source.bytes)) out.push(`${where}.image.source.bytes: base64 required`);
  } else if (kind === 'toolUse') {
    onlyKeys(v, ['toolUseId', 'name', 'input'], `${where}.toolUse`, out);
    if (typeof v.toolUseId !== 'string' || !v.toolUseId || typeof v.name !== 'string' || !isObj(v.input)) out.push(`${where}.toolUse: toolUseId, name and an input object are required`);
  } else if (kind === 'toolResult') {
    onlyKeys(v, ['toolUseId', 'content', 'status'], `${where}.toolResult`, out);
    if (typeof v.toolUseId !== 'string' || !Array.isArray(v.content)) out.push(`${where}.toolResult: toolUseId and content are required`);
    else v.content.forEach((c, i) => { if (!isObj(c) || !(typeof c.text === 'string' || 'json' in c) || Object.keys(c).length !== 1) out.push(`${where}.toolResult.content.${i}: text or json`); });
    if (v.status !== undefined && !['success', 'error'].includes(v.status)) out.push(`${where}.toolResult.status: success or error`);
  } else out.push(`${where}: unknown content block ${kind}`);
}

function problems(body) {
  const out = [];
  onlyKeys(body, TOP_LEVEL, 'body', out);
  if (!Array.isArray(body.messages) || body.messages.length === 0) return [...out, 'messages: at least one message is required'];
  let toolBlocks = false;
  body.messages.forEach((m, i) => {
    if (!isObj(m)) return out.push(`messages.${i}: must be an object`);
    onlyKeys(m, ['role', 'content'], `messages.${i}`, out);
    if (m.role !== 'user' && m.role !== 'assistant') out.push(`messages.${i}.role: must be user or assistant`);
    if (i === 0 && m.role !== 'user') out.push('A conversation must start with a user message. Try again with a conversation that starts with a user message.');
    if (i > 0 && body.messages[i - 1].role === m.role) out.push('A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.');
    if (!Array.isArray(m.content) || m.content.length === 0) return out.push(`messages.${i}.content: must be a non-empty list`);
    m.content.forEach((b, k) => {
      blockProblems(b, `messages.${i}.content.${k}`, out);
      if (isObj(b) && ('toolUse' in b || 'toolResult' in b)) toolBlocks = true;
      if (isObj(b) && b.toolResult) {
        const prev = body.messages[i - 1];
        const ids = (prev?.content ?? []).filter((x) => x.toolUse).map((x) => x.toolUse.toolUseId);
        if (!ids.includes(b.toolResult.toolUseId)) out.push(`messages.${i}.content.${k}: toolResult ${b.toolResult.toolUseId} answers no toolUse of the previous turn`);
      }
    });
  });
  if (body.system !== undefined) {
    if (!Array.isArray(body.system)) out.push('system: must be a list');
    else body.system.forEach((s, i) => blockProblems(s, `system.${i}`, out));
  }
  if (body.inferenceConfig !== undefined) {
    const ic = body.inferenceConfig;
    onlyKeys(ic, ['maxTokens', 'temperature', 'topP', 'stopSequences'], 'inferenceConfig', out);
    if (ic.maxTokens !== undefined && (!Number.isInteger(ic.maxTokens) || ic.maxTokens < 1)) out.push('inferenceConfig.maxTokens: a positive integer');
    for (const k of ['temperature', 'topP']) if (ic[k] !== undefined && (typeof ic[k] !== 'number' || ic[k] < 0 || ic[k] > 1)) out.push(`inferenceConfig.${k}: between 0 and 1`);
    if (ic.stopSequences !== undefined && (!Array.isArray(ic.stopSequences) || ic.stopSequences.some((s) => typeof s !== 'string'))) out.push('inferenceConfig.stopSequences: a list of strings');
  }
  if (body.toolConfig !== undefined) {
    const tc = body.toolConfig;
    onlyKeys(tc, ['tools', 'toolChoice'], 'toolConfig', out);
    if (!Array.isArray(tc.tools) || tc.tools.length === 0) out.push('toolConfig.tools: at least one tool');
    else tc.tools.forEach((t, i) => {
      onlyKeys(t, ['toolSpec'], `toolConfig.tools.${i}`, out);
      const s = t.toolSpec;
      if (!isObj(s) || typeof s.name !== 'string' || !isObj(s.inputSchema) || !isObj(s.inputSchema.json)) out.push(`toolConfig.tools.${i}.toolSpec: name and inputSchema.json required`);
      else onlyKeys(s, ['name', 'description', 'inputSchema', 'strict'], `toolConfig.tools.${i}.toolSpec`, out);
    });
    if (tc.toolChoice !== undefined) {
      const [kind, v] = Object.entries(tc.toolChoice)[0] ?? [];
      if (Object.keys(tc.toolChoice).length !== 1 || !['auto', 'any', 'tool'].includes(kind)) out.push('toolConfig.toolChoice: one of auto, any, tool');
      else if (kind === 'tool' && !(tc.tools ?? []).some((t) => t.toolSpec?.name === v?.name)) out.push('toolConfig.toolChoice.tool.name: not one of the tools');
    }
  } else if (toolBlocks) out.push('The toolConfig field must be defined when using toolUse and toolResult content blocks.');
  if (body.outputConfig !== undefined) {
    const tf = body.outputConfig.textFormat;
    const js = tf?.structure?.jsonSchema;
    if (!isObj(tf) || tf.type !== 'json_schema' || !isObj(js) || typeof js.schema !== 'string') out.push('outputConfig.textFormat: type json_schema and structure.jsonSchema.schema (a string) required');
    else { try { JSON.parse(js.schema); } catch { out.push('outputConfig.textFormat.structure.jsonSchema.schema: not JSON'); } }
  }
  return out;
}

function lastUserText(body) {
  const m = body.messages.at(-1);
  return m.content.filter((b) => typeof b.text === 'string').map((b) => b.text).join(' ');
}

// A JSON value that fits a (simple) schema: what a model under structured output would answer.
function sampleFor(schema) {
  if (schema.type === 'object') return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, s]) => [k, sampleFor(s)]));
  if (schema.type === 'array') return [sampleFor(schema.items ?? {})];
  return { string: 'bedrock', number: 4.5, integer: 4, boolean: true }[schema.type] ?? null;
}

function frame(type, payload) {
  return eventFrame({ ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' },
    JSON.stringify({ ...payload, p: 'abcdefghijkl' }));
}

function exceptionFrame(type, message) {
  return eventFrame({ ':exception-type': type, ':content-type': 'application/json', ':message-type': 'exception' }, JSON.stringify({ message }));
}

// InvokeModel for Titan Image Generator / Nova Canvas TEXT_IMAGE tasks: the base64 "images" decode to
// "bedrock-image:<i>:<text>".
function invokeImage(res, modelId, body, received) {
  received.push({ modelId, invoke: true, body });
  if (!/^amazon\.(titan-image-generator|nova-canvas)/.test(modelId)) return awsError(res, 400, 'ValidationException', `Malformed input request: ${modelId} is not an image model`);
  const issues = [];
  onlyKeys(body, ['taskType', 'textToImageParams', 'imageGenerationConfig'], 'body', issues);
  if (body.taskType !== 'TEXT_IMAGE') issues.push('taskType: TEXT_IMAGE expected');
  const text = body.textToImageParams?.text;
  if (typeof text !== 'string' || !text || text.length > 1024) issues.push('textToImageParams.text: 1 to 1024 characters');
  const c = body.imageGenerationConfig ?? {};
  onlyKeys(c, ['numberOfImages', 'width', 'height', 'quality', 'cfgScale', 'seed'], 'imageGenerationConfig', issues);
  if (c.numberOfImages !== undefined && !(Number.isInteger(c.numberOfImages) && c.numberOfImages >= 1 && c.numberOfImages <= 5)) issues.push('numberOfImages: 1 to 5');
  if ((c.width === undefined) !== (c.height === undefined)) issues.push('width and height go together');
  if (c.quality !== undefined && !['standard', 'premium'].includes(c.quality)) issues.push('quality: standard or premium');
  if (issues.length) return awsError(res, 400, 'ValidationException', `Malformed input request: ${issues.join('; ')}`);
  const images = Array.from({ length: c.numberOfImages ?? 1 }, (_, i) => Buffer.from(`bedrock-image:${i}:${text}`).toString('base64'));
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ images }));
}

// InvokeModel for the embedding models: Titan Text Embeddings V2 (and G1, which takes inputText only) and
// Cohere Embed v3, with their documented bodies; embedding k of a text is (text length + k) / 16 (exact in
// float32). Other model ids get the ValidationException AWS gives for an unknown model.
const TITAN_V2 = ['inputText', 'dimensions', 'normalize', 'embeddingTypes'];
const COHERE = ['texts', 'images', 'input_type', 'truncate', 'embedding_types'];
const vectorFor = (text, n) => Array.from({ length: n }, (_, k) => (text.length + k) / 16);

function invokeEmbedding(res, modelId, body, received) {
  received.push({ modelId, invoke: true, body });
  const out = [];
  const unknown = (keys) => { for (const k of Object.keys(body)) if (!keys.includes(k)) out.push(`extraneous key [${k}] is not permitted`); };
  res.setHeader('x-amzn-requestid', crypto.randomUUID());
  if (modelId.includes('titan-embed-text')) {
    unknown(modelId.includes('-v2') ? TITAN_V2 : ['inputText']);
    if (typeof body.inputText !== 'string' || !body.inputText) out.push('required key [inputText] not found or empty');
    if (body.dimensions !== undefined && ![256, 512, 1024].includes(body.dimensions)) out.push(`dimensions: ${body.dimensions} is not a valid enum value`);
    if (out.length) return awsError(res, 400, 'ValidationException', `Malformed input request: ${out.join(', ')}, please reformat your input and try again.`);
    const embedding = vectorFor(body.inputText, body.dimensions ?? 1024);
    res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-bedrock-input-token-count': '3' });
    return res.end(JSON.stringify({ embedding, inputTextTokenCount: body.inputText.split(/\s+/).length, embeddingsByType: { float: embedding } }));
  }
  if (modelId.includes('cohere.embed')) {
    unknown(COHERE);
    if (!Array.isArray(body.texts) || body.texts.length > 96 || body.texts.some((t) => typeof t !== 'string')) out.push('texts: an array of at most 96 strings is required');
    if (!['search_document', 'search_query', 'classification', 'clustering'].includes(body.input_type)) out.push('input_type: required');
    if (out.length) return awsError(res, 400, 'ValidationException', `Malformed input request: ${out.join(', ')}, please reformat your input and try again.`);
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ embeddings: body.texts.map((t) => vectorFor(t, 8)), id: crypto.randomUUID(),
      response_type: 'embeddings_floats', texts: body.texts }));
  }
  return awsError(res, 400, 'ValidationException', 'The provided model identifier is invalid.');
}

export async function startFakeBedrock({ credentials = FAKE_CREDENTIALS } = {}) {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks);
      const invoke = /^\/model\/([^/]+)\/invoke$/.exec(req.url);
      if (req.method === 'POST' && invoke && /embed/.test(decodeURIComponent(invoke[1]))) {
        const unsigned = await signatureProblem(req, raw, credentials, { service: 'bedrock', region: FAKE_REGION });
        if (unsigned) return awsError(res, 403, ...unsigned);
        let body;
        try { body = JSON.parse(raw.toString('utf8')); } catch { return awsError(res, 400, 'SerializationException', 'body is not JSON'); }
        return invokeEmbedding(res, decodeURIComponent(invoke[1]), body, received);
      }
      const route = /^\/model\/([^/]+)\/(converse|converse-stream|invoke)$/.exec(req.url);
      if (req.method !== 'POST' || !route) return awsError(res, 404, 'UnknownOperationException', `no operation at ${req.method} ${req.url}`);
      const bad = await signatureProblem(req, raw, credentials, { service: 'bedrock', region: FAKE_REGION });
      if (bad) return awsError(res, 403, ...bad);
      let body;
      try { body = JSON.parse(raw.toString('utf8')); } catch { return awsError(res, 400, 'SerializationException', 'body is not JSON'); }
      const modelId = decodeURIComponent(route[1]);
      if (route[2] === 'invoke') return invokeImage(res, modelId, body, received);
      const stream = route[2] === 'converse-stream';
      received.push({ modelId, stream, headers: req.headers, body });
      const issues = problems(body);
      if (issues.length) return awsError(res, 400, 'ValidationException', issues.join('; '));
      const text = lastUserText(body);
      if (text.includes('throttle')) return awsError(res, 429, 'ThrottlingException', 'Too many requests, please wait before trying again.');
      if (text.includes('too long')) return awsError(res, 400, 'ValidationException', 'Input is too long for requested model.');
      const schema = body.outputConfig?.textFormat?.structure?.jsonSchema?.schema;
      const reply = schema ? JSON.stringify(sampleFor(JSON.parse(schema))) : `bedrock: ${text}`;
      const tool = body.toolConfig && text.includes('weather') && !body.toolConfig.toolChoice?.none
        ? { toolUseId: `tooluse_fake${received.length}`, name: body.toolConfig.tools[0].toolSpec.name, input: { location: 'Paris' } } : null;
      const usage = { inputTokens: 10, outputTokens: 7, totalTokens: 17 };
      const stopReason = tool ? 'tool_use' : 'end_turn';
      if (!stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ output: { message: { role: 'assistant', content: tool ? [{ toolUse: tool }] : [{ text: reply }] } },
          stopReason, usage, metrics: { latencyMs: 120 } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': crypto.randomUUID() });
      // Frames go out split at odd points, so the gateway's decoder sees partial messages.
      const send = (buf) => sendSplit(res, buf);
      await send(frame('messageStart', { role: 'assistant' }));
      if (tool) {
        await send(frame('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: tool.toolUseId, name: tool.name } } }));
        for (const piece of ['{"loca', 'tion": "Pa', 'ris"}']) await send(frame('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: piece } } }));
      } else {
        for (const word of reply.match(/\S+\s*/g)) await send(frame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: word } }));
        if (text.includes('midstream')) {
          await send(exceptionFrame('throttlingException', 'Too many tokens, please wait before trying again.'));
          res.end();
          return;
        }
      }
      await send(frame('contentBlockStop', { contentBlockIndex: 0 }));
      await send(frame('messageStop', { stopReason }));
      await send(frame('metadata', { usage, metrics: { latencyMs: 120 } }));
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, received, close: () => new Promise((r) => server.close(r)) };
}
