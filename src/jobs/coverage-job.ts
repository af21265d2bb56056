/**
 * A coverage run on a workspace as a job of independent units: the Neyman belt's blocks (one true
 * mu of the grid, a range of pseudo-experiments) and the coverage blocks (a range of
 * pseudo-experiments), in a fixed order, each seeded from its identity. Units run on an executor
 * (in-process or worker threads); each finished unit is written atomically to
 * `DIR/units/<id>.json`, so an interrupted run keeps what finished and `resume` runs only the
 * missing units; `results.json` is written last (with `report.md` and the plots before it), each
 * file whole or absent.
 *
 * Node-only (files, worker threads).
 */
import { join } from 'node:path';
import { InputError } from '../stats/errors.js';
import {
  checkPseudoExperimentConfig,
  summariseCoverage,
  type BeltBlockResult,
  type CoverageBlockResult,
  type CoverageFailure,
  type CoverageRecord,
  type CoverageSummary,
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
import { checkWorkerCount, openExecutor, type Executor } from '../parallel/pool.js';
import { progressBar } from '../parallel/progress.js';
import { modelSource, type ModelSource } from '../parallel/tasks.js';
import { UnitStore } from '../parallel/units.js';
import { writeCoverageReport } from './coverage-report.js';

/** Options of a coverage run. */
export interface CoverageJobOptions {
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
  readonly out: string;
  readonly workers: number;
  readonly progress?: boolean;
  /** Keep the finished units in `out` (same options required) and run only the others. */
  readonly resume?: boolean;
  /** Pseudo-experiments per coverage unit (default 25) and per belt unit (default 50). */
  readonly blockSize?: number;
  readonly beltBlockSize?: number;
  /** Run the units on this executor (not closed here) instead of opening one for `workers`. */
  readonly executor?: Executor;
}

/** What a coverage run returns (and prints as JSON). */
export interface CoverageJobResult {
  readonly summary: CoverageSummary;
  readonly method: IntervalMethod;
  readonly out: string;
  readonly units: { readonly total: number; readonly reused: number };
  readonly seconds: number;
}

interface Unit {
  readonly id: string;
  readonly kind: 'belt' | 'coverage';
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

function unitsOf(o: CoverageJobOptions, grid: readonly number[]): Unit[] {
  const units: Unit[] = [];
  const bb = o.beltBlockSize ?? 50;
  if (o.method === 'neyman') {
    grid.forEach((mu, k) => {
      for (let start = 0; start < o.beltToys; start += bb) units.push({ id: `belt-${String(k).padStart(3, '0')}-${String(start).padStart(6, '0')}`, kind: 'belt', mu, start, count: Math.min(bb, o.beltToys - start) });
    });
  }
  const cb = o.blockSize ?? 25;
  for (let start = 0; start < o.pseudoExperiments; start += cb) units.push({ id: `coverage-${String(start).padStart(7, '0')}`, kind: 'coverage', start, count: Math.min(cb, o.pseudoExperiments - start) });
  return units;
}

/** JSON of a belt unit (typed arrays as arrays, NaN as null) and back. */
function beltToJson(r: BeltBlockResult) {
  return { ...r, estimates: Array.from(r.estimates, (x) => (Number.isNaN(x) ? null : x)) };
}
function beltFromJson(j: ReturnType<typeof beltToJson>): BeltBlockResult {
  return { ...j, estimates: Float64Array.from(j.estimates, (x) => (x === null ? NaN : x)) };
}

/**
 * Runs a coverage job and writes `results.json`, `report.md` and `plots/` under `out`.
 *
 * @example
 * ```ts
 * const r = await runCoverageJob({ workspace, measurement: 'meas', inputs: { workspace: 'ws.json', patches: [] },
 *   pseudoExperiments: 1000, seed: 1, muRange: [0.1, 3], method: 'profile', nuisances: 'prior', level: 1,
 *   beltPoints: 12, beltToys: 200, out: 'runs/coverage', workers: 2 });
 * r.summary.coverage; r.summary.score;
 * ```
 */
export async function runCoverageJob(o: CoverageJobOptions): Promise<CoverageJobResult> {
  const t0 = performance.now();
  checkWorkerCount(o.workers);
  if (!Number.isSafeInteger(o.pseudoExperiments) || o.pseudoExperiments < 1) throw new InputError('argument', 'pseudo-experiments', `must be a positive integer, got ${o.pseudoExperiments}`);
  const model = buildModel(o.workspace, { measurement: o.measurement });
  const truth = trueParameters(model, o.workspace, o.truth);
  const config: PseudoExperimentConfig = { seed: o.seed, muRange: [o.muRange[0], o.muRange[1]], truth: Array.from(truth.values), nuisances: o.nuisances, keep: truth.keep };
  checkPseudoExperimentConfig(model, config);
  if (o.method === 'neyman' && !(Number.isSafeInteger(o.beltPoints) && o.beltPoints >= 3)) throw new InputError('argument', 'belt points', `must be an integer >= 3, got ${o.beltPoints}`);
  if (o.method === 'neyman' && !(Number.isSafeInteger(o.beltToys) && o.beltToys >= 2)) throw new InputError('argument', 'belt toys', `must be an integer >= 2, got ${o.beltToys}`);
  const source: ModelSource = modelSource(o.workspace, { measurement: o.measurement });
  const grid = o.method === 'neyman' ? beltGrid(model, truth.values, o.muRange, o.beltPoints) : [];
  const units = unitsOf(o, grid);
  const fingerprint = {
    format: 'diffinfer-coverage-units/1',
    model: source.key,
    config,
    method: o.method,
    level: o.level,
    grid,
    beltToys: o.method === 'neyman' ? o.beltToys : 0,
    units: units.map((u) => u.id),
  };
  const done = UnitStore.open(join(o.out, 'units'), fingerprint, o.resume === true);
  const reused = units.filter((u) => done.has(u.id)).length;
  const toys = (us: readonly Unit[]) => us.reduce((n, u) => n + u.count, 0);
  const bar = progressBar(o.progress, 'pseudo-experiments', toys(units));
  let progressed = toys(units.filter((u) => done.has(u.id)));
  bar.update(progressed);
  const executor: Executor = o.executor ?? openExecutor(o.workers);
  try {
    const runUnits = async <R>(kind: Unit['kind'], payload: (u: Unit) => unknown, toJson: (r: R) => unknown, fromJson: (j: never) => R): Promise<R[]> => {
      const mine = units.filter((u) => u.kind === kind);
      const pending = mine.filter((u) => !done.has(u.id));
      const task = kind === 'belt' ? 'belt-block' : 'coverage-block';
      // each unit is written (atomically) as it finishes: an interrupted run keeps it for --resume
      await executor.map(task, pending.map(payload) as never[], (i, result) => {
        const u = pending[i];
        done.put(u.id, toJson(result as R));
        progressed += u.count;
        bar.update(progressed);
      });
      // every unit, reused or new, in the fixed order
      return mine.map((u) => fromJson(done.get(u.id) as never));
    };
    let belt: NeymanBelt | undefined;
    let beltFailures: CoverageFailure[] = [];
    if (o.method === 'neyman') {
      const blocks = await runUnits<BeltBlockResult>('belt', (u) => ({ model: source, block: { config, mu: u.mu!, start: u.start, count: u.count } }), beltToJson, beltFromJson);
      const samples = grid.map((mu) => ({
        mu,
        estimates: blocks.filter((b) => b.mu === mu).flatMap((b) => Array.from(b.estimates).filter((x) => !Number.isNaN(x))),
      }));
      beltFailures = blocks.flatMap((b) => b.failures);
      belt = neymanBelt(samples, { confidence: 2 * normalCdf(Math.sqrt(o.level)) - 1 });
    }
    const blocks = await runUnits<CoverageBlockResult>(
      'coverage',
      (u) => ({ model: source, block: { config, start: u.start, count: u.count, method: o.method, level: o.level, belt } }),
      (r) => r,
      (j) => j,
    );
    bar.stop();
    const records: CoverageRecord[] = blocks.flatMap((b) => b.records);
    const failures: CoverageFailure[] = blocks.flatMap((b) => b.failures);
    const summary = summariseCoverage(records, failures.length, o.muRange);
    const seconds = (performance.now() - t0) / 1000;
    const named = (values: ArrayLike<number>) => Object.fromEntries(model.parameterNames.map((n, i) => [n, values[i]]));
    const results = {
      format: 'diffinfer-coverage/1',
      inputs: { ...o.inputs, measurement: o.measurement },
      options: {
        pseudo_experiments: o.pseudoExperiments,
        seed: o.seed,
        mu_range: o.muRange,
        interval: o.method,
        nuisances: o.nuisances,
        level: o.level,
        belt_points: o.method === 'neyman' ? o.beltPoints : undefined,
        belt_toys: o.method === 'neyman' ? o.beltToys : undefined,
      },
      poi: model.poiName,
      truth: { source: truth.source, values: named(truth.values), held: truth.keep.map((i) => model.parameterNames[i]) },
      summary,
      belt: belt ? { ...belt, failures: beltFailures.length } : undefined,
      records,
      failures,
      belt_failures: beltFailures,
      timing: { seconds, workers: o.workers, units: units.length, reused_units: reused },
    };
    writeCoverageReport(o.out, results, summary, records, belt);
    writeFileAtomic(join(o.out, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
    return { summary, method: o.method, out: o.out, units: { total: units.length, reused }, seconds };
  } finally {
    bar.stop();
    if (!o.executor) await executor.close();
  }
}

