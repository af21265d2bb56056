/**
 * The trainer: a loop of optimiser steps on balanced batches with hooks after every step.
 *
 * A step draws `batchSize` events from every dataset of the learned channels (seeded, with
 * replacement), computes the method's loss (methods.ts: the balanced binary cross-entropy of a
 * score, or a float64 objective of the soft templates of fill.ts through `float64Op`) and its
 * gradient inside `tf.variableGrads`, checks both are finite, and updates the weights with an
 * `{init, update}` optimiser. A non-finite loss or gradient, or a statistics head that fails,
 * stops training with a message naming the step; the weights are those of the last good step
 * (nothing is applied unless every value is finite).
 *
 * After each step the hooks run in order ({@link TrainHook}; built from the options):
 * 1. validation (`validation.every`): the method's selection criterion (methods.ts) on the
 *    validation datasets — the Cramér-Rao width on hard histograms (evaluate.ts, the export's bin
 *    rule), or the validation loss for `bce` — keeps the best weights, and asks to stop after
 *    `patience` validations without improvement (early stopping);
 * 2. the JSONL log (one line per step);
 * 3. `onStep` and any `hooks` of the caller;
 * 4. the progress bar on stderr;
 * 5. checkpoints (`checkpoint.every`, `checkpoint.json`, written atomically): the weights, the
 *    optimiser and sampler states, the history and every hook's state, so `resume: true`
 *    continues exactly (N steps equal N/2, stop, resume N/2).
 * The best weights are restored at the end (`restoreBest`, default true).
 *
 * No file IO here (this module runs in a browser): the JSONL log, the checkpoints and the
 * progress bar go through `options.io` ({@link TrainIo}; `NODE_TRAIN_IO` of trainer-node.ts,
 * which the `train` of diffinfer/models passes by default).
 */
import * as tf from '@tensorflow/tfjs-core';
import { float64Op } from '../autodiff/float64-op.js';
import { InputError } from '../stats/errors.js';
import { countsHead } from '../stats/objectives/index.js';
import { Analysis, type PlanEntry } from './analysis.js';
import { BatchSampler, weightsOf, type Dataset, type SamplerState } from './data.js';
import { evaluateHard } from './evaluate.js';
import { batchDatasets, drawTrainingBatch, hardTemplates, softTemplates, summaryOutputs, type TrainingBatch } from './fill.js';
import { isMethodName, METHOD_NAMES, methodOf, type Method, type MethodName } from './methods.js';
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

/** A training method's name (methods.ts). */
export type TrainObjective = MethodName;

export interface TrainOptions {
  /** The method (methods.ts). */
  readonly objective: MethodName;
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
   * events; below 1 the control variates of fill.ts `softTemplates`), and of the batch of
   * alternative-event datasets (`f m` events: unbiased, noisier templates).
   */
  readonly variationFraction?: number;
  readonly onStep?: (record: StepRecord) => void;
  /** More hooks, after `onStep`. */
  readonly hooks?: readonly TrainHook[];
  /** Files and the terminal, for `jsonl`, `checkpoint` and `progress` (required by them). */
  readonly io?: TrainIo;
}

/**
 * What the trainer needs of the platform for its logs and checkpoints (`NODE_TRAIN_IO` of
 * trainer-node.ts on Node). A browser trains without: it passes none of `jsonl`, `checkpoint`,
 * `progress`.
 */
export interface TrainIo {
  /** `dir/name`. */
  join(dir: string, name: string): string;
  /** The text of a file, or undefined when there is none. */
  readText(file: string): string | undefined;
  /** Writes a file whole or not at all. */
  writeAtomic(file: string, text: string): void;
  /** Empties a file (creating it and its folder). */
  truncate(file: string): void;
  append(file: string, text: string): void;
  /** A progress display of the steps, `label [bar] step/total | loss | val`. */
  progress(label: string, total: number, start: number): TrainHook;
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
  /** Why the validation could not be computed (a failed fit); the step does not count as better. */
  readonly validationError?: string;
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

/** What a hook sees after a step. */
export interface HookContext {
  readonly step: number;
  readonly totalSteps: number;
  /** The step's record so far (earlier hooks' fields included). */
  readonly record: StepRecord;
  readonly summary: Summary;
  readonly analysis: Analysis;
  /** Writes the checkpoint now (a no-op without `checkpoint`). */
  saveCheckpoint(): void;
}

/** What a hook may return: fields for the step's record, and a reason to stop. */
export interface HookResult {
  readonly record?: Partial<StepRecord>;
  readonly stop?: string;
}

/** A hook of the training loop. */
export interface TrainHook {
  /** Unique among the hooks (keys its state in checkpoints). */
  readonly name: string;
  afterStep?(ctx: HookContext): HookResult | void;
  /** The hook's state for a checkpoint (JSON). */
  save?(): unknown;
  /** Restores the state {@link save} gave (on resume). */
  restore?(state: unknown): void;
  /** Once, at the end (also after an error stop). */
  end?(): void;
}

interface Checkpoint {
  readonly format: 'diffinfer-checkpoint';
  readonly version: 2;
  readonly step: number;
  readonly objective: MethodName;
  readonly seed: number;
  readonly weights: number[][];
  readonly optimizer: SerializedOptimizerState;
  readonly sampler: SamplerState;
  readonly history: StepRecord[];
  readonly hooks: Record<string, unknown>;
}

/** The nominal plan entries of the learned channels, by class (signal: carries the POI). */
function classEntries(analysis: Analysis): { signal: PlanEntry[]; background: PlanEntry[] } {
  const signal: PlanEntry[] = [];
  const background: PlanEntry[] = [];
  for (const e of analysis.plan()) {
    if (e.fill.kind !== 'summary' || e.slot.role !== 'nominal') continue;
    (analysis.signalSamples(e.slot.channel).includes(e.slot.sample) ? signal : background).push(e);
  }
  return { signal, background };
}

/** The full-sample yield of a plan entry on a dataset: `scale sum_j w_j`. */
function entryYield(d: Dataset, e: PlanEntry): number {
  const w = weightsOf(d, e.source.weights);
  let s = 0;
  if (w) for (let i = 0; i < w.length; i++) s += w[i];
  else s = d.n;
  return s * Analysis.weightScale(d, e.source);
}

/** One term of the balanced BCE: a nominal entry of a learned channel, its class and its weight factor. */
interface BceTerm {
  readonly entry: PlanEntry;
  readonly label: 0 | 1;
  /** `scale / Y_class`: event i of the dataset weighs `w_i x factor` in the class's mean. */
  readonly factor: number;
}

/** The terms of the balanced BCE of an analysis on datasets (class yields from the whole datasets). */
function bceTerms(analysis: Analysis, datasets: Readonly<Record<string, Dataset>>): BceTerm[] {
  const classes = classEntries(analysis);
  const terms: BceTerm[] = [];
  for (const [label, entries] of [[1, classes.signal], [0, classes.background]] as const) {
    const total = entries.reduce((t, e) => t + entryYield(datasets[e.source.dataset], e), 0);
    for (const e of entries) terms.push({ entry: e, label, factor: Analysis.weightScale(datasets[e.source.dataset], e.source) / total });
  }
  return terms;
}

/**
 * The balanced binary cross-entropy of a score on a batch: signal samples (those the POI scales)
 * against the others, each class weighing one half and its events by their plan weights,
 * `0.5 (sum_sig w_i' l_i / Y_sig + sum_bkg w_i' l_i / Y_bkg)`, `w_i' = w_i scale n / m` and `Y`
 * the class's full-sample yield (for unweighted events: the mean loss of each sample, weighted
 * by its share of the class's yield).
 */
function bceLoss(summary: Summary, datasets: Readonly<Record<string, Dataset>>, batch: TrainingBatch, terms: readonly BceTerm[]): tf.Scalar {
  const eps = 1e-7;
  const parts = terms.map(({ entry, label, factor }) => {
    const d = datasets[entry.source.dataset];
    const idx = batch.idx.get(entry.source.dataset)!;
    const w = weightsOf(d, entry.source.weights);
    const f = (factor * d.n) / batch.m;
    const wt = tf.tensor1d(Float32Array.from(idx, (i) => f * (w ? w[i] : 1)));
    const p = tf.clipByValue(tf.reshape(summary.apply(batch.x.get(entry.source.dataset)!), [-1]), eps, 1 - eps);
    return tf.sum(tf.mul(wt, tf.neg(tf.log(label === 1 ? p : tf.sub(1, p))))) as tf.Scalar;
  });
  return tf.mul(tf.addN(parts), 0.5) as tf.Scalar;
}

/** The balanced binary cross-entropy of a score summary on whole datasets (float64 sums). */
function validationBce(summary: Summary, analysis: Analysis, datasets: Readonly<Record<string, Dataset>>): number {
  const eps = 1e-7;
  let loss = 0;
  for (const { entry, label, factor } of bceTerms(analysis, datasets)) {
    const d = datasets[entry.source.dataset];
    const p = summaryOutputs(summary, d);
    const w = weightsOf(d, entry.source.weights);
    let acc = 0;
    for (let i = 0; i < p.length; i++) {
      const q = Math.min(1 - eps, Math.max(eps, p[i]));
      acc -= (w ? w[i] : 1) * Math.log(label === 1 ? q : 1 - q);
    }
    loss += 0.5 * factor * acc;
  }
  return loss;
}

/**
 * The validation hook: every `every` steps (and at the last), the method's selection criterion on
 * the validation datasets; keeps the best weights; stops after `patience` validations without
 * improvement.
 */
function validationHook(summary: Summary, analysis: Analysis, method: Method, v: NonNullable<TrainOptions['validation']>, vars: tf.Variable[]): TrainHook & { best(): { step: number; validation: number; weights: Float32Array[] } | undefined } {
  let best: { step: number; validation: number; weights: Float32Array[] } | undefined;
  let sinceBest = 0;
  return {
    name: 'validation',
    best: () => best,
    afterStep(ctx) {
      if (!(ctx.step % v.every === 0 || ctx.step === ctx.totalSteps)) return;
      let validation: number | undefined;
      let validationError: string | undefined;
      try {
        validation = evaluateHard(summary, analysis, v.datasets).sigmaFisher;
      } catch (e) {
        validationError = (e as Error).message;
      }
      const validationLoss = method.selection === 'validation-loss' ? validationBce(summary, analysis, v.datasets) : undefined;
      const metric = validationLoss ?? validation;
      if (metric !== undefined && Number.isFinite(metric) && (!best || metric < best.validation)) {
        best = { step: ctx.step, validation: metric, weights: vars.map((x) => Float32Array.from(x.dataSync() as Float32Array)) };
        sinceBest = 0;
      } else sinceBest++;
      const record: Partial<StepRecord> = {
        ...(validation !== undefined ? { validation } : {}),
        ...(validationLoss !== undefined ? { validationLoss } : {}),
        ...(validationError !== undefined ? { validationError } : {}),
      };
      const stop =
        v.patience !== undefined && sinceBest > v.patience
          ? `no improvement of the validation ${method.selection === 'validation-loss' ? 'loss' : 'width'} for ${sinceBest} validations (best ${best?.validation} at step ${best?.step})`
          : undefined;
      return { record, ...(stop ? { stop } : {}) };
    },
    save: () => ({ best: best && { step: best.step, validation: best.validation, weights: best.weights.map((w) => Array.from(w)) }, sinceBest }),
    restore(state) {
      const s = state as { best?: { step: number; validation: number; weights: number[][] }; sinceBest: number };
      best = s.best && { step: s.best.step, validation: s.best.validation, weights: s.best.weights.map((w) => Float32Array.from(w)) };
      sinceBest = s.sinceBest;
    },
  };
}

/** The JSONL hook: one line per step, appended. */
function jsonlHook(io: TrainIo, file: string, fresh: boolean): TrainHook {
  if (fresh) io.truncate(file);
  return { name: 'jsonl', afterStep: (ctx) => io.append(file, `${JSON.stringify(ctx.record)}\n`) };
}

/**
 * Trains `summary` on `datasets` for the analysis (see the module comment).
 *
 * @throws InputError naming the option for an inconsistent configuration (unknown method, a bce
 *   method with a logits summary, a binning that does not fit the summary, missing datasets).
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
  const method = checkOptions(summary, analysis, datasets, options);
  const vars = summary.trainableVariables();
  const optimizer = optimizerFrom(options.optimizer);
  const schedule = scheduleFrom(options.optimizer.schedule);
  const tm = analysis.templateModel;
  const loss = method.loss;
  const lossHead = loss.kind === 'head' ? float64Op(countsHead(tm, (t, c) => loss.objective(t, c, { testPoi: options.testPoi }))) : undefined;
  const constants = hardTemplates(undefined, analysis, datasets, { fixedOnly: true });
  const terms = loss.kind === 'bce' ? bceTerms(analysis, datasets) : [];
  const m = options.batchSize;

  let step = 0;
  let sampler = BatchSampler.seeded(options.seed);
  const sizes = vars.map((v) => v.size);
  let state: OptimizerState = optimizer.init(sizes);
  let history: StepRecord[] = [];
  const io = options.io;
  const ckptFile = options.checkpoint && io ? io.join(options.checkpoint.dir, 'checkpoint.json') : undefined;
  const ckptText = options.resume && ckptFile !== undefined ? io!.readText(ckptFile) : undefined;
  const resumed = ckptText !== undefined ? readCheckpoint(ckptFile!, ckptText, options, vars) : undefined;

  const validation = options.validation ? validationHook(summary, analysis, method, options.validation, vars) : undefined;
  const hooks: TrainHook[] = [];
  if (validation) hooks.push(validation);
  if (options.jsonl && io) hooks.push(jsonlHook(io, options.jsonl, !resumed));
  if (options.onStep) {
    const onStep = options.onStep;
    hooks.push({ name: 'onStep', afterStep: (ctx) => onStep(ctx.record) });
  }
  hooks.push(...(options.hooks ?? []));
  const names = hooks.map((h) => h.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new InputError('argument', 'hooks', `name "${dup}" is used twice`);

  if (resumed) {
    step = resumed.step;
    vars.forEach((v, i) => v.assign(tf.tensor(resumed.weights[i], v.shape, 'float32')));
    disposeState(state);
    state = deserializeState(resumed.optimizer, sizes);
    sampler = BatchSampler.restore(resumed.sampler);
    history = [...resumed.history];
    for (const h of hooks) if (h.restore && resumed.hooks[h.name] !== undefined) h.restore(resumed.hooks[h.name]);
  }
  if (options.progress && io) hooks.push(io.progress(method.name, options.steps, step));

  const saveCheckpoint = () => {
    if (!ckptFile) return;
    const hookStates: Record<string, unknown> = {};
    for (const h of hooks) if (h.save) hookStates[h.name] = h.save();
    const c: Checkpoint = {
      format: 'diffinfer-checkpoint',
      version: 2,
      step,
      objective: method.name,
      seed: options.seed,
      weights: vars.map((v) => Array.from(v.dataSync() as Float32Array)),
      optimizer: serializeState(state),
      sampler: sampler.state(),
      history,
      hooks: hookStates,
    };
    io!.writeAtomic(ckptFile, JSON.stringify(c));
  };
  if (options.checkpoint) {
    const every = options.checkpoint.every;
    hooks.push({ name: 'checkpoint', afterStep: (ctx) => (ctx.step % every === 0 ? ctx.saveCheckpoint() : undefined) });
  }

  const lossOf = (batch: TrainingBatch) => (): tf.Scalar => {
    if (!lossHead) return bceLoss(summary, datasets, batch, terms);
    return lossHead(softTemplates(summary, analysis, datasets, batch, constants, options.variationFraction ?? 1));
  };

  let status: TrainResult['status'] = 'completed';
  let message: string | undefined;
  try {
    while (step < options.steps) {
      const t0 = performance.now();
      const lr = schedule(step);
      let lossValue: number;
      let finite: boolean;
      try {
        const batch = drawTrainingBatch(sampler, analysis, datasets, m, options.variationFraction ?? 1);
        try {
          const r = tf.tidy(() => {
            const { value, grads } = tf.variableGrads(lossOf(batch), vars);
            const v = value.dataSync()[0];
            if (!Number.isFinite(v)) return { v, ok: false };
            const next = applyGradients(optimizer, vars, vars.map((x) => grads[x.name]), state);
            if (next) state = next;
            return { v, ok: next !== undefined };
          });
          lossValue = r.v;
          finite = r.ok && Number.isFinite(lossValue);
        } finally {
          tf.dispose([...batch.x.values()]);
        }
      } catch (e) {
        // NaN counts, a failed fit or a non-finite head: stop with the cause, never continue
        lossValue = NaN;
        finite = false;
        message = `step ${step + 1}: the loss could not be evaluated (${(e as Error).message})`;
      }
      if (!finite) {
        // nothing to undo: applyGradients changes no weight unless every value is finite
        status = 'non-finite';
        message = `${message ?? `step ${step + 1}: the loss or its gradient is not finite (loss ${lossValue})`}; weights are those after step ${step}${ckptFile && io!.readText(ckptFile) !== undefined ? `, the last checkpoint stays in ${options.checkpoint!.dir}` : ''}`;
        break;
      }
      step++;
      let record: StepRecord = { step, loss: lossValue, learningRate: lr, stepMs: performance.now() - t0 };
      history.push(record);
      let stop: string | undefined;
      for (const h of hooks) {
        const r = h.afterStep?.({ step, totalSteps: options.steps, record, summary, analysis, saveCheckpoint });
        if (r?.record) {
          record = { ...record, ...r.record };
          history[history.length - 1] = record;
        }
        stop ??= r?.stop;
      }
      if (stop) {
        status = 'early-stopped';
        message = stop;
        break;
      }
    }
  } finally {
    for (const h of hooks) h.end?.();
    disposeState(state);
  }
  const best = validation?.best();
  if (best && (options.restoreBest ?? true)) vars.forEach((v, i) => v.assign(tf.tensor(best.weights[i], v.shape, 'float32')));
  return { status, steps: step, history, ...(best ? { best: { step: best.step, validation: best.validation } } : {}), ...(message ? { message } : {}) };
}

function checkOptions(summary: Summary, analysis: Analysis, datasets: Readonly<Record<string, Dataset>>, o: TrainOptions): Method {
  if (!isMethodName(o.objective)) throw new InputError('argument', 'objective', `must be one of ${METHOD_NAMES.join(', ')}, got ${JSON.stringify(o.objective)}`);
  const method = methodOf(o.objective);
  if (method.loss.kind === 'arm') {
    // the baseline arms (bce-augmented, pivot) draw nuisances and run an adversary: their own loop
    throw new InputError('argument', `objective ${method.name}`, 'is a baseline arm with its own training loop (trainChallengeArm of experiments/challenge); train() runs bce and the inference-aware objectives');
  }
  if (!Number.isInteger(o.steps) || o.steps < 1) throw new InputError('argument', 'steps', `must be a positive integer, got ${o.steps}`);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new InputError('argument', 'batchSize', `must be a positive integer, got ${o.batchSize}`);
  if (method.loss.kind === 'bce' && summary.output.kind !== 'score') throw new InputError('argument', `objective ${method.name}`, 'needs a summary with a score output (one sigmoid unit)');
  if (method.loss.kind === 'head' && (summary.output.kind === 'score') !== (analysis.spec.binning.kind === 'kde')) {
    throw new InputError('argument', 'analysis binning', `a ${summary.output.kind} summary needs ${summary.output.kind === 'score' ? 'kde' : 'softmax'} binning`);
  }
  if (summary.output.kind === 'logits' && summary.output.bins !== analysis.bins) throw new InputError('argument', 'summary output.bins', `is ${summary.output.bins}, the learned channels have ${analysis.bins} bins`);
  const learned = new Set(batchDatasets(analysis));
  for (const name of analysis.datasetNames()) {
    const d = datasets[name];
    if (!d) throw new InputError('argument', `datasets["${name}"]`, 'is missing (the analysis reads it)');
    if (learned.has(name) && d.dim !== summary.inputDim) throw new InputError('argument', `datasets["${name}"]`, `has ${d.dim} columns, the summary takes ${summary.inputDim}`);
    if (o.validation && !o.validation.datasets[name]) throw new InputError('argument', `validation.datasets["${name}"]`, 'is missing (the analysis reads it)');
  }
  if (o.variationFraction !== undefined && !(o.variationFraction > 0 && o.variationFraction <= 1)) {
    throw new InputError('argument', 'variationFraction', `must be in (0, 1], got ${o.variationFraction}`);
  }
  if (o.checkpoint && (!Number.isInteger(o.checkpoint.every) || o.checkpoint.every < 1)) throw new InputError('argument', 'checkpoint.every', `must be a positive integer, got ${o.checkpoint.every}`);
  if (o.validation && (!Number.isInteger(o.validation.every) || o.validation.every < 1)) throw new InputError('argument', 'validation.every', `must be a positive integer, got ${o.validation.every}`);
  for (const key of ['checkpoint', 'jsonl', 'progress'] as const) {
    if (o[key] && !o.io) throw new InputError('argument', key, 'needs `io` (files and a terminal: NODE_TRAIN_IO on Node; a browser trains without logs or checkpoints)');
  }
  return method;
}

function readCheckpoint(file: string, text: string, o: TrainOptions, vars: readonly tf.Variable[]): Checkpoint {
  let c: Checkpoint;
  try {
    c = JSON.parse(text) as Checkpoint;
  } catch (e) {
    throw new InputError('io', file, `is not a readable checkpoint (${(e as Error).message})`);
  }
  if (c.format !== 'diffinfer-checkpoint') throw new InputError('io', file, `format is ${JSON.stringify(c.format)}, expected "diffinfer-checkpoint"`);
  if (c.version !== 2) throw new InputError('io', file, `is a version ${c.version} checkpoint; this diffinfer reads version 2 (train afresh)`);
  if (c.objective !== o.objective || c.seed !== o.seed) throw new InputError('io', file, `was written for objective ${c.objective} and seed ${c.seed}, not ${o.objective} and ${o.seed}`);
  if (c.weights.length !== vars.length || c.weights.some((w, i) => w.length !== vars[i].size)) throw new InputError('io', file, 'its weights do not fit this summary');
  return c;
}
