/**
 * Shards and `diffinfer merge`: for every sharded command (coverage, toy CLs, toy and
 * asymptotic limit scans, signal grids) the merge of N shards writes results.json, report.md
 * and plots byte-identical to one unsharded run apart from the timing; bad input (shards of
 * different configurations, missing or unfinished shards, bad --shard and --workers values):
 * exit 2 and one line naming the problem. In-process, one worker.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'pyhf');
const tmp = mkdtempSync(join(tmpdir(), 'diffinfer-merge-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const WS = join(tmp, 'ws.json');
writeFileSync(WS, JSON.stringify(JSON.parse(readFileSync(join(FIX, 'example-uncorrelated.json'), 'utf8')).workspace));
// a signal grid: the example's signal scaled (the last one too small to be excluded below mu = 10)
const PATCHSET = join(tmp, 'grid.json');
writeFileSync(
  PATCHSET,
  JSON.stringify({
    metadata: { name: 'grid', description: 'scaled signals', digests: { sha256: '0'.repeat(64) }, labels: ['scale'], references: {} },
    version: '1.0.0',
    patches: [1, 2, 4, 0.001, 0.5].map((s) => ({ metadata: { name: `scale_${s}`, values: [s] }, patch: [{ op: 'replace', path: '/channels/0/samples/0/data', value: [12 * s, 11 * s] }] })),
  }),
);

async function ok(args: string[]) {
  const r = await runCli([...args, '--workers', '1', '--no-progress']);
  if (r.code !== 0) throw new Error(`diffinfer ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Runs `args` unsharded into A and as N shards into B, merges B; returns both folders and the merge's stdout. */
async function shardedAndWhole(name: string, args: string[], n: number, code = 0) {
  const whole = join(tmp, `${name}-whole`);
  const sharded = join(tmp, `${name}-sharded`);
  const a = await runCli([...args, '--out', whole, '--workers', '1', '--no-progress']);
  expect(a.code).toBe(code);
  for (let i = 0; i < n; i++) {
    const s = await runCli([...args, '--out', sharded, '--shard', `${i}/${n}`, '--workers', '1', '--no-progress']);
    // a shard with failed units exits 1 (e.g. a patch whose limit is not bracketed)
    expect(s.code).toBe(JSON.parse(s.stdout).units.failed ? 1 : 0);
    expect(JSON.parse(s.stdout)).toMatchObject({ shard: `${i}/${n}`, command: expect.any(String), out: sharded });
  }
  const m = await runCli(['merge', sharded]);
  expect(m.code).toBe(code);
  return { whole, sharded, wholeOut: JSON.parse(a.stdout), mergeOut: JSON.parse(m.stdout) };
}

/** results.json up to its last key, `timing` (the only run-dependent part). */
function scienceOf(dir: string): string {
  const text = readFileSync(join(dir, 'results.json'), 'utf8');
  const cut = text.lastIndexOf('\n "timing": {');
  expect(cut).toBeGreaterThan(0);
  return text.slice(0, cut);
}

/** report.md without its one run-dependent line (wall time). */
function reportOf(dir: string): string {
  return readFileSync(join(dir, 'report.md'), 'utf8')
    .split('\n')
    .filter((l) => !/^(\| wall time \||Wall time: )/.test(l))
    .join('\n');
}

function expectSameOutputs(a: string, b: string, files: { report: boolean; plots: boolean }) {
  expect(scienceOf(b)).toBe(scienceOf(a));
  if (files.report) {
    expect(reportOf(b)).toBe(reportOf(a));
    expect(readFileSync(join(b, 'report.md'), 'utf8').split('\n').length).toBe(readFileSync(join(a, 'report.md'), 'utf8').split('\n').length);
  }
  if (files.plots) {
    const names = readdirSync(join(a, 'plots')).sort();
    expect(readdirSync(join(b, 'plots')).sort()).toEqual(names);
    for (const f of names) expect(readFileSync(join(b, 'plots', f)).equals(readFileSync(join(a, 'plots', f)))).toBe(true);
  }
}

describe('merge of N shards = one unsharded run (apart from the timing)', () => {
  test('coverage, profile intervals: results.json, report.md and every plot; N = 3', async () => {
    const r = await shardedAndWhole('cov', ['coverage', WS, '--pseudo-experiments', '80', '--seed', '3'], 3);
    expectSameOutputs(r.whole, r.sharded, { report: true, plots: true });
    const { workers: _a, seconds: _b, units: _c, out: _d, ...science } = r.wholeOut;
    expect(r.mergeOut).toMatchObject(science);
    expect(r.mergeOut.workers).toBeNull();
    const timing = JSON.parse(readFileSync(join(r.sharded, 'results.json'), 'utf8')).timing;
    expect(timing).toMatchObject({ workers: null, shards: 3, units: 4 });
  });

  test('coverage, Neyman belt: belt and estimate units spread over N = 4 shards', async () => {
    const r = await shardedAndWhole('neyman', ['coverage', WS, '--interval', 'neyman', '--belt-points', '4', '--belt-toys', '60', '--pseudo-experiments', '50', '--seed', '1'], 4);
    expectSameOutputs(r.whole, r.sharded, { report: true, plots: true });
    expect(readdirSync(join(r.sharded, 'shards')).sort()).toEqual(['shard-0000-of-0004', 'shard-0001-of-0004', 'shard-0002-of-0004', 'shard-0003-of-0004']);
  });

  test('toy-based CLs: every block replayed through one calculator; N = 4', async () => {
    const r = await shardedAndWhole('cls', ['cls', WS, '--calculator', 'toybased', '--ntoys', '200', '--seed', '7'], 4);
    expectSameOutputs(r.whole, r.sharded, { report: false, plots: false });
    const { workers: _w, ...science } = r.wholeOut;
    expect(r.mergeOut).toEqual({ ...science, workers: null });
    // and the same as the command without --out (units in a temporary folder)
    const plain = await ok(['cls', WS, '--calculator', 'toybased', '--ntoys', '200', '--seed', '7']);
    expect(plain).toEqual(r.wholeOut);
  });

  test('toy-based limit scan: N = 5', async () => {
    const r = await shardedAndWhole('toylimit', ['limit', WS, '--calculator', 'toybased', '--ntoys', '100', '--seed', '2', '--scan', '0.2:3:5'], 5);
    expectSameOutputs(r.whole, r.sharded, { report: false, plots: false });
    expect(r.mergeOut.obs).toBe(r.wholeOut.obs);
  });

  test('asymptotic limit scan: points as units equal the serial scan; N = 2', async () => {
    const r = await shardedAndWhole('scan', ['limit', WS, '--scan', '0:5:11'], 2);
    expectSameOutputs(r.whole, r.sharded, { report: false, plots: false });
    const serial = JSON.parse((await runCli(['limit', WS, '--scan', '0:5:11'])).stdout);
    expect(r.mergeOut).toEqual(serial);
  });

  test('signal grid (--patchset): every patch a unit, a failed patch listed with its error (exit 1); N = 2', async () => {
    const r = await shardedAndWhole('grid', ['limit', WS, '--patchset', PATCHSET], 2, 1);
    expectSameOutputs(r.whole, r.sharded, { report: true, plots: false });
    const patches = r.mergeOut.patches;
    expect(patches.map((p: { name: string }) => p.name)).toEqual(['scale_1', 'scale_2', 'scale_4', 'scale_0.001', 'scale_0.5']);
    expect(patches[3].error).toMatch(/^NumericalError: observed CLs does not cross 0\.05 between mu = 0/);
    expect(r.mergeOut.failed).toBe(1);
    // each patch's limit is the one `limit -p grid.json:NAME` gives
    const one = JSON.parse((await runCli(['limit', WS, '-p', `${PATCHSET}:scale_2`])).stdout);
    expect(patches[1].obs).toBe(one.obs);
    expect(patches[1].exp).toEqual(one.exp);
    // the signal doubled halves the limit (the example has no signal systematics): measured 0.50579 vs 1.01157 / 2
    expect(patches[1].obs).toBeCloseTo(patches[0].obs / 2, 10);
  });
});

describe('resume of a shard and merge', () => {
  test('a shard with a unit file removed is bad input for merge; --resume on that shard runs only it', async () => {
    const out = join(tmp, 'resume');
    const args = ['coverage', WS, '--pseudo-experiments', '75', '--seed', '9', '--out', out];
    for (const i of [0, 1]) await ok([...args, '--shard', `${i}/2`]);
    rmSync(join(out, 'shards', 'shard-0001-of-0002', 'coverage-0000025.json'));
    const m = await runCli(['merge', out]);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/^diffinfer: .*shards: units without a result in 1 shards: shard 1\/2: 1 of 1 units \(coverage-0000025\) — run those shards again with --resume\n$/);
    const resumed = await ok([...args, '--shard', '1/2', '--resume']);
    expect(resumed.units).toEqual({ shard: 1, total: 3, ran: 1, reused: 0, failed: 0 });
    const again = await ok([...args, '--shard', '0/2', '--resume']);
    expect(again.units).toMatchObject({ ran: 0, reused: 2 });
    expect((await runCli(['merge', out])).code).toBe(0);
  });
});

describe('bad input: exit 2 and one line', () => {
  const cov = (out: string, ...extra: string[]) => ['coverage', WS, '--pseudo-experiments', '30', '--out', out, '--workers', '1', '--no-progress', ...extra];

  test('merge of shards of different configurations names the difference', async () => {
    const out = join(tmp, 'mixed');
    expect((await runCli(cov(out, '--seed', '1', '--shard', '0/2'))).code).toBe(0);
    expect((await runCli(cov(out, '--seed', '2', '--shard', '1/2'))).code).toBe(0);
    const m = await runCli(['merge', out]);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/^diffinfer: .*shard-0001-of-0002: has another configuration than shard-0000-of-0002 \(options .* in shard 0, .* here; pseudo .*\): shards of different configurations cannot be merged\n$/);
  });

  test('merge with missing shards lists them', async () => {
    const out = join(tmp, 'missing');
    for (const i of [0, 2]) expect((await runCli(cov(out, '--shard', `${i}/4`))).code).toBe(0);
    const m = await runCli(['merge', out]);
    expect(m.code).toBe(2);
    expect(m.stderr).toBe(`diffinfer: ${join(out, 'shards')}: missing 2 of 4 shards: 1, 3 (run them with --shard i/4)\n`);
  });

  test('merge of a folder with shards of two splits, and of a folder without shards', async () => {
    const out = join(tmp, 'splits');
    expect((await runCli(cov(out, '--shard', '0/1'))).code).toBe(0);
    expect((await runCli(cov(out, '--shard', '0/2'))).code).toBe(0);
    const m = await runCli(['merge', out]);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/^diffinfer: .*shards: holds shards of runs split 1 and 2 ways .*: remove the folders of the old split\n$/);
    const none = await runCli(['merge', join(tmp, 'nothing-here')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^diffinfer: .*nothing-here\/shards: no such folder: nothing to merge/);
  });

  const cases: [string, string[], RegExp][] = [
    ['--shard 5/4', cov(join(tmp, 'b1'), '--shard', '5/4'), /^diffinfer: --shard: index 5 is not below the count 4 \(shards are 0\/4 \.\. 3\/4\)\n$/],
    ['--shard 0/0', cov(join(tmp, 'b2'), '--shard', '0/0'), /^diffinfer: --shard: the shard count must be at least 1, got "0\/0"\n$/],
    ['--shard x', cov(join(tmp, 'b3'), '--shard', 'x'), /^diffinfer: --shard: expected i\/N with 0 <= i < N, e\.g\. 0\/4, got "x"\n$/],
    ['--workers 0', ['coverage', WS, '--out', join(tmp, 'b4'), '--workers', '0'], /^diffinfer: --workers: must be a positive integer, got "0"\n$/],
    ['--workers 0 on a scan', ['limit', WS, '--scan', '0:5:6', '--workers', '0'], /^diffinfer: --workers: must be a positive integer, got "0"\n$/],
    ['--shard without --out', ['cls', WS, '--calculator', 'toybased', '--shard', '0/2'], /^diffinfer: --shard: needs --out DIR \(shards write under DIR\/shards\/, and diffinfer merge DIR combines them\)\n$/],
    ['--shard on the asymptotic CLs', ['cls', WS, '--shard', '0/2', '--out', join(tmp, 'b5')], /^diffinfer: --shard: the asymptotic CLs is one computation; units and shards are for --calculator toybased\n$/],
    ['--shard on a limit by root finding', ['limit', WS, '--shard', '0/2', '--out', join(tmp, 'b6')], /^diffinfer: --shard: a limit by root finding is one computation; units and shards need --scan LO:HI:N or --patchset SET\.json\n$/],
    ['a patchset that is not one', ['limit', WS, '--patchset', WS], /^diffinfer: ws\.json: /],
  ];
  for (const [what, args, message] of cases) {
    test(what, async () => {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    });
  }
  test('a shard folder copied under another shard name is refused', async () => {
    const out = join(tmp, 'renamed');
    expect((await runCli(cov(out, '--shard', '0/2'))).code).toBe(0);
    cpSync(join(out, 'shards', 'shard-0000-of-0002'), join(out, 'shards', 'shard-0001-of-0002'), { recursive: true });
    const m = await runCli(['merge', out]);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/shard-0001-of-0002: its manifest is of shard 0\/2, not 1\/2\n$/);
    expect(existsSync(join(out, 'results.json'))).toBe(false);
  });
});
