/**
 * diffinfer's public testing kit (`diffinfer/testing`): fast-check arbitraries for histograms,
 * template models and small workspaces, and the gradient checker every diffinfer op passes.
 * Needs the peer dependency `fast-check`.
 */
export {
  hardWorkspaceArb,
  histogramArb,
  multiChannelTemplateCaseArb,
  templateCaseArb,
  workspaceArb,
  type HardWorkspaceArbOptions,
  type HistogramArbOptions,
  type MultiChannelTemplateCase,
  type MultiChannelTemplateCaseArbOptions,
  type TemplateCase,
  type TemplateCaseArbOptions,
} from './arbitraries.js';
export { centralDifferences, checkGradient, type GradientCheckOptions, type GradientCheckResult } from '../../autodiff/testing/check-gradient.js';
