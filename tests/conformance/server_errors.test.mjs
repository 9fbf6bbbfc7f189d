// Errors the server makes itself (no route, wrong method, body too large, body too slow) take the shape of
// the API their path belongs to, so each official SDK raises them as its own error types: OpenAI's body on
// /v1/chat/..., Anthropic's on /v1/messages..., Google's on /v1beta/....
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI, ApiError } from '@google/genai';
import { startGateway, logged } from '../lib/harness.mjs';

let gw, small;
before(async () => {
  const models = 'models:\n  - name: mock\n    targets:\n      - {provider: mock, model: mock}\n';
  [gw, small] = await Promise.all([startGateway({ config: models }),
    startGateway({ config: `server:\n  listen: 127.0.0.1:0\n  max_body_bytes: 1024\n  body_timeout_ms: 300\n${models}` })]);
});
after(async () => { await Promise.all([gw?.stop(), small?.stop()]); });

const big = 'x'.repeat(4000);

// A request whose head arrives and whose body never does: the answer (status and JSON body) after the
// body timeout.
function slowBody(g, path) {
  return new Promise((resolve, reject) => {
    let raw = '';
    const sock = net.connect(Number(new URL(g.url).port), '127.0.0.1', () => {
      sock.write(`POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"mod`);
    });
    sock.on('data', (d) => { raw += d; });
    sock.on('end', () => {
      const [head, body] = raw.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), body: JSON.parse(body) });
    });
    sock.on('error', reject);
    setTimeout(() => reject(new Error(`no answer: ${raw}`)), 5000);
  });
}

describe('the openai SDK', () => {
  const client = () => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
  it('404 and 405 are OpenAI errors', logged(async () => {
    await assert.rejects(client().get('/no-such-thing'), (e) => {
      assert.ok(e instanceof OpenAI.NotFoundError, String(e));
      assert.equal(e.error.type, 'invalid_request_error');
      return true;
    });
    await assert.rejects(client().get('/chat/completions'), (e) => {
      assert.ok(e instanceof OpenAI.APIError && e.status === 405, String(e));
      assert.match(e.error.message, /POST/);
      assert.equal(e.headers.get('allow'), 'POST');
      return true;
    });
  }));
  it('413 is an OpenAI error', logged(async () => {
    const c = new OpenAI({ baseURL: `${small.url}/v1`, apiKey: 'x', maxRetries: 0 });
    await assert.rejects(c.chat.completions.create({ model: 'mock', messages: [{ role: 'user', content: big }] }),
      (e) => e instanceof OpenAI.APIError && e.status === 413 && e.error.code === 'payload_too_large');
  }));
  it('408 on a slow body has OpenAI\'s shape', logged(async () => {
    const r = await slowBody(small, '/v1/chat/completions');
    assert.equal(r.status, 408);
    assert.deepEqual(Object.keys(r.body), ['error']);
    assert.equal(r.body.error.code, 'timeout');
  }));
});

describe('the Anthropic SDK', () => {
  const client = () => new Anthropic({ baseURL: gw.url, apiKey: 'x', maxRetries: 0 });
  it('404 and 405 are Anthropic errors', logged(async () => {
    await assert.rejects(client().get('/v1/messages/no-such-thing'), (e) => {
      assert.ok(e instanceof Anthropic.NotFoundError, String(e));
      assert.equal(e.error.type, 'error');
      assert.equal(e.error.error.type, 'not_found_error');
      return true;
    });
    await assert.rejects(client().get('/v1/messages'), (e) => {
      assert.ok(e instanceof Anthropic.APIError && e.status === 405, String(e));
      assert.equal(e.error.type, 'error');
      return true;
    });
  }));
  it('413 is an Anthropic request_too_large', logged(async () => {
    const c = new Anthropic({ baseURL: small.url, apiKey: 'x', maxRetries: 0 });
    await assert.rejects(c.messages.create({ model: 'mock', max_tokens: 10, messages: [{ role: 'user', content: big }] }),
      (e) => e instanceof Anthropic.APIError && e.status === 413 && e.error.error.type === 'request_too_large');
  }));
  it('408 on a slow body has Anthropic\'s shape', logged(async () => {
    const r = await slowBody(small, '/v1/messages');
    assert.equal(r.status, 408);
    assert.equal(r.body.type, 'error');
    assert.equal(typeof r.body.error.type, 'string');
  }));
});

describe('the @google/genai SDK', () => {
  it('404 and 405 are Google errors, raised as ApiError', logged(async () => {
    const v1alpha = new GoogleGenAI({ apiKey: 'x', httpOptions: { baseUrl: gw.url, apiVersion: 'v1alpha' } });
    await assert.rejects(v1alpha.models.generateContent({ model: 'mock', contents: 'hi' }), (e) => {
      assert.ok(e instanceof ApiError && e.status === 404, String(e));
      assert.equal(JSON.parse(e.message).error.status, 'NOT_FOUND');
      return true;
    });
    const ai = new GoogleGenAI({ apiKey: 'x', httpOptions: { baseUrl: gw.url } });
    await assert.rejects(ai.models.delete({ model: 'mock' }), (e) => {
      assert.ok(e instanceof ApiError && e.status === 405, String(e));
      assert.equal(JSON.parse(e.message).error.code, 405);
      return true;
    });
  }));
  it('413 is a Google error', logged(async () => {
    const ai = new GoogleGenAI({ apiKey: 'x', httpOptions: { baseUrl: small.url } });
    await assert.rejects(ai.models.generateContent({ model: 'mock', contents: big }),
      (e) => e instanceof ApiError && e.status === 413 && JSON.parse(e.message).error.code === 413);
  }));
  it('408 on a slow body has Google\'s shape', logged(async () => {
    const r = await slowBody(small, '/v1beta/models/mock:generateContent');
    assert.equal(r.status, 408);
    assert.equal(r.body.error.code, 408);
    assert.equal(r.body.error.status, 'DEADLINE_EXCEEDED');
  }));
});
