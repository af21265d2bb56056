/**
 * The float64 bridge: value and backward pass of `float64Op`, and the whole chain
 * events -> KDE histograms -> template model -> objective, whose tfjs gradient with respect to
 * the events equals float64 central differences of a float64 re-implementation of the chain
 * (tolerance 1e-3 relative to max(|numeric|, 1e-2 x the largest component): float32 tensors).
 * No tensor leaks across repeated forward and backward passes; NaN is an error.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/autodiff/backend.js';
import { float64Op } from '../../src/autodiff/float64-op.js';
import { kdeHistogram } from '../../src/autodiff/kde-histogram.js';
import { checkGradient } from '../../src/autodiff/testing/check-gradient.js';
import { normalCdf } from '../../src/stats/math/index.js';
import { countsHead, cramerRaoWidth, expectedCls, profileWidth, discoverySignificance, type ObjectiveResult } from '../../src/stats/objectives/index.js';
import { TemplateModel } from '../../src/stats/templates/index.js';

beforeAll(async () => {
  await initBackend({ request: 'cpu', log: () => {} });
});

const EDGES = [0, 0.25, 0.5, 0.75, 1];
const H = 0.1;

/** Float64 KDE histogram, the reference of kdeHistogram. */
function kde64(x: ArrayLike<number>, weight: number): number[] {
  return EDGES.slice(0, -1).map((e, k) => {
    let s = 0;
    for (let i = 0; i < x.length; i++) s += weight * (normalCdf((EDGES[k + 1] - x[i]) / H) - normalCdf((e - x[i]) / H));
    return s;
  });
}

const tm = new TemplateModel({
  bins: 4,
  samples: [{ name: 'sig', signal: true }, { name: 'bkg', shapes: ['shift'] }],
  nuisances: [{ name: 'shift', kind: 'shape' }],
});

/** Events: a signal near 0.8, background falling; the up/down variations shift the background. */
const N = 24;
const sig0 = Array.from({ length: N }, (_, i) => 0.55 + 0.4 * ((i * 0.618) % 1));
const bkg0 = Array.from({ length: N }, (_, i) => 0.7 * ((i * 0.381) % 1) ** 1.5);

function counts64(sig: ArrayLike<number>, bkg: ArrayLike<number>): number[] {
  const b = Array.from(bkg);
  return [...kde64(sig, 1), ...kde64(b, 20), ...kde64(b.map((v) => v + 0.05), 20), ...kde64(b.map((v) => v - 0.04), 20)].map((c) => c + 0.1);
}

function countsTf(sig: tf.Tensor1D, bkg: tf.Tensor1D): tf.Tensor1D[] {
  const h = (x: tf.Tensor1D, w: number) => kdeHistogram(x, { edges: EDGES, bandwidth: { absolute: H }, weights: tf.fill([x.shape[0]], w) as tf.Tensor1D, floor: 0.1 });
  return [h(sig, 1), h(bkg, 20), h(tf.add(bkg, 0.05) as tf.Tensor1D, 20), h(tf.sub(bkg, 0.04) as tf.Tensor1D, 20)];
}

describe('float64Op', () => {
  it('returns the head value and dy * gradient per input', () => {
    const op = float64Op(([a, b]) => ({ value: a[0] * b[1] + a[1] ** 2, gradients: [[b[1], 2 * a[1]], [0, a[0]]] }));
    const [va, ga, gb] = tf.tidy(() => {
      const a = tf.tensor1d([2, 3]);
      const b = tf.tensor1d([5, 7]);
      const { value, grads } = tf.valueAndGrads((x: tf.Tensor, y: tf.Tensor) => tf.mul(op(x, y), 3) as tf.Scalar)([a, b]);
      return [value.dataSync()[0], Array.from(grads[0].dataSync()), Array.from(grads[1].dataSync())];
    });
    expect(va).toBe(3 * (2 * 7 + 9));
    expect(ga).toEqual([21, 18]);
    expect(gb).toEqual([0, 6]);
  });

  it('NaN from the head is an error, not a silent NaN', () => {
    const op = float64Op(() => ({ value: NaN, gradients: [[0]] }));
    expect(() => tf.tidy(() => op(tf.tensor1d([1])))).toThrow(/non-finite value \(NaN\)/);
    const op2 = float64Op(() => ({ value: 1, gradients: [[NaN]] }));
    expect(() => tf.tidy(() => op2(tf.tensor1d([1])))).toThrow(/gradient 0 is not finite at index 0/);
  });

  const objectives: Array<[string, (t: TemplateModel, c: Float64Array) => ObjectiveResult]> = [
    ['cramerRaoWidth', (t, c) => cramerRaoWidth(t, c)],
    ['profileWidth', (t, c) => profileWidth(t, c)],
    ['expectedCls', (t, c) => expectedCls(t, c)],
    ['discoverySignificance', (t, c) => discoverySignificance(t, c)],
  ];

  it.each(objectives)('events -> KDE -> %s: tfjs gradient equals float64 central differences', (_, objective) => {
    const loss = float64Op(countsHead(tm, objective));
    const analytic = (x: Float64Array) =>
      tf.tidy(() => {
        const g = tf.grad((s: tf.Tensor) => loss(...countsTf(s as tf.Tensor1D, tf.tensor1d(bkg0))))(tf.tensor1d(Array.from(x)));
        return Array.from(g.dataSync());
      });
    const r = checkGradient({
      f: (x) => objective(tm, Float64Array.from(counts64(x, bkg0))).value,
      gradient: analytic,
      points: [sig0],
      step: 1e-5,
      tolerance: 1e-3,
      floor: (g) => 1e-2 * Math.max(...Array.from(g, Math.abs)),
    });
    expect(r.worst.error, JSON.stringify(r.worst)).toBeLessThan(1e-3);
    // the value itself agrees with the float64 chain to float32 precision
    const v = tf.tidy(() => loss(...countsTf(tf.tensor1d(sig0), tf.tensor1d(bkg0))).dataSync()[0]);
    const v64 = objective(tm, Float64Array.from(counts64(sig0, bkg0))).value;
    expect(Math.abs(v - v64)).toBeLessThan(1e-4 * Math.abs(v64));
  });

  it('leaves tf.memory().numTensors unchanged across repeated forward and backward passes', () => {
    const loss = float64Op(countsHead(tm, (t, c) => cramerRaoWidth(t, c)));
    const sig = tf.variable(tf.tensor1d(sig0));
    const bkg = tf.tensor1d(bkg0);
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => loss(...countsTf(sig as unknown as tf.Tensor1D, bkg)));
        sig.assign(tf.sub(sig, tf.mul(grads[sig.name], 1e-3)) as tf.Tensor1D);
        return value.dataSync()[0];
      });
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    tf.tidy(() => loss(...countsTf(sig as unknown as tf.Tensor1D, bkg)).dataSync()); // forward only
    expect(tf.memory().numTensors).toBe(before);
    sig.dispose();
    bkg.dispose();
  });
});
