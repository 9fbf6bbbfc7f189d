// Graceful shutdown: SIGTERM lets an in-flight stream finish, then the gateway exits 0.
import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startGateway, startMock, gatewayConfig, parseChatSSE, httpRequest, logged } from '../lib/harness.mjs';

const cleanup = [];
after(async () => { await Promise.all(cleanup.map((p) => p.stop())); });

it('idle gateway: SIGTERM -> exit code 0 promptly', logged(async () => {
  const gw = await startGateway();
  cleanup.push(gw);
  assert.equal((await httpRequest(`${gw.url}/health`)).status, 200);
  const t0 = Date.now();
  const exit = await gw.stop('SIGTERM');
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.ok(Date.now() - t0 < 2_500, `exited within 2.5 s, took ${Date.now() - t0} ms`);
}));

it('SIGTERM mid-stream: the client still gets the whole stream and [DONE], exit code 0', logged(async () => {
  const mock = await startMock(['--chunks', '10', '--chunk-interval-ms', '100', '--response-tokens', '20']);
  cleanup.push(mock);
  const gw = await startGateway({ config: gatewayConfig({ models: [{ name: 'slow', api_base: `${mock.url}/v1`, api_key: 'k' }] }) });
  cleanup.push(gw);

  let sentSignalAt = 0;
  let exitedAt = 0;
  const exitP = gw.exited.then((e) => { exitedAt = Date.now(); return e; });
  const payload = JSON.stringify({ model: 'slow', messages: [{ role: 'user', content: 'go' }], stream: true });
  const u = new URL(`${gw.url}/v1/chat/completions`);
  const res = await new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (r) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (d) => {
        text += d;
        // After the first content chunk has arrived, ask the gateway to stop.
        if (!sentSignalAt && text.includes('"content"')) {
          sentSignalAt = Date.now();
          gw.proc.kill('SIGTERM');
        }
      });
      r.on('end', () => resolve({ status: r.statusCode, text, endedAt: Date.now() }));
      r.on('error', (e) => reject(new Error(`stream broke after SIGTERM: ${e.message}; got so far: ${JSON.stringify(text.slice(-300))}`)));
    });
    req.setTimeout(8_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(payload);
  });

  assert.ok(sentSignalAt > 0, 'SIGTERM was sent mid-stream');
  assert.equal(res.status, 200);
  const s = parseChatSSE(res.text);
  assert.ok(s.done, `stream ended with [DONE]: ${JSON.stringify(res.text.slice(-200))}`);
  const contentChunks = s.chunks.filter((c) => c.choices[0]?.delta?.content);
  assert.equal(contentChunks.length, 10, 'all 10 content chunks arrived');
  assert.equal(s.text.trim().split(/\s+/).length, 20, 'all 20 words arrived');
  assert.equal(s.chunks.filter((c) => c.choices[0]?.finish_reason === 'stop').length, 1);
  assert.ok(res.endedAt - sentSignalAt >= 500, `stream kept going after SIGTERM (${res.endedAt - sentSignalAt} ms)`);

  const timeout = new Promise((r) => setTimeout(() => r('timeout'), 4_000).unref());
  const exit = await Promise.race([exitP, timeout]);
  assert.notEqual(exit, 'timeout', 'gateway exited after the stream finished');
  assert.deepEqual(exit, { code: 0, signal: null }, `exit code 0, got ${JSON.stringify(exit)}`);
  assert.ok(exitedAt >= res.endedAt - 50, 'did not exit before the stream was done');
}));

it('after SIGTERM the gateway stops accepting new connections', logged(async () => {
  const mock = await startMock(['--chunks', '5', '--chunk-interval-ms', '100']);
  cleanup.push(mock);
  const gw = await startGateway({ config: gatewayConfig({ models: [{ name: 'slow', api_base: `${mock.url}/v1`, api_key: 'k' }] }) });
  cleanup.push(gw);
  // Keep a stream in flight so the process is still alive while we probe.
  const inflight = fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'slow', messages: [{ role: 'user', content: 'a b c d e f g' }], stream: true }),
  }).then((r) => r.text());
  await new Promise((r) => setTimeout(r, 150));
  gw.proc.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 150));
  const probe = await httpRequest(`${gw.url}/health`, { timeoutMs: 2_000 }).then((r) => r.status, (e) => e.code ?? e.message);
  const body = await inflight;
  assert.ok(body.endsWith('data: [DONE]\n\n'), 'in-flight stream completed');
  assert.notEqual(probe, 200, `a new connection after SIGTERM must not be served (got ${probe})`);
  const exit = await Promise.race([gw.exited, new Promise((r) => setTimeout(() => r('timeout'), 4_000).unref())]);
  assert.deepEqual(exit, { code: 0, signal: null });
}));

// A stream still running when the grace period ends is cut: its client gets an error event in its own
// format (then the end of the chunked body), and the access log has its line.
for (const [surface, path, body, errorFrame] of [
  ['openai', '/v1/chat/completions', { model: 'slow', stream: true, messages: [{ role: 'user', content: 'go' }] },
    /data: \{"error":\{"message":"the gateway is shutting down/],
  ['anthropic', '/v1/messages', { model: 'slow', stream: true, max_tokens: 50, messages: [{ role: 'user', content: 'go' }] },
    /event: error\ndata: \{"type":"error","error":\{"type":"[a-z_]+","message":"the gateway is shutting down/],
]) {
  it(`a ${surface} stream cut by the end of the grace period ends with an error event and a log line`, logged(async () => {
    const mock = await startMock(['--chunks', '40', '--chunk-interval-ms', '100', '--response-tokens', '40']);
    cleanup.push(mock);
    const gw = await startGateway({ config: gatewayConfig({ server: { shutdown_grace_ms: 400 },
      models: [{ name: 'slow', api_base: `${mock.url}/v1`, api_key: 'k' }] }) });
    cleanup.push(gw);
    const payload = JSON.stringify(body);
    const u = new URL(`${gw.url}${path}`);
    let signalled = false;
    const res = await new Promise((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'x-request-id': `cut-${surface}` } }, (r) => {
        let text = '';
        r.setEncoding('utf8');
        r.on('data', (d) => {
          text += d;
          if (!signalled) { signalled = true; gw.proc.kill('SIGTERM'); }
        });
        r.on('end', () => resolve({ status: r.statusCode, text }));
        r.on('error', (e) => reject(new Error(`the stream broke instead of ending: ${e.message}; ${text.slice(-200)}`)));
      });
      req.setTimeout(8_000, () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(payload);
    });
    assert.equal(res.status, 200);
    assert.match(res.text, errorFrame);
    const exit = await Promise.race([gw.exited, new Promise((r) => setTimeout(() => r('timeout'), 4_000).unref())]);
    assert.deepEqual(exit, { code: 0, signal: null });
    const line = gw.handle.stderr.split('\n').find((l) => l.includes(`"request_id":"cut-${surface}"`));
    assert.ok(line, `an access-log line for the cut stream:\n${gw.handle.stderr.slice(-500)}`);
    assert.equal(JSON.parse(line).error, 'unavailable');
  }));
}
