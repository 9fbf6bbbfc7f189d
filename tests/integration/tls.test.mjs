// The upstream client verifies certificates against the CA store and the host name. A node https server
// with a certificate made here plays the upstream; SSL_CERT_FILE tells OpenSSL to trust it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startGateway, postJSON, parseJSON, logged } from '../lib/harness.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'modelmux-tls-'));
function makeCert(name, san) {
  const key = path.join(dir, `${name}.key`), cert = path.join(dir, `${name}.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', `/CN=${name}`, '-addext', `subjectAltName=${san}`], { stdio: 'ignore' });
  return { key: fs.readFileSync(key), cert: fs.readFileSync(cert), certPath: cert };
}

const reply = JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'tls-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'over tls' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } });

function upstream(creds) {
  const srv = https.createServer({ key: creds.key, cert: creds.cert }, (req, res) => {
    req.resume();
    req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(reply); });
  });
  return new Promise((r) => srv.listen(0, '127.0.0.1', () => r(srv)));
}

let good, wrongName, srvGood, srvWrong, gwDefault, gwTrusting;

before(async () => {
  good = makeCert('upstream', 'IP:127.0.0.1');
  wrongName = makeCert('other', 'DNS:other.example');
  [srvGood, srvWrong] = await Promise.all([upstream(good), upstream(wrongName)]);
  const config = `models:
  - name: tls
    targets:
      - provider: openai
        model: tls-model
        api_base: https://127.0.0.1:${srvGood.address().port}/v1
        api_key: k
  - name: wrong-name
    targets:
      - provider: openai
        model: tls-model
        api_base: https://127.0.0.1:${srvWrong.address().port}/v1
        api_key: k
`;
  const bundle = path.join(dir, 'bundle.pem');
  fs.writeFileSync(bundle, Buffer.concat([good.cert, wrongName.cert]));
  [gwDefault, gwTrusting] = await Promise.all([
    startGateway({ config }),
    startGateway({ config, env: { SSL_CERT_FILE: bundle } }),
  ]);
});
after(async () => {
  await Promise.all([gwDefault, gwTrusting].map((g) => g?.stop()));
  srvGood?.close(); srvWrong?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const chat = (gw, model) => postJSON(`${gw.url}/v1/chat/completions`, { model, messages: [{ role: 'user', content: 'hi' }] });

describe('TLS to upstreams', () => {
  it('an untrusted (self-signed) certificate is refused with a 502', logged(async () => {
    const r = await chat(gwDefault, 'tls');
    assert.equal(r.status, 502, r.body);
    assert.match(parseJSON(r.body).error.message, /certificate/i);
  }));
  it('a trusted certificate for the right address serves the request', logged(async () => {
    const r = await chat(gwTrusting, 'tls');
    assert.equal(r.status, 200, r.body);
    assert.equal(parseJSON(r.body).choices[0].message.content, 'over tls');
  }));
  it('a trusted certificate for another host name is refused', logged(async () => {
    const r = await chat(gwTrusting, 'wrong-name');
    assert.equal(r.status, 502, r.body);
  }));
});
