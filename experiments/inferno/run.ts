/**
 * Training runs on INFERNO's benchmarks: for each seed, the benchmark's config (benchmarks.ts
 * `infernoConfig`: an MLP 3-100-100-10 with softmax binning for the inference-aware methods,
 * 3-100-100-1 with 10 equal score bins for BCE) is compiled and trained by the one path every
 * analysis takes (src/models `trainAnalysis`), keeping the best validation epoch; the summary
 * is evaluated on a fresh test sample the paper's way and saved as a bundle (readable by
 * `diffinfer evaluate`, `export` and `apply`).
 */
import { join } from 'node:path';
import { initBackend, type BackendRequest } from '../../src/autodiff/backend.js';
import type { PlanEntry } from '../../src/models/analysis.js';
import { compileAnalysis } from '../../src/models/config/index.js';
import type { Dataset } from '../../src/models/data.js';
import { hardTemplates } from '../../src/models/fill.js';
import type { MethodName } from '../../src/models/methods.js';
import type { MlpSummary } from '../../src/models/mlp.js';
import { trainAnalysis } from '../../src/models/train-analysis.js';
import type { StepRecord } from '../../src/models/trainer.js';
import { NumericalError } from '../../src/stats/errors.js';
import type { EpochRecord, SeedResult } from '../report/types.js';
import { BUILTIN_SIMULATORS } from '../simulators/registry.js';
import { infernoConfig, infernoStepsPerEpoch, type InfernoBenchmark, type InfernoConfigOptions } from './benchmarks.js';
import { infernoWidths, profileCurve, type InfernoEvaluation } from './evaluate.js';

/** Methods trainable on INFERNO's benchmarks. */
export const INFERNO_METHODS = ['inferno', 'profile-width', 'bce', 'cls'] as const satisfies readonly MethodName[];

export type InfernoMethod = (typeof INFERNO_METHODS)[number];

/** Configuration of a run (one method, one benchmark, several seeds). */
export interface InfernoRunConfig extends Omit<InfernoConfigOptions, 'testEvents'> {
  readonly benchmark: InfernoBenchmark;
  readonly method: InfernoMethod;
  readonly progress?: boolean;
}

export { INFERNO_DEFAULTS } from './benchmarks.js';

/** A trained seed: the model, its evaluation on the test sample, and the result row. */
export interface TrainedSeed {
  readonly summary: MlpSummary;
  readonly evaluation: InfernoEvaluation;
  readonly result: SeedResult;
}

/** Simulated event tables shared by the runs of one process (the test sample above all). */
const TABLES = new Map<string, Float32Array>();

/**
 * Trains and evaluates one seed; saves the bundle under `save.out/save.modelDir` when given.
 *
 * @throws NumericalError when training stops on a non-finite step or a fit of the evaluation
 *   fails (the summary is released first).
 *
 * @example
 * ```ts
 * const { result } = await trainInfernoSeed({ ...INFERNO_DEFAULTS, benchmark: 2, method: "inferno", epochs: 20 }, 0, 1_000_000, { out: "runs", modelDir: "inferno/seed-0" });
 * ```
 */
export async function trainInfernoSeed(config: InfernoRunConfig, seed: number, testEvents: number, save?: { readonly out: string; readonly modelDir: string }): Promise<TrainedSeed> {
  const { benchmark, method } = config;
  const raw = infernoConfig(benchmark, method, seed, { ...config, testEvents });
  const compiled = await compileAnalysis(raw, { simulators: BUILTIN_SIMULATORS, cache: TABLES });
  const stepsPerEpoch = infernoStepsPerEpoch(config);
  const history: EpochRecord[] = [];
  let epochLoss = 0;
  let epochSteps = 0;
  let epochStart = performance.now();
  const onStep = (r: StepRecord) => {
    epochLoss += r.loss;
    epochSteps++;
    if (r.step % stepsPerEpoch === 0) {
      history.push({ epoch: r.step / stepsPerEpoch, loss: epochLoss / epochSteps, ...(r.validation !== undefined ? { validation: 50 * r.validation } : {}), seconds: (performance.now() - epochStart) / 1000 });
      epochLoss = 0;
      epochSteps = 0;
      epochStart = performance.now();
    }
  };
  const dir = save ? join(save.out, save.modelDir) : undefined;
  const trained = await trainAnalysis(compiled, {
    ...(dir ? { out: dir, source: { config: raw as Record<string, unknown>, baseDir: process.cwd() } } : {}),
    progress: config.progress ?? false,
    onStep,
  });
  try {
    const evaluation = infernoWidths(benchmark, compiled.analysis, hardTemplates(trained.summary, compiled.analysis, compiled.datasets.test as Readonly<Record<string, Dataset>>));
    const epochs = history.length;
    return {
      summary: trained.summary,
      evaluation,
      result: {
        method,
        benchmark,
        seed,
        sigmaFisher: evaluation.sigmaFisher,
        sigmaProfile: evaluation.sigmaProfile,
        epochs,
        trainSeconds: trained.seconds,
        secondsPerEpoch: epochs > 0 ? trained.seconds / epochs : trained.seconds,
        history,
        modelDir: save?.modelDir ?? '',
      },
    };
  } catch (e) {
    trained.summary.dispose();
    throw e;
  }
}

/** The hard-bin histograms per sample and variation of the learned channels, for distribution plots. */
export function distributionOf(plan: readonly PlanEntry[], counts: Float64Array): Array<{ process: string; counts: number[] }> {
  const names: Record<string, string> = { nominal: '', up: ' up', down: ' down' };
  const learned = plan.filter((e) => e.fill.kind === 'summary' && e.slot.role !== 'sumw2');
  const channels = new Set(learned.map((e) => e.slot.channel));
  return learned.map((e) => ({
    process: `${channels.size > 1 ? `${e.slot.channel} ` : ''}${e.slot.sample}${e.slot.modifier && e.slot.role !== 'nominal' ? ` ${e.slot.modifier}` : ''}${names[e.slot.role]}`,
    counts: Array.from(counts.subarray(e.slot.offset, e.slot.offset + e.slot.bins)),
  }));
}

/**
 * What one INFERNO training unit (benchmark x method x seed) leaves in its unit file: the result
 * row and, for the first seed of the list, the data of its plots (hard-bin histograms per process and variation, the
 * profile-likelihood curve), so that the plots are drawn from the unit files at the end, resumed,
 * on workers or merged from shards.
 */
export interface InfernoUnitOutput {
  readonly result: SeedResult;
  readonly distribution?: Array<{ process: string; counts: number[] }>;
  readonly curve?: Array<{ s: number; deltaNll: number }>;
  /** Lines for stderr (the unit may run on a worker thread; the command prints them). */
  readonly log?: readonly string[];
}

/** One training unit as a worker receives it (structured-cloneable). */
export interface InfernoUnitArgs {
  readonly config: InfernoRunConfig;
  readonly seed: number;
  readonly testEvents: number;
  readonly out: string;
  readonly modelDir: string;
  /** The tfjs backend asked for (undefined: DIFFINFER_BACKEND or auto), loaded once per thread. */
  readonly backend?: BackendRequest;
  /** Draw the plot data (the first seed of the list, for each benchmark and method). */
  readonly plots: boolean;
  /** `--coverage N`: the coverage columns of the row (experiments/coverage-model.ts `runCoverageColumns`). */
  readonly coverage?: number;
}

const backends = new Map<string, Promise<unknown>>();

/**
 * Loads the tfjs backend once in this thread (the main thread, or each worker: one backend per
 * worker); later calls with the same request wait for the first.
 *
 * @throws InputError when the backend asked for cannot be loaded.
 * @example
 * ```ts
 * await ensureTrainingBackend('wasm');
 * ```
 */
export async function ensureTrainingBackend(request?: BackendRequest): Promise<void> {
  const key = request ?? '';
  let p = backends.get(key);
  if (!p) {
    p = initBackend({ request });
    backends.set(key, p);
    p.catch(() => backends.delete(key));
  }
  await p;
}

/**
 * Trains and evaluates one unit, with its plot data: the task a worker runs (`call` of
 * src/parallel/tasks.ts; in this thread for one worker). The numbers depend only on `args`.
 *
 * @throws NumericalError as {@link trainInfernoSeed} (the unit is then recorded as failed).
 * @example
 * ```ts
 * const out = await trainInfernoUnit({ config: { ...INFERNO_DEFAULTS, benchmark: 2, method: 'bce', epochs: 1 }, seed: 0, testEvents: 5000, out: 'runs/x', modelDir: 'bce/seed-0', plots: true });
 * out.result.sigmaFisher;
 * ```
 */
export async function trainInfernoUnit(args: InfernoUnitArgs): Promise<InfernoUnitOutput> {
  await ensureTrainingBackend(args.backend);
  const trained = await trainInfernoSeed(args.config, args.seed, args.testEvents, { out: args.out, modelDir: args.modelDir });
  try {
    const log = [`diffinfer:   sigma_s ${trained.result.sigmaFisher.toFixed(2)} (Fisher), ${trained.result.sigmaProfile.toFixed(2)} (profile); ${trained.result.secondsPerEpoch.toFixed(2)} s per epoch`];
    if (args.coverage) {
      // the evaluation's templates; pseudo-experiments from the simulator through the saved bundle
      const { runCoverageColumns } = await import('../coverage-model.js');
      const c = await runCoverageColumns({ bundle: join(args.out, args.modelDir), benchmark: args.config.benchmark, analysis: trained.evaluation.analysis, counts: trained.evaluation.counts }, args.coverage, args.seed, join(args.out, args.modelDir, 'coverage'));
      trained.result.coverage = c;
      log.push(`diffinfer:   coverage ${c.coverage.toFixed(3)} +- ${c.coverageError.toFixed(3)} (N = ${c.n}), mean width ${c.meanWidth.toFixed(3)}, score ${c.score.toFixed(3)}`);
    }
    if (!args.plots) return { result: trained.result, log };
    const ev = trained.evaluation;
    const distribution = distributionOf(ev.analysis.plan(), ev.counts);
    try {
      return { result: trained.result, distribution, curve: profileCurve(ev).points.map((p) => ({ s: p.s, deltaNll: p.deltaNll })), log };
    } catch (e) {
      // the curve is a plot: its failure leaves the run's numbers standing
      if (!(e instanceof NumericalError)) throw e;
      return { result: trained.result, distribution, log: [...log, `diffinfer:   no profile curve plot (${e.message})`] };
    }
  } finally {
    trained.summary.dispose();
  }
}

export { profileCurve };
