/**
 * Summary models and their training: the MLP summary, normalizing flows (namespace `flows`:
 * RealNVP and neural-spline flows, training, flow-ensemble features) and feature summaries,
 * optimisers with explicit state, datasets and seeded batches, analyses (templates filled from
 * summaries), hard-histogram evaluation and the trainer.
 */
export { defaultInputNames, fitStandardisation, type Standardisation, type Summary, type SummaryOutput } from './summary.js';
export { ACTIVATIONS, createMlp, MLP_FILE_NAMES, mlpFromFiles, MlpSummary, type Activation, type MlpFiles, type MlpOptions, type MlpSidecar } from './mlp.js';
export { loadMlp, saveMlp } from './mlp-node.js';
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
} from './optimizers.js';
export { BatchSampler, dataset, gatherRows, NOMINAL_WEIGHTS, sumOfWeights, weightsOf, type Dataset, type SamplerState } from './data.js';
export {
  Analysis,
  applyTransform,
  edgeBin,
  hardBins,
  type AnalysisSpec,
  type Binning,
  type ChannelFill,
  type EventSource,
  type FeatureTransform,
  type PlanEntry,
  type SampleSources,
} from './analysis.js';
export {
  analysisTemplates,
  MODIFIER_TYPES,
  templateSlots,
  type AnalysisTemplates,
  type AnalysisTemplateSpec,
  type ModifierType,
  type SlotEntry,
  type SlotRole,
  type TemplateChannelSpec,
  type TemplateModifier,
  type TemplateParameter,
  type TemplateSampleSpec,
} from './templates.js';
export { drawTrainingBatch, hardTemplates, softTemplates, summaryOutputs, type TrainingBatch } from './fill.js';
export { evaluateCounts, evaluateHard, type EvaluateOptions, type HardEvaluation } from './evaluate.js';
export { isMethodName, METHOD_NAMES, METHODS, methodOf, type BinningOptions, type Method, type MethodLoss, type MethodName } from './methods.js';
export { type HookContext, type HookResult, type StepRecord, type TrainHook, type TrainIo, type TrainObjective, type TrainOptions, type TrainResult } from './trainer.js';
export { NODE_TRAIN_IO, train } from './trainer-node.js';
export { FeatureSummary, type FeatureMap } from './feature-summary.js';
export { ParameterizedSummary } from './parameterized.js';
export * as flows from './flows/index.js';
export {
  analysisConfigSchema,
  compileAnalysis,
  loadAnalysisConfig,
  parseAnalysisConfig,
  parseExpression,
  SPLITS,
  type AnalysisConfig,
  type AnalysisConfigInput,
  type CompiledAnalysis,
  type CompileOptions,
  type Expression,
  type LoadedConfig,
  type Simulator,
  type SplitName,
} from './config/index.js';
export { eventFileKind, fileColumns, readColumns, type ColumnTable } from './config/events.js';
export { bundleSchema, DIFFINFER_VERSION, isBundle, loadBundleSummary, openBundle, readBundle, saveBundle, type BundleContents, type BundleFile, type OpenedBundle } from './bundle.js';
export { analysisTrainOptions, createAnalysisSummary, trainAnalysis, type TrainAnalysisOptions, type TrainedAnalysis } from './train-analysis.js';
