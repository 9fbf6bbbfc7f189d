// A strict fake of Ollama's native API (docs/api.md of ollama/ollama): POST /api/embed and POST /api/chat.
// It refuses what a gateway could get wrong: unknown top-level, message or option fields, tool call
// arguments that are not objects, images that are not bare base64, a `format` that is neither "json" nor
// a schema, and models it "has not pulled" (Ollama's 404). Behaviour is deterministic so tests can assert:
//  - embed: embedding k of a text is (text length + k) / 4 (exact in float32), `dimensions` values (6 by default);
//  - chat: the reply is "ollama: <last user text>", or "ollama: saw N image(s)" when the last user message
//    has images; with tools offered and "tool" in the last user text it calls the first tool with
//    {"city":"Paris"}; with a schema `format` it answers JSON filling the schema ("x" for strings, 1 for
//    numbers, true for booleans, [] for arrays); with format "json" it answers {"text": <reply>};
//    options.num_predict caps the reply at that many words (done_reason "length").
//    prompt_eval_count = words in all message contents, eval_count = words in the reply (1 for a tool call).
//  - stream (Ollama's default): application/x-ndjson, one word per line, tool calls on their own line, then
//    the final done line with the counts.
import http from 'node:http';

const EMBED_FIELDS = ['model', 'input', 'truncate', 'options', 'keep_alive', 'dimensions'];
const CHAT_FIELDS = ['model', 'messages', 'tools', 'format', 'options', 'stream', 'keep_alive', 'think'];
const MESSAGE_FIELDS = ['role', 'content', 'thinking', 'images', 'tool_calls', 'tool_name'];
// Modelfile parameters and runtime options Ollama knows; a misnamed one (max_tokens) is a gateway bug.
const OPTIONS = ['temperature', 'top_p', 'top_k', 'min_p', 'typical_p', 'num_predict', 'num_ctx', 'seed', 'stop',
  'repeat_penalty', 'repeat_last_n', 'presence_penalty', 'frequency_penalty', 'num_keep', 'num_batch', 'num_gpu',
  'main_gpu', 'use_mmap', 'num_thread'];
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const CREATED_AT = '2024-07-22T20:33:28.123648Z';

const words = (s) => (s.match(/\S+/g) ?? []);

function fill(schema) {
  switch (schema?.type) {
    case 'object': return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, fill(v)]));
    case 'array': return [];
    case 'integer': case 'number': return 1;
    case 'boolean': return true;
    default: return 'x';
  }
}

// Returns an error string for a request Ollama would refuse, or null.
function invalidChat(body) {
  const unknown = Object.keys(body).filter((k) => !CHAT_FIELDS.includes(k));
  if (unknown.length) return `json: unknown field "${unknown[0]}"`;
  if (typeof body.model !== 'string' || !body.model) return 'model is required';
  if (!Array.isArray(body.messages)) return 'json: cannot unmarshal messages';
  for (const [i, m] of body.messages.entries()) {
    const bad = Object.keys(m ?? {}).filter((k) => !MESSAGE_FIELDS.includes(k));
    if (bad.length) return `json: unknown field "${bad[0]}" in messages[${i}]`;
    if (!['system', 'user', 'assistant', 'tool'].includes(m.role)) return `messages[${i}]: invalid role "${m.role}"`;
    if (typeof (m.content ?? '') !== 'string') return 'json: cannot unmarshal array into Go struct field Message.messages.content of type string';
    if (m.images !== undefined && (!Array.isArray(m.images) || m.images.some((b) => typeof b !== 'string' || !BASE64.test(b))))
      return 'illegal base64 data at input byte 4';
    for (const c of m.tool_calls ?? []) {
      if (typeof c?.function?.name !== 'string') return `messages[${i}]: tool call without a function name`;
      if (typeof c.function.arguments !== 'object' || c.function.arguments === null || Array.isArray(c.function.arguments))
        return 'json: cannot unmarshal string into Go struct field ToolCallFunction.messages.tool_calls.function.arguments of type api.ToolCallFunctionArguments';
    }
    if (m.tool_name !== undefined && (m.role !== 'tool' || typeof m.tool_name !== 'string')) return `messages[${i}]: tool_name belongs on a tool message`;
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean') return 'json: cannot unmarshal stream';
  if (body.format !== undefined && body.format !== 'json' && (typeof body.format !== 'object' || body.format === null || Array.isArray(body.format)))
    return 'invalid format: expected "json" or a JSON schema';
  if (body.options !== undefined) {
    if (typeof body.options !== 'object' || body.options === null) return 'json: cannot unmarshal options';
    const badOpt = Object.keys(body.options).filter((k) => !OPTIONS.includes(k));
    if (badOpt.length) return `invalid option provided option="${badOpt[0]}"`;
  }
  for (const t of body.tools ?? [])
    if (t?.type !== 'function' || typeof t.function?.name !== 'string' || typeof t.function?.parameters !== 'object')
      return 'invalid tool definition';
  if (body.think !== undefined && ![true, false, 'high', 'medium', 'low'].includes(body.think)) return 'invalid think value';
  return null;
}

function answer(body) {
  const lastUser = body.messages.findLast((m) => m.role === 'user') ?? { content: '' };
  const text = lastUser.content ?? '';
  const prompt = body.messages.reduce((n, m) => n + words(m.content ?? '').length, 0);
  // "two tools": Ollama streams every call its parser found in one line, as it does for parallel calls.
  if (body.tools?.length && /two tools/.test(text))
    return { content: '', tool_calls: ['Paris', 'Lyon'].map((city) => ({ function: { name: body.tools[0].function.name, arguments: { city } } })),
      done_reason: 'stop', prompt, evals: 2 };
  if (body.tools?.length && /tool/.test(text))
    return { content: '', tool_calls: [{ function: { name: body.tools[0].function.name, arguments: { city: 'Paris' } } }],
      done_reason: 'stop', prompt, evals: 1 };
  let reply = lastUser.images?.length ? `ollama: saw ${lastUser.images.length} image(s)` : `ollama: ${text}`;
  if (body.format === 'json') reply = JSON.stringify({ text: reply });
  else if (typeof body.format === 'object') reply = JSON.stringify(fill(body.format));
  let done_reason = 'stop';
  const limit = body.options?.num_predict;
  if (Number.isInteger(limit) && limit >= 0 && words(reply).length > limit) {
    reply = words(reply).slice(0, limit).join(' ');
    done_reason = 'length';
  }
  return { content: reply, done_reason, prompt, evals: words(reply).length };
}

const stats = (a) => ({ total_duration: 885095291, load_duration: 3753500, prompt_eval_count: a.prompt,
  prompt_eval_duration: 328493000, eval_count: a.evals, eval_duration: 552222000 });

function chat(body, res, reply) {
  const a = answer(body);
  const head = { model: body.model, created_at: CREATED_AT };
  if (body.stream === false) {
    const message = { role: 'assistant', content: a.content };
    if (a.tool_calls) message.tool_calls = a.tool_calls;
    return reply(200, { ...head, message, done_reason: a.done_reason, done: true, ...stats(a) });
  }
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const lines = a.tool_calls ? [{ ...head, message: { role: 'assistant', content: '', tool_calls: a.tool_calls }, done: false }]
    : (a.content.match(/\S+\s*/g) ?? []).map((piece) => ({ ...head, message: { role: 'assistant', content: piece }, done: false }));
  lines.push({ ...head, message: { role: 'assistant', content: '' }, done_reason: a.done_reason, done: true, ...stats(a) });
  // One write per line, as Ollama flushes them, so the gateway sees real chunk boundaries.
  (async () => {
    for (const l of lines) {
      res.write(JSON.stringify(l) + '\n');
      await new Promise((r) => setImmediate(r));
    }
    res.end();
  })();
}

function invalidEmbed(body) {
  const unknown = Object.keys(body).filter((k) => !EMBED_FIELDS.includes(k));
  return unknown.length ? `json: unknown field "${unknown[0]}"` : null;
}

function embed(body, reply) {
  const inputs = typeof body.input === 'string' ? [body.input] : body.input;
  if (!Array.isArray(inputs) || inputs.some((t) => typeof t !== 'string')) return reply(400, { error: 'invalid input type' });
  const n = body.dimensions ?? 6;
  reply(200, { model: body.model, embeddings: inputs.map((t) => Array.from({ length: n }, (_, k) => (t.length + k) / 4)),
    total_duration: 14143917, load_duration: 1019500, prompt_eval_count: inputs.join(' ').split(/\s+/).length });
}

export async function startFakeOllama({ models = ['nomic-embed-text', 'llama3.2', 'llava'] } = {}) {
  const received = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const reply = (status, body) => { res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }); res.end(JSON.stringify(body)); };
      if (req.method !== 'POST' || !['/api/embed', '/api/chat'].includes(req.url)) return reply(404, { error: '404 page not found' });
      let body;
      try { body = JSON.parse(raw); } catch { return reply(400, { error: 'invalid character in request body' }); }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return reply(400, { error: 'json: cannot unmarshal request body' });
      received.push({ path: req.url, headers: req.headers, body });
      const bad = req.url === '/api/chat' ? invalidChat(body) : invalidEmbed(body);
      if (bad) return reply(400, { error: bad });
      if (!models.includes(body.model)) return reply(404, { error: `model "${body.model}" not found, try pulling it first` });
      return req.url === '/api/chat' ? chat(body, res, reply) : embed(body, reply);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, received, close: () => new Promise((r) => server.close(r)) };
}
