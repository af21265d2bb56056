/**
 * Coverage of a trained model (experiments/coverage-model.ts) on a tiny BCE model (1 epoch):
 * the simulated pseudo-experiments' counts have the means of the exported templates (an
 * independent sample), each record's interval has t_mu = 1 at its ends by direct fits, the
 * profile interval covers about 68% on benchmark 0 (no nuisances, 2e5 template events), the
 * numbers reproduce by seed and for 1 and 2 workers, an interrupted run writes no results, and
 * bad options exit 2 naming the option.
 *
 * Workers load the compiled module: `npm run build` first (as every worker test).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bundleTemplates, modelCoverageJob, runModelCoverage, simulatedCounts, simulatorTruth, type ModelCoverageOptions, type ModelTemplates, type SimulatedPseudoExperiments } from '../../experiments/coverage-model.js';
import { loadBundleSummary, readBundle } from '../../src/models/bundle.js';
import type { Summary } from '../../src/models/summary.js';
import { InProcessExecutor, WorkerPool } from '../../src/parallel/pool.js';
import { modelOf, type TaskName, type TaskPayload, type TaskResult } from '../../src/parallel/tasks.js';
import { NumericalError } from '../../src/stats/errors.js';
import { fit, fixedPoiFit } from '../../src/stats/inference/fit.js';
import type { CoverageJson } from '../../src/jobs/coverage-job.js';
import type { JobOutcome } from '../../src/jobs/run.js';
import { mergeShards } from '../../src/jobs/merge.js';
import { runCli } from '../helpers/cli.js';
import { capturedSetup } from '../helpers/job-setup.js';

const tmp = mkdtempSync(join(tmpdir(), 'diffinfer-coverage-model-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const bundle = join(tmp, 'train', 'bce', 'seed-0');
let b0: ModelTemplates;
let b4: ModelTemplates;
let summary: Summary;

beforeAll(async () => {
  // a BCE summary trained for one epoch on benchmark 0; templates from 1e5 test events per process
  const r = await runCli(['inferno', '--benchmark', '0', '--method', 'bce', '--seeds', '1', '--epochs', '1', '--train-events', '2000', '--test-events', '100000', '--batch', '500', '--backend', 'wasm', '--no-progress', '--out', join(tmp, 'train')]);
  expect(r.code).toBe(0);
  b0 = await bundleTemplates(bundle, 0);
  b4 = await bundleTemplates(bundle, 4);
  summary = await loadBundleSummary(bundle, readBundle(bundle));
}, 120_000);
afterAll(() => summary?.dispose());

const options = (out: string, o: Partial<ModelCoverageOptions> = {}): ModelCoverageOptions => ({
  pseudoExperiments: 40, seed: 5, muRange: [0.1, 3], method: 'profile', level: 1, beltPoints: 4, beltToys: 20, out, workers: 1, progress: false, blockSize: 10, ...o,
});

function json(r: JobOutcome<CoverageJson>): CoverageJson {
  if (r.kind !== 'results') throw new Error('expected results');
  return r.json;
}

const read = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));

/** The worker-side setup of a job (as its units receive it). */
async function setupOf(t: ModelTemplates, seed = 5): Promise<SimulatedPseudoExperiments> {
  const job = modelCoverageJob(t, options(join(tmp, 'unused'), { seed }));
  return capturedSetup(job);
}

describe('coverage of a trained model', () => {
  test('simulated counts have the means of the exported templates (an independent 1e5-event sample)', async () => {
    const setup = await setupOf(b0);
    const model = modelOf(setup.model);
    const m = 150;
    const mean = new Float64Array(model.nMainBins);
    for (let i = 0; i < m; i++) {
      const c = simulatedCounts(setup, summary, model.nMainBins, 'check', i, 1);
      c.forEach((x, k) => (mean[k] += x / m));
    }
    const pars = model.suggestedInit();
    pars[model.poiIndex] = 1;
    const expected = model.expectedData(pars).main;
    pars[model.poiIndex] = 0;
    const background = model.expectedData(pars).main;
    // chi2 of the means: Poisson variance / m plus the templates' own (weights 50/1e5, 1000/1e5)
    let chi2 = 0;
    for (let k = 0; k < model.nMainBins; k++) {
      const s = expected[k] - background[k];
      const variance = expected[k] / m + (50 / 1e5) * s + (1000 / 1e5) * background[k];
      chi2 += (mean[k] - expected[k]) ** 2 / variance;
    }
    // measured: chi2 = 6.95 over the 9 exported bins (total 1051.4 events per experiment)
    expect(model.nMainBins).toBeGreaterThanOrEqual(5);
    expect(chi2).toBeLessThan(2.5 * model.nMainBins);
    // every event lands in a bin: the mean total is 50 + 1000 within 4 standard errors (sqrt(1050 / m) = 2.6)
    expect(Math.abs(mean.reduce((a, b) => a + b, 0) - 1050)).toBeLessThan(4 * Math.sqrt(1050 / m));
  });

  test('benchmark 4 truths: r, lambda, b from their priors (means and spreads over 4000 draws)', () => {
    const draws = Array.from({ length: 4000 }, (_, i) => simulatorTruth(4, 9, 'coverage', i, 1));
    const stat = (xs: number[]) => {
      const mu = xs.reduce((a, b) => a + b, 0) / xs.length;
      return [mu, Math.sqrt(xs.reduce((a, b) => a + (b - mu) ** 2, 0) / (xs.length - 1))];
    };
    // measured: r 2.0016 / 0.395, lambda 2.9955 / 0.996, b 1001.9 / 100.5; standard errors of the means 0.0063, 0.016, 1.6
    const [rm, rs] = stat(draws.map((d) => d.r));
    const [lm, ls] = stat(draws.map((d) => d.lambda));
    const [bm, bs] = stat(draws.map((d) => d.b));
    expect(Math.abs(rm - 2)).toBeLessThan(0.025);
    expect(Math.abs(rs - 0.4)).toBeLessThan(0.02);
    expect(Math.abs(lm - 3)).toBeLessThan(0.065);
    expect(Math.abs(ls - 1)).toBeLessThan(0.05);
    expect(Math.abs(bm - 1000)).toBeLessThan(6.5);
    expect(Math.abs(bs - 100)).toBeLessThan(5);
    expect(simulatorTruth(0, 9, 'coverage', 3, 1.5)).toEqual({ mu: 1.5, r: 2, lambda: 3, b: 1000 });
  });

  test('benchmark 0: the profile interval covers ~68% (N = 200); each end has t_mu = 1 by direct fits', async () => {
    const out = join(tmp, 'b0');
    const r = json(await runModelCoverage(b0, options(out, { pseudoExperiments: 200, seed: 11, blockSize: 25 })));
    const file = read(out);
    expect(file.records).toHaveLength(200);
    expect(r.failed).toBe(0);
    // measured: c = 0.710 +- 0.032, mean width 0.834 (31 one-sided); within 3 binomial sigma of 0.6827
    expect(Math.abs(r.coverage - 0.6827)).toBeLessThan(3 * Math.sqrt((0.6827 * 0.3173) / 200));
    expect(r.coverage).toBe(file.records.filter((x: { covered: boolean }) => x.covered).length / 200);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/^Trained model `.*bce\/seed-0`: bce summary, INFERNO benchmark 0/m);
    // independent check of 6 records: t_mu = 2 (NLL(mu) - NLL(mu^)) at each end by direct fits to the recomputed data
    const setup = await setupOf(b0, 11);
    const model = modelOf(setup.model);
    const aux = Float64Array.from(model.auxdata);
    const checked = file.records.filter((x: { lowerAtBound: boolean; upperAtBound: boolean }) => !x.lowerAtBound && !x.upperAtBound).slice(0, 6);
    expect(checked).toHaveLength(6);
    for (const rec of checked) {
      const data = { main: simulatedCounts(setup, summary, model.nMainBins, 'coverage', rec.index, rec.mu), aux };
      const free = fit(model, data);
      expect(free.parameters[model.poiIndex]).toBeCloseTo(rec.estimate, 4);
      for (const end of [rec.lower, rec.upper]) {
        const t = fixedPoiFit(model, data, end).twiceNll - free.twiceNll;
        // measured |t - 1| <= 3.8e-7 (the root finder's tolerance 1e-6 sigma_mu)
        expect(Math.abs(t - 1)).toBeLessThan(1e-5);
      }
      expect(rec.covered).toBe(rec.lower <= rec.mu && rec.mu <= rec.upper);
    }
  });

  // one pool of 2 worker threads for both runs below (each thread loads tfjs and the bundle once)
  let pool: WorkerPool | undefined;
  afterAll(async () => pool?.close());

  test('benchmark 4: the same numbers for the same seed, and for 1 and 2 workers; another seed differs', async () => {
    pool = new WorkerPool(2);
    const a = json(await runModelCoverage(b4, options(join(tmp, 'w1'))));
    const b = json(await runModelCoverage(b4, options(join(tmp, 'w2'), { workers: 2, executor: pool })));
    const again = json(await runModelCoverage(b4, options(join(tmp, 'again'))));
    const other = json(await runModelCoverage(b4, options(join(tmp, 'other'), { seed: 6 })));
    expect(read(join(tmp, 'w2')).records).toEqual(read(join(tmp, 'w1')).records);
    expect(read(join(tmp, 'again')).records).toEqual(read(join(tmp, 'w1')).records);
    expect(b.workers).toBe(2);
    expect([b.coverage, b.mean_width, b.score]).toEqual([a.coverage, a.mean_width, a.score]);
    expect(again.score).toBe(a.score);
    expect(read(join(tmp, 'other')).records.map((x: { mu: number }) => x.mu)).not.toEqual(read(join(tmp, 'w1')).records.map((x: { mu: number }) => x.mu));
    expect(other.pseudo_experiments).toBe(40);
  }, 120_000);

  test('benchmark 4, Neyman: belt and estimate units from the simulator, the same for 1 and 2 workers', async () => {
    const a = json(await runModelCoverage(b4, options(join(tmp, 'n1'), { method: 'neyman' })));
    json(await runModelCoverage(b4, options(join(tmp, 'n2'), { method: 'neyman', workers: 2, executor: pool })));
    const file = read(join(tmp, 'n1'));
    expect(file.belt.points).toHaveLength(4);
    expect(a.units.total).toBe(4 + 4);
    expect(read(join(tmp, 'n2')).records).toEqual(file.records);
    expect(read(join(tmp, 'n2')).belt).toEqual(file.belt);
    // every record's interval is the belt's inversion at its estimate: lower <= corrected estimate <= upper
    for (const rec of file.records) expect(rec.lower <= rec.estimate && rec.estimate <= rec.upper).toBe(true);
  }, 120_000);

  test('two shards and diffinfer merge give the unsharded run\'s records', async () => {
    const out = join(tmp, 'sharded');
    for (const index of [0, 1]) {
      const r = await runModelCoverage(b4, { ...options(out), shard: { index, count: 2 } });
      expect(r.kind).toBe('shard');
    }
    expect(existsSync(join(out, 'results.json'))).toBe(false);
    const merged = await mergeShards(out);
    expect(merged.code).toBe(0);
    expect(read(out).records).toEqual(read(join(tmp, 'w1')).records);
  });

  test('an interrupted run writes no results.json or report.md, keeps whole unit files, and --resume gives the full numbers', async () => {
    const out = join(tmp, 'interrupted');
    class FailingExecutor extends InProcessExecutor {
      private left = 2;
      override async run<K extends TaskName>(task: K, payload: TaskPayload<K>): Promise<TaskResult<K>> {
        if (this.left-- <= 0) throw new Error('worker crashed');
        return super.run(task, payload);
      }
    }
    const err = await runModelCoverage(b4, { ...options(out), executor: new FailingExecutor() }).catch((e) => e);
    expect(err).toBeInstanceOf(NumericalError);
    expect(err.message).toMatch(/^2 of 4 units failed/);
    expect(existsSync(join(out, 'results.json'))).toBe(false);
    expect(existsSync(join(out, 'report.md'))).toBe(false);
    for (const f of readdirSync(join(out, 'units'))) JSON.parse(readFileSync(join(out, 'units', f), 'utf8'));
    const resumed = json(await runModelCoverage(b4, { ...options(out), resume: true }));
    expect(resumed.units).toEqual({ total: 4, reused: 2 });
    expect(read(out).records).toEqual(read(join(tmp, 'w1')).records);
  });

  test('ablate --coverage N: coverage, width and score columns per run and per method, from the run\'s coverage folder', async () => {
    const dir = join(tmp, 'ablate');
    const r = await runCli(['ablate', '--benchmarks', '4', '--methods', 'bce', '--seeds', '1', '--epochs', '1', '--train-events', '2000', '--test-events', '5000', '--batch', '500', '--backend', 'wasm', '--no-progress', '--workers', '1', '--coverage', '20', '--out', dir]);
    expect(r.code).toBe(0);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    const row = results.results[0];
    const own = read(join(dir, row.modelDir, 'coverage'));
    expect(row.coverage).toEqual({ n: 20, failed: own.summary.failures, coverage: own.summary.coverage, coverageError: own.summary.coverageError, meanWidth: own.summary.meanWidth, score: own.summary.score, inBand: own.summary.inBand });
    expect(own.records.filter((x: { covered: boolean }) => x.covered).length / 20).toBe(row.coverage.coverage);
    const report = readFileSync(join(dir, 'report.md'), 'utf8');
    expect(report).toContain('coverage (N = 20) median [16%, 84%]');
    expect(report).toContain(`${row.coverage.coverage.toFixed(3)} ± ${row.coverage.coverageError.toFixed(3)} (N = 20)`);
    expect(r.stderr).toMatch(/diffinfer: {3}coverage \d\.\d{3} \+- \d\.\d{3} \(N = 20\)/);
  }, 120_000);

  test('bad input exits 2 with one line naming the option', async () => {
    const out = join(tmp, 'bad');
    const cases: Array<[string[], RegExp]> = [
      [['--model', bundle, '--benchmark', '4', '--pseudo-experiments', '0'], /--pseudo-experiments/],
      [['--model', bundle, '--benchmark', '4', '--seed', '-1'], /--seed: must be a non-negative integer, got "-1"/],
      [['--model', bundle, '--benchmark', '4', '--mu-range', '0.1:20'], /--mu-range: \[0\.1, 20\] is outside the bounds of "mu" \[0, 10\]/],
      [['--model', bundle], /--benchmark: is needed with --model/],
      [['--model', bundle, '--benchmark', '7'], /--benchmark: must be one of 0, 1, 2, 3, 4, got 7/],
      [['ws.json', '--model', bundle, '--benchmark', '4'], /--model: takes no workspace argument/],
      [['--model', join(tmp, 'nothing'), '--benchmark', '4'], /bundle\.json: is missing/],
      [['--benchmark', '4'], /coverage: needs a workspace argument, or --model DIR --benchmark B/],
    ];
    const ablate = await runCli(['ablate', '--benchmarks', '4', '--epochs', '1', '--coverage', '0', '--out', join(tmp, 'ablate-bad')]);
    expect([ablate.code, ablate.stderr]).toEqual([2, 'diffinfer: --coverage: expected a positive integer, got "0"\n']);
    for (const [args, message] of cases) {
      const r = await runCli(['coverage', ...args, '--out', out, '--workers', '1', '--no-progress']);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(join(out, 'results.json'))).toBe(false);
  });
});
