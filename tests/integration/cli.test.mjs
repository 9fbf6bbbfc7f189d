// The admin CLI (`modelmux keys|users|teams|spend|audit|credentials`) against a governed gateway: a key's
// life from the terminal (created with its secret shown once, listed without it, budget and limits changed
// in part, rotated, spent through, audited, deleted), tables for people and --json for scripts, the API's
// errors on stderr with exit 1, an unreachable gateway named, and usage errors with exit 2. The credentials
// commands against a stand-in for /admin/v1/credentials (the requests they send, what they show).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { runModelmux, closedPort, logged, MODELMUX_BIN } from '../lib/harness.mjs';
import { MASTER, startGovernedGateway, admin, chatAs } from '../lib/governance.mjs';

const MODELS = `  - name: mock
    targets:
      - {provider: mock, model: mock}
`;
const hi = { model: 'mock', messages: [{ role: 'user', content: 'hi' }] };

let gw;
const ENCRYPTION_KEY = 'cli-test-encryption-key-0123456789';
before(async () => { gw = await startGovernedGateway(MODELS, { env: { MODELMUX_ENCRYPTION_KEY: ENCRYPTION_KEY } }); });
after(() => gw?.close());

/** Runs the CLI against the test gateway as the master key (from the environment, as a user would). */
function mm(args, env = {}) {
  return runModelmux(args, {
    env: { MODELMUX_URL: gw.url, MODELMUX_MASTER_KEY: MASTER, MODELMUX_API_KEY: '', ...env },
    timeoutMs: 10_000,
  });
}

/** Runs it and expects exit 0; returns stdout. */
async function ok(args, env) {
  const r = await mm(args, env);
  assert.equal(r.code, 0, `modelmux ${args.join(' ')} -> ${r.code}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function okJSON(args) {
  return JSON.parse(await ok([...args, '--json']));
}

/** The `name: value` lines of a record, as an object. */
function fields(stdout) {
  const out = {};
  for (const line of stdout.split('\n')) {
    const m = /^(\S+):\s+(.*)$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

describe('modelmux keys', () => {
  it('create shows the secret once, list shows the key without it, and --json parses', logged(async () => {
    const r = await mm(['keys', 'create', '--name', 'cli-app', '--models', 'mock']);
    assert.equal(r.code, 0, r.stderr);
    const created = fields(r.stdout);
    assert.match(created.key, /^mm-[0-9A-Za-z]{43}$/);
    assert.match(created.id, /^key_[0-9a-f]{16}$/);
    assert.equal(created.name, 'cli-app');
    assert.equal(created.models, 'mock');
    assert.match(r.stderr, /shown this once/);

    const list = await ok(['keys', 'list']);
    const [header, ...rows] = list.trim().split('\n');
    assert.match(header, /^ID\s+NAME\s+ROLE\s+USER\s+TEAM\s+MODELS\s+BUDGET\s+SPENT\s+LIMITS\s+EXPIRES\s+STATE$/);
    assert.ok(rows.some((l) => l.startsWith(created.id) && l.includes('cli-app') && l.endsWith('active')), list);
    assert.equal(list.includes(created.key), false, 'the secret is never listed');

    const json = await okJSON(['keys', 'list']);
    assert.equal(json.object, 'list');
    assert.ok(json.data.some((k) => k.id === created.id));
    assert.equal(JSON.stringify(json).includes(created.key), false);

    const one = await ok(['keys', 'get', created.id]);
    assert.equal(fields(one).id, created.id);
    assert.equal(one.includes(created.key), false);
  }));

  it('a key through its life: budget and limits changed in part, rotated, spent through, audited, deleted', logged(async () => {
    const k = await okJSON(['keys', 'create', '--name', 'life', '--budget', '5', '--period', 'day', '--rpm', '100',
      '--expires', '30d']);
    assert.match(k.key, /^mm-/);
    assert.deepEqual(k.budget, { usd: 5, period: 'day' });
    assert.deepEqual(k.limits, { rpm: 100 });
    assert.ok(k.expires_at > Date.now() / 1000 + 29 * 86_400);

    // --budget alone keeps the period; --tpm alone keeps rpm.
    const updated = fields(await ok(['keys', 'update', k.id, '--budget', '10', '--tpm', '5000']));
    assert.equal(updated.budget, '$10.00/day');
    assert.equal(updated.limits, 'rpm 100, tpm 5000');
    const cleared = await okJSON(['keys', 'update', k.id, '--rpm', '0', '--soft-budget', '8']);
    assert.deepEqual(cleared.limits, { tpm: 5000 });
    assert.deepEqual(cleared.budget, { usd: 10, period: 'day', soft_usd: 8 });

    const rotated = await okJSON(['keys', 'rotate', k.id, '--grace-seconds', '0']);
    assert.equal(rotated.id, k.id);
    assert.notEqual(rotated.key, k.key);
    assert.equal((await chatAs(gw, k.key, hi)).status, 401, 'the old secret stops at once with no grace');
    const chat = await chatAs(gw, rotated.key, hi);
    assert.equal(chat.status, 200, chat.body);

    const byKey = await ok(['spend', '--group-by', 'key']);
    const row = byKey.split('\n').find((l) => l.startsWith(k.id));
    assert.ok(row, byKey);
    assert.match(row, new RegExp(`^${k.id}\\s+\\$\\S+\\s+1\\s+\\d+\\s+\\d+$`));
    assert.match(byKey, /^TOTAL\s/m);
    const totals = await okJSON(['spend']);
    assert.ok(totals.requests >= 1);
    const plain = fields(await ok(['spend', '--from', '2020-01-01']));
    assert.match(plain.requests, /^\d+$/);

    const logs = await okJSON(['spend', 'logs', '--key', k.id]);
    assert.equal(logs.data.length, 1);
    assert.equal(logs.data[0].key_id, k.id);
    assert.equal(logs.data[0].status, 200);
    const logTable = await ok(['spend', 'logs', '--key', k.id, '--limit', '5']);
    assert.match(logTable, /^ID\s+TIME\s+KEY\s+/);
    assert.match(logTable, new RegExp(`\\s${k.id}\\s+-\\s+mock\\s+mock/mock\\s+200\\s`));

    const audit = await ok(['audit', '--limit', '50']);
    for (const action of ['key.create', 'key.update', 'key.rotate'])
      assert.match(audit, new RegExp(`master\\s+${action.replace('.', '\\.')}\\s+${k.id}`), audit);

    assert.equal((await ok(['keys', 'delete', k.id])).trim(), `deleted ${k.id}`);
    const gone = await mm(['keys', 'get', k.id]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, new RegExp(`No key ${k.id}`));
    assert.equal(gone.stdout, '');
  }));

  it('users and teams, and a key that belongs to them', logged(async () => {
    const user = fields(await ok(['users', 'create', '--id', 'alice', '--name', 'Alice', '--budget', '20']));
    assert.equal(user.id, 'alice');
    assert.equal(user.budget, '$20.00/month');
    const team = await okJSON(['teams', 'create', '--id', 'red', '--models', 'mock,gpt-*', '--parallel', '4']);
    assert.deepEqual(team.models, ['mock', 'gpt-*']);
    const k = await okJSON(['keys', 'create', '--user', 'alice', '--team', 'red', '--role', 'viewer']);
    assert.equal(k.user_id, 'alice');
    assert.equal(k.role, 'viewer');

    assert.match(await ok(['users', 'list']), /^alice\s+Alice\s+\$20\.00\/month\s/m);
    assert.match(await ok(['teams', 'list']), /^red\s+-\s+mock,gpt-\*\s+-\s+-\s+parallel 4\s/m);
    const renamed = await okJSON(['teams', 'update', 'red', '--name', 'Red team']);
    assert.equal(renamed.name, 'Red team');
    assert.equal(renamed.limits.parallel, 4);

    // The API refuses to delete a team with keys: its message, exit 1.
    const refused = await mm(['teams', 'delete', 'red']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /team red still has keys .*HTTP 409/);
    await ok(['keys', 'delete', k.id]);
    await ok(['teams', 'delete', 'red']);
    await ok(['users', 'delete', 'alice']);
  }));
});

describe('modelmux admin commands: errors', () => {
  it('a wrong master key: the API\'s message on stderr, exit 1', logged(async () => {
    const expected = (await admin(gw, 'GET', 'keys', undefined, 'mm-wrong-key-0000000000000000')).body.error.message;
    const r = await mm(['keys', 'list', '--key', 'mm-wrong-key-0000000000000000']);
    assert.equal(r.code, 1);
    assert.ok(r.stderr.includes(expected), r.stderr);
    assert.match(r.stderr, /HTTP 401/);
    assert.equal(r.stdout, '');
    const json = await mm(['keys', 'list', '--json'], { MODELMUX_MASTER_KEY: 'mm-wrong-key-0000000000000000' });
    assert.equal(json.code, 1);
    assert.equal(json.stdout, '');
  }));

  it('an unreachable gateway is named, exit 1', logged(async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await mm(['spend', '--url', url]);
    assert.equal(r.code, 1);
    assert.ok(r.stderr.includes(url), r.stderr);
    assert.match(r.stderr, /connection refused/);
  }));

  it('credentials against the real API: stored, listed without the value, replaced, re-sealed, deleted', logged(async () => {
    const secret = 'sk-cli-end-to-end-0123456789abcdef';
    const created = JSON.parse(await ok(['credentials', 'create', '--name', 'cli-cred', '--provider', 'openai',
      '--value', secret, '--json']));
    assert.equal(created.name, 'cli-cred');
    assert.equal(created.kind, 'api_key');
    const table = await ok(['credentials', 'list']);
    assert.match(table, /cli-cred/);
    assert.equal(table.includes(secret), false);
    const before = fields(await ok(['credentials', 'get', 'cli-cred']));
    await ok(['credentials', 'update', 'cli-cred', '--value', `${secret}-2`]);
    const after = fields(await ok(['credentials', 'get', 'cli-cred']));
    assert.notEqual(after.fingerprint, before.fingerprint);
    const rotated = JSON.parse(await ok(['credentials', 'rotate-key', '--json']));
    assert.equal(rotated.rotated, 0);  // everything is already sealed under the current key
    await ok(['credentials', 'delete', 'cli-cred']);
    const gone = await mm(['credentials', 'get', 'cli-cred']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /No credential cli-cred/i);
  }));

  it('bad usage exits 2 without calling the gateway', logged(async () => {
    for (const args of [['keys'], ['keys', 'frobnicate'], ['keys', 'update', 'key_x'], ['keys', 'create', '--period', 'day'],
      ['spend', '--group-by', 'planet'], ['keys', 'create', '--expires', 'soon'],
      ['credentials', 'create', '--name', 'x', '--provider', 'openai'],
      ['credentials', 'create', '--name', 'x', '--provider', 'openai', '--value', 'v', '--value-stdin']]) {
      const r = await mm(args, { MODELMUX_URL: 'http://127.0.0.1:1' });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
  }));
});

/** A stand-in for the credentials API: records each request, answers in its shapes. */
async function fakeCredentialsAPI() {
  const requests = [];
  const record = (name, provider, kind) => ({
    name, provider, kind, key_version: 1, created_at: 1790000000, updated_at: 1790000100, fingerprint: 'sha256:ab12cd34',
  });
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body: body ? JSON.parse(body) : undefined });
      const send = (status, obj) => { res.writeHead(status, { 'content-type': 'application/json' }); res.end(JSON.stringify(obj)); };
      const m = /^\/admin\/v1\/credentials(?:\/([^/]+))?(?:\/(validate))?$/.exec(req.url);
      if (!m) return send(404, { error: { message: `No path ${req.url}`, code: 'not_found' } });
      const [, name, action] = m;
      if (name === 'rotate-key' && req.method === 'POST') return send(200, { rotated: 2, key_version: 2 });
      if (!name && req.method === 'GET') return send(200, { data: [record('openai-prod', 'openai', 'api_key'), record('aws', 'bedrock', 'aws')] });
      if (!name && req.method === 'POST') {
        const b = JSON.parse(body);
        return send(201, record(b.name, b.provider, b.aws_access_key_id ? 'aws' : 'api_key'));
      }
      if (action === 'validate') {
        return send(200, name === 'openai-prod' ? { name, result: 'valid' }
          : { name, result: 'rejected', status: 401, detail: 'Incorrect API key provided' });
      }
      if (name === 'missing') return send(404, { error: { message: 'No credential missing', code: 'not_found' } });
      if (req.method === 'DELETE') return send(200, { name, deleted: true });
      if (req.method === 'PUT') return send(200, { ...record(name, 'openai', 'api_key'), key_version: 1 });
      return send(200, record(name, 'openai', 'api_key'));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, requests, close: () => server.close() };
}

/** Runs the CLI with `input` on its standard input. */
function runWithStdin(args, input, env) {
  return new Promise((resolve) => {
    const p = spawn(MODELMUX_BIN, args, { env: { ...process.env, ...env } });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(input);
  });
}

describe('modelmux credentials (against a stand-in for the API)', () => {
  let api;
  before(async () => { api = await fakeCredentialsAPI(); });
  after(() => api?.close());
  const cred = (args, env = {}) => runModelmux(['credentials', ...args],
    { env: { MODELMUX_URL: api.url, MODELMUX_MASTER_KEY: MASTER, ...env }, timeoutMs: 10_000 });
  const last = () => api.requests.at(-1);

  it('create sends {name, provider, value} or the AWS fields, and never prints the secret', logged(async () => {
    let r = await cred(['create', '--name', 'openai-prod', '--provider', 'openai', '--value', 'sk-secret-1']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(last().body, { name: 'openai-prod', provider: 'openai', value: 'sk-secret-1' });
    assert.equal(last().method, 'POST');
    assert.equal(last().url, '/admin/v1/credentials');
    assert.equal(last().headers.authorization, `Bearer ${MASTER}`);
    assert.equal(last().headers['content-type'], 'application/json');
    assert.equal(fields(r.stdout).fingerprint, 'sha256:ab12cd34');
    assert.equal(fields(r.stdout).kind, 'api_key');

    r = await runWithStdin(['credentials', 'create', '--name', 'from-stdin', '--provider', 'anthropic', '--value-stdin'],
      'sk-ant-secret-2\n', { MODELMUX_URL: api.url, MODELMUX_MASTER_KEY: MASTER });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(last().body, { name: 'from-stdin', provider: 'anthropic', value: 'sk-ant-secret-2' });
    assert.equal(r.stdout.includes('sk-ant-secret-2'), false);

    r = await cred(['create', '--name', 'aws', '--provider', 'bedrock', '--aws-access-key-id', 'AKIAEXAMPLE',
      '--aws-secret-access-key', 'aws-secret-3', '--aws-session-token', 'aws-token-4']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(last().body, { name: 'aws', provider: 'bedrock', aws_access_key_id: 'AKIAEXAMPLE',
      aws_secret_access_key: 'aws-secret-3', aws_session_token: 'aws-token-4' });
    assert.equal(/aws-secret-3|aws-token-4/.test(r.stdout + r.stderr), false);
    assert.equal(fields(r.stdout).kind, 'aws');
  }));

  it('list, get, update (PUT), delete', logged(async () => {
    const list = (await cred(['list'])).stdout.trim().split('\n');
    assert.match(list[0], /^NAME\s+PROVIDER\s+KIND\s+KEY_VERSION\s+FINGERPRINT\s+UPDATED$/);
    assert.match(list[1], /^openai-prod\s+openai\s+api_key\s+1\s+sha256:ab12cd34\s+2026-09-21T/);
    assert.equal(list.length, 3);
    assert.equal(JSON.parse((await cred(['list', '--json'])).stdout).data.length, 2);

    assert.equal(fields((await cred(['get', 'openai-prod'])).stdout).name, 'openai-prod');
    assert.equal(last().url, '/admin/v1/credentials/openai-prod');

    const put = await cred(['update', 'openai-prod', '--value', 'sk-new-5']);
    assert.equal(put.code, 0, put.stderr);
    assert.equal(last().method, 'PUT');
    assert.deepEqual(last().body, { value: 'sk-new-5' });

    const del = await cred(['delete', 'openai-prod']);
    assert.equal(del.stdout.trim(), 'deleted openai-prod');
    assert.equal(last().method, 'DELETE');

    const missing = await cred(['get', 'missing']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No credential missing \(HTTP 404, not_found\)/);
  }));

  it('validate exits 0 only when the provider accepts the credential; rotate-key', logged(async () => {
    const valid = await cred(['validate', 'openai-prod']);
    assert.equal(valid.code, 0);
    assert.equal(valid.stdout, 'openai-prod: valid\n');
    assert.equal(last().url, '/admin/v1/credentials/openai-prod/validate');
    assert.deepEqual(last().body, {});
    const rejected = await cred(['validate', 'old']);
    assert.equal(rejected.code, 1);
    assert.equal(rejected.stdout, 'old: rejected (HTTP 401): Incorrect API key provided\n');
    assert.equal(JSON.parse((await cred(['validate', 'old', '--json'])).stdout).result, 'rejected');

    const rotated = await cred(['rotate-key']);
    assert.equal(rotated.code, 0);
    assert.equal(rotated.stdout, 're-encrypted 2 credential(s); key version 2\n');
    assert.equal(last().url, '/admin/v1/credentials/rotate-key');
  }));
});
