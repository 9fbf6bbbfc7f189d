// `modelmux serve` re-executes itself with glibc's per-thread cache of freed blocks deepened
// (GLIBC_TUNABLES=glibc.malloc.tcache_count=256, src/app/malloc_tuning.cpp): same process id, still serving;
// an operator's own GLIBC_TUNABLES is left as it is. A sanitizer build skips it (its allocator is not
// glibc's).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startGateway, httpRequest } from '../lib/harness.mjs';

const environ = (pid) => fs.readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
const tunables = (pid) => environ(pid).find((e) => e.startsWith('GLIBC_TUNABLES='));
const sanitized = (pid) => fs.readFileSync(`/proc/${pid}/maps`, 'latin1').includes('libasan');

async function served(env) {
  const gw = await startGateway({ env });
  try {
    const health = await httpRequest(`${gw.url}/health`);
    assert.equal(health.status, 200);
    return { pid: gw.proc.pid, value: tunables(gw.proc.pid), sanitized: sanitized(gw.proc.pid) };
  } finally {
    await gw.stop();
  }
}

describe('malloc tuning', () => {
  it('serve sets the tcache depth in its own process (same pid) when the environment does not', async () => {
    const r = await served({ GLIBC_TUNABLES: undefined });
    if (r.sanitized) assert.equal(r.value, undefined);
    else assert.equal(r.value, 'GLIBC_TUNABLES=glibc.malloc.tcache_count=256');
  });

  it("an operator's GLIBC_TUNABLES is left as it is (glibc's default tcache depth, or other tunables)", async () => {
    for (const own of ['glibc.malloc.tcache_count=7', 'glibc.malloc.arena_max=2']) {
      const r = await served({ GLIBC_TUNABLES: own });
      assert.equal(r.value, `GLIBC_TUNABLES=${own}`);
    }
  });
});
