/**
 * KDE histogram: hard limit (bandwidth -> 0 gives the plain histogram), mass conservation,
 * overflow folding, floor, permutation invariance, gradients with respect to x and w against
 * float64 central differences of a float64 re-implementation (tolerance 1e-3 relative: a
 * float32 op), and no tensor leaks.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/autodiff/index.js';
import { hardHistogram, kdeHistogram, type KdeKernel } from '../../src/autodiff/kde-histogram.js';
import { checkGradient } from '../../src/autodiff/testing/check-gradient.js';
import { normalCdf } from '../../src/stats/math/index.js';

const EDGES = [0, 0.2, 0.5, 0.7, 1];

const KERNELS: readonly KdeKernel[] = ['gaussian', 'logistic'];

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
          const r = checkGradient({
            f: (p) => reference(p.subarray(0, n), p.subarray(n), h, v, fold, kernel),
            gradient: (p) =>
              tf.tidy(() => {
                const [gx, gw] = tf.grads((x: tf.Tensor, w: tf.Tensor) => tf.sum(tf.mul(kdeHistogram(x as tf.Tensor1D, { ...opts, weights: w as tf.Tensor1D }), tf.tensor1d(v))))([
                  tf.tensor1d(Array.from(p.subarray(0, n))),
                  tf.tensor1d(Array.from(p.subarray(n))),
                ]);
                return [...read(gx), ...read(gw)];
              }),
            points: [flat],
            tolerance: 1e-3,
          });
          expect(r.ok, JSON.stringify(r.worst)).toBe(true);
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
