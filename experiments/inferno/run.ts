/**
 * Training runs on INFERNO's benchmarks: for each seed, simulate a training and a validation
 * sample, train the summary with the method's objective (an MLP 3-100-100-10 with softmax
 * binning for the inference-aware methods, 3-100-100-1 with 10 equal score bins for BCE), keep
 * the best validation epoch, evaluate on a fresh test sample the paper's way and save the model
 * (loadable by `diffinfer apply --model`).
 */
import { join } from 'node:path';
import { Analysis, createMlp, fitStandardisation, train, type Binning, type Dataset, type MlpSummary, type StepRecord, type TrainObjective } from '../../src/models/index.js';
import { NumericalError } from '../../src/stats/errors.js';
import type { EpochRecord, Method, SeedResult } from '../report/types.js';
import { simulateInferno } from '../simulators/inferno.js';
import { infernoAnalysis, type InfernoBenchmark } from './benchmarks.js';
import { evaluateInferno, profileCurve, type InfernoEvaluation } from './evaluate.js';

/** Methods trainable on INFERNO's benchmarks. */
export type InfernoMethod = Extract<Method, 'inferno' | 'profile-width' | 'bce' | 'cls'>;

export const INFERNO_METHODS: readonly InfernoMethod[] = ['inferno', 'profile-width', 'bce', 'cls'];

/** Configuration of a run (one method, one benchmark, several seeds). */
export interface InfernoRunConfig {
  readonly benchmark: InfernoBenchmark;
  readonly method: InfernoMethod;
  readonly epochs: number;
  /** Training events per process (the paper: 100 000 each, 200 000 in all). */
  readonly trainEvents: number;
  /** Validation events per process. */
  readonly validationEvents: number;
  /** Events per step over both processes (the paper: 2000). */
  readonly batch: number;
  readonly bins: number;
  /** Softmax temperature of the inference-aware methods (the paper: 0.1). */
  readonly temperature: number;
  readonly learningRate: number;
  readonly hidden: readonly number[];
  /**
   * Fraction of each batch the shape variations are evaluated on (control variates, see
   * `TrainOptions.variationFraction`); 1 evaluates them on every event.
   */
  readonly variationFraction: number;
  /** Stop after this many epochs without a better validation width (default: never). */
  readonly patience?: number;
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

/** The binning a method trains and evaluates with. */
export function methodBinning(method: InfernoMethod, bins: number, temperature: number): Binning {
  return method === 'bce'
    ? { kind: 'kde', edges: Array.from({ length: bins + 1 }, (_, k) => k / bins), bandwidth: { relative: 0.5 } }
    : { kind: 'softmax', temperature };
}

const OBJECTIVE: Record<InfernoMethod, TrainObjective> = { inferno: 'inferno', 'profile-width': 'profile-width', bce: 'bce', cls: 'cls' };

/** A trained seed: the model, its evaluation on the test sample, and the result row. */
export interface TrainedSeed {
  readonly summary: MlpSummary;
  readonly evaluation: InfernoEvaluation;
  readonly result: SeedResult;
}

/**
 * Trains and evaluates one seed; saves the model under `save.out/save.modelDir` when given.
 *
 * @throws NumericalError when training stops on a non-finite step or a fit of the evaluation
 *   fails (the summary is released first).
 *
 * @example
 * ```ts
 * const { result } = await trainInfernoSeed({ ...INFERNO_DEFAULTS, benchmark: 2, method: "inferno", epochs: 20 }, 0, test, { out: "runs", modelDir: "inferno/seed-0" });
 * ```
 */
export async function trainInfernoSeed(
  config: InfernoRunConfig,
  seed: number,
  test: { readonly signal: Dataset; readonly background: Dataset },
  save?: { readonly out: string; readonly modelDir: string },
): Promise<TrainedSeed> {
  const { benchmark, method, bins } = config;
  const binning = methodBinning(method, bins, config.temperature);
  const analysis = new Analysis(infernoAnalysis(benchmark, binning, bins));
  const data = {
    signal: simulateInferno({ process: 'signal', n: config.trainEvents, seed: `train-${seed}` }),
    background: simulateInferno({ process: 'background', n: config.trainEvents, seed: `train-${seed}` }),
  };
  const validation = {
    signal: simulateInferno({ process: 'signal', n: config.validationEvents, seed: `valid-${seed}` }),
    background: simulateInferno({ process: 'background', n: config.validationEvents, seed: `valid-${seed}` }),
  };
  const all = new Float32Array(data.signal.x.length + data.background.x.length);
  all.set(data.signal.x);
  all.set(data.background.x, data.signal.x.length);
  const summary = createMlp({
    inputDim: 3,
    hidden: config.hidden,
    output: method === 'bce' ? { kind: 'score' } : { kind: 'logits', bins },
    seed: 1000 + seed,
    standardisation: fitStandardisation(all, 3),
    inputNames: ['x0', 'x1', 'x2'],
  });
  const perProcess = Math.max(1, Math.floor(config.batch / 2));
  const stepsPerEpoch = Math.max(1, Math.round((2 * config.trainEvents) / config.batch));
  const history: EpochRecord[] = [];
  let epochLoss = 0;
  let epochSteps = 0;
  let epochStart = performance.now();
  const t0 = performance.now();
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
  // the summary holds tf variables: released here when training or the evaluation fails
  try {
    const dir = save ? join(save.out, save.modelDir) : undefined;
    const trained = await train(summary, analysis, data, {
      objective: OBJECTIVE[method],
      steps: config.epochs * stepsPerEpoch,
      batchSize: perProcess,
      seed,
      variationFraction: config.variationFraction,
      optimizer: { kind: 'adam', schedule: { kind: 'constant', learningRate: config.learningRate } },
      validation: { datasets: validation, every: stepsPerEpoch, ...(config.patience !== undefined ? { patience: config.patience } : {}) },
      progress: config.progress,
      ...(dir ? { jsonl: join(dir, 'train.jsonl'), checkpoint: { dir: join(dir, 'checkpoint'), every: stepsPerEpoch * 10 } } : {}),
      onStep,
    });
    if (trained.status === 'non-finite') throw new NumericalError(`training ${method} on benchmark ${benchmark}, seed ${seed} stopped: ${trained.message}`);
    const trainSeconds = (performance.now() - t0) / 1000;
    const evaluation = evaluateInferno(summary, benchmark, { datasets: test, binning, bins });
    const epochs = history.length;
    if (dir) {
      await summary.save(dir, {
        binning,
        bins,
        benchmark,
        method,
        training: { ...config, seed, status: trained.status, bestStep: trained.best?.step, steps: trained.steps },
        sigma: { fisher: evaluation.sigmaFisher, profile: evaluation.sigmaProfile },
      });
    }
    return {
      summary,
      evaluation,
      result: {
        method,
        benchmark,
        seed,
        sigmaFisher: evaluation.sigmaFisher,
        sigmaProfile: evaluation.sigmaProfile,
        epochs,
        trainSeconds,
        secondsPerEpoch: epochs > 0 ? trainSeconds / epochs : trainSeconds,
        history,
        modelDir: save?.modelDir ?? '',
      },
    };
  } catch (e) {
    summary.dispose();
    throw e;
  }
}

/** The test sample of a run (shared by all seeds and methods). */
export function infernoTestSample(events: number, seed = 'inferno-test'): { signal: Dataset; background: Dataset } {
  return { signal: simulateInferno({ process: 'signal', n: events, seed }), background: simulateInferno({ process: 'background', n: events, seed }) };
}

export { profileCurve };
