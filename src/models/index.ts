/**
 * Summary models and their training: the MLP summary, normalizing flows (namespace `flows`:
 * RealNVP and neural-spline flows, training, flow-ensemble features) and feature summaries,
 * optimisers with explicit state, datasets and seeded batches, analyses (templates filled from
 * summaries), hard-histogram evaluation and the trainer.
 */
export { defaultInputNames, fitStandardisation, type Standardisation, type Summary, type SummaryOutput } from './summary.js';
export { ACTIVATIONS, createMlp, loadMlp, MlpSummary, type Activation, type MlpOptions, type MlpSidecar } from './mlp.js';
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
export { BatchSampler, dataset, gatherRows, type Dataset, type SamplerState } from './data.js';
export { Analysis, hardBins, type AnalysisSample, type AnalysisSpec, type Binning, type VariationSource } from './analysis.js';
export { evaluateHard, hardTemplateCounts, summaryOutputs, withoutEmptyBins, type HardEvaluation } from './evaluate.js';
export { train, TRAIN_OBJECTIVES, type StepRecord, type TrainObjective, type TrainOptions, type TrainResult } from './trainer.js';
export { FeatureSummary, type FeatureMap } from './feature-summary.js';
export * as flows from './flows/index.js';
