/** Backend selection: fallback when the optional native packages are absent, overrides, errors. */
import * as tf from '@tensorflow/tfjs-core';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { initBackend, parseBackendRequest } from '../../src/autodiff/index.js';
import { InputError } from '../../src/stats/errors.js';

const realImport = (s: string) => import(s);
const missing = (names: string[]) => async (s: string) => {
  if (names.includes(s)) {
    const e = new Error(`Cannot find package '${s}'`) as NodeJS.ErrnoException;
    e.code = 'ERR_MODULE_NOT_FOUND';
    throw e;
  }
  return realImport(s);
};

describe('initBackend', () => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('the optional native packages are not installed on this machine', () => {
    const req = createRequire(import.meta.url);
    expect(() => req.resolve('@tensorflow/tfjs-node-gpu')).toThrow();
    expect(() => req.resolve('@tensorflow/tfjs-node')).toThrow();
  });

  it('auto falls back to wasm and says what it tried', async () => {
    const lines: string[] = [];
    const r = await initBackend({ env: {}, log: (l) => lines.push(l) });
    expect(r.name).toBe('wasm');
    expect(r.tried.map((t) => t.candidate)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm']);
    expect(lines).toEqual(['diffinfer: tfjs backend wasm (tried tensorflow-gpu: not installed, tensorflow: not installed)']);
  });

  it('survives a native package that throws a non-Error or crashes on load', async () => {
    const importer = async (s: string) => {
      if (s === '@tensorflow/tfjs-node-gpu') throw 'libcudart.so.11: cannot open shared object file';
      if (s === '@tensorflow/tfjs-node') throw new Error('The specified module could not be found.\n  at native');
      return realImport(s);
    };
    const r = await initBackend({ env: {}, log: () => {}, importer });
    expect(r.name).toBe('wasm');
    expect(r.tried[0].error).toBe('libcudart.so.11: cannot open shared object file');
    expect(r.tried[1].error).toBe('The specified module could not be found.');
  });

  it('falls back to cpu when wasm fails too', async () => {
    const r = await initBackend({ env: {}, log: () => {}, importer: missing(['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm']) });
    expect(r.name).toBe('cpu');
  });

  it('DIFFINFER_BACKEND=cpu selects cpu; the option overrides the variable', async () => {
    expect((await initBackend({ env: { DIFFINFER_BACKEND: 'cpu' }, log: () => {} })).name).toBe('cpu');
    expect((await initBackend({ env: { DIFFINFER_BACKEND: 'cpu' }, request: 'wasm', log: () => {} })).name).toBe('wasm');
  });

  it('an explicitly requested backend that cannot load is an error', async () => {
    // bad input (InputError: the CLI exits 2), naming what to install
    const gpu = initBackend({ request: 'gpu', env: {}, log: () => {} });
    await expect(gpu).rejects.toThrow(InputError);
    await expect(gpu).rejects.toThrow(/^backend "gpu" \(tensorflow-gpu\): cannot be loaded: not installed \(install it with `npm install @tensorflow\/tfjs-node-gpu`\)$/);
    await expect(initBackend({ request: 'node', env: {}, log: () => {} })).rejects.toThrow(/^backend "node" \(tensorflow\): cannot be loaded: not installed \(install it with `npm install @tensorflow\/tfjs-node`\)$/);
    await expect(initBackend({ env: { DIFFINFER_BACKEND: 'tpu' }, log: () => {} })).rejects.toThrow(InputError);
    await expect(initBackend({ env: { DIFFINFER_BACKEND: 'tpu' }, log: () => {} })).rejects.toThrow('DIFFINFER_BACKEND: unknown backend "tpu" (expected auto, gpu, node, wasm, cpu)');
  });

  it('wasm and cpu compute the same matmul (1e-5), and gradients are registered', async () => {
    const x = [[1.5, -2], [0.25, 4]];
    const out: number[][][] = [];
    for (const b of ['wasm', 'cpu'] as const) {
      await initBackend({ request: b, log: () => {} });
      out.push(tf.tidy(() => tf.matMul(tf.tensor2d(x), tf.tensor2d(x)).arraySync() as number[][]));
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(a, a)))(tf.tensor1d([1, 2]));
      expect(Array.from(g.dataSync())).toEqual([2, 4]);
      g.dispose();
    }
    out[0].flat().forEach((v, i) => expect(Math.abs(v - out[1].flat()[i])).toBeLessThan(1e-5));
    expect(out[1]).toEqual([[1.75, -11], [1.375, 15.5]]);
  });
});

describe('parseBackendRequest', () => {
  it('accepts the literal names and rejects others with the option named', () => {
    expect(parseBackendRequest('wasm', '--backend')).toBe('wasm');
    expect(() => parseBackendRequest('GPU', '--backend')).toThrow('--backend: unknown backend "GPU" (expected auto, gpu, node, wasm, cpu)');
  });
});
