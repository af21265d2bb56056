/**
 * The challenge protocol (`diffinfer challenge`, experiments/challenge/protocol.ts) in miniature:
 * bce + inferno, 5 training steps, 2000 test events per process, 20 pseudo-experiments, a belt
 * of 3 x 10. Checks what could be wrong in its outputs: coverage = covered / N of the records,
 * positive widths, the pooled summary of one seed equal to the seed's; the draw itself: the
 * expected counts at the problem's nominal nuisances equal the exported model's expected data
 * (the pool is the templates' events), the expected total at the drawn nuisances equals the
 * yields x normalisation x acceptance counted independently, the counts are Poisson around it,
 * and a record's estimate is the fit of the drawn data; `--resume` reuses everything and gives
 * the same records; bad input exits 2 with one line naming the flag. The parameterized arm's
 * two-pass fit: a record equals the fit rebuilt by hand (pass 1 at z = 0, the grid point, the
 * templates and data refilled at z_hat).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { modelCoverageJob, simulatedCounts } from '../../experiments/coverage-model.js';
import { challengeExpectedCounts, challengePseudoNuisances } from '../../experiments/challenge/protocol-draw.js';
import { challengeTemplates } from '../../experiments/challenge/protocol.js';
import { twoPassGridPoint } from '../../experiments/challenge/protocol-twopass.js';
import { BUILTIN_SIMULATORS } from '../../experiments/simulators/registry.js';
import { openBundle } from '../../src/models/bundle.js';
import { hardTemplates } from '../../src/models/fill.js';
import type { Summary } from '../../src/models/summary.js';
import { buildModel } from '../../src/stats/model/model.js';
import { CHALLENGE_PROCESSES, CHALLENGE_YIELDS, challengeNormalisation, deriveChallengeFeatures, generateChallengeEvents } from '../../experiments/simulators/challenge.js';
import { loadBundleSummary, readBundle } from '../../src/models/bundle.js';
import { modelOf } from '../../src/parallel/tasks.js';
import { fit } from '../../src/stats/inference/fit.js';
import { runCli } from '../helpers/cli.js';
import { capturedSetup } from '../helpers/job-setup.js';

const tmp = mkdtempSync(join(tmpdir(), 'diffinfer-challenge-protocol-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const out = join(tmp, 'run');
const args = ['challenge', '--arms', 'bce,inferno', '--seeds', '1', '--pseudo-experiments', '20', '--steps', '5', '--train-events', '1000', '--test-events', '2000', '--belt-points', '3', '--belt-toys', '10', '--workers', '1', '--backend', 'wasm', '--no-progress', '--out', out];
let first: { code: number; stdout: string; stderr: string };

beforeAll(async () => {
  first = await runCli(args);
}, 180_000);

const read = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

describe('diffinfer challenge', () => {
  test('results: coverage = covered / N of the records, positive widths, pooled = the one seed, report and plots', () => {
    expect(first.stderr).not.toMatch(/failed/);
    expect(first.code).toBe(0);
    const printed = JSON.parse(first.stdout);
    const results = read(join(out, 'results.json'));
    expect(results.arms.map((a: { arm: string }) => a.arm)).toEqual(['bce', 'inferno']);
    for (const a of results.arms) {
      for (const m of ['profile', 'neyman']) {
        const cov = read(join(out, a.arm, 'seed-0', `coverage-${m}`, 'results.json'));
        const records = cov.records as { covered: boolean; width: number; mu: number; lowerAtBound: boolean; upperAtBound: boolean }[];
        expect(records.length + cov.failures.length).toBe(20);
        const covered = records.filter((r) => r.covered).length;
        expect(a.pooled[m].coverage).toBe(covered / records.length);
        expect(a.pooled[m].coverageError).toBeCloseTo(Math.sqrt((covered / records.length) * (1 - covered / records.length) / records.length), 12);
        expect(a.pooled[m].meanWidth).toBeCloseTo(records.reduce((s, r) => s + r.width, 0) / records.length, 10);
        for (const r of records) {
          // profile: positive; Neyman: zero only where mu^ falls outside the (3-point) belt (an edge)
          if (m === 'profile' || !(r.lowerAtBound || r.upperAtBound)) expect(r.width).toBeGreaterThan(0);
          else expect(r.width).toBeGreaterThanOrEqual(0);
          expect(r.mu).toBeGreaterThanOrEqual(0.1);
          expect(r.mu).toBeLessThanOrEqual(3);
        }
        expect(a.seeds[0].intervals[m].summary.coverage).toBe(a.pooled[m].coverage);
        expect(printed.arms[a.arm][m].coverage).toBe(a.pooled[m].coverage);
        expect(printed.arms[a.arm][m].score).toBe(a.pooled[m].score);
      }
    }
    // the Neyman run's estimates are the profile run's mu^ on the same pseudo-experiments (only its belt is simulated)
    for (const arm of ['bce', 'inferno']) {
      const p = read(join(out, arm, 'seed-0', 'coverage-profile', 'results.json'));
      const n = read(join(out, arm, 'seed-0', 'coverage-neyman', 'results.json'));
      expect(n.inputs.estimates).toMatch(/profile run/);
      expect(n.records.map((r: { index: number; mu: number }) => [r.index, r.mu])).toEqual(p.records.map((r: { index: number; mu: number }) => [r.index, r.mu]));
    }
    // the same true mu for both arms at a seed (the pseudo-experiments' seed is the seed)
    const mus = (arm: string) => read(join(out, arm, 'seed-0', 'coverage-profile', 'results.json')).records.map((r: { mu: number }) => r.mu);
    expect(mus('bce')).toEqual(mus('inferno'));
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toMatch(/^\| \*\*bce\*\* \| 1 pooled \| profile \| 20 \| /m);
    expect(report).toMatch(/^\| inferno \| 0 \| neyman \| 20 \| /m);
    for (const p of ['coverage-profile', 'coverage-neyman', 'width-profile', 'pulls-neyman', 'score']) expect(existsSync(join(out, 'plots', `${p}.png`))).toBe(true);
  });

  test('the draw: nominal expected counts = the exported model; totals = yields x normalisation x acceptance; a record = the fit of its data', async () => {
    const bundle = join(out, 'inferno', 'seed-0');
    const t = await challengeTemplates(bundle);
    expect(t.challenge).toEqual({ events: 2000, seed: 'challenge-test' });
    const job = modelCoverageJob(t, { pseudoExperiments: 20, seed: 0, muRange: [0.1, 3], method: 'profile', level: 1, beltPoints: 3, beltToys: 10 });
    const setup = await capturedSetup(job);
    const model = modelOf(setup.model);
    const summary = await loadBundleSummary(bundle, readBundle(bundle));
    try {
      const draw = { pool: setup.challenge!, binning: setup.binning, bins: setup.bins, binMap: setup.binMap, seed: 0 };
      // at the problem's nominal point (tes = jes = softMet = 1, scales 1) and mu = 1 the pool gives the templates
      const pars = model.suggestedInit();
      pars[model.poiIndex] = 1;
      const expected = model.expectedData(pars).main;
      const nominal = challengeExpectedCounts(draw, summary, model.nMainBins, { tes: 1, jes: 1, softMet: 1, ttbarScale: 1, dibosonScale: 1, bkgScale: 1 }, 1);
      // measured: largest relative difference 4.2e-8 (the config's weights are float32, the pool's float64)
      for (let k = 0; k < model.nMainBins; k++) expect(Math.abs(nominal[k] - expected[k]) / expected[k]).toBeLessThan(2e-7);
      // at tes = 1.01 (the histosys's up template, alpha = 1) and shifted normalisations the pool gives the model's expectation too:
      // the export writes ttbar_scale as pyhf's "lumi" (exact) and diboson_scale, bkg_scale as standardised normsys (exact at +-1 sigma)
      const shifted = model.suggestedInit();
      const set = (name: string, v: number) => {
        expect(model.parameterIndex(name)).toBeGreaterThanOrEqual(0);
        shifted[model.parameterIndex(name)] = v;
      };
      set('mu', 1.3);
      set('tes', 1);
      set('lumi', 1.02);
      set('diboson_scale', 1);
      set('bkg_scale', 1);
      const modelUp = model.expectedData(shifted).main;
      const poolUp = challengeExpectedCounts(draw, summary, model.nMainBins, { tes: 1.01, jes: 1, softMet: 1, ttbarScale: 1.02, dibosonScale: 1.25, bkgScale: 1.001 }, 1.3);
      // measured: 4.2e-8
      for (let k = 0; k < model.nMainBins; k++) expect(Math.abs(poolUp[k] - modelUp[k]) / modelUp[k]).toBeLessThan(2e-7);
      // the expected total at drawn nuisances: sum_p Y_p / n_pass,p(nominal) norm_p(nu, mu) n_pass,p(nu), counted on freshly generated events
      for (const index of [0, 7]) {
        const nu = challengePseudoNuisances(0, 'coverage', index);
        const mu = 1.7;
        let total = 0;
        for (const p of CHALLENGE_PROCESSES) {
          const ev = generateChallengeEvents({ process: p, n: 2000, seed: 'challenge-test' });
          const nominalPassed = deriveChallengeFeatures(ev.components).pass.reduce((a, b) => a + b, 0);
          const passed = deriveChallengeFeatures(ev.components, nu).pass.reduce((a, b) => a + b, 0);
          total += (CHALLENGE_YIELDS[p] / nominalPassed) * challengeNormalisation(p, nu, mu) * passed;
        }
        const lambda = challengeExpectedCounts(draw, summary, model.nMainBins, nu, mu).reduce((a, b) => a + b, 0);
        expect(Math.abs(lambda - total) / total).toBeLessThan(1e-12);
        const counts = simulatedCounts(setup, summary, model.nMainBins, 'coverage', index, mu);
        const n = counts.reduce((a, b) => a + b, 0);
        expect(Number.isInteger(n)).toBe(true);
        // Poisson: within 5 standard deviations of ~1.05e6
        expect(Math.abs(n - total)).toBeLessThan(5 * Math.sqrt(total));
      }
      // a record's estimate is mu^ of the free fit to its drawn data
      const rec = read(join(bundle, 'coverage-profile', 'results.json')).records[3] as { index: number; mu: number; estimate: number };
      const data = { main: simulatedCounts(setup, summary, model.nMainBins, 'coverage', rec.index, rec.mu), aux: Float64Array.from(model.auxdata) };
      const r = fit(model, data, { uncertainties: false });
      expect(r.converged).toBe(true);
      expect(r.parameters[model.poiIndex]).toBeCloseTo(rec.estimate, 4);
    } finally {
      summary.dispose();
    }
  }, 60_000);

  test('--resume reuses the bundles and units: the same records; without it the folder is refused', async () => {
    const before = read(join(out, 'results.json'));
    const again = await runCli([...args, '--resume']);
    expect(again.code).toBe(0);
    const after = read(join(out, 'results.json'));
    for (let a = 0; a < 2; a++) {
      expect(after.arms[a].seeds[0].training.status).toBe('reused');
      for (const m of ['profile', 'neyman']) expect(after.arms[a].pooled[m]).toEqual(before.arms[a].pooled[m]);
    }
    const refused = await runCli(args);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^diffinfer: --out: .* holds a challenge run already/);
  }, 120_000);

  test('bad input: exit 2, one line naming the flag', async () => {
    const cases: [string[], RegExp][] = [
      [['--arms', 'bce,nope'], /--arms: unknown arm "nope" \(expected bce, bce-augmented, nf-ensemble, parameterized, pivot, inferno, profile-width\)/],
      [['--pseudo-experiments', '5'], /--pseudo-experiments: must be an integer >= 10/],
      [['--mu-range', '0.1,20'], /--mu-range: \[0\.1, 20\] is outside the bounds of "mu" \[0, 10\]/],
      [['--mu-range', '-1:2'], /--mu-range: \[-1, 2\] is outside the bounds of "mu" \[0, 10\]/],
      [['--seeds', '0'], /--seeds: must be a positive integer/],
    ];
    for (const [extra, message] of cases) {
      const r = await runCli(['challenge', '--out', join(tmp, 'bad'), '--no-progress', ...extra]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(join(tmp, 'bad'))).toBe(false);
  });
});

describe('two-pass fit of the parameterized arm', () => {
  test('grid point: the fitted values rounded to 0.5, clipped to [-2, 2], non-finite to 0', () => {
    expect(twoPassGridPoint([0.3, -0.8, 3.1])).toEqual([0.5, -1, 2]);
    expect(twoPassGridPoint([-0.24, 0.26, -7])).toEqual([0, 0.5, -2]);
    expect(twoPassGridPoint([Number.NaN, 1.75, -1.25])).toEqual([0, 2, -1]);
    expect(Object.is(twoPassGridPoint([-0.1])[0], 0)).toBe(true);
  });

  test('a parameterized bundle: each record is the pass-2 fit at the rounded pass-1 nuisances', async () => {
    const dir = join(tmp, 'param');
    const r = await runCli(['challenge', '--arms', 'parameterized', '--seeds', '1', '--pseudo-experiments', '10', '--steps', '3', '--train-events', '1000', '--test-events', '2000', '--belt-points', '3', '--belt-toys', '10', '--workers', '1', '--backend', 'wasm', '--no-progress', '--out', dir]);
    expect(r.stderr).not.toMatch(/failed/);
    expect(r.code).toBe(0);
    const bundle = join(dir, 'parameterized', 'seed-0');
    const cov = read(join(bundle, 'coverage-profile', 'results.json'));
    expect(cov.inputs.source).toMatch(/Two-pass fit/);
    expect(cov.records).toHaveLength(10);
    // reconstruct record 0 by hand: pass 1 with the exported z = 0 model, pass 2 with templates at z_hat
    const t = await challengeTemplates(bundle);
    const job = modelCoverageJob(t, { pseudoExperiments: 10, seed: 0, muRange: [0.1, 3], method: 'profile', level: 1, beltPoints: 3, beltToys: 10 });
    const setup = await capturedSetup(job);
    const model0 = modelOf(setup.model);
    const summary = (await loadBundleSummary(bundle, readBundle(bundle))) as unknown as Summary & { at(z: Record<string, number>): Summary };
    try {
      const rec = cov.records[0] as { index: number; mu: number; estimate: number };
      const first = fit(model0, { main: simulatedCounts(setup, summary.at({}), model0.nMainBins, 'coverage', rec.index, rec.mu), aux: Float64Array.from(model0.auxdata) }, { uncertainties: false });
      const z = twoPassGridPoint(['tes', 'jes', 'softMet'].map((n) => first.parameters[model0.parameterIndex(n)]));
      // measured: pass 1 fits (tes, jes, softMet) = (0.68, -0.16, 0.78), z_hat = (0.5, 0, 1): pass 2 uses other templates
      expect(z.some((v) => v !== 0)).toBe(true);
      const view = summary.at({ tes: z[0], jes: z[1], softMet: z[2] });
      const opened = await openBundle(bundle, { splits: ['test'], simulators: BUILTIN_SIMULATORS });
      opened.summary.dispose();
      const e = opened.compiled.analysis.templateModel.exportWorkspace(hardTemplates(view, opened.compiled.analysis, opened.compiled.datasets.test!), { asimovPoi: 0 });
      const model2 = buildModel(e.workspace, { measurement: e.workspace.measurements[0].name });
      const binMap = new Array<number>(opened.compiled.analysis.bins).fill(-1);
      e.bins.forEach((group, k) => group.forEach((b) => (binMap[b] = k)));
      const data2 = { main: simulatedCounts({ ...setup, binMap }, view, model2.nMainBins, 'coverage', rec.index, rec.mu), aux: Float64Array.from(model2.auxdata) };
      const second = fit(model2, data2, { uncertainties: false });
      expect(second.converged).toBe(true);
      expect(second.parameters[model2.poiIndex]).toBeCloseTo(rec.estimate, 4);
    } finally {
      summary.dispose();
    }
  }, 180_000);
});
