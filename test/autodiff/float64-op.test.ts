/**
 * The float64 bridge: value and backward pass of `float64Op`, and the whole chain
 * events -> KDE histograms -> template model -> objective, whose tfjs gradient with respect to
 * the event positions, and (through an MLP summary, with staterror) with respect to every
 * network weight and every event weight, equals float64 central differences of a float64
 * re-implementation of the chain (within 5e-5 relative to max(|numeric|, 1e-2 x the largest
 * component), 1.2e-5 for the event weights; measured up to 2.0e-5: float32 tensors).
 * No tensor leaks across repeated forward and backward passes; NaN is an error.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/autodiff/backend.js';
import { float64Op } from '../../src/autodiff/float64-op.js';
import { kdeHistogram } from '../../src/autodiff/kde-histogram.js';
import { centralDifferences, checkGradient } from '../../src/autodiff/testing/check-gradient.js';
import { createMlp } from '../../src/models/mlp.js';
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
      tolerance: 5e-5,
      floor: (g) => 1e-2 * Math.max(...Array.from(g, Math.abs)),
    });
    // measured (cpu backend): 5.9e-6 cramerRaoWidth, 5.6e-6 profileWidth, 2.0e-5 expectedCls, 2.6e-6 Z0
    expect(r.worst.error, JSON.stringify(r.worst)).toBeLessThan(5e-5);
    // the value itself agrees with the float64 chain to float32 precision
    const v = tf.tidy(() => loss(...countsTf(tf.tensor1d(sig0), tf.tensor1d(bkg0))).dataSync()[0]);
    const v64 = objective(tm, Float64Array.from(counts64(sig0, bkg0))).value;
    // measured: 1.7e-6, 1.6e-6, 1.5e-5 (CLs), 1.9e-6 relative
    expect(Math.abs(v - v64)).toBeLessThan(4e-5 * Math.abs(v64));
  });

  // The whole chain through a network: events -> MLP (2-5-1, tanh, sigmoid score, standardised
  // inputs) -> KDE histograms with per-event weights (nominal, shifted-input variations, and the
  // sumw2 template from the squared weights, staterror) -> template model -> objective. The tfjs
  // gradient with respect to every MLP weight and every event weight against float64 central
  // differences of the same chain computed in float64 (MLP included).
  const tmStat = new TemplateModel({
    bins: 4,
    samples: [{ name: 'sig', signal: true }, { name: 'bkg', shapes: ['shift'], staterror: true }],
    nuisances: [{ name: 'shift', kind: 'shape' }],
  });
  const M = 16;
  const sigX = Array.from({ length: M }, (_, i) => [Math.sin(i * 1.7) + 0.8, Math.cos(i * 2.3) + 0.6]);
  const bkgX = Array.from({ length: M }, (_, i) => [1.5 * Math.sin(i * 0.9) - 0.4, 1.2 * Math.cos(i * 1.1) - 0.3]);
  const sigW0 = Array.from({ length: M }, (_, i) => 0.4 + 0.2 * ((i * 0.618) % 1));
  const bkgW0 = Array.from({ length: M }, (_, i) => 1 + 0.5 * ((i * 0.381) % 1));
  const SHIFT = 0.3;
  const standardisation = { mean: [0.2, 0.1], std: [1.2, 0.9] };

  /** The MLP's score in float64: sigmoid(tanh(z K1 + b1) K2 + b2), z the standardised input. */
  function score64(theta: ArrayLike<number>, x: readonly number[]): number {
    const z = x.map((v, j) => (v - standardisation.mean[j]) / standardisation.std[j]);
    let out = theta[20]; // b2
    for (let u = 0; u < 5; u++) {
      const a = z[0] * theta[u] + z[1] * theta[5 + u] + theta[10 + u]; // K1 [2, 5] row-major, b1 [5]
      out += Math.tanh(a) * theta[15 + u]; // K2 [5, 1]
    }
    return 1 / (1 + Math.exp(-out));
  }

  function chain64(p: Float64Array, objective: (t: TemplateModel, c: Float64Array) => ObjectiveResult): number {
    const theta = p.subarray(0, 21);
    const ws = p.subarray(21, 21 + M);
    const wb = p.subarray(21 + M);
    const hist = (xs: number[][], w: ArrayLike<number>, dx = 0, square = false) => {
      const scores = xs.map((x) => score64(theta, [x[0] + dx, x[1]]));
      return EDGES.slice(0, -1).map((e, k) => {
        let c = 0;
        for (let i = 0; i < scores.length; i++) c += (square ? w[i] * w[i] : w[i]) * (normalCdf((EDGES[k + 1] - scores[i]) / H) - normalCdf((e - scores[i]) / H));
        return c + 0.1;
      });
    };
    const counts = [...hist(sigX, ws), ...hist(bkgX, wb), ...hist(bkgX, wb, SHIFT), ...hist(bkgX, wb, -SHIFT), ...hist(bkgX, wb, 0, true)];
    return objective(tmStat, Float64Array.from(counts)).value;
  }

  it.each(objectives)('events -> MLP -> KDE -> %s: tfjs gradient w.r.t. the MLP weights and the event weights equals float64 central differences', (_, objective) => {
    expect(tmStat.layout.map((e) => e.role)).toEqual(['nominal', 'nominal', 'up', 'down', 'sumw2']);
    const mlp = createMlp({ inputDim: 2, hidden: [5], activation: 'tanh', output: { kind: 'score' }, seed: 7, standardisation });
    const vars = mlp.trainableVariables(); // K1 [2, 5], b1 [5], K2 [5, 1], b2 [1]
    // non-zero biases, so that every weight matters
    vars[1].assign(tf.tensor1d([0.3, -0.2, 0.1, 0.4, -0.5]));
    vars[3].assign(tf.tensor1d([0.2]));
    const theta0 = vars.flatMap((v) => Array.from(v.dataSync()));
    const point = Float64Array.from([...theta0, ...sigW0, ...bkgW0]);
    const loss = float64Op(countsHead(tmStat, objective));
    const wSig = tf.variable(tf.tensor1d(sigW0));
    const wBkg = tf.variable(tf.tensor1d(bkgW0));
    const analytic = tf.tidy(() => {
      const xs = tf.tensor2d(sigX);
      const xb = tf.tensor2d(bkgX);
      const h = (x: tf.Tensor2D, w: tf.Tensor) => kdeHistogram(tf.reshape(mlp.apply(x), [-1]) as tf.Tensor1D, { edges: EDGES, bandwidth: { absolute: H }, weights: w as tf.Tensor1D, floor: 0.1 });
      const shift = (d: number) => tf.add(xb, tf.tensor2d([[d, 0]])) as tf.Tensor2D;
      const { grads } = tf.variableGrads(() => loss(h(xs, wSig), h(xb, wBkg), h(shift(SHIFT), wBkg), h(shift(-SHIFT), wBkg), h(xb, tf.square(wBkg))), [...vars, wSig, wBkg]);
      return [...vars, wSig, wBkg].flatMap((v) => Array.from(grads[v.name].dataSync()));
    });
    wSig.dispose();
    wBkg.dispose();
    mlp.dispose();
    const numeric = centralDifferences((p) => chain64(p, objective), point, 1e-6);
    const blockError = (lo: number, hi: number) => {
      let scale = 0;
      for (let i = lo; i < hi; i++) scale = Math.max(scale, Math.abs(numeric[i]));
      let worst = 0;
      for (let i = lo; i < hi; i++) worst = Math.max(worst, Math.abs(analytic[i] - numeric[i]) / Math.max(Math.abs(numeric[i]), 1e-2 * scale));
      return worst;
    };
    const errors = { mlp: blockError(0, 21), eventWeights: blockError(21, 21 + 2 * M) };
    // |analytic - numeric| / max(|numeric|, 1e-2 x the block's largest), measured (cpu backend):
    // MLP weights 1.4e-6 (cramerRaoWidth), 5.7e-6 (profileWidth), 8.6e-6 (expectedCls),
    // 1.7e-5 (Z0); event weights 1.4e-6, 2.9e-6, 1.9e-6, 3.9e-6: float32 round-off of the
    // network and the histograms, read by a float64 head
    expect(errors.mlp, JSON.stringify(errors)).toBeLessThan(5e-5);
    expect(errors.eventWeights, JSON.stringify(errors)).toBeLessThan(1.2e-5);
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
