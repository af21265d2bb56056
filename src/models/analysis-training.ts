/**
 * What training a compiled analysis (config/compile.ts) needs besides files: the summary
 * network the config asks for and the trainer options of its `training` section. No file IO
 * (a browser trains with these); train-analysis.ts adds the bundle and the logs on Node.
 */
import { InputError } from '../stats/errors.js';
import type { CompiledAnalysis } from './config/compile.js';
import { createMlp, type MlpSummary } from './mlp.js';
import type { TrainOptions } from './trainer.js';

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
