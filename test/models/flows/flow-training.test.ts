/**
 * The maximum-likelihood part of the flow contract (each test loops over FLOW_KINDS where the
 * kind can represent the target), on the cpu backend, seeded, 2000 training events.
 *
 * Tolerances:
 * - sampled bin frequencies (20000 samples) within 0.03 (1D mixture, 17 bins; measured 0.016)
 *   and 0.035 (2D banana, 25 bins; measured 0.026 RealNVP, 0.018 spline) of the exact bin
 *   probabilities. Part of the difference is the training sample's own: its bin frequencies
 *   scatter by sqrt(p(1-p)/2000) <= 0.011;
 * - held-out mean log-likelihood (5000 events) within 0.03 nats (1D mixture, measured 0.008)
 *   and 0.1 nats (2D banana, measured 0.017 RealNVP and 0.065 spline) of the true density's;
 * - conditional flow (2000 events, 20 epochs) on x ~ N(mu, 0.5^2) with context mu ~ a squashed
 *   normal on (-2, 2): sample means (2000 samples) within 0.1 (0.2 sigma) of the context and
 *   standard deviations within 0.075 (15%) of the true 0.5 (measured 0.018 and 0.029 at worst).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/autodiff/backend.js';
import { FLOW_KINDS, createFlow, createNeuralSplineFlow, trainFlow } from '../../../src/models/flows/index.js';
import { bananaBinProbability, bananaLogDensity, bananaSample, histogram, mean, mixtureBinProbability, mixtureLogDensity, mixtureSample, normals, sd } from './densities.js';

beforeAll(async () => {
  await initBackend({ request: 'cpu', log: () => {} });
});

const read = (t: tf.Tensor) => Array.from(t.dataSync());

describe('flow contract: maximum-likelihood training', () => {
  it('the spline flow learns a 1D Gaussian mixture (RealNVP with d = 1 is a Gaussian: flow-contract.test.ts)', () => {
    const n = 2000;
    const x = tf.tensor2d(mixtureSample(n, 'mixture-train'), [n, 1]);
    const flow = createNeuralSplineFlow({ dim: 1, layers: 2, hidden: 8, bins: 8, seed: 1 });
    const { nll } = trainFlow(flow, x, { epochs: 40, batchSize: 500, learningRate: 3e-2, seed: 2 });
    expect(nll).toHaveLength(40);
    expect(nll[39]).toBeLessThan(nll[0]);
    const samples = tf.tidy(() => read(flow.sample(20000, { seed: 3 })));
    const counts = histogram(samples, -4, 4.5, 17);
    counts.forEach((c, k) => expect(Math.abs(c / 20000 - mixtureBinProbability(-4 + 0.5 * k, -3.5 + 0.5 * k)), `bin ${k}`).toBeLessThan(0.03));
    const held = mixtureSample(5000, 'mixture-held');
    const lp = tf.tidy(() => read(flow.logProb(tf.tensor2d(held, [5000, 1]))));
    const gap = mean(Array.from(held, mixtureLogDensity)) - mean(lp);
    expect(Math.abs(gap)).toBeLessThan(0.03);
    tf.dispose(x);
    flow.dispose();
  });

  it.each(FLOW_KINDS)('%s learns a 2D banana density', (kind) => {
    const n = 2000;
    const x = tf.tensor2d(bananaSample(n, 'banana-train'), [n, 2]);
    // the spline interval covers +-6 standardised units: the banana's tail reaches 6.5
    const flow = createFlow({ kind, dim: 2, layers: 2, hidden: 16, depth: 2, seed: 1, ...(kind === 'spline' ? { bound: 6 } : {}) });
    const { nll } = trainFlow(flow, x, { epochs: 30, batchSize: 500, learningRate: 1e-2, seed: 2 });
    expect(nll[29]).toBeLessThan(nll[0]);
    const m = 20000;
    const s = tf.tidy(() => read(flow.sample(m, { seed: 3 })));
    const e1 = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5];
    const e2 = [-1.5, -0.75, 0, 0.75, 1.5, 3];
    for (let i = 0; i + 1 < e1.length; i++) {
      for (let j = 0; j + 1 < e2.length; j++) {
        let c = 0;
        for (let q = 0; q < m; q++) if (s[2 * q] >= e1[i] && s[2 * q] < e1[i + 1] && s[2 * q + 1] >= e2[j] && s[2 * q + 1] < e2[j + 1]) c++;
        expect(Math.abs(c / m - bananaBinProbability(e1[i], e1[i + 1], e2[j], e2[j + 1])), `bin ${i}, ${j}`).toBeLessThan(0.035);
      }
    }
    const held = bananaSample(5000, 'banana-held');
    const lp = tf.tidy(() => read(flow.logProb(tf.tensor2d(held, [5000, 2]))));
    let truth = 0;
    for (let q = 0; q < 5000; q++) truth += bananaLogDensity(held[2 * q], held[2 * q + 1]) / 5000;
    expect(Math.abs(truth - mean(lp))).toBeLessThan(0.1);
    tf.dispose(x);
    flow.dispose();
  });

  it.each(FLOW_KINDS)('%s conditional on the mean of a Gaussian: samples follow the context', (kind) => {
    const n = 2000;
    const z = normals(2 * n, 'conditional');
    const mu = Float32Array.from({ length: n }, (_, i) => -2 + 4 * (0.5 + 0.5 * Math.tanh(z[2 * i])));
    const xs = Float32Array.from({ length: n }, (_, i) => mu[i] + 0.5 * z[2 * i + 1]);
    const flow = createFlow({ kind, dim: 1, contextDim: 1, layers: 2, hidden: 16, depth: 1, seed: 1 });
    const x = tf.tensor2d(xs, [n, 1]);
    const context = tf.tensor2d(mu, [n, 1]);
    trainFlow(flow, x, { context, epochs: 20, batchSize: 500, learningRate: 1e-2, seed: 2 });
    for (const m of [-1.5, 0, 1.5]) {
      const s = tf.tidy(() => read(flow.sample(2000, { seed: 4, context: tf.tensor2d([m], [1, 1]) })));
      expect(Math.abs(mean(s) - m), `mean at ${m}`).toBeLessThan(0.1);
      expect(Math.abs(sd(s) - 0.5), `sd at ${m}`).toBeLessThan(0.075);
    }
    tf.dispose([x, context]);
    flow.dispose();
  });
});
