// A fake Gemini API (generateContent / streamGenerateContent?alt=sse) that checks what it receives as
// strictly as the real one does on the points the gateway controls, and answers like it.
//   reply text: "gemini: <last user text>" (+ " [images: N]" when the last user turn has images);
//   with tools, a user text containing "weather" gets a functionCall of the first tool (signed with a
//   thoughtSignature, which must come back on that call), "two cities" gets two calls (only the first
//   signed, as Gemini does); a JSON response schema gets an object with every required string property;
//   "overload" -> 503 UNAVAILABLE, "quota" -> 429 RESOURCE_EXHAUSTED (RetryInfo 3s), "blockme" -> the
//   prompt blocked (promptFeedback), "midstream" -> an error event inside the stream.
//   models/{model}:batchEmbedContents: deterministic vectors (see batchEmbed).
import http from 'node:http';
import crypto from 'node:crypto';

const API_KEY = 'AIza-fake';
const TOP_LEVEL = ['contents', 'systemInstruction', 'tools', 'toolConfig', 'safetySettings', 'generationConfig',
  'cachedContent', 'serviceTier', 'store'];
const GENERATION_CONFIG = ['stopSequences', 'responseMimeType', 'responseSchema', 'responseJsonSchema',
  'responseModalities', 'candidateCount', 'maxOutputTokens', 'temperature', 'topP', 'topK', 'seed',
  'presencePenalty', 'frequencyPenalty', 'responseLogprobs', 'logprobs', 'enableEnhancedCivicAnswers',
  'speechConfig', 'thinkingConfig', 'imageConfig', 'mediaResolution'];
const PART_DATA = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'executableCode', 'codeExecutionResult'];
const PART_META = ['thought', 'thoughtSignature', 'videoMetadata', 'partMetadata', 'mediaResolution'];
const DECLARATION = ['name', 'description', 'parameters', 'parametersJsonSchema', 'response', 'responseJsonSchema', 'behavior'];
// Google's OpenAPI-subset Schema (the `parameters` field); JSON Schema's other keywords are unknown names there.
const SCHEMA = ['type', 'format', 'title', 'description', 'nullable', 'enum', 'maxItems', 'minItems', 'properties',
  'required', 'minProperties', 'maxProperties', 'minLength', 'maxLength', 'pattern', 'example', 'anyOf',
  'propertyOrdering', 'default', 'items', 'minimum', 'maximum'];
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

function fail(res, code, status, message, details) {
  res.writeHead(code, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify({ error: { code, message, status, ...(details ? { details } : {}) } }, null, 2));
}

const unknownName = (name, at) => `Invalid JSON payload received. Unknown name "${name}" at '${at}': Cannot find field.`;

function checkSchema(schema, at, out) {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return out.push(`${at}: must be an object`);
  for (const k of Object.keys(schema)) if (!SCHEMA.includes(k)) out.push(unknownName(k, at));
  for (const [name, sub] of Object.entries(schema.properties ?? {})) checkSchema(sub, `${at}.properties[${name}].value`, out);
  if (schema.items) checkSchema(schema.items, `${at}.items`, out);
}

// What the real API refuses, for the parts of a request the gateway writes.
function problems(body, signed) {
  const out = [];
  for (const k of Object.keys(body)) if (!TOP_LEVEL.includes(k)) out.push(unknownName(k, ''));
  if (!Array.isArray(body.contents) || body.contents.length === 0) return [...out, '* GenerateContentRequest.contents: contents is not specified'];
  const declared = (body.tools ?? []).flatMap((t) => t.functionDeclarations ?? []).map((d) => d.name);
  body.contents.forEach((c, i) => {
    const at = `contents[${i}]`;
    if (c.role !== 'user' && c.role !== 'model') out.push(`${at}.role: Please use a valid role: user, model.`);
    if (i > 0 && body.contents[i - 1].role === c.role) out.push(`${at}: Please ensure that multiturn requests alternate between user and model.`);
    if (!Array.isArray(c.parts) || c.parts.length === 0) return out.push(`* GenerateContentRequest.${at}.parts: contents.parts must not be empty.`);
    c.parts.forEach((p, k) => {
      const pat = `${at}.parts[${k}]`;
      const data = Object.keys(p).filter((key) => PART_DATA.includes(key));
      for (const key of Object.keys(p)) if (!PART_DATA.includes(key) && !PART_META.includes(key)) out.push(unknownName(key, pat));
      if (data.length !== 1) out.push(`* GenerateContentRequest.${pat}.data: required oneof field 'data' must have one initialized field`);
      if ('text' in p && (typeof p.text !== 'string' || p.text === '')) out.push(`${pat}.text: Unable to submit request because it has an empty text parameter.`);
      if (p.inlineData && (!p.inlineData.mimeType || !BASE64.test(p.inlineData.data ?? ''))) out.push(`${pat}.inline_data: mimeType and base64 data required`);
      if (p.fileData && (!p.fileData.mimeType || !/^https:\/\//.test(p.fileData.fileUri ?? ''))) out.push(`${pat}.file_data: mimeType and fileUri required`);
      if (p.thoughtSignature !== undefined && !BASE64.test(p.thoughtSignature)) out.push(`Invalid value at '${pat}.thought_signature' (TYPE_BYTES), Base64 decoding failed`);
      if (p.functionCall && (typeof p.functionCall.args !== 'object' || Array.isArray(p.functionCall.args))) out.push(`${pat}.function_call.args: must be an object`);
      if (p.functionCall && c.role !== 'model') out.push(`${pat}: function calls belong to model turns`);
      if (p.functionResponse && c.role !== 'user') out.push(`${pat}: function responses belong to user turns`);
      if (p.functionResponse && (typeof p.functionResponse.response !== 'object' || Array.isArray(p.functionResponse.response))) out.push(`${pat}.function_response.response: must be an object`);
    });
    const calls = c.parts.filter((p) => p.functionCall);
    if (calls.length) {
      if (!calls[0].thoughtSignature) out.push(`Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`${calls[0].functionCall.name}\`, position ${c.parts.indexOf(calls[0]) + 1}.`);
      for (const p of calls) {
        const issued = signed.get(callKey(p.functionCall.name, p.functionCall.args));
        if (issued && p.thoughtSignature !== issued) out.push(`${at}: Corrupted thought signature.`);
        if (!declared.includes(p.functionCall.name)) out.push(`${at}: function call ${p.functionCall.name} is not declared`);
      }
      const next = body.contents[i + 1];
      if (next) {
        const responses = next.parts.filter((p) => p.functionResponse);
        if (responses.length !== calls.length) out.push('Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.');
        responses.forEach((r, k) => {
          if (calls[k] && r.functionResponse.name !== calls[k].functionCall.name) out.push(`contents[${i + 1}]: function response name ${r.functionResponse.name} does not match function call ${calls[k].functionCall.name}`);
        });
      }
    }
  });
  (body.tools ?? []).forEach((t, i) => (t.functionDeclarations ?? []).forEach((d, k) => {
    const at = `tools[${i}].function_declarations[${k}]`;
    for (const key of Object.keys(d)) if (!DECLARATION.includes(key)) out.push(unknownName(key, at));
    if (!/^[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}$/.test(d.name ?? '')) out.push(`${at}.name: Invalid function name.`);
    if (d.parameters && d.parametersJsonSchema) out.push(`${at}: parameters and parameters_json_schema are mutually exclusive`);
    if (d.parameters) checkSchema(d.parameters, `${at}.parameters`, out);
  }));
  const calling = body.toolConfig?.functionCallingConfig;
  if (calling) {
    if (!['AUTO', 'ANY', 'NONE', 'VALIDATED'].includes(calling.mode)) out.push(`tool_config.function_calling_config.mode: invalid value ${calling.mode}`);
    for (const n of calling.allowedFunctionNames ?? []) if (!declared.includes(n)) out.push(`allowed_function_names: ${n} is not declared`);
    if (calling.allowedFunctionNames && calling.mode !== 'ANY' && calling.mode !== 'VALIDATED') out.push('allowed_function_names is only allowed with mode ANY');
  }
  const g = body.generationConfig ?? {};
  for (const k of Object.keys(g)) if (!GENERATION_CONFIG.includes(k)) out.push(unknownName(k, 'generation_config'));
  if (g.responseSchema && g.responseJsonSchema) out.push('generation_config: response_schema and response_json_schema are mutually exclusive');
  if ((g.responseSchema || g.responseJsonSchema) && g.responseMimeType !== 'application/json') out.push('generation_config.response_mime_type must be application/json with a response schema');
  if (g.thinkingConfig) {
    for (const k of Object.keys(g.thinkingConfig)) if (!['includeThoughts', 'thinkingBudget', 'thinkingLevel'].includes(k)) out.push(unknownName(k, 'generation_config.thinking_config'));
    if ('thinkingBudget' in g.thinkingConfig && 'thinkingLevel' in g.thinkingConfig) out.push('thinking_budget and thinking_level are mutually exclusive');
  }
  if (body.systemInstruction && !Array.isArray(body.systemInstruction.parts)) out.push('system_instruction.parts: required');
  return out;
}

const callKey = (name, args) => `${name}:${JSON.stringify(args ?? {})}`;

function lastUserTurn(body) {
  for (let i = body.contents.length - 1; i >= 0; i--) if (body.contents[i].role === 'user') return body.contents[i];
  return { parts: [] };
}

function answerFor(body) {
  const turn = lastUserTurn(body);
  const text = turn.parts.filter((p) => typeof p.text === 'string').map((p) => p.text).join(' ');
  const images = turn.parts.filter((p) => p.inlineData || p.fileData).length;
  const schema = body.generationConfig?.responseJsonSchema;
  if (schema) return { text, reply: JSON.stringify(Object.fromEntries((schema.required ?? []).map((k) => [k, 'gemini']))) };
  return { text, reply: `gemini: ${text}${images ? ` [images: ${images}]` : ''}` };
}

// Imagen's :predict: {"instances": [{"prompt"}], "parameters": {"sampleCount", "aspectRatio", ...}} ->
// {"predictions": [{"bytesBase64Encoded", "mimeType"}]}, the images decoding to "imagen:<i>:<prompt>";
// a prompt with "unsafe" has every image filtered (no predictions), as Imagen answers.
function predictImages(res, model, body, received, req) {
  received.push({ path: req.url, headers: req.headers, body });
  if (!model.startsWith('imagen-')) return fail(res, 400, 'INVALID_ARGUMENT', `models/${model} does not support predict.`);
  const bad = [];
  if (!Array.isArray(body.instances) || body.instances.length !== 1 || typeof body.instances[0]?.prompt !== 'string') bad.push('instances: one {prompt}');
  const p = body.parameters ?? {};
  for (const k of Object.keys(p)) if (!['sampleCount', 'aspectRatio', 'personGeneration', 'outputOptions', 'negativePrompt', 'seed', 'imageSize'].includes(k)) bad.push(`Invalid JSON payload received. Unknown name "${k}" at 'parameters'`);
  if (p.sampleCount !== undefined && !(Number.isInteger(p.sampleCount) && p.sampleCount >= 1 && p.sampleCount <= 4)) bad.push('sampleCount: 1 to 4');
  if (p.aspectRatio !== undefined && !['1:1', '3:4', '4:3', '9:16', '16:9'].includes(p.aspectRatio)) bad.push('aspectRatio: 1:1, 3:4, 4:3, 9:16 or 16:9');
  if (bad.length) return fail(res, 400, 'INVALID_ARGUMENT', bad.join('\n'));
  const prompt = body.instances[0].prompt;
  res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
  if (prompt.includes('unsafe')) return res.end('{}');
  res.end(JSON.stringify({ predictions: Array.from({ length: p.sampleCount ?? 1 }, (_, i) => ({
    mimeType: 'image/png', bytesBase64Encoded: Buffer.from(`imagen:${i}:${prompt}`).toString('base64') })) }));
}

const EMBED_REQUEST = ['model', 'content', 'taskType', 'title', 'outputDimensionality'];

// models/{model}:batchEmbedContents: each request must name the model of the URL and carry text parts;
// embedding k of a text is (text length + k) / 8 (exact in float32), outputDimensionality values (4 by default).
function batchEmbed(req, res, raw, model, received) {
  if (req.headers['x-goog-api-key'] !== API_KEY) return fail(res, 400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.');
  if (model === 'gemini-missing') return fail(res, 404, 'NOT_FOUND', `models/${model} is not found for API version v1beta, or is not supported for batchEmbedContents.`);
  let body;
  try { body = JSON.parse(raw); } catch { return fail(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'); }
  received.push({ path: req.url, headers: req.headers, body });
  const out = [];
  for (const k of Object.keys(body)) if (k !== 'requests') out.push(unknownName(k, ''));
  if (!Array.isArray(body.requests) || !body.requests.length) out.push('* BatchEmbedContentsRequest.requests: at least one request is required');
  (Array.isArray(body.requests) ? body.requests : []).forEach((r, i) => {
    for (const k of Object.keys(r)) if (!EMBED_REQUEST.includes(k)) out.push(unknownName(k, `requests[${i}]`));
    if (r.model !== `models/${model}`) out.push(`* BatchEmbedContentsRequest.requests[${i}].model: the model must be models/${model}, as in the URL`);
    const parts = r.content?.parts;
    if (!Array.isArray(parts) || !parts.length || parts.some((p) => typeof p.text !== 'string')) out.push(`* requests[${i}].content.parts: text parts required`);
    if (r.outputDimensionality !== undefined && !(Number.isInteger(r.outputDimensionality) && r.outputDimensionality > 0))
      out.push(`* requests[${i}].outputDimensionality: must be a positive integer`);
  });
  if (out.length) return fail(res, 400, 'INVALID_ARGUMENT', out.join('\n'));
  const embeddings = body.requests.map((r) => {
    const text = r.content.parts.map((p) => p.text).join('');
    return { values: Array.from({ length: r.outputDimensionality ?? 4 }, (_, k) => (text.length + k) / 8) };
  });
  res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify({ embeddings }, null, 2));
}

export async function startFakeGemini() {
  const received = [];
  const signed = new Map();  // functionCall name+args -> the thoughtSignature this fake issued for it
  const sign = () => Buffer.concat([Buffer.from([0xfb, 0xff, 0xbf]), crypto.randomBytes(30)]).toString('base64');
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const embed = /^\/v1beta\/models\/([^/:?]+):batchEmbedContents$/.exec(req.url);
      if (req.method === 'POST' && embed) return batchEmbed(req, res, raw, embed[1], received);
      const m = /^\/v1beta\/models\/([^/:?]+):(generateContent|streamGenerateContent\?alt=sse|predict)$/.exec(req.url);
      if (req.method !== 'POST' || !m) return fail(res, 404, 'NOT_FOUND', `The requested URL ${req.url} was not found on this server.`);
      const [, model, method] = m;
      const stream = method.startsWith('stream');
      if (!req.headers['x-goog-api-key']) return fail(res, 403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
      if (req.headers['x-goog-api-key'] !== API_KEY) return fail(res, 400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.',
        [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } }]);
      if (model === 'gemini-missing') return fail(res, 404, 'NOT_FOUND', `models/${model} is not found for API version v1beta, or is not supported for generateContent.`);
      let body;
      try { body = JSON.parse(raw); } catch { return fail(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'); }
      if (method === 'predict') return predictImages(res, model, body, received, req);
      received.push({ path: req.url, headers: req.headers, body });
      const bad = problems(body, signed);
      if (bad.length) return fail(res, 400, 'INVALID_ARGUMENT', bad.join('\n'));
      const { text, reply } = answerFor(body);
      if (text.includes('overload')) return fail(res, 503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.');
      if (text.includes('quota')) return fail(res, 429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details.',
        [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '3s' }]);
      const responseId = `fake${received.length}`;
      const modelVersion = `${model}-001`;
      const usage = { promptTokenCount: 11, candidatesTokenCount: 7, thoughtsTokenCount: 5, totalTokenCount: 23 };
      const base = { modelVersion, responseId };
      const declared = (body.tools ?? []).flatMap((t) => t.functionDeclarations ?? []);
      let parts;
      if (declared.length && body.toolConfig?.functionCallingConfig?.mode !== 'NONE' && /weather|two cities/.test(text)) {
        const cities = text.includes('two cities') ? ['Paris', 'London'] : ['Paris'];
        parts = cities.map((location, k) => {
          const part = { functionCall: { name: declared[0].name, args: { location } } };
          if (k === 0) {
            part.thoughtSignature = sign();
            signed.set(callKey(part.functionCall.name, part.functionCall.args), part.thoughtSignature);
          }
          return part;
        });
      } else {
        parts = [{ text: reply }];
      }
      if (text.includes('blockme')) {
        const blocked = { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 11, totalTokenCount: 11 }, ...base };
        if (!stream) {
          res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
          return res.end(JSON.stringify(blocked));
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify(blocked)}\r\n\r\n`);
        return res.end();
      }
      if (!stream) {
        res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
        res.end(JSON.stringify({ candidates: [{ content: { parts, role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata: usage, ...base }, null, 2));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (o) => res.write(`data: ${JSON.stringify(o)}\r\n\r\n`);
      const pieces = parts[0].text !== undefined ? reply.match(/\S+\s*/g).map((t) => [{ text: t }]) : [parts];
      pieces.forEach((p, k) => {
        const last = k === pieces.length - 1;
        if (text.includes('midstream') && last) {
          send({ error: { code: 503, message: 'The model is overloaded. Please try again later.', status: 'UNAVAILABLE' } });
          return;
        }
        send({ candidates: [{ content: { parts: p, role: 'model' }, ...(last ? { finishReason: 'STOP' } : {}), index: 0 }],
          usageMetadata: last ? usage : { promptTokenCount: 11, totalTokenCount: 11 }, ...base });
      });
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, received, close: () => new Promise((r) => server.close(r)) };
}
