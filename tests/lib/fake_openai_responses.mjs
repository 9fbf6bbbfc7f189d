// The Responses API of the fake OpenAI server, strict where the gateway's pass-through matters: it keeps
// its own responses, so a previous_response_id or an item id it did not issue is a 400 (as OpenAI answers),
// and a reasoning item without OpenAI's encrypted content is refused.
//   reply: "openai-responses: <last user text>"; function tools and "weather" in it, unless the input ends
//   with a function_call_output: a call of the first function tool; a web_search tool: a web_search_call
//   item before the message. Streams send the typed events, numbered.
const FIELDS = ['model', 'input', 'instructions', 'previous_response_id', 'stream', 'store', 'tools', 'tool_choice',
  'text', 'reasoning', 'max_output_tokens', 'metadata', 'temperature', 'top_p', 'parallel_tool_calls', 'include',
  'truncation', 'user', 'service_tier', 'background'];

function fail(res, message, param = null) {
  res.writeHead(400, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { message, type: 'invalid_request_error', param, code: null } }));
}

const textOf = (content) => typeof content === 'string' ? content
  : content.filter((p) => p.type === 'input_text' || p.type === 'output_text').map((p) => p.text).join('');

let counter = 0;
export function respond(body, res, state) {
  for (const k of Object.keys(body)) if (!FIELDS.includes(k)) return fail(res, `Unknown parameter: '${k}'.`, k);
  if (body.previous_response_id && !state.responses.has(body.previous_response_id))
    return fail(res, `Previous response with id '${body.previous_response_id}' not found.`, 'previous_response_id');
  const input = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : body.input;
  for (const [i, item] of input.entries()) {
    if (item.id && !state.items.has(item.id)) return fail(res, `Item with id '${item.id}' not found.`, `input[${i}].id`);
    if (item.type === 'reasoning' && !item.encrypted_content && !item.id) return fail(res, 'Reasoning items need encrypted_content.', `input[${i}]`);
  }
  const users = input.filter((m) => (m.type ?? 'message') === 'message' && m.role === 'user');
  const text = users.length ? textOf(users.at(-1).content) : '';
  const n = ++counter;
  const id = `resp_fake${n}`;
  const fn = (body.tools ?? []).find((t) => t.type === 'function');
  const answered = input.at(-1)?.type === 'function_call_output';
  const output = [];
  if ((body.tools ?? []).some((t) => t.type === 'web_search'))
    output.push({ id: `ws_fake${n}`, type: 'web_search_call', status: 'completed', action: { type: 'search', query: text } });
  if (fn && text.includes('weather') && !answered)
    output.push({ id: `fc_fake${n}`, type: 'function_call', status: 'completed', call_id: `call_fake${n}`, name: fn.name, arguments: '{"location":"Paris"}' });
  else
    output.push({ id: `msg_fake${n}`, type: 'message', status: 'completed', role: 'assistant',
      content: [{ type: 'output_text', text: `openai-responses: ${text}`, annotations: [], logprobs: [] }] });
  const usage = { input_tokens: 11, input_tokens_details: { cached_tokens: 0 }, output_tokens: 4,
    output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 15 };
  const response = { id, object: 'response', created_at: 1700000000 + n, status: 'completed', error: null,
    incomplete_details: null, model: body.model, output, usage, previous_response_id: body.previous_response_id ?? null,
    store: body.store ?? true, metadata: body.metadata ?? {}, tools: body.tools ?? [] };
  if (body.store !== false) {
    state.responses.set(id, response);
    for (const item of output) state.items.add(item.id);
  }
  if (!body.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify(response));
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  let seq = 0;
  const send = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
  send('response.created', { response: { ...response, status: 'in_progress', output: [], usage: null } });
  output.forEach((item, i) => {
    send('response.output_item.added', { output_index: i, item: item.type === 'message' ? { ...item, status: 'in_progress', content: [] } : item });
    if (item.type === 'message') {
      const t = item.content[0].text;
      send('response.content_part.added', { item_id: item.id, output_index: i, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
      send('response.output_text.delta', { item_id: item.id, output_index: i, content_index: 0, delta: t.slice(0, 8), logprobs: [] });
      send('response.output_text.delta', { item_id: item.id, output_index: i, content_index: 0, delta: t.slice(8), logprobs: [] });
      send('response.output_text.done', { item_id: item.id, output_index: i, content_index: 0, text: t, logprobs: [] });
      send('response.content_part.done', { item_id: item.id, output_index: i, content_index: 0, part: item.content[0] });
    }
    send('response.output_item.done', { output_index: i, item });
  });
  send('response.completed', { response });
  res.end();
}
