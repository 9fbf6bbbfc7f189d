// Error mapping as seen through the openai SDK's error classes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway, startMock, gatewayConfig, closedPort, logged } from '../lib/harness.mjs';

let mRate, mAuth, mFail, gw, client;

before(async () => {
  [mRate, mAuth, mFail] = await Promise.all([
    startMock(['--fail-status', '429', '--fail-rate', '1', '--retry-after', '7']),
    startMock(['--api-key', 'right']),
    startMock(['--fail-status', '500', '--fail-rate', '1']),
  ]);
  const downPort = await closedPort();
  gw = await startGateway({
    config: gatewayConfig({
      models: [
        { name: 'limited', api_base: `${mRate.url}/v1`, api_key: 'k' },
        { name: 'badkey', api_base: `${mAuth.url}/v1`, api_key: 'wrong' },
        { name: 'goodkey', api_base: `${mAuth.url}/v1`, api_key: 'right' },
        { name: 'broken', api_base: `${mFail.url}/v1`, api_key: 'k' },
        { name: 'down', api_base: `http://127.0.0.1:${downPort}/v1`, api_key: 'k' },
      ],
    }),
  });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0, timeout: 8_000 });
});

after(async () => {
  await Promise.all([gw?.stop(), mRate?.stop(), mAuth?.stop(), mFail?.stop()]);
});

const hi = [{ role: 'user', content: 'hi' }];

/** Runs fn, expecting it to throw; returns the error. */
async function caught(fn) {
  try {
    const r = await fn();
    if (r && typeof r[Symbol.asyncIterator] === 'function') {
      for await (const _ of r) { /* drain */ }
    }
  } catch (e) {
    return e;
  }
  assert.fail('expected an error, the call succeeded');
}

function assertErrorBody(err) {
  assert.ok(err instanceof OpenAI.APIError, `APIError, got ${err?.constructor?.name}: ${err?.message}`);
  assert.ok(err.error && typeof err.error === 'object', `error body parsed: ${JSON.stringify(err.error)}`);
  assert.ok(typeof err.error.message === 'string' && err.error.message.length > 0, `error.message: ${JSON.stringify(err.error)}`);
  assert.ok(typeof err.type === 'string' && err.type.length > 0, `error.type: ${JSON.stringify(err.error)}`);
  for (const k of ['message', 'type', 'param', 'code']) {
    assert.ok(k in err.error, `error body has key ${k}: ${JSON.stringify(err.error)}`);
  }
  assert.ok(typeof err.requestID === 'string' && err.requestID.length > 0, 'error response has x-request-id');
}

describe('gateway-side errors', () => {
  it('unknown model -> NotFoundError, code model_not_found, param model', logged(async () => {
    const err = await caught(() => client.chat.completions.create({ model: 'no-such-model', messages: hi }));
    assert.ok(err instanceof OpenAI.NotFoundError, `NotFoundError, got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.status, 404);
    assertErrorBody(err);
    assert.equal(err.code, 'model_not_found');
    assert.equal(err.param, 'model');
  }));

  it('unknown model with stream: true -> NotFoundError at create()', logged(async () => {
    const err = await caught(() => client.chat.completions.create({ model: 'no-such-model', messages: hi, stream: true }));
    assert.ok(err instanceof OpenAI.NotFoundError, `NotFoundError, got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.code, 'model_not_found');
  }));

  it('missing messages -> BadRequestError naming the field', logged(async () => {
    const err = await caught(() => client.chat.completions.create({ model: 'mock' }));
    assert.ok(err instanceof OpenAI.BadRequestError, `BadRequestError, got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.status, 400);
    assertErrorBody(err);
    assert.equal(err.type, 'invalid_request_error');
    assert.match(err.error.message, /messages/);
  }));

  it('temperature as a string -> BadRequestError naming the field', logged(async () => {
    const err = await caught(() => client.chat.completions.create({ model: 'mock', messages: hi, temperature: 'hot' }));
    assert.ok(err instanceof OpenAI.BadRequestError, `BadRequestError, got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.type, 'invalid_request_error');
    assert.match(err.error.message, /temperature/);
  }));

  it('a message without role -> BadRequestError', logged(async () => {
    const err = await caught(() => client.chat.completions.create({ model: 'mock', messages: [{ content: 'hi' }] }));
    assert.ok(err instanceof OpenAI.BadRequestError, `BadRequestError, got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.type, 'invalid_request_error');
    assert.match(err.error.message, /role/);
  }));
});

describe('upstream errors', () => {
  it('upstream 429 -> RateLimitError with the upstream Retry-After', logged(async () => {
    const err = await caught(() => client.chat.completions.create({ model: 'limited', messages: hi }));
    assert.ok(err instanceof OpenAI.RateLimitError, `RateLimitError, got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.status, 429);
    assertErrorBody(err);
    assert.equal(err.headers.get('retry-after'), '7');
  }));

  it('upstream 429 on a streaming request -> RateLimitError at create()', logged(async () => {
    const err = await caught(() => client.chat.completions.create({ model: 'limited', messages: hi, stream: true }));
    assert.ok(err instanceof OpenAI.RateLimitError, `RateLimitError, got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.headers.get('retry-after'), '7');
  }));

  it('upstream 401 (wrong target api_key) -> AuthenticationError', logged(async () => {
    const err = await caught(() => client.chat.completions.create({ model: 'badkey', messages: hi }));
    assert.ok(err instanceof OpenAI.AuthenticationError, `AuthenticationError, got ${err?.constructor?.name}: ${err?.message}`);
    assert.equal(err.status, 401);
    assertErrorBody(err);
  }));

  it('the same upstream with the right api_key succeeds', logged(async () => {
    const c = await client.chat.completions.create({ model: 'goodkey', messages: hi });
    assert.equal(c.choices[0].message.content, 'mock: hi');
  }));

  it('upstream 500 -> InternalServerError (status >= 500)', logged(async () => {
    const err = await caught(() => client.chat.completions.create({ model: 'broken', messages: hi }));
    assert.ok(err instanceof OpenAI.InternalServerError, `InternalServerError, got ${err?.constructor?.name}: ${err?.message}`);
    assert.ok(err.status >= 500 && err.status <= 599, `5xx, got ${err.status}`);
    assertErrorBody(err);
  }));

  it('upstream connection refused -> 502/503 with an error body', logged(async () => {
    const err = await caught(() => client.chat.completions.create({ model: 'down', messages: hi }));
    assert.ok(err instanceof OpenAI.APIError && !(err instanceof OpenAI.APIConnectionError),
      `an HTTP error from the gateway, got ${err?.constructor?.name}: ${err?.message}`);
    assert.ok([502, 503].includes(err.status), `502 or 503, got ${err.status}`);
    assertErrorBody(err);
  }));
});
