// The admin CLI (`modelmux keys|users|teams|spend|audit`) against a governed gateway: a key's
// life from the terminal (created with its secret shown once, listed without it, budget and limits changed
// in part, rotated, spent through, audited, deleted), tables for people and --json for scripts, the API's
// errors on stderr with exit 1, an unreachable gateway named, and usage errors with exit 2.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runModelmux, closedPort, logged } from '../lib/harness.mjs';
import { MASTER, startGovernedGateway, admin, chatAs } from '../lib/governance.mjs';

const MODELS = `  - name: mock
    targets:
      - {provider: mock, model: mock}
`;
const hi = { model: 'mock', messages: [{ role: 'user', content: 'hi' }] };

let gw;
before(async () => { gw = await startGovernedGateway(MODELS); });
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

  it('bad usage exits 2 without calling the gateway', logged(async () => {
    for (const args of [['keys'], ['keys', 'frobnicate'], ['keys', 'update', 'key_x'], ['keys', 'create', '--period', 'day'],
      ['spend', '--group-by', 'planet'], ['keys', 'create', '--expires', 'soon']]) {
      const r = await mm(args, { MODELMUX_URL: 'http://127.0.0.1:1' });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
  }));
});

