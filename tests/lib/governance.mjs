// Helpers for the governance tests: a governed gateway's configuration, the admin API, and requests made
// with a virtual key (node built-ins only).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { httpRequest, postJSON, parseJSON, startGateway } from './harness.mjs';

export const MASTER = 'mm-master-test-0123456789abcdef';

/** A fresh directory for a store that outlives one gateway (the SIGKILL test reopens it). */
export async function storeDir() {
  return fsp.mkdtemp(path.join(os.tmpdir(), 'modelmux-store-'));
}

/**
 * YAML for a gateway that requires keys. `models` is the models: section's YAML (indented by two),
 * `auth` and `store` extra lines for those sections, `top` any other sections.
 */
export function governedConfig({ models, auth = '', store = '', top = '' }) {
  return `auth:\n  master_key: ${MASTER}\n${auth}` + (store ? `store:\n${store}` : '') + top + `models:\n${models}`;
}

/**
 * A gateway that requires keys (the master key MASTER), serving `models` (YAML, as governedConfig takes it),
 * with its store in a fresh directory: `gw.dir`. `gw.close()` stops it and removes the directory.
 */
export async function startGovernedGateway(models, { env } = {}) {
  const dir = await storeDir();
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const gw = await startGateway({ config: governedConfig({ models, store: `  sqlite: ${dir}/ledger.db\n` }), env });
    return { ...gw, dir, close: async () => { await gw.stop(); remove(); } };
  } catch (err) {
    remove();
    throw err;
  }
}

/** An admin API call; resolves with {status, headers, body (parsed when JSON)}. */
export async function admin(gw, method, p, body, key = MASTER) {
  const headers = { authorization: `Bearer ${key}` };
  let r;
  if (body === undefined && method !== 'GET' && method !== 'DELETE') body = {};  // POSTs are JSON, even empty ones
  if (body === undefined) {
    r = await httpRequest(`${gw.url}/admin/v1/${p}`, { method, headers });
  } else {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    r = await httpRequest(`${gw.url}/admin/v1/${p}`, {
      method, body: text,
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
    });
  }
  let parsed = r.body;
  try { parsed = JSON.parse(r.body); } catch { /* not JSON: the test will say */ }
  return { status: r.status, headers: r.headers, body: parsed };
}

/** Creates a key; resolves with the admin API's record, whose `key` is the secret. */
export async function createKey(gw, body = {}) {
  const r = await admin(gw, 'POST', 'keys', body);
  if (r.status !== 201) throw new Error(`POST /admin/v1/keys -> ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A chat completion sent with `key` as a Bearer token. */
export function chatAs(gw, key, body, { headers = {}, ...rest } = {}) {
  return postJSON(`${gw.url}/v1/chat/completions`, body,
    { headers: { authorization: `Bearer ${key}`, ...headers }, ...rest });
}

export function errorCode(r) {
  return parseJSON(r.body).error?.code;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
