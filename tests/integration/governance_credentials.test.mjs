// Provider credentials stored sealed: a target names one (api_key: credential:NAME) and takes it from the
// store; storing or replacing it takes effect without a restart; validation asks the upstream; no answer,
// log or database byte shows a value; a key rotation re-seals everything while both keys are held, and a
// keyring that cannot open a credential leaves its target unavailable, never sending a wrong key.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startGateway, startMock, closedPort, postJSON, parseJSON, logged } from '../lib/harness.mjs';
import { MASTER, storeDir, governedConfig, admin, createKey, chatAs } from '../lib/governance.mjs';

const REAL = 'sk-real-upstream-credential-5d41402abc4b2a76';
const WRONG = 'sk-wrong-upstream-credential-7c6a180b36896a0a';
const KEY_1 = 'first-encryption-key-for-tests-0123456789';
const KEY_2 = 'second-encryption-key-for-tests-9876543210';
const hi = (model) => ({ model, messages: [{ role: 'user', content: 'hi' }] });

describe('stored provider credentials', () => {
  let mock, dir, far, gw, userKey;
  const start = async (env) => {
    gw = await startGateway({
      config: governedConfig({
        store: `  sqlite: ${dir}/store.db\n`,
        models: `  - name: up
    targets:
      - {provider: openai, model: gpt-4o-mini, api_base: '${mock.url}/v1', api_key: 'credential:up-key'}
  - name: far
    targets:
      - {provider: openai, model: gpt-4o-mini, api_base: 'http://127.0.0.1:${far}/v1', api_key: 'credential:far-key'}
`,
      }),
      env,
    });
    return gw;
  };
  const chat = (model) => chatAs(gw, userKey, hi(model));

  before(async () => {
    mock = await startMock(['--api-key', REAL]);
    dir = await storeDir();
    far = await closedPort();
    await start({ MODELMUX_ENCRYPTION_KEY: KEY_1 });
    userKey = (await createKey(gw, { name: 'app' })).key;
  });
  after(async () => {
    await gw?.stop();
    await mock?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a target whose credential is not stored yet is unavailable, and says which credential', logged(async () => {
    const r = await chat('up');
    assert.equal(r.status, 503, r.body);
    assert.match(parseJSON(r.body).error.message, /credential up-key is not stored/);
    assert.match(gw.logs(), /credential up-key is not stored yet/);
  }));

  it('stored, then replaced: each takes effect at once, and no answer shows the value', logged(async () => {
    let r = await admin(gw, 'POST', 'credentials', { name: 'up-key', provider: 'openai', value: WRONG });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.name, 'up-key');
    assert.equal(r.body.kind, 'api_key');
    assert.deepEqual(r.body.targets, ['openai/gpt-4o-mini']);
    assert.match(r.body.key_version, /^[0-9a-f]{12}$/);
    const wrongPrint = r.body.fingerprint;
    assert.equal((await chat('up')).status, 401);  // the upstream refused the wrong key
    let v = await admin(gw, 'POST', 'credentials/up-key/validate');
    assert.equal(v.status, 200, JSON.stringify(v.body));
    assert.equal(v.body.result, 'rejected');

    r = await admin(gw, 'POST', 'credentials', { name: 'up-key', provider: 'openai', value: REAL });
    assert.equal(r.status, 409);  // creating does not overwrite
    r = await admin(gw, 'PUT', 'credentials/up-key', { provider: 'nope', value: REAL });
    assert.equal(r.status, 400);  // a replacement may name the provider again, but a known one
    assert.equal(r.body.error.param, 'provider');
    r = await admin(gw, 'PUT', 'credentials/up-key', { value: REAL });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.notEqual(r.body.fingerprint, wrongPrint);
    const ok = await chat('up');
    assert.equal(ok.status, 200, ok.body);
    v = await admin(gw, 'POST', 'credentials/up-key/validate');
    assert.equal(v.body.result, 'valid');

    const list = await admin(gw, 'GET', 'credentials');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.data.map((c) => c.name), ['up-key']);
    const shown = JSON.stringify(list.body) + JSON.stringify(await admin(gw, 'GET', 'credentials/up-key'));
    for (const secret of [REAL, WRONG]) assert.equal(shown.includes(secret), false);
  }));

  it('validation says unreachable when the upstream is; bad bodies and names are 400s', logged(async () => {
    assert.equal((await admin(gw, 'POST', 'credentials', { name: 'far-key', provider: 'openai', value: 'sk-far-0123456789' })).status, 201);
    const v = await admin(gw, 'POST', 'credentials/far-key/validate');
    assert.equal(v.body.result, 'unreachable');
    assert.equal((await chat('far')).status >= 500, true);
    for (const [body, field] of [
      [{ name: 'x y', provider: 'openai', value: 'v' }, 'name'],
      [{ name: 'x', provider: 'nope', value: 'v' }, 'provider'],
      [{ name: 'x', provider: 'openai' }, 'value'],
      [{ name: 'x', provider: 'openai', value: 'a\r\nb' }, 'value'],
      [{ name: 'x', provider: 'bedrock', aws_access_key_id: 'AKIA' }, 'aws_secret_access_key'],
    ]) {
      const r = await admin(gw, 'POST', 'credentials', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error.param, field);
    }
    const aws = await admin(gw, 'POST', 'credentials',
      { name: 'aws-prod', provider: 'bedrock', aws_access_key_id: 'AKIAEXAMPLE00000001', aws_secret_access_key: 'secret-aws-value-0123456789' });
    assert.equal(aws.status, 201, JSON.stringify(aws.body));
    assert.equal(aws.body.kind, 'aws');
  }));

  it('one in use cannot be deleted; a spare can; every change is audited without its value', logged(async () => {
    assert.equal((await admin(gw, 'DELETE', 'credentials/up-key')).status, 409);
    assert.equal((await admin(gw, 'DELETE', 'credentials/aws-prod')).status, 200);
    assert.equal((await admin(gw, 'GET', 'credentials/aws-prod')).status, 404);
    const audit = await admin(gw, 'GET', 'audit?limit=100');
    const actions = audit.body.data.map((e) => `${e.action} ${e.subject}`);
    for (const a of ['credential.create up-key', 'credential.replace up-key', 'credential.validate up-key',
      'credential.delete aws-prod'])
      assert.ok(actions.includes(a), `${a} in ${actions}`);
    assert.equal(JSON.stringify(audit.body).includes(REAL), false);
    // Every use is a ledger row naming the credential, with who used it.
    const uses = await admin(gw, 'GET', 'spend/logs?credential=up-key');
    assert.equal(uses.status, 200);
    assert.ok(uses.body.data.length >= 2, JSON.stringify(uses.body));
    for (const row of uses.body.data) {
      assert.equal(row.credential, 'up-key');
      assert.match(row.key_id, /^key_/);
    }
  }));

  it('a key rotation: both keys held, everything re-sealed, then the old key can go', logged(async () => {
    await gw.stop();
    await start({ MODELMUX_ENCRYPTION_KEY: KEY_2, MODELMUX_ENCRYPTION_KEY_PREVIOUS: KEY_1 });
    assert.equal((await chat('up')).status, 200);
    const before = (await admin(gw, 'GET', 'credentials/up-key')).body.key_version;
    const r = await admin(gw, 'POST', 'credentials/rotate-key');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.rotated, 2);  // up-key and far-key
    assert.notEqual(r.body.key_version, before);
    assert.equal((await admin(gw, 'GET', 'credentials/up-key')).body.key_version, r.body.key_version);
    assert.equal((await chat('up')).status, 200);
    await gw.stop();

    await start({ MODELMUX_ENCRYPTION_KEY: KEY_2 });
    assert.equal((await chat('up')).status, 200);
    await gw.stop();

    // The old key alone opens nothing now: unavailable, and said at start; never a request with a wrong key.
    await start({ MODELMUX_ENCRYPTION_KEY: KEY_1 });
    assert.match(gw.logs(), /credential up-key: sealed under key version/);
    assert.equal((await chat('up')).status, 503);
    const listed = await admin(gw, 'GET', 'credentials/up-key');
    assert.equal(listed.body.opens, false);
    await gw.stop();

    await start({});
    const refused = await admin(gw, 'POST', 'credentials', { name: 'n', provider: 'openai', value: 'sk-0123456789' });
    assert.equal(refused.status, 400);
    assert.match(refused.body.error.message, /MODELMUX_ENCRYPTION_KEY/);
  }));

  it('no value is in the database file or any log', logged(async () => {
    const db = Buffer.concat(fs.readdirSync(dir).map((f) => fs.readFileSync(`${dir}/${f}`)));
    for (const secret of [REAL, WRONG, KEY_1, KEY_2, MASTER]) {
      assert.equal(db.includes(secret), false, 'database holds a secret');
      assert.equal(gw.logs().includes(secret), false, 'log holds a secret');
    }
  }));
});
