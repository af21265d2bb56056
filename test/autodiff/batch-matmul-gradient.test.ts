/**
 * The fast BatchMatMul gradient: for random shapes and values, all four transposeA/transposeB
 * combinations, rank 2 and rank 3 (and broadcast batch dimensions), it equals tfjs-core's own
 * gradient (captured before re-registering, its gradFunc called directly) and a float64
 * re-implementation of the formulas, to 1e-5 relative (|got - want| / max(1, |want|)); it is
 * idempotent and restorable, runs on the wasm backend, and leaks no tensors.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/autodiff/backend.js';
import {
  isFastBatchMatMulGradientRegistered,
  registerFastBatchMatMulGradient,
  restoreBatchMatMulGradient,
} from '../../src/autodiff/batch-matmul-gradient.js';

const TOL = 1e-5;

/** A float64 batched matrix: batch x rows x cols, row-major. */
interface Mat {
  readonly batch: number;
  readonly rows: number;
  readonly cols: number;
  readonly v: Float64Array;
}

const at = (m: Mat, b: number, i: number, j: number) => m.v[(b % m.batch) * m.rows * m.cols + i * m.cols + j];

function transposed(m: Mat): Mat {
  const v = new Float64Array(m.v.length);
  for (let b = 0; b < m.batch; b++) for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) v[b * m.rows * m.cols + j * m.rows + i] = at(m, b, i, j);
  return { batch: m.batch, rows: m.cols, cols: m.rows, v };
}

/** op(x) op(y) in float64 with batch broadcasting (a batch of 1 repeats). */
function mm(x: Mat, y: Mat, tx = false, ty = false): Mat {
  const p = tx ? transposed(x) : x;
  const q = ty ? transposed(y) : y;
  const batch = Math.max(p.batch, q.batch);
  const v = new Float64Array(batch * p.rows * q.cols);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < p.rows; i++) {
      for (let j = 0; j < q.cols; j++) {
        let s = 0;
        for (let k = 0; k < p.cols; k++) s += at(p, b, i, k) * at(q, b, k, j);
        v[b * p.rows * q.cols + i * q.cols + j] = s;
      }
    }
  }
  return { batch, rows: p.rows, cols: q.cols, v };
}

/** Sums a batch down to `batch` (1 when the operand was broadcast). */
function reduceBatch(m: Mat, batch: number): Mat {
  if (m.batch === batch) return m;
  const size = m.rows * m.cols;
  const v = new Float64Array(size);
  for (let b = 0; b < m.batch; b++) for (let i = 0; i < size; i++) v[i] += m.v[b * size + i];
  return { batch: 1, rows: m.rows, cols: m.cols, v };
}

/** The float64 gradients of sum(G * op(A) op(B)) (the table in the module comment). */
function reference(a: Mat, b: Mat, g: Mat, tA: boolean, tB: boolean): [Mat, Mat] {
  let da: Mat;
  let db: Mat;
  if (!tA && !tB) [da, db] = [mm(g, b, false, true), mm(a, g, true, false)];
  else if (!tA && tB) [da, db] = [mm(g, b), mm(g, a, true, false)];
  else if (tA && !tB) [da, db] = [mm(b, g, false, true), mm(a, g)];
  else [da, db] = [transposed(mm(g, b)), transposed(mm(a, g))];
  return [reduceBatch(da, a.batch), reduceBatch(db, b.batch)];
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  expect(worst, what).toBeLessThanOrEqual(TOL);
}

/** A case: batch sizes of A and B (0: rank 2), matrix sizes, transposes, the seed of the values. */
interface Case {
  readonly batchA: number;
  readonly batchB: number;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly tA: boolean;
  readonly tB: boolean;
  readonly seed: number;
}

/** Rank 2, rank 3 with equal batches, rank 3 times rank 2 (broadcast B): each with every transpose pair. */
const LAYOUTS = [
  { name: 'rank 2', batchA: () => 0, broadcast: false },
  { name: 'rank 3', batchA: (s: number) => 1 + (Math.abs(s) % 3), broadcast: false },
  { name: 'rank 3 x rank 2', batchA: (s: number) => 1 + (Math.abs(s) % 3), broadcast: true },
] as const;
const COMBOS = LAYOUTS.flatMap((l) => [[false, false], [false, true], [true, false], [true, true]].map(([tA, tB]) => ({ layout: l, tA, tB })));

const dimsArb = fc.record({ m: fc.integer({ min: 1, max: 6 }), k: fc.integer({ min: 1, max: 6 }), n: fc.integer({ min: 1, max: 6 }), seed: fc.integer() });

function matOf(batch: number, rows: number, cols: number, rand: () => number): Mat {
  const v = new Float64Array(Math.max(batch, 1) * rows * cols);
  // values on a 1/64 grid: exact in float32, so only the products round
  for (let i = 0; i < v.length; i++) v[i] = Math.round((rand() * 4 - 2) * 64) / 64;
  return { batch: Math.max(batch, 1), rows, cols, v };
}

function tensorOf(m: Mat, rank3: boolean): tf.Tensor {
  return rank3 ? tf.tensor3d(Float32Array.from(m.v), [m.batch, m.rows, m.cols]) : tf.tensor2d(Float32Array.from(m.v), [m.rows, m.cols]);
}

function mulberry(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Built {
  a: Mat;
  b: Mat;
  g: Mat;
  ta: tf.Tensor;
  tb: tf.Tensor;
  tg: tf.Tensor;
}

function build(c: Case): Built {
  const rand = mulberry(c.seed);
  const a = c.tA ? matOf(c.batchA, c.k, c.m, rand) : matOf(c.batchA, c.m, c.k, rand);
  const b = c.tB ? matOf(c.batchB, c.n, c.k, rand) : matOf(c.batchB, c.k, c.n, rand);
  const g = matOf(Math.max(c.batchA, c.batchB), c.m, c.n, rand);
  return { a, b, g, ta: tensorOf(a, c.batchA > 0), tb: tensorOf(b, c.batchB > 0), tg: tensorOf(g, c.batchA > 0 || c.batchB > 0) };
}

/** Gradients of sum(G * matMul(A, B, tA, tB)) through the registered BatchMatMul gradient. */
function gradsThroughEngine(x: Built, tA: boolean, tB: boolean): [number[], number[]] {
  return tf.tidy(() => {
    const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p, q, tA, tB), x.tg)))([x.ta, x.tb]);
    return [Array.from(da.dataSync()), Array.from(db.dataSync())];
  });
}

let tfjsDefault: tf.GradConfig;

beforeAll(async () => {
  await initBackend({ request: 'cpu', log: () => {} });
  restoreBatchMatMulGradient();
  tfjsDefault = tf.getGradient('BatchMatMul');
});

afterAll(() => {
  restoreBatchMatMulGradient();
});

describe('registerFastBatchMatMulGradient', () => {
  it('tfjs-core registers its own gradient first (the one being replaced)', () => {
    expect(tfjsDefault).toBeDefined();
    expect(isFastBatchMatMulGradientRegistered()).toBe(false);
  });

  it.each(COMBOS.map((c) => [c.layout.name, c.tA, c.tB, c] as const))(
    'equals tfjs-core gradient and the float64 formulas (%s, transposeA %s, transposeB %s)',
    (_name, tA, tB, combo) => {
      fc.assert(
        fc.property(dimsArb, (d) => {
          const batchA = combo.layout.batchA(d.seed);
          const c: Case = { ...d, tA, tB, batchA, batchB: combo.layout.broadcast ? 0 : batchA };
          const x = build(c);
          const [wantA, wantB] = reference(x.a, x.b, x.g, tA, tB);
          // tfjs-core's gradFunc, called directly (it has no broadcast reduction, so only for equal batches)
          if (!combo.layout.broadcast) {
            const [defA, defB] = tf.tidy(() => {
              const grads = tfjsDefault.gradFunc(x.tg, [x.ta, x.tb], { transposeA: tA, transposeB: tB });
              return [Array.from(grads.a().dataSync()), Array.from(grads.b().dataSync())];
            });
            expectClose(defA, wantA.v, 'tfjs dA');
            expectClose(defB, wantB.v, 'tfjs dB');
          }
          registerFastBatchMatMulGradient();
          try {
            const [fastA, fastB] = gradsThroughEngine(x, tA, tB);
            expectClose(fastA, wantA.v, 'fast dA');
            expectClose(fastB, wantB.v, 'fast dB');
          } finally {
            restoreBatchMatMulGradient();
            tf.dispose([x.ta, x.tb, x.tg]);
          }
        }),
        { numRuns: 15 },
      );
    },
  );

  it('the fast gradient is what tf.grads uses, and matches the tfjs one through the engine', () => {
    const c: Case = { batchA: 2, batchB: 2, m: 3, k: 4, n: 5, tA: true, tB: true, seed: 7 };
    const x = build(c);
    const before = gradsThroughEngine(x, true, true);
    registerFastBatchMatMulGradient();
    expect(isFastBatchMatMulGradientRegistered()).toBe(true);
    expect(tf.getGradient('BatchMatMul')).not.toBe(tfjsDefault);
    const after = gradsThroughEngine(x, true, true);
    restoreBatchMatMulGradient();
    expect(tf.getGradient('BatchMatMul')).toBe(tfjsDefault);
    expectClose(after[0], before[0], 'dA');
    expectClose(after[1], before[1], 'dB');
    tf.dispose([x.ta, x.tb, x.tg]);
  });

  it('is idempotent, and restore puts back the replaced gradient once', () => {
    registerFastBatchMatMulGradient();
    const fast = tf.getGradient('BatchMatMul');
    registerFastBatchMatMulGradient();
    expect(tf.getGradient('BatchMatMul')).toBe(fast);
    restoreBatchMatMulGradient();
    expect(tf.getGradient('BatchMatMul')).toBe(tfjsDefault);
    restoreBatchMatMulGradient();
    expect(tf.getGradient('BatchMatMul')).toBe(tfjsDefault);
  });

  it('prints no "Overriding the gradient" warning even in tfjs debug mode, and leaves console.warn alone', () => {
    const warn = console.warn;
    const seen: unknown[][] = [];
    console.warn = (...args: unknown[]) => seen.push(args);
    const patched = console.warn;
    const log = console.log;
    console.log = () => {}; // tfjs announces debug mode on console.log
    try {
      tf.env().set('DEBUG', true);
      registerFastBatchMatMulGradient();
      restoreBatchMatMulGradient();
    } finally {
      tf.env().set('DEBUG', false);
      console.log = log;
      console.warn = warn;
    }
    expect(seen.filter((args) => String(args[0]).includes('Overriding'))).toEqual([]);
    expect(seen.length).toBeGreaterThan(0); // tfjs did warn about debug mode: the patch was in place
    expect(patched).not.toBe(warn);
    expect(console.warn).toBe(warn);
  });

  it('runs on the wasm backend, agrees with float64, and leaks no tensors', async () => {
    await initBackend({ request: 'wasm', log: () => {} });
    try {
      expect(tf.getBackend()).toBe('wasm');
      registerFastBatchMatMulGradient();
      const c: Case = { batchA: 3, batchB: 3, m: 17, k: 9, n: 6, tA: false, tB: false, seed: 11 };
      for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]] as const) {
        const x = build({ ...c, tA, tB });
        const [wantA, wantB] = reference(x.a, x.b, x.g, tA, tB);
        const before = tf.memory().numTensors;
        for (let rep = 0; rep < 3; rep++) {
          const [gotA, gotB] = gradsThroughEngine(x, tA, tB);
          expectClose(gotA, wantA.v, `wasm dA ${tA} ${tB}`);
          expectClose(gotB, wantB.v, `wasm dB ${tA} ${tB}`);
        }
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([x.ta, x.tb, x.tg]);
      }
    } finally {
      restoreBatchMatMulGradient();
      await tf.setBackend('cpu');
    }
  });
});
