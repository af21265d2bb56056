/**
 * Flow-ensemble features on the cpu backend.
 *
 * Tolerances:
 * - the features equal log p_k(x) - log p_ref(x) from the flows' own logProb exactly (the same
 *   float32 operations);
 * - their gradient with respect to x equals float32 central differences (step 1e-2) within
 *   2e-2 absolute + 2e-2 relative;
 * - training a summary MLP on the features leaves the flows' weights bit-identical;
 * - toy (two correlated 2D Gaussians and a shifted background variation, 2000 events each,
 *   RealNVP flows trained 10 epochs): on 4000 held-out events the Pearson correlation of each
 *   feature with the true log-ratio is above 0.98 (signal/background, measured 0.997) and 0.9
 *   (background:up/background, a smaller effect estimated from two independent fits, measured
 *   0.976).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/autodiff/backend.js';
import {
  createFlow,
  flowFeatureTransform,
  flowFeatures,
  processSeed,
  seededNormal,
  trainFlowEnsemble,
  type Flow,
} from '../../../src/models/flows/index.js';
import { normals } from './densities.js';

beforeAll(async () => {
  await initBackend({ request: 'cpu', log: () => {} });
});

const read = (t: tf.Tensor) => Array.from(t.dataSync());

/** Random flows of both kinds sharing d = 2. */
function randomFlows(): Record<string, Flow> {
  return {
    signal: createFlow({ kind: 'spline', dim: 2, layers: 2, hidden: 8, seed: 1, init: 'random' }),
    background: createFlow({ kind: 'realnvp', dim: 2, layers: 2, hidden: 8, seed: 2, init: 'random' }),
    'background:up': createFlow({ kind: 'realnvp', dim: 2, layers: 2, hidden: 8, seed: 3, init: 'random' }),
  };
}

const disposeAll = (flows: Record<string, Flow>) => Object.values(flows).forEach((f) => f.dispose());

/** A 2D Gaussian with mean m and covariance [[1, rho s], [rho s, s^2]]. */
interface Gauss {
  readonly m: readonly [number, number];
  readonly s: number;
  readonly rho: number;
}

const SIGNAL: Gauss = { m: [1, 0.5], s: 0.7, rho: 0.5 };
const BACKGROUND: Gauss = { m: [-0.5, 0], s: 1.2, rho: -0.3 };
const BACKGROUND_UP: Gauss = { m: [0, 0], s: 1.2, rho: -0.3 };

function sampleGauss(g: Gauss, n: number, seed: string): Float32Array {
  const z = normals(2 * n, seed);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = g.m[0] + z[2 * i];
    out[2 * i + 1] = g.m[1] + g.s * (g.rho * z[2 * i] + Math.sqrt(1 - g.rho * g.rho) * z[2 * i + 1]);
  }
  return out;
}

function logGauss(g: Gauss, x1: number, x2: number): number {
  const u = x1 - g.m[0];
  const v = (x2 - g.m[1] - g.s * g.rho * u) / (g.s * Math.sqrt(1 - g.rho * g.rho));
  return -0.5 * (u * u + v * v) - Math.log(2 * Math.PI) - Math.log(g.s * Math.sqrt(1 - g.rho * g.rho));
}

function correlation(a: readonly number[], b: readonly number[]): number {
  const ma = a.reduce((s, v) => s + v, 0) / a.length;
  const mb = b.reduce((s, v) => s + v, 0) / b.length;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('flowFeatures', () => {
  it('equal the differences of the flows\' logProb, in the requested order', () => {
    const flows = randomFlows();
    tf.tidy(() => {
      const x = tf.mul(tf.tensor2d(seededNormal(60, 1), [30, 2]), 1.5) as tf.Tensor2D;
      const lp = Object.fromEntries(Object.entries(flows).map(([k, f]) => [k, read(f.logProb(x))]));
      const f = flowFeatures(flows, x, { reference: 'background' });
      expect(f.shape).toEqual([30, 2]);
      const values = read(f);
      for (let i = 0; i < 30; i++) {
        expect(values[2 * i]).toBe(Math.fround(lp.signal[i] - lp.background[i]));
        expect(values[2 * i + 1]).toBe(Math.fround(lp['background:up'][i] - lp.background[i]));
      }
      const transform = flowFeatureTransform(flows, { reference: 'signal', processes: ['background:up', 'background'] });
      expect(transform.names).toEqual(['background:up', 'background']);
      expect([transform.inputDim, transform.outputDim]).toEqual([2, 2]);
      const swapped = read(transform(x));
      for (let i = 0; i < 30; i++) expect(swapped[2 * i + 1]).toBe(Math.fround(lp.background[i] - lp.signal[i]));
    });
    disposeAll(flows);
  });

  it('are differentiable in x (central differences) and leave the flows untouched when a summary is trained on them', () => {
    const flows = randomFlows();
    const transform = flowFeatureTransform(flows, { reference: 'background' });
    const x0 = Array.from(seededNormal(8, 2));
    const x = tf.tensor2d(x0, [4, 2]);
    const w = tf.tensor2d([0.7, -1.3], [2, 1]);
    const objective = (t: tf.Tensor2D) => tf.sum(tf.matMul(transform(t), w));
    const grad = tf.tidy(() => read(tf.grad((t: tf.Tensor) => objective(t as tf.Tensor2D))(x)));
    const h = 1e-2;
    for (let i = 0; i < x0.length; i++) {
      const at = (delta: number) => tf.tidy(() => objective(tf.tensor2d(x0.map((v, j) => (j === i ? v + delta : v)), [4, 2])).dataSync()[0]);
      const numeric = (at(h) - at(-h)) / (2 * h);
      expect(Math.abs(grad[i] - numeric), `component ${i}`).toBeLessThan(2e-2 + 2e-2 * Math.abs(numeric));
    }
    // one Adam step on a linear summary of the features: the flows' weights do not move
    const weightsBefore = Object.values(flows).flatMap((f) => f.trainableVariables().map((v) => read(v)));
    const summary = tf.variable(tf.tensor2d([0.1, 0.2], [2, 1]));
    const optimizer = tf.train.adam(0.1);
    const features = transform(x); // computed once: the events do not change
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(tf.matMul(features, summary), 1))) as tf.Scalar, [summary]);
      optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
    });
    expect(read(summary)).not.toEqual([Math.fround(0.1), Math.fround(0.2)]);
    expect(Object.values(flows).flatMap((f) => f.trainableVariables().map((v) => read(v)))).toEqual(weightsBefore);
    optimizer.dispose();
    tf.dispose([x, w, summary, features]);
    disposeAll(flows);
  });

  it('reject a missing reference, unknown processes and mismatched flows', () => {
    const flows = randomFlows();
    expect(() => flowFeatureTransform(flows, { reference: 'bkg' })).toThrow('flowFeatureTransform: reference "bkg" is not one of the flows (signal, background, background:up)');
    expect(() => flowFeatureTransform(flows, { reference: 'background', processes: ['signal', 'signal'] })).toThrow('flowFeatureTransform: process "signal" is listed twice');
    expect(() => flowFeatureTransform(flows, { reference: 'background', processes: ['background'] })).toThrow('flowFeatureTransform: process "background" is the reference');
    const other = createFlow({ kind: 'realnvp', dim: 3, layers: 1, hidden: 4, seed: 1 });
    expect(() => flowFeatureTransform({ a: flows.signal, b: other }, { reference: 'a' })).toThrow('flowFeatureTransform: flow "b" has dim 3, contextDim 0; the reference "a" has dim 2, contextDim 0');
    const t = flowFeatureTransform(flows, { reference: 'background' });
    const wrong = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => t(wrong)).toThrow('flowFeatures: x must have shape [N, 2], got [2,3]');
    wrong.dispose();
    other.dispose();
    disposeAll(flows);
  });

  it('leak no tensors', () => {
    const flows = randomFlows();
    const x = tf.tensor2d(seededNormal(20, 3), [10, 2]);
    tf.dispose(flowFeatures(flows, x, { reference: 'background' }));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(flowFeatures(flows, x, { reference: 'background' }));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    disposeAll(flows);
  });
});

describe('trainFlowEnsemble', () => {
  it('gives one seed per process from the ensemble seed and the name, reproducibly', () => {
    const data = { signal: tf.tensor2d(sampleGauss(SIGNAL, 100, 's'), [100, 2]), background: tf.tensor2d(sampleGauss(BACKGROUND, 100, 'b'), [100, 2]) };
    const options = { flow: { kind: 'spline' as const, layers: 1, hidden: 4, bins: 4 }, epochs: 1, batchSize: 50, learningRate: 1e-2, seed: 7 };
    const lines: string[] = [];
    const a = trainFlowEnsemble(data, { ...options, log: (line) => lines.push(line) });
    const b = trainFlowEnsemble({ background: data.background, signal: data.signal }, options);
    expect(a.seeds).toEqual({ signal: processSeed(7, 'signal'), background: processSeed(7, 'background') });
    expect(a.seeds.signal).not.toBe(a.seeds.background);
    expect(a.flows.signal.toJSON()).toEqual(b.flows.signal.toJSON());
    expect(a.flows.background.toJSON()).toEqual(b.flows.background.toJSON());
    expect(a.nll.signal).toHaveLength(1);
    expect(lines).toEqual([`signal: trainFlow: epoch 1/1 mean NLL ${a.nll.signal[0].toFixed(5)}`, `background: trainFlow: epoch 1/1 mean NLL ${a.nll.background[0].toFixed(5)}`]);
    expect(() => trainFlowEnsemble({ a: data.signal, b: tf.zeros([3, 3]) as tf.Tensor2D }, options)).toThrow('trainFlowEnsemble: data["b"] has 3 columns, data["a"] has 2');
    disposeAll(a.flows);
    disposeAll(b.flows);
    tf.dispose(Object.values(data));
  });

  it('log-likelihood-ratio features of trained flows follow the true log-ratios of two Gaussians', () => {
    const n = 2000;
    const data = {
      signal: tf.tensor2d(sampleGauss(SIGNAL, n, 'train-s'), [n, 2]),
      background: tf.tensor2d(sampleGauss(BACKGROUND, n, 'train-b'), [n, 2]),
      'background:up': tf.tensor2d(sampleGauss(BACKGROUND_UP, n, 'train-u'), [n, 2]),
    };
    const { flows } = trainFlowEnsemble(data, { flow: { kind: 'realnvp', layers: 2, hidden: 16, depth: 1 }, epochs: 10, batchSize: 500, learningRate: 2e-2, seed: 1 });
    const test = [...sampleGauss(SIGNAL, 2000, 'test-s'), ...sampleGauss(BACKGROUND, 2000, 'test-b')];
    const features = tf.tidy(() => read(flowFeatures(flows, tf.tensor2d(test, [4000, 2]), { reference: 'background' })));
    const truth = { signal: [] as number[], up: [] as number[] };
    const est = { signal: [] as number[], up: [] as number[] };
    for (let i = 0; i < 4000; i++) {
      const [x1, x2] = [test[2 * i], test[2 * i + 1]];
      truth.signal.push(logGauss(SIGNAL, x1, x2) - logGauss(BACKGROUND, x1, x2));
      truth.up.push(logGauss(BACKGROUND_UP, x1, x2) - logGauss(BACKGROUND, x1, x2));
      est.signal.push(features[2 * i]);
      est.up.push(features[2 * i + 1]);
    }
    expect(correlation(est.signal, truth.signal)).toBeGreaterThan(0.98);
    expect(correlation(est.up, truth.up)).toBeGreaterThan(0.9);
    disposeAll(flows);
    tf.dispose(Object.values(data));
  });
});
