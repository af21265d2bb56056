/**
 * RealNVP (Dinh et al. 2017, arXiv:1605.08803): affine coupling layers.
 *
 * On the transformed block, density direction: `z_B = u_B * exp(s) + t`,
 * `log|det| = sum_B s`, with `[raw_s, t] = theta([u_A, c'])` and the log-scale bounded by a
 * scaled tanh, `s = S tanh(raw_s / S)` (S = `scaleBound`, default 2), so one layer scales by at
 * most e^S and a bad step cannot blow up. Sampling: `u_B = (z_B - t) * exp(-s)`.
 *
 * With d = 1 every layer is affine in x with parameters that depend on the context only, so an
 * unconditional one-dimensional RealNVP is a Gaussian; use the spline flow for
 * one-dimensional shapes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CouplingFlow, couplingConfig, type CouplingFlowOptions, type CouplingTransform } from './coupling.js';
import type { Flow, RealNvpConfig } from './flow.js';

export interface RealNvpOptions extends CouplingFlowOptions {
  /** Bound S of the per-layer log-scale, > 0; default 2. */
  readonly scaleBound?: number;
}

/**
 * The affine transform of one coupling layer, params [N, m, 2] = (raw_s, t).
 *
 * @example
 * ```ts
 * const { out, logDet } = affineTransform(2).toLatent(u, params); // [N, m], [N]
 * ```
 */
export function affineTransform(scaleBound: number): CouplingTransform {
  // (raw_s, t) picked by [2, 1] matmuls: the cpu backend slices the last axis element by element
  const split = (params: tf.Tensor3D) => {
    const [n, m] = params.shape;
    const flat = tf.reshape(params, [n * m, 2]) as tf.Tensor2D;
    const raw = tf.reshape(tf.matMul(flat, tf.tensor2d([1, 0], [2, 1])), [n, m]);
    const s = tf.mul(tf.tanh(tf.div(raw, scaleBound)), scaleBound) as tf.Tensor2D;
    const t = tf.reshape(tf.matMul(flat, tf.tensor2d([0, 1], [2, 1])), [n, m]) as tf.Tensor2D;
    return { s, t };
  };
  return {
    paramsPerDim: 2,
    toLatent: (u, params) => {
      const { s, t } = split(params);
      return { out: tf.add(tf.mul(u, tf.exp(s)), t) as tf.Tensor2D, logDet: tf.sum(s, 1) as tf.Tensor1D };
    },
    toData: (z, params) => {
      const { s, t } = split(params);
      return { out: tf.mul(tf.sub(z, t), tf.exp(tf.neg(s))) as tf.Tensor2D, logDet: tf.neg(tf.sum(s, 1)) as tf.Tensor1D };
    },
  };
}

/**
 * The validated configuration of a RealNVP (defaults filled in).
 *
 * @example
 * ```ts
 * realNvpConfig({ dim: 2, layers: 4, hidden: 32, seed: 1 }); // { ..., depth: 2, scaleBound: 2 }
 * ```
 */
export function realNvpConfig(options: RealNvpOptions, where = 'createRealNvp'): RealNvpConfig {
  const common = couplingConfig(options, where);
  const scaleBound = options.scaleBound ?? 2;
  if (typeof scaleBound !== 'number' || !(scaleBound > 0) || !Number.isFinite(scaleBound)) throw new RangeError(`${where}: scaleBound must be a finite number > 0, got ${String(scaleBound)}`);
  return { ...common, scaleBound };
}

/**
 * A RealNVP flow with `layers` affine couplings and tanh MLP conditioners (see the module
 * comment), weights initialised from `seed`.
 *
 * @example
 * ```ts
 * const flow = createRealNvp({ dim: 2, layers: 6, hidden: 32, seed: 1 });
 * const conditional = createRealNvp({ dim: 1, contextDim: 1, layers: 3, hidden: 16, seed: 2 });
 * ```
 */
export function createRealNvp(options: RealNvpOptions): Flow {
  const config = realNvpConfig(options);
  return new CouplingFlow('realnvp', config, affineTransform(config.scaleBound), options.seed, options.init ?? 'identity', options.standardisation);
}
