// The spend ledger survives SIGKILL: killed under load and restarted on the same store, the ledger has a
// row for every response a client saw complete, budgets read what the ledger says, and a gateway killed
// at rest reads exactly the same budgets after its restart. A second gateway on the same store, which
// cannot own its journal, makes its responses wait for their commits instead: killed under load, it too has
// a row for every response it completed.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startGateway, startMock, parseChatSSE, logged } from '../lib/harness.mjs';
import { storeDir, governedConfig, admin, createKey, chatAs, sleep } from '../lib/governance.mjs';

let mock, dir, gw;
after(async () => {
  await Promise.all([gw?.stop('SIGKILL'), mock?.stop()]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const config = () => governedConfig({
  top: 'prices:\n  house: {input: 100, output: 1000}\n',
  store: `  sqlite: ${dir}/ledger.db\n`,
  models: `  - name: house\n    targets:\n      - {provider: openai, model: house, api_base: "${mock.url}/v1", api_key: k}\n`,
});

// Every row of the ledger for a key, all pages.
async function ledgerRows(keyId) {
  const rows = [];
  let after = '';
  for (;;) {
    const page = await admin(gw, 'GET', `spend/logs?key_id=${keyId}&limit=1000${after ? `&after=${after}` : ''}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    rows.push(...page.body.data);
    if (!page.body.next) return rows;
    after = page.body.next;
  }
}

// `n` clients chat through `gateway` with `key` (half of the requests streamed) until it is SIGKILLed after
// `ms`, each request named by x-request-id `${prefix}-<client>-<i>`. Resolves with the ids whose whole answer
// came back (`completed`) and how many were sent.
async function killUnderLoad(gateway, key, prefix, n, ms) {
  const completed = new Set();
  let sent = 0, stopped = false;
  const client = async (c) => {
    for (let i = 0; !stopped; i++) {
      const id = `${prefix}-${c}-${i}`;
      const stream = i % 2 === 1;
      sent++;
      try {
        const r = await chatAs(gateway, key, { model: 'house', max_tokens: 20, stream, messages: [{ role: 'user', content: 'hi' }] },
          { headers: { 'x-request-id': id }, timeoutMs: 5_000 });
        const whole = stream ? r.status === 200 && parseChatSSE(r.body).done : r.status === 200 && JSON.parse(r.body).choices;
        if (whole) completed.add(id);
      } catch { /* the kill cut it: not complete */ }
    }
  };
  const clients = Array.from({ length: n }, (_, c) => client(c));
  await sleep(ms);
  await gateway.stop('SIGKILL');
  stopped = true;
  await Promise.all(clients);
  return { completed, sent };
}

describe('the ledger under SIGKILL', () => {
  it('killed under load: every response a client saw complete has its row, and budgets follow the ledger', logged(async (t) => {
    mock = await startMock(['--response-tokens', '12', '--chunk-interval-ms', '2', '--latency-ms', '5']);
    dir = await storeDir();
    // Commits held back 30 ms: a response that completed before its row was durable would show.
    gw = await startGateway({ config: config(), env: { MODELMUX_FAULT_COMMIT_DELAY_MS: '30' } });
    const k = await createKey(gw, { budget: { usd: 1000, period: 'month' } });
    const { completed, sent } = await killUnderLoad(gw, k.key, 'c', 24, 1500);
    assert.ok(completed.size > 200, `only ${completed.size} completed before the kill`);

    gw = await startGateway({ config: config() });
    const rows = await ledgerRows(k.id);
    const logged200 = new Set(rows.filter((r) => r.status === 200).map((r) => r.request_id));
    const missing = [...completed].filter((id) => !logged200.has(id));
    t.diagnostic(`${sent} sent, ${completed.size} complete, ${rows.length} rows (${logged200.size} with status 200)`);
    assert.deepEqual(missing, [], 'completed responses without a ledger row');
    // Rows the clients never saw complete: at most the requests under way at the kill.
    assert.ok(logged200.size - completed.size <= 24, `${logged200.size - completed.size} rows beyond what completed`);
    const ledgerUsd = rows.reduce((s, r) => s + r.cost_usd, 0);
    const spend = (await admin(gw, 'GET', `keys/${k.id}`)).body.spend;
    assert.ok(Math.abs(spend.spent_usd - ledgerUsd) < 1e-9, `budget ${spend.spent_usd} != ledger ${ledgerUsd}`);
  }));

  it('killed at rest: the budgets read after the restart are the ones read before', logged(async () => {
    const k = await createKey(gw, { budget: { usd: 5, period: 'day' } });
    await admin(gw, 'POST', 'users', { id: 'ursula', budget: { usd: 7, period: 'week' } });
    const u = await createKey(gw, { user_id: 'ursula' });
    for (let i = 0; i < 10; i++) {
      await chatAs(gw, k.key, { model: 'house', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
      await chatAs(gw, u.key, { model: 'house', max_tokens: 20, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    }
    const before = [(await admin(gw, 'GET', `keys/${k.id}`)).body.spend, (await admin(gw, 'GET', 'users/ursula')).body.spend];
    assert.ok(before[0].spent_usd > 0 && before[1].spent_usd > 0);
    await gw.stop('SIGKILL');
    gw = await startGateway({ config: config() });
    const afterKill = [(await admin(gw, 'GET', `keys/${k.id}`)).body.spend, (await admin(gw, 'GET', 'users/ursula')).body.spend];
    assert.deepEqual(afterKill, before);
  }));

  it('a second gateway on the store, without the journal: its responses wait for commits, and none is lost to a kill', logged(async (t) => {
    const k = await createKey(gw, { budget: { usd: 1000, period: 'month' } });
    // The first gateway owns the journal: the second's rows go the commit way (held back 30 ms each).
    const second = await startGateway({ config: config(), env: { MODELMUX_FAULT_COMMIT_DELAY_MS: '30' } });
    const { completed } = await killUnderLoad(second, k.key, 'second', 8, 1000);
    assert.ok(completed.size > 20, `only ${completed.size} completed before the kill`);
    const rows = await ledgerRows(k.id);
    const logged200 = new Set(rows.filter((r) => r.status === 200).map((r) => r.request_id));
    t.diagnostic(`${completed.size} complete, ${rows.length} rows`);
    assert.deepEqual([...completed].filter((id) => !logged200.has(id)), [], 'completed responses without a ledger row');
    assert.equal(fs.readdirSync(dir).filter((f) => f.includes('-journal-')).length, 0,
      'the second gateway wrote no journal (the first owns it; at rest it holds no file)');
  }));
});
