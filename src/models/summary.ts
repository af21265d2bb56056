/**
 * What every summary model is: a function of events x [N, d] to a score [N, 1] in (0, 1)
 * (binned by a KDE histogram) or K logits [N, K] (binned by softmax), with trainable variables.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The output of a summary: one score or K logits. */
export type SummaryOutput = { readonly kind: 'score' } | { readonly kind: 'logits'; readonly bins: number };

/** Input standardisation `(x - mean) / std`, fitted on training data and saved with the model. */
export interface Standardisation {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** A summary model. */
export interface Summary {
  readonly inputDim: number;
  readonly output: SummaryOutput;
  /** Names of the input columns (x0, x1, ... by default); `apply` reads them in this order. */
  readonly inputNames: readonly string[];
  /** Raw events [N, inputDim] -> scores [N, 1] or logits [N, K]. */
  apply(x: tf.Tensor2D): tf.Tensor2D;
  /** The variables an optimiser updates, in a fixed order. */
  trainableVariables(): tf.Variable[];
  dispose(): void;
}

/**
 * Per-column mean and standard deviation of `x` [N, d] (float64 accumulation); a column with
 * zero spread gets std 1.
 *
 * @example
 * ```ts
 * fitStandardisation(Float32Array.from([1, 10, 3, 30]), 2); // { mean: [2, 20], std: [1, 10] }
 * ```
 */
export function fitStandardisation(x: ArrayLike<number>, dim: number): Standardisation {
  if (!Number.isInteger(dim) || dim < 1) throw new RangeError(`fitStandardisation: dim must be a positive integer, got ${dim}`);
  if (x.length === 0 || x.length % dim !== 0) throw new RangeError(`fitStandardisation: x has ${x.length} values, not a positive multiple of dim ${dim}`);
  const n = x.length / dim;
  const mean = new Array<number>(dim).fill(0);
  const sq = new Array<number>(dim).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += x[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) sq[j] += (x[i * dim + j] - mean[j]) ** 2;
  const std = sq.map((s) => {
    const v = Math.sqrt(s / n);
    return v > 0 && Number.isFinite(v) ? v : 1;
  });
  return { mean, std };
}

/** Default input names x0, x1, ... */
export function defaultInputNames(dim: number): string[] {
  return Array.from({ length: dim }, (_, i) => `x${i}`);
}
