/**
 * The `bce-augmented` arm: systematic-robust training by data augmentation. The classifier is
 * trained with the balanced binary cross-entropy (batch.ts {@link balancedBce}) on events whose
 * nuisances are drawn from their priors afresh for every batch (per group of events, see
 * batch.ts): the raw events go through the differentiable nuisance transform at the drawn values
 * (for the challenge problem: `challengeFeaturesTensor` at TES, JES, soft MET), so the classifier
 * sees the whole prior range rather than the nominal point only. Its output is then binned and the
 * nuisances profiled in the fit like the nominal `bce` classifier.
 *
 * In the limit of many steps this minimises the prior-averaged BCE
 * `E_{z ~ N(0, 1)} [L_BCE(f; events at z)]`, whose minimiser is the classifier of the
 * prior-marginal signal and background densities, `p_s(x) / (p_s(x) + p_b(x))` with
 * `p(x) = integral p(x | z) N(z) dz` (class-balanced).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../../stats/errors.js';
import type { OptimizerConfig } from '../optimizers.js';
import type { Summary } from '../summary.js';
import { ArmBatchSource, balancedBce, runArmSteps, type ArmBatch, type ArmBatchOptions, type ArmSample, type ArmStepRecord, type NuisanceTransform } from './batch.js';

/** Options of {@link trainAugmentedBce}. */
export interface AugmentedBceOptions extends ArmBatchOptions {
  readonly steps: number;
  readonly seed: number | string;
  /** Default Adam at 1e-3. */
  readonly optimizer?: OptimizerConfig;
}

/**
 * The augmented BCE of a score summary on a batch (nuisances already drawn and applied).
 *
 * @example
 * ```ts
 * const loss = augmentedBceLoss(mlp, source.draw());
 * ```
 */
export function augmentedBceLoss(summary: Summary, batch: ArmBatch): tf.Scalar {
  return balancedBce(summary, batch).loss;
}

/**
 * Trains a score summary by the augmented BCE for `steps` optimiser steps (see the module
 * comment) and returns the per-step losses.
 *
 * @throws InputError naming the option for a logits summary or bad samples / batch options;
 *   NumericalError naming the step when the loss or a gradient is not finite.
 * @example
 * ```ts
 * const history = trainAugmentedBce(mlp, samples, challengeTransform, { nuisances: ['tes', 'jes', 'softMet'], batch: 256, steps: 500, seed: 1 });
 * history.at(-1)!.bce; // the BCE of the last batch
 * ```
 */
export function trainAugmentedBce(summary: Summary, samples: readonly ArmSample[], transform: NuisanceTransform, options: AugmentedBceOptions): ArmStepRecord[] {
  if (summary.output.kind !== 'score') throw new InputError('argument', 'bce-augmented summary', 'needs a score output (one sigmoid unit)');
  const source = new ArmBatchSource(samples, transform, options, options.seed);
  const optimizer = options.optimizer ?? { kind: 'adam', schedule: { kind: 'constant', learningRate: 1e-3 } };
  return runArmSteps(source, [{ variables: summary.trainableVariables(), optimizer }], options.steps, (b) => {
    const loss = augmentedBceLoss(summary, b);
    return { value: loss, record: { bce: loss } };
  }, 'bce-augmented');
}
