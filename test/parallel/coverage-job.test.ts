/**
 * The coverage job: outputs, an interrupted run (no results.json / report.md, every unit file
 * whole) and --resume giving the numbers of an uninterrupted run.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { runCoverageJob, type CoverageJobOptions } from '../../src/jobs/coverage-job.js';
import { InputError } from '../../src/stats/errors.js';
import { parseWorkspace } from '../../src/stats/workspace/index.js';
import { InProcessExecutor, type Executor } from '../../src/parallel/pool.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'pyhf');
const workspace = parseWorkspace(JSON.parse(readFileSync(join(FIX, 'example-uncorrelated.json'), 'utf8')).workspace);
const tmp = mkdtempSync(join(tmpdir(), 'diffinfer-coverage-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const base = (out: string): CoverageJobOptions => ({
  workspace,
  measurement: 'meas',
  inputs: { workspace: 'example-uncorrelated.json', patches: [] },
  pseudoExperiments: 60,
  seed: 4,
  muRange: [0.1, 3],
  method: 'profile',
  nuisances: 'prior',
  level: 1,
  beltPoints: 6,
  beltToys: 40,
  out,
  workers: 1,
  blockSize: 10,
});

/** An executor that fails after `n` tasks, as a killed run would stop. */
class FailingExecutor extends InProcessExecutor {
  private left: number;
  constructor(n: number) {
    super();
    this.left = n;
  }
  override async map(...args: Parameters<Executor['map']>): ReturnType<Executor['map']> {
    const [task, payloads, onDone] = args;
    return super.map(task, payloads, (i, r) => {
      if (this.left-- <= 0) throw new Error('killed');
      onDone?.(i, r);
    }) as never;
  }
}

describe('coverage job', () => {
  const full = join(tmp, 'full');
  test('writes results.json, report.md and the plots; the summary matches the records', async () => {
    const r = await runCoverageJob(base(full));
    const results = JSON.parse(readFileSync(join(full, 'results.json'), 'utf8'));
    expect(results.records).toHaveLength(60);
    const covered = results.records.filter((x: { covered: boolean }) => x.covered).length;
    expect(r.summary.coverage).toBe(covered / 60);
    expect(results.summary.coverage).toBe(r.summary.coverage);
    // measured: 0.683 +- 0.060 (N = 60), mean width 1.12
    expect(r.summary.inBand).toBe(true);
    expect(readFileSync(join(full, 'report.md'), 'utf8')).toContain(`| coverage c | ${r.summary.coverage.toFixed(4)}`);
    expect(readdirSync(join(full, 'plots')).sort()).toEqual(['coverage.png', 'coverage.svg', 'pulls.png', 'pulls.svg', 'widths.png', 'widths.svg']);
  });

  test('an interrupted run leaves no results.json or report.md, only whole unit files; --resume completes it identically', async () => {
    const out = join(tmp, 'killed');
    await expect(runCoverageJob({ ...base(out), executor: new FailingExecutor(2) })).rejects.toThrow('killed');
    expect(existsSync(join(out, 'results.json'))).toBe(false);
    expect(existsSync(join(out, 'report.md'))).toBe(false);
    const units = readdirSync(join(out, 'units'));
    expect(units.sort()).toEqual(['coverage-0000000.json', 'coverage-0000010.json', 'job.json']);
    for (const f of units) JSON.parse(readFileSync(join(out, 'units', f), 'utf8'));
    const resumed = await runCoverageJob({ ...base(out), resume: true });
    expect(resumed.units).toEqual({ total: 6, reused: 2 });
    const a = JSON.parse(readFileSync(join(full, 'results.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(b.records).toEqual(a.records);
    expect(b.summary).toEqual(a.summary);
  });

  test('--resume with other options is refused', async () => {
    const err = await runCoverageJob({ ...base(full), seed: 5, resume: true }).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/^resume: the run in .* has other options/);
  });

  test('the Neyman construction: belt units, the belt in results.json and its plot', async () => {
    const out = join(tmp, 'neyman');
    const r = await runCoverageJob({ ...base(out), method: 'neyman' });
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.belt.points).toHaveLength(6);
    expect(results.belt.mu[0]).toBe(0); // the grid reaches the POI's lower bound
    expect(r.units.total).toBe(6 + 6);
    expect(existsSync(join(out, 'plots', 'belt.png'))).toBe(true);
    expect(r.summary.n).toBe(60);
  });
});
