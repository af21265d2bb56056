/**
 * `diffinfer coverage WS`: the coverage of POI intervals over pseudo-experiments of a workspace
 * (see `src/jobs/coverage-job.ts`); prints the summary as JSON.
 */
import { runCoverageJob } from '../jobs/coverage-job.js';
import type { IntervalMethod, NuisanceMode } from '../stats/inference/coverage.js';
import type { Workspace } from '../stats/workspace/spec.js';
import { defaultWorkerCount } from '../parallel/pool.js';
import { withFlagNames } from './options.js';

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
}

const FLAGS = {
  'true POI range': '--mu-range',
  seed: '--seed',
  workers: '--workers',
  'pseudo-experiments': '--pseudo-experiments',
  'belt points': '--belt-points',
  'belt toys': '--belt-toys',
  resume: '--resume',
  'true value': '--true',
  'interval level': '--level',
};

/**
 * Runs the coverage job and returns the JSON printed on stdout.
 *
 * @example
 * ```ts
 * const json = await coverageCommand(ws, 'meas', { workspace: 'ws.json', patches: [] }, options);
 * json.coverage; json.score;
 * ```
 */
export async function coverageCommand(workspace: Workspace, measurement: string, inputs: { workspace: string; patches: readonly string[] }, o: CoverageCommandOptions) {
  return withFlagNames(FLAGS, async () => {
    const workers = o.workers ?? defaultWorkerCount();
    const r = await runCoverageJob({
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
      workers,
      progress: o.progress,
      resume: o.resume,
    });
    const s = r.summary;
    return {
      interval: r.method,
      pseudo_experiments: s.n,
      failed: s.failures,
      coverage: s.coverage,
      coverage_error: s.coverageError,
      band: s.band,
      in_band: s.inBand,
      mean_width: s.meanWidth,
      median_width: s.medianWidth,
      score: s.score,
      one_sided: s.oneSided,
      pull_mean: s.pullMean,
      pull_std: s.pullStd,
      out: r.out,
      workers,
      units: r.units,
      seconds: r.seconds,
    };
  });
}
