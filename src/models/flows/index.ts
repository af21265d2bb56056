/**
 * Normalizing flows on TensorFlow.js: RealNVP and neural spline flows with a fixed input
 * standardisation, maximum-likelihood training, JSON save/load, and flow-ensemble
 * log-likelihood-ratio features for summary networks.
 */
export {
  FLOW_KINDS,
  fitStandardisation,
  seededNormal,
  standardNormalLogProb,
  type CouplingConfig,
  type Flow,
  type FlowJSON,
  type FlowKind,
  type FlowWeightJSON,
  type RealNvpConfig,
  type SampleOptions,
  type SplineConfig,
  type Standardisation,
} from './flow.js';
export type { ConditionerInit } from './conditioner.js';
export type { CouplingFlowOptions } from './coupling.js';
export { createRealNvp, type RealNvpOptions } from './realnvp.js';
export { createNeuralSplineFlow, type SplineFlowOptions } from './spline-flow.js';
export { rationalQuadraticElement, rationalQuadraticSpline, type RationalQuadraticOptions } from './rational-quadratic.js';
export { createFlow, flowFromJSON, loadFlow, saveFlow, type FlowSpec } from './serialize.js';
export { trainFlow, type StandardiseMode, type TrainFlowOptions, type TrainFlowResult } from './train.js';
export {
  flowFeatureTransform,
  flowFeatures,
  processSeed,
  trainFlowEnsemble,
  type EnsembleFlowSpec,
  type FlowEnsemble,
  type FlowFeatureOptions,
  type FlowFeatureTransform,
  type TrainFlowEnsembleOptions,
} from './ensemble-features.js';
