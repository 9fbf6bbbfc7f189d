// Every request's tokens reach the access log, streamed ones included, without changing what the client
// asked for: a stream without stream_options.include_usage gets no usage chunk, though the gateway asked
// the upstream for one.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, startMock, postJSON, splitSSE, lastUpstreamRequest, accessLogLine, logged } from '../lib/harness.mjs';

let mock, gw;
before(async () => {
  mock = await startMock([]);
  gw = await startGateway({ config: `models:
  - name: fast
    targets:
      - provider: openai
        model: up
        api_base: ${mock.url}/v1
        api_key: k
  - name: no-usage-option
    targets:
      - provider: openai
        model: up
        api_base: ${mock.url}/v1
        api_key: k
        stream_usage: false
` });
});
after(async () => { await Promise.all([gw?.stop(), mock?.stop()]); });

const logLine = (requestId) => accessLogLine(gw, requestId);

const chat = (model, id, extra = {}) => postJSON(`${gw.url}/v1/chat/completions`,
  { model, stream: true, messages: [{ role: 'user', content: 'count my tokens' }], ...extra },
  { headers: { 'x-request-id': id } });

describe('token accounting for streams', () => {
  it('a stream without include_usage: no usage chunk for the client, tokens in the log', logged(async () => {
    const r = await chat('fast', 'acct-1');
    assert.equal(r.status, 200, r.body);
    const { events } = splitSSE(r.body);
    assert.equal(events.at(-1), '[DONE]');
    for (const e of events.slice(0, -1)) assert.ok(!('usage' in JSON.parse(e)) || JSON.parse(e).usage === null, e);
    const sent = JSON.parse((await lastUpstreamRequest(mock)).body);
    assert.deepEqual(sent.stream_options, { include_usage: true });
    const rec = await logLine('acct-1');
    assert.ok(rec.prompt_tokens > 0 && rec.completion_tokens > 0, JSON.stringify(rec));
  }));
  it('a stream with include_usage keeps its usage chunk', logged(async () => {
    const r = await chat('fast', 'acct-2', { stream_options: { include_usage: true } });
    const { events } = splitSSE(r.body);
    const usage = JSON.parse(events.at(-2));
    assert.deepEqual(usage.choices, []);
    assert.ok(usage.usage.total_tokens > 0);
    assert.ok((await logLine('acct-2')).prompt_tokens > 0);
  }));
  it('stream_usage: false leaves the request as the client sent it', logged(async () => {
    const r = await chat('no-usage-option', 'acct-3');
    assert.equal(r.status, 200);
    const sent = JSON.parse((await lastUpstreamRequest(mock)).body);
    assert.equal(sent.stream_options, undefined);
  }));
});
