/**
 * Training a compiled analysis (config/compile.ts) end to end: the summary network the config
 * asks for, the trainer with the config's training options, and the bundle (bundle.ts) written
 * at the end. Every built-in problem and every user config trains through here. (The summary
 * and the trainer options of a compiled analysis are analysis-training.ts's, which a browser
 * uses without the files.)
 */
import { join } from 'node:path';
import { InputError, NumericalError } from '../stats/errors.js';
import { saveBundle, type BundleFile } from './bundle.js';
import type { CompiledAnalysis } from './config/compile.js';
import { analysisTrainOptions, createAnalysisSummary } from './analysis-training.js';
import type { MlpSummary } from './mlp.js';
import type { StepRecord, TrainHook, TrainResult } from './trainer.js';
import { train } from './trainer-node.js';

export { analysisTrainOptions, createAnalysisSummary };

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
