/**
 * The part of diffinfer/models that does no file IO: what `src/models/index.ts` (Node) and
 * `src/browser.ts` (the browser entry) both export. Each entry adds its own `compileAnalysis`
 * and `train` (with or without file reading and checkpoints) and its own extras.
 */
export { defaultInputNames, fitStandardisation, type Standardisation, type Summary, type SummaryOutput } from './summary.js';
export { ACTIVATIONS, createMlp, MLP_FILE_NAMES, mlpFromFiles, MlpSummary, type Activation, type MlpFiles, type MlpOptions, type MlpSidecar } from './mlp.js';
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
export { Analysis, applyTransform, edgeBin, hardBins, type AnalysisSpec, type Binning, type ChannelFill, type EventSource, type FeatureTransform, type PlanEntry, type SampleSources } from './analysis.js';
export { analysisTemplates, templateSlots, type AnalysisTemplates, type AnalysisTemplateSpec, type SlotEntry, type SlotRole } from './templates.js';
export { drawTrainingBatch, hardTemplates, softTemplates, summaryOutputs, type TrainingBatch } from './fill.js';
export { evaluateCounts, evaluateHard, type EvaluateOptions, type HardEvaluation } from './evaluate.js';
export { isMethodName, METHOD_NAMES, METHODS, methodOf, type BinningOptions, type Method, type MethodLoss, type MethodName } from './methods.js';
export { type HookContext, type HookResult, type StepRecord, type TrainHook, type TrainIo, type TrainObjective, type TrainOptions, type TrainResult } from './trainer.js';
export { parseAnalysisConfig, SPLITS, type AnalysisFiles, type CompiledAnalysis, type CompileOptions, type FileEvents, type Simulator, type SplitName } from './config/compile.js';
export { analysisConfigSchema, type AnalysisConfig, type AnalysisConfigInput } from './config/schema.js';
export { analysisTrainOptions, createAnalysisSummary } from './analysis-training.js';
