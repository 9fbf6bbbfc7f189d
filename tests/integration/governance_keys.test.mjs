// Virtual keys end to end: issued by the admin API (shown once), presented the way each SDK presents
// them, refused in each client's format when wrong, blocked, revoked, expired or rotated past their grace;
// model allow-lists, roles, the open-only-on-loopback rule, a fuzzed admin API, and no secret in any log,
// answer or database file.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startGateway, runModelmux, writeTempFile, postJSON, httpRequest, parseJSON, logged } from '../lib/harness.mjs';
import { MASTER, startGovernedGateway, admin, createKey, chatAs, errorCode, sleep } from '../lib/governance.mjs';

const UPSTREAM_SECRET = 'sk-upstream-secret-never-logged-42';
const MODELS = `  - name: mock
    targets:
      - {provider: mock, model: mock, api_key: ${UPSTREAM_SECRET}}
  - name: gpt-4o-mini
    targets:
      - {provider: mock, model: gpt-4o-mini}
  - name: other
    targets:
      - {provider: mock, model: mock}
`;
const hi = (model = 'mock') => ({ model, messages: [{ role: 'user', content: 'hi' }] });

let gw, dir;
const secrets = [MASTER, UPSTREAM_SECRET];
before(async () => {
  gw = await startGovernedGateway(MODELS);
  dir = gw.dir;
});
after(() => gw?.close());

async function key(body = {}) {
  const k = await createKey(gw, body);
  secrets.push(k.key);
  return k;
}

describe('virtual keys', () => {
  it('a new key is mm- and 32 random bytes in base62, shown once; only its record is listed', logged(async () => {
    const k = await key({ name: 'app' });
    assert.match(k.key, /^mm-[0-9A-Za-z]{43}$/);
    assert.match(k.id, /^key_[0-9a-f]{16}$/);
    const list = await admin(gw, 'GET', 'keys');
    assert.equal(list.status, 200);
    const listed = list.body.data.find((x) => x.id === k.id);
    assert.equal(listed.name, 'app');
    assert.equal(JSON.stringify(list.body).includes(k.key), false, 'the secret is never shown again');
    const one = await admin(gw, 'GET', `keys/${k.id}`);
    assert.equal(one.body.key, undefined);
  }));

  it('works as Authorization: Bearer, x-api-key, x-goog-api-key and ?key=', logged(async () => {
    const k = await key();
    const openai = await chatAs(gw, k.key, hi());
    assert.equal(openai.status, 200, openai.body);
    const anthropic = await postJSON(`${gw.url}/v1/messages`,
      { model: 'mock', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'x-api-key': k.key, 'anthropic-version': '2023-06-01' } });
    assert.equal(anthropic.status, 200, anthropic.body);
    const gemini = await postJSON(`${gw.url}/v1beta/models/mock:generateContent`,
      { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }, { headers: { 'x-goog-api-key': k.key } });
    assert.equal(gemini.status, 200, gemini.body);
    const inQuery = await postJSON(`${gw.url}/v1beta/models/mock:generateContent?key=${encodeURIComponent(k.key)}`,
      { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    assert.equal(inQuery.status, 200, inQuery.body);
    const wrongInQuery = await postJSON(`${gw.url}/v1beta/models/mock:streamGenerateContent?alt=sse&key=nope`,
      { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    assert.equal(wrongInQuery.status, 401);
    assert.equal(parseJSON(wrongInQuery.body).error.status, 'UNAUTHENTICATED');
  }));

  it('a missing or wrong key is a 401 invalid_api_key in each client\'s format', logged(async () => {
    const none = await postJSON(`${gw.url}/v1/chat/completions`, hi());
    assert.equal(none.status, 401);
    assert.equal(errorCode(none), 'invalid_api_key');
    assert.equal(parseJSON(none.body).error.type, 'authentication_error');
    const wrong = await chatAs(gw, 'mm-not-a-key', hi());
    assert.equal(wrong.status, 401);
    assert.equal(errorCode(wrong), 'invalid_api_key');
    const anthropic = await postJSON(`${gw.url}/v1/messages`,
      { model: 'mock', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-api-key': 'nope' } });
    assert.equal(anthropic.status, 401);
    assert.deepEqual(Object.keys(parseJSON(anthropic.body)), ['type', 'error']);
    assert.equal(parseJSON(anthropic.body).error.type, 'authentication_error');
    const gemini = await postJSON(`${gw.url}/v1beta/models/mock:generateContent`,
      { contents: [{ parts: [{ text: 'hi' }] }] }, { headers: { 'x-goog-api-key': 'nope' } });
    assert.equal(gemini.status, 401);
    assert.equal(parseJSON(gemini.body).error.status, 'UNAUTHENTICATED');
  }));

  it('allow-lists: exact names and * globs; anything else is a 403 model_not_allowed', logged(async () => {
    const k = await key({ models: ['gpt-*'] });
    assert.equal((await chatAs(gw, k.key, hi('gpt-4o-mini'))).status, 200);
    const refused = await chatAs(gw, k.key, hi('mock'));
    assert.equal(refused.status, 403);
    assert.equal(errorCode(refused), 'model_not_allowed');
    // A team's list bounds its keys too.
    assert.equal((await admin(gw, 'POST', 'teams', { id: 'narrow', models: ['other'] })).status, 201);
    const t = await key({ team_id: 'narrow' });
    assert.equal((await chatAs(gw, t.key, hi('other'))).status, 200);
    assert.equal((await chatAs(gw, t.key, hi('mock'))).status, 403);
  }));

  it('blocking and revoking take effect at once', logged(async () => {
    const k = await key();
    assert.equal((await chatAs(gw, k.key, hi())).status, 200);
    assert.equal((await admin(gw, 'PATCH', `keys/${k.id}`, { blocked: true })).status, 200);
    const blocked = await chatAs(gw, k.key, hi());
    assert.equal(blocked.status, 401);
    assert.match(parseJSON(blocked.body).error.message, /blocked/);
    assert.equal((await admin(gw, 'PATCH', `keys/${k.id}`, { blocked: false })).status, 200);
    assert.equal((await chatAs(gw, k.key, hi())).status, 200);
    assert.equal((await admin(gw, 'DELETE', `keys/${k.id}`)).status, 200);
    assert.equal((await chatAs(gw, k.key, hi())).status, 401);
    assert.equal((await admin(gw, 'GET', `keys/${k.id}`)).status, 404);
  }));

  it('a key stops working when it expires', logged(async () => {
    const k = await key({ expires_in_seconds: 1 });
    assert.equal((await chatAs(gw, k.key, hi())).status, 200);
    await sleep(2100);
    const late = await chatAs(gw, k.key, hi());
    assert.equal(late.status, 401);
    assert.match(parseJSON(late.body).error.message, /expired/);
  }));

  it('rotation: a new secret at once, the old one until its grace period ends; same id', logged(async () => {
    const k = await key();
    const r = await admin(gw, 'POST', `keys/${k.id}/rotate`, { grace_seconds: 1 });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    secrets.push(r.body.key);
    assert.equal(r.body.id, k.id);
    assert.notEqual(r.body.key, k.key);
    assert.equal((await chatAs(gw, r.body.key, hi())).status, 200);
    assert.equal((await chatAs(gw, k.key, hi())).status, 200, 'the old secret works during the grace period');
    await sleep(2100);
    const old = await chatAs(gw, k.key, hi());
    assert.equal(old.status, 401);
    assert.match(parseJSON(old.body).error.message, /rotated/);
    assert.equal((await chatAs(gw, r.body.key, hi())).status, 200);
  }));

  it('roles: a user key calls models only, a viewer reads spend only, an admin key administers', logged(async () => {
    const user = await key({ role: 'user' });
    const viewer = await key({ role: 'viewer' });
    const adm = await key({ role: 'admin' });
    assert.equal((await admin(gw, 'GET', 'spend', undefined, user.key)).status, 403);
    assert.equal((await admin(gw, 'GET', 'spend', undefined, viewer.key)).status, 200);
    assert.equal((await admin(gw, 'GET', 'spend/logs', undefined, viewer.key)).status, 200);
    assert.equal((await admin(gw, 'GET', 'keys', undefined, viewer.key)).status, 403);
    assert.equal((await admin(gw, 'POST', 'keys', {}, viewer.key)).status, 403);
    const viewerChat = await chatAs(gw, viewer.key, hi());
    assert.equal(viewerChat.status, 403);
    const made = await admin(gw, 'POST', 'keys', { name: 'by-admin' }, adm.key);
    assert.equal(made.status, 201);
    secrets.push(made.body.key);
    assert.equal((await admin(gw, 'GET', 'keys', undefined, 'mm-wrong')).status, 401);
    const audit = await admin(gw, 'GET', 'audit');
    assert.ok(audit.body.data.some((e) => e.action === 'key.create' && e.actor === adm.id), 'the audit log names the admin key');
  }));

  it('the admin API checks every field and answers bad JSON with a 4xx, never a 5xx', logged(async () => {
    const bad = await admin(gw, 'POST', 'keys', { name: 'x', budgett: 1 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.param, 'budgett');
    assert.equal((await admin(gw, 'POST', 'keys', { budget: { usd: -1 } })).status, 400);
    assert.equal((await admin(gw, 'POST', 'keys', { team_id: 'no-such-team' })).status, 400);
    assert.equal((await admin(gw, 'POST', 'keys', { limits: { rpm: 0 } })).status, 400);
    assert.equal((await admin(gw, 'POST', 'users', { id: 'a:b' })).status, 400);
    assert.equal((await admin(gw, 'PUT', 'keys', {})).status, 405);
    // Random bodies and paths: whatever comes in, a JSON answer below 500, and the gateway lives on.
    let seed = 7;
    const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    const atoms = ['null', 'true', '1', '-1', '1e308', '"x"', '""', '[]', '{}', '{"usd":1}', '"user"', '[1,"a"]',
      '{"rpm":5}', '9007199254740993', '"\\u0000"'];
    const fields = ['name', 'budget', 'limits', 'models', 'role', 'team_id', 'user_id', 'expires_at', 'blocked',
      'metadata', 'end_users', 'id', 'grace_seconds', 'expires_in_seconds'];
    const paths = ['keys', 'users', 'teams', 'spend', 'spend/logs?limit=0', 'keys/nope/rotate', 'audit?limit=x', 'teams/narrow'];
    for (let i = 0; i < 300; i++) {
      let body;
      if (rnd(5) === 0) body = ['{', '[1,', '{"a":', 'nul', '\u00ff\u00fe'][rnd(5)];
      else {
        const parts = [];
        for (let f = rnd(4); f > 0; f--) parts.push(`"${fields[rnd(fields.length)]}":${atoms[rnd(atoms.length)]}`);
        body = `{${parts.join(',')}}`;
      }
      const method = ['POST', 'PATCH', 'GET', 'DELETE'][rnd(4)];
      const p = paths[rnd(paths.length)];
      const r = await admin(gw, method, p, method === 'GET' ? undefined : body);
      assert.ok(r.status >= 200 && r.status < 500, `${method} ${p} ${body} -> ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(typeof r.body, 'object', `${method} ${p} ${body}: not JSON`);
    }
    assert.equal((await httpRequest(`${gw.url}/health`)).status, 200);
  }));

  it('no key, master key or upstream credential in any log, answer or database file', logged(async () => {
    await sleep(300);  // the ledger's last rows
    const logs = gw.handle.stdout + gw.handle.stderr;
    const dbBytes = Buffer.concat(fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f))));
    const answers = JSON.stringify([(await admin(gw, 'GET', 'keys')).body, (await admin(gw, 'GET', 'audit')).body,
      (await admin(gw, 'GET', 'spend/logs')).body]);
    assert.ok(secrets.length > 10);
    for (const s of secrets) {
      assert.equal(logs.includes(s), false, `a secret is in the logs`);
      assert.equal(dbBytes.includes(Buffer.from(s)), false, `a secret is in the database`);
      assert.equal(answers.includes(s), false, `a secret is in an admin answer`);
    }
  }));
});

describe('open only where it is safe', () => {
  it('refuses to listen beyond loopback without an auth section, and says how to fix it', logged(async () => {
    const cfg = await writeTempFile('models:\n  - name: mock\n    targets:\n      - {provider: mock, model: mock}\n');
    const r = await runModelmux(['serve', '--config', cfg, '--listen', '0.0.0.0:0']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /refusing to listen on 0\.0\.0\.0 without an `auth` section/);
    assert.match(r.stderr, /mode: none/);
  }));

  it('listens anywhere when auth says mode none, and keys mode needs a master key', logged(async () => {
    const open = await startGateway({
      config: 'auth: {mode: none}\nmodels:\n  - name: mock\n    targets:\n      - {provider: mock, model: mock}\n',
      args: ['--listen', '0.0.0.0:0'],
    });
    try {
      const r = await postJSON(`http://127.0.0.1:${open.port}/v1/chat/completions`, hi());
      assert.equal(r.status, 200, r.body);
    } finally {
      await open.stop();
    }
    const cfg = await writeTempFile('auth: {mode: keys}\nmodels:\n  - name: mock\n    targets:\n      - {provider: mock, model: mock}\n');
    const r = await runModelmux(['serve', '--config', cfg]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /auth\.master_key: is required with mode keys/);
  }));
});
