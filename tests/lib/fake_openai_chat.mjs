// A fake OpenAI chat-completions API, strict on what the gateway controls: known top-level fields only,
// messages of known roles, an assistant's tool calls answered by tool messages with their ids.
//   reply text: "openai: <last user text>"; with tools and "weather" in the last user text: a call of the
//   first tool ({"location": "Paris"}) unless the last message answers a call; a json_schema response_format: {"answer": "<last user text>"}.
//   Streams (stream_options.include_usage honoured) send the text in two pieces, a call's arguments in two.
// It also serves OpenAI's Responses API (POST /v1/responses, its own state): see responses() below.
import http from 'node:http';
import { respond as responses } from './fake_openai_responses.mjs';

const FIELDS = ['model', 'messages', 'stream', 'stream_options', 'temperature', 'top_p', 'max_tokens',
  'max_completion_tokens', 'stop', 'seed', 'user', 'tools', 'tool_choice', 'parallel_tool_calls',
  'response_format', 'reasoning_effort', 'n', 'logprobs', 'metadata'];

function problems(body) {
  const out = [];
  for (const k of Object.keys(body)) if (!FIELDS.includes(k)) out.push(`Unrecognized request argument supplied: ${k}`);
  if (typeof body.model !== 'string') out.push('model is required');
  if (!Array.isArray(body.messages) || !body.messages.length) out.push('messages must be a non-empty array');
  const called = new Set();
  for (const [i, m] of (body.messages ?? []).entries()) {
    if (!['system', 'developer', 'user', 'assistant', 'tool'].includes(m.role)) out.push(`messages[${i}].role: invalid`);
    for (const c of m.tool_calls ?? []) called.add(c.id);
    if (m.role === 'tool' && !called.has(m.tool_call_id)) out.push(`messages[${i}].tool_call_id: no assistant call has this id`);
  }
  return out;
}

function lastUserText(body) {
  for (const m of [...body.messages].reverse()) {
    if (m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    return m.content.filter((p) => p.type === 'text').map((p) => p.text).join('');
  }
  return '';
}

export async function startFakeOpenAIChat() {
  const received = [];
  const state = { responses: new Map(), items: new Set() };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => { raw += d; });
    req.on('end', () => {
      const body = JSON.parse(raw || '{}');
      received.push({ path: req.url, headers: req.headers, body });
      if (req.url === '/v1/responses') return responses(body, res, state);
      const bad = problems(body);
      if (bad.length) {
        res.writeHead(400, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: { message: bad.join('; '), type: 'invalid_request_error', param: null, code: null } }));
      }
      const text = lastUserText(body);
      const answered = body.messages.at(-1).role === 'tool';  // (an agent's loop ends)
      const tool = body.tools?.length && text.includes('weather') && !answered ? body.tools[0].function.name : null;
      const schema = body.response_format?.type === 'json_schema';
      const reply = schema ? JSON.stringify({ answer: text }) : `openai: ${text}`;
      const usage = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 };
      const base = { id: 'chatcmpl-fake', created: 1700000000, model: 'gpt-fake-1' };
      if (!body.stream) {
        const message = tool
          ? { role: 'assistant', content: null, tool_calls: [{ id: 'call_fake1', type: 'function', function: { name: tool, arguments: '{"location":"Paris"}' } }] }
          : { role: 'assistant', content: reply };
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ ...base, object: 'chat.completion',
          choices: [{ index: 0, message, finish_reason: tool ? 'tool_calls' : 'stop' }], usage }));
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta, finish = null) => res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk',
        choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
      chunk({ role: 'assistant', content: '' });
      if (tool) {
        chunk({ tool_calls: [{ index: 0, id: 'call_fake1', type: 'function', function: { name: tool, arguments: '' } }] });
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] });
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] });
      } else {
        const half = Math.floor(reply.length / 2);
        chunk({ content: reply.slice(0, half) });
        chunk({ content: reply.slice(half) });
      }
      chunk({}, tool ? 'tool_calls' : 'stop');
      if (body.stream_options?.include_usage)
        res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n`);
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, received, close: () => new Promise((r) => server.close(r)) };
}
