// A fake of Ollama's native embeddings endpoint, POST /api/embed, as its API documentation describes it:
// {model, input: string | string[], truncate?, options?, keep_alive?, dimensions?} ->
// {model, embeddings: [[...]], total_duration, load_duration, prompt_eval_count}. Only the models it
// "has pulled" exist; others get Ollama's 404. Embedding k of a text is (text length + k) / 4 (exact in
// float32), `dimensions` values (6 by default).
import http from 'node:http';

const FIELDS = ['model', 'input', 'truncate', 'options', 'keep_alive', 'dimensions'];

export async function startFakeOllama({ models = ['nomic-embed-text'] } = {}) {
  const received = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const reply = (status, body) => { res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }); res.end(JSON.stringify(body)); };
      if (req.method !== 'POST' || req.url !== '/api/embed') return reply(404, { error: '404 page not found' });
      let body;
      try { body = JSON.parse(raw); } catch { return reply(400, { error: 'invalid character in request body' }); }
      received.push({ path: req.url, headers: req.headers, body });
      const unknown = Object.keys(body).filter((k) => !FIELDS.includes(k));
      if (unknown.length) return reply(400, { error: `json: unknown field "${unknown[0]}"` });
      if (!models.includes(body.model)) return reply(404, { error: `model "${body.model}" not found, try pulling it first` });
      const inputs = typeof body.input === 'string' ? [body.input] : body.input;
      if (!Array.isArray(inputs) || inputs.some((t) => typeof t !== 'string')) return reply(400, { error: 'invalid input type' });
      const n = body.dimensions ?? 6;
      reply(200, { model: body.model, embeddings: inputs.map((t) => Array.from({ length: n }, (_, k) => (t.length + k) / 4)),
        total_duration: 14143917, load_duration: 1019500, prompt_eval_count: inputs.join(' ').split(/\s+/).length });
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, received, close: () => new Promise((r) => server.close(r)) };
}
