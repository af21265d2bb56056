/**
 * A coverage run on a workspace as a job of independent units (`src/parallel/job.ts`): for the
 * Neyman construction the belt's blocks (one true mu of the grid, a range of its
 * pseudo-experiments) and the estimate blocks (mu^ of a range of coverage pseudo-experiments),
 * for the profile interval the coverage blocks; in a fixed order, each seeded from its identity.
 * No unit needs another, so any number of workers or shards computes the same numbers. Each
 * finished unit is written atomically to `DIR/units/` (or `DIR/shards/<shard>/`); the final step
 * ({@link finalizeCoverage}, also run by `diffinfer merge`) reads every unit and writes
 * `report.md`, the plots and `results.json` (last), each file whole or absent.
 *
 * Node-only (files, worker threads).
 */
import { join } from 'node:path';
import { InputError } from '../stats/errors.js';
import {
  checkPseudoExperimentConfig,
  neymanCoverageRecord,
  summariseCoverage,
  type BeltBlockResult,
  type CoverageBlockResult,
  type CoverageFailure,
  type CoverageRecord,
  type IntervalMethod,
  type NuisanceMode,
  type PseudoExperimentConfig,
} from '../stats/inference/coverage.js';
import { fit } from '../stats/inference/fit.js';
import { neymanBelt, type NeymanBelt } from '../stats/inference/intervals.js';
import { requireConverged } from '../stats/inference/test-statistics.js';
import { writeFileAtomic } from '../stats/io.js';
import { normalCdf } from '../stats/math/special.js';
import { buildModel, observedData, type HistFactoryModel } from '../stats/model/model.js';
import type { Workspace } from '../stats/workspace/spec.js';
import { checkWorkerCount, type Executor } from '../parallel/pool.js';
import { requireDone, type FinalizeInput, type UnitJob } from '../parallel/job.js';
import type { ShardSpec } from '../parallel/shards.js';
import { modelSource, type ModelSource } from '../parallel/tasks.js';
import type { NeymanEstimateBlockResult } from './neyman-estimates.js';
import { writeCoverageReport } from './coverage-report.js';
import { runJob, type JobOutcome } from './run.js';

/** What defines a coverage run (its numbers depend on nothing else). */
export interface CoverageJobSpec {
  readonly workspace: Workspace;
  readonly measurement: string;
  /** What the workspace was loaded from (recorded in results.json). */
  readonly inputs: { readonly workspace: string; readonly patches: readonly string[] };
  readonly pseudoExperiments: number;
  readonly seed: number;
  readonly muRange: readonly [number, number];
  /** True values by parameter name; undefined: the free fit to the observed data. */
  readonly truth?: Readonly<Record<string, number>>;
  readonly method: IntervalMethod;
  readonly nuisances: NuisanceMode;
  /** Threshold on t_mu of the profile interval (1: 68.27%); the Neyman belt's confidence is 2 Phi(sqrt(level)) - 1. */
  readonly level: number;
  /** Grid points and pseudo-experiments per point of the Neyman belt. */
  readonly beltPoints: number;
  readonly beltToys: number;
  /** Pseudo-experiments per coverage unit (default 25) and per belt unit (default 50). */
  readonly blockSize?: number;
  readonly beltBlockSize?: number;
}

/** Options of a coverage run: the spec and how it runs. */
export interface CoverageJobOptions extends CoverageJobSpec {
  readonly out: string;
  readonly workers: number;
  readonly progress?: boolean;
  /** Keep the finished units in `out` (same options required) and run only the missing or failed ones. */
  readonly resume?: boolean;
  /** Run only this shard's units (under `out/shards/`); `diffinfer merge out` writes the results. */
  readonly shard?: ShardSpec;
  /** Run the units on this executor (not closed here) instead of opening one for `workers`. */
  readonly executor?: Executor;
}

/** A unit of a coverage run. */
export interface CoverageUnit {
  readonly id: string;
  readonly kind: 'belt' | 'coverage' | 'estimates';
  /** The belt's grid value (belt units). */
  readonly mu?: number;
  readonly start: number;
  readonly count: number;
}

/** The true parameter values: the given ones on top of the suggested init, or the free fit to the data. */
function trueParameters(model: HistFactoryModel, workspace: Workspace, truth?: Readonly<Record<string, number>>): { values: Float64Array; keep: number[]; source: string } {
  if (!truth || Object.keys(truth).length === 0) {
    const r = requireConverged(fit(model, observedData(workspace, model), { uncertainties: false }), 'free fit to the observed data (true values)');
    return { values: r.parameters, keep: [], source: 'free fit to the observed data' };
  }
  const values = model.suggestedInit();
  const keep: number[] = [];
  for (const [name, v] of Object.entries(truth)) {
    const i = model.parameterIndex(name);
    if (i < 0) throw new InputError('argument', `true value ${name}`, `no parameter "${name}" (parameters: ${model.parameterNames.slice(0, 12).join(', ')}${model.nPars > 12 ? ', ...' : ''})`);
    if (i === model.poiIndex) throw new InputError('argument', `true value ${name}`, `the POI's true value is drawn from the true POI range`);
    values[i] = v;
    keep.push(i);
  }
  return { values, keep, source: 'given (others: suggested init)' };
}

/**
 * The belt's grid: `points` values over the true range widened by 3 sigma_mu each side (sigma_mu
 * from the Hessian of a fit to the Asimov data at the range's middle), inside the POI bounds, so
 * that intervals are not clipped by the grid.
 */
export function beltGrid(model: HistFactoryModel, truth: ArrayLike<number>, muRange: readonly [number, number], points: number): number[] {
  const { lower, upper } = model.suggestedBounds();
  const poi = model.poiIndex;
  const [a, b] = muRange;
  const pars = Float64Array.from(truth);
  pars[poi] = 0.5 * (a + b);
  const asimov = fit(model, model.expectedData(pars), { init: pars, uncertainties: true });
  const s = asimov.converged && asimov.uncertainties?.[poi] ? asimov.uncertainties[poi] : 0.1 * (b - a);
  const lo = Math.max(lower[poi], a - 3 * s);
  const hi = Math.min(upper[poi], b + 3 * s);
  return Array.from({ length: points }, (_, k) => lo + ((hi - lo) * k) / (points - 1));
}

/**
 * The `options` record of a coverage run's manifest and results (what `--resume` and `merge`
 * compare): the pseudo-experiments, seed, mu range, interval, nuisance mode, level and blocks.
 */
export function coverageOptions(o: Pick<CoverageJobSpec, 'pseudoExperiments' | 'seed' | 'muRange' | 'method' | 'nuisances' | 'level' | 'beltPoints' | 'beltToys' | 'blockSize' | 'beltBlockSize'>): Record<string, unknown> {
  return {
    pseudo_experiments: o.pseudoExperiments,
    seed: o.seed,
    mu_range: o.muRange,
    interval: o.method,
    nuisances: o.nuisances,
    level: o.level,
    belt_points: o.method === 'neyman' ? o.beltPoints : undefined,
    belt_toys: o.method === 'neyman' ? o.beltToys : undefined,
    block_size: o.blockSize ?? 25,
    belt_block_size: o.method === 'neyman' ? (o.beltBlockSize ?? 50) : undefined,
  };
}

/** The units of a coverage run: belt blocks (Neyman), then coverage or estimate blocks, in a fixed order. */
export function coverageUnits(o: Pick<CoverageJobSpec, 'method' | 'pseudoExperiments' | 'beltToys' | 'blockSize' | 'beltBlockSize'>, grid: readonly number[]): CoverageUnit[] {
  const units: CoverageUnit[] = [];
  const bb = o.beltBlockSize ?? 50;
  if (o.method === 'neyman') {
    grid.forEach((mu, k) => {
      for (let start = 0; start < o.beltToys; start += bb) units.push({ id: `belt-${String(k).padStart(3, '0')}-${String(start).padStart(6, '0')}`, kind: 'belt', mu, start, count: Math.min(bb, o.beltToys - start) });
    });
  }
  const cb = o.blockSize ?? 25;
  const kind = o.method === 'neyman' ? 'estimates' : 'coverage';
  for (let start = 0; start < o.pseudoExperiments; start += cb) units.push({ id: `${kind}-${String(start).padStart(7, '0')}`, kind, start, count: Math.min(cb, o.pseudoExperiments - start) });
  return units;
}

/** The configuration of a coverage run as its manifest records it (JSON; the final step reads only this and the units). */
/**
 * The manifest of a coverage run (what `--resume` and `merge` compare; results.json's
 * `config`): one format for workspace coverage and the coverage of trained models
 * (experiments/coverage-model.ts), whose `inputs` name their own sources.
 */
export interface CoverageManifest {
  readonly model: string;
  readonly inputs: { readonly workspace: string; readonly patches: readonly string[]; readonly measurement: string; readonly model?: string; readonly source?: string } & Readonly<Record<string, unknown>>;
  readonly options: Record<string, unknown>;
  readonly poi: string;
  readonly truth: { readonly source: string; readonly values: Record<string, number>; readonly held: readonly string[] };
  readonly pseudo: PseudoExperimentConfig;
  readonly method: IntervalMethod;
  readonly level: number;
  readonly mu_range: readonly [number, number];
  readonly grid: readonly number[];
}

/**
 * A coverage run as a `UnitJob`: its manifest (format `diffinfer-coverage-units/2`), its units,
 * weighted by their pseudo-experiments, and how a unit runs.
 *
 * @example
 * ```ts
 * const job = coverageUnitJob(manifest, coverageUnits(o, grid), (u, executor) => executor.run('coverage-block', ...));
 * ```
 */
export function coverageUnitJob(manifest: CoverageManifest, units: CoverageUnit[], run: UnitJob<CoverageUnit, unknown>['run']): UnitJob<CoverageUnit, unknown> {
  return {
    command: 'coverage',
    config: JSON.parse(JSON.stringify({ format: 'diffinfer-coverage-units/2', ...manifest })) as Record<string, unknown>,
    units,
    progressLabel: 'pseudo-experiments',
    weight: (u) => u.count,
    run,
  };
}

/**
 * The units of a coverage run and how each runs (a `UnitJob` for `runJob` / `runJobUnits`):
 * builds the model, the true values (a fit when not given) and, for Neyman, the belt's grid.
 *
 * @throws InputError for bad options (naming the library place: "pseudo-experiments",
 *   "true POI range", "true value NAME", "belt points", ...).
 */
export function coverageJob(o: CoverageJobSpec): UnitJob<CoverageUnit, unknown> {
  if (!Number.isSafeInteger(o.pseudoExperiments) || o.pseudoExperiments < 1) throw new InputError('argument', 'pseudo-experiments', `must be a positive integer, got ${o.pseudoExperiments}`);
  const model = buildModel(o.workspace, { measurement: o.measurement });
  const truth = trueParameters(model, o.workspace, o.truth);
  const pseudo: PseudoExperimentConfig = { seed: o.seed, muRange: [o.muRange[0], o.muRange[1]], truth: Array.from(truth.values), nuisances: o.nuisances, keep: truth.keep };
  checkPseudoExperimentConfig(model, pseudo);
  if (o.method === 'neyman' && !(Number.isSafeInteger(o.beltPoints) && o.beltPoints >= 3)) throw new InputError('argument', 'belt points', `must be an integer >= 3, got ${o.beltPoints}`);
  if (o.method === 'neyman' && !(Number.isSafeInteger(o.beltToys) && o.beltToys >= 2)) throw new InputError('argument', 'belt toys', `must be an integer >= 2, got ${o.beltToys}`);
  const source: ModelSource = modelSource(o.workspace, { measurement: o.measurement });
  const grid = o.method === 'neyman' ? beltGrid(model, truth.values, o.muRange, o.beltPoints) : [];
  const units = coverageUnits(o, grid);
  const named = (values: ArrayLike<number>) => Object.fromEntries(model.parameterNames.map((n, i) => [n, values[i]]));
  const manifest: CoverageManifest = {
    model: source.key,
    inputs: { ...o.inputs, measurement: o.measurement },
    options: coverageOptions(o),
    poi: model.poiName,
    truth: { source: truth.source, values: named(truth.values), held: truth.keep.map((i) => model.parameterNames[i]) },
    pseudo,
    method: o.method,
    level: o.level,
    mu_range: [o.muRange[0], o.muRange[1]],
    grid,
  };
  return coverageUnitJob(manifest, units, (u, executor) => {
    if (u.kind === 'belt') return executor.run('belt-block', { model: source, block: { config: pseudo, mu: u.mu!, start: u.start, count: u.count } });
    if (u.kind === 'estimates') return executor.run('coverage-estimates', { model: source, block: { config: pseudo, start: u.start, count: u.count } });
    return executor.run('coverage-block', { model: source, block: { config: pseudo, start: u.start, count: u.count, method: 'profile', level: o.level } });
  });
}

/**
 * The final step of a coverage run (also `diffinfer merge`): the belt from the belt units, the
 * records (profile: as computed; Neyman: each estimate through the belt), the summary; writes
 * `report.md`, `plots/` and `results.json` under `out` and returns what `diffinfer coverage`
 * prints.
 *
 * @throws NumericalError when a unit failed (listing them; `--resume` reruns them).
 */
export function finalizeCoverage(input: FinalizeInput<unknown>) {
  const c = input.config as unknown as CoverageManifest;
  const outputs = requireDone(input.records, 'the coverage results');
  const byKind = (kind: string) => outputs.filter((_, i) => input.units[i].startsWith(`${kind}-`));
  let belt: NeymanBelt | undefined;
  let beltFailures: CoverageFailure[] = [];
  let records: CoverageRecord[];
  let failures: CoverageFailure[];
  if (c.method === 'neyman') {
    const blocks = byKind('belt') as BeltBlockResult[];
    const samples = c.grid.map((mu) => ({
      mu,
      estimates: blocks.filter((b) => b.mu === mu).flatMap((b) => Array.from(b.estimates).filter((x) => !Number.isNaN(x))),
    }));
    beltFailures = blocks.flatMap((b) => b.failures);
    belt = neymanBelt(samples, { confidence: 2 * normalCdf(Math.sqrt(c.level)) - 1 });
    const estimates = byKind('estimates') as NeymanEstimateBlockResult[];
    records = estimates.flatMap((b) => b.estimates.filter((e) => e.estimate !== null).map((e) => neymanCoverageRecord(belt!, e.index, e.mu, e.estimate!)));
    failures = estimates.flatMap((b) => b.failures);
  } else {
    const blocks = byKind('coverage') as CoverageBlockResult[];
    records = blocks.flatMap((b) => b.records);
    failures = blocks.flatMap((b) => b.failures);
  }
  const summary = summariseCoverage(records, failures.length, c.mu_range);
  const { block_size: _b, belt_block_size: _bb, ...options } = c.options;
  void _b;
  void _bb;
  const results = {
    format: 'diffinfer-coverage/1',
    inputs: c.inputs,
    options,
    poi: c.poi,
    truth: c.truth,
    summary,
    belt: belt ? { ...belt, failures: beltFailures.length } : undefined,
    records,
    failures,
    belt_failures: beltFailures,
    timing: input.timing,
  };
  if (input.out !== undefined) {
    writeCoverageReport(input.out, results, summary, records, belt);
    writeFileAtomic(join(input.out, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
  }
  const json = {
    interval: c.method,
    pseudo_experiments: summary.n,
    failed: summary.failures,
    coverage: summary.coverage,
    coverage_error: summary.coverageError,
    band: summary.band,
    in_band: summary.inBand,
    mean_width: summary.meanWidth,
    median_width: summary.medianWidth,
    score: summary.score,
    one_sided: summary.oneSided,
    pull_mean: summary.pullMean,
    pull_std: summary.pullStd,
    out: input.out,
    workers: input.timing.workers,
    units: { total: input.timing.units, reused: input.timing.reused_units },
    seconds: input.timing.seconds,
  };
  return { json, code: 0 };
}

/** What `diffinfer coverage` prints (the summary of {@link finalizeCoverage}). */
export type CoverageJson = ReturnType<typeof finalizeCoverage>['json'];

/**
 * Runs a coverage job: every unit and the final step (`results.json`, `report.md`, `plots/`
 * under `out`), or with `shard` that shard's units only.
 *
 * @example
 * ```ts
 * const r = await runCoverageJob({ workspace, measurement: 'meas', inputs: { workspace: 'ws.json', patches: [] },
 *   pseudoExperiments: 1000, seed: 1, muRange: [0.1, 3], method: 'profile', nuisances: 'prior', level: 1,
 *   beltPoints: 12, beltToys: 200, out: 'runs/coverage', workers: 2 });
 * if (r.kind === 'results') r.json.coverage;
 * ```
 */
export async function runCoverageJob(o: CoverageJobOptions): Promise<JobOutcome<CoverageJson>> {
  const started = performance.now();
  checkWorkerCount(o.workers);
  const job = coverageJob(o);
  return runJob(job, { out: o.out, shard: o.shard, workers: o.workers, resume: o.resume, progress: o.progress, executor: o.executor, started }, finalizeCoverage);
}
