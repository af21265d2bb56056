/**
 * Evaluation on hard histograms — what validation, reports and exports use: every event goes to
 * one bin (fill.ts `hardTemplates`), bins the template model cannot use are merged into a
 * neighbour by the export's rule (`mergeDegenerateBins` of src/stats/templates: no expected
 * events, or a histosys that would make a rate negative), and the widths, CLs and limits are
 * computed by the float64 engine on the merged model — the model `exportWorkspace` writes, so
 * these numbers are what `diffinfer fit/cls/limit` give on the exported workspace.
 */
import { NumericalError } from '../stats/errors.js';
import { upperLimit } from '../stats/inference/index.js';
import { cramerRaoWidth, profileWidth } from '../stats/objectives/index.js';
import { mergeDegenerateBins, type MergedBins } from '../stats/templates/index.js';
import type { Analysis } from './analysis.js';
import type { Dataset } from './data.js';
import { hardTemplates } from './fill.js';
import type { Method } from './methods.js';
import type { Summary } from './summary.js';

/** Interval widths and limits of a summary evaluated on hard histograms. */
export interface HardEvaluation {
  /** The hard templates (flat, the analysis's slots), before merging. */
  readonly counts: Float64Array;
  /** The merged model and counts the numbers are computed on (what the export writes). */
  readonly merged: MergedBins;
  /** Cramér-Rao width of the POI (Fisher information of the Asimov likelihood at POI 1). */
  readonly sigmaFisher: number;
  /** Profile-likelihood half width (`Delta 2NLL = 1` on Asimov data at POI 1), when asked. */
  readonly sigmaProfile?: number;
  /** The ends of that interval. */
  readonly interval?: readonly [number, number];
  /** The training method's objective at the merged counts, when a method is given. */
  readonly objective?: number;
  /** The expected 95% CLs upper limit on the POI (q~, Asimov data at POI 0), -2 to +2 sigma, when asked. */
  readonly limit?: readonly number[];
}

/** Options of {@link evaluateCounts}. */
export interface EvaluateOptions {
  readonly profile?: boolean;
  readonly limit?: boolean;
  /** Evaluate this method's objective too (its value at the end of training, at hard counts). */
  readonly method?: Method;
  readonly testPoi?: number;
}

/**
 * The numbers of hard counts of an analysis (see the module comment).
 *
 * @throws NumericalError when a fit fails, or when the bins cannot be merged into a usable model.
 * @example
 * ```ts
 * const { sigmaFisher, sigmaProfile, limit } = evaluateCounts(analysis, hardTemplates(mlp, analysis, test), { profile: true, limit: true });
 * ```
 */
export function evaluateCounts(analysis: Analysis, counts: Float64Array, options: EvaluateOptions = {}): HardEvaluation {
  let merged: MergedBins;
  try {
    merged = mergeDegenerateBins(analysis.templateModel, counts);
  } catch (e) {
    throw new NumericalError(`the hard templates give no usable model: ${(e as Error).message}`);
  }
  const tm = merged.templateModel;
  const c = merged.counts;
  const sigmaFisher = cramerRaoWidth(tm, c).value;
  const profile = options.profile ? profileWidth(tm, c) : undefined;
  const objective = options.method?.loss.kind === 'head' ? options.method.loss.objective(tm, c, { testPoi: options.testPoi }).value : undefined;
  let limit: number[] | undefined;
  if (options.limit) {
    const compiled = tm.compile(c);
    limit = [...upperLimit(compiled.model, compiled.asimovData(0)).exp];
  }
  return {
    counts,
    merged,
    sigmaFisher,
    ...(profile ? { sigmaProfile: profile.value, interval: [profile.lower, profile.upper] as const } : {}),
    ...(objective !== undefined ? { objective } : {}),
    ...(limit ? { limit } : {}),
  };
}

/**
 * Fills hard templates of a summary on datasets and evaluates them ({@link evaluateCounts}).
 *
 * @example
 * ```ts
 * const { sigmaFisher } = evaluateHard(mlp, analysis, testDatasets);
 * ```
 */
export function evaluateHard(summary: Summary, analysis: Analysis, datasets: Readonly<Record<string, Dataset>>, options: EvaluateOptions = {}): HardEvaluation {
  return evaluateCounts(analysis, hardTemplates(summary, analysis, datasets), options);
}
