/**
 * Flow-ensemble summaries: flows per process and variation give log-likelihood-ratio features,
 * an MLP head on them is trained with the inference-aware objective; the flows stay frozen (their
 * weights bit for bit), the head moves, and tf.memory().numTensors is constant across steps.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/autodiff/backend.js';
import { Analysis, createMlp, FeatureSummary, flows, train } from '../../src/models/index.js';
import { gaussianEvents } from '../helpers/toys.js';

beforeAll(async () => {
  await initBackend({ request: 'cpu', log: () => {} });
});

describe('FeatureSummary', () => {
  it('trains the head on flow features and leaves the flows frozen', async () => {
    const make = (seed: number) => flows.createRealNvp({ dim: 2, layers: 2, hidden: 8, seed, init: 'random' });
    const ensemble = { signal: make(1), background: make(2), 'background:up': make(3) };
    const features = flows.flowFeatureTransform(ensemble, { reference: 'background' });
    expect(features.names).toEqual(['signal', 'background:up']);
    const head = createMlp({ inputDim: features.outputDim, hidden: [8], output: { kind: 'logits', bins: 4 }, seed: 5 });
    const summary = new FeatureSummary(features, head);
    const data = { sig: gaussianEvents(500, [0, 0], [1, 1], 'fs-s'), bkg: gaussianEvents(500, [1, 1], [1, 1], 'fs-b') };
    const analysis = new Analysis({
      template: { bins: 4, samples: [{ name: 'signal', signal: true }, { name: 'background', shapes: ['r'] }], nuisances: [{ name: 'r', kind: 'shape' }] },
      samples: { signal: { dataset: 'sig', expected: 20 }, background: { dataset: 'bkg', expected: 100 } },
      variations: {
        'background:r': {
          up: { kind: 'transform', apply: (x) => tf.add(x, tf.tensor2d([[0.5, 0]])) },
          down: { kind: 'transform', apply: (x) => tf.sub(x, tf.tensor2d([[0.5, 0]])) },
        },
      },
      binning: { kind: 'softmax', temperature: 0.5 },
    });
    const flowWeights = () => Object.values(ensemble).flatMap((f) => f.trainableVariables().map((v) => Array.from(v.dataSync())));
    const before = flowWeights();
    const headBefore = head.weightValues();
    const counts: number[] = [];
    const r = await train(summary, analysis, data, {
      objective: 'inferno', steps: 5, batchSize: 100, seed: 1,
      optimizer: { kind: 'adam', schedule: { kind: 'constant', learningRate: 1e-2 } },
      onStep: () => counts.push(tf.memory().numTensors),
    });
    expect(r.status).toBe('completed');
    expect(flowWeights()).toEqual(before);
    expect(head.weightValues().some((w, i) => w.some((v, j) => v !== headBefore[i][j]))).toBe(true);
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(tf.tidy(() => summary.apply(tf.zeros([3, 2]) as tf.Tensor2D).shape)).toEqual([3, 4]);
    summary.dispose();
    Object.values(ensemble).forEach((f) => f.dispose());
  });

  it('rejects a head that does not fit the features', () => {
    const features = flows.flowFeatureTransform({ a: flows.createRealNvp({ dim: 2, layers: 1, hidden: 4, seed: 1 }), b: flows.createRealNvp({ dim: 2, layers: 1, hidden: 4, seed: 2 }) }, { reference: 'b' });
    const head = createMlp({ inputDim: 3, hidden: [4], output: { kind: 'score' }, seed: 1 });
    expect(() => new FeatureSummary(features, head)).toThrow('FeatureSummary head: takes 3 inputs, the feature map gives 1');
    head.dispose();
  });
});
