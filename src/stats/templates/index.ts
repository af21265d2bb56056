/** Template models: HistFactory models built from count arrays, exported as pyhf workspaces. */
export {
  normaliseTemplateSpec,
  templateLayout,
  templateSpecSchema,
  type CountRole,
  type LayoutEntry,
  type NuisanceConstraint,
  type NuisanceKind,
  type SingleChannelTemplateSpec,
  type TemplateChannelSpec,
  type TemplateLumiSpec,
  type TemplateModifier,
  type TemplateNuisance,
  type TemplateParameterSpec,
  type TemplateSample,
  type TemplateSampleSpec,
  type TemplateSpec,
  type TemplateSpecInput,
  type Yields,
} from './spec.js';
export { TemplateModel, type CompiledTemplate, type TemplateAdjoints } from './template-model.js';
export { mergeDegenerateBins, type MergedBins } from './bins.js';
export { FREE_WIDTH_CANDIDATES, type TemplateExport } from './export.js';
