/**
 * Flow-ensemble summaries: flows per process and variation give log-likelihood-ratio features,
 * an MLP head on them is trained with the inference-aware objective; the flows stay frozen (their
 * weights bit for bit), the head moves, and tf.memory().numTensors is constant across steps. A
 * bundle holds such a summary: saved and loaded back, it gives the same outputs bit for bit
 * (cpu backend), and `apply` runs it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/autodiff/backend.js';
import { applyBundle } from '../../experiments/apply.js';
import { Analysis, createMlp, FeatureSummary, flows, loadBundleSummary, readBundle, saveBundle, train } from '../../src/models/index.js';
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
    const summary = FeatureSummary.fromFlows(ensemble, { reference: 'background' }, head);
    const data = { sig: gaussianEvents(500, [0, 0], [1, 1], 'fs-s'), bkg: gaussianEvents(500, [1, 1], [1, 1], 'fs-b') };
    const bkg = (shift: number) => ({ dataset: 'bkg', expected: 100, transform: { kind: 'shift' as const, columns: [0], shift } });
    const analysis = new Analysis({
      template: { channels: [{ name: 'SR', bins: 4, samples: [{ name: 'signal', modifiers: [{ type: 'normfactor', name: 'mu' }] }, { name: 'background', modifiers: [{ type: 'histosys', name: 'r' }] }] }], poi: { name: 'mu' } },
      channels: { SR: { kind: 'summary' } },
      sources: { SR: { signal: { nominal: { dataset: 'sig', expected: 20 } }, background: { nominal: { dataset: 'bkg', expected: 100 }, variations: { r: { up: bkg(0.5), down: bkg(-0.5) } } } } },
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
    // a bundle holds it: flows and head saved, loaded back to the same function
    const dir = mkdtempSync(join(tmpdir(), 'fs-bundle-'));
    await saveBundle(dir, summary, { name: 'toy', method: 'inferno', config: {}, baseDir: dir, binning: { kind: 'softmax', temperature: 0.5 }, output: summary.output, features: ['x0', 'x1'], training: { status: 'completed', steps: 5, seed: 1, seconds: 0 } });
    const bundle = readBundle(dir);
    expect(bundle.summary).toMatchObject({ kind: 'flow-features', reference: 'background', processes: ['signal', 'background:up'] });
    const loaded = await loadBundleSummary(dir, bundle);
    const x = tf.tensor2d([[0.3, -1.2], [2, 0.5], [-0.7, 0.1]]);
    expect(Array.from(tf.tidy(() => loaded.apply(x)).dataSync())).toEqual(Array.from(tf.tidy(() => summary.apply(x)).dataSync()));
    x.dispose();
    writeFileSync(join(dir, 'events.csv'), 'x0,x1\n0.3,-1.2\n2,0.5\n-0.7,0.1\n');
    await applyBundle({ bundle: dir, input: join(dir, 'events.csv'), output: join(dir, 'bins.csv') });
    expect(readFileSync(join(dir, 'bins.csv'), 'utf8').split('\n')[0]).toBe('bin,logit_0,logit_1,logit_2,logit_3');
    loaded.dispose();
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
