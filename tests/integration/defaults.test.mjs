// With no --config the gateway serves its built-in defaults: `mock`, OpenAI's models when OPENAI_API_KEY is
// set (at OPENAI_BASE_URL, here a mock-server), and the models of an Ollama found at OLLAMA_HOST.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startGateway, startMock, postJSON, parseJSON, httpRequest, lastUpstreamRequest, logged } from '../lib/harness.mjs';

let ollama, seenByOllama, mock, gw;

before(async () => {
  ollama = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/api/tags') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ models: [{ name: 'llama3.2:latest', model: 'llama3.2:latest', size: 1 }] }));
        return;
      }
      if (req.method === 'POST' && req.url === '/v1/chat/completions') {
        seenByOllama = JSON.parse(body);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'o', object: 'chat.completion', created: 1, model: seenByOllama.model,
          choices: [{ index: 0, message: { role: 'assistant', content: 'from ollama' }, finish_reason: 'stop' }] }));
        return;
      }
      res.writeHead(404); res.end();
    });
  });
  await new Promise((r) => ollama.listen(0, '127.0.0.1', r));
  mock = await startMock([]);
  gw = await startGateway({ env: {
    OLLAMA_HOST: `127.0.0.1:${ollama.address().port}`,
    OPENAI_API_KEY: 'sk-from-env',
    OPENAI_BASE_URL: `${mock.url}/v1`,
  } });
});
after(async () => { await Promise.all([gw?.stop(), mock?.stop()]); ollama?.close(); });

describe('built-in defaults with keys and a local Ollama', () => {
  it('lists mock, OpenAI models and the Ollama models', logged(async () => {
    const ids = parseJSON((await httpRequest(`${gw.url}/v1/models`)).body).data.map((m) => m.id);
    for (const id of ['mock', 'gpt-4o-mini', 'gpt-4o', 'llama3.2:latest']) assert.ok(ids.includes(id), `${id} in ${ids}`);
  }));
  it('an OpenAI model goes to OPENAI_BASE_URL with OPENAI_API_KEY', logged(async () => {
    const r = await postJSON(`${gw.url}/v1/chat/completions`, { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(r.status, 200, r.body);
    assert.equal(parseJSON(r.body).choices[0].message.content, 'mock: hi');
    const seen = await lastUpstreamRequest(mock);
    assert.equal(seen.headers.authorization, 'Bearer sk-from-env');
    assert.equal(JSON.parse(seen.body).model, 'gpt-4o-mini');
  }));
  it('an Ollama model goes to the local Ollama', logged(async () => {
    const r = await postJSON(`${gw.url}/v1/chat/completions`, { model: 'llama3.2:latest', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(r.status, 200, r.body);
    assert.equal(parseJSON(r.body).choices[0].message.content, 'from ollama');
    assert.equal(seenByOllama.model, 'llama3.2:latest');
  }));
  it('the access log never contains the API key', logged(async () => {
    assert.ok(!gw.handle.stderr.includes('sk-from-env'), 'key leaked into the log');
    assert.ok(!gw.handle.stdout.includes('sk-from-env'), 'key leaked into stdout');
  }));
});
