/**
 * The neos problem: the four blobs (means and unit variances on 50k events each, shared draws of
 * the background blobs, determinism) and its config (`neosConfig`: a valid Analysis whose model has mu in
 * [0, 10] and the N(0, 1)-constrained histosys `correlated_bkg_uncertainty` filled from the up and
 * down datasets).
 *
 * Tolerances: means within 5 standard errors (1 / sqrt(n)), variances within 5 standard errors
 * (sqrt(2 / n)); shared draws: background_up - background equal to the mean shift within float32
 * rounding (1e-5 on values up to ~8); hard-histogram template totals equal the yields to float32
 * weight rounding (1e-3); the fraction of signal (background) in the top (bottom) bin of the
 * score sigmoid(x1 - x0) within 5 binomial standard errors of Phi((2 - ln 3) / sqrt 2); with a summary that separates signal from background the
 * Cramér-Rao width of mu grows when the background shape nuisance is fixed out of the model
 * (asserted as a strict inequality: removing a nuisance can only narrow the interval).
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/autodiff/backend.js';
import { compileAnalysis, evaluateHard, hardTemplates, type AnalysisConfigInput, type Summary, type SummaryOutput } from '../../src/models/index.js';
import { normalCdf } from '../../src/stats/math/index.js';
import { normaliseTemplateSpec } from '../../src/stats/templates/index.js';
import { NEOS_BLOB_MEANS, NEOS_NUISANCE, NEOS_YIELDS, neosConfig, neosTemplateSpec, simulateNeos, type NeosDataset } from '../../experiments/neos/index.js';
import { BUILTIN_SIMULATORS } from '../../experiments/simulators/registry.js';

beforeAll(async () => {
  await initBackend({ request: 'wasm', log: () => {} });
});
afterAll(() => {
  tf.disposeVariables();
});

const BINS = 4;

/** A neos config compiled for its test split of `n` events per blob (seed `fill`). */
const compiled = (n: number, edit: (c: AnalysisConfigInput) => AnalysisConfigInput = (c) => c) => {
  const c = neosConfig('cls', 0, { steps: 1, testEvents: n });
  return compileAnalysis(edit({ ...c, simulation: { ...c.simulation!, test: { events: n, seed: 'fill' } } }), { splits: ['test'], simulators: BUILTIN_SIMULATORS });
};

/** A fixed score: sigmoid(x1 - x0), high for the signal blob at (-1, 1). */
class DiagonalScore implements Summary {
  readonly inputDim = 2;
  readonly output: SummaryOutput = { kind: 'score' };
  readonly inputNames = ['x', 'y'];
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.sigmoid(tf.matMul(x, tf.tensor2d([[-1], [1]]))) as tf.Tensor2D);
  }
  trainableVariables(): tf.Variable[] {
    return [];
  }
  dispose(): void {}
}

describe('simulateNeos', () => {
  it('draws four unit blobs at the neos means; the background blobs share their draws; same seed, same bytes', () => {
    const n = 50_000;
    const data = simulateNeos({ n, seed: 3 });
    for (const name of Object.keys(NEOS_BLOB_MEANS) as NeosDataset[]) {
      const d = data[name];
      expect(d.n).toBe(n);
      expect(d.dim).toBe(2);
      for (let j = 0; j < 2; j++) {
        let m = 0;
        for (let i = 0; i < n; i++) m += d.x[2 * i + j];
        m /= n;
        let v = 0;
        for (let i = 0; i < n; i++) v += (d.x[2 * i + j] - m) ** 2;
        v /= n - 1;
        expect(Math.abs(m - NEOS_BLOB_MEANS[name][j]), `${name} mean ${j}`).toBeLessThan(5 / Math.sqrt(n));
        expect(Math.abs(v - 1), `${name} variance ${j}`).toBeLessThan(5 * Math.sqrt(2 / n));
      }
    }
    let worst = 0;
    const shift = [NEOS_BLOB_MEANS.background_up[0] - NEOS_BLOB_MEANS.background[0], NEOS_BLOB_MEANS.background_up[1] - NEOS_BLOB_MEANS.background[1]];
    for (let i = 0; i < 2 * n; i++) worst = Math.max(worst, Math.abs(data.background_up.x[i] - data.background.x[i] - shift[i % 2]));
    expect(worst).toBeLessThan(1e-5);
    expect(data.signal.x[0] - NEOS_BLOB_MEANS.signal[0]).not.toBeCloseTo(data.background.x[0] - NEOS_BLOB_MEANS.background[0], 3);
    const again = simulateNeos({ n, seed: 3 });
    expect(Buffer.from(again.background_down.x.buffer).equals(Buffer.from(data.background_down.x.buffer))).toBe(true);
    expect(() => simulateNeos({ n: -1, seed: 3 })).toThrow(/simulateNeos options\.n: must be a positive integer/);
  });
});

describe('neosConfig', () => {
  it('builds an Analysis with mu and one N(0, 1) histosys from the up/down datasets', async () => {
    const { analysis, binning } = await compiled(100);
    expect(analysis.datasetNames()).toEqual(['SR/signal', 'SR/background', `SR/background/${NEOS_NUISANCE}:up`, `SR/background/${NEOS_NUISANCE}:down`]);
    expect(analysis.floor).toBe(1e-3);
    expect(analysis.spec.hardFloor).toBe(true);
    expect(binning).toEqual({ kind: 'kde', edges: [0, 0.25, 0.5, 0.75, 1], bandwidth: { relative: 0.36 } }); // 0.09 absolute
    // the same model: the histosys's N(0, 1) is the default, so the config names no parameter for it
    const { nuisances, ...rest } = normaliseTemplateSpec(neosTemplateSpec(BINS));
    expect(nuisances).toEqual([{ name: NEOS_NUISANCE, constraint: { kind: 'normal', mean: 0, sigma: 1 } }]);
    expect(analysis.templateModel.spec).toEqual({ ...rest, nuisances: [] });
    const up = analysis.plan().find((e) => e.slot.role === 'up')!.source;
    expect(up).toEqual({ dataset: `SR/background/${NEOS_NUISANCE}:up`, expected: 100 });
    const tm = analysis.templateModel;
    const sets = new Map(tm.compile(Float64Array.from({ length: tm.size }, (_, i) => 5 + i)).model.parameterSets.map((p) => [p.name, p]));
    expect([...sets.keys()].sort()).toEqual([NEOS_NUISANCE, 'mu'].sort());
    expect(sets.get('mu')!).toMatchObject({ bounds: [[0, 10]], inits: [1], fixed: [false], constraint: { kind: 'none' } });
    expect(sets.get(NEOS_NUISANCE)!).toMatchObject({ type: 'histosys', bounds: [[-5, 5]], inits: [0], fixed: [false], constraint: { kind: 'normal', auxdata: [0], sigmas: [1] } });
    expect(() => neosConfig('cls', 0, { steps: 1, bins: 1 })).toThrow(/neosConfig bins: must be an integer >= 2, got 1/);
    expect(() => neosConfig('cls', 0, { steps: 0 })).toThrow(/neosConfig steps: must be a positive integer/);
  });

  it('fills the templates with the neos yields, and the shape nuisance widens the interval', async () => {
    const summary = new DiagonalScore();
    const c = await compiled(20_000);
    const analysis = c.analysis;
    // the hard floor is evaluation's; the totals here are the events'
    const counts = hardTemplates(summary, analysis, c.datasets.test!).map((x) => x - analysis.floor);
    const tm = analysis.templateModel;
    const total = (sample: string, role: 'nominal' | 'up' | 'down') => {
      const off = tm.offsetOf(sample, role, role === 'nominal' ? undefined : NEOS_NUISANCE);
      return counts.subarray(off, off + BINS).reduce((a, b) => a + b, 0);
    };
    expect(total('signal', 'nominal')).toBeCloseTo(NEOS_YIELDS.signal, 3);
    for (const role of ['nominal', 'up', 'down'] as const) expect(total('background', role)).toBeCloseTo(NEOS_YIELDS.background, 3);
    // x1 - x0 ~ N(+-2, sqrt 2): a fraction Phi((2 - ln 3) / sqrt 2) of the signal scores above 0.75
    // (top bin), the same fraction of the nominal background below 0.25 (bottom bin)
    const p = normalCdf((2 - Math.log(3)) / Math.SQRT2);
    const se = Math.sqrt((p * (1 - p)) / 20_000);
    expect(Math.abs(counts[tm.offsetOf('signal', 'nominal') + BINS - 1] / NEOS_YIELDS.signal - p)).toBeLessThan(5 * se);
    expect(Math.abs(counts[tm.offsetOf('background', 'nominal')] / NEOS_YIELDS.background - p)).toBeLessThan(5 * se);
    const withNuisance = evaluateHard(summary, analysis, c.datasets.test!).sigmaFisher;
    const without = await compiled(20_000, (cfg) => ({ ...cfg, channels: cfg.channels.map((ch) => ({ ...ch, samples: ch.samples!.map((s) => ({ ...s, modifiers: s.modifiers!.filter((m) => m.type !== 'histosys') })) })) }));
    const withoutNuisance = evaluateHard(summary, without.analysis, without.datasets.test!).sigmaFisher;
    expect(Number.isFinite(withNuisance)).toBe(true);
    expect(withNuisance).toBeGreaterThan(withoutNuisance);
  });
});
