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
import { InputError } from '../stats/errors.js';

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

/** Parsed options of `diffinfer coverage --model DIR --benchmark B`. */
export interface ModelCoverageCommandOptions extends Omit<CoverageCommandOptions, 'true' | 'nuisances'> {
  readonly model: string;
  readonly benchmark: number;
  readonly backend?: string;
}

/**
 * `diffinfer coverage --model DIR --benchmark B`: the coverage of a trained INFERNO/BCE model,
 * pseudo-experiments drawn from the simulator (experiments/coverage-model.ts); the same outputs
 * and summary as workspace coverage. Loads TensorFlow.js (the backend of `--backend`, or
 * DIFFINFER_BACKEND / auto).
 *
 * @example
 * ```ts
 * const r = await modelCoverageCommand({ ...options, model: 'runs/b4/inferno/seed-0', benchmark: 4 });
 * ```
 */
export async function modelCoverageCommand(o: ModelCoverageCommandOptions): Promise<JobOutcome> {
  return withFlagNames({ ...FLAGS, benchmark: '--benchmark', model: '--model' }, async () => {
    if (!Number.isInteger(o.benchmark) || o.benchmark < 0 || o.benchmark > 4) throw new InputError('argument', 'benchmark', `must be one of 0, 1, 2, 3, 4, got ${o.benchmark}`);
    const { readBundle } = await import('../models/bundle.js');
    readBundle(o.model); // a missing or bad bundle fails before tfjs loads
    const [{ backend }, { bundleTemplates, checkModelCoverageSpec, runModelCoverage }] = await Promise.all([import('../../experiments/commands.js'), import('../../experiments/coverage-model.js')]);
    const spec = { pseudoExperiments: o.pseudoExperiments, seed: o.seed, muRange: o.muRange, method: o.interval, level: o.level, beltPoints: o.beltPoints, beltToys: o.beltToys };
    checkModelCoverageSpec(spec); // bad options fail before tfjs loads
    await backend(o.backend);
    const templates = await bundleTemplates(o.model, o.benchmark as 0 | 1 | 2 | 3 | 4);
    return runModelCoverage(templates, {
      ...spec,
      out: o.out,
      workers: o.workers ?? defaultWorkerCount(),
      progress: o.progress,
      resume: o.resume,
      shard: o.shard,
    });
  });
}
