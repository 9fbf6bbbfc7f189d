// `modelmux serve` refuses a wrong config: non-zero exit, and stderr names the file, the line,
// the key and the problem.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { runModelmux, writeTempFile, startGateway, httpRequest, logged } from '../lib/harness.mjs';

/** Writes `yaml` to a temp file named `name`, runs serve on it, returns {file, base, ...result}. */
async function serveBad(yaml, name) {
  const file = await writeTempFile(yaml, name);
  const r = await runModelmux(['serve', '--config', file, '--listen', '127.0.0.1:0']);
  return { file, base: path.basename(file), ...r };
}

function assertRefused(r, { line, mentions = [] }) {
  const where = `\nstderr: ${r.stderr}\nstdout: ${r.stdout}`;
  assert.equal(r.timedOut, false, `serve kept running on a bad config instead of exiting${where}`);
  assert.ok(r.code !== 0 && r.code !== null, `exit code != 0, got code=${r.code} signal=${r.signal}${where}`);
  assert.ok(!/listening on/.test(r.stdout), `did not start listening${where}`);
  assert.ok(r.stderr.includes(r.base), `stderr names the file ${r.base}${where}`);
  const lineRe = new RegExp(`(${r.base.replace(/\./g, '\\.')}:${line}\\b)|(line ${line}\\b)`);
  assert.match(r.stderr, lineRe, `stderr gives line ${line}${where}`);
  for (const m of mentions) assert.ok(r.stderr.includes(m), `stderr mentions ${JSON.stringify(m)}${where}`);
}

describe('config errors', () => {
  it('unknown provider', logged(async () => {
    const r = await serveBad([
      'server:',                         // 1
      '  listen: 127.0.0.1:0',           // 2
      'models:',                         // 3
      '  - name: fast',                  // 4
      '    targets:',                    // 5
      '      - provider: foo',           // 6
      '        model: gpt-4o-mini',      // 7
      '        api_base: http://127.0.0.1:9/v1',
    ].join('\n') + '\n', 'bad-provider.yaml');
    assertRefused(r, { line: 6, mentions: ['models[0].targets[0].provider', 'foo'] });
  }));

  it('missing models[].name', logged(async () => {
    const r = await serveBad([
      'server:',                         // 1
      '  listen: 127.0.0.1:0',           // 2
      'models:',                         // 3
      '  - name: ok',                    // 4
      '    targets:',                    // 5
      '      - provider: mock',          // 6
      '        model: m',                // 7
      '  - targets:',                    // 8  <- models[1] has no name
      '      - provider: mock',          // 9
      '        model: m',                // 10
    ].join('\n') + '\n', 'missing-name.yaml');
    assertRefused(r, { line: 8, mentions: ['models[1]', 'name'] });
  }));

  it('YAML syntax error', logged(async () => {
    const r = await serveBad([
      'server:',                         // 1
      '  listen: 127.0.0.1:0',           // 2
      'models:',                         // 3
      '  - name: fast: oops',            // 4  <- "mapping values are not allowed here"
      '    targets:',                    // 5
      '      - provider: mock',          // 6
    ].join('\n') + '\n', 'syntax.yaml');
    assertRefused(r, { line: 4 });
  }));

  it('unknown key', logged(async () => {
    const r = await serveBad([
      'server:',                         // 1
      '  listen: 127.0.0.1:0',           // 2
      'models:',                         // 3
      '  - name: fast',                  // 4
      '    targets:',                    // 5
      '      - provider: mock',          // 6
      '        model: m',                // 7
      '        apikey: typo',            // 8
    ].join('\n') + '\n', 'unknown-key.yaml');
    assertRefused(r, { line: 8, mentions: ['apikey'] });
  }));

  it('wrong type', logged(async () => {
    const r = await serveBad([
      'server:',                         // 1
      '  listen: 127.0.0.1:0',           // 2
      '  max_body_bytes: lots',          // 3
      'models:',                         // 4
      '  - name: fast',                  // 5
      '    targets:',                    // 6
      '      - provider: mock',          // 7
      '        model: m',                // 8
    ].join('\n') + '\n', 'wrong-type.yaml');
    assertRefused(r, { line: 3, mentions: ['max_body_bytes'] });
  }));

  it('models not a list', logged(async () => {
    const r = await serveBad([
      'server:',                         // 1
      '  listen: 127.0.0.1:0',           // 2
      'models: fast',                    // 3
    ].join('\n') + '\n', 'models-scalar.yaml');
    assertRefused(r, { line: 3, mentions: ['models'] });
  }));

  it('missing config file', logged(async () => {
    const missing = path.join(path.dirname(await writeTempFile('', 'placeholder.yaml')), 'does-not-exist.yaml');
    const r = await runModelmux(['serve', '--config', missing, '--listen', '127.0.0.1:0']);
    assert.equal(r.timedOut, false, `kept running: ${r.stderr}`);
    assert.ok(r.code !== 0 && r.code !== null, `exit code != 0, got ${r.code}`);
    assert.ok(r.stderr.includes('does-not-exist.yaml'), `stderr names the file: ${r.stderr}`);
  }));
});

describe('valid config', () => {
  it('${VAR} interpolation and --listen override of server.listen', logged(async () => {
    const gw = await startGateway({
      config: [
        'server:',
        '  listen: 127.0.0.1:1',        // overridden by --listen 127.0.0.1:0 (port 1 would fail)
        'models:',
        '  - name: ${MODELMUX_TEST_MODEL_NAME}',
        '    targets:',
        '      - provider: mock',
        '        model: m',
      ].join('\n') + '\n',
      env: { MODELMUX_TEST_MODEL_NAME: 'from-env' },
    });
    try {
      assert.notEqual(gw.port, 1);
      assert.ok(gw.port > 0);
      const r = await httpRequest(`${gw.url}/v1/models`);
      assert.deepEqual(JSON.parse(r.body).data.map((m) => m.id), ['from-env']);
    } finally {
      const exit = await gw.stop();
      assert.equal(exit.code, 0, `SIGTERM -> exit 0, got ${JSON.stringify(exit)}`);
    }
  }));
});
