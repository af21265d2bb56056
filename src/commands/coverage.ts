/**
 * `diffinfer coverage WS`: the coverage of POI intervals over pseudo-experiments of a workspace
 * (see `src/jobs/coverage-job.ts`); prints the summary as JSON, or with `--shard i/N` the
 * shard's summary (`diffinfer merge DIR` then writes the results).
 */
import { runCoverageJob } from '../jobs/coverage-job.js';
import type { IntervalMethod, NuisanceMode } from '../stats/inference/coverage.js';
import type { Workspace } from '../stats/workspace/spec.js';
import { defaultWorkerCount } from '../parallel/pool.js';
import type { ShardSpec } from '../parallel/shards.js';
import type { JobOutcome } from '../jobs/run.js';
import { JOB_FLAGS, withFlagNames } from './options.js';

/** Parsed options of the coverage command. */
export interface CoverageCommandOptions {
  readonly pseudoExperiments: number;
  readonly seed: number;
  readonly out: string;
  readonly muRange: [number, number];
  readonly true: Record<string, number>;
  readonly interval: IntervalMethod;
  readonly nuisances: NuisanceMode;
  readonly level: number;
  readonly beltPoints: number;
  readonly beltToys: number;
  readonly workers?: number;
  readonly progress?: boolean;
  readonly resume?: boolean;
  readonly shard?: ShardSpec;
}

const FLAGS = {
  ...JOB_FLAGS,
  'true POI range': '--mu-range',
  seed: '--seed',
  'pseudo-experiments': '--pseudo-experiments',
  'belt points': '--belt-points',
  'belt toys': '--belt-toys',
  'true value': '--true',
  'interval level': '--level',
};

/**
 * Runs the coverage job; returns the JSON printed on stdout and the exit code.
 *
 * @example
 * ```ts
 * const r = await coverageCommand(ws, 'meas', { workspace: 'ws.json', patches: [] }, options);
 * if (r.kind === 'results') r.json.coverage;
 * ```
 */
export async function coverageCommand(workspace: Workspace, measurement: string, inputs: { workspace: string; patches: readonly string[] }, o: CoverageCommandOptions): Promise<JobOutcome> {
  return withFlagNames(FLAGS, () =>
    runCoverageJob({
      workspace,
      measurement,
      inputs,
      pseudoExperiments: o.pseudoExperiments,
      seed: o.seed,
      muRange: o.muRange,
      truth: o.true,
      method: o.interval,
      nuisances: o.nuisances,
      level: o.level,
      beltPoints: o.beltPoints,
      beltToys: o.beltToys,
      out: o.out,
      workers: o.workers ?? defaultWorkerCount(),
      progress: o.progress,
      resume: o.resume,
      shard: o.shard,
    }),
  );
}
