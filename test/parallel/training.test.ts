/**
 * The training commands (`ablate`, `inferno`) as jobs of units: 1 and 2 workers give the same
 * results.json, report.md and plots; two shards merged give the files of one unsharded run; a
 * shard killed mid-run (SIGKILL) and rerun with `--resume` completes the table; `--seeds`
 * ranges and a seed list grown with `--resume`; bad input exits 2 with one line. Tiny runs
 * (1000 training events, 1 epoch, wasm: about a second each). Workers and the killed shard run
 * the compiled code (dist/, `npm run build`).
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { reportWithoutTimings, resultsWithoutTimings } from '../../experiments/commands.js';
import { cliEntryPath } from '../../src/parallel/slurm.js';
import { runCli } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'diffinfer-training-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const args = ['--benchmarks', '0', '--methods', 'bce,inferno', '--seeds', '2', '--epochs', '1', '--train-events', '1000', '--test-events', '2000', '--batch', '500', '--backend', 'wasm', '--no-progress'];
const ids = ['b0-bce-s0', 'b0-bce-s1', 'b0-inferno-s0', 'b0-inferno-s1'];
const withArg = (flag: string, value: string) => args.map((a, i) => (args[i - 1] === flag ? value : a));

/** results.json without the date and the timings. */
function results(dir: string): { config: Record<string, unknown>; results: Array<Record<string, unknown>> } {
  return resultsWithoutTimings(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'))) as never;
}

/** report.md with the date line and the timing columns blanked. */
function report(dir: string): string {
  return reportWithoutTimings(readFileSync(join(dir, 'report.md'), 'utf8'));
}

function svgs(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(join(dir, 'plots')).filter((f) => f.endsWith('.svg')).sort().map((f) => [f, readFileSync(join(dir, 'plots', f), 'utf8')]));
}

function expectSameFiles(dir: string, reference: string): void {
  expect(results(dir)).toEqual(results(reference));
  expect(report(dir)).toBe(report(reference));
  expect(svgs(dir)).toEqual(svgs(reference));
}

const serial = join(tmp, 'serial');
beforeAll(async () => {
  const r = await runCli(['ablate', '--out', serial, ...args, '--workers', '1']);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

describe('ablate on workers and shards', () => {
  test('2 workers: the same results.json, report.md and plots as 1 worker', async () => {
    const out = join(tmp, 'w2');
    const r = await runCli(['ablate', '--out', out, ...args, '--workers', '2']);
    expect(r.code, r.stderr).toBe(0);
    // one tfjs backend loaded in each of the 2 workers (this thread's was loaded by the serial run)
    expect(r.stderr.match(/^diffinfer: tfjs backend wasm$/gm)).toHaveLength(2);
    expectSameFiles(out, serial);
    expect(results(out).results.map((x) => `${x.method}/${x.seed}`)).toEqual(['bce/0', 'bce/1', 'inferno/0', 'inferno/1']);
  }, 120_000);

  test('2 shards merged: the files of one unsharded run', async () => {
    const out = join(tmp, 'sharded');
    for (const i of [1, 0]) {
      const r = await runCli(['ablate', '--out', out, ...args, '--workers', '1', '--shard', `${i}/2`]);
      expect(r.code, r.stderr).toBe(0);
      // round-robin: shard 0 has units 0 and 2, shard 1 units 1 and 3
      expect(JSON.parse(r.stdout)).toMatchObject({ shard: `${i}/2`, command: 'ablate', units: { shard: 2, total: 4, ran: 2, reused: 0, failed: 0 } });
    }
    expect(readdirSync(join(out, 'shards', 'shard-0000-of-0002')).sort()).toEqual(['b0-bce-s0.json', 'b0-inferno-s0.json', 'manifest.json']);
    expect(existsSync(join(out, 'results.json'))).toBe(false);
    const merged = await runCli(['merge', out]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(JSON.parse(merged.stdout)).toEqual({ command: 'ablate', out, runs: 4, failed: 0, results: join(out, 'results.json'), report: join(out, 'report.md') });
    expectSameFiles(out, serial);
    // the bundles of both shards are in the same folder
    for (const id of ids) expect(existsSync(join(out, 'b0', id.split('-')[1], `seed-${id.slice(-1)}`))).toBe(true);
  }, 120_000);

  test('a shard killed mid-run (SIGKILL) and rerun with --resume completes the table', async () => {
    const out = join(tmp, 'killed');
    const shardDir = join(out, 'shards', 'shard-0000-of-0002');
    const child = spawn(process.execPath, [cliEntryPath(), 'ablate', '--out', out, ...args, '--workers', '1', '--shard', '0/2'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const units = () => (existsSync(shardDir) ? readdirSync(shardDir).filter((f) => f.startsWith('b0-')) : []);
    for (let t = 0; t < 3000 && units().length < 1; t++) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // killed after the first of its 2 units (b0-bce-s0), during the second
    expect(units()).toEqual(['b0-bce-s0.json']);
    const resumed = await runCli(['ablate', '--out', out, ...args, '--workers', '1', '--shard', '0/2', '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout).units).toEqual({ shard: 2, total: 4, ran: 1, reused: 1, failed: 0 });
    expect(resumed.stderr).toMatch(/diffinfer: benchmark 0, bce, seed 0: finished in an earlier run, kept\n/);
    // merging before the other shard ran names it
    const early = await runCli(['merge', out]);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/^diffinfer: .*shards: missing 1 of 2 shards: 1 \(run them with --shard i\/2\)\n$/);
    expect((await runCli(['ablate', '--out', out, ...args, '--workers', '1', '--shard', '1/2'])).code).toBe(0);
    expect((await runCli(['merge', out])).code).toBe(0);
    expectSameFiles(out, serial);
  }, 120_000);

  test('--seeds ranges: a unit is its seed; a seed list grown with --resume runs only the new seeds', async () => {
    const range = join(tmp, 'range');
    const r = await runCli(['ablate', '--out', range, ...withArg('--seeds', '1-1'), '--workers', '1']);
    expect(r.code, r.stderr).toBe(0);
    const one = results(range);
    expect(one.config.seeds).toBe('1-1');
    // seed 1 of a 1-1 run is seed 1 of the 0..1 run, bit for bit
    expect(one.results).toEqual(results(serial).results.filter((x) => x.seed === 1));
    expect(readdirSync(join(range, 'units')).sort()).toEqual(['b0-bce-s1.json', 'b0-inferno-s1.json', 'manifest.json']);

    const grown = join(tmp, 'grown');
    expect((await runCli(['ablate', '--out', grown, ...withArg('--seeds', '1'), '--workers', '1'])).code).toBe(0);
    const more = await runCli(['ablate', '--out', grown, ...args, '--workers', '1', '--resume']);
    expect(more.code, more.stderr).toBe(0);
    expect(more.stderr.match(/finished in an earlier run, kept/g)).toHaveLength(2);
    expect(more.stderr.match(/^diffinfer: benchmark 0, \w+, seed 1$/gm)).toHaveLength(2);
    expectSameFiles(grown, serial);
  }, 120_000);
});

describe('bad input: exit 2 and one line', () => {
  const one = async (argv: string[], message: RegExp) => {
    const r = await runCli(argv);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe('');
  };
  const out = join(tmp, 'bad');
  test('--shard 5/4, --shard 0/0, --workers 0, a reversed seed range', async () => {
    await one(['ablate', '--out', out, ...args, '--shard', '5/4'], /^diffinfer: --shard: index 5 is not below the count 4 \(shards are 0\/4 \.\. 3\/4\)\n$/);
    await one(['ablate', '--out', out, ...args, '--shard', '0/0'], /^diffinfer: --shard: the shard count must be at least 1, got "0\/0"\n$/);
    await one(['inferno', '--out', out, '--shard', '1/x'], /^diffinfer: --shard: expected i\/N with 0 <= i < N, e.g. 0\/4, got "1\/x"\n$/);
    await one(['ablate', '--out', out, ...args, '--workers', '0'], /^diffinfer: --workers: must be a positive integer, got "0"\n$/);
    await one(['ablate', '--out', out, ...withArg('--seeds', '5-3')], /^diffinfer: --seeds: range "5-3" is reversed \(write 3-5\)\n$/);
    await one(['ablate', '--out', out, ...withArg('--seeds', '0')], /^diffinfer: --seeds: a count must be at least 1, got "0"\n$/);
    await one(['ablate', '--config', 'x.yaml', '--out', out, '--shard', '0/2'], /^diffinfer: --shard: is not available with --config/);
    await one(['ablate', '--config', 'x.yaml', '--out', out, '--coverage', '20'], /^diffinfer: --coverage: is not available with --config/);
    expect(existsSync(out)).toBe(false);
  });

  test('merge of shards of different configurations, or with shards missing (listed)', async () => {
    const src = join(tmp, 'sharded');
    const mixed = join(tmp, 'mixed');
    cpSync(src, mixed, { recursive: true });
    const manifest = join(mixed, 'shards', 'shard-0001-of-0002', 'manifest.json');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('"epochs": 1,', '"epochs": 2,'));
    await one(['merge', mixed], /^diffinfer: .*shard-0001-of-0002: has another configuration than shard-0000-of-0002 \(epochs 1 in shard 0, 2 here\): shards of different configurations cannot be merged\n$/);
    const missing = join(tmp, 'missing');
    cpSync(src, missing, { recursive: true });
    cpSync(join(missing, 'shards', 'shard-0000-of-0002'), join(missing, 'shards', 'shard-0000-of-0005'), { recursive: true });
    rmSync(join(missing, 'shards', 'shard-0000-of-0002'), { recursive: true });
    rmSync(join(missing, 'shards', 'shard-0001-of-0002'), { recursive: true });
    await one(['merge', missing], /^diffinfer: .*shards: missing 4 of 5 shards: 1, 2, 3, 4 \(run them with --shard i\/5\)\n$/);
  }, 60_000);

  test('slurm submit --dry-run of an ablation: one shard per array task, then the merge', async () => {
    const r = await runCli(['slurm', 'submit', '--shards', '4', '--cpus-per-task', '2', '--dry-run', '--', 'ablate', '--out', join(tmp, 'dry'), ...args]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('#SBATCH --array=0-3\n');
    expect(r.stdout).toMatch(/ablate --out \S+dry --benchmarks 0 .* --no-progress --shard "\$\{SLURM_ARRAY_TASK_ID\}\/4" --workers "\$\{SLURM_CPUS_PER_TASK:-1\}"\n/);
    expect(r.stdout).toMatch(/cli\.js merge \S+dry\n$/);
    expect(existsSync(join(tmp, 'dry'))).toBe(false);
  });

  test('slurm submit of an ablation without sbatch on the PATH', async () => {
    const path = process.env.PATH;
    process.env.PATH = join(tmp, 'no-bin');
    try {
      await one(['slurm', 'submit', '--shards', '4', '--', 'ablate', '--out', join(tmp, 'slurm'), ...args], /^diffinfer: slurm submit: sbatch is not on the PATH \(run this on a Slurm login node, or use --dry-run to print the scripts\)\n$/);
      await one(['slurm', 'submit', '--shards', '4', '--dry-run', '--', 'ablate', '--config', 'a.yaml', '--out', join(tmp, 'slurm')], /^diffinfer: slurm submit: "ablate --config" cannot be sharded/);
    } finally {
      process.env.PATH = path;
    }
  });
});
