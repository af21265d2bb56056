/** Template models: HistFactory models built from count arrays, exported as pyhf workspaces. */
export {
  templateLayout,
  templateSpecSchema,
  type CountRole,
  type LayoutEntry,
  type NuisanceConstraint,
  type NuisanceKind,
  type TemplateNuisance,
  type TemplateSample,
  type TemplateSpec,
} from './spec.js';
export { TemplateModel, type CompiledTemplate, type TemplateAdjoints } from './template-model.js';
export { mergeDegenerateBins, type MergedBins } from './bins.js';
export { FREE_WIDTH_CANDIDATES, type TemplateExport } from './export.js';
