/**
 * The long `cls` and `limit` commands as jobs of units (`src/jobs/`): toy-based CLs and limit
 * scans, asymptotic limit scans on workers, and signal grids (`limit --patchset`). Option
 * translation (library places to CLI flags) and the defaults (workers: the cores).
 */
import { InputError } from '../stats/errors.js';
import type { TestStatistic } from '../stats/inference/test-statistics.js';
import type { ToyTestStatistic } from '../stats/inference/toy-calculator.js';
import type { PatchSet, Workspace } from '../stats/workspace/spec.js';
import { checkWorkerCount, defaultWorkerCount } from '../parallel/pool.js';
import type { ShardSpec } from '../parallel/shards.js';
import { finalizePatchset, patchsetJob } from '../jobs/patchset-job.js';
import { runJob, type JobOutcome } from '../jobs/run.js';
import { finalizeScan, scanJob } from '../jobs/scan-job.js';
import { finalizeToys, toyJob } from '../jobs/toy-job.js';
import { JOB_FLAGS, withFlagNames } from './options.js';

/** How a long command runs: workers, output folder, shard, resume, progress. */
export interface JobCommandOptions {
  readonly workers?: number;
  readonly progress?: boolean;
  readonly out?: string;
  readonly shard?: ShardSpec;
  readonly resume?: boolean;
}

/** Options of the toy-based commands. */
export interface ToyCommandOptions extends JobCommandOptions {
  readonly testStat: ToyTestStatistic;
  readonly ntoys: number;
  readonly seed: number;
}

const FLAGS = { ...JOB_FLAGS, seed: '--seed', ntoys: '--ntoys', 'test statistic': '--test-stat', 'tested POI value': '--test-poi' };

type Inputs = { readonly workspace: string; readonly patches: readonly string[] };

function runOptions(o: JobCommandOptions, started: number) {
  const workers = o.workers ?? defaultWorkerCount();
  checkWorkerCount(workers);
  if (o.shard && o.out === undefined) throw new InputError('argument', '--shard', 'needs --out DIR (shards write under DIR/shards/, and diffinfer merge DIR combines them)');
  if (o.resume && o.out === undefined) throw new InputError('argument', '--resume', 'needs --out DIR (the folder of the run to resume)');
  return { workers, out: o.out, shard: o.shard, resume: o.resume, progress: o.progress, started };
}

/**
 * `diffinfer cls --calculator toybased` (`kind: 'cls'`, one POI value) and `diffinfer limit
 * --calculator toybased --scan` (`kind: 'limit'`).
 *
 * @example
 * ```ts
 * const r = await toyCommand(ws, 'meas', { workspace: 'ws.json', patches: [] }, 'cls', [1], { testStat: 'qtilde', ntoys: 2000, seed: 0 });
 * if (r.kind === 'results') r.json; // { CLs_obs, CLs_exp, CLs_obs_error, ... }
 * ```
 */
export async function toyCommand(workspace: Workspace, measurement: string, inputs: Inputs, kind: 'cls' | 'limit', points: readonly number[], o: ToyCommandOptions & { level?: number }): Promise<JobOutcome> {
  const started = performance.now();
  if (kind === 'limit' && o.testStat === 'q0') throw new InputError('argument', '--test-stat', 'q0 is a discovery test, not an upper limit');
  return withFlagNames(FLAGS, () => {
    const run = runOptions(o, started);
    return runJob(toyJob({ workspace, measurement, inputs, kind, points, testStat: o.testStat, ntoys: o.ntoys, seed: o.seed, level: o.level }), run, finalizeToys);
  });
}

/**
 * `diffinfer limit --scan LO:HI:N` with the asymptotic calculator as a job: the scan points as
 * units (a fresh calculator per point, so the numbers do not depend on workers or shards).
 */
export async function scanCommand(workspace: Workspace, measurement: string, inputs: Inputs, points: readonly number[], o: JobCommandOptions & { testStat: TestStatistic; level: number }): Promise<JobOutcome> {
  const started = performance.now();
  return withFlagNames(FLAGS, () => runJob(scanJob({ workspace, measurement, inputs, points, testStat: o.testStat, level: o.level }), runOptions(o, started), finalizeScan));
}

/**
 * `diffinfer limit WS --patchset SET.json`: the limit of every patch of a patchset, one unit
 * per patch; `results.json` and `report.md` in `--out`.
 */
export async function patchsetCommand(
  workspace: Workspace,
  label: string,
  measurement: string,
  patchset: PatchSet,
  inputs: Inputs & { readonly patchset: string },
  o: JobCommandOptions & { testStat: TestStatistic; level: number; scan?: readonly number[] },
): Promise<JobOutcome> {
  const started = performance.now();
  if (patchset.patches.length === 0) throw new InputError('patch', inputs.patchset, 'holds no patches');
  return withFlagNames(FLAGS, () =>
    runJob(patchsetJob({ workspace, label, measurement, patchset, inputs, testStat: o.testStat, level: o.level, scan: o.scan }), runOptions(o, started), finalizePatchset),
  );
}
