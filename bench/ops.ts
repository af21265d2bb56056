/**
 * Timings of the differentiable ops (forward + backward, median of `repeat` after one warm-up):
 *
 * - `kdeHistogram` with the gaussian and the logistic kernel (10 bins on [0, 1], relative
 *   bandwidth 0.5, weights) and `softmaxHistogram`
 *   (K = 10, temperature 0.5, weights) for 1e4, 1e5 and 1e6 events, on the wasm and cpu
 *   backends. The loss is `sum_k v_k c_k`, differentiated with respect to the inputs and the
 *   weights. On cpu a size whose time, extrapolated linearly from the previous size, exceeds
 *   `cpuLimitMs` per call is skipped (a row with `forwardBackwardMs: null` and a note).
 * - One training-step gradient of an MLP 3-100-100-10 (matMul + relu, softmax binning, a sum
 *   of squares loss) with respect to its 6 parameter tensors, on wasm, batch 2000 and 10000, with
 *   tfjs's own BatchMatMul gradient and with `registerFastBatchMatMulGradient`.
 *
 * The backends compute eagerly and synchronously, so a call's time is the work done; only the
 * scalar loss is read back. The active backend and the BatchMatMul gradient are restored
 * afterwards. Importing this module does nothing; `bench/run.ts` calls {@link runOpsBench}.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/autodiff/backend.js';
import {
  isFastBatchMatMulGradientRegistered,
  registerFastBatchMatMulGradient,
  restoreBatchMatMulGradient,
} from '../src/autodiff/batch-matmul-gradient.js';
import { kdeHistogram } from '../src/autodiff/kde-histogram.js';
import { softmaxHistogram } from '../src/autodiff/softmax-histogram.js';

export interface OpsBenchRow {
  /** What was timed, e.g. `kdeHistogram` or `mlp 3-100-100-10 step, fast BatchMatMul gradient`. */
  readonly op: string;
  /** tfjs backend name (`wasm`, `cpu`). */
  readonly backend: string;
  /** Events (batch size for the MLP). */
  readonly n: number;
  /** Median time of one forward + backward pass; null when skipped (see `note`). */
  readonly forwardBackwardMs: number | null;
  readonly note?: string;
}

export interface OpsBenchOptions {
  /** Timed repetitions after the warm-up; default 5. */
  readonly repeat?: number;
  /** Event counts for the histogram ops; default [1e4, 1e5, 1e6]. */
  readonly sizes?: readonly number[];
  /** Batch sizes for the MLP step; default [2000, 10000]. */
  readonly batches?: readonly number[];
  /** On cpu, skip a size expected to take longer than this per call; default 10 000 ms. */
  readonly cpuLimitMs?: number;
  /** Progress lines (one per row); default: none. */
  readonly log?: (line: string) => void;
}

const EDGES = Array.from({ length: 11 }, (_, k) => k / 10);
const K = 10;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median ms of `repeat` calls of `step` after one warm-up call. */
function timeMs(step: () => void, repeat: number): number {
  step();
  const times: number[] = [];
  for (let r = 0; r < repeat; r++) {
    const t = performance.now();
    step();
    times.push(performance.now() - t);
  }
  return median(times);
}

/** One forward + backward of `loss` with respect to `inputs`, reading back only the loss. */
function forwardBackward(loss: (...xs: tf.Tensor[]) => tf.Scalar, inputs: tf.Tensor[]): () => void {
  return () => {
    tf.tidy(() => {
      const { value } = tf.valueAndGrads(loss)(inputs);
      value.dataSync();
    });
  };
}

type HistOp = 'kdeHistogram gaussian' | 'kdeHistogram logistic' | 'softmaxHistogram';

function histogramStep(op: HistOp, n: number): { step: () => void; inputs: tf.Tensor[] } {
  const w = tf.randomUniform([n], 0.5, 1.5, 'float32', 2);
  const v = tf.tensor1d(Array.from({ length: K }, (_, k) => Math.sin(k + 1)));
  if (op !== 'softmaxHistogram') {
    const kernel = op === 'kdeHistogram gaussian' ? 'gaussian' : 'logistic';
    const x = tf.randomUniform([n], -0.1, 1.1, 'float32', 1);
    const loss = (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(kdeHistogram(a as tf.Tensor1D, { edges: EDGES, bandwidth: { relative: 0.5 }, weights: b as tf.Tensor1D, kernel }), v)) as tf.Scalar;
    return { step: forwardBackward(loss, [x, w]), inputs: [x, w, v] };
  }
  const z = tf.randomNormal([n, K], 0, 1, 'float32', 3);
  const loss = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(softmaxHistogram(a as tf.Tensor2D, { temperature: 0.5, weights: b as tf.Tensor1D }), v)) as tf.Scalar;
  return { step: forwardBackward(loss, [z, w]), inputs: [z, w, v] };
}

/** An MLP 3-100-100-10 training-step gradient (all 6 parameter tensors) at batch `n`. */
function mlpStep(n: number): { step: () => void; inputs: tf.Tensor[] } {
  const x = tf.randomNormal([n, 3], 0, 1, 'float32', 4);
  const sizes = [3, 100, 100, K];
  const params: tf.Tensor[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    params.push(tf.randomNormal([sizes[l], sizes[l + 1]], 0, Math.sqrt(2 / sizes[l]), 'float32', 10 + l), tf.zeros([sizes[l + 1]]));
  }
  const loss = (...p: tf.Tensor[]) => {
    let h: tf.Tensor = x;
    for (let l = 0; l < 3; l++) {
      h = tf.add(tf.matMul(h, p[2 * l]), p[2 * l + 1]);
      if (l < 2) h = tf.relu(h);
    }
    const counts = softmaxHistogram(h as tf.Tensor2D, { temperature: 1 });
    return tf.div(tf.sum(tf.square(counts)), n * n) as tf.Scalar;
  };
  return { step: forwardBackward(loss, params), inputs: [x, ...params] };
}

/**
 * Runs the benchmark (see the module comment) and returns one row per timing.
 *
 * @example
 * ```ts
 * for (const r of await runOpsBench()) console.log(r.op, r.backend, r.n, r.forwardBackwardMs);
 * ```
 */
export async function runOpsBench(options: OpsBenchOptions = {}): Promise<OpsBenchRow[]> {
  const repeat = options.repeat ?? 5;
  const sizes = options.sizes ?? [1e4, 1e5, 1e6];
  const batches = options.batches ?? [2000, 10000];
  const cpuLimitMs = options.cpuLimitMs ?? 10_000;
  const log = options.log ?? (() => {});
  const previousBackend = tf.engine().backendName as string | null;
  const wasFast = isFastBatchMatMulGradientRegistered();
  const rows: OpsBenchRow[] = [];
  const add = (row: OpsBenchRow) => {
    rows.push(row);
    log(`${row.op.padEnd(56)} ${row.backend.padEnd(5)} ${String(row.n).padStart(8)}  ${row.forwardBackwardMs === null ? 'skipped' : `${row.forwardBackwardMs.toFixed(2)} ms`}${row.note ? `  (${row.note})` : ''}`);
  };
  try {
    for (const backend of ['wasm', 'cpu'] as const) {
      await initBackend({ request: backend, log: () => {} });
      for (const op of ['kdeHistogram gaussian', 'kdeHistogram logistic', 'softmaxHistogram'] as const) {
        let previous: { n: number; ms: number } | undefined;
        for (const n of sizes) {
          const expected = previous ? (previous.ms * n) / previous.n : 0;
          if (backend === 'cpu' && expected > cpuLimitMs) {
            add({ op, backend, n, forwardBackwardMs: null, note: `skipped: ~${(expected / 1000).toFixed(0)} s per call expected from n = ${previous!.n}` });
            continue;
          }
          const { step, inputs } = histogramStep(op, n);
          try {
            const ms = timeMs(step, repeat);
            previous = { n, ms };
            add({ op, backend, n, forwardBackwardMs: ms });
          } finally {
            tf.dispose(inputs);
          }
        }
      }
    }
    await initBackend({ request: 'wasm', log: () => {} });
    for (const n of batches) {
      const { step, inputs } = mlpStep(n);
      try {
        restoreBatchMatMulGradient();
        const slow = timeMs(step, repeat);
        add({ op: 'mlp 3-100-100-10 step, tfjs BatchMatMul gradient', backend: 'wasm', n, forwardBackwardMs: slow });
        registerFastBatchMatMulGradient();
        const fast = timeMs(step, repeat);
        add({ op: 'mlp 3-100-100-10 step, fast BatchMatMul gradient', backend: 'wasm', n, forwardBackwardMs: fast, note: `${(slow / fast).toFixed(1)}x faster` });
      } finally {
        tf.dispose(inputs);
      }
    }
  } finally {
    if (wasFast) registerFastBatchMatMulGradient();
    else restoreBatchMatMulGradient();
    if (previousBackend) await tf.setBackend(previousBackend);
  }
  return rows;
}
