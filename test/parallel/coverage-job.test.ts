/**
 * The coverage job: outputs, failed units (no results.json / report.md, every unit file whole)
 * and --resume giving the numbers of an uninterrupted run; the Neyman construction as
 * independent belt and estimate units, equal to `runCoverageBlock` with the belt.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { runCoverageJob, type CoverageJobOptions, type CoverageJson } from '../../src/jobs/coverage-job.js';
import type { JobOutcome } from '../../src/jobs/run.js';
import { InputError, NumericalError } from '../../src/stats/errors.js';
import { runBeltBlock, runCoverageBlock } from '../../src/stats/inference/coverage.js';
import { neymanBelt } from '../../src/stats/inference/intervals.js';
import { normalCdf } from '../../src/stats/math/special.js';
import { buildModel } from '../../src/stats/model/index.js';
import { parseWorkspace } from '../../src/stats/workspace/index.js';
import { InProcessExecutor } from '../../src/parallel/pool.js';
import type { TaskName, TaskPayload, TaskResult } from '../../src/parallel/tasks.js';

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

function results(r: JobOutcome<CoverageJson>): CoverageJson {
  if (r.kind !== 'results') throw new Error('expected results');
  return r.json;
}

/** An executor whose tasks fail after the first `n` (as a crashing worker). */
class FailingExecutor extends InProcessExecutor {
  constructor(private left: number) {
    super();
  }
  override async run<K extends TaskName>(task: K, payload: TaskPayload<K>): Promise<TaskResult<K>> {
    if (this.left-- <= 0) throw new Error('worker crashed');
    return super.run(task, payload);
  }
}

describe('coverage job', () => {
  const full = join(tmp, 'full');
  test('writes results.json, report.md and the plots; the summary matches the records', async () => {
    const r = results(await runCoverageJob(base(full)));
    const file = JSON.parse(readFileSync(join(full, 'results.json'), 'utf8'));
    expect(file.records).toHaveLength(60);
    const covered = file.records.filter((x: { covered: boolean }) => x.covered).length;
    expect(r.coverage).toBe(covered / 60);
    expect(file.summary.coverage).toBe(r.coverage);
    // measured: 0.683 +- 0.060 (N = 60), mean width 1.12
    expect(r.in_band).toBe(true);
    expect(file.timing).toMatchObject({ workers: 1, shards: 1, units: 6, reused_units: 0 });
    expect(readFileSync(join(full, 'report.md'), 'utf8')).toContain(`| coverage c | ${r.coverage.toFixed(4)}`);
    expect(readdirSync(join(full, 'plots')).sort()).toEqual(['coverage.png', 'coverage.svg', 'pulls.png', 'pulls.svg', 'widths.png', 'widths.svg']);
  });

  test('failed units: recorded with their error, no results.json or report.md; --resume reruns only them, identically', async () => {
    const out = join(tmp, 'failed');
    const err = await runCoverageJob({ ...base(out), executor: new FailingExecutor(2) }).catch((e) => e);
    expect(err).toBeInstanceOf(NumericalError);
    expect(err.message).toMatch(/^4 of 6 units failed, so the coverage results cannot be assembled \(coverage-0000020: Error: worker crashed; .*\); fix the cause and run again with --resume$/);
    expect(existsSync(join(out, 'results.json'))).toBe(false);
    expect(existsSync(join(out, 'report.md'))).toBe(false);
    const files = readdirSync(join(out, 'units')).filter((f) => f.startsWith('coverage-'));
    expect(files).toHaveLength(6);
    for (const f of files) JSON.parse(readFileSync(join(out, 'units', f), 'utf8'));
    const resumed = results(await runCoverageJob({ ...base(out), resume: true }));
    expect(resumed.units).toEqual({ total: 6, reused: 2 });
    const a = JSON.parse(readFileSync(join(full, 'results.json'), 'utf8'));
    const b = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(b.records).toEqual(a.records);
    expect(b.summary).toEqual(a.summary);
  });

  test('--resume with other options is refused', async () => {
    const err = await runCoverageJob({ ...base(full), seed: 5, resume: true }).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/manifest\.json: was made with another configuration \(.*seed.*\): resume with the same options/);
  });

  test('the Neyman construction: belt and estimate units; the records of runCoverageBlock with the same belt', async () => {
    const out = join(tmp, 'neyman');
    const r = results(await runCoverageJob({ ...base(out), method: 'neyman' }));
    const file = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(file.belt.points).toHaveLength(6);
    expect(file.belt.mu[0]).toBe(0); // the grid reaches the POI's lower bound
    expect(r.units.total).toBe(6 + 6);
    expect(existsSync(join(out, 'plots', 'belt.png'))).toBe(true);
    expect(r.pseudo_experiments).toBe(60);
    // the reference: the belt from runBeltBlock, then runCoverageBlock with it (one process, no units)
    const model = buildModel(workspace, { measurement: 'meas' });
    const manifest = JSON.parse(readFileSync(join(out, 'units', 'manifest.json'), 'utf8'));
    const config = manifest.config.pseudo;
    const samples = (manifest.config.grid as number[]).map((mu) => ({ mu, estimates: Array.from(runBeltBlock(model, { config, mu, start: 0, count: 40 }).estimates).filter((x) => !Number.isNaN(x)) }));
    const belt = neymanBelt(samples, { confidence: 2 * normalCdf(1) - 1 });
    const reference = runCoverageBlock(model, { config, start: 0, count: 60, method: 'neyman', belt });
    expect(file.records).toEqual(reference.records);
    expect(file.failures).toEqual(reference.failures);
  });
});
