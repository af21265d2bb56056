/**
 * The trainer: minimises a loss of a summary's binned output on balanced batches drawn from
 * named datasets.
 *
 * Objectives: `bce` (binary cross-entropy of a score, signal against background, each class
 * weighted equally and its samples by expected yield), `inferno` (the Cramér-Rao width of the
 * POI), `profile-width` (the profile-likelihood half-width), `cls` (expected CLs at a tested
 * POI) and `z0` (minus the discovery significance). The inference-aware ones fill the
 * analysis's templates with soft histograms (KDE or softmax) and evaluate the float64 objective
 * through `float64Op`.
 *
 * Every step: draw `batchSize` events from every dataset (seeded; with replacement), compute the
 * loss and its gradient inside `tf.variableGrads` (all intermediate tensors released), check
 * that loss and gradient are finite, update with an `{init, update}` optimiser. A non-finite
 * loss or gradient, or a statistics head that fails, stops training with a message naming the
 * step; the weights go back to the last good step (and the last checkpoint stays on disk).
 * Validation runs on hard histograms of the validation datasets every `validation.every` steps
 * (the Cramér-Rao width, what reports use). The best step is chosen by that width for the
 * inference-aware objectives and by the validation loss for `bce` (a classifier is selected by
 * its own criterion, not by the physics width it was not trained for); early stopping after
 * `patience` validations without improvement, and the best weights are restored at the end.
 *
 * Checkpoints (every `checkpoint.every` steps, `checkpoint.json`, written atomically) hold the
 * weights, the optimiser state, the sampler state, the history and the best weights, so
 * `resume: true` continues exactly: training N steps equals N/2, stop, resume N/2.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import cliProgress from 'cli-progress';
import { float64Op } from '../autodiff/float64-op.js';
import { InputError } from '../stats/errors.js';
import { writeFileAtomic } from '../stats/io.js';
import { countsHead, cramerRaoWidth, discoverySignificance, expectedCls, profileWidth, type ObjectiveResult } from '../stats/objectives/index.js';
import type { TemplateModel } from '../stats/templates/index.js';
import { Analysis, type VariationSource } from './analysis.js';
import { BatchSampler, gatherRows, type Dataset, type SamplerState } from './data.js';
import { evaluateHard, summaryOutputs } from './evaluate.js';
import {
  applyGradients,
  deserializeState,
  disposeState,
  optimizerFrom,
  scheduleFrom,
  serializeState,
  type OptimizerConfig,
  type OptimizerState,
  type SerializedOptimizerState,
} from './optimizers.js';
import type { Summary } from './summary.js';

/** Training objectives. */
export type TrainObjective = 'bce' | 'inferno' | 'profile-width' | 'cls' | 'z0';

export const TRAIN_OBJECTIVES: readonly TrainObjective[] = ['bce', 'inferno', 'profile-width', 'cls', 'z0'];

export interface TrainOptions {
  readonly objective: TrainObjective;
  readonly optimizer: OptimizerConfig;
  /** Total optimiser steps. */
  readonly steps: number;
  /** Events drawn from every dataset per step. */
  readonly batchSize: number;
  readonly seed: number;
  readonly validation?: { readonly datasets: Readonly<Record<string, Dataset>>; readonly every: number; readonly patience?: number };
  readonly checkpoint?: { readonly dir: string; readonly every: number };
  /** Continue from `checkpoint.dir/checkpoint.json` when it exists. */
  readonly resume?: boolean;
  /** A JSON line per step (step, loss, learning rate, step time, validation). */
  readonly jsonl?: string;
  /** A progress bar on stderr. */
  readonly progress?: boolean;
  /** Restore the weights of the best validation at the end; default true when validating. */
  readonly restoreBest?: boolean;
  /** Tested POI of the `cls` objective; default 1. */
  readonly testPoi?: number;
  /**
   * Fraction f of each batch on which transform variations are evaluated (default 1: all
   * events). Below 1 the up/down templates are control-variate estimates,
   * `nominal(batch) + (variation(first f m events) - nominal(first f m events)) / f`: unbiased,
   * with the noise of the correlated difference only, and the network evaluates
   * `m (1 + 2 f k)` instead of `m (1 + 2 k)` rows for k shape nuisances.
   */
  readonly variationFraction?: number;
  readonly onStep?: (record: StepRecord) => void;
}

export interface StepRecord {
  readonly step: number;
  readonly loss: number;
  readonly learningRate: number;
  readonly stepMs: number;
  /** Cramér-Rao width of the POI on hard histograms of the validation datasets. */
  readonly validation?: number;
  /** `bce`: the binary cross-entropy on the validation datasets (what selects the best step). */
  readonly validationLoss?: number;
}

export interface TrainResult {
  readonly status: 'completed' | 'early-stopped' | 'non-finite';
  /** Steps done (including those before a resume). */
  readonly steps: number;
  readonly history: readonly StepRecord[];
  /** The step the weights come from, and its validation metric (width, or loss for `bce`). */
  readonly best?: { readonly step: number; readonly validation: number };
  readonly message?: string;
}

interface Checkpoint {
  readonly format: 'diffinfer-checkpoint';
  readonly version: 1;
  readonly step: number;
  readonly objective: TrainObjective;
  readonly seed: number;
  readonly weights: number[][];
  readonly optimizer: SerializedOptimizerState;
  readonly sampler: SamplerState;
  readonly history: StepRecord[];
  readonly best?: { step: number; validation: number; weights: number[][] };
  readonly sinceBest: number;
}

/** The float64 objective of an inference-aware training objective. */
function headObjective(objective: Exclude<TrainObjective, 'bce'>, testPoi: number): (tm: TemplateModel, c: Float64Array) => ObjectiveResult {
  switch (objective) {
    case 'inferno':
      return (tm, c) => cramerRaoWidth(tm, c);
    case 'profile-width':
      return (tm, c) => profileWidth(tm, c);
    case 'cls':
      return (tm, c) => expectedCls(tm, c, { testPoi });
    case 'z0':
      return (tm, c) => {
        const r = discoverySignificance(tm, c);
        return { value: -r.value, gradient: r.gradient.map((g) => -g) };
      };
  }
}

/**
 * A training batch: per dataset name, `m` events [m, d] drawn with replacement and their
 * weights [m] per unit expected yield, `w_i / (mean(w) m)` (scaled to each sample's expected
 * yield by {@link stepTemplates}).
 */
export interface TrainingBatch {
  readonly x: Map<string, tf.Tensor2D>;
  readonly w: Map<string, tf.Tensor1D>;
}

/**
 * Draws one training batch of `m` events from every dataset the analysis reads (the sampler's
 * indices in the order of `analysis.datasetNames()`). The caller disposes the tensors.
 *
 * @example
 * ```ts
 * const batch = drawTrainingBatch(BatchSampler.seeded(1), analysis, datasets, 500);
 * ```
 */
export function drawTrainingBatch(sampler: BatchSampler, analysis: Analysis, datasets: Readonly<Record<string, Dataset>>, m: number): TrainingBatch {
  const x = new Map<string, tf.Tensor2D>();
  const w = new Map<string, tf.Tensor1D>();
  for (const name of analysis.datasetNames()) {
    const d = datasets[name];
    const idx = sampler.indices(d.n, m);
    x.set(name, tf.tensor2d(gatherRows(d, idx), [m, d.dim]));
    w.set(name, tf.tensor1d(Analysis.eventWeights(d, 1, idx))); // unit expected: scaled per sample below
  }
  return { x, w };
}

/**
 * The soft templates one training step fills from a batch (flat layout of
 * `analysis.templateModel`, one tensor [bins] per layout entry), each an unbiased estimate of
 * the full-sample hard template (`hardTemplateCounts`) as the soft binning becomes hard:
 *
 * - nominal: `sum_i w_i'` per bin, `w_i' = expected w_i / (mean(w) m)`;
 * - up/down: the same of the transformed (or the variation dataset's) events; with
 *   `variationFraction` f < 1 the control-variate estimate of {@link TrainOptions.variationFraction};
 * - sumw2 (staterror): `(m / n) sum_i w_i'^2`. The full sample's sum of squared weights is
 *   `sum_j (expected w_j / (mean(w) n))^2`; a batch term has expectation
 *   `E[w'^2] = expected^2 E[w^2] / (mean(w)^2 m^2)`, so the batch sum of m terms times m / n
 *   has the full-sample value as its expectation.
 *
 * Every count gets `analysis.floor` added. Call inside `tf.tidy`.
 *
 * @example
 * ```ts
 * const counts = tf.tidy(() => stepTemplates(mlp, analysis, datasets, batch).map((c) => c.arraySync()));
 * ```
 */
export function stepTemplates(summary: Summary, analysis: Analysis, datasets: Readonly<Record<string, Dataset>>, batch: TrainingBatch, variationFraction = 1): tf.Tensor1D[] {
  const tm = analysis.templateModel;
  // Every network input of the step (nominal batches and transformed variations), evaluated
  // in one forward pass: fewer, larger kernels than one pass per template.
  const inputs = new Map<string, tf.Tensor2D>();
  const need = (key: string, make: () => tf.Tensor2D) => {
    if (!inputs.has(key)) inputs.set(key, make());
    return key;
  };
  const m = batch.x.get(analysis.datasetNames()[0])!.shape[0];
  const sub = Math.max(1, Math.round(variationFraction * m));
  type Plan = { key: string; w: tf.Tensor1D } | { key: string; w: tf.Tensor1D; control: { nominal: string; nominalKey: string; wNominal: tf.Tensor1D } };
  const nominalCounts = new Map<string, tf.Tensor1D>();
  const plan: Plan[] = tm.layout.map((e) => {
    const s = analysis.spec.samples[e.sample];
    const xs = batch.x.get(s.dataset)!;
    const ws = batch.w.get(s.dataset)!;
    if (e.role === 'nominal') return { key: need(s.dataset, () => xs), w: tf.mul(ws, s.expected) as tf.Tensor1D };
    if (e.role === 'sumw2') return { key: need(s.dataset, () => xs), w: tf.mul(tf.square(tf.mul(ws, s.expected)), m / datasets[s.dataset].n) as tf.Tensor1D };
    const src: VariationSource = analysis.spec.variations![`${e.sample}:${e.nuisance}`][e.role];
    if (src.kind === 'dataset') return { key: need(src.dataset, () => batch.x.get(src.dataset)!), w: tf.mul(batch.w.get(src.dataset)!, src.expected ?? s.expected) as tf.Tensor1D };
    const factor = s.expected * (src.expectedFactor ?? 1);
    if (sub >= m) return { key: need(`${s.dataset}|${e.sample}:${e.nuisance}:${e.role}`, () => src.apply(xs)), w: tf.mul(ws, factor) as tf.Tensor1D };
    // control variate: the variation of the first `sub` events, minus their nominal, scaled
    // to the batch and added to the full nominal template
    const xsSub = tf.slice(xs, [0, 0], [sub, -1]) as tf.Tensor2D;
    const wSub = tf.mul(tf.slice(ws, [0], [sub]), factor * (m / sub)) as tf.Tensor1D;
    return {
      key: need(`${s.dataset}|${e.sample}:${e.nuisance}:${e.role}`, () => src.apply(xsSub)),
      w: wSub,
      control: { nominal: e.sample, nominalKey: s.dataset, wNominal: tf.mul(tf.slice(ws, [0], [sub]), s.expected * (m / sub)) as tf.Tensor1D },
    };
  });
  const keys = [...inputs.keys()];
  const all = summary.apply(keys.length === 1 ? inputs.get(keys[0])! : (tf.concat(keys.map((k) => inputs.get(k)!), 0) as tf.Tensor2D));
  const outputs = new Map<string, tf.Tensor2D>();
  let row = 0;
  for (const k of keys) {
    const rows = inputs.get(k)!.shape[0];
    outputs.set(k, tf.slice(all, [row, 0], [rows, -1]) as tf.Tensor2D);
    row += rows;
  }
  const counts = plan.map((p, i) => {
    const c = analysis.softCounts(outputs.get(p.key)!, p.w);
    if (tm.layout[i].role === 'nominal') nominalCounts.set(tm.layout[i].sample, c);
    return c;
  });
  return plan.map((p, i) => {
    if (!('control' in p)) return counts[i];
    const nominalSub = analysis.softCounts(tf.slice(outputs.get(p.control.nominalKey)!, [0, 0], [sub, -1]) as tf.Tensor2D, p.control.wNominal);
    // floors cancel in the difference; keep the result at or above the floor
    return tf.maximum(tf.add(nominalCounts.get(p.control.nominal)!, tf.sub(counts[i], nominalSub)), analysis.floor) as tf.Tensor1D;
  });
}

/**
 * Trains `summary` on `datasets` for the analysis (see the module comment).
 *
 * @example
 * ```ts
 * const result = await train(mlp, analysis, trainData, {
 *   objective: 'inferno', steps: 2000, batchSize: 500, seed: 1,
 *   optimizer: { kind: 'adam', schedule: { kind: 'constant', learningRate: 1e-3 } },
 *   validation: { datasets: validData, every: 100, patience: 5 },
 * });
 * ```
 */
export async function train(summary: Summary, analysis: Analysis, datasets: Readonly<Record<string, Dataset>>, options: TrainOptions): Promise<TrainResult> {
  checkOptions(summary, analysis, datasets, options);
  const vars = summary.trainableVariables();
  const optimizer = optimizerFrom(options.optimizer);
  const schedule = scheduleFrom(options.optimizer.schedule);
  const tm = analysis.templateModel;
  const lossHead = options.objective === 'bce' ? undefined : float64Op(countsHead(tm, headObjective(options.objective, options.testPoi ?? 1)));
  const m = options.batchSize;

  let step = 0;
  let sampler = BatchSampler.seeded(options.seed);
  const sizes = vars.map((v) => v.size);
  let state: OptimizerState = optimizer.init(sizes);
  let history: StepRecord[] = [];
  let best: { step: number; validation: number; weights: Float32Array[] } | undefined;
  let sinceBest = 0;
  const ckptFile = options.checkpoint ? join(options.checkpoint.dir, 'checkpoint.json') : undefined;
  if (options.resume && ckptFile && existsSync(ckptFile)) {
    const c = readCheckpoint(ckptFile, options, vars);
    step = c.step;
    vars.forEach((v, i) => v.assign(tf.tensor(c.weights[i], v.shape, 'float32')));
    disposeState(state);
    state = deserializeState(c.optimizer, sizes);
    sampler = BatchSampler.restore(c.sampler);
    history = [...c.history];
    best = c.best && { step: c.best.step, validation: c.best.validation, weights: c.best.weights.map((w) => Float32Array.from(w)) };
    sinceBest = c.sinceBest;
  } else if (options.jsonl) {
    mkdirSync(dirname(options.jsonl), { recursive: true });
    writeFileSync(options.jsonl, '');
  }

  const snapshot = () => vars.map((v) => Float32Array.from(v.dataSync() as Float32Array));
  const restore = (w: Float32Array[]) => vars.forEach((v, i) => v.assign(tf.tensor(w[i], v.shape, 'float32')));
  const saveCheckpoint = () => {
    if (!ckptFile) return;
    const c: Checkpoint = {
      format: 'diffinfer-checkpoint',
      version: 1,
      step,
      objective: options.objective,
      seed: options.seed,
      weights: snapshot().map((w) => Array.from(w)),
      optimizer: serializeState(state),
      sampler: sampler.state(),
      history,
      best: best && { step: best.step, validation: best.validation, weights: best.weights.map((w) => Array.from(w)) },
      sinceBest,
    };
    writeFileAtomic(ckptFile, JSON.stringify(c));
  };

  const drawBatch = (): TrainingBatch => drawTrainingBatch(sampler, analysis, datasets, m);

  const lossOf = (batch: TrainingBatch) => (): tf.Scalar => {
    if (!lossHead) return bceLoss(summary, analysis, batch);
    return lossHead(...stepTemplates(summary, analysis, datasets, batch, options.variationFraction ?? 1));
  };

  const bar = options.progress ? new cliProgress.SingleBar({ stream: process.stderr, format: `${options.objective} [{bar}] {value}/{total} steps | loss {loss} | val {val}`, hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
  bar?.start(options.steps, step, { loss: '-', val: '-' });
  let status: TrainResult['status'] = 'completed';
  let message: string | undefined;
  try {
    while (step < options.steps) {
      const t0 = performance.now();
      const lr = schedule(step);
      let loss: number;
      let finite: boolean;
      try {
        const batch = drawBatch();
        try {
          const r = tf.tidy(() => {
            const { value, grads } = tf.variableGrads(lossOf(batch), vars);
            const lossValue = value.dataSync()[0];
            if (!Number.isFinite(lossValue)) return { lossValue, ok: false };
            const next = applyGradients(optimizer, vars, vars.map((v) => grads[v.name]), state);
            if (next) state = next;
            return { lossValue, ok: next !== undefined };
          });
          loss = r.lossValue;
          finite = r.ok && Number.isFinite(loss);
        } finally {
          tf.dispose([...batch.x.values(), ...batch.w.values()]);
        }
      } catch (e) {
        // NaN counts, a failed fit or a non-finite head: stop with the cause, never continue
        loss = NaN;
        finite = false;
        message = `step ${step + 1}: the loss could not be evaluated (${(e as Error).message})`;
      }
      if (!finite) {
        // nothing to undo: the loss is checked before, and the gradients inside, applyGradients,
        // which changes no weight unless every value is finite
        status = 'non-finite';
        message = `${message ?? `step ${step + 1}: the loss or its gradient is not finite (loss ${loss})`}; weights are those after step ${step}${ckptFile && existsSync(ckptFile) ? `, the last checkpoint stays in ${options.checkpoint!.dir}` : ''}`;
        break;
      }
      step++;
      let validation: number | undefined;
      let validationLoss: number | undefined;
      if (options.validation && (step % options.validation.every === 0 || step === options.steps)) {
        validation = evaluateHard(summary, analysis, options.validation.datasets).sigmaFisher;
        if (!lossHead) validationLoss = validationBce(summary, analysis, options.validation.datasets);
        const metric = validationLoss ?? validation;
        if (!best || metric < best.validation) {
          best = { step, validation: metric, weights: snapshot() };
          sinceBest = 0;
        } else sinceBest++;
      }
      const record: StepRecord = {
        step,
        loss,
        learningRate: lr,
        stepMs: performance.now() - t0,
        ...(validation !== undefined ? { validation } : {}),
        ...(validationLoss !== undefined ? { validationLoss } : {}),
      };
      history.push(record);
      if (options.jsonl) appendFileSync(options.jsonl, `${JSON.stringify(record)}\n`);
      options.onStep?.(record);
      bar?.update(step, { loss: loss.toPrecision(5), val: validation?.toPrecision(5) ?? (best ? best.validation.toPrecision(5) : '-') });
      if (options.checkpoint && step % options.checkpoint.every === 0) saveCheckpoint();
      if (options.validation?.patience !== undefined && validation !== undefined && sinceBest > options.validation.patience) {
        status = 'early-stopped';
        message = `no improvement of the validation ${lossHead ? 'width' : 'loss'} for ${sinceBest} validations (best ${best!.validation} at step ${best!.step})`;
        break;
      }
    }
  } finally {
    bar?.stop();
    disposeState(state);
  }
  if (best && (options.restoreBest ?? true)) restore(best.weights);
  return { status, steps: step, history, best: best && { step: best.step, validation: best.validation }, message };
}

/** The balanced binary cross-entropy of a score summary on whole datasets (float64 sum). */
function validationBce(summary: Summary, analysis: Analysis, datasets: Readonly<Record<string, Dataset>>): number {
  const eps = 1e-7;
  let total = 0;
  for (const label of [1, 0] as const) {
    const samples = analysis.spec.template.samples.filter((s) => (s.signal ? 1 : 0) === label).map((s) => analysis.spec.samples[s.name]);
    const sumExpected = samples.reduce((t, s) => t + s.expected, 0);
    for (const s of samples) {
      const p = summaryOutputs(summary, datasets[s.dataset]);
      let acc = 0;
      for (let i = 0; i < p.length; i++) {
        const q = Math.min(1 - eps, Math.max(eps, p[i]));
        acc -= Math.log(label === 1 ? q : 1 - q);
      }
      total += (0.5 * (s.expected / sumExpected) * acc) / p.length;
    }
  }
  return total;
}

/** Balanced binary cross-entropy of a score: signal samples (label 1) against the others. */
function bceLoss(summary: Summary, analysis: Analysis, batch: TrainingBatch): tf.Scalar {
  const eps = 1e-7;
  const sig: Array<[number, tf.Tensor2D]> = [];
  const bkg: Array<[number, tf.Tensor2D]> = [];
  for (const s of analysis.spec.template.samples) {
    const a = analysis.spec.samples[s.name];
    (s.signal ? sig : bkg).push([a.expected, batch.x.get(a.dataset)!]);
  }
  const classLoss = (items: Array<[number, tf.Tensor2D]>, label: 0 | 1) => {
    const total = items.reduce((t, [e]) => t + e, 0);
    return tf.addN(
      items.map(([e, x]) => {
        const p = tf.clipByValue(summary.apply(x), eps, 1 - eps);
        return tf.mul(tf.mean(tf.neg(tf.log(label === 1 ? p : tf.sub(1, p)))), e / total);
      }),
    );
  };
  return tf.mul(tf.add(classLoss(sig, 1), classLoss(bkg, 0)), 0.5) as tf.Scalar;
}

function checkOptions(summary: Summary, analysis: Analysis, datasets: Readonly<Record<string, Dataset>>, o: TrainOptions): void {
  if (!TRAIN_OBJECTIVES.includes(o.objective)) throw new InputError('argument', 'objective', `must be one of ${TRAIN_OBJECTIVES.join(', ')}, got ${JSON.stringify(o.objective)}`);
  if (!Number.isInteger(o.steps) || o.steps < 1) throw new InputError('argument', 'steps', `must be a positive integer, got ${o.steps}`);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new InputError('argument', 'batchSize', `must be a positive integer, got ${o.batchSize}`);
  if (o.objective === 'bce' && summary.output.kind !== 'score') throw new InputError('argument', 'objective bce', 'needs a summary with a score output (one sigmoid unit)');
  if (o.objective !== 'bce' && (summary.output.kind === 'score') !== (analysis.spec.binning.kind === 'kde')) {
    throw new InputError('argument', 'analysis binning', `a ${summary.output.kind} summary needs ${summary.output.kind === 'score' ? 'kde' : 'softmax'} binning`);
  }
  if (summary.output.kind === 'logits' && summary.output.bins !== analysis.bins) throw new InputError('argument', 'summary output.bins', `is ${summary.output.bins}, the template has ${analysis.bins} bins`);
  for (const name of analysis.datasetNames()) {
    const d = datasets[name];
    if (!d) throw new InputError('argument', `datasets["${name}"]`, 'is missing (the analysis reads it)');
    if (d.dim !== summary.inputDim) throw new InputError('argument', `datasets["${name}"]`, `has ${d.dim} columns, the summary takes ${summary.inputDim}`);
    if (o.validation && !o.validation.datasets[name]) throw new InputError('argument', `validation.datasets["${name}"]`, 'is missing (the analysis reads it)');
  }
  if (o.variationFraction !== undefined && !(o.variationFraction > 0 && o.variationFraction <= 1)) {
    throw new InputError('argument', 'variationFraction', `must be in (0, 1], got ${o.variationFraction}`);
  }
  if (o.checkpoint && (!Number.isInteger(o.checkpoint.every) || o.checkpoint.every < 1)) throw new InputError('argument', 'checkpoint.every', `must be a positive integer, got ${o.checkpoint.every}`);
  if (o.validation && (!Number.isInteger(o.validation.every) || o.validation.every < 1)) throw new InputError('argument', 'validation.every', `must be a positive integer, got ${o.validation.every}`);
}

function readCheckpoint(file: string, o: TrainOptions, vars: readonly tf.Variable[]): Checkpoint {
  let c: Checkpoint;
  try {
    c = JSON.parse(readFileSync(file, 'utf8')) as Checkpoint;
  } catch (e) {
    throw new InputError('io', file, `is not a readable checkpoint (${(e as Error).message})`);
  }
  if (c.format !== 'diffinfer-checkpoint') throw new InputError('io', file, `format is ${JSON.stringify(c.format)}, expected "diffinfer-checkpoint"`);
  if (c.objective !== o.objective || c.seed !== o.seed) throw new InputError('io', file, `was written for objective ${c.objective} and seed ${c.seed}, not ${o.objective} and ${o.seed}`);
  if (c.weights.length !== vars.length || c.weights.some((w, i) => w.length !== vars[i].size)) throw new InputError('io', file, 'its weights do not fit this summary');
  return c;
}
