/**
 * The rational-quadratic spline kernel: the identity at zero parameters; the curve passes
 * through its knots with the prescribed derivatives (1e-5 absolute, float32 outputs); it is
 * increasing; the inverse undoes it (1e-5 x max(1, dx/dy) absolute: the float32 rounding of y is
 * magnified by the inverse's slope) with the opposite log-derivative (1e-4);
 * identity tails outside [-B, B]; and the backward passes of both directions equal float64
 * central differences of the kernel's float64 arithmetic (`rationalQuadraticElement`, step 1e-6:
 * tolerance 1e-4 relative to max(|numeric|, 1e-2 x the largest component), the gradients
 * being rounded to float32); parameters shared by all rows ([1, D, P]) give the same values and
 * gradients as the row repeated (exactly; the parameter gradient, a sum over rows, within 1e-5
 * relative). No tensor leaks.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import seedrandom from 'seedrandom';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/autodiff/backend.js';
import { checkGradient } from '../../../src/autodiff/testing/check-gradient.js';
import { rationalQuadraticElement, rationalQuadraticSpline, type RationalQuadraticOptions } from '../../../src/models/flows/rational-quadratic.js';

const K = 5;
const P = 3 * K - 1;
const BASE: Omit<RationalQuadraticOptions, 'inverse'> = { bins: K, bound: 3, minBinWidth: 1e-3, minBinHeight: 1e-3, minDerivative: 1e-3 };

beforeAll(async () => {
  await initBackend({ request: 'cpu', log: () => {} });
});

/** Knots and derivatives from the parameters, in float64, written from the module comment. */
function knots(theta: ArrayLike<number>, o: typeof BASE) {
  const B = o.bound;
  const side = (offset: number, min: number) => {
    const logits = Array.from({ length: K }, (_, i) => theta[offset + i]);
    const max = Math.max(...logits);
    const e = logits.map((l) => Math.exp(l - max));
    const sum = e.reduce((a, b) => a + b, 0);
    const sizes = e.map((v) => min + (1 - min * K) * (v / sum));
    const out = [-B];
    for (let j = 1; j < K; j++) out.push(-B + 2 * B * sizes.slice(0, j).reduce((a, b) => a + b, 0));
    out.push(B);
    return out;
  };
  const off = Math.log(Math.expm1(1 - o.minDerivative));
  const derivs = [1, ...Array.from({ length: K - 1 }, (_, j) => o.minDerivative + Math.log1p(Math.exp(theta[2 * K + j] + off))), 1];
  return { xs: side(0, o.minBinWidth), ys: side(K, o.minBinHeight), derivs };
}

const read = (t: tf.Tensor) => Array.from(t.dataSync());

function randomTheta(seed: number, scale = 1.5): Float64Array {
  const rng = seedrandom(String(seed));
  return Float64Array.from({ length: P }, () => (2 * rng() - 1) * scale);
}

/** Runs the tfjs op on rows of (value, theta) and reads outputs and log-dets back. */
function run(values: number[], thetas: Float64Array[], inverse: boolean): { out: number[]; logDet: number[] } {
  return tf.tidy(() => {
    const x = tf.tensor2d(values, [values.length, 1]);
    const p = tf.tensor3d(thetas.flatMap((t) => Array.from(t)), [values.length, 1, P]);
    const r = rationalQuadraticSpline(x, p, { ...BASE, inverse });
    return { out: Array.from(r.outputs.dataSync()), logDet: Array.from(r.logDet.dataSync()) };
  });
}

describe('rationalQuadraticSpline', () => {
  it('is the identity at zero parameters, inside and outside [-B, B]', () => {
    const xs = [-5, -3, -1.2, 0, 0.7, 2.99, 3, 4.5];
    const r = run(xs, xs.map(() => new Float64Array(P)), false);
    r.out.forEach((v, i) => expect(v).toBeCloseTo(xs[i], 6));
    r.logDet.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-6));
  });

  it('passes through its knots with the prescribed derivatives, and increases', () => {
    for (let seed = 0; seed < 5; seed++) {
      const theta = randomTheta(seed);
      const { xs, ys, derivs } = knots(theta, BASE);
      const r = run(xs, xs.map(() => theta), false);
      r.out.forEach((v, j) => expect(Math.abs(v - ys[j])).toBeLessThan(1e-5));
      r.logDet.forEach((v, j) => expect(Math.abs(v - Math.log(derivs[j]))).toBeLessThan(1e-5));
      const grid = Array.from({ length: 601 }, (_, i) => -3 + i * 0.01);
      const g = run(grid, grid.map(() => theta), false).out;
      for (let i = 1; i < g.length; i++) expect(g[i]).toBeGreaterThanOrEqual(g[i - 1]);
    }
  });

  it('inverse undoes the forward map and negates its log-derivative; tails are the identity', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: 1, maxLength: 20 }), (seed, xs) => {
        const theta = randomTheta(seed);
        const fwd = run(xs, xs.map(() => theta), false);
        const back = run(fwd.out, xs.map(() => theta), true);
        // the float32 rounding of y (6e-8 relative) is magnified by dx/dy = 1/g'
        back.out.forEach((v, i) => expect(Math.abs(v - xs[i])).toBeLessThan(1e-5 * Math.max(1, Math.exp(-fwd.logDet[i]))));
        back.logDet.forEach((v, i) => expect(Math.abs(v + fwd.logDet[i])).toBeLessThan(1e-4));
        xs.forEach((x, i) => {
          if (Math.abs(x) > BASE.bound) {
            expect(fwd.out[i]).toBe(Math.fround(x));
            expect(fwd.logDet[i]).toBe(0);
          }
        });
      }),
      { numRuns: 40 },
    );
  });

  it.each([false, true])('backward pass equals float64 central differences (inverse %s)', (inverse) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }),
        fc.double({ min: -2.9, max: 2.9, noNaN: true }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.double({ min: -2, max: 2, noNaN: true }),
        (seed, v, a, b) => {
          const theta = randomTheta(seed);
          const o = { ...BASE, inverse };
          const r = checkGradient({
            f: (p) => {
              const e = rationalQuadraticElement(p[0], p.subarray(1), o);
              return a * e.out + b * e.logDet;
            },
            gradient: (p) =>
              tf.tidy(() => {
                const [gx, gp] = tf.grads((x: tf.Tensor, t: tf.Tensor) => {
                  const s = rationalQuadraticSpline(x as tf.Tensor2D, t as tf.Tensor3D, o);
                  return tf.add(tf.mul(tf.sum(s.outputs), a), tf.mul(tf.sum(s.logDet), b));
                })([tf.tensor2d([p[0]], [1, 1]), tf.tensor3d(Array.from(p.subarray(1)), [1, 1, P])]);
                return [...gx.dataSync(), ...gp.dataSync()];
              }),
            points: [[v, ...theta]],
            tolerance: 1e-4,
            floor: (g) => Math.max(1e-6, 1e-2 * Math.max(...Array.from(g, Math.abs))),
          });
          expect(r.ok, JSON.stringify(r.worst)).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it.each([false, true])('shared parameters [1, D, P] act as the row repeated; their gradient is the sum over rows (inverse %s)', (inverse) => {
    const n = 7;
    const d = 2;
    const thetas = [randomTheta(1), randomTheta(2)];
    const x = Array.from({ length: n * d }, (_, i) => -3.5 + (7 * i) / (n * d)); // some in the tails
    const o = { ...BASE, inverse };
    const [shared, repeated] = tf.tidy(() => {
      const xt = tf.tensor2d(x, [n, d]);
      const one = tf.tensor3d(thetas.flatMap((t) => Array.from(t)), [1, d, P]);
      const many = tf.tile(one, [n, 1, 1]);
      const run1 = (t: tf.Tensor) => {
        const f = (a: tf.Tensor, b: tf.Tensor) => {
          const s = rationalQuadraticSpline(a as tf.Tensor2D, b as tf.Tensor3D, o);
          return tf.add(tf.sum(tf.mul(s.outputs, 0.3)), tf.sum(s.logDet));
        };
        const s = rationalQuadraticSpline(xt, t as tf.Tensor3D, o);
        const [gx, gt] = tf.grads(f)([xt, t]);
        return { out: read(s.outputs), logDet: read(s.logDet), gx: read(gx), gt: read(tf.sum(tf.reshape(gt, [-1, d, P]), 0)) };
      };
      return [run1(one), run1(many)];
    });
    expect(shared.out).toEqual(repeated.out);
    expect(shared.logDet).toEqual(repeated.logDet);
    expect(shared.gx).toEqual(repeated.gx);
    shared.gt.forEach((v, i) => expect(Math.abs(v - repeated.gt[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(v))));
  });

  it('rejects wrong parameter shapes with a clear message, and leaks no tensors', () => {
    const x = tf.zeros([2, 1]) as tf.Tensor2D;
    const p = tf.zeros([2, 1, P + 1]) as tf.Tensor3D;
    expect(() => rationalQuadraticSpline(x, p, { ...BASE, inverse: false })).toThrow(`rationalQuadraticSpline: params must have shape [2, 1, ${P}] or [1, 1, ${P}], got [2,1,${P + 1}]`);
    const good = tf.zeros([2, 1, P]) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        tf.grads((a: tf.Tensor, t: tf.Tensor) => tf.sum(rationalQuadraticSpline(a as tf.Tensor2D, t as tf.Tensor3D, { ...BASE, inverse: i % 2 === 1 }).logDet))([x, good]);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, p, good]);
  });
});
