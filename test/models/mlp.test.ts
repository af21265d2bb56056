/**
 * The MLP summary: output shapes and ranges, seeded initialisation, input standardisation,
 * save/load round trip (identical outputs; files readable by tfjs's own loader), bad options.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/autodiff/backend.js';
import { createMlp, fitStandardisation, loadMlp, saveMlp } from '../../src/models/index.js';

beforeAll(async () => {
  await initBackend({ request: 'cpu', log: () => {} });
  X = tf.tensor2d([[0.1, 2], [-1, 0.5], [3, -2]]);
});

let X: tf.Tensor2D;

describe('MLP summary', () => {
  it('gives a score in (0, 1) or K logits, and the same seed gives the same network', () => {
    const s = createMlp({ inputDim: 2, hidden: [5, 4], output: { kind: 'score' }, seed: 1 });
    const l = createMlp({ inputDim: 2, hidden: [5], activation: 'tanh', output: { kind: 'logits', bins: 3 }, seed: 1 });
    const again = createMlp({ inputDim: 2, hidden: [5, 4], output: { kind: 'score' }, seed: 1 });
    const other = createMlp({ inputDim: 2, hidden: [5, 4], output: { kind: 'score' }, seed: 2 });
    const score = tf.tidy(() => Array.from(s.apply(X).dataSync()));
    expect(s.apply(X).shape).toEqual([3, 1]);
    expect(score.every((v) => v > 0 && v < 1)).toBe(true);
    expect(tf.tidy(() => l.apply(X).shape)).toEqual([3, 3]);
    expect(tf.tidy(() => Array.from(again.apply(X).dataSync()))).toEqual(score);
    expect(tf.tidy(() => Array.from(other.apply(X).dataSync()))).not.toEqual(score);
    expect(s.trainableVariables().map((v) => v.shape)).toEqual([[2, 5], [5], [5, 4], [4], [4, 1], [1]]);
    [s, l, again, other].forEach((m) => m.dispose());
  });

  it('applies the layers with plain ops exactly as tfjs-layers predicts (every activation, 1e-5)', () => {
    for (const activation of ['relu', 'tanh', 'elu', 'selu', 'swish'] as const) {
      for (const output of [{ kind: 'logits', bins: 4 } as const, { kind: 'score' } as const]) {
        const m = createMlp({ inputDim: 2, hidden: [7, 5], activation, output, seed: 3 });
        const a = tf.tidy(() => Array.from(m.apply(X).dataSync()));
        const b = tf.tidy(() => Array.from((m.network.predict(X) as tf.Tensor).dataSync()));
        expect(a.length).toBe(b.length);
        a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(1e-5));
        m.dispose();
      }
    }
  });

  it('standardises its inputs: (x - mean) / std before the first layer', () => {
    const st = fitStandardisation(Float32Array.from([1, 10, 3, 30, 5, 50]), 2);
    expect(st.mean).toEqual([3, 30]);
    expect(st.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    const plain = createMlp({ inputDim: 2, hidden: [3], output: { kind: 'logits', bins: 2 }, seed: 4 });
    const standard = createMlp({ inputDim: 2, hidden: [3], output: { kind: 'logits', bins: 2 }, seed: 4, standardisation: st });
    const raw = [[5, 50]];
    const z = [[(5 - 3) / st.std[0], (50 - 30) / st.std[1]]];
    const a = tf.tidy(() => Array.from(standard.apply(tf.tensor2d(raw)).dataSync()));
    const b = tf.tidy(() => Array.from(plain.apply(tf.tensor2d(z)).dataSync()));
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 5));
    plain.dispose();
    standard.dispose();
  });

  it('saves model.json + weights.bin + diffinfer.json and loads back the same function', async () => {
    const st = { mean: [1, -1], std: [2, 0.5] };
    const m = createMlp({ inputDim: 2, hidden: [6, 6], activation: 'elu', output: { kind: 'logits', bins: 4 }, seed: 9, standardisation: st, inputNames: ['pt', 'eta'] });
    const dir = mkdtempSync(join(tmpdir(), 'mlp-'));
    await saveMlp(m, dir);
    const { mlp, sidecar } = await loadMlp(dir);
    expect(sidecar).toMatchObject({ format: 'diffinfer-mlp', inputDim: 2, hidden: [6, 6], activation: 'elu', seed: 9, standardisation: st, inputNames: ['pt', 'eta'] });
    expect(sidecar).not.toHaveProperty('extra'); // what the network was trained for is the bundle's
    expect(tf.tidy(() => Array.from(mlp.apply(X).dataSync()))).toEqual(tf.tidy(() => Array.from(m.apply(X).dataSync())));
    // the tfjs format: tfjs's own loader reads the same files
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const bin = readFileSync(join(dir, 'weights.bin'));
    const net = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }));
    expect(net.layers.length).toBe(3);
    net.dispose();
    m.dispose();
    mlp.dispose();
  });

  it('rejects bad options and unreadable model directories by name', async () => {
    expect(() => createMlp({ inputDim: 0, hidden: [3], output: { kind: 'score' }, seed: 1 })).toThrow('mlp inputDim: must be a positive integer, got 0');
    expect(() => createMlp({ inputDim: 2, hidden: [3, 0], output: { kind: 'score' }, seed: 1 })).toThrow('mlp hidden[1]: must be a positive integer, got 0');
    expect(() => createMlp({ inputDim: 2, hidden: [3], output: { kind: 'logits', bins: 1 }, seed: 1 })).toThrow('mlp output.bins: must be an integer >= 2, got 1');
    expect(() => createMlp({ inputDim: 2, hidden: [3], activation: 'gelu' as never, output: { kind: 'score' }, seed: 1 })).toThrow(/mlp activation: must be one of relu, tanh, elu, selu, swish/);
    const dir = mkdtempSync(join(tmpdir(), 'mlp-bad-'));
    await expect(loadMlp(dir)).rejects.toThrow(/diffinfer\.json: cannot be read/);
    writeFileSync(join(dir, 'diffinfer.json'), '{"format": "other"}');
    writeFileSync(join(dir, 'model.json'), '{}');
    await expect(loadMlp(dir)).rejects.toThrow(/format is "other", expected "diffinfer-mlp"/);
  });
});
