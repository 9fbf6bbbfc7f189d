// GET /v1/models through the openai SDK.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startGateway, gatewayConfig, logged } from '../lib/harness.mjs';

let gw, client;

before(async () => {
  gw = await startGateway({
    config: gatewayConfig({
      models: [
        { name: 'fast', api_base: 'http://127.0.0.1:9/v1', api_key: 'k' },
        { name: 'smart', model: 'gpt-4o', api_base: 'http://127.0.0.1:9/v1', api_key: 'k' },
      ],
    }),
  });
  client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0, timeout: 8_000 });
});
after(async () => { await gw?.stop(); });

it('models.list returns every configured model name', logged(async () => {
  const models = [];
  for await (const m of client.models.list()) models.push(m);
  const ids = models.map((m) => m.id).sort();
  assert.deepEqual(ids, ['fast', 'mock', 'smart'], 'exactly the configured client-facing names (not upstream ids)');
  for (const m of models) {
    assert.equal(m.object, 'model');
    assert.equal(m.owned_by, 'modelmux');
    assert.ok(Number.isInteger(m.created), `created is an integer: ${JSON.stringify(m)}`);
  }
}));

it('models.list page has object "list"', logged(async () => {
  const page = await client.models.list();
  assert.ok(Array.isArray(page.data));
  assert.equal(page.object, 'list');
  assert.equal(page.hasNextPage(), false);
}));
