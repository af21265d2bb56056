/**
 * KDE histogram: hard limit (bandwidth -> 0 gives the plain histogram), mass conservation,
 * overflow folding, floor, permutation invariance, gradients with respect to x and w against
 * float64 central differences of a float64 re-implementation (each component within 1e-6 of
 * its natural size; measured 1.8e-7), and no tensor leaks.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/autodiff/index.js';
import seedrandom from 'seedrandom';
import { afterAll } from 'vitest';
import { hardHistogram, kdeHistogram, type KdeKernel } from '../../src/autodiff/kde-histogram.js';
import { hardBins } from '../../src/models/analysis.js';
import { checkGradient } from '../../src/autodiff/testing/check-gradient.js';
import { scaledGradientError } from './scaled-gradient-error.js';
import { normalCdf } from '../../src/stats/math/index.js';

const EDGES = [0, 0.2, 0.5, 0.7, 1];

const KERNELS: readonly KdeKernel[] = ['gaussian', 'logistic'];

/**
 * Allowed worst gradient error, each component against its natural size (scaled-gradient-error.ts).
 * Measured over 4 x 40 random cases, 3 runs: at most 1.8e-7 (the float32 op's round-off).
 */
const KDE_GRADIENT_TOLERANCE = 1e-6;

/** The kernel CDFs in float64 (both of standard deviation 1). */
const CDF: Record<KdeKernel, (z: number) => number> = {
  gaussian: normalCdf,
  logistic: (z) => 1 / (1 + Math.exp((-z * Math.PI) / Math.sqrt(3))),
};

/** The same formula in float64. */
function reference(x: ArrayLike<number>, w: ArrayLike<number>, h: number, v: ArrayLike<number>, fold = false, kernel: KdeKernel = 'gaussian'): number {
  const cdf = CDF[kernel];
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    for (let k = 0; k + 1 < EDGES.length; k++) {
      const lo = fold && k === 0 ? 0 : cdf((EDGES[k] - x[i]) / h);
      const hi = fold && k === EDGES.length - 2 ? 1 : cdf((EDGES[k + 1] - x[i]) / h);
      s += v[k] * w[i] * (hi - lo);
    }
  }
  return s;
}

const read = (t: tf.Tensor) => Array.from(t.dataSync());

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
/** The float32 next to the float32 value `f` (> 0) in the given direction. */
function float32Step(f: number, direction: 1 | -1): number {
  if (f === 0) return direction * 2 ** -149;
  f32[0] = f;
  i32[0] += direction;
  return f32[0];
}

beforeAll(async () => {
  await initBackend({ request: 'cpu', log: () => {} });
});

describe('kdeHistogram', () => {
  it.each(KERNELS)('bandwidth -> 0 gives the plain histogram (%s kernel)', (kernel) => {
    const xs = [0.05, 0.1, 0.3, 0.31, 0.6, 0.9, 0.95, 1.3, -0.2];
    const ws = [1, 2, 1, 0.5, 1, 1, 3, 1, 1];
    const got = tf.tidy(() => read(kdeHistogram(tf.tensor1d(xs), { edges: EDGES, bandwidth: { absolute: 1e-5 }, weights: tf.tensor1d(ws), kernel })));
    expect(got.map((v) => +v.toFixed(4))).toEqual(Array.from(hardHistogram(xs, EDGES, ws)));
    const folded = tf.tidy(() => read(kdeHistogram(tf.tensor1d(xs), { edges: EDGES, bandwidth: { absolute: 1e-5 }, weights: tf.tensor1d(ws), overflow: 'fold', kernel })));
    expect(folded.map((v) => +v.toFixed(4))).toEqual(Array.from(hardHistogram(xs, EDGES, ws, 'fold')));
  });

  it.each(KERNELS)("events on edges follow numpy's rule, also in the h -> 0 limit (%s kernel)", (kernel) => {
    // bins [0, 0.2), [0.2, 0.5), [0.5, 0.7), [0.7, 1]: an event on an interior edge opens the
    // upper bin, one on the last edge closes the last bin
    expect(Array.from(hardHistogram([0, 0.2, 0.5, 0.7, 1], EDGES))).toEqual([1, 1, 1, 2]);
    expect(Array.from(hardHistogram([1, 1.5, -0.5], EDGES, undefined, 'fold'))).toEqual([1, 0, 0, 2]);
    expect(Array.from(hardHistogram([1 + 1e-9, -1e-9], EDGES))).toEqual([0, 0, 0, 0]);
    // float32 events on every edge and one float32 step either side (fround(0.2) is above 0.2,
    // fround(0.7) below 0.7: each goes where x >= e puts it). Below the edge at 0 two steps: the
    // one float32 the rule cannot separate is -2^-149 at an edge at 0 (see kdeHistogram).
    const xs = Float32Array.from(EDGES.flatMap((e) => [Math.fround(e), e === 0 ? -(2 ** -148) : float32Step(Math.fround(e), -1), float32Step(Math.fround(e), 1)]));
    const ws = Array.from(xs, (_, i) => 1 + (i % 3));
    for (const overflow of ['drop', 'fold'] as const) {
      const want = Array.from(hardHistogram(xs, EDGES, ws, overflow));
      // the h -> 0 limit itself: at h = 1e-40 the kernel's scale 1 / (h sqrt 2) overflows float32
      // to +inf, so every kernel value is its limit K(+-inf) and only the sign of
      // (f_j - x_i) + d_j decides (down to the edge at 0, where the float32 spacing is 1.4e-45)
      const got = tf.tidy(() => read(kdeHistogram(tf.tensor1d(xs), { edges: EDGES, bandwidth: { absolute: 1e-40 }, weights: tf.tensor1d(ws), overflow, kernel })));
      got.forEach((c, k) => expect(Math.abs(c - want[k]), `${overflow} bin ${k}: ${got} vs ${want}`).toBeLessThan(1e-6));
    }
    // at a usable bandwidth the edge rule changes nothing visible: the same as the float64 formula
    // with the exact edges (measured 1e-7 relative)
    const v = [0.3, -0.7, 1, 0.2];
    for (const fold of [false, true]) {
      const got = tf.tidy(() => read(kdeHistogram(tf.tensor1d(xs), { edges: EDGES, bandwidth: { absolute: 0.05 }, weights: tf.tensor1d(ws), overflow: fold ? 'fold' : 'drop', kernel })));
      const loss = got.reduce((t, c, k) => t + v[k] * c, 0);
      expect(Math.abs(loss - reference(xs, ws, 0.05, v, fold, kernel))).toBeLessThan(1e-6 * ws.reduce((a, b) => a + b, 0));
    }
  });

  it('a float32 sigmoid score of exactly 1.0 lands in the last bin, soft and hard', () => {
    const edges = Array.from({ length: 11 }, (_, k) => k / 10);
    const scores = tf.tidy(() => Float32Array.from(read(tf.sigmoid(tf.tensor1d([20, 40, -200])))));
    expect(Array.from(scores)).toEqual([1, 1, 0]); // saturated in float32
    const hard = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0].map((_, k) => (k === 9 ? 2 : k === 0 ? 1 : 0));
    expect(Array.from(hardHistogram(scores, edges))).toEqual(hard);
    expect(Array.from(hardHistogram(scores, edges, undefined, 'fold'))).toEqual(hard);
    expect(Array.from(hardBins({ kind: 'kde', edges, bandwidth: { relative: 0.5 } }, 10, scores, 3))).toEqual([9, 9, 0]);
    for (const overflow of ['drop', 'fold'] as const) {
      const got = tf.tidy(() => read(kdeHistogram(tf.tensor1d(scores), { edges, bandwidth: { absolute: 1e-40 }, overflow })));
      got.forEach((c, k) => expect(Math.abs(c - hard[k])).toBeLessThan(1e-6));
    }
    // the training binning (fold, h = half a bin): the last bin keeps Phi(0.1 / 0.05) = Phi(2) of each
    const soft = tf.tidy(() => read(kdeHistogram(tf.tensor1d([1]), { edges, bandwidth: { relative: 0.5 }, overflow: 'fold' })));
    expect(soft[9]).toBeCloseTo(normalCdf(2), 6);
    expect(soft.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  it('folding conserves the total weight; dropping loses the tails; floor adds to every bin', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1, max: 2, noNaN: true }), { minLength: 1, maxLength: 50 }), fc.double({ min: 0.01, max: 0.5, noNaN: true }), (xs, h) => {
        const [fold, drop, floored] = tf.tidy(() => {
          const x = tf.tensor1d(xs);
          return [
            read(kdeHistogram(x, { edges: EDGES, bandwidth: { absolute: h }, overflow: 'fold' })),
            read(kdeHistogram(x, { edges: EDGES, bandwidth: { absolute: h } })),
            read(kdeHistogram(x, { edges: EDGES, bandwidth: { absolute: h }, floor: 0.25 })),
          ];
        });
        const sum = (a: number[]) => a.reduce((p, q) => p + q, 0);
        expect(Math.abs(sum(fold) - xs.length)).toBeLessThan(1e-5 * xs.length);
        expect(sum(drop)).toBeLessThanOrEqual(xs.length * (1 + 1e-6));
        floored.forEach((v, k) => expect(v - drop[k]).toBeCloseTo(0.25, 5));
      }),
      { numRuns: 50 },
    );
  });

  it('relative bandwidth is a fraction of the smallest bin width', () => {
    const [a, b] = tf.tidy(() => {
      const x = tf.tensor1d([0.15, 0.45]);
      return [read(kdeHistogram(x, { edges: EDGES, bandwidth: { relative: 0.5 } })), read(kdeHistogram(x, { edges: EDGES, bandwidth: { absolute: 0.1 } }))];
    });
    expect(a).toEqual(b);
  });

  it('event order does not matter', () => {
    const xs = [0.1, 0.5, 0.52, 0.9, 0.33];
    const [a, b] = tf.tidy(() => [
      read(kdeHistogram(tf.tensor1d(xs), { edges: EDGES, bandwidth: { absolute: 0.05 } })),
      read(kdeHistogram(tf.tensor1d([...xs].reverse()), { edges: EDGES, bandwidth: { absolute: 0.05 } })),
    ]);
    a.forEach((v, k) => expect(v).toBeCloseTo(b[k], 6));
  });

  it.each(KERNELS.flatMap((kernel) => [false, true].map((fold) => [kernel, fold] as const)))('gradient w.r.t. x and w equals float64 central differences (%s kernel, fold %s)', (kernel, fold) => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -0.3, max: 1.3, noNaN: true }), fc.double({ min: 0.1, max: 3, noNaN: true })), { minLength: 1, maxLength: 12 }),
        fc.double({ min: 0.03, max: 0.3, noNaN: true }),
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 4, maxLength: 4 }),
        (events, h, v) => {
          const n = events.length;
          const flat = [...events.map((e) => e[0]), ...events.map((e) => e[1])];
          const opts = { edges: EDGES, bandwidth: { absolute: h }, overflow: fold ? ('fold' as const) : ('drop' as const), kernel };
          const analytic = tf.tidy(() => {
            const [gx, gw] = tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(kdeHistogram(x as tf.Tensor1D, { ...opts, weights: w as tf.Tensor1D }), tf.tensor1d(v))))([
              tf.tensor1d(events.map((e) => e[0])),
              tf.tensor1d(events.map((e) => e[1])),
            ]);
            return [...read(gx), ...read(gw)];
          });
          // natural sizes: |dL/dx_i| <= w_i max|v| / h (times the kernel density), |dL/dw_i| <= 2 max|v|
          const vMax = Math.max(1e-3, ...v.map(Math.abs));
          const scales = [...events.map((e) => (e[1] * vMax) / h), ...events.map(() => vMax)];
          const r = scaledGradientError((p) => reference(p.subarray(0, n), p.subarray(n), h, v, fold, kernel), analytic, flat, scales);
          expect(r.error, JSON.stringify({ ...r, h, events })).toBeLessThan(KDE_GRADIENT_TOLERANCE);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('rejects bad edges, bandwidth and weights with clear messages', () => {
    const x = tf.tensor1d([0.5]);
    expect(() => kdeHistogram(x, { edges: [0, 0.5, 0.4], bandwidth: { absolute: 0.1 } })).toThrow('kdeHistogram: edges must increase strictly (edges[1] = 0.5, edges[2] = 0.4)');
    expect(() => kdeHistogram(x, { edges: EDGES, bandwidth: { absolute: 0 } })).toThrow('kdeHistogram: bandwidth must be positive and finite, got 0');
    expect(() => kdeHistogram(x, { edges: EDGES, bandwidth: { absolute: 0.1 }, weights: tf.tensor1d([1, 2]) })).toThrow('kdeHistogram: weights must have shape [1], got [2]');
    expect(() => kdeHistogram(x, { edges: EDGES, bandwidth: { absolute: 0.1 }, kernel: 'box' as never })).toThrow('kdeHistogram: kernel must be \'gaussian\' or \'logistic\', got "box"');
    x.dispose();
  });

  it('leaks no tensors across repeated forward and backward passes', () => {
    const x = tf.tensor1d([0.1, 0.4, 0.8]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      tf.tidy(() => {
        tf.grad((y: tf.Tensor) => tf.sum(kdeHistogram(y as tf.Tensor1D, { edges: EDGES, bandwidth: { absolute: 0.1 } })))(x);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('checkGradient', () => {
  it('passes a right gradient and reports the worst component of a wrong one', () => {
    const f = (x: Float64Array) => x[0] * x[0] + 3 * x[1];
    expect(checkGradient({ f, gradient: (x) => [2 * x[0], 3], points: [[1, 2], [-3, 0.5]] }).ok).toBe(true);
    const bad = checkGradient({ f, gradient: (x) => [2 * x[0], 3.1], points: [[1, 2]] });
    expect(bad.ok).toBe(false);
    expect(bad.worst.index).toBe(1);
    expect(bad.worst.numeric).toBeCloseTo(3, 6);
  });
});

describe('kdeHistogram on wasm at 1e6 events', () => {
  beforeAll(async () => {
    await initBackend({ request: 'wasm', log: () => {} });
  });
  afterAll(async () => {
    await initBackend({ request: 'cpu', log: () => {} });
  });

  it.each(KERNELS)('counts within 1e-5 relative of the float64 formula (%s kernel; staged event sums)', (kernel) => {
    // x ~ U(-0.1, 1.1), w ~ U(0.5, 1.5), 10 bins, h = 0.05. Measured (worst bin, drop and fold):
    // gaussian 1.9e-6, logistic 6.2e-6; before the event sums were staged 8.6e-5 and 3.4e-3.
    expect(tf.getBackend()).toBe('wasm');
    const n = 1_000_000;
    const edges = Array.from({ length: 11 }, (_, k) => k / 10);
    const rng = seedrandom(`kde-1e6-${kernel}`);
    const x = Float32Array.from({ length: n }, () => -0.1 + 1.2 * rng());
    const w = Float32Array.from({ length: n }, () => 0.5 + rng());
    const h = 0.05;
    const cdf = CDF[kernel];
    const lower = new Float64Array(11); // sum_i w_i K((e_j - x_i) / h) per edge, in float64
    let total = 0;
    for (let i = 0; i < n; i++) {
      total += w[i];
      for (let j = 0; j < 11; j++) lower[j] += w[i] * cdf((edges[j] - x[i]) / h);
    }
    for (const overflow of ['drop', 'fold'] as const) {
      const got = tf.tidy(() => read(kdeHistogram(tf.tensor1d(x), { edges, bandwidth: { absolute: h }, weights: tf.tensor1d(w), overflow, kernel })));
      const want = Array.from({ length: 10 }, (_, k) => (overflow === 'fold' && k === 9 ? total : lower[k + 1]) - (overflow === 'fold' && k === 0 ? 0 : lower[k]));
      const worst = Math.max(...got.map((c, k) => Math.abs(c - want[k]) / want[k]));
      expect(worst, `${overflow}: ${got} vs ${want}`).toBeLessThan(1e-5);
    }
  });
});
