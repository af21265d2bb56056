/**
 * The parameterized summary f(x; z) (src/models/parameterized.ts): its outputs at fixed z equal
 * a float64 forward pass of the same weights on [x, z] written out here (independent of the
 * concatenation code); a view made by `at` shares the weights and disposing it leaves them;
 * training on a 1D toy where the nuisance moves the background learns the per-z Bayes classifier
 * (closed form) and in particular its direction in z; a bundle holding it (at z = 0 or another
 * z) reloads to the same outputs; bad input gives InputErrors naming the place.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/autodiff/backend.js';
import type { ArmSample, NuisanceTransform } from '../../src/models/arms/index.js';
import { createMlp, loadBundleSummary, ParameterizedSummary, readBundle, saveBundle } from '../../src/models/index.js';
import { createParameterizedSummary, trainParameterized } from '../../src/models/parameterized.js';
import { InputError } from '../../src/stats/errors.js';

beforeAll(async () => {
  await initBackend({ request: 'wasm', log: () => {} });
});
afterAll(() => {
  tf.disposeVariables();
});

/** A float64 forward pass of a relu MLP with a sigmoid output: standardise, dense layers. */
function forward(summary: ParameterizedSummary, row: readonly number[]): number {
  const { mean, std } = summary.network.options.standardisation;
  let h = row.map((v, j) => (v - mean[j]) / std[j]);
  const w = summary.network.weightValues();
  for (let l = 0; l < w.length; l += 2) {
    const kernel = w[l];
    const bias = w[l + 1];
    const units = bias.length;
    const next = Array.from({ length: units }, (_, u) => h.reduce((t, v, i) => t + v * kernel[i * units + u], bias[u]));
    h = l + 2 < w.length ? next.map((v) => Math.max(0, v)) : next.map((v) => 1 / (1 + Math.exp(-v)));
  }
  return h[0];
}

/** A summary of features a, b and nuisances tes, jes whose weights are all seeded uniform(-1, 1) (the z rows too). */
function make(seed = 7): ParameterizedSummary {
  const summary = createParameterizedSummary({ inputDim: 2, hidden: [8, 8], output: { kind: 'score' }, seed, standardisation: { mean: [0.5, -1], std: [2, 0.5] }, inputNames: ['a', 'b'] }, ['tes', 'jes']);
  summary.trainableVariables().forEach((v, i) => tf.tidy(() => v.assign(tf.randomUniform(v.shape, -1, 1, 'float32', seed * 100 + i))));
  return summary;
}

describe('ParameterizedSummary', () => {
  it('apply at fixed z equals the network on [x, z] (float64 forward pass); a view shares the weights', () => {
    const before = tf.memory().numTensors;
    const summary = make();
    expect(summary.inputDim).toBe(2);
    expect(summary.inputNames).toEqual(['a', 'b']);
    expect(summary.nuisanceNames).toEqual(['tes', 'jes']);
    expect(summary.network.inputNames).toEqual(['a', 'b', 'tes', 'jes']);
    const rows = [
      [0.3, -1.2],
      [2.5, 0.4],
      [-1, -0.7],
    ];
    const x = tf.tensor2d(rows);
    const values = (t: tf.Tensor) => {
      const v = Array.from(t.dataSync());
      t.dispose();
      return v;
    };
    const view = summary.at({ tes: 0.8, jes: -1.5 });
    const nominal = values(summary.apply(x));
    const shifted = values(view.apply(x));
    let maxDiff = 0;
    rows.forEach((r, i) => {
      maxDiff = Math.max(maxDiff, Math.abs(nominal[i] - forward(summary, [...r, 0, 0])), Math.abs(shifted[i] - forward(summary, [...r, 0.8, -1.5])));
    });
    // measured: at most 4.0e-8 (float32 arithmetic against float64)
    expect(maxDiff).toBeLessThan(1e-6);
    // z matters (random z rows), and a name not given is 0
    expect(Math.abs(shifted[0] - nominal[0])).toBeGreaterThan(1e-3);
    const tesView = summary.at({ tes: 0.8 });
    expect(tesView.atValues).toEqual([0.8, 0]);
    expect(Math.abs(values(tesView.apply(x))[1] - forward(summary, [...rows[1], 0.8, 0]))).toBeLessThan(1e-6);
    tesView.dispose();
    // applyAt: per-event z
    const z = tf.tensor2d([
      [0, 0],
      [0.8, -1.5],
      [1, 1],
    ]);
    const perEvent = values(summary.applyAt(x, z));
    z.dispose();
    rows.forEach((r, i) => expect(Math.abs(perEvent[i] - forward(summary, [...r, ...[[0, 0], [0.8, -1.5], [1, 1]][i]]))).toBeLessThan(1e-6));
    // the view's variables are the summary's; moving a weight moves both
    expect(view.trainableVariables()).toEqual(summary.trainableVariables());
    const bias = summary.trainableVariables()[1];
    tf.tidy(() => bias.assign(tf.add(bias, 0.5) as tf.Tensor1D));
    const moved = values(view.apply(x));
    expect(Math.abs(moved[0] - shifted[0])).toBeGreaterThan(1e-3);
    expect(Math.abs(moved[0] - forward(summary, [...rows[0], 0.8, -1.5]))).toBeLessThan(1e-6);
    // disposing a view leaves the weights; disposing the summary releases every tensor
    view.dispose();
    expect(Math.abs(values(summary.apply(x))[2] - forward(summary, [...rows[2], 0, 0]))).toBeLessThan(1e-6);
    summary.dispose();
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('starts as the base MLP for every z (zero weights on the nuisance inputs)', () => {
    const base = { inputDim: 2, hidden: [8, 8], output: { kind: 'score' as const }, seed: 7, standardisation: { mean: [0.5, -1], std: [2, 0.5] }, inputNames: ['a', 'b'] };
    const summary = createParameterizedSummary(base, ['tes', 'jes']);
    const reference = createMlp(base);
    const x = tf.tensor2d([
      [0.3, -1.2],
      [2.5, 0.4],
    ]);
    const view = summary.at({ tes: 2, jes: -3 });
    const got = [summary.apply(x), view.apply(x), reference.apply(x)].map((t) => {
      const v = Array.from(t.dataSync());
      t.dispose();
      return v;
    });
    // measured: equal to the last bit at z = 0, and at z = (2, -3) (the z rows are zero)
    expect(got[0]).toEqual(got[2]);
    expect(got[1]).toEqual(got[2]);
    const w = summary.network.weightValues()[0];
    expect(Array.from(w.subarray(2 * 8))).toEqual(new Array<number>(2 * 8).fill(0));
    for (const s of [view, summary, reference]) s.dispose();
    x.dispose();
  });

  it('bad input: an unknown nuisance in at(), a non-finite value, mismatched training nuisances', () => {
    const summary = make();
    expect(() => summary.at({ tes: 1, softMet: 2 })).toThrow(InputError);
    expect(() => summary.at({ tes: 1, softMet: 2 })).toThrow(/parameterized summary at\(softMet\): "softMet" is not a nuisance of the summary \(expected tes, jes\)/);
    expect(() => summary.at({ jes: Number.NaN })).toThrow(/parameterized summary at\(jes\): must be finite, got NaN/);
    expect(() => createParameterizedSummary({ inputDim: 2, hidden: [4], output: { kind: 'score' }, seed: 1, inputNames: ['a', 'tes'] }, ['tes'])).toThrow(/parameterized summary nuisances: "tes" is also a feature name/);
    expect(() => new ParameterizedSummary(summary.network, ['jes', 'tes'])).toThrow(/the network's last 2 inputs are \[tes, jes\], not the nuisances \[jes, tes\]/);
    const samples: ArmSample[] = [
      { name: 's', raw: new Float32Array(8), dim: 2, label: 1, expected: 1 },
      { name: 'b', raw: new Float32Array(8), dim: 2, label: 0, expected: 1 },
    ];
    const id: NuisanceTransform = (raw) => ({ x: tf.clone(raw) });
    expect(() => trainParameterized(summary, samples, id, { nuisances: ['jes', 'tes'], batch: 4, steps: 1, seed: 1 })).toThrow(/parameterized training nuisances: must be the summary's \[tes, jes\] in that order, got \[jes, tes\]/);
    summary.dispose();
  });
});

/** Standard normals, seeded (Box-Muller on a linear congruential stream). */
function normals(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

/**
 * 1D toy: signal x ~ N(1, 1); background x ~ N(z, 1), the nuisance z ~ N(0, 1) moving the
 * background towards the signal as it grows. With balanced classes the Bayes classifier is
 * `logit f*(x; z) = ln N(x; 1, 1) - ln N(x; z, 1) = x (1 - z) + (z^2 - 1) / 2`,
 * so at the signal peak x = 1 the score falls with z: logit 2 (z = -1), 0.5 (z = 0), 0 (z = 1).
 */
const toyTransform: NuisanceTransform = (raw, z, sample) => ({ x: (sample.label === 1 ? tf.add(raw, 1) : tf.add(raw, z.z)) as tf.Tensor2D });
const bayesLogit = (x: number, z: number) => x * (1 - z) + (z * z - 1) / 2;

describe('training f(x; z) over the prior (1D toy)', () => {
  it('learns the per-z Bayes classifier: the score at the signal peak falls as z moves the background onto it', () => {
    const summary = createParameterizedSummary({ inputDim: 1, hidden: [16, 16], output: { kind: 'score' }, seed: 11, inputNames: ['x'] }, ['z']);
    const samples: ArmSample[] = [
      { name: 'signal', raw: normals(20_000, 1), dim: 1, label: 1, expected: 100 },
      { name: 'background', raw: normals(20_000, 2), dim: 1, label: 0, expected: 1000 },
    ];
    const before = tf.memory().numTensors;
    const t0 = performance.now();
    const history = trainParameterized(summary, samples, toyTransform, { nuisances: ['z'], batch: 256, groups: 16, steps: 1000, seed: 3, optimizer: { kind: 'adam', schedule: { kind: 'constant', learningRate: 1e-2 } } });
    const seconds = (performance.now() - t0) / 1000;
    expect(history).toHaveLength(1000);
    expect(tf.memory().numTensors).toBe(before); // every step's tensors released
    const logit = (x: number, z: number) => {
      const view = summary.at({ z });
      const p = tf.tidy(() => view.apply(tf.tensor2d([[x]])).dataSync()[0]);
      view.dispose();
      return Math.log(p / (1 - p));
    };
    const atPeak = [-1, 0, 1].map((z) => logit(1, z));
    // measured: logit f(1; z) = 2.136, 0.628, 0.082 at z = -1, 0, 1 (Bayes: 2, 0.5, 0); 1000 steps in 4.1 s
    expect(atPeak[0]).toBeGreaterThan(atPeak[1]);
    expect(atPeak[1]).toBeGreaterThan(atPeak[2]);
    expect(Math.abs(atPeak[0] - atPeak[2] - 2)).toBeLessThan(0.3);
    let maxErr = 0;
    for (const z of [-1, -0.5, 0, 0.5, 1]) for (const x of [-0.5, 0, 0.5, 1, 1.5, 2]) maxErr = Math.max(maxErr, Math.abs(logit(x, z) - bayesLogit(x, z)));
    // measured: the largest |logit f - logit f*| over x in [-0.5, 2], z in [-1, 1] is 0.193
    expect(maxErr, `${seconds} s`).toBeLessThan(0.3);
    summary.dispose();
  }, 60_000);
});

describe('a bundle holding a parameterized summary', () => {
  it('reloads to the same outputs, at z = 0 and at the z it was saved at', async () => {
    const summary = make(5);
    const dir = mkdtempSync(join(tmpdir(), 'parameterized-'));
    const contents = {
      name: 'toy',
      method: 'parameterized' as const,
      config: { name: 'toy' },
      baseDir: dir,
      binning: { kind: 'kde' as const, edges: [0, 0.5, 1], bandwidth: { relative: 0.5 } },
      output: { kind: 'score' as const },
      features: ['a', 'b'],
      training: { status: 'completed' as const, steps: 0, seed: 0, seconds: 0 },
    };
    const file = await saveBundle(join(dir, 'nominal'), summary, contents);
    expect(file.summary).toEqual({ kind: 'parameterized', dir: 'summary', nuisances: ['tes', 'jes'], at: [0, 0] });
    const view = summary.at({ tes: -0.6, jes: 1.3 });
    await saveBundle(join(dir, 'shifted'), view, contents);
    const x = tf.tensor2d([
      [0.3, -1.2],
      [2.5, 0.4],
      [-1, -0.7],
    ]);
    const nominal = await loadBundleSummary(join(dir, 'nominal'), readBundle(join(dir, 'nominal')));
    const shifted = await loadBundleSummary(join(dir, 'shifted'), readBundle(join(dir, 'shifted')));
    expect(nominal).toBeInstanceOf(ParameterizedSummary);
    expect((shifted as ParameterizedSummary).atValues).toEqual([-0.6, 1.3]);
    // float32 weights are saved exactly: equal outputs (measured difference 0)
    expect(Array.from(nominal.apply(x).dataSync())).toEqual(Array.from(summary.apply(x).dataSync()));
    expect(Array.from(shifted.apply(x).dataSync())).toEqual(Array.from(view.apply(x).dataSync()));
    expect(Math.abs(shifted.apply(x).dataSync()[0] - nominal.apply(x).dataSync()[0])).toBeGreaterThan(1e-3);
    const again = (nominal as ParameterizedSummary).at({ tes: -0.6, jes: 1.3 });
    expect(Array.from(again.apply(x).dataSync())).toEqual(Array.from(view.apply(x).dataSync()));
    await expect(loadBundleSummary(join(dir, 'nominal'), { ...readBundle(join(dir, 'nominal')), summary: { kind: 'parameterized', dir: 'summary', nuisances: ['tes', 'jes'], at: [0] } })).rejects.toThrow(
      /bundle\.json: summary: parameterized summary at: needs 2 finite values \(tes, jes\), got \[0\]/,
    );
    for (const s of [nominal, shifted, again, view, summary]) s.dispose();
    x.dispose();
  });
});
