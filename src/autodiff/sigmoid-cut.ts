/**
 * The sigmoid (soft) cut: for cut-and-count analyses the hard selection `x_i > t` is replaced
 * by a pass weight that varies smoothly with x and with the threshold t:
 *
 * `s_i = w_i sigma((x_i - t) / tau)` (keep 'above') or `s_i = w_i sigma((t - x_i) / tau)`
 * (keep 'below'), with `sigma(u) = 1 / (1 + exp(-u))`, and the soft yield `n = sum_i s_i`.
 *
 * As tau -> 0 this is the hard cut (an event exactly at the threshold counts 1/2); at every tau
 * the 'above' and 'below' weights add up to w_i. Differentiable in x, w and, when it is given as
 * a scalar tensor, the threshold: with `q = sigma(u)`, `ds_i/dx_i = ±(w_i / tau) q (1 - q)` and
 * `dn/dt = -sum_i ds_i/dx_i`.
 *
 * Shapes: x [N], w [N], t scalar -> pass weights [N]; soft count: scalar.
 */
import * as tf from '@tensorflow/tfjs-core';
import { stagedSum } from './staged-sum.js';

/** Which side of the threshold passes. */
export type CutSide = 'above' | 'below';

export interface SigmoidCutOptions {
  /** The cut value t: a number, or a scalar tensor to differentiate with respect to it. */
  readonly threshold: number | tf.Scalar;
  /** Softness tau > 0, in the units of x: smaller is harder. */
  readonly temperature: number;
  /** Default 'above' (events with x > t pass). */
  readonly keep?: CutSide;
  /** Per-event weights [N]; default 1. */
  readonly weights?: tf.Tensor1D;
}

function validate(fn: string, x: tf.Tensor, o: SigmoidCutOptions): void {
  if (x.rank !== 1) throw new RangeError(`${fn}: x must have rank 1 [N], got shape [${x.shape}]`);
  const t = o.threshold;
  if (typeof t === 'number') {
    if (!Number.isFinite(t)) throw new RangeError(`${fn}: threshold must be finite, got ${t}`);
  } else if (t.rank !== 0) {
    throw new RangeError(`${fn}: threshold must be a number or a scalar tensor, got shape [${t.shape}]`);
  }
  const tau = o.temperature;
  if (!(tau > 0) || !Number.isFinite(tau)) throw new RangeError(`${fn}: temperature must be positive and finite, got ${tau}`);
  if (o.keep !== undefined && o.keep !== 'above' && o.keep !== 'below') throw new RangeError(`${fn}: keep must be 'above' or 'below', got ${String(o.keep)}`);
  if (o.weights && (o.weights.rank !== 1 || o.weights.shape[0] !== x.shape[0])) {
    throw new RangeError(`${fn}: weights must have shape [${x.shape[0]}], got [${o.weights.shape}]`);
  }
}

function passWeights(x: tf.Tensor1D, o: SigmoidCutOptions): tf.Tensor1D {
  return tf.tidy(() => {
    const sign = o.keep === 'below' ? -1 : 1;
    const p = tf.sigmoid(tf.mul(tf.sub(x, o.threshold), sign / o.temperature));
    return (o.weights ? tf.mul(p, o.weights) : p) as tf.Tensor1D;
  });
}

/**
 * Per-event soft pass weights of a cut on `x` (see the module comment).
 *
 * @example
 * ```ts
 * const t = tf.scalar(0.7);
 * const pass = sigmoidCut(scores, { threshold: t, temperature: 0.02, weights }); // [N]
 * ```
 */
export function sigmoidCut(x: tf.Tensor1D, options: SigmoidCutOptions): tf.Tensor1D {
  validate('sigmoidCut', x, options);
  return passWeights(x, options);
}

/**
 * The soft yield `sum_i w_i sigma(±(x_i - t) / tau)` of a cut (see the module comment); the sum
 * is a {@link stagedSum}, accurate for millions of events on wasm.
 *
 * @example
 * ```ts
 * const t = tf.variable(tf.scalar(0.5));
 * const [dt] = tf.grads((c: tf.Tensor) => softCount(scores, { threshold: c as tf.Scalar, temperature: 0.05 }))([t]);
 * ```
 */
export function softCount(x: tf.Tensor1D, options: SigmoidCutOptions): tf.Scalar {
  validate('softCount', x, options);
  return tf.tidy(() => stagedSum(passWeights(x, options)));
}

/**
 * The hard cut's weighted count in float64 JS (the tau -> 0 limit of {@link softCount}): events
 * with x > t ('above') or x < t ('below') count w_i, events exactly at t count w_i / 2.
 *
 * @example
 * ```ts
 * hardCutCount([0.2, 0.5, 0.9], { threshold: 0.5 }); // 1.5
 * ```
 */
export function hardCutCount(x: ArrayLike<number>, options: { readonly threshold: number; readonly keep?: CutSide; readonly weights?: ArrayLike<number> }): number {
  const { threshold: t, weights } = options;
  if (weights && weights.length !== x.length) throw new RangeError(`hardCutCount: weights must have length ${x.length}, got ${weights.length}`);
  const sign = options.keep === 'below' ? -1 : 1;
  let n = 0;
  for (let i = 0; i < x.length; i++) {
    const d = sign * (x[i] - t);
    const pass = d > 0 ? 1 : d === 0 ? 0.5 : 0;
    n += pass * (weights ? weights[i] : 1);
  }
  return n;
}
