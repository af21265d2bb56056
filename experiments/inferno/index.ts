/**
 * The INFERNO benchmark (de Castro & Dorigo, arXiv:1806.04743): the five benchmarks as analyses,
 * the paper's Table 2, the optimal classifier, the unbinned floor, and the paper's evaluation
 * of a summary (hard histograms, Fisher and profile-likelihood widths of s, profile curves).
 */
export {
  INFERNO_ALPHA_BOUNDS,
  INFERNO_ANALYTIC_FLOOR,
  INFERNO_BENCHMARK_NUISANCES,
  INFERNO_BENCHMARKS,
  INFERNO_DATASETS,
  INFERNO_PAPER_PROFILE_BENCHMARK2,
  INFERNO_POI_BOUNDS,
  INFERNO_TABLE2,
  INFERNO_TEMPLATE_STEPS,
  infernoConfig,
  infernoPaperWidths,
  infernoStepsPerEpoch,
  infernoTemplateSpec,
  type InfernoBenchmark,
  type InfernoConfigOptions,
  type InfernoTreatment,
  type PaperWidth,
} from './benchmarks.js';
export { InfernoOptimalClassifier } from './optimal-classifier.js';
export { infernoAnalyticWidths, infernoUnbinnedFisher, type AnalyticWidthOptions } from './analytic.js';
export {
  curveCrossings,
  evaluateInferno,
  infernoWidths,
  profileCurve,
  type InfernoEvaluation,
  type InfernoEvaluationOptions,
  type ProfileCurve,
  type ProfileCurveOptions,
  type ProfilePoint,
} from './evaluate.js';
