/**
 * What the systematics arms of issue 12 (`bce-augmented`, `pivot`) share: samples of raw events
 * that a *nuisance transform* turns into summary inputs at given nuisance values, batches whose
 * nuisances are drawn from their priors (per group of events), the balanced binary
 * cross-entropy on such a batch, and a step loop of the project's optimisers.
 *
 * Nuisances are standardised: every prior is N(0, 1) in `z` (the transform maps `z` to the
 * physical value, e.g. the challenge's `tes = 1 + 0.01 z`, `softMet = exp(z)`), drawn as
 * independent standard normals clipped to `[-clip, clip]` (default 5).
 *
 * A batch draws `m` events (with replacement, seeded) of every sample and splits them into `G`
 * groups of consecutive events; group g gets its own draw `z_g` of every nuisance. `G = 1`: one
 * draw per batch ("nuisances drawn per batch"); larger G gives the adversary of `pivot` events
 * at several nuisance values in one step.
 */
import * as tf from '@tensorflow/tfjs-core';
import seedrandom from 'seedrandom';
import { InputError, NumericalError } from '../../stats/errors.js';
import { applyGradients, optimizerFrom, type OptimizerConfig, type OptimizerState } from '../optimizers.js';
import type { Summary } from '../summary.js';

/** One sample of raw events: the inputs of a nuisance transform. */
export interface ArmSample {
  readonly name: string;
  /** Raw events, row-major [n, dim] (e.g. the challenge simulator's stored components). */
  readonly raw: Float32Array;
  readonly dim: number;
  /** 1: signal, 0: background. */
  readonly label: 0 | 1;
  /** Expected events of the sample: its share of its class in the balanced BCE. */
  readonly expected: number;
}

/** Standardised nuisance values by name (N(0, 1) priors). */
export type NuisanceDraw = Readonly<Record<string, number>>;

/**
 * Raw events [m, dim] of a sample at standardised nuisances -> summary inputs [m, d] and a
 * weight per event (e.g. 0/1 of a post-selection; default 1). tfjs ops; the caller disposes.
 */
export type NuisanceTransform = (raw: tf.Tensor2D, z: NuisanceDraw, sample: ArmSample) => { readonly x: tf.Tensor2D; readonly weight?: tf.Tensor1D };

/** Options of a batch of nuisance-augmented events. */
export interface ArmBatchOptions {
  /** The nuisances drawn (standardised names the transform reads). */
  readonly nuisances: readonly string[];
  /** Events per sample per batch. */
  readonly batch: number;
  /** Groups per batch, each with its own nuisance draw; default 1. Must divide `batch`. */
  readonly groups?: number;
  /** Clip of the standard-normal draws; default 5. */
  readonly clip?: number;
}

/** A drawn batch: per sample its inputs, weights and the per-event nuisance values. */
export interface ArmBatch {
  readonly parts: ReadonlyArray<{
    readonly sample: ArmSample;
    readonly x: tf.Tensor2D;
    /** [m]: the transform's weights (1 where it gives none). */
    readonly weight: tf.Tensor1D;
    /** [m, nuisances.length]: the standardised nuisance values of each event. */
    readonly z: tf.Tensor2D;
  }>;
  /** The draws z_g, per group. */
  readonly draws: readonly NuisanceDraw[];
}

/** Checks samples and batch options; returns the group size. */
export function checkArmInputs(samples: readonly ArmSample[], o: ArmBatchOptions, where: string): number {
  if (samples.length === 0) throw new InputError('argument', `${where} samples`, 'is empty');
  if (!samples.some((s) => s.label === 1) || !samples.some((s) => s.label === 0)) throw new InputError('argument', `${where} samples`, 'need at least one signal (label 1) and one background (label 0) sample');
  for (const s of samples) {
    if (!Number.isInteger(s.dim) || s.dim < 1 || s.raw.length === 0 || s.raw.length % s.dim !== 0) throw new InputError('argument', `${where} sample "${s.name}"`, `raw has ${s.raw.length} values, not a positive multiple of dim ${s.dim}`);
    if (!(s.expected > 0) || !Number.isFinite(s.expected)) throw new InputError('argument', `${where} sample "${s.name}" expected`, `must be positive and finite, got ${s.expected}`);
  }
  if (!Number.isInteger(o.batch) || o.batch < 1) throw new InputError('argument', `${where} batch`, `must be a positive integer, got ${o.batch}`);
  const groups = o.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1 || o.batch % groups !== 0) throw new InputError('argument', `${where} groups`, `must be a positive integer dividing the batch ${o.batch}, got ${groups}`);
  if (o.clip !== undefined && !(o.clip > 0)) throw new InputError('argument', `${where} clip`, `must be positive, got ${o.clip}`);
  return o.batch / groups;
}

/** A standard normal from a uniform stream (Box-Muller, one value per call). */
function standardNormal(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/**
 * A seeded source of nuisance-augmented batches (see the module comment).
 *
 * @example
 * ```ts
 * const source = new ArmBatchSource(samples, transform, { nuisances: ['tes', 'jes'], batch: 256, groups: 8 }, 1);
 * const batch = source.draw(); // ... use, then source.dispose(batch)
 * ```
 */
export class ArmBatchSource {
  private readonly rng: () => number;
  private readonly groupSize: number;

  /** @throws InputError naming the option for bad samples or batch options. */
  constructor(
    readonly samples: readonly ArmSample[],
    readonly transform: NuisanceTransform,
    readonly options: ArmBatchOptions,
    seed: number | string,
  ) {
    this.groupSize = checkArmInputs(samples, options, 'arm batch');
    this.rng = seedrandom(`arm-batch/${String(seed)}`);
  }

  /** The next batch; release it with {@link dispose}. */
  draw(): ArmBatch {
    const { nuisances, batch } = this.options;
    const groups = this.options.groups ?? 1;
    const clip = this.options.clip ?? 5;
    const draws: NuisanceDraw[] = Array.from({ length: groups }, () => Object.fromEntries(nuisances.map((n) => [n, Math.max(-clip, Math.min(clip, standardNormal(this.rng)))])));
    const parts = this.samples.map((sample) => {
      const n = sample.raw.length / sample.dim;
      const rows = new Float32Array(batch * sample.dim);
      for (let i = 0; i < batch; i++) {
        const k = Math.floor(this.rng() * n);
        rows.set(sample.raw.subarray(k * sample.dim, (k + 1) * sample.dim), i * sample.dim);
      }
      const xs: tf.Tensor2D[] = [];
      const ws: tf.Tensor1D[] = [];
      const zs = new Float32Array(batch * nuisances.length);
      for (let g = 0; g < groups; g++) {
        const lo = g * this.groupSize;
        const raw = tf.tensor2d(rows.subarray(lo * sample.dim, (lo + this.groupSize) * sample.dim), [this.groupSize, sample.dim]);
        try {
          const out = this.transform(raw, draws[g], sample);
          xs.push(out.x);
          ws.push(out.weight ?? tf.ones([this.groupSize]));
        } finally {
          raw.dispose();
        }
        for (let i = lo; i < lo + this.groupSize; i++) nuisances.forEach((name, j) => (zs[i * nuisances.length + j] = draws[g][name]));
      }
      const x = xs.length === 1 ? xs[0] : (tf.concat(xs, 0) as tf.Tensor2D);
      const weight = ws.length === 1 ? ws[0] : (tf.concat(ws, 0) as tf.Tensor1D);
      if (xs.length > 1) tf.dispose([...xs, ...ws]);
      return { sample, x, weight, z: tf.tensor2d(zs, [batch, nuisances.length]) };
    });
    return { parts, draws };
  }

  /** Releases a batch's tensors. */
  dispose(batch: ArmBatch): void {
    for (const p of batch.parts) tf.dispose([p.x, p.weight, p.z]);
  }
}

/**
 * The balanced binary cross-entropy of a score on an augmented batch: each class weighs one
 * half, each sample its share `Y_s / Y_class` of its class, and within a sample the events their
 * transform weights,
 * `L = 0.5 sum_c sum_{s in c} (Y_s / Y_c) sum_i w_i l_i / sum_i w_i`,
 * `l_i = -ln p_i` (signal) or `-ln(1 - p_i)` (background), p clipped to [1e-7, 1 - 1e-7].
 * The per-event scores are returned too (the pivot's adversary reads them).
 *
 * @example
 * ```ts
 * const { loss } = balancedBce(summary, batch); // a tf.Scalar, inside tf.variableGrads
 * ```
 */
export function balancedBce(summary: Summary, batch: ArmBatch): { readonly loss: tf.Scalar; readonly scores: readonly tf.Tensor1D[] } {
  const eps = 1e-7;
  const yields = [0, 0];
  for (const p of batch.parts) yields[p.sample.label] += p.sample.expected;
  const scores: tf.Tensor1D[] = [];
  const terms = batch.parts.map((p) => {
    const s = tf.reshape(summary.apply(p.x), [-1]) as tf.Tensor1D;
    scores.push(s);
    const q = tf.clipByValue(s, eps, 1 - eps);
    const l = tf.neg(tf.log(p.sample.label === 1 ? q : tf.sub(1, q)));
    const share = p.sample.expected / yields[p.sample.label];
    return tf.mul(tf.div(tf.sum(tf.mul(p.weight, l)), tf.maximum(tf.sum(p.weight), 1e-12)), 0.5 * share);
  });
  return { loss: tf.addN(terms) as tf.Scalar, scores };
}

/** One step's numbers. */
export interface ArmStepRecord {
  readonly step: number;
  /** What the step minimised (bce-augmented: the BCE; pivot: BCE - lambda x adversary loss). */
  readonly loss: number;
  /** The balanced BCE of the classifier on the batch. */
  readonly bce: number;
  /** pivot: the adversary's loss on the batch. */
  readonly adversary?: number;
}

/** A group of variables with its optimiser. */
export interface ArmVariableGroup {
  readonly variables: readonly tf.Variable[];
  readonly optimizer: OptimizerConfig;
  /**
   * Updates of this group per step (default 1): the first `updates - 1` on the step's batch with
   * only this group's variables moving, then the joint update (the pivot's adversary catches up).
   */
  readonly updates?: number;
}

/**
 * Runs optimiser steps: per step a batch, the losses and gradients of every variable group in one
 * `tf.variableGrads` of `objective` (which returns the scalar to differentiate and the numbers
 * to record: `bce`, `adversary`, and `loss` when what is minimised is not that scalar's value), each group updated by its own optimiser (project optimisers, optimizers.ts).
 *
 * @throws NumericalError naming the step when a loss or a gradient is not finite (checked
 *   before any weight of that step changes).
 * @example
 * ```ts
 * const history = runArmSteps(source, [{ variables: mlp.trainableVariables(), optimizer }], 100, (b) => {
 *   const { loss } = balancedBce(mlp, b);
 *   return { value: loss, record: { loss } };
 * });
 * ```
 */
export function runArmSteps(
  source: ArmBatchSource,
  groups: readonly ArmVariableGroup[],
  steps: number,
  objective: (batch: ArmBatch, step: number) => { readonly value: tf.Scalar; readonly record: Readonly<Record<string, tf.Scalar>> },
  where = 'arm training',
): ArmStepRecord[] {
  if (!Number.isInteger(steps) || steps < 1) throw new InputError('argument', `${where} steps`, `must be a positive integer, got ${steps}`);
  groups.forEach((g, k) => {
    if (g.updates !== undefined && (!Number.isInteger(g.updates) || g.updates < 1)) throw new InputError('argument', `${where} variable group ${k} updates`, `must be a positive integer, got ${g.updates}`);
  });
  const optimizers = groups.map((g) => optimizerFrom(g.optimizer));
  const states: OptimizerState[] = groups.map((g, k) => optimizers[k].init(g.variables.map((v) => v.size)));
  const all = groups.flatMap((g) => g.variables);
  const history: ArmStepRecord[] = [];
  for (let step = 1; step <= steps; step++) {
    const batch = source.draw();
    let kept: tf.Scalar[] = [];
    try {
      groups.forEach((gr, k) => {
        for (let u = 1; u < (gr.updates ?? 1); u++) {
          tf.tidy(() => {
            const { value, grads } = tf.variableGrads(() => objective(batch, step).value, gr.variables as tf.Variable[]);
            const g = gr.variables.map((x) => grads[x.name]);
            const v = value.dataSync()[0];
            if (!Number.isFinite(v) || !g.every((t) => (t.dataSync() as Float32Array).every(Number.isFinite))) throw new NumericalError(`${where}: step ${step}: a loss or gradient of variable group ${k} is not finite (loss ${v})`);
            states[k] = applyGradients(optimizers[k], gr.variables, g, states[k])!;
          });
        }
      });
      const numbers = tf.tidy(() => {
        let recordTensors: Readonly<Record<string, tf.Scalar>> = {};
        const { value, grads } = tf.variableGrads(() => {
          const r = objective(batch, step);
          // the forward pass runs in its own tidy: keep the recorded numbers past it
          kept = Object.values(r.record).map((t) => tf.keep(t));
          recordTensors = r.record;
          return r.value;
        }, all);
        const record: Record<string, number> = {};
        for (const [k, t] of Object.entries(recordTensors)) record[k] = t.dataSync()[0];
        const v = value.dataSync()[0];
        if (!Number.isFinite(v)) throw new NumericalError(`${where}: step ${step}: the loss is ${v}`);
        const g = groups.map((gr) => gr.variables.map((x) => grads[x.name]));
        for (const t of g.flat()) if (!(t.dataSync() as Float32Array).every(Number.isFinite)) throw new NumericalError(`${where}: step ${step}: a gradient is not finite (loss ${v})`);
        groups.forEach((gr, k) => (states[k] = applyGradients(optimizers[k], gr.variables, g[k], states[k])!));
        return { v, record };
      });
      history.push({ step, loss: numbers.record.loss ?? numbers.v, bce: numbers.record.bce ?? numbers.v, ...(numbers.record.adversary !== undefined ? { adversary: numbers.record.adversary } : {}) });
    } finally {
      tf.dispose(kept);
      source.dispose(batch);
    }
  }
  return history;
}
