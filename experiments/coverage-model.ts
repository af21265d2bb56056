/**
 * Coverage of a trained model with pseudo-experiments drawn from the simulator itself, not from
 * the templates: an INFERNO/BCE model on an INFERNO benchmark (`diffinfer coverage --model DIR
 * --benchmark B`, the `--coverage N` column of `diffinfer inferno/ablate`), or a model of the
 * challenge problem (`diffinfer challenge`: the pool of experiments/challenge/protocol-draw.ts,
 * {@link ModelTemplates.challenge}). Both go through the same job, units and draw hook; only the
 * main data of a pseudo-experiment differ ({@link simulatedCounts}).
 *
 * INFERNO pseudo-experiment `i` (stream "coverage", or the Neyman belt's "neyman/mu=<mu>"):
 *
 * - true `mu_i ~ U(muRange)` (`coverageTrueMu`, coverage stream) or the belt's grid value;
 * - the benchmark's constrained nuisances drawn from their priors in physical units
 *   (benchmark 4: `r ~ N(2.0, 0.4)`, `lambda ~ N(3.0, 1.0)`, `b ~ N(1000, 100)`), redrawn until
 *   inside the model's bounds (`r` in [0, 4], `lambda` in (0, 8], `b > 0`); fixed or free
 *   nuisances at their nominal values (uniforms of `toyUniforms(seed, "<stream>/truth", i)`);
 * - event counts `n_s ~ Poisson(50 mu_i)` and `n_b ~ Poisson(b)` (`"<stream>/counts"`), the events
 *   from `simulateInferno` (seed `coverage/<seed>/<stream>/<i>`) at the drawn `r`, `lambda`;
 * - every event through the trained summary and into one hard bin by the evaluation's rule
 *   (`hardBins` of the analysis: argmax of the logits, or the score's edges), the bins merged
 *   as the export merges them;
 * - fitted with the model of the workspace `diffinfer export` writes for the bundle (the
 *   benchmark's templates of the test split, `exportWorkspace`), auxiliary data nominal.
 *
 * The intervals (profile likelihood; Neyman with bias correction, its belt from simulated
 * pseudo-experiments too) and the summary are those of workspace coverage
 * (src/stats/inference/coverage.ts through its `draw` hook, src/jobs/coverage-job.ts): the same
 * units, unit store, shards, `--resume`, final step, results.json, report.md and plots.
 *
 * Node-only (files, tfjs, worker threads).
 */
import { isMainThread } from 'node:worker_threads';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, type BackendRequest } from '../src/autodiff/backend.js';
import { beltGrid, coverageOptions, coverageUnitJob, coverageUnits, finalizeCoverage, type CoverageJson, type CoverageManifest, type CoverageUnit } from '../src/jobs/coverage-job.js';
import { runNeymanEstimateBlock } from '../src/jobs/neyman-estimates.js';
import { runJob, type JobOutcome } from '../src/jobs/run.js';
import { hardBins, type Analysis, type Binning } from '../src/models/analysis.js';
import { loadBundleSummary, openBundle, readBundle } from '../src/models/bundle.js';
import { dataset } from '../src/models/data.js';
import { hardTemplates, summaryOutputs } from '../src/models/fill.js';
import type { Summary } from '../src/models/summary.js';
import { checkWorkerCount, type Executor } from '../src/parallel/pool.js';
import type { ShardSpec } from '../src/parallel/shards.js';
import { modelSource, modelOf, type ModelSource } from '../src/parallel/tasks.js';
import type { UnitJob } from '../src/parallel/job.js';
import { InputError, NumericalError } from '../src/stats/errors.js';
import {
  checkPseudoExperimentConfig,
  runBeltBlock,
  runCoverageBlock,
  type IntervalMethod,
  type PseudoExperimentConfig,
  type PseudoExperimentData,
} from '../src/stats/inference/coverage.js';
import { checkSeed, normalVariate, poissonVariate, toyUniforms } from '../src/stats/inference/toys.js';
import type { ModelData } from '../src/stats/model/model.js';
import { INFERNO_ALPHA_BOUNDS, INFERNO_BENCHMARK_NUISANCES, INFERNO_BENCHMARKS, INFERNO_POI_BOUNDS, INFERNO_TEMPLATE_STEPS, infernoBenchmarkConfig, type InfernoBenchmark } from './inferno/benchmarks.js';
import { INFERNO_NOMINAL, simulateInferno } from './simulators/inferno.js';
import { challengeCounts, type ChallengePoolSpec } from './challenge/protocol-draw.js';
import { runTwoPassUnit } from './challenge/protocol-twopass.js';
import { BUILTIN_SIMULATORS } from './simulators/registry.js';

/** True simulator parameters of one pseudo-experiment (physical units). */
export interface SimulatorTruth {
  readonly mu: number;
  readonly r: number;
  readonly lambda: number;
  /** Expected background events. */
  readonly b: number;
}

/** The physical domain of the nuisances: the template model's bounds (alpha in [-10, 10]), lambda > 0, b > 0. */
const DOMAIN = {
  r: [INFERNO_NOMINAL.r + INFERNO_TEMPLATE_STEPS.r * INFERNO_ALPHA_BOUNDS[0], INFERNO_NOMINAL.r + INFERNO_TEMPLATE_STEPS.r * INFERNO_ALPHA_BOUNDS[1]],
  lambda: [Math.max(1e-6, INFERNO_NOMINAL.lambda + INFERNO_TEMPLATE_STEPS.lambda * INFERNO_ALPHA_BOUNDS[0]), INFERNO_NOMINAL.lambda + INFERNO_TEMPLATE_STEPS.lambda * INFERNO_ALPHA_BOUNDS[1]],
  b: [1e-6, Infinity],
} as const;

/**
 * The true nuisances of pseudo-experiment `index` of `stream` on `benchmark`: each constrained
 * one from its prior `N(mean, sigma)` (in the order r, lambda, b, redrawn until inside
 * {@link DOMAIN}, at most 1000 times), the others nominal.
 *
 * @example
 * ```ts
 * simulatorTruth(4, 7, 'coverage', 0, 1.2); // { mu: 1.2, r: 2.13, lambda: 2.61, b: 1043.2 } (e.g.)
 * ```
 */
export function simulatorTruth(benchmark: InfernoBenchmark, seed: number, stream: string, index: number, mu: number): SimulatorTruth {
  const t = INFERNO_BENCHMARK_NUISANCES[benchmark];
  const u = toyUniforms(seed, `${stream}/truth`, index);
  const nominal = { r: INFERNO_NOMINAL.r, lambda: INFERNO_NOMINAL.lambda, b: INFERNO_NOMINAL.b };
  const out: { r: number; lambda: number; b: number } = { ...nominal };
  for (const name of ['r', 'lambda', 'b'] as const) {
    const p = t[name];
    if (typeof p === 'string') continue;
    const [lo, hi] = DOMAIN[name];
    let v = NaN;
    for (let k = 0; k < 1000 && Number.isNaN(v); k++) {
      const x = p.mean + p.sigma * normalVariate(u);
      if (x >= lo && x <= hi) v = x;
    }
    if (Number.isNaN(v)) throw new NumericalError(`prior of ${name} puts (almost) no mass inside [${lo}, ${hi}]`);
    out[name] = v;
  }
  return { mu, ...out };
}

/** What a worker needs to draw and fit simulated pseudo-experiments (structured-cloneable). */
export interface SimulatedPseudoExperiments {
  /** The bundle folder (absolute): its summary is loaded once per thread. */
  readonly bundle: string;
  /** INFERNO models: the benchmark whose nuisances are drawn (exactly one of `benchmark`, `challenge`). */
  readonly benchmark?: InfernoBenchmark;
  /** Challenge models: the event pool the pseudo-experiments bootstrap. */
  readonly challenge?: ChallengePoolSpec;
  /** The backend the main thread uses (workers load the same, for the same numbers). */
  readonly backend: BackendRequest;
  /** The exported workspace's model. */
  readonly model: ModelSource;
  /** The hard binning of the analysis and its number of bins. */
  readonly binning: Binning;
  readonly bins: number;
  /** Per template bin: the model's main bin it goes to (the export's merges). */
  readonly binMap: readonly number[];
  readonly pseudo: PseudoExperimentConfig;
}

/**
 * Main data of one simulated pseudo-experiment (see the module comment): the truth of
 * {@link simulatorTruth}, Poisson counts, events through the summary, hard-binned, merged into
 * the model's `nBins` main bins. The same arguments give the same counts on any thread.
 *
 * @example
 * ```ts
 * const main = simulatedCounts(setup, summary, model.nMainBins, 'coverage', 12, 1.4); // sums to ~1070 events
 * ```
 */
export function simulatedCounts(s: Omit<SimulatedPseudoExperiments, 'bundle' | 'backend' | 'model'>, summary: Summary, nBins: number, stream: string, index: number, mu: number): Float64Array {
  if (s.challenge) return challengeCounts({ pool: s.challenge, binning: s.binning, bins: s.bins, binMap: s.binMap, seed: s.pseudo.seed }, summary, nBins, stream, index, mu);
  if (s.benchmark === undefined) throw new InputError('argument', 'simulated pseudo-experiments', 'need an INFERNO benchmark or a challenge pool');
  const truth = simulatorTruth(s.benchmark, s.pseudo.seed, stream, index, mu);
  const u = toyUniforms(s.pseudo.seed, `${stream}/counts`, index);
  const nS = poissonVariate(INFERNO_NOMINAL.s * truth.mu, u);
  const nB = poissonVariate(truth.b, u);
  const n = nS + nB;
  const main = new Float64Array(nBins);
  if (n === 0) return main;
  const seed = `coverage/${s.pseudo.seed}/${stream}/${index}`;
  const x = new Float32Array(3 * n);
  if (nS > 0) x.set(simulateInferno({ process: 'signal', n: nS, seed }).x, 0);
  if (nB > 0) x.set(simulateInferno({ process: 'background', n: nB, seed, r: truth.r, lambda: truth.lambda }).x, 3 * nS);
  const bins = hardBins(s.binning, s.bins, summaryOutputs(summary, dataset(x, 3, undefined, 'pseudo-experiment')), n);
  for (let i = 0; i < n; i++) if (bins[i] >= 0) main[s.binMap[bins[i]]]++;
  return main;
}

const summaries = new Map<string, Promise<Summary>>();
let backendReady: Promise<unknown> | undefined;

async function summaryOf(s: SimulatedPseudoExperiments): Promise<Summary> {
  // the main thread chose its backend (the CLI, a test); a worker loads the same one once
  if (!isMainThread) backendReady ??= initBackend({ request: s.backend, log: () => {} });
  await backendReady;
  let p = summaries.get(s.bundle);
  if (!p) {
    p = loadBundleSummary(s.bundle, readBundle(s.bundle));
    summaries.set(s.bundle, p);
    // units run one at a time per thread: the oldest summary is no longer in use
    if (summaries.size > 4) releaseBundleSummary(summaries.keys().next().value as string);
  }
  return p;
}

/** Disposes this thread's cached summary of a bundle (after the last unit that needs it). */
export function releaseBundleSummary(bundle: string): void {
  const p = summaries.get(bundle);
  summaries.delete(bundle);
  void p?.then((summary) => summary.dispose(), () => undefined);
}

/** The view of a parameterized summary (src/models/parameterized.ts) this module needs: f(x; z) at fixed standardised z. */
export interface ParameterizedSummaryView extends Summary {
  at(z: Readonly<Record<'tes' | 'jes' | 'softMet', number>>): Summary;
  readonly nuisanceNames: readonly string[];
}

/**
 * True when the summary is parameterized by the shape nuisances (has `at`).
 *
 * @example
 * ```ts
 * if (isParameterizedSummary(summary)) summary.at({ tes: 0.5, jes: 0, softMet: 1 });
 * ```
 */
export function isParameterizedSummary(summary: Summary): summary is ParameterizedSummaryView {
  return 'at' in summary && typeof (summary as { at?: unknown }).at === 'function';
}

const passOneViews = new WeakMap<Summary, Summary>();

/**
 * The summary the exported templates (the model of pass 1) are filled with: the summary itself,
 * or for a parameterized one its view at z = 0 (cached per summary). Its pseudo-experiments go
 * through the two-pass fit of experiments/challenge/protocol-twopass.ts.
 *
 * @example
 * ```ts
 * hardTemplates(parameterizedPassOne(summary), analysis, test); // f(x; 0) for a parameterized summary
 * ```
 */
export function parameterizedPassOne(summary: Summary): Summary {
  if (!isParameterizedSummary(summary)) return summary;
  let view = passOneViews.get(summary);
  if (!view) {
    view = summary.at({ tes: 0, jes: 0, softMet: 0 });
    passOneViews.set(summary, view);
  }
  return view;
}

/** The arguments of {@link runModelCoverageUnit} (one unit of a model coverage run). */
export interface ModelCoverageUnitArgs {
  readonly setup: SimulatedPseudoExperiments;
  readonly unit: CoverageUnit;
  readonly level: number;
}

/**
 * One unit of a model coverage run (what the `call` task runs on a worker): the block of
 * workspace coverage (`runCoverageBlock`, `runBeltBlock`, `runNeymanEstimateBlock`) with the
 * data drawn from the simulator ({@link simulatedCounts}).
 *
 * @example
 * ```ts
 * const block = (await runModelCoverageUnit({ setup, unit: job.units[0], level: 1 })) as CoverageBlockResult;
 * ```
 */
export async function runModelCoverageUnit(args: ModelCoverageUnitArgs): Promise<unknown> {
  const { setup, unit } = args;
  const loaded = await summaryOf(setup);
  // a parameterized summary f(x; z) of the challenge: the two-pass fit (experiments/challenge/protocol-twopass.ts)
  if (setup.challenge && isParameterizedSummary(loaded)) return runTwoPassUnit({ bundle: setup.bundle, pool: setup.challenge, binning: setup.binning, bins: setup.bins, pseudo: setup.pseudo, level: args.level, unit }, loaded);
  const summary = parameterizedPassOne(loaded);
  const model = modelOf(setup.model);
  const aux = Float64Array.from(model.auxdata);
  const draw: PseudoExperimentData = (stream, index, mu): ModelData => ({ main: simulatedCounts(setup, summary, model.nMainBins, stream, index, mu), aux });
  const config = setup.pseudo;
  if (unit.kind === 'belt') return runBeltBlock(model, { config, mu: unit.mu!, start: unit.start, count: unit.count, draw });
  if (unit.kind === 'estimates') return runNeymanEstimateBlock(model, { config, start: unit.start, count: unit.count, draw });
  return runCoverageBlock(model, { config, start: unit.start, count: unit.count, method: 'profile', level: args.level, draw });
}

/** The templates of a trained model (what `diffinfer export [--benchmark B]` writes) and where its pseudo-experiments come from. */
export interface ModelTemplates {
  readonly bundle: string;
  /** INFERNO: the benchmark (exactly one of `benchmark`, `challenge`). */
  readonly benchmark?: InfernoBenchmark;
  /** The challenge problem: the pool of its test split (experiments/challenge/protocol-draw.ts). */
  readonly challenge?: ChallengePoolSpec;
  readonly analysis: Analysis;
  /** Hard templates of the analysis (`hardTemplates` on its test split). */
  readonly counts: Float64Array;
}

/** What defines a model coverage run. */
export interface ModelCoverageSpec {
  readonly pseudoExperiments: number;
  readonly seed: number;
  readonly muRange: readonly [number, number];
  readonly method: IntervalMethod;
  readonly level: number;
  readonly beltPoints: number;
  readonly beltToys: number;
  /**
   * Neyman: the belt's grid from LO to HI (`beltPoints` equal steps) instead of the true range
   * widened by 3 Asimov sigma (`beltGrid`) — for models whose Asimov sigma understates the
   * spread of the estimate (the challenge: the histosys interpolation is coarser than the data's
   * precision, so mu^ spreads 3-5 times wider than the Hessian says).
   */
  readonly beltRange?: readonly [number, number];
  readonly blockSize?: number;
  readonly beltBlockSize?: number;
}

/** Options of a model coverage run. */
export interface ModelCoverageOptions extends ModelCoverageSpec {
  readonly out?: string;
  readonly workers: number;
  readonly progress?: boolean;
  readonly resume?: boolean;
  readonly shard?: ShardSpec;
  readonly executor?: Executor;
}

/** The tfjs backend name of this thread as a request workers can load. */
function backendRequest(): BackendRequest {
  const name = tf.getBackend();
  if (name === 'tensorflow') return 'node';
  if (name === 'webgpu' || name === 'webgl') return 'gpu';
  return name === 'wasm' ? 'wasm' : 'cpu';
}

function infernoDescription(benchmark: InfernoBenchmark, bundle: string, method: string, bins: number) {
  return {
    workspace: `the workspace \`diffinfer export ${bundle} --benchmark ${benchmark}\` writes (${bins} bins)`,
    source: `${method} summary, INFERNO benchmark ${benchmark}; pseudo-experiments simulated (events Poisson(50 mu) signal + Poisson(b) background at ${describePriors(benchmark)}, through the summary, hard-binned).`,
    truth: { source: `the simulator: ${describePriors(benchmark)}`, values: { r: INFERNO_NOMINAL.r, lambda: INFERNO_NOMINAL.lambda, b: INFERNO_NOMINAL.b } as Record<string, number>, held: [] as string[] },
  };
}

function challengeDescription(pool: ChallengePoolSpec, method: string, bins: number) {
  const twoPass = method === 'parameterized' ? ' Two-pass fit: pass 1 with f(x; 0), the fitted tes, jes, softMet rounded to a 0.5 grid in [-2, 2], templates and data refilled with f(x; z_hat), refit.' : '';
  return {
    workspace: `the workspace \`diffinfer export\` writes for the bundle (${bins} bins; test split ${pool.events} events per process, seed ${pool.seed})`,
    source: `${method} summary, challenge problem; pseudo-experiments from the pool of the test split (${pool.events} events per process, seed ${pool.seed}): the six nuisances from the challenge's priors, the events re-derived at tes, jes, softMet, weighted by yield x normalisation x mu, through the summary, hard-binned, Poisson per bin.${twoPass}`,
    truth: { source: "the challenge's priors (drawChallengeNuisances)", values: {} as Record<string, number>, held: [] as string[] },
  };
}

function describePriors(benchmark: InfernoBenchmark): string {
  const t = INFERNO_BENCHMARK_NUISANCES[benchmark];
  const parts = (['r', 'lambda', 'b'] as const).map((n) => (typeof t[n] === 'string' ? `${n} = ${INFERNO_NOMINAL[n]} (${t[n]})` : `${n} ~ N(${(t[n] as { mean: number }).mean}, ${(t[n] as { sigma: number }).sigma})`));
  return parts.join(', ');
}

/**
 * The model pseudo-experiments are fitted with: the workspace `diffinfer export` writes for
 * hard templates `counts` of a one-channel analysis (auxiliary data nominal, Asimov POI 0), its
 * model, and per template bin the model's main bin (the export's merges).
 *
 * @throws NumericalError when the export's bins do not cover the template bins.
 * @example
 * ```ts
 * const { model, binMap } = exportedModel(analysis, hardTemplates(summary, analysis, test));
 * ```
 */
export function exportedModel(analysis: Analysis, counts: Float64Array) {
  const e = analysis.templateModel.exportWorkspace(counts, { asimovPoi: 0 });
  const measurement = e.workspace.measurements[0].name;
  const source = modelSource(e.workspace, { measurement });
  const model = modelOf(source);
  const binMap = new Array<number>(analysis.bins).fill(-1);
  e.bins.forEach((group, k) => group.forEach((b) => (binMap[b] = k)));
  if (model.nMainBins !== e.bins.length || binMap.some((k) => k < 0)) throw new NumericalError(`the export's ${e.bins.length} bins do not cover the ${analysis.bins} template bins`);
  return { e, measurement, source, model, binMap };
}

/**
 * Checks the options of a model coverage run before anything is loaded (the POI range against
 * the INFERNO POI bounds `[0, 10]`; the exported model is checked again when the job is made).
 *
 * @throws InputError naming "pseudo-experiments", "seed", "true POI range", "belt points" or "belt toys".
 * @example
 * ```ts
 * checkModelCoverageSpec({ pseudoExperiments: 1000, seed: 1, muRange: [0.1, 3], method: 'profile', level: 1, beltPoints: 12, beltToys: 200 });
 * ```
 */
export function checkModelCoverageSpec(o: ModelCoverageSpec): void {
  if (!Number.isSafeInteger(o.pseudoExperiments) || o.pseudoExperiments < 1) throw new InputError('argument', 'pseudo-experiments', `must be a positive integer, got ${o.pseudoExperiments}`);
  checkSeed(o.seed);
  const [a, b] = o.muRange;
  const [lo, hi] = INFERNO_POI_BOUNDS;
  if (!(Number.isFinite(a) && Number.isFinite(b) && b > a)) throw new InputError('argument', 'true POI range', `needs finite LO < HI, got [${a}, ${b}]`);
  if (a < lo || b > hi) throw new InputError('argument', 'true POI range', `[${a}, ${b}] is outside the bounds of "mu" [${lo}, ${hi}]`);
  if (o.method === 'neyman' && !(Number.isSafeInteger(o.beltPoints) && o.beltPoints >= 3)) throw new InputError('argument', 'belt points', `must be an integer >= 3, got ${o.beltPoints}`);
  if (o.method === 'neyman' && !(Number.isSafeInteger(o.beltToys) && o.beltToys >= 2)) throw new InputError('argument', 'belt toys', `must be an integer >= 2, got ${o.beltToys}`);
}

/**
 * The units of a model coverage run and how each runs: exports the templates as a workspace,
 * maps the template bins to its bins, and (Neyman) lays the belt's grid (`beltGrid`, from the
 * exported model at nominal nuisances).
 *
 * @throws InputError for bad options ("pseudo-experiments", "true POI range", "seed",
 *   "belt points", "belt toys") or a model that is not one INFERNO channel.
 */
export function modelCoverageJob(t: ModelTemplates, o: ModelCoverageSpec): UnitJob<CoverageUnit, unknown> {
  if (!t.challenge && !INFERNO_BENCHMARKS.includes(t.benchmark!)) throw new InputError('argument', 'benchmark', `must be one of 0, 1, 2, 3, 4, got ${t.benchmark}`);
  checkModelCoverageSpec(o);
  const { analysis } = t;
  if (analysis.spec.template.channels.length !== 1 || analysis.learnedChannels().length !== 1) throw new InputError('argument', 'model', `coverage from the simulator needs one learned channel (INFERNO, challenge), this analysis has ${analysis.spec.template.channels.length} channels`);
  const { e, measurement, source, model, binMap } = exportedModel(analysis, t.counts);
  const truth = model.suggestedInit();
  const pseudo: PseudoExperimentConfig = { seed: o.seed, muRange: [o.muRange[0], o.muRange[1]], truth: Array.from(truth), nuisances: 'prior' };
  checkPseudoExperimentConfig(model, pseudo);
  const grid = o.method !== 'neyman' ? [] : o.beltRange ? Array.from({ length: o.beltPoints }, (_, k) => o.beltRange![0] + ((o.beltRange![1] - o.beltRange![0]) * k) / (o.beltPoints - 1)) : beltGrid(model, truth, o.muRange, o.beltPoints);
  const units = coverageUnits(o, grid);
  const bundle = resolve(t.bundle);
  const setup: SimulatedPseudoExperiments = { bundle, ...(t.challenge ? { challenge: t.challenge } : { benchmark: t.benchmark }), backend: backendRequest(), model: source, binning: analysis.spec.binning, bins: analysis.bins, binMap, pseudo };
  const method = readBundle(bundle).method;
  const described = t.challenge ? challengeDescription(t.challenge, method, e.bins.length) : infernoDescription(t.benchmark!, t.bundle, method, e.bins.length);
  const manifest: CoverageManifest = {
    model: source.key,
    inputs: {
      model: t.bundle,
      ...(t.challenge ? { pool: t.challenge } : { benchmark: t.benchmark }),
      method,
      workspace: described.workspace,
      patches: [],
      measurement,
      source: described.source,
    },
    options: coverageOptions({ ...o, nuisances: 'prior' }),
    poi: model.poiName,
    truth: described.truth,
    pseudo,
    method: o.method,
    level: o.level,
    mu_range: [o.muRange[0], o.muRange[1]],
    grid,
  };
  return coverageUnitJob(manifest, units, (unit, executor) => executor.run('call', { module: import.meta.url, name: 'runModelCoverageUnit', args: { setup, unit, level: o.level } satisfies ModelCoverageUnitArgs }));
}

/**
 * Runs a model coverage job (every unit and the final step of workspace coverage, or one
 * shard's units).
 *
 * @example
 * ```ts
 * const t = await bundleTemplates('runs/b4/inferno/seed-0', 4);
 * const r = await runModelCoverage(t, { pseudoExperiments: 1000, seed: 1, muRange: [0.1, 3], method: 'profile', level: 1, beltPoints: 12, beltToys: 200, out: 'runs/cov', workers: 2 });
 * if (r.kind === 'results') r.json.coverage;
 * ```
 */
export async function runModelCoverage(t: ModelTemplates, o: ModelCoverageOptions): Promise<JobOutcome<CoverageJson>> {
  const started = performance.now();
  checkWorkerCount(o.workers);
  const job = modelCoverageJob(t, o);
  return runJob(job, { out: o.out, shard: o.shard, workers: o.workers, resume: o.resume, progress: o.progress, executor: o.executor, started }, finalizeCoverage);
}

/**
 * The templates of a bundle on an INFERNO benchmark, as `diffinfer export DIR --benchmark B`
 * computes them (the bundle's config with the benchmark's nuisances, its test split).
 *
 * @throws InputError naming the bundle, or "benchmark" for a bundle that is no INFERNO analysis.
 * @example
 * ```ts
 * const t = await bundleTemplates('runs/b4/bce/seed-0', 4); // t.counts: the hard templates
 * ```
 */
export async function bundleTemplates(dir: string, benchmark: InfernoBenchmark): Promise<ModelTemplates> {
  const config = infernoBenchmarkConfig(readBundle(dir).config, benchmark, 'benchmark');
  const opened = await openBundle(dir, { splits: ['test'], simulators: BUILTIN_SIMULATORS, config });
  try {
    const { analysis } = opened.compiled;
    return { bundle: dir, benchmark, analysis, counts: hardTemplates(opened.summary, analysis, opened.compiled.datasets.test!) };
  } finally {
    opened.summary.dispose();
  }
}

/** The coverage figures a table row carries (`--coverage N` of `inferno` / `ablate`). */
export interface CoverageColumns {
  readonly n: number;
  readonly failed: number;
  readonly coverage: number;
  readonly coverageError: number;
  readonly meanWidth: number;
  readonly score: number;
  readonly inBand: boolean;
}

/**
 * The profile-likelihood coverage of a freshly trained run for its table row: `n`
 * pseudo-experiments (seed = the run's seed, true mu in [0.1, 3]) of the saved bundle `dir`
 * with the templates of its evaluation; results.json, report.md and plots in `out`.
 *
 * @example
 * ```ts
 * const c = await runCoverageColumns({ bundle: dir, benchmark: 4, analysis, counts }, 200, 0, join(dir, 'coverage'));
 * c.coverage; c.score;
 * ```
 */
export async function runCoverageColumns(t: ModelTemplates, n: number, seed: number, out: string, workers = 1): Promise<CoverageColumns> {
  let r: JobOutcome<CoverageJson>;
  try {
    r = await runModelCoverage(t, { pseudoExperiments: n, seed, muRange: [0.1, 3], method: 'profile', level: 1, beltPoints: 12, beltToys: 200, out, workers, progress: false });
  } finally {
    if (workers === 1) releaseBundleSummary(resolve(t.bundle));
  }
  if (r.kind !== 'results') throw new Error('runCoverageColumns: a shard cannot fill a table');
  const j = r.json;
  return { n: j.pseudo_experiments, failed: j.failed, coverage: j.coverage, coverageError: j.coverage_error, meanWidth: j.mean_width, score: j.score, inBand: j.in_band };
}
