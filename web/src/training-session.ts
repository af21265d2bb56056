/**
 * One training run of the page (no DOM: it runs in the training worker, and in Node for the
 * tests): the problem's config compiled by the library (neos: experiments/neos `neosConfig`;
 * INFERNO benchmark 2: `infernoConfig`), the summary and trainer options the CLI derives from it
 * (`createAnalysisSummary`, `analysisTrainOptions`), and `train` — so a seed gives the CLI's
 * loss curve step by step.
 *
 * The page trains in slices (to pause, and to draw between them): every slice is one `train`
 * call over the run's full step count that stops itself when its time is up, after saving a
 * checkpoint in memory (a {@link TrainIo} over a Map); the next slice resumes from it. The
 * trainer resumes exactly (weights, Adam moments, sampler, validation state), so the slices give
 * the steps of one uninterrupted run. The best validation weights are restored at the end, as
 * `train`'s `restoreBest` does for the CLI.
 */
import * as tf from '@tensorflow/tfjs-core';
import { analysisTrainOptions, createAnalysisSummary } from '../../src/models/analysis-training.js';
import { compileAnalysis, type CompiledAnalysis } from '../../src/models/config/compile.js';
import { gatherRows } from '../../src/models/data.js';
import { evaluateCounts } from '../../src/models/evaluate.js';
import { batchDatasets, hardTemplates, softTemplates, type TrainingBatch } from '../../src/models/fill.js';
import type { MlpSummary } from '../../src/models/mlp.js';
import { train, type StepRecord, type TrainHook, type TrainIo, type TrainOptions } from '../../src/models/trainer.js';
import { fixedPoiFit } from '../../src/stats/inference/fit.js';
import { convergedFit, discoverySignificance, expectedCls } from '../../src/stats/objectives/index.js';
import type { MergedBins } from '../../src/stats/templates/index.js';
import { PROBLEMS, type RunSpec } from './training-problems.js';
import { PAGE_SIMULATORS } from './training-simulators.js';

export { PAGE_INFERNO_OPTIONS, PROBLEMS, type Problem, type ProblemId, type RunSpec } from './training-problems.js';

/** A template of the model: a process (sample) at the nominal point or a variation. */
export interface TemplateHistogram {
  readonly sample: string;
  /** `nominal`, or `<nuisance> up` / `<nuisance> down`. */
  readonly variation: string;
  readonly soft: readonly number[];
  readonly hard: readonly number[];
}

/** A point of the profile likelihood of the POI. */
export interface ProfilePoint {
  readonly mu: number;
  readonly deltaNll: number;
}

/** The summary's state on the validation events. */
export interface Snapshot {
  readonly step: number;
  readonly histograms: readonly TemplateHistogram[];
  readonly profile: readonly ProfilePoint[];
  /** sigma_mu of the hard histograms: Fisher, and the profile-likelihood half-width. */
  readonly sigmaFisher: number;
  readonly sigmaProfile: number;
}

/** The figures the CLI reports, on the test events with the final (best-validation) weights. */
export interface FinalFigures {
  readonly cls: number;
  readonly z0: number;
  readonly sigmaFisher: number;
  readonly sigmaProfile: number;
  readonly bestStep?: number;
}

/**
 * `Delta NLL(mu) = (2NLL(mu, theta^^) - 2NLL(mu^, theta^)) / 2` on the Asimov data of mu = 1,
 * at `points` values of mu over `1 -+ 3 width` (cut at the POI bounds): fits with the POI fixed,
 * warm-started outward from mu = 1 (experiments/inferno/evaluate.ts `profileCurve` in units of
 * mu). Points where the likelihood vanishes are left out.
 */
function profileOfMu(merged: MergedBins, width: number, points = 31): ProfilePoint[] {
  const compiled = merged.templateModel.compile(merged.counts);
  const model = compiled.model;
  const poi = model.poiIndex;
  const { lower, upper } = model.suggestedBounds();
  const half = Number.isFinite(width) && width > 0 ? 3 * width : 1;
  const lo = Math.max(lower[poi], 1 - half);
  const hi = Math.min(upper[poi], 1 + half);
  const grid = Array.from({ length: points }, (_, k) => lo + ((hi - lo) * k) / (points - 1));
  const data = compiled.asimovData(1);
  const free = convergedFit(compiled, data, 'profile of mu: free fit to the Asimov data', { init: compiled.nominalParameters(1), secondStart: false });
  const out = new Float64Array(points).fill(Infinity);
  const at = (k: number, warm: Float64Array): Float64Array => {
    const r = fixedPoiFit(model, data, grid[k], { init: warm, uncertainties: false });
    if (!r.converged || !Number.isFinite(r.twiceNll)) return warm;
    out[k] = Math.max(0, 0.5 * (r.twiceNll - free.twiceNll));
    return r.parameters;
  };
  let start = 0;
  for (let k = 1; k < points; k++) if (Math.abs(grid[k] - 1) < Math.abs(grid[start] - 1)) start = k;
  let warm = at(start, free.parameters);
  for (let k = start + 1; k < points; k++) warm = at(k, warm);
  warm = free.parameters;
  for (let k = start - 1; k >= 0; k--) warm = at(k, warm);
  return grid.map((mu, k) => ({ mu, deltaNll: out[k] })).filter((p) => Number.isFinite(p.deltaNll));
}

/** A Map as the trainer's files: where the slices' checkpoint lives. */
function memoryIo(): TrainIo {
  const files = new Map<string, string>();
  return {
    join: (dir, name) => `${dir}/${name}`,
    readText: (file) => files.get(file),
    writeAtomic: (file, text) => void files.set(file, text),
    truncate: (file) => void files.set(file, ''),
    append: (file, text) => void files.set(file, (files.get(file) ?? '') + text),
    progress: () => ({ name: 'progress' }),
  };
}

const SLICE_STOP = 'slice';
/** Validation events per dataset in the snapshot's soft templates. */
const SOFT_EVENTS = 5000;
const CHECKPOINT_DIR = 'page';

export class TrainingSession {
  readonly totalSteps: number;
  readonly history: StepRecord[] = [];
  /** Milliseconds spent in `train` (slices), summed. */
  trainMs = 0;
  private final?: FinalFigures;
  private readonly io = memoryIo();

  private constructor(
    readonly spec: RunSpec,
    readonly compiled: CompiledAnalysis,
    readonly summary: MlpSummary,
    private readonly options: TrainOptions,
  ) {
    this.totalSteps = options.steps;
  }

  /** Compiles the run's config (train, validation and test splits) and builds its network. */
  static async create(spec: RunSpec, cache?: Map<string, Float32Array>): Promise<TrainingSession> {
    const problem = PROBLEMS[spec.problem];
    const compiled = await compileAnalysis(problem.config(spec.objective, spec.seed, spec.length), { simulators: PAGE_SIMULATORS, baseDir: '.', ...(cache ? { cache } : {}) });
    const summary = createAnalysisSummary(compiled);
    return new TrainingSession(spec, compiled, summary, analysisTrainOptions(compiled));
  }

  get step(): number {
    return this.history.length;
  }

  get done(): boolean {
    return this.step >= this.totalSteps;
  }

  /**
   * Trains for about `budgetMs` (at least one step, at most to the end); returns the new steps.
   * At the end the best validation weights are restored.
   */
  async advance(budgetMs: number): Promise<StepRecord[]> {
    if (this.done) return [];
    const t0 = performance.now();
    const slice: TrainHook = {
      name: SLICE_STOP,
      afterStep(ctx) {
        if (ctx.step === ctx.totalSteps) ctx.saveCheckpoint();
        else if (performance.now() - t0 >= budgetMs) {
          ctx.saveCheckpoint();
          return { stop: SLICE_STOP };
        }
      },
    };
    const result = await train(this.summary, this.compiled.analysis, this.compiled.datasets.train!, {
      ...this.options,
      io: this.io,
      checkpoint: { dir: CHECKPOINT_DIR, every: Number.MAX_SAFE_INTEGER },
      resume: true,
      restoreBest: false,
      hooks: [slice],
    });
    this.trainMs += performance.now() - t0;
    if (result.status === 'non-finite') throw new Error(`training ${this.spec.objective} stopped: ${result.message}`);
    const fresh = result.history.slice(this.history.length);
    this.history.push(...fresh);
    if (this.done) this.restoreBest();
    return fresh;
  }

  /** The step of the weights restored at the end (train's `best`), from the last checkpoint. */
  private bestStep?: number;

  private restoreBest(): void {
    const text = this.io.readText(`${CHECKPOINT_DIR}/checkpoint.json`);
    const best = text ? (JSON.parse(text) as { hooks: { validation?: { best?: { step: number; weights: number[][] } } } }).hooks.validation?.best : undefined;
    if (!best) return;
    this.bestStep = best.step;
    this.summary.trainableVariables().forEach((v, i) => v.assign(tf.tensor(best.weights[i], v.shape, 'float32')));
  }

  /** Soft and hard templates, the profile likelihood and the widths on the validation events. */
  snapshot(): Snapshot {
    const { analysis } = this.compiled;
    const valid = this.compiled.datasets.validation!;
    const hard = hardTemplates(this.summary, analysis, valid);
    const soft = this.softOnValidation();
    const histograms: TemplateHistogram[] = [];
    for (const s of analysis.templates.slots) {
      if (s.role === 'sumw2') continue;
      const variation = s.role === 'nominal' ? 'nominal' : `${s.modifier} ${s.role}`;
      histograms.push({ sample: s.sample, variation, soft: Array.from(soft.subarray(s.offset, s.offset + s.bins)), hard: Array.from(hard.subarray(s.offset, s.offset + s.bins)) });
    }
    const ev = evaluateCounts(analysis, hard, { profile: true });
    return {
      step: this.step,
      histograms,
      profile: profileOfMu(ev.merged, ev.sigmaProfile!),
      sigmaFisher: ev.sigmaFisher,
      sigmaProfile: ev.sigmaProfile!,
    };
  }

  /**
   * The soft templates of the validation events: one batch of the first {@link SOFT_EVENTS}
   * events of every dataset (no resampling), weighted to the full samples as a training batch.
   */
  private softOnValidation(): Float64Array {
    const { analysis } = this.compiled;
    const valid = this.compiled.datasets.validation!;
    const names = batchDatasets(analysis);
    const m = Math.min(SOFT_EVENTS, ...names.map((n) => valid[n].n));
    const idx = new Map<string, Int32Array>();
    const x = new Map<string, tf.Tensor2D>();
    for (const name of names) {
      const i = Int32Array.from({ length: m }, (_, k) => k);
      idx.set(name, i);
      x.set(name, tf.tensor2d(gatherRows(valid[name], i), [m, valid[name].dim]));
    }
    const batch: TrainingBatch = { m, idx, x };
    try {
      const constants = hardTemplates(undefined, analysis, valid, { fixedOnly: true });
      const t = tf.tidy(() => softTemplates(this.summary, analysis, valid, batch, constants, 1));
      const out = Float64Array.from(t.dataSync());
      t.dispose();
      return out;
    } finally {
      tf.dispose([...x.values()]);
    }
  }

  /** The CLI's figures on the test events (`diffinfer neos`: CLs, Z0, sigma_mu), once trained. */
  finalFigures(): FinalFigures {
    if (!this.done) throw new Error('finalFigures: the run has not finished');
    if (this.final) return this.final;
    const { analysis } = this.compiled;
    const counts = hardTemplates(this.summary, analysis, this.compiled.datasets.test!);
    const ev = evaluateCounts(analysis, counts, { profile: true });
    const { templateModel: tm, counts: merged } = ev.merged;
    this.final = {
      cls: expectedCls(tm, merged).value,
      z0: discoverySignificance(tm, merged).value,
      sigmaFisher: ev.sigmaFisher,
      sigmaProfile: ev.sigmaProfile!,
      ...(this.bestStep !== undefined ? { bestStep: this.bestStep } : {}),
    };
    return this.final;
  }

  dispose(): void {
    this.summary.dispose();
  }
}
