/**
 * The `pivot` arm (Louppe, Kagan & Cranmer, "Learning to Pivot with Adversarial Networks",
 * arXiv:1611.01046): a classifier f whose output is made independent of the nuisances by an
 * adversary r that tries to predict the nuisance values from f's output.
 *
 * Losses on a batch of nuisance-augmented events (batch.ts: the nuisances z drawn from their
 * N(0, 1) priors per group of events and applied by the differentiable transform):
 * - the classifier's `L_f`: the balanced BCE ({@link balancedBce});
 * - the adversary's `L_r`: a Gaussian regression of z on the score, `r: f(x) -> R^k`,
 *   `L_r = sum_i w_i (1/k) sum_j (r_j(f(x_i)) - z_ij)^2 / 2 / sum_i w_i` over the events of the
 *   samples the nuisances act on (`adversaryOn`) — the adversary's negative log-likelihood with
 *   unit variance, up to a constant. (The paper's adversary is a mixture density network, which
 *   also sees higher moments of p(z | f); the Gaussian one removes the dependence of the
 *   conditional mean E[z | f], which is what the linear correlation of f and z measures.)
 *   An adversary that learns nothing scores `L_r = Var(z) / 2 = 0.5`.
 *
 * The value function is `E(f, r) = L_f - lambda L_r`: f minimises it, r minimises `L_r`. Both are
 * updated in one step with a *gradient reversal* between f and r: the scalar differentiated is
 * `L_f + L_r(r(GRL_lambda(f(x))))`, where GRL_lambda is the identity whose gradient is
 * `-lambda` times the incoming one, so f's variables receive `dL_f - lambda dL_r` and r's `dL_r`;
 * each has its own optimiser, and the adversary makes K - 1 updates alone on the step's batch
 * before the joint one (the paper's K adversary steps per classifier step, default 5), after
 * optional warm-up steps at lambda = 0 (the paper pre-trains both). `lambda = 0` is the plain
 * classifier (the adversary watches only).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../../stats/errors.js';
import { createMlp, type Activation, type MlpSummary } from '../mlp.js';
import type { OptimizerConfig } from '../optimizers.js';
import type { Summary } from '../summary.js';
import { ArmBatchSource, balancedBce, runArmSteps, type ArmBatch, type ArmBatchOptions, type ArmSample, type ArmStepRecord, type NuisanceTransform } from './batch.js';

/**
 * The gradient reversal layer of strength `lambda`: the identity forward, `-lambda dy` backward.
 *
 * @example
 * ```ts
 * tf.grad((x: tf.Tensor) => tf.sum(gradientReversal(x, 2)))(tf.tensor1d([1, 2])); // [-2, -2]
 * ```
 */
export function gradientReversal<T extends tf.Tensor>(x: T, lambda: number): T {
  if (!Number.isFinite(lambda) || lambda < 0) throw new InputError('argument', 'gradientReversal lambda', `must be finite and >= 0, got ${lambda}`);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const a = args[0] as tf.Tensor;
    return { value: tf.clone(a), gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.mul(dy as tf.Tensor, -lambda) };
  });
  return op(x) as T;
}

/** The adversary's network. */
export interface PivotAdversaryOptions {
  /** Hidden layers; default [16, 16]. */
  readonly hidden?: readonly number[];
  readonly activation?: Activation;
  /** Seed of its initial weights; default 7. */
  readonly seed?: number;
}

/**
 * The adversary: an MLP from the score (one input) to `targets` linear outputs (built with
 * max(2, targets) outputs, the first `targets` used: the MLP's logits need two).
 *
 * @example
 * ```ts
 * const r = createPivotAdversary(3, { hidden: [16, 16] }); // predicts (z_tes, z_jes, z_softMet)
 * ```
 */
export function createPivotAdversary(targets: number, options: PivotAdversaryOptions = {}): MlpSummary {
  if (!Number.isInteger(targets) || targets < 1) throw new InputError('argument', 'pivot adversary targets', `must be a positive integer, got ${targets}`);
  return createMlp({ inputDim: 1, hidden: options.hidden ?? [16, 16], activation: options.activation ?? 'relu', output: { kind: 'logits', bins: Math.max(2, targets) }, seed: options.seed ?? 7 });
}

/** Options of {@link trainPivot}. */
export interface PivotOptions extends ArmBatchOptions {
  readonly steps: number;
  readonly seed: number | string;
  /** The adversary's weight in `L_f - lambda L_r` (>= 0). */
  readonly lambda: number;
  /** The nuisances the adversary predicts; default all of `nuisances`. */
  readonly targets?: readonly string[];
  /** Which events the adversary sees: all (default) or the background samples. */
  readonly adversaryOn?: 'all' | 'background';
  readonly adversary?: PivotAdversaryOptions;
  /** The classifier's optimiser; default Adam at 1e-3. */
  readonly optimizer?: OptimizerConfig;
  /** The adversary's; default the classifier's. */
  readonly adversaryOptimizer?: OptimizerConfig;
  /** Adversary updates per step (the paper's K; default 5): K - 1 alone on the batch, then the joint one. */
  readonly adversaryUpdates?: number;
  /** Steps at the start with lambda = 0 (the classifier and the adversary pre-trained, as the paper does); default 0. */
  readonly warmup?: number;
}

/**
 * The pivot's losses on a batch (see the module comment): `bce` (L_f), `adversary` (L_r) and the
 * scalar to differentiate, `L_f + L_r(r(GRL_lambda(f)))`.
 *
 * @example
 * ```ts
 * const { bce, adversary } = pivotLosses(mlp, r, batch, { lambda: 10, targets: [0, 1, 2], adversaryOn: 'all' });
 * ```
 */
export function pivotLosses(
  summary: Summary,
  adversary: Summary,
  batch: ArmBatch,
  o: { readonly lambda: number; readonly targets: readonly number[]; readonly adversaryOn: 'all' | 'background' },
): { readonly objective: tf.Scalar; readonly bce: tf.Scalar; readonly adversary: tf.Scalar } {
  const { loss: bce, scores } = balancedBce(summary, batch);
  const k = o.targets.length;
  let num: tf.Scalar = tf.scalar(0);
  let den: tf.Scalar = tf.scalar(0);
  batch.parts.forEach((p, i) => {
    if (o.adversaryOn === 'background' && p.sample.label === 1) return;
    const s = gradientReversal(tf.reshape(scores[i], [-1, 1]) as tf.Tensor2D, o.lambda);
    const pred = tf.slice(adversary.apply(s), [0, 0], [-1, k]); // (a slice: tfjs-wasm has no gradient kernel of gather)
    const z = tf.gather(p.z, o.targets as number[], 1);
    const se = tf.div(tf.sum(tf.square(tf.sub(pred, z)), 1), 2 * k);
    num = tf.add(num, tf.sum(tf.mul(p.weight, se))) as tf.Scalar;
    den = tf.add(den, tf.sum(p.weight)) as tf.Scalar;
  });
  const adv = tf.div(num, tf.maximum(den, 1e-12)) as tf.Scalar;
  return { objective: tf.add(bce, adv) as tf.Scalar, bce, adversary: adv };
}

/**
 * Trains a score summary and its adversary (see the module comment) for `steps` steps; returns
 * the per-step numbers (`loss` = `L_f - lambda L_r`, `bce`, `adversary`) and the adversary
 * (the caller disposes it).
 *
 * @throws InputError naming the option for a logits summary, a negative lambda, unknown
 *   targets or bad samples / batch options; NumericalError naming the step when a loss or a
 *   gradient is not finite.
 * @example
 * ```ts
 * const { history, adversary } = trainPivot(mlp, samples, transform, { nuisances: ['tes'], lambda: 10, batch: 256, groups: 8, steps: 500, seed: 1 });
 * adversary.dispose();
 * ```
 */
export function trainPivot(summary: Summary, samples: readonly ArmSample[], transform: NuisanceTransform, options: PivotOptions): { readonly history: ArmStepRecord[]; readonly adversary: MlpSummary } {
  if (summary.output.kind !== 'score') throw new InputError('argument', 'pivot summary', 'needs a score output (one sigmoid unit)');
  if (!Number.isFinite(options.lambda) || options.lambda < 0) throw new InputError('argument', 'pivot lambda', `must be finite and >= 0, got ${options.lambda}`);
  const names = options.targets ?? options.nuisances;
  const targets = names.map((n) => {
    const j = options.nuisances.indexOf(n);
    if (j < 0) throw new InputError('argument', 'pivot targets', `"${n}" is not among the drawn nuisances (${options.nuisances.join(', ')})`);
    return j;
  });
  const warmup = options.warmup ?? 0;
  if (!Number.isInteger(warmup) || warmup < 0) throw new InputError('argument', 'pivot warmup', `must be a non-negative integer, got ${warmup}`);
  if (targets.length === 0) throw new InputError('argument', 'pivot targets', 'is empty: the adversary needs a nuisance to predict');
  const source = new ArmBatchSource(samples, transform, options, options.seed);
  const adversary = createPivotAdversary(targets.length, options.adversary);
  const optimizer = options.optimizer ?? { kind: 'adam', schedule: { kind: 'constant', learningRate: 1e-3 } };
  try {
    const history = runArmSteps(
      source,
      [
        { variables: summary.trainableVariables(), optimizer },
        { variables: adversary.trainableVariables(), optimizer: options.adversaryOptimizer ?? optimizer, updates: options.adversaryUpdates ?? 5 },
      ],
      options.steps,
      (b, step) => {
        const lambda = step <= warmup ? 0 : options.lambda;
        const r = pivotLosses(summary, adversary, b, { lambda, targets, adversaryOn: options.adversaryOn ?? 'all' });
        return { value: r.objective, record: { bce: r.bce, adversary: r.adversary, loss: tf.sub(r.bce, tf.mul(r.adversary, lambda)) as tf.Scalar } };
      },
      'pivot',
    );
    return { history, adversary };
  } catch (e) {
    adversary.dispose();
    throw e;
  }
}
