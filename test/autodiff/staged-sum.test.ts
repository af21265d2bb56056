/**
 * Staged sums and float64 sums. On the wasm backend (whose `tf.sum` accumulates in float32),
 * 1e6 terms of U(0, 1) and of 100 + U(0, 1): stagedSum within 1e-6 relative of the exact sum
 * (the plain tf.sum error is printed in the failure message, not asserted); sumToFloat64 exact
 * to 1e-15 relative; the gradient of stagedSum is exactly ones; no tensor leaks. On cpu:
 * stagedSum equals the float64 sum to 1e-6 relative for random shapes and chunks.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/autodiff/backend.js';
import { stagedSum, stagedWeightedSum, sumToFloat64 } from '../../src/autodiff/staged-sum.js';

const N = 1_000_000;

/**
 * N values offset + U(0, 1) on a grid of 2^-24 (offset 0) or 2^-16 (offset < 128), so every
 * value is exact in float32 and the exact sum is an integer count of grid steps (a BigInt),
 * rounded once to a double.
 */
function data(seed: string, offset: number): { values: Float32Array; exact: number } {
  const GRID = offset === 0 ? 2 ** 24 : 2 ** 16;
  const rng = seedrandom(seed);
  const values = new Float32Array(N);
  let steps = 0n;
  for (let i = 0; i < N; i++) {
    const s = Math.floor(rng() * GRID) + offset * GRID;
    values[i] = s / GRID;
    steps += BigInt(s);
  }
  expect(values[N - 1] * GRID).toBe(Math.floor(values[N - 1] * GRID)); // exact on the grid
  return { values, exact: Number(steps) / GRID };
}

const rel = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);

describe('on the wasm backend', () => {
  beforeAll(async () => {
    await initBackend({ request: 'wasm', log: () => {} });
  });

  it.each([
    ['U(0, 1)', 0],
    ['100 + U(0, 1)', 100],
  ])('1e6 terms of %s: stagedSum within 1e-6 relative, sumToFloat64 exact', (_name, offset) => {
    expect(tf.getBackend()).toBe('wasm');
    const { values, exact } = data(`staged-${offset}`, offset);
    const x = tf.tensor1d(values);
    const before = tf.memory().numTensors;
    const staged = tf.tidy(() => stagedSum(x).dataSync()[0]);
    const plain = tf.tidy(() => tf.sum(x).dataSync()[0]);
    const f64 = sumToFloat64(x);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    const why = `plain tf.sum relative error ${rel(plain, exact).toExponential(2)}, staged ${rel(staged, exact).toExponential(2)}`;
    // measured (tfjs 4.22): plain 8.4e-6 and 9.0e-3, staged 1.3e-8 and 1.4e-7
    expect(rel(staged, exact), why).toBeLessThan(1e-6);
    expect(rel(f64, exact)).toBeLessThan(1e-15);
  });

  it('the gradient is exactly ones (with padding: 1000 terms, chunk 7), and leaks nothing', () => {
    const x = tf.tidy(() => tf.randomUniform([10, 100], -1, 1));
    const before = tf.memory().numTensors;
    for (let rep = 0; rep < 3; rep++) {
      const g = tf.tidy(() => Array.from(tf.grad((v: tf.Tensor) => stagedSum(v, { chunk: 7 }))(x).dataSync()));
      expect(g).toEqual(new Array(1000).fill(1));
    }
    const [value, grad] = tf.tidy(() => {
      const { value: v, grads } = tf.valueAndGrads((v: tf.Tensor) => stagedSum(tf.square(v)))([x]);
      return [v.dataSync()[0], Array.from(grads[0].dataSync())];
    });
    const xs = Array.from(x.dataSync());
    expect(rel(value, xs.reduce((s, v) => s + v * v, 0))).toBeLessThan(1e-6);
    grad.forEach((g, i) => expect(g).toBeCloseTo(2 * xs[i], 6));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('stagedWeightedSum on the wasm backend', () => {
  beforeAll(async () => {
    await initBackend({ request: 'wasm', log: () => {} });
  });

  it('1e6 events x 10 columns: within 1e-5 relative of the float64 sums', () => {
    expect(tf.getBackend()).toBe('wasm');
    const n = 1_000_000;
    const k = 10;
    const rng = seedrandom('weighted-1e6');
    const v = Float32Array.from({ length: n * k }, () => rng());
    const w = Float32Array.from({ length: n }, () => 0.5 + rng());
    const want = new Float64Array(k);
    for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) want[j] += w[i] * v[i * k + j];
    const [staged, plain] = tf.tidy(() => {
      const wt = tf.tensor1d(w);
      const vt = tf.tensor2d(v, [n, k]);
      return [Array.from(stagedWeightedSum(wt, vt).dataSync()), Array.from(tf.matMul(tf.reshape(wt, [1, n]), vt).dataSync())];
    });
    const worst = (got: number[]) => Math.max(...got.map((c, j) => rel(c, want[j])));
    // measured: staged 4.2e-7, plain matmul 7.2e-5
    expect(worst(staged), `plain matmul ${worst(plain).toExponential(2)}, staged ${worst(staged).toExponential(2)}`).toBeLessThan(1e-5);
  });
});

describe('on the cpu backend', () => {
  beforeAll(async () => {
    await initBackend({ request: 'cpu', log: () => {} });
  });

  it('stagedWeightedSum equals the float64 sums and has the matmul gradient, for any size and chunk', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 9 }), fc.integer(), (n, k, chunk, seed) => {
        const rng = seedrandom(String(seed));
        const w = Float32Array.from({ length: n }, () => rng() * 2 - 1);
        const v = Float32Array.from({ length: n * k }, () => rng() * 2 - 1);
        const g = Float32Array.from({ length: k }, () => rng() * 2 - 1);
        const [got, dw, dv] = tf.tidy(() => {
          const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(stagedWeightedSum(a as tf.Tensor1D, b as tf.Tensor2D, { chunk }), tf.tensor1d(g))) as tf.Scalar)([
            tf.tensor1d(w),
            tf.tensor2d(v, [n, k]),
          ]);
          value.dispose();
          return [Array.from(stagedWeightedSum(tf.tensor1d(w), tf.tensor2d(v, [n, k]), { chunk }).dataSync()), Array.from(grads[0].dataSync()), Array.from(grads[1].dataSync())];
        });
        for (let j = 0; j < k; j++) {
          let want = 0;
          let scale = 0;
          for (let i = 0; i < n; i++) {
            want += w[i] * v[i * k + j];
            scale += Math.abs(w[i] * v[i * k + j]);
          }
          expect(Math.abs(got[j] - want)).toBeLessThanOrEqual(1e-6 * scale);
        }
        // d/dw_i = sum_j v_ij g_j, d/dv_ij = w_i g_j
        for (let i = 0; i < n; i++) {
          let want = 0;
          for (let j = 0; j < k; j++) {
            want += v[i * k + j] * g[j];
            expect(dv[i * k + j]).toBeCloseTo(w[i] * g[j], 6);
          }
          expect(dw[i]).toBeCloseTo(want, 6);
        }
      }),
      { numRuns: 100 },
    );
    expect(() => stagedWeightedSum(tf.tensor1d([1, 2]), tf.tensor2d([[1], [2], [3]]))).toThrow('stagedWeightedSum: weights must have shape [3], got [2]');
  });

  it('equals the float64 sum for any shape and chunk (1e-6 relative to the sum of |x|)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 2, max: 40 }),
        fc.integer(),
        (shape, chunk, seed) => {
          const rng = seedrandom(String(seed));
          const size = shape.reduce((a, b) => a * b, 1);
          const values = Float32Array.from({ length: size }, () => rng() * 2 - 1);
          let want = 0;
          let scale = 0;
          for (const v of values) {
            want += v;
            scale += Math.abs(v);
          }
          const got = tf.tidy(() => stagedSum(tf.tensor(values, shape), { chunk }).dataSync()[0]);
          expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-6 * scale);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('handles an empty tensor, a scalar and int32', () => {
    expect(tf.tidy(() => stagedSum(tf.tensor1d([])).dataSync()[0])).toBe(0);
    expect(tf.tidy(() => stagedSum(tf.scalar(2.5)).dataSync()[0])).toBe(2.5);
    const ints = tf.tidy(() => stagedSum(tf.range(0, 1000, 1, 'int32'), { chunk: 3 }));
    expect(ints.dtype).toBe('int32');
    expect(ints.dataSync()[0]).toBe(499500);
    ints.dispose();
  });

  it('sumToFloat64 compensates where a plain double sum loses everything', () => {
    const x = tf.tensor1d([1e16, 1, -1e16, 1]);
    const naive = Array.from(x.dataSync()).reduce((s, v) => s + v, 0);
    expect(naive).toBe(1); // the first 1 is absorbed by 1e16
    expect(sumToFloat64(x)).toBe(2);
    x.dispose();
  });

  it('rejects a bad chunk and dtype with clear messages', () => {
    const x = tf.tensor1d([1, 2, 3]);
    expect(() => stagedSum(x, { chunk: 1 })).toThrow('stagedSum: options.chunk must be an integer >= 2, got 1');
    expect(() => stagedSum(x, { chunk: 2.5 })).toThrow('stagedSum: options.chunk must be an integer >= 2, got 2.5');
    const b = tf.tensor1d([true, false], 'bool');
    expect(() => stagedSum(b)).toThrow('stagedSum: x must have dtype float32 or int32, got bool');
    expect(() => tf.tidy(() => sumToFloat64(tf.complex([1], [2])))).toThrow('sumToFloat64: x must be numeric, got dtype complex64');
    tf.dispose([x, b]);
  });
});
