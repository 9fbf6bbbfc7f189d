// `modelmux route` on the command line, and routing configuration errors with file:line.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runModelmux, writeTempFile } from '../lib/harness.mjs';

const config = `models:
  - name: auto
    tiers: {simple: cheap, complex: best}
  - name: cheap
    strategy: cost
    targets:
      - {provider: openai, model: gpt-4o-mini, api_key: k}
      - {provider: openai, model: gpt-4.1-nano, api_key: k}
  - name: best
    targets:
      - {provider: anthropic, model: claude-opus-4-5, api_key: k}
`;

describe('modelmux route', () => {
  it('explains a decision from a config file and a body file, with the tier under auto', async () => {
    const cfg = await writeTempFile(config);
    const body = await writeTempFile(JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Hi! What is the capital of Peru?' }] }), 'body.json');
    const r = await runModelmux(['route', '--config', cfg, '--file', body]);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.model, 'auto');
    assert.equal(d.group, 'cheap');
    assert.equal(d.complexity.tier, 'simple');
    assert.equal(d.strategy, 'cost');
    assert.equal(d.chosen, 'openai/gpt-4.1-nano');
    assert.match(d.reasoning, /^auto: the prompt is simple/);
  });
  it('--strategy overrides, and a hard prompt goes to the complex tier', async () => {
    const cfg = await writeTempFile(config);
    const hard = 'Prove that the consensus protocol below is safe under Byzantine faults, analyze its asymptotic message ' +
      'complexity step by step, and implement a lock-free version in C++ with std::atomic:\n```cpp\nclass Node {};\n```';
    const body = await writeTempFile(JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: hard }] }), 'body.json');
    const r = await runModelmux(['route', '--config', cfg, '--file', body, '--strategy', 'priority']);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.group, 'best');
    assert.ok(['complex', 'expert'].includes(d.complexity.tier));
    assert.ok(d.complexity.features.some((f) => f.name === 'expert_cues'));
  });
  it('a body the gateway would refuse is an error on stderr, exit 2', async () => {
    const cfg = await writeTempFile(config);
    const body = await writeTempFile('{"model": "nope", "messages": []}', 'body.json');
    const r = await runModelmux(['route', '--config', cfg, '--file', body]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /modelmux route: /);
  });
});

describe('routing configuration errors name the line', () => {
  const bad = async (yaml, pattern) => {
    const r = await runModelmux(['serve', '--config', await writeTempFile(yaml), '--listen', '127.0.0.1:0']);
    assert.equal(r.code, 2, `exit code for:\n${yaml}\nstderr: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  };
  const target = '    targets:\n      - {provider: mock, model: mock}\n';
  it('unknown strategy', () => bad(`models:\n  - name: a\n    strategy: fastest\n${target}`,
    /modelmux\.yaml:3: models\[0\]\.strategy: unknown strategy "fastest"/));
  it('fallback to a group that does not exist', () => bad(`models:\n  - name: a\n    fallbacks: [ghost]\n${target}`,
    /models\[0\]\.fallbacks: "ghost" is not a model group/));
  it('a group falling back to itself', () => bad(`models:\n  - name: a\n    fallbacks: [a]\n${target}`,
    /"a" refers to its own group/));
  it('auto without tiers', () => bad(`models:\n  - name: a\n    strategy: auto\n${target}`, /tiers: is required with strategy auto/));
  it('an unknown tier', () => bad(`models:\n  - name: a\n    tiers: {genius: a}\n${target}`, /unknown key/));
  it('breaker error rate out of range', () => bad(`routing:\n  breaker: {error_rate: 2}\nmodels:\n  - name: a\n${target}`,
    /modelmux\.yaml:2: routing\.breaker\.error_rate: 2 is out of range/));
  it('an unknown capability in the price table', () => bad(`models:\n  - name: a\n${target}prices:\n  x: {capabilities: [telepathy]}\n`,
    /prices\.x: unknown capability "telepathy"/));
});
