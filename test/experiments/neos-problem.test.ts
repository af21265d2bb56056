/**
 * The neos problem: the four blobs (means and unit variances on 50k events each, shared draws of
 * the background blobs, determinism) and its analysis (a valid Analysis whose model has mu in
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
import { Analysis, evaluateHard, hardTemplateCounts, type Binning, type Summary, type SummaryOutput } from '../../src/models/index.js';
import { normalCdf } from '../../src/stats/math/index.js';
import { NEOS_BLOB_MEANS, NEOS_NUISANCE, NEOS_YIELDS, neosAnalysis, simulateNeos, type NeosDataset } from '../../experiments/neos/index.js';

beforeAll(async () => {
  await initBackend({ request: 'wasm', log: () => {} });
});
afterAll(() => {
  tf.disposeVariables();
});

const BINS = 4;
const binning: Binning = { kind: 'kde', edges: [0, 0.25, 0.5, 0.75, 1], bandwidth: { absolute: 0.09 } };

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

describe('neosAnalysis', () => {
  it('builds an Analysis with mu and one N(0, 1) histosys from the up/down datasets', () => {
    const spec = neosAnalysis(binning, BINS);
    const analysis = new Analysis(spec);
    expect(analysis.datasetNames().sort()).toEqual(['background', 'background_down', 'background_up', 'signal']);
    expect(analysis.floor).toBe(1e-3);
    expect(spec.variations![`background:${NEOS_NUISANCE}`]).toEqual({ up: { kind: 'dataset', dataset: 'background_up' }, down: { kind: 'dataset', dataset: 'background_down' } });
    const tm = analysis.templateModel;
    const sets = new Map(tm.compile(Float64Array.from({ length: tm.size }, (_, i) => 5 + i)).model.parameterSets.map((p) => [p.name, p]));
    expect([...sets.keys()].sort()).toEqual([NEOS_NUISANCE, 'mu'].sort());
    expect(sets.get('mu')!).toMatchObject({ bounds: [[0, 10]], inits: [1], fixed: [false], constraint: { kind: 'none' } });
    expect(sets.get(NEOS_NUISANCE)!).toMatchObject({ type: 'histosys', bounds: [[-5, 5]], inits: [0], fixed: [false], constraint: { kind: 'normal', auxdata: [0], sigmas: [1] } });
    expect(() => neosAnalysis(binning, 0)).toThrow(/neosTemplateSpec bins: must be a positive integer/);
    expect(() => neosAnalysis(binning, BINS, { floor: -1 })).toThrow(/neosAnalysis options\.floor/);
  });

  it('fills the templates with the neos yields, and the shape nuisance widens the interval', () => {
    const data = simulateNeos({ n: 20_000, seed: 'fill' });
    const summary = new DiagonalScore();
    const analysis = new Analysis(neosAnalysis(binning, BINS));
    const counts = hardTemplateCounts(summary, analysis, data);
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
    const withNuisance = evaluateHard(summary, analysis, data).sigmaFisher;
    const withoutNuisance = evaluateHard(
      summary,
      new Analysis({ ...neosAnalysis(binning, BINS), template: { bins: BINS, poi: { bounds: [0, 10] }, samples: [{ name: 'signal', signal: true }, { name: 'background' }] }, variations: {} }),
      data,
    ).sigmaFisher;
    expect(Number.isFinite(withNuisance)).toBe(true);
    expect(withNuisance).toBeGreaterThan(withoutNuisance);
  });
});
