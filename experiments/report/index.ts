/**
 * Reports of the INFERNO / neos experiments: the results data model, seed summaries, the
 * markdown report and the plots (SVG and PNG).
 *
 * @example
 * ```ts
 * import { renderReport, trainingCurvesPlot, writePlot } from './report/index.js';
 * const plot = writePlot(trainingCurvesPlot(results.results), 'out/plots/training');
 * const md = renderReport(results, { plots: [{ title: 'Training curves', svg: 'plots/training.svg', png: 'plots/training.png' }] });
 * ```
 */
export { METHODS, type EpochRecord, type ExperimentResults, type FailedRun, type Method, type PaperRow, type SeedResult } from './types.js';
export { band, quantile, summariseSeeds, type Band, type SeedSummary } from './summary.js';
export { formatBand, formatNumber, renderReport, type RenderReportOptions, type ReportPlot } from './markdown.js';
export {
  distributionHistograms,
  distributionPlot,
  METHOD_COLORS,
  profileCurvePlot,
  renderPng,
  sigmaComparisonPlot,
  trainingCurvesPlot,
  writePlot,
  type DistributionEntry,
  type DistributionOptions,
  type HistogramSet,
  type PoiName,
  type ProfileCurve,
  type ProfileCurveOptions,
  type SigmaComparisonOptions,
  type TrainingCurvesOptions,
} from './plots.js';
