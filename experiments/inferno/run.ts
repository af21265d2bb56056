/**
 * Training runs on INFERNO's benchmarks: for each seed, the benchmark's config (benchmarks.ts
 * `infernoConfig`: an MLP 3-100-100-10 with softmax binning for the inference-aware methods,
 * 3-100-100-1 with 10 equal score bins for BCE) is compiled and trained by the one path every
 * analysis takes (src/models `trainAnalysis`), keeping the best validation epoch; the summary
 * is evaluated on a fresh test sample the paper's way and saved as a bundle (readable by
 * `diffinfer evaluate`, `export` and `apply`).
 */
import { join } from 'node:path';
import { compileAnalysis } from '../../src/models/config/index.js';
import type { Dataset } from '../../src/models/data.js';
import { hardTemplates } from '../../src/models/fill.js';
import type { MethodName } from '../../src/models/methods.js';
import type { MlpSummary } from '../../src/models/mlp.js';
import { trainAnalysis } from '../../src/models/train-analysis.js';
import type { StepRecord } from '../../src/models/trainer.js';
import type { EpochRecord, SeedResult } from '../report/types.js';
import { BUILTIN_SIMULATORS } from '../simulators/registry.js';
import { infernoConfig, infernoStepsPerEpoch, type InfernoBenchmark, type InfernoConfigOptions } from './benchmarks.js';
import { infernoWidths, profileCurve, type InfernoEvaluation } from './evaluate.js';

/** Methods trainable on INFERNO's benchmarks. */
export const INFERNO_METHODS = ['inferno', 'profile-width', 'bce', 'cls'] as const satisfies readonly MethodName[];

export type InfernoMethod = (typeof INFERNO_METHODS)[number];

/** Configuration of a run (one method, one benchmark, several seeds). */
export interface InfernoRunConfig extends Omit<InfernoConfigOptions, 'testEvents'> {
  readonly benchmark: InfernoBenchmark;
  readonly method: InfernoMethod;
  readonly progress?: boolean;
}

/** Defaults that follow the paper (arXiv:1806.04743, section 4). */
export const INFERNO_DEFAULTS: Omit<InfernoRunConfig, 'benchmark' | 'method'> = {
  epochs: 200,
  trainEvents: 100_000,
  validationEvents: 25_000,
  batch: 2000,
  bins: 10,
  temperature: 0.1,
  learningRate: 1e-3,
  hidden: [100, 100],
  variationFraction: 0.25,
};

/** A trained seed: the model, its evaluation on the test sample, and the result row. */
export interface TrainedSeed {
  readonly summary: MlpSummary;
  readonly evaluation: InfernoEvaluation;
  readonly result: SeedResult;
}

/** Simulated event tables shared by the runs of one process (the test sample above all). */
const TABLES = new Map<string, Float32Array>();

/**
 * Trains and evaluates one seed; saves the bundle under `save.out/save.modelDir` when given.
 *
 * @throws NumericalError when training stops on a non-finite step or a fit of the evaluation
 *   fails (the summary is released first).
 *
 * @example
 * ```ts
 * const { result } = await trainInfernoSeed({ ...INFERNO_DEFAULTS, benchmark: 2, method: "inferno", epochs: 20 }, 0, 1_000_000, { out: "runs", modelDir: "inferno/seed-0" });
 * ```
 */
export async function trainInfernoSeed(config: InfernoRunConfig, seed: number, testEvents: number, save?: { readonly out: string; readonly modelDir: string }): Promise<TrainedSeed> {
  const { benchmark, method } = config;
  const raw = infernoConfig(benchmark, method, seed, { ...config, testEvents });
  const compiled = await compileAnalysis(raw, { simulators: BUILTIN_SIMULATORS, cache: TABLES });
  const stepsPerEpoch = infernoStepsPerEpoch(config);
  const history: EpochRecord[] = [];
  let epochLoss = 0;
  let epochSteps = 0;
  let epochStart = performance.now();
  const onStep = (r: StepRecord) => {
    epochLoss += r.loss;
    epochSteps++;
    if (r.step % stepsPerEpoch === 0) {
      history.push({ epoch: r.step / stepsPerEpoch, loss: epochLoss / epochSteps, ...(r.validation !== undefined ? { validation: 50 * r.validation } : {}), seconds: (performance.now() - epochStart) / 1000 });
      epochLoss = 0;
      epochSteps = 0;
      epochStart = performance.now();
    }
  };
  const dir = save ? join(save.out, save.modelDir) : undefined;
  const trained = await trainAnalysis(compiled, {
    ...(dir ? { out: dir, source: { config: raw as Record<string, unknown>, baseDir: process.cwd() } } : {}),
    progress: config.progress ?? false,
    onStep,
  });
  try {
    const evaluation = infernoWidths(benchmark, compiled.analysis, hardTemplates(trained.summary, compiled.analysis, compiled.datasets.test as Readonly<Record<string, Dataset>>));
    const epochs = history.length;
    return {
      summary: trained.summary,
      evaluation,
      result: {
        method,
        benchmark,
        seed,
        sigmaFisher: evaluation.sigmaFisher,
        sigmaProfile: evaluation.sigmaProfile,
        epochs,
        trainSeconds: trained.seconds,
        secondsPerEpoch: epochs > 0 ? trained.seconds / epochs : trained.seconds,
        history,
        modelDir: save?.modelDir ?? '',
      },
    };
  } catch (e) {
    trained.summary.dispose();
    throw e;
  }
}

export { profileCurve };
