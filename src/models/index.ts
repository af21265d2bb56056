/**
 * Summary models and their training: the MLP summary, normalizing flows (namespace `flows`:
 * RealNVP and neural-spline flows, training, flow-ensemble features) and feature summaries,
 * optimisers with explicit state, datasets and seeded batches, analyses (templates filled from
 * summaries), hard-histogram evaluation and the trainer.
 */
export * from './core.js';
export { loadMlp, saveMlp } from './mlp-node.js';
export {
  MODIFIER_TYPES,
  type ModifierType,
  type TemplateChannelSpec,
  type TemplateModifier,
  type TemplateParameter,
  type TemplateSampleSpec,
} from './templates.js';
export { NODE_TRAIN_IO, train } from './trainer-node.js';
export { FeatureSummary, type FeatureMap } from './feature-summary.js';
export { ParameterizedSummary } from './parameterized.js';
export * as flows from './flows/index.js';
export { compileAnalysis, loadAnalysisConfig, parseExpression, type Expression, type LoadedConfig } from './config/index.js';
export { eventFileKind, fileColumns, readColumns, type ColumnTable } from './config/events.js';
export { bundleSchema, DIFFINFER_VERSION, isBundle, loadBundleSummary, openBundle, readBundle, saveBundle, type BundleContents, type BundleFile, type OpenedBundle } from './bundle.js';
export { trainAnalysis, type TrainAnalysisOptions, type TrainedAnalysis } from './train-analysis.js';
