/**
 * A shard killed mid-run (SIGKILL: no clean-up) keeps every finished unit whole; `--resume`
 * runs only the rest, and the merge equals one unsharded run. Runs the compiled CLI
 * (dist/src/cli.js, built by `npm run build`) as a child process.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { cliEntryPath } from '../../src/parallel/slurm.js';
import { runCli } from '../helpers/cli.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'pyhf');
const tmp = mkdtempSync(join(tmpdir(), 'diffinfer-kill-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const WS = join(tmp, 'ws.json');
writeFileSync(WS, JSON.stringify(JSON.parse(readFileSync(join(FIX, 'example-uncorrelated.json'), 'utf8')).workspace));

test('kill -9 a shard after two units, --resume completes it, the merge equals the unsharded run', async () => {
  const out = join(tmp, 'run');
  const args = ['coverage', WS, '--pseudo-experiments', '400', '--seed', '11', '--out', out, '--workers', '1', '--no-progress'];
  const shardDir = join(out, 'shards', 'shard-0000-of-0002');
  const child = spawn(process.execPath, [cliEntryPath(), ...args, '--shard', '0/2'], { stdio: 'ignore' });
  const units = () => (existsSync(shardDir) ? readdirSync(shardDir).filter((f) => f.startsWith('coverage-')) : []);
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  for (let t = 0; t < 1500 && units().length < 2; t++) await new Promise((r) => setTimeout(r, 20));
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  const kept = units();
  // shard 0 of 2 has 8 of the 16 units of 25 pseudo-experiments (each ~0.15 s): killed part-way
  expect(kept.length).toBeGreaterThanOrEqual(2);
  expect(kept.length).toBeLessThan(8);
  for (const f of kept) expect(JSON.parse(readFileSync(join(shardDir, f), 'utf8')).status).toBe('done');
  // at most the one unit in progress (no running.json when killed between two units)
  const runningFile = join(shardDir, 'running.json');
  const running = existsSync(runningFile) ? JSON.parse(readFileSync(runningFile, 'utf8')).units : [];
  expect(running.length).toBeLessThanOrEqual(1);

  const resumed = await runCli([...args, '--shard', '0/2', '--resume']);
  expect(resumed.code).toBe(0);
  expect(JSON.parse(resumed.stdout).units).toEqual({ shard: 8, total: 16, ran: 8 - kept.length, reused: kept.length, failed: 0 });
  expect((await runCli([...args, '--shard', '1/2'])).code).toBe(0);
  const merged = await runCli(['merge', out]);
  expect(merged.code).toBe(0);
  const whole = join(tmp, 'whole');
  expect((await runCli(['coverage', WS, '--pseudo-experiments', '400', '--seed', '11', '--out', whole, '--workers', '1', '--no-progress'])).code).toBe(0);
  const science = (dir: string) => {
    const j = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    delete j.timing;
    return j;
  };
  expect(science(out)).toEqual(science(whole));
});
