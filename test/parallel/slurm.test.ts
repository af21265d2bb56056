/**
 * `diffinfer slurm submit` and `slurm status` without a cluster: the scripts, a stand-in
 * `sbatch` on the PATH that records its arguments, the status of shard folders, and bad input.
 * The real single-node cluster is in test/system/slurm.test.ts.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { planSlurmJobs, shellQuote } from '../../src/parallel/slurm.js';
import { runCli } from '../helpers/cli.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'pyhf');
const tmp = mkdtempSync(join(tmpdir(), 'diffinfer-slurm-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const WS = join(tmp, 'ws.json');
writeFileSync(WS, JSON.stringify(JSON.parse(readFileSync(join(FIX, 'example-uncorrelated.json'), 'utf8')).workspace));
const PATH = process.env.PATH;
afterEach(() => {
  process.env.PATH = PATH;
});

describe('the batch scripts', () => {
  test('an array of N shards, one per task; a merge script; resources and quoting', () => {
    const plan = planSlurmJobs({
      command: ['coverage', 'my ws.json', '--out', 'runs/cov', '--seed', '3'],
      shards: 8,
      partition: 'short',
      time: '1:00:00',
      cpusPerTask: 4,
      mem: '4G',
      arrayMax: 3,
      cwd: '/data/ana',
      node: '/usr/bin/node',
      cli: '/opt/diffinfer/dist/src/cli.js',
    });
    expect(plan.outAbsolute).toBe('/data/ana/runs/cov');
    expect(plan.arrayScript.split('\n').filter((l) => l.startsWith('#SBATCH'))).toEqual([
      '#SBATCH --job-name=diffinfer-coverage',
      '#SBATCH --array=0-7%3',
      '#SBATCH --output=/data/ana/runs/cov/slurm/logs/%A-shard-%a.log',
      '#SBATCH --cpus-per-task=4',
      '#SBATCH --partition=short',
      '#SBATCH --time=1:00:00',
      '#SBATCH --mem=4G',
    ]);
    expect(plan.arrayScript).toContain(
      `exec /usr/bin/node /opt/diffinfer/dist/src/cli.js coverage 'my ws.json' --out runs/cov --seed 3 --shard "\${SLURM_ARRAY_TASK_ID}/8" --workers "\${SLURM_CPUS_PER_TASK:-1}" --no-progress\n`,
    );
    expect(plan.arrayScript).toContain('\ncd /data/ana\n');
    expect(plan.mergeScript).toContain('#SBATCH --output=/data/ana/runs/cov/slurm/logs/%j-merge.log');
    expect(plan.mergeScript).toContain('\nexec /usr/bin/node /opt/diffinfer/dist/src/cli.js merge runs/cov\n');
    // the command's own --workers and progress flags are kept
    const own = planSlurmJobs({ command: ['cls', 'ws.json', '--calculator', 'toybased', '--out=o', '--workers', '2', '--progress'], shards: 2, node: 'node', cli: 'cli.js' });
    expect(own.arrayScript).toMatch(/--out=o --workers 2 --progress --shard "\$\{SLURM_ARRAY_TASK_ID\}\/2"\n$/);
  });
  test('shell quoting survives bash', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('a/b.json')).toBe('a/b.json');
    expect(shellQuote('$HOME')).toBe(`'$HOME'`);
  });
});

describe('slurm submit', () => {
  test('--dry-run prints both scripts and submits nothing (no sbatch needed)', async () => {
    process.env.PATH = join(tmp, 'empty');
    const r = await runCli(['slurm', 'submit', '--shards', '4', '--dry-run', '--', 'coverage', WS, '--out', join(tmp, 'dry')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# .*dry\/slurm\/array\.sbatch\n#!\/bin\/bash\n/);
    expect(r.stdout).toContain('#SBATCH --array=0-3\n');
    expect(r.stdout).toContain('(sbatch --dependency=afterok:<array job id> --kill-on-invalid-dep=yes)\n#!/bin/bash\n');
  });

  test('submits the array, then the merge job with afterok on it; prints and records the ids', async () => {
    const bin = join(tmp, 'bin');
    mkdirSync(bin, { recursive: true });
    const calls = join(tmp, 'sbatch-calls.txt');
    // a stand-in sbatch (bash builtins only: PATH holds nothing else): records its arguments,
    // prints job ids 41, 42 as --parsable does
    writeFileSync(join(bin, 'sbatch'), `#!/bin/bash\necho "$*" >> ${calls}\nmapfile -t lines < ${calls}\necho "$((40 + \${#lines[@]}));cluster"\n`);
    chmodSync(join(bin, 'sbatch'), 0o755);
    process.env.PATH = bin;
    const out = join(tmp, 'submitted');
    const r = await runCli(['slurm', 'submit', '--shards', '3', '--time', '10:00', '--', 'coverage', WS, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ array_job: '41', merge_job: '42', shards: 3, out, status: `diffinfer slurm status ${out}` });
    expect(readFileSync(calls, 'utf8').trim().split('\n')).toEqual([
      `--parsable ${out}/slurm/array.sbatch`,
      `--parsable --dependency=afterok:41 --kill-on-invalid-dep=yes ${out}/slurm/merge.sbatch`,
    ]);
    expect(JSON.parse(readFileSync(join(out, 'slurm', 'jobs.json'), 'utf8'))).toMatchObject({ array_job: '41', merge_job: '42', shards: 3 });
    expect(readFileSync(join(out, 'slurm', 'array.sbatch'), 'utf8')).toContain('#SBATCH --time=10:00');
  });

  const cases: [string, string[], RegExp][] = [
    ['no sbatch on the PATH', ['slurm', 'submit', '--shards', '2', '--', 'coverage', 'ws.json', '--out', 'x'], /^diffinfer: slurm submit: sbatch is not on the PATH \(run this on a Slurm login node, or use --dry-run to print the scripts\)\n$/],
    ['a command that cannot be sharded', ['slurm', 'submit', '--shards', '2', '--dry-run', '--', 'fit', 'ws.json'], /^diffinfer: slurm submit: "fit" cannot be sharded \(commands with --shard: coverage, cls, limit, ablate, inferno\)\n$/],
    ['a command without --out', ['slurm', 'submit', '--shards', '2', '--dry-run', '--', 'coverage', 'ws.json'], /^diffinfer: slurm submit: the command needs --out DIR/],
    ['a command with --shard', ['slurm', 'submit', '--shards', '2', '--dry-run', '--', 'coverage', 'ws.json', '--out', 'x', '--shard', '0/2'], /^diffinfer: slurm submit: the command has --shard; the array sets it/],
    ['--shards 0', ['slurm', 'submit', '--shards', '0', '--dry-run', '--', 'coverage', 'ws.json', '--out', 'x'], /^diffinfer: --shards: must be a positive integer, got "0"\n$/],
    ['no --shards', ['slurm', 'submit', '--dry-run', '--', 'coverage', 'ws.json', '--out', 'x'], /^diffinfer: required option '--shards <n>' not specified\n$/],
  ];
  for (const [what, args, message] of cases) {
    test(`bad input: ${what}`, async () => {
      process.env.PATH = join(tmp, 'empty');
      const r = await runCli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    });
  }
});

describe('slurm status', () => {
  test('finished, failed and not-started shards from the unit folders (no squeue)', async () => {
    const out = join(tmp, 'status');
    const args = ['limit', WS, '--patchset', join(tmp, 'grid.json'), '--out', out, '--workers', '1', '--no-progress'];
    writeFileSync(
      join(tmp, 'grid.json'),
      JSON.stringify({
        metadata: { name: 'g', description: '', digests: { sha256: '0'.repeat(64) }, labels: ['s'], references: {} },
        version: '1.0.0',
        patches: [1, 0.001, 2, 3].map((s) => ({ metadata: { name: `s${s}`, values: [s] }, patch: [{ op: 'replace', path: '/channels/0/samples/0/data', value: [12 * s, 11 * s] }] })),
      }),
    );
    expect((await runCli([...args, '--shard', '0/3'])).code).toBe(0); // patches 0 and 3
    expect((await runCli([...args, '--shard', '1/3'])).code).toBe(1); // patch 1: not bracketed below mu = 10
    process.env.PATH = join(tmp, 'empty');
    const r = await runCli(['slurm', 'status', out]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ command: 'limit-patchset', shards: 3, units: { total: 4, done: 2, failed: 1, running: 0, missing: 1 }, merged: false, jobs: { array: null } });
    expect(s.per_shard.map((x: { state: string }) => x.state)).toEqual(['done', 'failed', 'not started']);
    expect(s.failed_units).toEqual([{ id: 'patch-0001', shard: 1, error: expect.stringMatching(/^NumericalError: observed CLs does not cross/) }]);
    const none = await runCli(['slurm', 'status', join(tmp, 'nothing')]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/holds no shards \(DIR\/shards\/\) and no Slurm submission/);
  });
});
