/**
 * An asymptotic limit scan as a job of units (`src/parallel/job.ts`): one unit per scan point,
 * an asymptotic hypotest with a fresh calculator (nothing shared between points, so the numbers
 * do not depend on the worker or shard), and the final step that interpolates the CLs = level
 * crossings, observed and for each member of the expected band (pyhf's `linear_grid_scan`).
 *
 * Node-only (files).
 */
import { join } from 'node:path';
import { NumericalError } from '../stats/errors.js';
import type { TestStatistic } from '../stats/inference/test-statistics.js';
import { writeFileAtomic } from '../stats/io.js';
import { buildModel, observedData } from '../stats/model/model.js';
import type { Workspace } from '../stats/workspace/spec.js';
import { requireDone, type FinalizeInput, type UnitJob } from '../parallel/job.js';
import { modelSource, type ScanPointResult } from '../parallel/tasks.js';
import type { FinalResult } from './run.js';

/**
 * The first downward crossing of `level` by `values` (CLs at ascending `points`), by linear
 * interpolation between neighbouring points (as pyhf's `linear_grid_scan`).
 *
 * @throws NumericalError naming `label` when there is no crossing.
 * @example
 * ```ts
 * scanCrossing([0, 1, 2], [1, 0.1, 0.01], 0.05, 'observed CLs'); // 1.5555...
 * ```
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

/** The expected-band labels, -2 sigma first. */
export const BAND_SIGMAS = [-2, -1, 0, 1, 2] as const;

/** What defines an asymptotic scan. */
export interface ScanJobSpec {
  readonly workspace: Workspace;
  readonly measurement: string;
  readonly inputs: { readonly workspace: string; readonly patches: readonly string[] };
  readonly points: readonly number[];
  readonly testStat: TestStatistic;
  readonly level: number;
}

/** A scan point. */
export interface ScanUnit {
  readonly id: string;
  readonly poiTest: number;
}

/**
 * The units of an asymptotic scan (points sorted ascending; ids `point-<k>`).
 *
 * @example
 * ```ts
 * const r = await runJob(scanJob({ workspace, measurement: 'meas', inputs, points, testStat: 'qtilde', level: 0.05 }), { workers: 2 }, finalizeScan);
 * ```
 */
export function scanJob(o: ScanJobSpec): UnitJob<ScanUnit, ScanPointResult> {
  const points = [...o.points].sort((a, b) => a - b);
  const model = buildModel(o.workspace, { measurement: o.measurement });
  const data = observedData(o.workspace, model);
  const source = modelSource(o.workspace, { measurement: o.measurement });
  const width = String(points.length - 1).length;
  return {
    command: 'limit-scan',
    config: { format: 'diffinfer-limit-scan-units/1', model: source.key, inputs: { ...o.inputs, measurement: o.measurement }, test_stat: o.testStat, level: o.level, points },
    units: points.map((poiTest, k) => ({ id: `point-${String(k).padStart(width, '0')}`, poiTest })),
    progressLabel: 'scan points',
    run: (u, executor) => executor.run('scan-point', { model: source, data, poiTest: u.poiTest, options: { testStat: o.testStat } }),
  };
}

/**
 * The final step of an asymptotic scan (also `diffinfer merge`): the crossings; writes
 * `results.json` (every point's CLs) under `out`; prints `{obs, exp}` as `diffinfer limit`.
 *
 * @throws NumericalError when a unit failed or a CLs curve does not cross the level.
 */
export function finalizeScan(input: FinalizeInput<ScanPointResult>): FinalResult<{ obs: number; exp: number[] }> {
  const c = input.config as { inputs: unknown; test_stat: TestStatistic; level: number; points: number[] };
  const tests = requireDone(input.records, 'the limit');
  const points = tests.map((t) => t.poiTest);
  const obs = scanCrossing(points, tests.map((t) => t.clsObs), c.level, 'observed CLs');
  const exp = BAND_SIGMAS.map((s, k) => scanCrossing(points, tests.map((t) => t.clsExp[k]), c.level, `expected (${s} sigma) CLs`));
  if (input.out !== undefined) {
    const results = {
      format: 'diffinfer-limit-scan/1',
      inputs: c.inputs,
      options: { calculator: 'asymptotics', test_stat: c.test_stat, level: c.level, scan: c.points },
      obs,
      exp,
      scan: tests.map((t) => ({ poi_test: t.poiTest, CLs_obs: t.clsObs, CLs_exp: t.clsExp, CLsb_obs: t.clsbObs, CLb_obs: t.clbObs, teststat_obs: t.teststatObs })),
      timing: input.timing,
    };
    writeFileAtomic(join(input.out, 'results.json'), `${JSON.stringify(results, null, 1)}\n`);
  }
  return { json: { obs, exp }, code: 0 };
}
