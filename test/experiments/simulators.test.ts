/**
 * The simulators of the experiments (INFERNO 3D problem, Gaussian blobs).
 *
 * Tolerances:
 * - moments on 200k events: every mean within 5 standard errors (`sqrt(var / n)`), every
 *   variance within 5 standard errors of the sample variance (`sigma^2 sqrt(2 / n)` for a
 *   normal, `sqrt(8 / n) / lambda^2` for an exponential), |correlation(x0, x1)| < 5 / sqrt(n);
 *   two-sample comparisons (transformed nominal events against events simulated at the shifted
 *   value, independent seeds) use sqrt(2) times those errors;
 * - transforms of the same uniform draws against direct simulation: equal to float32 rounding,
 *   |difference| <= 4e-7 max(1, |x|) (a few float32 ulps: the simulator rounds once, the
 *   transform rounds the nominal value, the factor and the result);
 * - tfjs log density ratio against the float64 formula: 2e-5 absolute (float32 arithmetic on
 *   values up to ~50);
 * - determinism: same seed, same bytes (exact).
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/autodiff/backend.js';
import type { Dataset } from '../../src/models/data.js';
import { InputError } from '../../src/stats/errors.js';
import {
  INFERNO_NOMINAL,
  infernoLogDensities,
  infernoLogRatio,
  rescaleLambda,
  shiftR,
  simulateGaussian,
  simulateInferno,
} from '../../experiments/simulators/index.js';

beforeAll(async () => {
  await initBackend({ request: 'wasm', log: () => {} });
});
afterAll(() => {
  tf.disposeVariables();
});

const N = 200_000;

/** Column means, variances and the x0-x1 correlation of a dataset (float64). */
function moments(d: Dataset): { mean: number[]; variance: number[]; corr01: number } {
  const mean = new Array<number>(d.dim).fill(0);
  const sq = new Array<number>(d.dim).fill(0);
  let cross = 0;
  for (let i = 0; i < d.n; i++) for (let j = 0; j < d.dim; j++) mean[j] += d.x[i * d.dim + j];
  for (let j = 0; j < d.dim; j++) mean[j] /= d.n;
  for (let i = 0; i < d.n; i++) {
    for (let j = 0; j < d.dim; j++) sq[j] += (d.x[i * d.dim + j] - mean[j]) ** 2;
    cross += (d.x[i * d.dim] - mean[0]) * (d.x[i * d.dim + 1] - mean[1]);
  }
  const variance = sq.map((s) => s / (d.n - 1));
  return { mean, variance, corr01: cross / (d.n - 1) / Math.sqrt(variance[0] * variance[1]) };
}

/** Expected mean, variance and the standard error of the sample variance per column. */
interface Truth {
  mean: number[];
  variance: number[];
  varianceSe: number[];
}

function infernoTruth(process: 'signal' | 'background', r: number = INFERNO_NOMINAL.r, lambda: number = INFERNO_NOMINAL.lambda, n = N): Truth {
  const rate = process === 'signal' ? 2 : lambda;
  const v = process === 'signal' ? [1, 1] : [5, 9];
  return {
    mean: [process === 'signal' ? 0 : r, 0, 1 / rate],
    variance: [v[0], v[1], 1 / rate ** 2],
    varianceSe: [v[0] * Math.sqrt(2 / n), v[1] * Math.sqrt(2 / n), Math.sqrt(8 / n) / rate ** 2],
  };
}

function expectMoments(d: Dataset, truth: Truth, scale = 1): void {
  const m = moments(d);
  for (let j = 0; j < d.dim; j++) {
    expect(Math.abs(m.mean[j] - truth.mean[j]), `mean of x${j}: ${m.mean[j]} vs ${truth.mean[j]}`).toBeLessThan(5 * scale * Math.sqrt(truth.variance[j] / d.n));
    expect(Math.abs(m.variance[j] - truth.variance[j]), `variance of x${j}: ${m.variance[j]} vs ${truth.variance[j]}`).toBeLessThan(5 * scale * truth.varianceSe[j]);
  }
  expect(Math.abs(m.corr01)).toBeLessThan((5 * scale) / Math.sqrt(d.n));
}

/** Moments of two samples agree within 5 standard errors of the difference. */
function expectSameMoments(a: Dataset, b: Dataset, truth: Truth): void {
  const ma = moments(a);
  const mb = moments(b);
  for (let j = 0; j < a.dim; j++) {
    expect(Math.abs(ma.mean[j] - mb.mean[j]), `mean of x${j}`).toBeLessThan(5 * Math.SQRT2 * Math.sqrt(truth.variance[j] / a.n));
    expect(Math.abs(ma.variance[j] - mb.variance[j]), `variance of x${j}`).toBeLessThan(5 * Math.SQRT2 * truth.varianceSe[j]);
  }
}

/** f applied to the events (the typed array is read outside tf.tidy, which would walk it element by element). */
function applyTransform(d: Dataset, f: (x: tf.Tensor2D) => tf.Tensor2D): Float32Array {
  const y = tf.tidy(() => f(tf.tensor2d(d.x, [d.n, d.dim])));
  const values = y.dataSync() as Float32Array;
  y.dispose();
  return values;
}

function maxScaledDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return worst;
}

describe('simulateInferno', () => {
  it('gives the same bytes for the same seed, and independent streams per seed and process', () => {
    const a = simulateInferno({ process: 'background', n: 1000, seed: 7 });
    const b = simulateInferno({ process: 'background', n: 1000, seed: 7 });
    expect(Buffer.from(a.x.buffer).equals(Buffer.from(b.x.buffer))).toBe(true);
    expect(a.n).toBe(1000);
    expect(a.dim).toBe(3);
    const c = simulateInferno({ process: 'background', n: 1000, seed: 8 });
    expect(c.x[0]).not.toBe(a.x[0]);
    // the signal of the same seed is not the background's draws rescaled: x2 ratios vary
    const s = simulateInferno({ process: 'signal', n: 1000, seed: 7 });
    const ratios = new Set(Array.from({ length: 10 }, (_, i) => (s.x[3 * i + 2] / a.x[3 * i + 2]).toFixed(4)));
    expect(ratios.size).toBeGreaterThan(5);
    // a prefix of a longer sample is the shorter sample
    const longer = simulateInferno({ process: 'background', n: 2000, seed: 7 });
    expect(Array.from(longer.x.subarray(0, 3000))).toEqual(Array.from(a.x));
  });

  it('has the moments of the signal and of the background at the nominal and a shifted point (200k events)', () => {
    expectMoments(simulateInferno({ process: 'signal', n: N, seed: 'moments' }), infernoTruth('signal'));
    expectMoments(simulateInferno({ process: 'background', n: N, seed: 'moments' }), infernoTruth('background'));
    expectMoments(simulateInferno({ process: 'background', n: N, seed: 'moments-2', r: 2.2, lambda: 2.5 }), infernoTruth('background', 2.2, 2.5));
    const x2 = simulateInferno({ process: 'signal', n: N, seed: 'moments' }).x;
    let negative = 0;
    for (let i = 2; i < x2.length; i += 3) if (x2[i] < 0) negative++;
    expect(negative).toBe(0);
  });

  it('shiftR and rescaleLambda of nominal events equal direct simulation from the same draws (float32 rounding)', () => {
    const n = 20_000;
    const nominal = simulateInferno({ process: 'background', n, seed: 'same-draws' });
    const cases: Array<[(x: tf.Tensor2D) => tf.Tensor2D, { r?: number; lambda?: number }]> = [
      [shiftR(0.2), { r: 2.2 }],
      [shiftR(-0.2), { r: 1.8 }],
      [rescaleLambda(3, 3.5), { lambda: 3.5 }],
      [rescaleLambda(3, 2.5), { lambda: 2.5 }],
    ];
    for (const [f, at] of cases) {
      const direct = simulateInferno({ process: 'background', n, seed: 'same-draws', ...at });
      expect(maxScaledDifference(applyTransform(nominal, f), direct.x), JSON.stringify(at)).toBeLessThan(4e-7);
    }
  });

  it('transformed nominal events have the distribution of events simulated at the shifted values (200k events, independent seeds)', () => {
    const nominal = simulateInferno({ process: 'background', n: N, seed: 'dist-a' });
    const cases: Array<[(x: tf.Tensor2D) => tf.Tensor2D, number, number]> = [
      [shiftR(0.2), 2.2, 3],
      [shiftR(-0.2), 1.8, 3],
      [rescaleLambda(3, 3.5), 2, 3.5],
      [rescaleLambda(3, 2.5), 2, 2.5],
    ];
    for (const [f, r, lambda] of cases) {
      const transformed = { ...nominal, x: applyTransform(nominal, f) };
      const direct = simulateInferno({ process: 'background', n: N, seed: 'dist-b', r, lambda });
      const truth = infernoTruth('background', r, lambda);
      expectMoments(transformed, truth);
      expectSameMoments(transformed, direct, truth);
    }
  });

  it('the transforms are differentiable tfjs ops: d sum(c * f(x)) / dx = c * (1, 1, from/to)', () => {
    const x = tf.tensor2d([[1, 2, 0.5], [-1, 0, 2]]);
    const c = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(c, rescaleLambda(3, 2.5)(shiftR(0.2)(v as tf.Tensor2D)))))(x);
    const values = Array.from(g.dataSync());
    [1, 2, 3 * 1.2, 4, 5, 6 * 1.2].forEach((v, i) => expect(values[i]).toBeCloseTo(v, 5));
    expect(Array.from(shiftR(0.2)(x).dataSync())).toEqual(Array.from(Float32Array.from([1.2, 2, 0.5, -0.8, 0, 2])));
    tf.dispose([x, c, g]);
  });

  it('log densities: the float64 formula at known points and the tfjs ratio on events', () => {
    const at0 = infernoLogDensities(0, 0, 0);
    expect(at0.signal).toBeCloseTo(Math.log(2 / (2 * Math.PI)), 12);
    expect(at0.background).toBeCloseTo(Math.log(3 / (2 * Math.PI * Math.sqrt(45))) - 0.4, 12);
    expect(infernoLogDensities(0, 0, -1).signal).toBe(-Infinity);
    const d = simulateInferno({ process: 'background', n: 2000, seed: 'ratio' });
    const zt = tf.tidy(() => infernoLogRatio(tf.tensor2d(d.x, [d.n, 3]), 2.1, 2.7));
    const z = zt.dataSync();
    zt.dispose();
    let worst = 0;
    for (let i = 0; i < d.n; i++) {
      const l = infernoLogDensities(d.x[3 * i], d.x[3 * i + 1], d.x[3 * i + 2], 2.1, 2.7);
      worst = Math.max(worst, Math.abs(z[i] - (l.signal - l.background)));
    }
    expect(worst).toBeLessThan(2e-5);
  });

  it('rejects bad options with an InputError naming the option', () => {
    expect(() => simulateInferno({ process: 'signal', n: 0, seed: 1 })).toThrow(/simulateInferno options\.n: must be a positive integer, got 0/);
    expect(() => simulateInferno({ process: 'background', n: 10, seed: 1, lambda: -1 })).toThrow(/simulateInferno options\.lambda: must be positive/);
    expect(() => simulateInferno({ process: 'signal', n: 10, seed: 1, r: 2.2 })).toThrow(InputError);
    expect(() => simulateInferno({ process: 'signal', n: 10, seed: 1, r: 2.2 })).toThrow(/options\.r: is a background parameter/);
    expect(() => simulateInferno({ process: 'both' as 'signal', n: 10, seed: 1 })).toThrow(/options\.process/);
    expect(() => shiftR(NaN)).toThrow(/shiftR delta/);
    expect(() => rescaleLambda(3, 0)).toThrow(/rescaleLambda to: must be a positive finite rate/);
  });
});

describe('simulateGaussian', () => {
  it('has the requested moments (200k events) and the same draws for the same seed whatever the mean', () => {
    const a = simulateGaussian({ mean: [-1, 1], std: [1, 2], n: N, seed: 'g' });
    expectMoments(a, { mean: [-1, 1], variance: [1, 4], varianceSe: [Math.sqrt(2 / N), 4 * Math.sqrt(2 / N)] });
    const b = simulateGaussian({ mean: [2.5, 2], std: [1, 2], n: N, seed: 'g' });
    let worst = 0;
    for (let i = 0; i < N; i++) {
      worst = Math.max(worst, Math.abs(b.x[2 * i] - 2.5 - (a.x[2 * i] + 1)), Math.abs(b.x[2 * i + 1] - 2 - (a.x[2 * i + 1] - 1)));
    }
    expect(worst).toBeLessThan(4e-6); // float32 rounding of values up to ~15
    const again = simulateGaussian({ mean: [-1, 1], std: [1, 2], n: N, seed: 'g' });
    expect(Buffer.from(again.x.buffer).equals(Buffer.from(a.x.buffer))).toBe(true);
    const odd = simulateGaussian({ mean: [0, 0, 0], n: 1000, seed: 'odd' });
    expect(odd.dim).toBe(3);
  });

  it('rejects bad options with an InputError naming the option', () => {
    expect(() => simulateGaussian({ mean: [], n: 10, seed: 1 })).toThrow(/simulateGaussian options\.mean: is empty/);
    expect(() => simulateGaussian({ mean: [0, 0], std: [1], n: 10, seed: 1 })).toThrow(/options\.std: has 1 entries, the mean has 2/);
    expect(() => simulateGaussian({ mean: [0, 0], std: [1, 0], n: 10, seed: 1 })).toThrow(/options\.std\[1\]/);
    expect(() => simulateGaussian({ mean: [0], n: 1.5, seed: 1 })).toThrow(/options\.n/);
  });
});
