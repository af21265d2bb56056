/**
 * Training a compiled analysis (config/compile.ts) end to end: the summary network the config
 * asks for, the trainer with the config's training options, and the bundle (bundle.ts) written
 * at the end. Every built-in problem and every user config trains through here.
 */
import { join } from 'node:path';
import { InputError, NumericalError } from '../stats/errors.js';
import { saveBundle, type BundleFile } from './bundle.js';
import type { CompiledAnalysis } from './config/compile.js';
import { createMlp, type MlpSummary } from './mlp.js';
import { train, type StepRecord, type TrainHook, type TrainOptions, type TrainResult } from './trainer.js';

/**
 * The summary network of a compiled analysis: an MLP over the config's features with its hidden
 * layers, the method's output, seeded initial weights (`summary.seed`, default training seed +
 * 1000) and the input standardisation of the training events.
 *
 * @throws InputError when the compiled analysis has no training events (no standardisation).
 * @example
 * ```ts
 * const mlp = createAnalysisSummary(compiled);
 * ```
 */
export function createAnalysisSummary(compiled: CompiledAnalysis): MlpSummary {
  const s = compiled.config.summary;
  if (!compiled.standardisation) throw new InputError('argument', 'compiled analysis', 'has no training split: compile it with the train split to create its summary');
  return createMlp({
    inputDim: compiled.features.length,
    hidden: s.hidden,
    activation: s.activation as MlpSummary['options']['activation'],
    output: compiled.output,
    seed: s.seed ?? compiled.config.training.seed + 1000,
    standardisation: compiled.standardisation,
    inputNames: compiled.features,
  });
}

/** The trainer options of a compiled analysis's `training` section. */
export function analysisTrainOptions(compiled: CompiledAnalysis): TrainOptions {
  const t = compiled.config.training;
  const every = t.validationEvery ?? Math.max(1, Math.round(t.steps / 20));
  return {
    objective: compiled.method.name,
    optimizer: { kind: 'adam', schedule: { kind: 'constant', learningRate: t.learningRate } },
    steps: t.steps,
    batchSize: t.batch,
    seed: t.seed,
    variationFraction: t.variationFraction,
    testPoi: t.testPoi,
    ...(compiled.datasets.validation ? { validation: { datasets: compiled.datasets.validation, every, ...(t.patience !== undefined ? { patience: t.patience } : {}) } } : {}),
  };
}

/** Options of {@link trainAnalysis}. */
export interface TrainAnalysisOptions {
  /** The bundle folder (checkpoints and the JSONL log go there too); nothing is saved without it. */
  readonly out?: string;
  /** The config as written and its folder (what the bundle stores); default the compiled config and the working directory. */
  readonly source?: { readonly config: Record<string, unknown>; readonly baseDir: string };
  readonly resume?: boolean;
  readonly progress?: boolean;
  readonly onStep?: (record: StepRecord) => void;
  readonly hooks?: readonly TrainHook[];
}

/** A trained analysis. */
export interface TrainedAnalysis {
  readonly summary: MlpSummary;
  readonly result: TrainResult;
  readonly seconds: number;
  readonly bundle?: BundleFile;
}

/**
 * Trains the summary of a compiled analysis (train and validation splits) and saves its bundle.
 *
 * @throws NumericalError when training stops on a non-finite step (the summary is released);
 *   InputError for an inconsistent configuration.
 * @example
 * ```ts
 * const compiled = await compileAnalysis(config, { baseDir, splits: ['train', 'validation'] });
 * const { summary, result } = await trainAnalysis(compiled, { out: 'runs/ex/inferno', progress: true });
 * ```
 */
export async function trainAnalysis(compiled: CompiledAnalysis, options: TrainAnalysisOptions = {}): Promise<TrainedAnalysis> {
  if (!compiled.datasets.train) throw new InputError('argument', 'compiled analysis', 'has no training split');
  const summary = createAnalysisSummary(compiled);
  try {
    const t = compiled.config.training;
    const base = analysisTrainOptions(compiled);
    const every = base.validation?.every ?? Math.max(1, Math.round(t.steps / 20));
    const t0 = performance.now();
    const result = await train(summary, compiled.analysis, compiled.datasets.train, {
      ...base,
      ...(options.out
        ? { jsonl: join(options.out, 'train.jsonl'), checkpoint: { dir: join(options.out, 'checkpoint'), every: t.checkpointEvery ?? every * 10 }, resume: options.resume ?? false }
        : {}),
      progress: options.progress ?? false,
      ...(options.onStep ? { onStep: options.onStep } : {}),
      ...(options.hooks ? { hooks: options.hooks } : {}),
    });
    const seconds = (performance.now() - t0) / 1000;
    if (result.status === 'non-finite') throw new NumericalError(`training ${compiled.method.name} on ${compiled.config.name} stopped: ${result.message}`);
    let bundle: BundleFile | undefined;
    if (options.out) {
      bundle = await saveBundle(options.out, summary, {
        name: compiled.config.name,
        method: compiled.method.name,
        config: (options.source?.config ?? { ...compiled.config, training: { ...compiled.config.training, method: compiled.method.name } }) as Record<string, unknown>,
        baseDir: options.source?.baseDir ?? process.cwd(),
        binning: compiled.binning,
        output: compiled.output,
        features: compiled.features,
        training: {
          status: result.status,
          steps: result.steps,
          seed: t.seed,
          seconds,
          ...(result.best ? { bestStep: result.best.step, bestValidation: result.best.validation } : {}),
        },
      });
    }
    return { summary, result, seconds, ...(bundle ? { bundle } : {}) };
  } catch (e) {
    summary.dispose();
    throw e;
  }
}
