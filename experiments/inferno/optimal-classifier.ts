/**
 * The optimal classifier of the INFERNO problem as a fixed summary: the score
 * `s*(x) = f_s(x) / (f_s(x) + f_b(x | r, lambda)) = sigmoid(ln f_s - ln f_b)` (eq. 14 of
 * arXiv:1806.04743), evaluated at fixed background parameters (default: the nominal point).
 * It has no trainable variables; binned in 10 equal score bins it is the paper's "Optimal
 * classifier" row of Table 2.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../../src/stats/errors.js';
import type { Summary, SummaryOutput } from '../../src/models/summary.js';
import { INFERNO_NOMINAL, infernoLogRatio } from '../simulators/inferno.js';

/**
 * The optimal classifier `s*(x | r, lambda)`: events [N, 3] -> scores [N, 1] in [0, 1].
 *
 * @example
 * ```ts
 * const clf = new InfernoOptimalClassifier();            // at r = 2, lambda = 3
 * evaluateInferno(clf, 0, { events: 100_000 }).sigmaFisher; // about 14.99
 * ```
 */
export class InfernoOptimalClassifier implements Summary {
  readonly inputDim = 3;
  readonly output: SummaryOutput = { kind: 'score' };
  readonly inputNames: readonly string[] = ['x0', 'x1', 'x2'];
  readonly r: number;
  readonly lambda: number;

  constructor(r: number = INFERNO_NOMINAL.r, lambda: number = INFERNO_NOMINAL.lambda) {
    if (!Number.isFinite(r)) throw new InputError('argument', 'InfernoOptimalClassifier r', `must be finite, got ${r}`);
    if (!(lambda > 0) || !Number.isFinite(lambda)) throw new InputError('argument', 'InfernoOptimalClassifier lambda', `must be positive and finite, got ${lambda}`);
    this.r = r;
    this.lambda = lambda;
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.reshape(tf.sigmoid(infernoLogRatio(x, this.r, this.lambda)), [-1, 1]) as tf.Tensor2D);
  }

  trainableVariables(): tf.Variable[] {
    return [];
  }

  dispose(): void {}
}
