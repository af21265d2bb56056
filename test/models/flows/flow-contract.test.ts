/**
 * The contract every flow kind meets (each test loops over FLOW_KINDS), on the cpu backend.
 *
 * Tolerances:
 * - inverse round trip: max |x - forward(inverse(x))| < 1e-4 and |log det_f + log det_i| < 1e-4
 *   on x ~ N(0, 2^2) (partly outside the spline interval), randomly initialised flows;
 * - log-determinant against the numerical Jacobian (float32 central differences, step 1e-2):
 *   |log|det J| - logDet| < 1e-2 absolute, d = 1, 2, 3, both directions;
 * - normalisation: the trapezoid integral of exp(logProb) over a wide grid is 1 within 1e-2
 *   (d = 1); for d = 2 it equals the fraction of 20000 samples in the grid's box within 1e-2
 *   (measured: 4e-4 RealNVP, 3e-5 spline);
 * - a fresh ('identity') flow is the standardised normal density within 1e-5;
 * - save/load and same-seed sampling: bit-identical; no tensor leaks.
 *
 * The training part of the contract (density fits, conditional flows) is in
 * flow-training.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src/autodiff/backend.js';
import {
  FLOW_KINDS,
  createFlow,
  createNeuralSplineFlow,
  createRealNvp,
  flowFromJSON,
  loadFlow,
  saveFlow,
  seededNormal,
  trainFlow,
  type Flow,
  type FlowKind,
  type Standardisation,
} from '../../../src/models/flows/index.js';
import { InputError, NumericalError } from '../../../src/stats/errors.js';
import { bananaSample, logNormal } from './densities.js';

let dir: string;

beforeAll(async () => {
  await initBackend({ request: 'cpu', log: () => {} });
  dir = mkdtempSync(join(tmpdir(), 'diffinfer-flows-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const read = (t: tf.Tensor) => Array.from(t.dataSync());

const STANDARDISATION: Standardisation = { mean: [0.3, -0.2, 0.1], std: [1.5, 0.8, 1.2], contextMean: [0.5, -1], contextStd: [2, 0.5] };

function standardisationFor(dim: number, contextDim: number): Standardisation {
  return {
    mean: STANDARDISATION.mean.slice(0, dim),
    std: STANDARDISATION.std.slice(0, dim),
    ...(contextDim ? { contextMean: STANDARDISATION.contextMean!.slice(0, contextDim), contextStd: STANDARDISATION.contextStd!.slice(0, contextDim) } : {}),
  };
}

/** A randomly initialised flow with a non-trivial standardisation. */
function randomFlow(kind: FlowKind, dim: number, contextDim: number, seed: number): Flow {
  return createFlow({ kind, dim, contextDim, layers: 3, hidden: 8, depth: 1, seed, init: 'random', standardisation: standardisationFor(dim, contextDim) });
}

const CASES = FLOW_KINDS.flatMap((kind) => [1, 2, 3].flatMap((dim) => [0, 2].map((contextDim) => [kind, dim, contextDim] as const)));

/** log|det| of a small matrix (rows of columns), float64. */
function logAbsDet(m: number[][]): number {
  const d = m.length;
  if (d === 1) return Math.log(Math.abs(m[0][0]));
  if (d === 2) return Math.log(Math.abs(m[0][0] * m[1][1] - m[0][1] * m[1][0]));
  const [a, b, c] = m;
  return Math.log(Math.abs(a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0])));
}

describe('flow contract: invertibility and the log-determinant', () => {
  it.each(CASES)('%s, d = %i, context %i: forward(inverse(x)) = x and the log-dets cancel', (kind, dim, contextDim) => {
    const flow = randomFlow(kind, dim, contextDim, 11);
    const n = 200;
    tf.tidy(() => {
      const x = tf.mul(tf.tensor2d(seededNormal(n * dim, 1), [n, dim]), 2) as tf.Tensor2D;
      const c = contextDim ? tf.tensor2d(seededNormal(n * contextDim, 2), [n, contextDim]) : undefined;
      const inv = flow.inverse(x, c);
      const fwd = flow.forward(inv.z, c);
      expect(tf.max(tf.abs(tf.sub(fwd.x, x))).dataSync()[0]).toBeLessThan(1e-4);
      expect(tf.max(tf.abs(tf.add(fwd.logDet, inv.logDet))).dataSync()[0]).toBeLessThan(1e-4);
      // the flow is not the identity (the checks above would be vacuous)
      expect(tf.max(tf.abs(tf.sub(inv.z, x))).dataSync()[0]).toBeGreaterThan(0.1);
      // logProb = log N(z) + log|det dz/dx|
      const lp = read(flow.logProb(x, c));
      const z = read(inv.z);
      const ld = read(inv.logDet);
      lp.forEach((v, i) => {
        let ref = ld[i];
        for (let j = 0; j < dim; j++) ref += logNormal(z[i * dim + j], 0, 1);
        expect(Math.abs(v - ref)).toBeLessThan(1e-4);
      });
    });
    flow.dispose();
  });

  it.each(CASES)('%s, d = %i, context %i: log-dets equal the numerical Jacobian in both directions', (kind, dim, contextDim) => {
    const flow = randomFlow(kind, dim, contextDim, 12);
    const h = 1e-2;
    const points = 4;
    const base = Array.from(seededNormal(points * dim, 3), (v) => 1.5 * v);
    const ctx = contextDim ? Array.from(seededNormal(contextDim, 4)) : [];
    for (const direction of ['inverse', 'forward'] as const) {
      for (let p = 0; p < points; p++) {
        const x0 = base.slice(p * dim, (p + 1) * dim);
        // rows: x0, then x0 +- h e_j
        const rows = [x0, ...Array.from({ length: dim }, (_, j) => [-1, 1].map((sgn) => x0.map((v, k) => (k === j ? v + sgn * h : v)))).flat()];
        const [out, logDet] = tf.tidy(() => {
          const x = tf.tensor2d(rows.flat(), [rows.length, dim]);
          const c = contextDim ? (tf.tile(tf.tensor2d(ctx, [1, contextDim]), [rows.length, 1]) as tf.Tensor2D) : undefined;
          const r = direction === 'inverse' ? flow.inverse(x, c) : flow.forward(x, c);
          return [read('z' in r ? r.z : r.x), read(r.logDet)];
        });
        // J[i][j] = d out_i / d in_j
        const jac = Array.from({ length: dim }, (_, i) => Array.from({ length: dim }, (_, j) => (out[(2 + 2 * j) * dim + i] - out[(1 + 2 * j) * dim + i]) / (2 * h)));
        expect(Math.abs(logAbsDet(jac) - logDet[0]), `${direction} at ${x0}`).toBeLessThan(1e-2);
      }
    }
    flow.dispose();
  });
});

describe('flow contract: densities', () => {
  it.each(FLOW_KINDS.flatMap((kind) => [0, 2].map((c) => [kind, c] as const)))('%s, context %i: d = 1 density integrates to 1', (kind, contextDim) => {
    const flow = randomFlow(kind, 1, contextDim, 13);
    const m = 0.3;
    const s = 1.5;
    const n = 6001;
    const lo = m - 15 * s;
    const step = (30 * s) / (n - 1);
    const p = tf.tidy(() => {
      const x = tf.tensor2d(Array.from({ length: n }, (_, i) => lo + i * step), [n, 1]);
      const c = contextDim ? (tf.tile(tf.tensor2d([0.7, -0.4], [1, 2]), [n, 1]) as tf.Tensor2D) : undefined;
      return read(tf.exp(flow.logProb(x, c)));
    });
    let integral = 0;
    for (let i = 0; i + 1 < n; i++) integral += (0.5 * (p[i] + p[i + 1])) * step;
    expect(Math.abs(integral - 1)).toBeLessThan(1e-2);
    flow.dispose();
  });

  it.each(FLOW_KINDS)('%s: d = 2 density integrates to the sampled mass of a box', (kind) => {
    // Randomly initialised flows reach far (RealNVP: 0.01% quantiles at -19 and -21), so the
    // trapezoid integral over a box is compared with the fraction of 20000 samples inside it
    // (sampling error <= 0.0035): this ties logProb's normalisation to the sampler.
    const flow = randomFlow(kind, 2, 0, 14);
    const g = 161;
    const [lo0, hi0, lo1, hi1] = [-12, 12.6, -6.6, 6.2];
    const h0 = (hi0 - lo0) / (g - 1);
    const h1 = (hi1 - lo1) / (g - 1);
    const values: number[] = [];
    for (let i = 0; i < g; i++) for (let j = 0; j < g; j++) values.push(lo0 + i * h0, lo1 + j * h1);
    const p = tf.tidy(() => read(tf.exp(flow.logProb(tf.tensor2d(values, [g * g, 2])))));
    let integral = 0;
    for (let i = 0; i < g; i++) {
      for (let j = 0; j < g; j++) {
        const w = (i === 0 || i === g - 1 ? 0.5 : 1) * (j === 0 || j === g - 1 ? 0.5 : 1);
        integral += w * p[i * g + j] * h0 * h1;
      }
    }
    const m = 20000;
    const s = tf.tidy(() => read(flow.sample(m, { seed: 1 })));
    let inside = 0;
    for (let q = 0; q < m; q++) if (s[2 * q] >= lo0 && s[2 * q] <= hi0 && s[2 * q + 1] >= lo1 && s[2 * q + 1] <= hi1) inside++;
    expect(inside / m).toBeGreaterThan(0.9);
    expect(Math.abs(integral - inside / m)).toBeLessThan(1e-2);
    flow.dispose();
  });

  it.each(FLOW_KINDS)('%s: a fresh flow is the standardised normal density', (kind) => {
    const std = standardisationFor(2, 0);
    const flow = createFlow({ kind, dim: 2, layers: 2, hidden: 8, seed: 5, standardisation: std });
    const x = Array.from(seededNormal(20, 6), (v) => 2 * v);
    const lp = tf.tidy(() => read(flow.logProb(tf.tensor2d(x, [10, 2]))));
    lp.forEach((v, i) => {
      const ref = logNormal(x[2 * i], std.mean[0], std.std[0]) + logNormal(x[2 * i + 1], std.mean[1], std.std[1]);
      expect(Math.abs(v - ref)).toBeLessThan(1e-5);
    });
    flow.dispose();
  });

  it('RealNVP with d = 1 and no context is a Gaussian (affine layers): logProb is quadratic in x', () => {
    const flow = randomFlow('realnvp', 1, 0, 15);
    const x = [-3, -1, 0.5, 2, 4];
    const lp = tf.tidy(() => read(flow.logProb(tf.tensor2d(x, [5, 1]))));
    // second divided differences of a quadratic are constant
    const dd = (i: number) => ((lp[i + 2] - lp[i + 1]) / (x[i + 2] - x[i + 1]) - (lp[i + 1] - lp[i]) / (x[i + 1] - x[i])) / (x[i + 2] - x[i]);
    expect(dd(0)).toBeLessThan(0);
    expect(Math.abs(dd(1) - dd(0))).toBeLessThan(1e-4);
    expect(Math.abs(dd(2) - dd(0))).toBeLessThan(1e-4);
    // while the spline flow's is not
    const spline = randomFlow('spline', 1, 0, 15);
    const ls = tf.tidy(() => read(spline.logProb(tf.tensor2d(x, [5, 1]))));
    const ds = (i: number) => ((ls[i + 2] - ls[i + 1]) / (x[i + 2] - x[i + 1]) - (ls[i + 1] - ls[i]) / (x[i + 1] - x[i])) / (x[i + 2] - x[i]);
    expect(Math.abs(ds(1) - ds(0))).toBeGreaterThan(1e-2);
    flow.dispose();
    spline.dispose();
  });
});

describe('flow contract: saving, seeds, memory, errors', () => {
  it.each(FLOW_KINDS)('%s: save/load and a JSON round trip give identical logProb and samples', (kind) => {
    const flow = randomFlow(kind, 2, 2, 21);
    const path = join(dir, `${kind}.json`);
    saveFlow(flow, path);
    const loaded = loadFlow(path);
    const copy = flowFromJSON(JSON.parse(JSON.stringify(flow.toJSON())));
    expect(loaded.kind).toBe(kind);
    expect(loaded.standardisation).toEqual(flow.standardisation);
    expect(loaded.toJSON()).toEqual(flow.toJSON());
    tf.tidy(() => {
      const x = tf.tensor2d(seededNormal(40, 7), [20, 2]);
      const c = tf.tensor2d(seededNormal(40, 8), [20, 2]);
      const ref = read(flow.logProb(x, c));
      expect(read(loaded.logProb(x, c))).toEqual(ref);
      expect(read(copy.logProb(x, c))).toEqual(ref);
      expect(read(loaded.sample(30, { seed: 9, context: tf.tensor2d([0.1, 0.2], [1, 2]) }))).toEqual(read(flow.sample(30, { seed: 9, context: tf.tensor2d([0.1, 0.2], [1, 2]) })));
    });
    // a damaged file is an InputError naming the file and the field
    const json = JSON.parse(readFileSync(path, 'utf8'));
    json.weights[1].values.pop();
    writeFileSync(path, JSON.stringify(json));
    expect(() => loadFlow(path)).toThrow(InputError);
    expect(() => loadFlow(path)).toThrow(`${path}: weights[1].values: must be an array of ${flow.trainableVariables()[1].size} numbers`);
    writeFileSync(path, '{"format": "diffinfer-flow", "version": 2}');
    expect(() => loadFlow(path)).toThrow(`${path}: version: must be 1, got 2`);
    expect(() => loadFlow(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot be read/);
    for (const f of [flow, loaded, copy]) f.dispose();
  });

  it.each(FLOW_KINDS)('%s: the same seeds give the same bytes (weights, samples, training)', (kind) => {
    const a = createFlow({ kind, dim: 2, layers: 2, hidden: 8, seed: 31 });
    const b = createFlow({ kind, dim: 2, layers: 2, hidden: 8, seed: 31 });
    const c = createFlow({ kind, dim: 2, layers: 2, hidden: 8, seed: 32 });
    expect(a.toJSON()).toEqual(b.toJSON());
    expect(a.toJSON().weights).not.toEqual(c.toJSON().weights);
    const data = tf.tensor2d(bananaSample(300, 'seeds'), [300, 2]);
    const ra = trainFlow(a, data, { epochs: 2, batchSize: 100, learningRate: 1e-2, seed: 5 });
    const rb = trainFlow(b, data, { epochs: 2, batchSize: 100, learningRate: 1e-2, seed: 5 });
    expect(ra.nll).toEqual(rb.nll);
    expect(ra.steps).toBe(6);
    expect(a.toJSON()).toEqual(b.toJSON());
    tf.tidy(() => {
      const s1 = a.sample(50, { seed: 1 });
      expect(Array.from(s1.dataSync())).toEqual(Array.from(b.sample(50, { seed: 1 }).dataSync()));
      expect(Array.from(s1.dataSync())).not.toEqual(Array.from(a.sample(50, { seed: 2 }).dataSync()));
    });
    tf.dispose(data);
    for (const f of [a, b, c]) f.dispose();
  });

  it.each(FLOW_KINDS)('%s: repeated logProb, sample, forward, inverse and training leak no tensors', (kind) => {
    const flow = createFlow({ kind, dim: 2, contextDim: 1, layers: 2, hidden: 8, seed: 41 });
    const x = tf.tensor2d(bananaSample(64, 'leaks'), [64, 2]);
    const c = tf.tensor2d(seededNormal(64, 3), [64, 1]);
    trainFlow(flow, x, { context: c, epochs: 1, batchSize: 32, learningRate: 1e-2, seed: 1 }); // first use
    const one = tf.tensor2d([0.5], [1, 1]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.dispose(flow.logProb(x, c));
      tf.dispose(flow.sample(10, { seed: i, context: one }));
      const inv = flow.inverse(x, c);
      const fwd = flow.forward(inv.z, c);
      tf.dispose([inv.z, inv.logDet, fwd.x, fwd.logDet]);
      trainFlow(flow, x, { context: c, epochs: 1, batchSize: 32, learningRate: 1e-2, seed: i });
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, c, one]);
    flow.dispose();
  });

  it.each(FLOW_KINDS)('%s: bad shapes, contexts and a non-finite loss are clear errors', (kind) => {
    const flow = createFlow({ kind, dim: 2, layers: 2, hidden: 8, seed: 51 });
    const cond = createFlow({ kind, dim: 2, contextDim: 1, layers: 2, hidden: 8, seed: 52 });
    tf.tidy(() => {
      const x3 = tf.zeros([4, 3]) as tf.Tensor2D;
      const x = tf.zeros([4, 2]) as tf.Tensor2D;
      expect(() => flow.logProb(x3)).toThrow(`${kind}.logProb: x must have shape [N, 2], got [4,3]`);
      expect(() => flow.logProb(x, tf.zeros([4, 1]) as tf.Tensor2D)).toThrow(`${kind}.logProb: the flow is unconditional (contextDim 0) but a context was given`);
      expect(() => cond.logProb(x)).toThrow(`${kind}.logProb: the flow is conditional (contextDim 1); a context [4, 1] is required`);
      expect(() => cond.inverse(x, tf.zeros([3, 1]) as tf.Tensor2D)).toThrow(`${kind}.inverse: context must have shape [4, 1], got [3,1]`);
      expect(() => flow.sample(0, { seed: 1 })).toThrow(`${kind}.sample: n must be an integer >= 1, got 0`);
      expect(() => trainFlow(flow, tf.tensor2d([0, 1, NaN, 2], [2, 2]), { epochs: 1, batchSize: 2, learningRate: 1e-2, seed: 1 })).toThrow('trainFlow: data[1, 0] is not finite (NaN)');
      expect(() => trainFlow(flow, x, { epochs: 0, batchSize: 2, learningRate: 1e-2, seed: 1 })).toThrow('trainFlow: epochs must be an integer >= 1, got 0');
    });
    // a weight set to NaN makes the loss NaN: training stops before the weights change
    const data = tf.tensor2d(bananaSample(20, 'nan'), [20, 2]);
    trainFlow(flow, data, { epochs: 1, batchSize: 10, learningRate: 1e-2, seed: 1 });
    const v = flow.trainableVariables()[0];
    tf.tidy(() => v.assign(tf.fill(v.shape, NaN)));
    const other = Array.from(flow.trainableVariables()[1].dataSync());
    expect(() => trainFlow(flow, data, { epochs: 1, batchSize: 10, learningRate: 1e-2, seed: 1 })).toThrow(NumericalError);
    expect(() => trainFlow(flow, data, { epochs: 1, batchSize: 10, learningRate: 1e-2, seed: 1 })).toThrow(/^trainFlow: the loss is not finite \(loss NaN, squared gradient norm NaN\) at epoch 1, step 1 of 2/);
    expect(Array.from(flow.trainableVariables()[1].dataSync())).toEqual(other);
    tf.dispose(data);
    flow.dispose();
    expect(() => flow.logProb(tf.zeros([1, 2]) as tf.Tensor2D)).toThrow(`${kind}.logProb: the flow has been disposed`);
    cond.dispose();
  });

  it('trainFlow fits the standardisation when the flow has none, and keeps or refits it on request', () => {
    const flow = createRealNvp({ dim: 2, contextDim: 1, layers: 1, hidden: 4, seed: 1 });
    // columns 0, 2, 4, 6 and 1, 5, 3, 7: means 3 and 4, standard deviations sqrt(5); context constant
    const data = tf.tensor2d([0, 1, 2, 5, 4, 3, 6, 7], [4, 2]);
    const context = tf.tensor2d([2, 2, 2, 2], [4, 1]);
    const shifted = tf.tidy(() => tf.add(data, 10) as tf.Tensor2D);
    const options = { context, epochs: 1, batchSize: 4, learningRate: 1e-3, seed: 1 };
    trainFlow(flow, data, options);
    const fitted = { mean: [3, 4], std: [Math.sqrt(5), Math.sqrt(5)], contextMean: [2], contextStd: [1] };
    expect(flow.standardisation).toEqual(fitted);
    trainFlow(flow, shifted, options); // 'auto': the flow has one
    trainFlow(flow, shifted, { ...options, standardise: 'keep' });
    expect(flow.standardisation).toEqual(fitted);
    trainFlow(flow, shifted, { ...options, standardise: 'fit' });
    expect(flow.standardisation).toEqual({ ...fitted, mean: [13, 14] });
    const constant = tf.tensor2d([1, 0, 1, 2], [2, 2]);
    const fresh = createRealNvp({ dim: 2, layers: 1, hidden: 4, seed: 1 });
    expect(() => trainFlow(fresh, constant, { epochs: 1, batchSize: 2, learningRate: 1e-3, seed: 1 })).toThrow('fitStandardisation: column 0 of x is constant (1); a flow needs a spread in every dimension');
    tf.dispose([data, context, shifted, constant]);
    flow.dispose();
    fresh.dispose();
  });

  it('factories reject bad options, naming the factory and the option', () => {
    expect(() => createRealNvp({ dim: 0, layers: 2, hidden: 8, seed: 1 })).toThrow('createRealNvp: dim must be an integer >= 1, got 0');
    expect(() => createRealNvp({ dim: 2, layers: 2, hidden: 8, seed: 1, scaleBound: -1 })).toThrow('createRealNvp: scaleBound must be a finite number > 0, got -1');
    expect(() => createNeuralSplineFlow({ dim: 2, layers: 2, hidden: 8, seed: 1, bins: 1 })).toThrow('createNeuralSplineFlow: bins must be an integer >= 2, got 1');
    expect(() => createNeuralSplineFlow({ dim: 2, layers: 2, hidden: 8, seed: 1, bins: 10, minBinWidth: 0.2 })).toThrow('createNeuralSplineFlow: minBinWidth must be a finite number > 0 and < 0.1, got 0.2');
    expect(() => createNeuralSplineFlow({ dim: 2, layers: 2, hidden: 8, seed: 1, standardisation: { mean: [0, 0], std: [1, 0] } })).toThrow('createNeuralSplineFlow: standardisation.std[1] must be a finite positive number, got 0');
    expect(() => createFlow({ kind: 'maf', dim: 2 } as never)).toThrow(`createFlow: kind must be 'realnvp' or 'spline', got "maf"`);
  });
});
