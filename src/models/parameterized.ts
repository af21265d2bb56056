/**
 * The `parameterized` arm of issue 12: a classifier `f(x; z)` that takes the standardised shape
 * nuisances `z` as extra inputs (Cranmer, Pavez, Louppe, arXiv:1506.02169; Baldi et al.,
 * arXiv:1601.07913), trained over their priors, and evaluated at fixed nuisance values.
 *
 * The network is an MLP (mlp.ts) on `[x, z]` (d features, then k nuisances); the features are
 * standardised like the analysis's summary, the nuisances enter as they are (they are already
 * N(0, 1) in their standardised form: mean 0, std 1 in the MLP's standardisation).
 * {@link ParameterizedSummary} wraps it as a drop-in {@link Summary} of the d features: `apply(x)`
 * evaluates `f(x; z_at)` at its current values `z_at` (default all 0, the nominal), and
 * {@link ParameterizedSummary.at} gives a view at other values that shares the weights — what a
 * binned likelihood "at the fitted nuisances" fills its templates with.
 *
 * Training ({@link trainParameterized}): the balanced binary cross-entropy (arms/batch.ts
 * `balancedBce`) on nuisance-augmented batches, each event's drawn z (`ArmBatch.parts[].z`) as
 * its extra input, several draws per batch (groups) so one step sees z vary; the nuisance inputs'
 * first-layer weights start at zero ({@link createParameterizedSummary}). In the limit this
 * minimises `E_z[L_BCE(f(.; z); events at z)]`, whose minimiser is the per-z Bayes classifier
 * `f*(x; z) = p_s(x | z) / (p_s(x | z) + p_b(x | z))` (class-balanced) — unlike `bce-augmented`,
 * whose minimiser is the classifier of the prior-marginal densities.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../stats/errors.js';
import { ArmBatchSource, balancedBce, runArmSteps, type ArmBatch, type ArmBatchOptions, type ArmSample, type ArmStepRecord, type NuisanceTransform } from './arms/batch.js';
import { createMlp, type MlpOptions, type MlpSummary } from './mlp.js';
import type { OptimizerConfig } from './optimizers.js';
import type { Summary, SummaryOutput } from './summary.js';

/**
 * A classifier `f(x; z)` of d features parameterised by k standardised nuisances (see the
 * module comment): a {@link Summary} of the d features evaluated at fixed `z` ({@link atValues}).
 */
export class ParameterizedSummary implements Summary {
  /** d: the features only (`apply` takes [N, d]). */
  readonly inputDim: number;
  readonly output: SummaryOutput;
  /** The features (the network's first d inputs). */
  readonly inputNames: readonly string[];
  /** The nuisances (the network's last k inputs), in the network's order. */
  readonly nuisanceNames: readonly string[];
  /** The standardised nuisance values `apply` evaluates at, in {@link nuisanceNames} order. */
  readonly atValues: readonly number[];
  private readonly z: tf.Tensor2D;

  /**
   * Wraps an MLP on `[x, z]` whose last `nuisanceNames.length` inputs are the nuisances.
   * `owner` (default true): whether {@link dispose} releases the network (a view made by
   * {@link at} does not own it).
   *
   * @throws InputError when the network's inputs do not end with the nuisances or `at` is not
   *   one finite value per nuisance.
   */
  constructor(
    readonly network: MlpSummary,
    nuisanceNames: readonly string[],
    at?: readonly number[],
    private readonly owner = true,
  ) {
    const k = nuisanceNames.length;
    const d = network.inputDim - k;
    if (k < 1 || d < 1) throw new InputError('argument', 'parameterized summary', `needs at least one feature and one nuisance, the network has ${network.inputDim} inputs and ${k} nuisances`);
    if (new Set(nuisanceNames).size !== k) throw new InputError('argument', 'parameterized summary nuisances', `must be distinct, got [${nuisanceNames.join(', ')}]`);
    const tail = network.inputNames.slice(d);
    if (tail.join('\u0000') !== nuisanceNames.join('\u0000')) throw new InputError('argument', 'parameterized summary', `the network's last ${k} inputs are [${tail.join(', ')}], not the nuisances [${nuisanceNames.join(', ')}]`);
    const values = at ?? new Array<number>(k).fill(0);
    if (values.length !== k || !values.every(Number.isFinite)) throw new InputError('argument', 'parameterized summary at', `needs ${k} finite values (${nuisanceNames.join(', ')}), got [${values.join(', ')}]`);
    this.inputDim = d;
    this.output = network.output;
    this.inputNames = network.inputNames.slice(0, d);
    this.nuisanceNames = [...nuisanceNames];
    this.atValues = [...values];
    this.z = tf.keep(tf.tensor2d([...values], [1, k]));
  }

  /** Raw events [N, d] -> `f(x; z_at)` [N, 1] (or logits [N, K]). */
  apply(x: tf.Tensor2D): tf.Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.inputDim) throw new RangeError(`ParameterizedSummary.apply: x must have shape [N, ${this.inputDim}], got [${x.shape}]`);
    return tf.tidy(() => this.network.apply(tf.concat([x, tf.tile(this.z, [x.shape[0], 1])], 1) as tf.Tensor2D));
  }

  /**
   * Raw events [N, d] and per-event standardised nuisances [N, k] -> `f(x_i; z_i)`.
   *
   * @example
   * ```ts
   * const scores = summary.applyAt(x, z); // z [N, 3]: tes, jes, softMet per event
   * ```
   */
  applyAt(x: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor2D {
    const k = this.nuisanceNames.length;
    if (z.rank !== 2 || z.shape[1] !== k || z.shape[0] !== x.shape[0]) throw new RangeError(`ParameterizedSummary.applyAt: z must have shape [${x.shape[0]}, ${k}], got [${z.shape}]`);
    return tf.tidy(() => this.network.apply(tf.concat([x, z], 1) as tf.Tensor2D));
  }

  /**
   * A view evaluating at fixed standardised nuisances `z` (names not given: 0, the nominal),
   * sharing this summary's weights: training either moves both, and disposing the view leaves
   * the weights alone. The binned likelihood at fitted values `z_hat` fills its templates and
   * data with `summary.at(z_hat)`. A view is usable while the summary owning the weights is
   * (disposing that one releases them).
   *
   * @throws InputError naming an unknown nuisance or a non-finite value.
   * @example
   * ```ts
   * const view = summary.at({ tes: 0.4, jes: -1.2, softMet: 0.1 });
   * const scores = view.apply(x); // f(x; z) at those values
   * view.dispose();
   * ```
   */
  at(z: Readonly<Record<string, number>>): ParameterizedSummary {
    for (const [name, v] of Object.entries(z)) {
      if (!this.nuisanceNames.includes(name)) throw new InputError('argument', `parameterized summary at(${name})`, `"${name}" is not a nuisance of the summary (expected ${this.nuisanceNames.join(', ')})`);
      if (!Number.isFinite(v)) throw new InputError('argument', `parameterized summary at(${name})`, `must be finite, got ${v}`);
    }
    return new ParameterizedSummary(this.network, this.nuisanceNames, this.nuisanceNames.map((n) => z[n] ?? 0), false);
  }

  /** The network's variables (shared with every view). */
  trainableVariables(): tf.Variable[] {
    return this.network.trainableVariables();
  }

  /** Releases the fixed-z tensor, and the network when this summary owns it (not a view). */
  dispose(): void {
    this.z.dispose();
    if (this.owner) this.network.dispose();
  }
}

/**
 * A parameterized summary with fresh seeded weights that start as the MLP of `base` for every z:
 * the network is `base`'s (hidden layers, activation, output, seed, feature standardisation and
 * names) with the k nuisances appended to its inputs (standardisation mean 0, std 1: they are
 * standardised already); its initial weights are those `createMlp(base)` draws, the first
 * layer's kernel extended by k zero rows. So `f(x; z) = f_base(x)` at initialisation and any
 * dependence on z is learned from the training events, not inherited from random weights (with
 * Glorot-random z rows, 60 challenge steps left the score moving by 0.06 per 2 sigma of TES
 * where the physics moves it by 0.01). Evaluated at z = 0.
 *
 * @throws InputError for bad MLP options, no nuisances, or a nuisance named like a feature.
 * @example
 * ```ts
 * const base = createAnalysisSummary(compiled);
 * const summary = createParameterizedSummary(base.options, ['tes', 'jes', 'softMet']);
 * base.dispose();
 * ```
 */
export function createParameterizedSummary(base: MlpOptions, nuisances: readonly string[]): ParameterizedSummary {
  if (nuisances.length === 0) throw new InputError('argument', 'parameterized summary nuisances', 'is empty');
  const names = base.inputNames ?? Array.from({ length: base.inputDim }, (_, i) => `x${i}`);
  const clash = nuisances.find((n) => names.includes(n));
  if (clash !== undefined) throw new InputError('argument', 'parameterized summary nuisances', `"${clash}" is also a feature name`);
  const k = nuisances.length;
  const st = base.standardisation ?? { mean: new Array<number>(base.inputDim).fill(0), std: new Array<number>(base.inputDim).fill(1) };
  const start = createMlp(base);
  const network = createMlp({
    ...base,
    inputDim: base.inputDim + k,
    standardisation: { mean: [...st.mean, ...new Array<number>(k).fill(0)], std: [...st.std, ...new Array<number>(k).fill(1)] },
    inputNames: [...names, ...nuisances],
  });
  try {
    const from = start.trainableVariables();
    network.trainableVariables().forEach((v, i) => {
      tf.tidy(() => v.assign(i === 0 ? tf.concat([from[0], tf.zeros([k, v.shape[1]!])], 0) : from[i]));
    });
  } finally {
    start.dispose();
  }
  return new ParameterizedSummary(network, nuisances);
}

/** Options of {@link trainParameterized}; `nuisances` must be the summary's, in its order. */
export interface ParameterizedTrainOptions extends ArmBatchOptions {
  readonly steps: number;
  readonly seed: number | string;
  /** Default Adam at 1e-3. */
  readonly optimizer?: OptimizerConfig;
}

/**
 * The balanced BCE of `f(x; z)` on an augmented batch, each event at its own drawn z:
 * `balancedBce` of the network on the parts' inputs `[x, z]`.
 *
 * @example
 * ```ts
 * const loss = parameterizedBceLoss(summary, source.draw());
 * ```
 */
export function parameterizedBceLoss(summary: ParameterizedSummary, batch: ArmBatch): tf.Scalar {
  return tf.tidy(() => {
    const parts = batch.parts.map((p) => ({ ...p, x: tf.concat([p.x, p.z], 1) as tf.Tensor2D }));
    return balancedBce(summary.network, { parts, draws: batch.draws }).loss;
  });
}

/**
 * Trains a parameterized score summary for `steps` optimiser steps of
 * {@link parameterizedBceLoss} on batches of `samples` with nuisances drawn per group
 * (`options.groups`; use more than 1 so a step sees several z) and returns the per-step losses.
 * The summary's `at` values are not used in training.
 *
 * @throws InputError naming the option for a logits summary, nuisances other than the
 *   summary's, or bad samples / batch options; NumericalError naming the step when the loss or a
 *   gradient is not finite.
 * @example
 * ```ts
 * const history = trainParameterized(summary, samples, challengeArmTransform, { nuisances: ['tes', 'jes', 'softMet'], batch: 256, groups: 8, steps: 500, seed: 1 });
 * ```
 */
export function trainParameterized(summary: ParameterizedSummary, samples: readonly ArmSample[], transform: NuisanceTransform, options: ParameterizedTrainOptions): ArmStepRecord[] {
  if (summary.output.kind !== 'score') throw new InputError('argument', 'parameterized summary', 'needs a score output (one sigmoid unit)');
  if (options.nuisances.join('\u0000') !== summary.nuisanceNames.join('\u0000')) {
    throw new InputError('argument', 'parameterized training nuisances', `must be the summary's [${summary.nuisanceNames.join(', ')}] in that order, got [${options.nuisances.join(', ')}]`);
  }
  const source = new ArmBatchSource(samples, transform, options, options.seed);
  const optimizer = options.optimizer ?? { kind: 'adam', schedule: { kind: 'constant', learningRate: 1e-3 } };
  return runArmSteps(source, [{ variables: summary.trainableVariables(), optimizer }], options.steps, (b) => {
    const loss = parameterizedBceLoss(summary, b);
    return { value: loss, record: { bce: loss } };
  }, 'parameterized');
}
