/**
 * The toy-based `cls` and `limit` of the CLI: option parsing, the worker pool, the progress bar,
 * and the JSON they print (pyhf's keys, plus Monte Carlo errors and failure counts).
 */
import { InputError, NumericalError } from '../stats/errors.js';
import { withFlagNames } from './options.js';
import { ToyCalculator, type ToyHypotestResult, type ToyStreamResult, type ToyTestStatistic } from '../stats/inference/toy-calculator.js';
import type { TestStatistic } from '../stats/inference/test-statistics.js';
import type { HistFactoryModel, ModelData } from '../stats/model/model.js';
import type { Workspace } from '../stats/workspace/spec.js';
import { checkWorkerCount, defaultWorkerCount, executorToyRunner, openExecutor } from '../parallel/pool.js';
import { progressBar } from '../parallel/progress.js';
import { modelSource } from '../parallel/tasks.js';

/** Options of the toy-based commands. */
export interface ToyCommandOptions {
  readonly testStat: ToyTestStatistic;
  readonly ntoys: number;
  readonly seed: number;
  readonly workers?: number;
  readonly progress?: boolean;
}

const FLAGS = { seed: '--seed', ntoys: '--ntoys', workers: '--workers', 'test statistic': '--test-stat', 'tested POI value': '--test-poi' };

function streamJson(s: ToyStreamResult) {
  return { toys: s.distribution.size, failed: s.failures.count, failures: s.failures.byReason, full_multistart_refits: s.escalated };
}

/** The JSON of a toy hypotest: pyhf's keys first. */
export function toyHypotestJson(r: ToyHypotestResult, workers: number) {
  return {
    CLs_obs: r.clsObs,
    CLs_exp: r.clsExp,
    CLsb_obs: r.clsbObs,
    CLb_obs: r.clbObs,
    teststat_obs: r.teststatObs,
    CLs_obs_error: r.errors.clsObs,
    CLs_exp_error: r.errors.clsExp,
    CLsb_obs_error: r.errors.clsbObs,
    CLb_obs_error: r.errors.clbObs,
    calculator: 'toybased',
    test_stat: r.testStat,
    poi_test: r.poiTest,
    ntoys: r.ntoys,
    seed: r.seed,
    workers,
    signal_plus_background: streamJson(r.signalPlusBackground),
    background: streamJson(r.backgroundOnly),
  };
}

async function withCalculator<T>(
  workspace: Workspace,
  measurement: string,
  model: HistFactoryModel,
  data: ModelData,
  options: ToyCommandOptions,
  total: number,
  fn: (calc: ToyCalculator, workers: number) => Promise<T>,
): Promise<T> {
  return withFlagNames(FLAGS, async () => {
    const workers = options.workers ?? defaultWorkerCount();
    checkWorkerCount(workers);
    const executor = openExecutor(workers);
    const bar = progressBar(options.progress, 'toys', total);
    let offset = 0;
    let last = 0;
    try {
      const calc = new ToyCalculator(model, data, {
        testStat: options.testStat,
        ntoys: options.ntoys,
        seed: options.seed,
        runner: executorToyRunner(executor, modelSource(workspace, { measurement })),
        onProgress: (done, t) => {
          if (done === 0 && last > 0) offset += t;
          last = done;
          bar.update(offset + done);
        },
      });
      return await fn(calc, workers);
    } finally {
      bar.stop();
      await executor.close();
    }
  });
}

/**
 * `diffinfer cls --calculator toybased`: one toy-based hypotest.
 *
 * @example
 * ```ts
 * const json = await toyCls(ws, 'meas', model, data, 1, { testStat: 'qtilde', ntoys: 2000, seed: 0 });
 * json.CLs_obs; json.CLs_obs_error;
 * ```
 */
export async function toyCls(workspace: Workspace, measurement: string, model: HistFactoryModel, data: ModelData, mu: number, options: ToyCommandOptions) {
  return withCalculator(workspace, measurement, model, data, options, 2 * options.ntoys, async (calc, workers) => toyHypotestJson(await calc.hypotest(mu), workers));
}

/**
 * The first downward crossing of `level` by `values` (CLs at ascending `points`), by linear
 * interpolation between neighbouring points (as pyhf's `linear_grid_scan`).
 *
 * @throws NumericalError naming `label` when there is no crossing.
 */
export function scanCrossing(points: readonly number[], values: readonly number[], level: number, label: string): number {
  for (let i = 0; i + 1 < values.length; i++) {
    const a = values[i] - level;
    const b = values[i + 1] - level;
    if (a === 0) return points[i];
    if (a > 0 && b <= 0) return points[i] + ((points[i + 1] - points[i]) * a) / (a - b);
  }
  throw new NumericalError(`${label} does not cross ${level} in the scan [${points[0]}, ${points[points.length - 1]}]; widen the scan`);
}

/**
 * `diffinfer limit --scan LO:HI:N --workers W` with the asymptotic calculator: the scan points
 * as independent tasks (a fresh calculator per point, so the numbers do not depend on W).
 */
export async function parallelAsymptoticScan(
  workspace: Workspace,
  measurement: string,
  data: ModelData,
  scan: readonly number[],
  level: number,
  testStat: TestStatistic,
  workers: number,
) {
  return withFlagNames(FLAGS, async () => {
    checkWorkerCount(workers);
    const points = [...scan].sort((a, b) => a - b);
    const executor = openExecutor(workers);
    try {
      const source = modelSource(workspace, { measurement });
      const tests = await executor.map('scan-point', points.map((poiTest) => ({ model: source, data, poiTest, options: { testStat } })));
      const obs = scanCrossing(points, tests.map((t) => t.clsObs), level, 'observed CLs');
      const exp = [0, 1, 2, 3, 4].map((k) => scanCrossing(points, tests.map((t) => t.clsExp[k]), level, `expected (${[-2, -1, 0, 1, 2][k]} sigma) CLs`));
      return { obs, exp };
    } finally {
      await executor.close();
    }
  });
}

/**
 * `diffinfer limit --calculator toybased --scan LO:HI:N`: a toy hypotest at each scan point (the
 * same toys at every point: common random numbers) and the level crossings by linear
 * interpolation between neighbouring points, observed and for each member of the expected band.
 */
export async function toyLimit(workspace: Workspace, measurement: string, model: HistFactoryModel, data: ModelData, scan: readonly number[], level: number, options: ToyCommandOptions) {
  if (options.testStat === 'q0') throw new InputError('argument', '--test-stat', 'q0 is a discovery test, not an upper limit');
  const points = [...scan].sort((a, b) => a - b);
  return withCalculator(workspace, measurement, model, data, options, 2 * options.ntoys * points.length, async (calc, workers) => {
    const tests: ToyHypotestResult[] = [];
    for (const mu of points) tests.push(await calc.hypotest(mu));
    const cross = (values: number[], label: string) => scanCrossing(points, values, level, `${label} toy CLs`);
    const obs = cross(tests.map((t) => t.clsObs), 'observed');
    const exp = [0, 1, 2, 3, 4].map((k) => cross(tests.map((t) => t.clsExp[k]), `expected (${[-2, -1, 0, 1, 2][k]} sigma)`));
    return {
      obs,
      exp,
      calculator: 'toybased',
      test_stat: options.testStat,
      ntoys: options.ntoys,
      seed: options.seed,
      workers,
      scan: tests.map((t) => ({ poi_test: t.poiTest, CLs_obs: t.clsObs, CLs_obs_error: t.errors.clsObs, CLs_exp: t.clsExp, CLs_exp_error: t.errors.clsExp, failed: t.signalPlusBackground.failures.count + t.backgroundOnly.failures.count })),
    };
  });
}
