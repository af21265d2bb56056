/**
 * A real Slurm (22.05, single node on this machine, started by ./slurm-cluster.sh): a
 * 2000-pseudo-experiment coverage run, a toy-based CLs and a small ablation (2 benchmarks x 2
 * methods x 2 seeds) submitted with `diffinfer slurm submit` as 8- and 4-task job arrays with
 * their merge jobs, waited for, and compared with the single-process results (equal apart from
 * the timings and dates). Every daemon the script started is
 * stopped by its pid afterwards, also when a test fails. Needs slurm-wlm and munge (`.ci/run`
 * installs them) and the compiled CLI (dist/, `npm run build`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { reportWithoutTimings, resultsWithoutTimings } from '../../experiments/commands.js';
import { cliEntryPath } from '../../src/parallel/slurm.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SCRIPT = join(HERE, 'slurm-cluster.sh');
const tmp = mkdtempSync(join(tmpdir(), 'diffinfer-slurm-system-'));
chmodSync(tmp, 0o755); // munged wants every folder above its socket searchable by all
const cluster = join(tmp, 'cluster');
const WS = join(tmp, 'ws.json');
writeFileSync(WS, JSON.stringify(JSON.parse(readFileSync(join(HERE, '..', 'fixtures', 'pyhf', 'example-uncorrelated.json'), 'utf8')).workspace));
let env: NodeJS.ProcessEnv = process.env;
let daemonPids: number[] = [];

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(() => {
  const out = execFileSync(SCRIPT, ['start', cluster], { encoding: 'utf8', timeout: 90_000 });
  const conf = /^SLURM_CONF=(.*)$/m.exec(out)?.[1];
  if (!conf) throw new Error(`no SLURM_CONF from ${SCRIPT}: ${out}`);
  env = { ...process.env, SLURM_CONF: conf };
  daemonPids = readdirSync(join(cluster, 'pids')).map((f) => Number(readFileSync(join(cluster, 'pids', f), 'utf8')));
  expect(daemonPids).toHaveLength(3); // munged, slurmctld, slurmd
}, 120_000);

afterAll(() => {
  try {
    execFileSync(SCRIPT, ['stop', cluster], { encoding: 'utf8', timeout: 30_000 });
    // every daemon the script started has exited
    expect(daemonPids.filter(isAlive)).toEqual([]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}, 60_000);

function diffinfer(args: string[]) {
  const r = spawnSync(process.execPath, [cliEntryPath(), ...args], { encoding: 'utf8', env, cwd: tmp });
  if (r.status !== 0) throw new Error(`diffinfer ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Waits until the jobs have left the queue (MinJobAge=5 keeps finished jobs ~5 s). */
async function waitForJobs(ids: string[], seconds: number): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const q = spawnSync('squeue', ['-h', '-j', ids.join(','), '-o', '%i %T'], { encoding: 'utf8', env });
    const lines = q.stdout.trim() ? q.stdout.trim().split('\n') : [];
    if (q.status === 0 && lines.length === 0) return;
    if (lines.some((l) => /FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY/.test(l))) throw new Error(`a job failed: ${lines.join('; ')}`);
    if (Date.now() - t0 > seconds * 1000) throw new Error(`jobs ${ids.join(', ')} still in the queue after ${seconds} s: ${lines.join('; ')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function science(dir: string) {
  const j = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  delete j.timing;
  return j;
}

describe('a single-node Slurm cluster', () => {
  test('2000-pseudo-experiment coverage as an 8-task array + merge job equals the single-process run', async () => {
    const args = ['coverage', WS, '--pseudo-experiments', '2000', '--seed', '13'];
    const serial = join(tmp, 'serial');
    const serialJson = diffinfer([...args, '--out', serial, '--workers', '1', '--no-progress']);
    const out = join(tmp, 'slurm-coverage');
    const ids = diffinfer(['slurm', 'submit', '--shards', '8', '--time', '10:00', '--', ...args, '--out', out]);
    expect(ids).toMatchObject({ array_job: expect.stringMatching(/^\d+$/), merge_job: expect.stringMatching(/^\d+$/), shards: 8 });
    await waitForJobs([ids.array_job, ids.merge_job], 150);
    expect(existsSync(join(out, 'results.json'))).toBe(true);
    expect(science(out)).toEqual(science(serial));
    expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).timing).toMatchObject({ workers: null, shards: 8, units: 80 });
    // one log per array task and the merge job's, which printed what the serial run printed
    const logs = readdirSync(join(out, 'slurm', 'logs')).filter((f) => f.endsWith('.log')).sort();
    expect(logs.filter((f) => f.startsWith(`${ids.array_job}-shard-`))).toHaveLength(8);
    const mergeLog = readFileSync(join(out, 'slurm', 'logs', `${ids.merge_job}-merge.log`), 'utf8');
    const { workers: _w, seconds: _s, out: _o, units: _u, ...summary } = serialJson;
    expect(JSON.parse(mergeLog)).toMatchObject(summary);
    const status = diffinfer(['slurm', 'status', out]);
    expect(status).toMatchObject({ shards: 8, units: { total: 80, done: 80, failed: 0, running: 0, missing: 0 }, merged: true });
  }, 240_000);

  test('toy-based CLs as a 4-task array + merge job equals the single-process run', async () => {
    const args = ['cls', WS, '--calculator', 'toybased', '--ntoys', '500', '--seed', '4'];
    const serial = join(tmp, 'serial-cls');
    diffinfer([...args, '--out', serial, '--workers', '1', '--no-progress']);
    const out = join(tmp, 'slurm-cls');
    const ids = diffinfer(['slurm', 'submit', '--shards', '4', '--array-max', '2', '--', ...args, '--out', out]);
    await waitForJobs([ids.array_job, ids.merge_job], 120);
    expect(science(out)).toEqual(science(serial));
  }, 180_000);

  test('a small ablation as a 4-task array + merge job equals the single-process ablation', async () => {
    const args = ['ablate', '--benchmarks', '0,2', '--methods', 'bce,inferno', '--seeds', '2', '--epochs', '1', '--train-events', '2000', '--test-events', '5000', '--backend', 'wasm'];
    const serial = join(tmp, 'serial-ablate');
    const r = spawnSync(process.execPath, [cliEntryPath(), ...args, '--out', serial, '--workers', '1', '--no-progress'], { encoding: 'utf8', env, cwd: tmp });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(serial, 'report.md'), 'utf8'));
    const out = join(tmp, 'slurm-ablate');
    const ids = diffinfer(['slurm', 'submit', '--shards', '4', '--time', '10:00', '--', ...args, '--out', out]);
    await waitForJobs([ids.array_job, ids.merge_job], 200);
    // without dates and timings (the wall times of the runs and epochs)
    const training = (dir: string) => resultsWithoutTimings(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')));
    const report = (dir: string) => reportWithoutTimings(readFileSync(join(dir, 'report.md'), 'utf8'));
    expect(training(out).results).toHaveLength(8);
    expect(training(out)).toEqual(training(serial));
    expect(report(out)).toBe(report(serial));
    const svg = (dir: string) => readFileSync(join(dir, 'plots', 'profile-b2.svg'), 'utf8');
    expect(svg(out)).toBe(svg(serial));
    const mergeLog = readFileSync(join(out, 'slurm', 'logs', `${ids.merge_job}-merge.log`), 'utf8');
    expect(JSON.parse(mergeLog)).toMatchObject({ command: 'ablate', runs: 8, failed: 0 });
    expect(diffinfer(['slurm', 'status', out])).toMatchObject({ shards: 4, units: { total: 8, done: 8, failed: 0, running: 0, missing: 0 }, merged: true });
  }, 300_000);
});
