// `modelmux route` on the command line, and routing configuration errors with file:line.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runModelmux, writeTempFile } from '../lib/harness.mjs';

const config = `models:
  - name: auto
    auto: {weak: cheap, strong: best, threshold: THRESHOLD}
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
  const withThreshold = (t) => writeTempFile(config.replace('THRESHOLD', String(t)));
  it('explains a decision from a config file and a body file, with the learned router under auto', async () => {
    const cfg = await withThreshold(1);
    const body = await writeTempFile(JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Hi! What is the capital of Peru?' }] }), 'body.json');
    const r = await runModelmux(['route', '--config', cfg, '--file', body]);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.model, 'auto');
    assert.equal(d.group, 'cheap');  // threshold 1: nothing goes strong
    assert.equal(d.strategy, 'cost');
    assert.equal(d.chosen, 'openai/gpt-4.1-nano');
    assert.match(d.reasoning, /^auto: difficulty -?[0-9.]+; P\(strong right, weak wrong\) = [0-9.]+ is below the threshold 1/);
    assert.equal(d.router.rule, 'threshold');
    assert.deepEqual(d.router.groups.map((g) => g.group), ['cheap', 'best']);
    assert.ok(d.router.groups[1].p_success > d.router.groups[0].p_success);
    assert.ok(d.router.p_strong_better > 0 && d.router.p_strong_better < 1);
    assert.ok(d.router.top_features.length > 0);
    assert.ok(d.router.expected_cost.share_of_always_strong < 1);
  });
  it('--strategy orders the picked group, and threshold 0 picks the strong group', async () => {
    const cfg = await withThreshold(0);
    const body = await writeTempFile(JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'Prove it.' }] }), 'body.json');
    const r = await runModelmux(['route', '--config', cfg, '--file', body, '--strategy', 'priority']);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.equal(d.group, 'best');
    assert.equal(d.strategy, 'priority');
    assert.equal(d.router.groups.find((g) => g.chosen).group, 'best');
    // The other group of the auto section follows as a fallback, its targets ordered by the request's
    // strategy too (priority: as listed), not by the group's own (cost).
    assert.deepEqual(d.fallback_order, ['anthropic/claude-opus-4-5', 'openai/gpt-4o-mini', 'openai/gpt-4.1-nano']);
  });
  it('a body the gateway would refuse is an error on stderr, exit 2', async () => {
    const cfg = await withThreshold(0.5);
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
  it('auto without its section', () => bad(`models:\n  - name: a\n    strategy: auto\n${target}`, /auto: is required with strategy auto/));
  const groups = `  - name: small\n${target}  - name: big\n    targets:\n      - {provider: mock, model: big, quality: 0.9}\n`;
  it('tiers, replaced: the error writes the auto section that replaces them', () =>
    bad(`models:\n  - name: a\n    tiers: {simple: small, complex: big}\n${groups}`,
      /modelmux\.yaml:3: models\[0\]\.tiers: the complexity tiers are replaced by the learned router: write `auto: \{weak: small, strong: big, strong_share: 0\.3\}` instead/));
  it('auto with neither a rule nor two groups', () =>
    bad(`models:\n  - name: a\n    auto: {weak: small, strong: big}\n${groups}`, /needs exactly one of threshold, strong_share, quality_floor/));
  it('auto naming an unknown group', () =>
    bad(`models:\n  - name: a\n    auto: {weak: small, strong: huge, threshold: 0.2}\n${groups}`, /"huge" is not a model group/));
  it('auto whose strong group is not stronger', () =>
    bad(`models:\n  - name: a\n    auto: {weak: big, strong: small, strong_share: 0.3}\n${groups}`,
      /the strong group's quality \(0\.1\) must be above the weak group's \(0\.9\)/));
  it('auto with groups but a threshold', () =>
    bad(`models:\n  - name: a\n    auto: {groups: [small, big], threshold: 0.3}\n${groups}`, /with groups needs quality_floor/));
  it('auto groups of unknown price', () =>
    bad(`models:\n  - name: a\n    auto: {groups: [small, big], quality_floor: 0.05}\n${groups}`,
      /group "big": its first target's model big is not in the price table/));
  it('breaker error rate out of range', () => bad(`routing:\n  breaker: {error_rate: 2}\nmodels:\n  - name: a\n${target}`,
    /modelmux\.yaml:2: routing\.breaker\.error_rate: 2 is out of range/));
  it('an unknown capability in the price table', () => bad(`models:\n  - name: a\n${target}prices:\n  x: {capabilities: [telepathy]}\n`,
    /prices\.x: unknown capability "telepathy"/));
});
