/**
 * Sigmoid (soft) cut: the hard limit (temperature -> 0 gives hardCutCount, an event at the
 * threshold counting 1/2), 'above' + 'below' = the total weight at any temperature, gradients
 * with respect to x, the weights and the threshold against float64 central differences of a
 * float64 re-implementation (each component within 3e-7 of its natural size; measured 3.5e-8), and no tensor leaks. Counts are compared to 1e-5 relative to the total weight.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/autodiff/backend.js';
import { hardCutCount, sigmoidCut, softCount, type CutSide } from '../../src/autodiff/sigmoid-cut.js';
import { scaledGradientError } from './scaled-gradient-error.js';

/**
 * Allowed worst gradient error, each component against its natural size (scaled-gradient-error.ts).
 * Measured over 2 x 2 x 30 random cases, 3 runs: at most 3.5e-8 (the float32 op's round-off).
 */
const CUT_GRADIENT_TOLERANCE = 3e-7;

/** sum_i v_i w_i sigma(±(x_i - t) / tau) in float64. */
function reference(x: ArrayLike<number>, w: ArrayLike<number>, t: number, tau: number, keep: CutSide, v: ArrayLike<number>): number {
  const sign = keep === 'below' ? -1 : 1;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (v[i] * w[i]) / (1 + Math.exp((-sign * (x[i] - t)) / tau));
  return s;
}

const read = (t: tf.Tensor) => Array.from(t.dataSync());
const sum = (a: ArrayLike<number>) => Array.from(a).reduce((p, q) => p + q, 0);

/** Events on a 1/16 grid (some exactly at a grid threshold) with weights. */
const eventsArb = fc.array(fc.tuple(fc.integer({ min: -32, max: 32 }).map((v) => v / 16), fc.double({ min: 0.1, max: 3, noNaN: true })), { minLength: 1, maxLength: 60 });
const sideArb = fc.constantFrom<CutSide>('above', 'below');

beforeAll(async () => {
  await initBackend({ request: 'cpu', log: () => {} });
});

describe('sigmoidCut and softCount', () => {
  it('temperature -> 0 gives the hard cut count (ties count 1/2)', () => {
    fc.assert(
      fc.property(eventsArb, fc.integer({ min: -32, max: 32 }).map((v) => v / 16), sideArb, (events, t, keep) => {
        const xs = events.map((e) => e[0]);
        const ws = events.map((e) => e[1]);
        const [count, pass] = tf.tidy(() => {
          const opts = { threshold: t, temperature: 1e-6, keep, weights: tf.tensor1d(ws) };
          return [softCount(tf.tensor1d(xs), opts).dataSync()[0], read(sigmoidCut(tf.tensor1d(xs), opts))];
        });
        const want = hardCutCount(xs, { threshold: t, keep, weights: ws });
        expect(Math.abs(count - want)).toBeLessThanOrEqual(1e-5 * sum(ws));
        pass.forEach((p, i) => expect(p).toBeCloseTo(hardCutCount([xs[i]], { threshold: t, keep }) * ws[i], 6));
      }),
      { numRuns: 60 },
    );
  });

  it("'above' + 'below' is the total weight at any temperature", () => {
    fc.assert(
      fc.property(eventsArb, fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: 1e-3, max: 10, noNaN: true }), (events, t, tau) => {
        const xs = events.map((e) => e[0]);
        const ws = events.map((e) => e[1]);
        const [above, below, each] = tf.tidy(() => {
          const x = tf.tensor1d(xs);
          const w = tf.tensor1d(ws);
          const a = sigmoidCut(x, { threshold: t, temperature: tau, weights: w });
          const b = sigmoidCut(x, { threshold: t, temperature: tau, weights: w, keep: 'below' });
          return [softCount(x, { threshold: t, temperature: tau, weights: w }).dataSync()[0], softCount(x, { threshold: t, temperature: tau, weights: w, keep: 'below' }).dataSync()[0], read(tf.add(a, b))];
        });
        const total = sum(ws);
        expect(Math.abs(above + below - total)).toBeLessThanOrEqual(1e-5 * total);
        each.forEach((s, i) => expect(Math.abs(s - ws[i])).toBeLessThanOrEqual(1e-6 * ws[i]));
      }),
      { numRuns: 60 },
    );
  });

  it('at the threshold an event passes half; one temperature away, sigma(1)', () => {
    const got = tf.tidy(() => read(sigmoidCut(tf.tensor1d([0.5, 0.6, 0.4]), { threshold: 0.5, temperature: 0.1 })));
    expect(got[0]).toBe(0.5);
    expect(got[1]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
    expect(got[2]).toBeCloseTo(1 / (1 + Math.exp(1)), 6);
    expect(hardCutCount([0.2, 0.5, 0.9], { threshold: 0.5 })).toBe(1.5);
  });

  it.each(['above', 'below'] as const)('gradient w.r.t. x, weights and threshold equals float64 central differences (keep %s)', (keep) => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: 0.1, max: 3, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true })), { minLength: 1, maxLength: 12 }),
        fc.double({ min: -0.5, max: 0.5, noNaN: true }),
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        (events, t, tau) => {
          const n = events.length;
          const v = events.map((e) => e[2]);
          const flat = [...events.map((e) => e[0]), ...events.map((e) => e[1]), t];
          const analytic = (vs: number[], count: boolean) =>
            tf.tidy(() => {
              const [gx, gw, gt] = tf.grads((x: tf.Tensor, w: tf.Tensor, c: tf.Tensor) => {
                const o = { threshold: c as tf.Scalar, temperature: tau, keep, weights: w as tf.Tensor1D };
                return count ? softCount(x as tf.Tensor1D, o) : tf.sum(tf.mul(sigmoidCut(x as tf.Tensor1D, o), tf.tensor1d(vs)));
              })([tf.tensor1d(events.map((e) => e[0])), tf.tensor1d(events.map((e) => e[1])), tf.scalar(t)]);
              return [...read(gx), ...read(gw), ...read(gt)];
            });
          // natural sizes: |dL/dx_i| <= w_i max|v| / (4 tau), |dL/dw_i| <= max|v|, |dL/dt| <= sum_i w_i max|v| / (4 tau)
          const scalesFor = (vs: number[]) => {
            const vMax = Math.max(1e-3, ...vs.map(Math.abs));
            return [...events.map((e) => (e[1] * vMax) / tau), ...events.map(() => vMax), (sum(events.map((e) => e[1])) * vMax) / tau];
          };
          const r = scaledGradientError((p) => reference(p.subarray(0, n), p.subarray(n, 2 * n), p[2 * n], tau, keep, v), analytic(v, false), flat, scalesFor(v));
          expect(r.error, JSON.stringify({ ...r, tau, t, events })).toBeLessThan(CUT_GRADIENT_TOLERANCE);
          // softCount: the same with v = 1
          const ones = new Array(n).fill(1);
          const rc = scaledGradientError((p) => reference(p.subarray(0, n), p.subarray(n, 2 * n), p[2 * n], tau, keep, ones), analytic(ones, true), flat, scalesFor(ones));
          expect(rc.error, JSON.stringify({ ...rc, tau, t, events })).toBeLessThan(CUT_GRADIENT_TOLERANCE);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('rejects bad shapes, threshold, temperature, side and weights with clear messages', () => {
    const x = tf.tensor1d([0.5, 1]);
    const m = tf.tensor2d([[1]]);
    const w = tf.tensor1d([1]);
    expect(() => sigmoidCut(m as unknown as tf.Tensor1D, { threshold: 0, temperature: 1 })).toThrow('sigmoidCut: x must have rank 1 [N], got shape [1,1]');
    expect(() => softCount(x, { threshold: NaN, temperature: 1 })).toThrow('softCount: threshold must be finite, got NaN');
    expect(() => softCount(x, { threshold: w as unknown as tf.Scalar, temperature: 1 })).toThrow('softCount: threshold must be a number or a scalar tensor, got shape [1]');
    expect(() => sigmoidCut(x, { threshold: 0, temperature: -1 })).toThrow('sigmoidCut: temperature must be positive and finite, got -1');
    expect(() => sigmoidCut(x, { threshold: 0, temperature: 1, keep: 'inside' as CutSide })).toThrow("sigmoidCut: keep must be 'above' or 'below', got inside");
    expect(() => sigmoidCut(x, { threshold: 0, temperature: 1, weights: w })).toThrow('sigmoidCut: weights must have shape [2], got [1]');
    expect(() => hardCutCount([1, 2], { threshold: 0, weights: [1] })).toThrow('hardCutCount: weights must have length 2, got 1');
    tf.dispose([x, m, w]);
  });

  it('leaks no tensors across repeated forward and backward passes', () => {
    const x = tf.tensor1d([0.1, 0.4, 0.8]);
    const w = tf.tensor1d([1, 2, 0.5]);
    const t = tf.scalar(0.3);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      tf.tidy(() => {
        tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => softCount(a as tf.Tensor1D, { threshold: c as tf.Scalar, temperature: 0.1, weights: b as tf.Tensor1D }))([x, w, t]);
      });
      const { value, grads } = tf.valueAndGrads((a: tf.Tensor) => tf.sum(tf.square(sigmoidCut(a as tf.Tensor1D, { threshold: t, temperature: 0.1, keep: 'below' }))))([x]);
      tf.dispose([value, ...grads]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, t]);
  });
});
