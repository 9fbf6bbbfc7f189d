// A Bedrock target whose AWS keys are a stored credential (aws_credential: NAME): the strict fake verifies
// every SigV4 signature, so a request signed with the stored keys succeeds, a replaced wrong secret is
// refused by the upstream at once, and putting the right keys back works again, all without a restart.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { startGateway, httpRequest, logged } from '../lib/harness.mjs';
import { startFakeBedrock, FAKE_CREDENTIALS, FAKE_REGION } from '../lib/fake_bedrock.mjs';

const MODEL = 'us.anthropic.claude-3-5-sonnet-20241022-v2:0';

let fake, gw, dir, openai;
before(async () => {
  fake = await startFakeBedrock();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelmux-aws-cred-'));
  gw = await startGateway({
    env: { MODELMUX_ENCRYPTION_KEY: 'an-encryption-key-for-the-aws-test-0001', AWS_PROFILE: '',
      AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' },
    config: `store:
  sqlite: ${dir}/store.db
models:
  - name: claude
    targets:
      - {provider: bedrock, model: ${MODEL}, api_base: '${fake.url}', aws_region: ${FAKE_REGION}, aws_credential: aws-prod}
` });
  openai = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'x', maxRetries: 0 });
});
after(async () => {
  await gw?.stop();
  await fake?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function putCredential(method, p, body) {
  const text = JSON.stringify(body);
  const r = await httpRequest(`${gw.url}/admin/v1/${p}`, { method, body: text,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } });
  return { status: r.status, body: JSON.parse(r.body) };
}
const ask = () => openai.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }] });

describe('a stored AWS credential', () => {
  it('signs with the stored keys; a replaced secret takes effect at once, either way', logged(async () => {
    const keys = { aws_access_key_id: FAKE_CREDENTIALS.accessKeyId, aws_secret_access_key: FAKE_CREDENTIALS.secretAccessKey,
      aws_session_token: FAKE_CREDENTIALS.sessionToken };
    let r = await putCredential('POST', 'credentials', { name: 'aws-prod', provider: 'bedrock', ...keys });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.kind, 'aws');
    assert.equal(JSON.stringify(r.body).includes(FAKE_CREDENTIALS.secretAccessKey), false);
    const reply = await ask();
    assert.equal(reply.choices[0].message.content, 'bedrock: hi');

    r = await putCredential('PUT', 'credentials/aws-prod', { ...keys, aws_secret_access_key: 'not-the-secret-at-all' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await assert.rejects(ask(), (e) => e instanceof OpenAI.AuthenticationError && /signature we calculated does not match/.test(e.message));

    r = await putCredential('PUT', 'credentials/aws-prod', keys);
    assert.equal(r.status, 200);
    assert.equal((await ask()).choices[0].message.content, 'bedrock: hi');
    // An API key cannot stand in for AWS keys on this target.
    r = await putCredential('PUT', 'credentials/aws-prod', { value: 'sk-not-aws-0123456789' });
    assert.equal(r.status, 400);
    assert.match(r.body.error.message, /takes AWS keys/);
    assert.equal((await ask()).choices[0].message.content, 'bedrock: hi');
    assert.equal(gw.logs().includes(FAKE_CREDENTIALS.secretAccessKey), false);
  }));
});
