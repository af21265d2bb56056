/**
 * diffinfer in a browser (`diffinfer/browser`): the statistics engine (everything of
 * `diffinfer/stats`) and the training pieces that do no file IO — the MLP summary, optimisers,
 * datasets and seeded batches, analyses and their soft and hard templates, methods, hard
 * evaluation, analysis configs compiled from simulators, and the trainer. Files (event files,
 * checkpoints, saved models, bundles) are diffinfer/models' and diffinfer/node's, on Node.
 * The web page's training worker (web/src/training-worker.ts) runs on these modules;
 * test/web/browser-bundle.test.ts bundles this entry for the browser and finds no Node import.
 *
 * @example
 * ```ts
 * import { compileAnalysis, createAnalysisSummary, analysisTrainOptions, train } from 'diffinfer/browser';
 * const compiled = await compileAnalysis(config, { simulators, baseDir: '.' });
 * const mlp = createAnalysisSummary(compiled);
 * const result = await train(mlp, compiled.analysis, compiled.datasets.train!, analysisTrainOptions(compiled));
 * ```
 */
export * from './stats/index.js';
export { defaultInputNames, fitStandardisation, type Standardisation, type Summary, type SummaryOutput } from './models/summary.js';
export { ACTIVATIONS, createMlp, MLP_FILE_NAMES, mlpFromFiles, MlpSummary, type Activation, type MlpFiles, type MlpOptions, type MlpSidecar } from './models/mlp.js';
export {
  adam,
  applyGradients,
  deserializeState,
  disposeState,
  optimizerFrom,
  scheduleFrom,
  serializeState,
  sgd,
  type Optimizer,
  type OptimizerConfig,
  type OptimizerState,
  type Schedule,
  type ScheduleConfig,
  type SerializedOptimizerState,
} from './models/optimizers.js';
export { BatchSampler, dataset, gatherRows, NOMINAL_WEIGHTS, sumOfWeights, weightsOf, type Dataset, type SamplerState } from './models/data.js';
export { Analysis, applyTransform, edgeBin, hardBins, type AnalysisSpec, type Binning, type ChannelFill, type EventSource, type FeatureTransform, type PlanEntry, type SampleSources } from './models/analysis.js';
export { analysisTemplates, templateSlots, type AnalysisTemplates, type AnalysisTemplateSpec, type SlotEntry, type SlotRole } from './models/templates.js';
export { batchDatasets, drawTrainingBatch, hardTemplates, softTemplates, summaryOutputs, type TrainingBatch } from './models/fill.js';
export { evaluateCounts, evaluateHard, type EvaluateOptions, type HardEvaluation } from './models/evaluate.js';
export { isMethodName, METHOD_NAMES, METHODS, methodOf, type BinningOptions, type Method, type MethodLoss, type MethodName } from './models/methods.js';
export { train, type HookContext, type HookResult, type StepRecord, type TrainHook, type TrainIo, type TrainObjective, type TrainOptions, type TrainResult } from './models/trainer.js';
export { compileAnalysis, parseAnalysisConfig, SPLITS, type AnalysisFiles, type CompiledAnalysis, type CompileOptions, type FileEvents, type Simulator, type SplitName } from './models/config/compile.js';
export { analysisConfigSchema, type AnalysisConfig, type AnalysisConfigInput } from './models/config/schema.js';
export { analysisTrainOptions, createAnalysisSummary } from './models/analysis-training.js';
