// Nothing of an upstream's internals or of the gateway's secrets reaches a client or the log: an upstream's
// error body is bounded and scrubbed (internal addresses, file paths, the key it echoes), network failures
// name the target by its label and never its address, credentials in an api_base are refused without being
// repeated, and errors.upstream_detail: none shows only what failed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startGateway, postJSON, runModelmux, writeTempFile, closedPort, accessLogLine, logged } from '../lib/harness.mjs';

const KEY = 'sk-target-key-7f3a9c2e1b5d4f60';

// An upstream whose 400 tells too much: its address, its source, the key it was sent, and 900 KB of it.
async function startLeakyUpstream() {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `bad request from gateway; backend 10.20.30.40:8080 raised in `
        + `/srv/app/handlers/chat.py: key ${req.headers.authorization?.slice(7)} rejected; ${'detail '.repeat(130_000)}`,
      type: 'invalid_request_error', code: 'bad' } }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

let leaky, gw, quiet, refusedPort;
before(async () => {
  leaky = await startLeakyUpstream();
  refusedPort = await closedPort();
  const models = `models:
  - name: leaky
    targets:
      - {provider: openai, model: m, api_base: "${leaky.url}/v1", api_key: ${KEY}}
  - name: down
    targets:
      - {provider: openai, model: gone, api_base: "http://127.0.0.1:${refusedPort}/v1", api_key: ${KEY}}
`;
  [gw, quiet] = await Promise.all([startGateway({ config: models }),
    startGateway({ config: `${models}errors:\n  upstream_detail: none\n` })]);
});
after(async () => { await Promise.all([gw?.stop(), quiet?.stop(), leaky?.close()]); });

const chat = (g, model, id) => postJSON(`${g.url}/v1/chat/completions`,
  { model, messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-request-id': id } });

describe('upstream internals and secrets', () => {
  it('an upstream error body is bounded and scrubbed, for the client and in the log', logged(async () => {
    const r = await chat(gw, 'leaky', 'leak-1');
    assert.equal(r.status, 400);
    const { message } = JSON.parse(r.body).error;
    assert.ok(message.length < 1200, `message of ${message.length} characters`);
    assert.match(message, /bad request from gateway/, 'the useful part stays');
    for (const gone of ['10.20.30.40', 'chat.py', KEY]) assert.ok(!message.includes(gone), `${gone} in ${message}`);
    const line = JSON.stringify(await accessLogLine(gw, 'leak-1'));
    for (const gone of ['10.20.30.40', 'chat.py', KEY]) assert.ok(!line.includes(gone), `${gone} in the log`);
    assert.ok(!gw.handle.stderr.includes(KEY), 'the key appears nowhere in the gateway\'s output');
  }));

  it('a refused connection names the target, not its address', logged(async () => {
    const r = await chat(gw, 'down', 'leak-2');
    assert.equal(r.status, 502);
    const { message } = JSON.parse(r.body).error;
    assert.match(message, /openai\/gone/);
    assert.ok(!message.includes(String(refusedPort)) && !message.includes('127.0.0.1'), message);
    const line = JSON.stringify(await accessLogLine(gw, 'leak-2'));
    assert.ok(!line.includes(String(refusedPort)), line);
  }));

  it('errors.upstream_detail: none shows only what failed', logged(async () => {
    const r = await chat(quiet, 'leaky', 'leak-3');
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(r.body).error.message, 'openai/m failed (invalid_request)');
  }));

  it('an api_base with user:password@ is a configuration error that does not repeat the password', logged(async () => {
    const file = await writeTempFile(`models:
  - name: m
    targets:
      - {provider: openai, model: m, api_base: "https://admin:hunter2-secret@internal.example/v1"}
`);
    const r = await runModelmux(['serve', '--config', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /api_base: must not carry credentials/);
    assert.ok(!r.stderr.includes('hunter2-secret'), r.stderr);
  }));
});
