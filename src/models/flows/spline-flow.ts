/**
 * Neural spline flow (Durkan et al. 2019, arXiv:1906.04015): coupling layers whose elementwise
 * transform is a monotone rational-quadratic spline on [-B, B] with identity tails (see
 * `rational-quadratic.ts`), its 3K - 1 parameters per coordinate produced by the conditioner.
 *
 * The spline acts on standardised coordinates, so the default B = 4 covers ±4 standard
 * deviations of the training data; outside, the layer is the identity. With d = 1 the layers
 * are context-only splines (learned constants without context), which already model
 * multimodal one-dimensional densities.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CouplingFlow, couplingConfig, type CouplingFlowOptions, type CouplingTransform } from './coupling.js';
import type { Flow, SplineConfig } from './flow.js';
import { rationalQuadraticSpline } from './rational-quadratic.js';

export interface SplineFlowOptions extends CouplingFlowOptions {
  /** Bins K >= 2; default 8. */
  readonly bins?: number;
  /** Half-width B of the spline interval (standardised units); default 4. */
  readonly bound?: number;
  /** Minimum bin width and height as fractions of 2B; default 1e-3. */
  readonly minBinWidth?: number;
  readonly minBinHeight?: number;
  /** Minimum interior derivative; default 1e-3. */
  readonly minDerivative?: number;
}

/**
 * The rational-quadratic transform of one coupling layer, params [N, m, 3K - 1].
 *
 * @example
 * ```ts
 * const t = splineTransform({ bins: 8, bound: 4, minBinWidth: 1e-3, minBinHeight: 1e-3, minDerivative: 1e-3 }); // t.paramsPerDim === 23
 * ```
 */
export function splineTransform(config: Pick<SplineConfig, 'bins' | 'bound' | 'minBinWidth' | 'minBinHeight' | 'minDerivative'>): CouplingTransform {
  const { bins, bound, minBinWidth, minBinHeight, minDerivative } = config;
  const apply = (inputs: tf.Tensor2D, params: tf.Tensor3D, inverse: boolean) => {
    const { outputs, logDet } = rationalQuadraticSpline(inputs, params, { bins, bound, minBinWidth, minBinHeight, minDerivative, inverse });
    return { out: outputs, logDet: tf.sum(logDet, 1) as tf.Tensor1D };
  };
  return {
    paramsPerDim: 3 * bins - 1,
    toLatent: (u, params) => apply(u, params, false),
    toData: (z, params) => apply(z, params, true),
  };
}

/**
 * The validated configuration of a neural spline flow (defaults filled in).
 *
 * @example
 * ```ts
 * splineConfig({ dim: 2, layers: 4, hidden: 32, seed: 1 }); // { ..., bins: 8, bound: 4, ... }
 * ```
 */
export function splineConfig(options: SplineFlowOptions, where = 'createNeuralSplineFlow'): SplineConfig {
  const common = couplingConfig(options, where);
  const bins = options.bins ?? 8;
  if (typeof bins !== 'number' || !Number.isInteger(bins) || bins < 2) throw new RangeError(`${where}: bins must be an integer >= 2, got ${String(bins)}`);
  const positive = (value: unknown, name: string, below?: number): number => {
    if (typeof value !== 'number' || !Number.isFinite(value) || !(value > 0) || (below !== undefined && !(value < below))) {
      throw new RangeError(`${where}: ${name} must be a finite number > 0${below !== undefined ? ` and < ${below}` : ''}, got ${String(value)}`);
    }
    return value;
  };
  const bound = positive(options.bound ?? 4, 'bound');
  const minBinWidth = positive(options.minBinWidth ?? 1e-3, 'minBinWidth', 1 / bins);
  const minBinHeight = positive(options.minBinHeight ?? 1e-3, 'minBinHeight', 1 / bins);
  const minDerivative = positive(options.minDerivative ?? 1e-3, 'minDerivative', 1);
  return { ...common, bins, bound, minBinWidth, minBinHeight, minDerivative };
}

/**
 * A neural spline flow with `layers` rational-quadratic couplings (see the module comment),
 * weights initialised from `seed`.
 *
 * @example
 * ```ts
 * const flow = createNeuralSplineFlow({ dim: 1, layers: 2, hidden: 16, bins: 8, seed: 1 });
 * ```
 */
export function createNeuralSplineFlow(options: SplineFlowOptions): Flow {
  const config = splineConfig(options);
  return new CouplingFlow('spline', config, splineTransform(config), options.seed, options.init ?? 'identity', options.standardisation);
}
