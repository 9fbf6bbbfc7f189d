// 16 concurrent streaming requests through the gateway to a mock-server that paces its chunks.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, startMock, gatewayConfig, postJSON, parseChatSSE, httpRequest, logged } from '../lib/harness.mjs';

let mock, gw;

before(async () => {
  mock = await startMock(['--chunk-interval-ms', '5']);
  gw = await startGateway({ config: gatewayConfig({ models: [{ name: 'fast', api_base: `${mock.url}/v1`, api_key: 'k' }] }), args: ['--threads', '2'] });
});
after(async () => { await Promise.all([gw?.stop(), mock?.stop()]); });

it('16 concurrent streams all complete with their own content', logged(async () => {
  const N = 16;
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
  const jobs = Array.from({ length: N }, (_, i) => {
    const prompt = `request ${i} ${words.join(' ')} end${i}`;
    return postJSON(`${gw.url}/v1/chat/completions`, {
      model: i % 4 === 3 ? 'mock' : 'fast',
      messages: [{ role: 'user', content: prompt }],
      stream: true,
      stream_options: { include_usage: true },
    }, { headers: { 'x-request-id': `concurrent-${i}` } }).then((r) => ({ i, prompt, r }));
  });
  const results = await Promise.all(jobs);
  for (const { i, prompt, r } of results) {
    assert.equal(r.status, 200, `request ${i}: ${r.body.slice(0, 300)}`);
    assert.equal(r.headers['x-request-id'], `concurrent-${i}`);
    const s = parseChatSSE(r.body);
    assert.ok(s.done, `request ${i} ended with [DONE]`);
    assert.equal(s.text, `mock: ${prompt}`, `request ${i} content`);
    const last = s.chunks.at(-1);
    assert.deepEqual(last.choices, [], `request ${i} usage chunk`);
    assert.ok(last.usage.total_tokens > 0);
    assert.equal(s.chunks.filter((c) => c.choices[0]?.finish_reason === 'stop').length, 1, `request ${i} one finish_reason`);
  }
  const h = await httpRequest(`${gw.url}/health`);
  assert.equal(h.status, 200, 'still healthy afterwards');
}));

it('16 concurrent non-streaming requests', logged(async () => {
  const results = await Promise.all(Array.from({ length: 16 }, (_, i) =>
    postJSON(`${gw.url}/v1/chat/completions`, { model: 'fast', messages: [{ role: 'user', content: `n${i}` }] })));
  results.forEach((r, i) => {
    assert.equal(r.status, 200, r.body);
    assert.equal(JSON.parse(r.body).choices[0].message.content, `mock: n${i}`);
  });
}));
