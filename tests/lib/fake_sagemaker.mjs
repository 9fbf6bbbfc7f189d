// A fake SageMaker Runtime (InvokeEndpoint, InvokeEndpointWithResponseStream) with two kinds of container
// behind its endpoints, each as strict as the real one on what the gateway controls. The runtime VERIFIES
// SigV4 (service "sagemaker") by signing again with @smithy/signature-v4 and answers a mismatch with 403
// InvalidSignatureException; an unknown endpoint is a 400 ValidationError; a container's own 4xx/5xx comes
// back as 424 ModelError with OriginalStatusCode and OriginalMessage, as SageMaker wraps them. Streams are
// AWS event streams (@smithy/eventstream-codec) of PayloadPart events whose payload is the container's raw
// bytes, cut at arbitrary points (not at SSE event boundaries).
//   endpoints: { name: 'openai' | 'tgi' | 'image' }.
//   openai (a vLLM-like container): reply "sagemaker: <last user text>"; with tools and "weather": a tool
//     call of the first tool; "too long": the container's 400 context-length error; "crash": its 500;
//     "notready": 429 ModelNotReadyException; "midstream" (streamed): some text, then a ModelStreamError.
//   tgi (TGI's generate API): reply "tgi: <last User line of the prompt>"; TGI's 422 validation errors for
//     a temperature of 0, a top_p outside (0, 1), unknown parameters.
//   image (the gateway's image contract): {prompt, n?, width?, height?} -> {"images": [base64 of
//     "sagemaker-image:<i>:<prompt>"]}; other fields are the container's 400.
import http from 'node:http';
import { awsError as awsErrorReply, signatureProblem, eventFrame, sendSplit } from './aws_fake_common.mjs';

export const FAKE_CREDENTIALS = { accessKeyId: 'AKIAFAKESAGEMAKER001', secretAccessKey: 'fake/secret+KEY/for/the/sagemaker/fake0' };
export const FAKE_REGION = 'eu-west-1';
const ACCOUNT = '123456789012';

const awsError = (res, status, type, message, extra = {}) =>
  awsErrorReply(res, status, type, message, { namespace: 'com.amazon.coral.validate', messageKey: 'Message', extra });

// What SageMaker answers when the container answered `status` with `body`.
function modelError(res, endpoint, status, body) {
  const kind = status >= 500 ? 'server' : 'client';
  awsError(res, 424, 'ModelError',
    `Received ${kind} error (${status}) from primary with message "${body}". See https://${FAKE_REGION}.console.aws.amazon.com/cloudwatch/home?region=${FAKE_REGION}#logEventViewer:group=/aws/sagemaker/Endpoints/${endpoint} in account ${ACCOUNT} for more information.`,
    { OriginalStatusCode: status, OriginalMessage: body, LogStreamArn: `arn:aws:logs:${FAKE_REGION}:${ACCOUNT}:log-group:/aws/sagemaker/Endpoints/${endpoint}` });
}

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const part = (bytes) => eventFrame({ ':event-type': 'PayloadPart', ':content-type': 'application/octet-stream', ':message-type': 'event' }, bytes);

// The container's bytes in PayloadParts of at most 23 bytes, each frame itself written in two pieces.
async function streamParts(res, text) {
  for (let i = 0; i < text.length; i += 23) await sendSplit(res, part(text.slice(i, i + 23)));
}

// vLLM's checks on the points the gateway controls; returns the problem as the container's 400 body.
function openaiProblem(body) {
  const err = (message) => JSON.stringify({ object: 'error', message, type: 'BadRequestError', param: null, code: 400 });
  if (!Array.isArray(body.messages) || body.messages.length === 0) return err('messages: Field required');
  for (const [i, m] of body.messages.entries()) {
    if (!['system', 'developer', 'user', 'assistant', 'tool'].includes(m.role)) return err(`messages.${i}.role: unknown role ${m.role}`);
    if (m.role === 'tool' && typeof m.tool_call_id !== 'string') return err(`messages.${i}.tool_call_id: Field required`);
  }
  if (body.model !== undefined) return JSON.stringify({ object: 'error', message: `The model \`${body.model}\` does not exist.`, type: 'NotFoundError', param: null, code: 404 });
  if (body.stream_options !== undefined && body.stream !== true) return err('Stream options can only be defined when `stream=True`.');
  return null;
}

const lastUser = (messages) => {
  const m = messages.filter((x) => x.role === 'user').at(-1);
  return typeof m?.content === 'string' ? m.content : (m?.content ?? []).filter((p) => p.type === 'text').map((p) => p.text).join(' ');
};

async function openaiContainer(res, endpoint, body, stream) {
  const problem = openaiProblem(body);
  if (problem) return modelError(res, endpoint, JSON.parse(problem).code, problem);
  const text = lastUser(body.messages);
  if (text.includes('notready')) return awsError(res, 429, 'ModelNotReadyException', 'Model is not ready yet. Wait and try your request again.');
  if (text.includes('crash')) return modelError(res, endpoint, 500, 'Internal Server Error');
  if (text.includes('too long'))
    return modelError(res, endpoint, 400, JSON.stringify({ object: 'error', message: "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.", type: 'BadRequestError', param: null, code: 400 }));
  const reply = `sagemaker: ${text}`;
  const tool = body.tools?.length && text.includes('weather') && body.tool_choice !== 'none'
    ? { id: 'chatcmpl-tool-fake1', type: 'function', function: { name: body.tools[0].function.name, arguments: '{"location": "Paris"}' } } : null;
  const usage = { prompt_tokens: 11, total_tokens: 18, completion_tokens: 7 };
  const base = { id: 'chatcmpl-sm1', created: Math.floor(Date.now() / 1000), model: 'served-llama' };
  const finish = tool ? 'tool_calls' : 'stop';
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json', 'x-amzn-invoked-production-variant': 'AllTraffic' });
    res.end(JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: tool ? null : reply, tool_calls: tool ? [tool] : [] },
      logprobs: null, finish_reason: finish, stop_reason: null }], usage }));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-sagemaker-content-type': 'text/event-stream',
    'x-amzn-invoked-production-variant': 'AllTraffic' });
  const chunk = (delta, finishReason = null) => `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] })}\n\n`;
  let sse = chunk({ role: 'assistant', content: '' });
  if (tool) {
    sse += chunk({ tool_calls: [{ index: 0, id: tool.id, type: 'function', function: { name: tool.function.name, arguments: '' } }] });
    for (const piece of ['{"location', '": "Paris"}']) sse += chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] });
  } else {
    for (const word of reply.match(/\S+\s*/g)) sse += chunk({ content: word });
  }
  if (text.includes('midstream')) {
    await streamParts(res, sse);
    await sendSplit(res, eventFrame({ ':exception-type': 'ModelStreamError', ':content-type': 'application/json', ':message-type': 'exception' },
      JSON.stringify({ Message: 'Model stream ended unexpectedly', ErrorCode: 'StreamBroken' })));
    res.end();
    return;
  }
  sse += chunk({}, finish);
  if (body.stream_options?.include_usage) sse += `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n`;
  sse += 'data: [DONE]\n\n';
  await streamParts(res, sse);
  res.end();
}

const TGI_PARAMETERS = ['best_of', 'decoder_input_details', 'details', 'do_sample', 'frequency_penalty', 'grammar', 'max_new_tokens',
  'repetition_penalty', 'return_full_text', 'seed', 'stop', 'temperature', 'top_k', 'top_n_tokens', 'top_p', 'truncate', 'typical_p', 'watermark'];

function tgiProblem(body) {
  const err = (error) => JSON.stringify({ error, error_type: 'validation' });
  if (typeof body.inputs !== 'string' || !body.inputs) return err('`inputs` must be a non-empty string');
  const p = body.parameters ?? {};
  if (!isObj(p)) return err('`parameters` must be an object');
  for (const k of Object.keys(p)) if (!TGI_PARAMETERS.includes(k)) return err(`unknown parameter \`${k}\``);
  if (p.temperature !== undefined && !(p.temperature > 0)) return err('Input validation error: `temperature` must be strictly positive');
  if (p.top_p !== undefined && !(p.top_p > 0 && p.top_p < 1)) return err('Input validation error: `top_p` must be > 0.0 and < 1.0');
  if (p.max_new_tokens !== undefined && !(Number.isInteger(p.max_new_tokens) && p.max_new_tokens > 0)) return err('Input validation error: `max_new_tokens` must be strictly positive');
  return null;
}

async function tgiContainer(res, endpoint, body, stream) {
  const problem = tgiProblem(body);
  if (problem) return modelError(res, endpoint, 422, problem);
  const user = /User: ([^\n]*)\n\nAssistant:$/.exec(body.inputs);
  const text = `tgi: ${user ? user[1] : '?'}`;
  const tokens = text.match(/\S+\s*/g);
  const details = body.parameters?.details ? { finish_reason: 'eos_token', generated_tokens: tokens.length + 1, seed: null } : null;
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify([details ? { generated_text: text, details: { ...details, prefill: [], tokens: [] } } : { generated_text: text }]));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-sagemaker-content-type': 'text/event-stream' });
  let sse = '';
  tokens.forEach((t, i) => {
    sse += `data:${JSON.stringify({ index: i + 1, token: { id: 100 + i, text: t, logprob: -0.1, special: false }, generated_text: null, details: null })}\n\n`;
  });
  sse += `data:${JSON.stringify({ index: tokens.length + 1, token: { id: 2, text: '</s>', logprob: -0.01, special: true }, generated_text: text, details })}\n\n`;
  await streamParts(res, sse);
  res.end();
}

function imageContainer(res, endpoint, body) {
  const extra = Object.keys(body).filter((k) => !['prompt', 'n', 'width', 'height'].includes(k));
  if (typeof body.prompt !== 'string' || !body.prompt || extra.length)
    return modelError(res, endpoint, 400, JSON.stringify({ error: `prompt required; unknown fields: ${extra.join(', ')}` }));
  const images = Array.from({ length: body.n ?? 1 }, (_, i) => Buffer.from(`sagemaker-image:${i}:${body.prompt}`).toString('base64'));
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ images }));
}

export async function startFakeSagemaker({ endpoints = {}, credentials = FAKE_CREDENTIALS } = {}) {
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks);
      const route = /^\/endpoints\/([^/]+)\/(invocations|invocations-response-stream)$/.exec(req.url);
      if (req.method !== 'POST' || !route) return awsError(res, 404, 'UnknownOperationException', `no operation at ${req.method} ${req.url}`);
      const bad = await signatureProblem(req, raw, credentials, { service: 'sagemaker', region: FAKE_REGION });
      if (bad) return awsError(res, 403, ...bad);
      const endpoint = decodeURIComponent(route[1]);
      const stream = route[2] === 'invocations-response-stream';
      const kind = endpoints[endpoint];
      if (!kind) return awsError(res, 400, 'ValidationError', `Endpoint ${endpoint} of account ${ACCOUNT} not found.`);
      let body;
      try { body = JSON.parse(raw.toString('utf8')); } catch { return modelError(res, endpoint, 400, 'body is not JSON'); }
      received.push({ endpoint, stream, headers: req.headers, body });
      if (kind === 'tgi') return tgiContainer(res, endpoint, body, stream);
      if (kind === 'image') return imageContainer(res, endpoint, body);
      return openaiContainer(res, endpoint, body, stream);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, received, close: () => new Promise((r) => server.close(r)) };
}
