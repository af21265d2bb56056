/**
 * The experiment commands of the CLI (`inferno`, `ablate`, `neos`; the analysis commands
 * `train`, `evaluate`, `export`, `apply` and `ablate --config` are in analysis.ts): option
 * handling, runs, `results.json`, `report.md` and plots. Loaded lazily by src/cli.ts, so the
 * statistics commands never load TensorFlow.js.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND_REQUESTS, initBackend, type BackendRequest } from '../src/autodiff/backend.js';
import { compileAnalysis } from '../src/models/config/index.js';
import { evaluateCounts } from '../src/models/evaluate.js';
import { hardTemplates } from '../src/models/fill.js';
import type { MethodName } from '../src/models/methods.js';
import { trainAnalysis } from '../src/models/train-analysis.js';
import { DIFFINFER_VERSION } from '../src/models/bundle.js';
import { InputError, NumericalError } from '../src/stats/errors.js';
import { writeFileAtomic } from '../src/stats/io.js';
import { discoverySignificance, expectedCls } from '../src/stats/objectives/index.js';
import { INFERNO_ANALYTIC_FLOOR, infernoPaperWidths, type InfernoBenchmark } from './inferno/benchmarks.js';
import { distributionOf, ensureTrainingBackend, INFERNO_DEFAULTS, INFERNO_METHODS, type InfernoMethod, type InfernoRunConfig, type InfernoUnitArgs, type InfernoUnitOutput } from './inferno/run.js';
import { neosConfig } from './neos/problem.js';
import { distributionPlot, profileCurvePlot, renderReport, trainingCurvesPlot, writePlot, type ExperimentResults, type FailedRun, type PaperRow, type ReportPlot, type SeedResult } from './report/index.js';
import { BUILTIN_SIMULATORS } from './simulators/registry.js';
import { JOB_FLAGS, withFlagNames } from '../src/commands/options.js';
import type { FinalizeInput, UnitJob } from '../src/parallel/job.js';
import { checkWorkerCount, defaultWorkerCount } from '../src/parallel/pool.js';
import { formatIndexList, parseIndexList } from '../src/parallel/ranges.js';
import type { ShardSpec } from '../src/parallel/shards.js';
import { unitFolder } from '../src/parallel/units.js';
import { runJob, type FinalResult, type Finalizer } from '../src/jobs/run.js';
import { seedValues, trainingUnits, UnitStore, type TrainingUnit } from './units.js';

const VERSION = DIFFINFER_VERSION;

/** Parses `0-4` or `0,2,4` into benchmark numbers. */
export function parseBenchmarks(spec: string, flag = '--benchmarks'): InfernoBenchmark[] {
  const out = new Set<number>();
  for (const part of spec.split(',')) {
    const m = /^\s*(\d)\s*(?:-\s*(\d)\s*)?$/.exec(part);
    if (!m) throw new InputError('argument', `${flag} ${spec}`, 'expected benchmarks 0-4 as a list or a range, e.g. 0-4 or 2,4');
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo || hi > 4) throw new InputError('argument', `${flag} ${spec}`, 'benchmarks are 0 to 4');
    for (let b = lo; b <= hi; b++) out.add(b);
  }
  return [...out].sort() as InfernoBenchmark[];
}

/** Parses a comma-separated list of methods among `allowed` (names of the method registry). */
export function parseMethods<M extends MethodName>(spec: string, allowed: readonly M[], flag: string): M[] {
  const list = spec.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new InputError('argument', flag, 'is empty');
  const out: M[] = [];
  for (const m of list) {
    const found = allowed.find((a) => a === m);
    if (!found) throw new InputError('argument', `${flag} ${spec}`, `unknown "${m}" (expected ${allowed.join(', ')})`);
    if (!out.includes(found)) out.push(found);
  }
  return out;
}

/** Loads tfjs with the backend asked for on the command line (or DIFFINFER_BACKEND / auto). */
export async function backend(value: string | undefined): Promise<void> {
  if (value !== undefined && !(BACKEND_REQUESTS as readonly string[]).includes(value)) {
    throw new InputError('argument', `--backend ${value}`, `unknown backend (expected ${BACKEND_REQUESTS.join(', ')})`);
  }
  await initBackend({ request: value as BackendRequest | undefined });
}

export function positiveInteger(value: unknown, flag: string): number {
  const x = Number(value);
  if (!Number.isInteger(x) || x < 1) throw new InputError('argument', flag, `expected a positive integer, got "${String(value)}"`);
  return x;
}

function fraction(value: unknown, flag: string): number {
  const x = Number(value);
  if (!(x > 0 && x <= 1)) throw new InputError('argument', flag, `expected a number in (0, 1], got "${String(value)}"`);
  return x;
}

function positiveNumber(value: unknown, flag: string): number {
  const x = Number(value);
  if (!(x > 0) || !Number.isFinite(x)) throw new InputError('argument', flag, `expected a positive number, got "${String(value)}"`);
  return x;
}

/** Options shared by `inferno` and `ablate`. */
export interface TrainingCliOptions {
  seeds: string;
  epochs: string;
  out: string;
  trainEvents?: string;
  testEvents?: string;
  batch?: string;
  lr?: string;
  patience?: string;
  variationFraction?: string;
  backend?: string;
  progress?: boolean;
  /** Keep the finished runs of `out` (same configuration) and run only the missing or failed ones. */
  resume?: boolean;
  /** Worker threads (default: the cores); each unit runs on one. */
  workers?: number;
  /** Run only this shard of the units, into `out/shards/` (`diffinfer merge` combines them). */
  shard?: ShardSpec;
  /** `--coverage N`: coverage of each run's profile intervals over N simulated pseudo-experiments (experiments/coverage-model.ts). */
  coverage?: string;
}

/**
 * `--seeds`: a count K (seeds 0 .. K-1, recorded as the number K) or ranges such as `100-199`
 * (recorded as their shortest text, e.g. "100-199").
 */
function seedsOption(spec: string): number | string {
  const list = parseIndexList(spec, '--seeds');
  return /^\s*\d+\s*$/.test(spec) ? list.length : formatIndexList(list);
}

function runConfig(o: TrainingCliOptions): Omit<InfernoRunConfig, 'benchmark' | 'method'> & { seeds: number | string; testEvents: number; coverage?: number } {
  return {
    ...INFERNO_DEFAULTS,
    epochs: positiveInteger(o.epochs, '--epochs'),
    seeds: seedsOption(o.seeds),
    trainEvents: o.trainEvents ? positiveInteger(o.trainEvents, '--train-events') : INFERNO_DEFAULTS.trainEvents,
    validationEvents: Math.ceil((o.trainEvents ? positiveInteger(o.trainEvents, '--train-events') : INFERNO_DEFAULTS.trainEvents) / 4),
    variationFraction: o.variationFraction === undefined ? INFERNO_DEFAULTS.variationFraction : fraction(o.variationFraction, '--variation-fraction'),
    testEvents: o.testEvents ? positiveInteger(o.testEvents, '--test-events') : 1_000_000,
    batch: o.batch ? positiveInteger(o.batch, '--batch') : INFERNO_DEFAULTS.batch,
    learningRate: o.lr ? positiveNumber(o.lr, '--lr') : INFERNO_DEFAULTS.learningRate,
    ...(o.patience ? { patience: positiveInteger(o.patience, '--patience') } : {}),
    ...(o.coverage !== undefined ? { coverage: positiveInteger(o.coverage, '--coverage') } : {}),
  };
}

function paperRows(benchmarks: readonly InfernoBenchmark[]): PaperRow[] {
  const source = 'INFERNO, arXiv:1806.04743, Table 2';
  return benchmarks.flatMap((b) => {
    const p = infernoPaperWidths(b);
    return [
      { benchmark: b, method: 'inferno', sigma: p.inferno, source },
      { benchmark: b, method: 'bce', sigma: p.nnClassifier, source: `${source} (NN classifier)` },
    ];
  });
}

/** Writes results.json, the plots and report.md; returns the report text. */
export function writeOutputs(out: string, results: ExperimentResults, extraPlots: ReportPlot[]): string {
  const plots: ReportPlot[] = [];
  const rel = (p: string) => p.slice(out.length + 1);
  const benchmarks = [...new Set(results.results.map((r) => r.benchmark))];
  for (const b of benchmarks) {
    const runs = results.results.filter((r) => r.benchmark === b && r.history.length > 0);
    if (runs.length === 0) continue;
    const analysis = results.command === 'analysis';
    const files = writePlot(trainingCurvesPlot(runs, { benchmark: b, poi: results.command === 'neos' || analysis ? 'mu' : 's' }), join(out, 'plots', analysis ? 'training' : `training-b${b}`));
    plots.push({ title: analysis ? 'Training curves' : `Training curves, benchmark ${b}`, svg: rel(files.svg), png: rel(files.png) });
  }
  plots.push(...extraPlots.map((p) => ({ ...p, svg: p.svg.startsWith(out) ? rel(p.svg) : p.svg, png: p.png && (p.png.startsWith(out) ? rel(p.png) : p.png) })));
  writeFileAtomic(join(out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const report = renderReport(results, { plots });
  writeFileAtomic(join(out, 'report.md'), report);
  return report;
}

// --- training units on workers and shards (issue 13) ---
export { distributionOf };

/**
 * Test hooks of {@link infernoCommand}: `beforeUnit` runs as a unit starts, in this thread (a
 * throw there fails the unit, as a failed training would), `afterUnit` after its file is written
 * (a throw there stops the command, as a kill would).
 */
export interface UnitHooks {
  readonly beforeUnit?: (unit: TrainingUnit) => void;
  readonly afterUnit?: (unit: TrainingUnit) => void;
}

/** The configuration of a training run as its manifest and results.json record it. */
type TrainingConfig = ReturnType<typeof runConfig> & { readonly benchmarks: readonly InfernoBenchmark[]; readonly methods: readonly InfernoMethod[] };

/** The module whose `trainInfernoUnit` a worker runs (the compiled file on worker threads, see pool.ts). */
const UNIT_MODULE = new URL(`./inferno/run${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

/** The seeds of a configuration: a count K (0 .. K-1, as before seed ranges) or a list written as ranges. */
function seedsOf(seeds: number | string): number[] {
  return seedValues(typeof seeds === 'number' ? seeds : parseIndexList(seeds, '--seeds'));
}

/** Where unit `u`'s bundle goes under `out`. */
function modelDirOf(kind: 'inferno' | 'ablate', benchmarks: readonly number[], u: TrainingUnit): string {
  return kind === 'inferno' && benchmarks.length === 1 ? join(u.method, `seed-${u.seed}`) : join(`b${u.benchmark}`, u.method, `seed-${u.seed}`);
}

/**
 * The training runs of `inferno` / `ablate` as a job of units (src/parallel/job.ts): one unit per
 * benchmark x method x seed (experiments/units.ts), trained by `trainInfernoUnit` on the
 * executor (in this thread for one worker, else on worker threads, each with its own tfjs
 * backend). A unit's numbers depend only on its benchmark, method and seed and the options,
 * never on the worker or shard. The plot data (distributions, profile curve) is drawn for the
 * first seed of the list.
 *
 * @example
 * ```ts
 * const job = trainingJob('ablate', [2, 4], ['inferno', 'bce'], { out: 'runs/abl', seeds: '0-9', epochs: '200' });
 * job.units.length; // 40 (2 benchmarks x 2 methods x 10 seeds)
 * await runJob(job, { out: 'runs/abl', workers: 2 }, finalizeTraining as Finalizer);
 * ```
 */
export function trainingJob(kind: 'inferno' | 'ablate', benchmarks: readonly InfernoBenchmark[], methods: readonly InfernoMethod[], o: TrainingCliOptions, hooks: UnitHooks = {}): UnitJob<TrainingUnit, InfernoUnitOutput> {
  const cfg = runConfig(o);
  const config: TrainingConfig = { ...cfg, benchmarks, methods };
  const seeds = seedsOf(cfg.seeds);
  const units = trainingUnits(benchmarks, methods, seeds);
  const request = o.backend as BackendRequest | undefined;
  const label = (u: TrainingUnit) => `benchmark ${u.benchmark}, ${u.method}, seed ${u.seed}`;
  return {
    command: kind,
    config: config as unknown as Record<string, unknown>,
    units,
    growable: ['seeds'],
    progressLabel: 'training runs',
    run: async (u, executor) => {
      process.stderr.write(`diffinfer: ${label(u)}\n`);
      hooks.beforeUnit?.(u);
      const method = INFERNO_METHODS.find((m) => m === u.method)!;
      const args: InfernoUnitArgs = { config: { ...cfg, progress: false, benchmark: u.benchmark as InfernoBenchmark, method }, seed: u.seed, testEvents: cfg.testEvents, out: o.out, modelDir: modelDirOf(kind, benchmarks, u), backend: request, plots: u.seed === seeds[0], coverage: cfg.coverage };
      return (await executor.run('call', { module: UNIT_MODULE, name: 'trainInfernoUnit', args })) as InfernoUnitOutput;
    },
    onSkip: (u) => process.stderr.write(`diffinfer: ${label(u)}: finished in an earlier run, kept\n`),
    onDone: (u, r) => {
      if (r.status === 'failed') process.stderr.write(`diffinfer:   failed: ${r.error.name}: ${r.error.message}\n`);
      else for (const line of r.output.log ?? []) process.stderr.write(`${line}\n`);
      hooks.afterUnit?.(u);
    },
  };
}

/**
 * The final step of `inferno` / `ablate` (also `diffinfer merge` of their shards): the unit
 * records, in unit order, assembled into results.json, report.md and the plots under `out`.
 * Failed units are listed (exit code 1, the table still written). Prints (as JSON) where the
 * files are and how many runs finished.
 *
 * @throws InputError when the records do not belong to the configuration of their manifest.
 * @example
 * ```ts
 * const r = await mergeShards('runs/abl'); // runs finalizeTraining on the shards' records
 * r.code; // 1 when some runs failed (listed in report.md)
 * ```
 */
export function finalizeTraining(input: FinalizeInput<InfernoUnitOutput>): FinalResult<{ command: string; out: string; runs: number; failed: number; results: string; report: string }> {
  const out = input.out;
  if (out === undefined) throw new InputError('argument', 'out', 'the training commands need an output folder');
  const kind = input.command as 'inferno' | 'ablate';
  const config = input.config as unknown as TrainingConfig;
  const { benchmarks } = config;
  const units = trainingUnits(benchmarks, config.methods, seedsOf(config.seeds));
  if (units.map((u) => u.id).join('\n') !== input.units.join('\n')) throw new InputError('argument', out, 'the unit records do not match the configuration of their manifest');
  const byId = new Map(input.records.map((r) => [r.id, r]));
  const results: SeedResult[] = [];
  const failures: FailedRun[] = [];
  const extraPlots: ReportPlot[] = [];
  for (const benchmark of benchmarks) {
    const curves: Array<{ method: string; points: { s: number; deltaNll: number }[] }> = [];
    const drawn = new Set<string>();
    for (const unit of units.filter((u) => u.benchmark === benchmark)) {
      const record = byId.get(unit.id);
      const method = INFERNO_METHODS.find((m) => m === unit.method)!;
      if (record?.status !== 'done') {
        failures.push({ benchmark, method, seed: unit.seed, error: record?.status === 'failed' ? record.error : { name: 'Error', message: 'did not run' } });
        continue;
      }
      results.push(record.output.result);
      const name = `b${benchmark}-${method}`;
      // the plots of the first unit of each method that carries plot data (seed 0 of 0 .. K-1)
      if (drawn.has(name) || (!record.output.distribution && !record.output.curve)) continue;
      drawn.add(name);
      if (record.output.distribution) {
        const files = writePlot(distributionPlot({ histograms: record.output.distribution }, { title: `${name}: hard-binned summary per process and variation`, normalise: true }), join(out, 'plots', `distributions-${name}`));
        extraPlots.push({ title: `Summary distributions, ${name}`, svg: files.svg, png: files.png });
      }
      if (record.output.curve) curves.push({ method: name, points: record.output.curve });
    }
    if (curves.length > 0) {
      const files = writePlot(profileCurvePlot(curves, { title: `Benchmark ${benchmark}: profile likelihood of s (test sample, seed 0)` }), join(out, 'plots', `profile-b${benchmark}`));
      extraPlots.push({ title: `Profile likelihood, benchmark ${benchmark}`, svg: files.svg, png: files.png });
    }
  }
  const experiment: ExperimentResults = {
    command: kind,
    date: new Date().toISOString(),
    version: VERSION,
    config: config as unknown as Record<string, unknown>,
    results,
    ...(failures.length > 0 ? { failures } : {}),
    reference: { paper: paperRows(benchmarks), analyticFloor: [...INFERNO_ANALYTIC_FLOOR] },
  };
  writeOutputs(out, experiment, extraPlots);
  return {
    json: { command: kind, out, runs: units.length - failures.length, failed: failures.length, results: join(out, 'results.json'), report: join(out, 'report.md') },
    code: failures.length > 0 ? 1 : 0,
    message: failures.length > 0 ? `${failures.length} of ${units.length} runs failed (listed in ${join(out, 'report.md')}); rerun them with --resume` : undefined,
  };
}

/**
 * `diffinfer inferno` and `diffinfer ablate`: trains methods on benchmarks over seeds, as a job
 * of units ({@link trainingJob}) on `workers` workers (default: the cores), whole or one shard
 * (`shard`: its units into `out/shards/`, a JSON summary on stdout; `diffinfer merge` then
 * writes the results). Every run writes its own file as it ends; results.json, report.md and
 * the plots are assembled from those files in unit order ({@link finalizeTraining}), so any
 * number of workers or shards, resumed or not, gives the same files apart from dates and
 * timings. With `resume` the finished runs of an earlier call with the same configuration (the
 * seed list may differ) are kept and only the missing or failed ones run. A run that fails is
 * recorded and reported; the command then returns 1 after writing the table.
 *
 * @throws InputError for bad options (naming the flag: `--workers`, `--shard`, `--seeds`,
 *   `--resume` on a folder of other options, `--backend`).
 * @example
 * ```ts
 * await infernoCommand('ablate', [2], ['inferno', 'bce'], { out: 'runs/abl', seeds: '100-199', epochs: '200', workers: 2, shard: { index: 0, count: 4 } });
 * ```
 */
export async function infernoCommand(kind: 'inferno' | 'ablate', benchmarks: readonly InfernoBenchmark[], methods: readonly InfernoMethod[], o: TrainingCliOptions, hooks: UnitHooks = {}): Promise<number> {
  const started = performance.now();
  const job = trainingJob(kind, benchmarks, methods, o, hooks);
  const workers = o.workers ?? defaultWorkerCount();
  checkWorkerCount(workers, '--workers');
  const resume = o.resume ?? false;
  try {
    // fails fast, before tfjs loads
    if (resume) UnitStore.checkResumable(unitFolder(o.out, o.shard), { command: kind, config: job.config, units: job.units, shard: o.shard, growable: job.growable });
  } catch (e) {
    if (e instanceof InputError && e.kind === 'argument') throw new InputError('argument', '--resume', e.message);
    throw e;
  }
  // before the store: a bad backend must not clear a folder's runs
  if (o.backend !== undefined && !(BACKEND_REQUESTS as readonly string[]).includes(o.backend)) {
    throw new InputError('argument', `--backend ${o.backend}`, `unknown backend (expected ${BACKEND_REQUESTS.join(', ')})`);
  }
  await ensureTrainingBackend(o.backend as BackendRequest | undefined);
  const progress = o.progress === false ? false : o.progress === true ? true : undefined;
  const outcome = await withFlagNames(JOB_FLAGS, () => runJob(job, { out: o.out, shard: o.shard, workers, resume, progress, started }, finalizeTraining as Finalizer));
  if (outcome.kind === 'shard') process.stdout.write(`${JSON.stringify(outcome.json, null, 2)}\n`);
  else process.stdout.write(readFileSync(join(o.out, 'report.md'), 'utf8'));
  if (outcome.message) process.stderr.write(`diffinfer: ${outcome.message}\n`);
  return outcome.code;
}
/**
 * A training results.json without what depends on the run rather than the units' numbers: the
 * date and the timings (`trainSeconds`, `secondsPerEpoch`, each epoch's `seconds`). Two runs of
 * the same configuration on any number of workers or shards, resumed or not, agree on it to the
 * bit.
 *
 * @example
 * ```ts
 * JSON.stringify(resultsWithoutTimings(a)) === JSON.stringify(resultsWithoutTimings(b)); // same numbers
 * ```
 */
export function resultsWithoutTimings(results: ExperimentResults): Omit<ExperimentResults, 'date'> {
  const { date: _date, ...rest } = results;
  void _date;
  return {
    ...rest,
    results: rest.results.map(({ trainSeconds: _t, secondsPerEpoch: _s, ...r }) => ({ ...r, history: r.history.map(({ seconds: _e, ...h }) => h) }) as SeedResult),
  };
}

/**
 * A training report.md with its date line and the cells of its timing columns (`s/epoch`,
 * `train time`) blanked, as compared between runs (see {@link resultsWithoutTimings}).
 *
 * @example
 * ```ts
 * reportWithoutTimings(readFileSync('runs/a/report.md', 'utf8')) === reportWithoutTimings(readFileSync('runs/b/report.md', 'utf8'));
 * ```
 */
export function reportWithoutTimings(report: string): string {
  let timing: number[] = [];
  return report
    .split('\n')
    .map((line) => {
      if (line.startsWith('Run of ')) return 'Run of (date)';
      if (!line.startsWith('|')) {
        timing = [];
        return line;
      }
      const cells = line.split(' | ');
      if (timing.length === 0) timing = cells.flatMap((c, i) => (/s\/epoch|train time/.test(c) ? [i] : []));
      return cells.map((c, i) => (timing.includes(i) && !/s\/epoch|train time/.test(c) ? 't' : c)).join(' | ');
    })
    .join('\n');
}
// --- end training units ---

/** neos objectives. */
export const NEOS_OBJECTIVES = ['cls', 'inferno', 'z0', 'bce'] as const satisfies readonly MethodName[];
export type NeosObjective = (typeof NEOS_OBJECTIVES)[number];

/** `diffinfer neos`: the neos problem (experiments/neos `neosConfig`) with each objective; reports CLs, sigma_mu and Z0. */
export async function neosCommand(objectives: readonly NeosObjective[], o: { seeds: string; steps: string; out: string; backend?: string; progress?: boolean }): Promise<number> {
  const seeds = positiveInteger(o.seeds, '--seeds');
  const steps = positiveInteger(o.steps, '--steps');
  await backend(o.backend);
  mkdirSync(o.out, { recursive: true });
  const results: SeedResult[] = [];
  const cache = new Map<string, Float32Array>();
  const every = Math.max(1, Math.round(steps / 20));
  for (const objective of objectives) {
    for (let seed = 0; seed < seeds; seed++) {
      process.stderr.write(`diffinfer: neos, ${objective}, seed ${seed}\n`);
      const raw = neosConfig(objective, seed, { steps });
      const compiled = await compileAnalysis(raw, { simulators: BUILTIN_SIMULATORS, cache });
      const history: SeedResult['history'] = [];
      let epochStart = performance.now();
      const modelDir = join(objective, `seed-${seed}`);
      const trained = await trainAnalysis(compiled, {
        out: join(o.out, modelDir),
        source: { config: raw as Record<string, unknown>, baseDir: process.cwd() },
        progress: o.progress ?? process.stderr.isTTY,
        onStep: (s) => {
          if (s.validation !== undefined) {
            history.push({ epoch: s.step / every, loss: s.loss, validation: s.validation, seconds: (performance.now() - epochStart) / 1000 });
            epochStart = performance.now();
          }
        },
      });
      try {
        // the training floor (1e-3 per count, as neos's hists_from_nn) is on the hard templates
        // too (the config's hardFloor): a background-free bin keeps a finite discovery significance
        const counts = hardTemplates(trained.summary, compiled.analysis, compiled.datasets.test!);
        const ev = evaluateCounts(compiled.analysis, counts, { profile: true });
        const { templateModel: tm, counts: merged } = ev.merged;
        results.push({
          method: objective,
          benchmark: 0,
          seed,
          sigmaFisher: ev.sigmaFisher,
          sigmaProfile: ev.sigmaProfile!,
          cls: expectedCls(tm, merged).value,
          z0: discoverySignificance(tm, merged).value,
          epochs: history.length,
          trainSeconds: trained.seconds,
          secondsPerEpoch: trained.seconds / Math.max(1, history.length),
          history,
          modelDir,
        });
      } finally {
        trained.summary.dispose();
      }
    }
  }
  const experiment: ExperimentResults = { command: 'neos', date: new Date().toISOString(), version: VERSION, config: { objectives, seeds, steps, bins: 4, binning: neosConfig('cls', 0, { steps }).summary }, results };
  process.stdout.write(writeOutputs(o.out, experiment, []));
  return 0;
}

export { INFERNO_METHODS };
