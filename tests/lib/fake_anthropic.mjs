// A fake Anthropic Messages API that checks what it receives as strictly as the real one does on the
// points the gateway controls, and answers like it: a JSON message or an SSE event stream.
//   reply text: "anthropic: <last user text>"; a user text containing "weather" with tools present gets a
//   tool_use of the first tool; "overload" gets a 529 overloaded_error; "midstream" errors inside the stream.
//   With `thinking: {type: "enabled"}` the reply opens with a thinking block signed "sig:<its text>"; a
//   thinking block sent back must carry that signature, as the real API checks. A body with cache_control
//   anywhere reports cache writes and reads in its usage. Every request's raw body is kept (`received`).
import http from 'node:http';

function fail(res, status, type, message) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_fake' }));
}

// The checks the real API applies and the gateway could get wrong.
function problems(req, body) {
  const out = [];
  if (req.headers['x-api-key'] !== 'sk-ant-fake') out.push('authentication');
  if (req.headers['anthropic-version'] !== '2023-06-01') out.push('anthropic-version header missing or wrong');
  if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) out.push('content-type must be JSON');
  if (typeof body.model !== 'string' || !body.model) out.push('model: Field required');
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) out.push('max_tokens: Field required');
  if (!Array.isArray(body.messages) || body.messages.length === 0) out.push('messages: at least one message is required');
  else {
    body.messages.forEach((m, i) => {
      if (m.role !== 'user' && m.role !== 'assistant') out.push(`messages.${i}.role: Input should be 'user' or 'assistant'`);
      if (i === 0 && m.role !== 'user') out.push('messages: first message must use the "user" role');
      if (i > 0 && body.messages[i - 1].role === m.role) out.push(`messages.${i}: roles must alternate`);
      const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
      if (!Array.isArray(blocks)) out.push(`messages.${i}.content: must be a string or a list`);
      else blocks.forEach((b, k) => {
        if (!['text', 'image', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking', 'document'].includes(b.type)) out.push(`messages.${i}.content.${k}.type: unknown`);
        if (b.type === 'thinking' && b.signature !== `sig:${b.thinking}`) out.push(`messages.${i}.content.${k}: Invalid \`signature\` in \`thinking\` block`);
        if (b.type === 'text' && (typeof b.text !== 'string' || (b.text === '' && blocks.length > 1))) out.push(`messages.${i}.content.${k}.text: text content blocks must be non-empty`);
        if (b.type === 'tool_use' && (typeof b.input !== 'object' || Array.isArray(b.input))) out.push(`messages.${i}.content.${k}.input: must be an object`);
      });
    });
  }
  for (const k of Object.keys(body)) {
    if (!['model', 'max_tokens', 'messages', 'system', 'temperature', 'top_p', 'top_k', 'stop_sequences', 'stream',
      'metadata', 'tools', 'tool_choice', 'thinking'].includes(k)) out.push(`${k}: Extra inputs are not permitted`);
  }
  if (body.tools) body.tools.forEach((t, i) => { if (!t.name || !t.input_schema) out.push(`tools.${i}: name and input_schema required`); });
  return out;
}

function lastUserText(body) {
  for (let i = body.messages.length - 1; i >= 0; i--) {
    const m = body.messages[i];
    if (m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    const texts = m.content.filter((b) => b.type === 'text').map((b) => b.text);
    if (texts.length) return texts.join('');
  }
  return '';
}

function sse(res, type, data) { res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`); }

export async function startFakeAnthropic() {
  const received = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/messages') return fail(res, 404, 'not_found_error', 'Not found');
      let body;
      try { body = JSON.parse(raw); } catch { return fail(res, 400, 'invalid_request_error', 'invalid JSON'); }
      received.push({ headers: req.headers, body, raw });
      const bad = problems(req, body);
      if (bad.includes('authentication')) return fail(res, 401, 'authentication_error', 'invalid x-api-key');
      if (bad.length) return fail(res, 400, 'invalid_request_error', bad.join('; '));
      const text = lastUserText(body);
      if (text.includes('overload')) return fail(res, 529, 'overloaded_error', 'Overloaded');
      // A turn that answers a tool call gets text: an agent's loop ends.
      const last = body.messages.at(-1);
      const answered = Array.isArray(last.content) && last.content.some((b) => b.type === 'tool_result');
      // A forced tool (tool_choice {type: tool}) is called, with a string for each required property.
      // Under tool_choice {type: any}, a turn that answers a call calls the last tool (the gateway's answer tool,
      // when it offers one beside the client's for structured output).
      const forced = body.tool_choice?.type === 'tool' ? body.tools?.find((t) => t.name === body.tool_choice.name)
        : body.tool_choice?.type === 'any' && answered ? body.tools.at(-1) : null;
      const useTool = forced || (body.tools?.length && text.includes('weather') && !answered);
      const id = `msg_fake${received.length}`;
      const model = `${body.model}-20250929`;
      const cached = raw.includes('"cache_control"');
      const usage = { input_tokens: 10, cache_creation_input_tokens: cached ? 50 : 0, cache_read_input_tokens: cached ? 20 : 0,
        output_tokens: 7 };
      const reply = `anthropic: ${text}`;
      const thought = body.thinking?.type === 'enabled' ? `Thinking about ${text}.` : null;
      // A tool without parameters gets an empty input, streamed (as Anthropic does) as one empty partial_json.
      const noParams = useTool && !forced && !Object.keys(body.tools[0].input_schema?.properties ?? {}).length;
      const forcedInput = forced ? Object.fromEntries((forced.input_schema?.required ?? []).map((k) => [k, text])) : null;
      const tool = useTool ? { type: 'tool_use', id: 'toolu_fake1', name: forced ? forced.name : body.tools[0].name,
        input: forcedInput ?? (noParams ? {} : { location: 'Paris' }) } : null;
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        const thinking = thought ? [{ type: 'thinking', thinking: thought, signature: `sig:${thought}` }] : [];
        res.end(JSON.stringify({ id, type: 'message', role: 'assistant', model,
          content: [...thinking, ...(tool ? [tool] : [{ type: 'text', text: reply }])],
          stop_reason: tool ? 'tool_use' : 'end_turn', stop_sequence: null, usage }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      sse(res, 'message_start', { message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null,
        stop_sequence: null, usage: { ...usage, output_tokens: 1 } } });
      sse(res, 'ping', {});
      let index = 0;
      if (thought) {
        sse(res, 'content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } });
        sse(res, 'content_block_delta', { index, delta: { type: 'thinking_delta', thinking: thought } });
        sse(res, 'content_block_delta', { index, delta: { type: 'signature_delta', signature: `sig:${thought}` } });
        sse(res, 'content_block_stop', { index });
        index++;
      }
      if (tool) {
        sse(res, 'content_block_start', { index, content_block: { ...tool, input: {} } });
        const whole = JSON.stringify(tool.input);
        const pieces = noParams ? [''] : forced ? ['', whole.slice(0, 5), whole.slice(5)] : ['', '{"loca', 'tion": "Pa', 'ris"}'];
        for (const piece of pieces) sse(res, 'content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } });
        sse(res, 'content_block_stop', { index });
      } else {
        sse(res, 'content_block_start', { index, content_block: { type: 'text', text: '' } });
        for (const word of reply.match(/\S+\s*/g)) sse(res, 'content_block_delta', { index, delta: { type: 'text_delta', text: word } });
        if (text.includes('midstream')) {
          sse(res, 'error', { error: { type: 'overloaded_error', message: 'Overloaded' } });
          res.end();
          return;
        }
        sse(res, 'content_block_stop', { index });
      }
      sse(res, 'message_delta', { delta: { stop_reason: tool ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: 7 } });
      sse(res, 'message_stop', {});
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, received, close: () => new Promise((r) => server.close(r)) };
}
