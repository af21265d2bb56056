/**
 * The paper's evaluation of a summary on an INFERNO benchmark (arXiv:1806.04743, section 4):
 *
 * 1. a fresh test sample at the nominal point (default 1e6 events per process, seeded);
 * 2. hard assignment of every event to one bin — argmax of the logits, or fixed equal bins of a
 *    score on [0, 1] (src/models/fill.ts `hardTemplates`);
 * 3. templates of the background at r in {1.8, 2.0, 2.2} and lambda in {2.5, 3.0, 3.5} (the
 *    transforms of the benchmark's config), interpolated by the histosys of the template model;
 * 4. `sigma_s = 50 sigma_mu` from the Fisher information of the Asimov likelihood
 *    (`cramerRaoWidth`, what Table 2 reports) and from the profile likelihood on Asimov data
 *    (`profileWidth`: half the distance between the crossings of `Delta NLL = 0.5`, i.e.
 *    `t_mu = 2 Delta NLL = 1`).
 *
 * The analysis is the benchmark's config (benchmarks.ts `infernoConfig`) compiled for its test
 * split; bins the model cannot use are merged by the export's rule (src/models/evaluate.ts), so
 * the widths are those of the exported workspace. {@link profileCurve} gives the points
 * `(s, Delta NLL(s))` of the profile likelihood for plots: fits with the POI fixed
 * (`fixedPoiFit`, warm-started outward from the minimum) on the same Asimov data,
 * `Delta NLL(s) = (2NLL(mu = s/50, theta^^) - 2NLL(mu^, theta^)) / 2`.
 */
import type { Analysis } from '../../src/models/analysis.js';
import { compileAnalysis, type Simulator } from '../../src/models/config/index.js';
import type { Dataset } from '../../src/models/data.js';
import { evaluateCounts } from '../../src/models/evaluate.js';
import { hardTemplates } from '../../src/models/fill.js';
import type { Summary } from '../../src/models/summary.js';
import { InputError, NumericalError } from '../../src/stats/errors.js';
import { fixedPoiFit } from '../../src/stats/inference/fit.js';
import { convergedFit, cramerRaoWidth } from '../../src/stats/objectives/index.js';
import type { MergedBins } from '../../src/stats/templates/index.js';
import { INFERNO_NOMINAL } from '../simulators/inferno.js';
import { BUILTIN_SIMULATORS } from '../simulators/registry.js';
import { INFERNO_BENCHMARKS, infernoConfig, type InfernoBenchmark } from './benchmarks.js';

/** Options of {@link evaluateInferno}. */
export interface InfernoEvaluationOptions {
  /** Events per process of the fresh test sample; default 1e6. */
  readonly events?: number;
  /** Seed of the test sample; default 'inferno-test' (keep it apart from training seeds). */
  readonly seed?: number | string;
  /** Test datasets `signal` and `background` (nominal point) to use instead of simulating. */
  readonly datasets?: { readonly signal: Dataset; readonly background: Dataset };
  /** Number of score bins when the summary gives a score; default 10. */
  readonly bins?: number;
}

/** The widths of a summary on a benchmark, in units of signal events. */
export interface InfernoEvaluation {
  readonly benchmark: InfernoBenchmark;
  readonly analysis: Analysis;
  /** Hard-histogram counts (flat, the analysis's slots), before bins are merged. */
  readonly counts: Float64Array;
  /** The merged model and counts the widths are computed on (what an export writes). */
  readonly merged: MergedBins;
  /** `50 sigma_mu` from the Fisher information (Cramér-Rao width). */
  readonly sigmaFisher: number;
  /** `50 x` the half-width of the profile-likelihood interval at `Delta NLL = 0.5`. */
  readonly sigmaProfile: number;
  /** The ends of that interval in s. */
  readonly interval: readonly [number, number];
}

/**
 * The widths of hard counts of an INFERNO analysis in units of s (see the module comment).
 *
 * @throws NumericalError when a fit fails.
 */
export function infernoWidths(benchmark: InfernoBenchmark, analysis: Analysis, counts: Float64Array): InfernoEvaluation {
  const ev = evaluateCounts(analysis, counts, { profile: true });
  const s = INFERNO_NOMINAL.s;
  return { benchmark, analysis, counts, merged: ev.merged, sigmaFisher: s * ev.sigmaFisher, sigmaProfile: s * ev.sigmaProfile!, interval: [s * ev.interval![0], s * ev.interval![1]] };
}

/**
 * Evaluates a summary on a benchmark the paper's way (see the module comment).
 *
 * @throws InputError when the summary does not take 3 inputs or an option is malformed;
 *   NumericalError when a fit fails.
 * @example
 * ```ts
 * const { sigmaFisher, sigmaProfile } = await evaluateInferno(mlp, 2);                 // 1e6 test events per process
 * const quick = await evaluateInferno(new InfernoOptimalClassifier(), 0, { events: 1e5 });
 * ```
 */
export async function evaluateInferno(summary: Summary, benchmark: InfernoBenchmark, options: InfernoEvaluationOptions = {}): Promise<InfernoEvaluation> {
  if (!INFERNO_BENCHMARKS.includes(benchmark)) throw new InputError('argument', 'evaluateInferno benchmark', `must be one of 0, 1, 2, 3, 4, got ${benchmark}`);
  if (summary.inputDim !== 3) throw new InputError('argument', 'evaluateInferno summary', `takes ${summary.inputDim} inputs, the INFERNO problem has 3`);
  const events = options.datasets ? options.datasets.signal.n : (options.events ?? 1_000_000);
  if (!Number.isInteger(events) || events < 1) throw new InputError('argument', 'evaluateInferno options.events', `must be a positive integer, got ${events}`);
  const given = options.datasets;
  if (given) {
    for (const name of ['signal', 'background'] as const) {
      if (given[name].dim !== 3) throw new InputError('argument', `evaluateInferno options.datasets.${name}`, `has dim ${given[name].dim}, the INFERNO problem has 3`);
      if (given[name].n !== events) throw new InputError('argument', `evaluateInferno options.datasets.${name}`, `has ${given[name].n} events, signal has ${events}`);
    }
  }
  const bins = summary.output.kind === 'logits' ? summary.output.bins : (options.bins ?? 10);
  if (!Number.isInteger(bins) || bins < 2) throw new InputError('argument', 'evaluateInferno options.bins', `must be an integer >= 2, got ${bins}`);
  const config = infernoConfig(benchmark, summary.output.kind === 'score' ? 'bce' : 'inferno', 0, {
    bins, temperature: 0.1, hidden: [1], trainEvents: 1, validationEvents: 1, testEvents: events, batch: 2, learningRate: 1e-3, epochs: 1, variationFraction: 1,
  });
  const simulators: Record<string, Simulator> = given
    ? { inferno: { columns: ['x0', 'x1', 'x2'], simulate: (process) => given[process as 'signal' | 'background'].x } }
    : BUILTIN_SIMULATORS;
  const compiled = await compileAnalysis({ ...config, simulation: { ...config.simulation!, test: { events, seed: String(options.seed ?? 'inferno-test') } } }, { splits: ['test'], simulators });
  const counts = hardTemplates(summary, compiled.analysis, compiled.datasets.test!);
  return infernoWidths(benchmark, compiled.analysis, counts);
}

/** A point of the profile likelihood. */
export interface ProfilePoint {
  /** Signal yield `s = 50 mu`. */
  readonly s: number;
  /** `NLL(s, theta^^_s) - NLL(s^, theta^)` (>= 0). */
  readonly deltaNll: number;
}

/** Options of {@link profileCurve}. */
export interface ProfileCurveOptions {
  /**
   * The s values to fit at; default: s = 50 and `(points - 1) / 2` evenly spaced values on each
   * side out to `50 -+ halfRange`, each side cut at the POI bound (s in [0, 500]).
   */
  readonly s?: readonly number[];
  /** Number of grid points of the default grid (>= 3); default 41. */
  readonly points?: number;
  /** Half-range of the default grid in s; default 3 x the evaluation's profile (or Fisher) width. */
  readonly halfRange?: number;
}

/** What {@link profileCurve} returns. */
export interface ProfileCurve {
  /** In increasing s; points where the likelihood vanishes (Delta NLL = +inf) are left out. */
  readonly points: readonly ProfilePoint[];
  /** The free fit's s. */
  readonly sHat: number;
}

/**
 * The profile likelihood `Delta NLL(s)` of an evaluation on its Asimov data (see the module
 * comment), e.g. for the paper's figure 4b.
 *
 * @throws InputError for an empty or non-finite grid, or s outside the POI bounds;
 *   NumericalError when a fit does not converge.
 * @example
 * ```ts
 * const ev = await evaluateInferno(mlp, 2);
 * const { points } = profileCurve(ev);   // 41 points over 50 +- 3 sigma (s >= 0)
 * ```
 */
export function profileCurve(evaluation: Pick<InfernoEvaluation, 'merged'> & { readonly sigmaProfile?: number; readonly sigmaFisher?: number }, options: ProfileCurveOptions = {}): ProfileCurve {
  const sNominal = INFERNO_NOMINAL.s;
  const { templateModel: tm, counts } = evaluation.merged;
  const compiled = tm.compile(counts);
  const model = compiled.model;
  const poi = model.poiIndex;
  const { lower, upper } = model.suggestedBounds();
  let grid: number[];
  if (options.s) {
    grid = [...options.s];
    if (grid.length === 0) throw new InputError('argument', 'profileCurve options.s', 'is empty');
  } else {
    const points = options.points ?? 41;
    if (!Number.isInteger(points) || points < 3) throw new InputError('argument', 'profileCurve options.points', `must be an integer >= 3, got ${points}`);
    const width = evaluation.sigmaProfile ?? evaluation.sigmaFisher ?? sNominal * cramerRaoWidth(tm, counts).value;
    const half = options.halfRange ?? 3 * width;
    if (!(half > 0) || !Number.isFinite(half)) throw new InputError('argument', 'profileCurve options.halfRange', `must be positive and finite, got ${half}`);
    // s = 50 and evenly spaced points on each side, each side cut at the POI bound
    const left = Math.min(half, sNominal - sNominal * lower[poi]);
    const right = Math.min(half, sNominal * upper[poi] - sNominal);
    const nLeft = Math.floor((points - 1) / 2);
    const nRight = points - 1 - nLeft;
    grid = [
      ...Array.from({ length: nLeft }, (_, k) => sNominal - (left * (nLeft - k)) / nLeft),
      sNominal,
      ...Array.from({ length: nRight }, (_, k) => sNominal + (right * (k + 1)) / nRight),
    ];
  }
  grid.forEach((s, k) => {
    if (!Number.isFinite(s) || s / sNominal < lower[poi] || s / sNominal > upper[poi]) {
      throw new InputError('argument', `profileCurve options.s[${k}]`, `${s} is not a finite value inside the POI bounds [${sNominal * lower[poi]}, ${sNominal * upper[poi]}]`);
    }
  });
  grid.sort((a, b) => a - b);
  const data = compiled.asimovData(1);
  const free = convergedFit(compiled, data, 'profileCurve: free fit to the Asimov data', { init: compiled.nominalParameters(1), secondStart: false });
  const sHat = sNominal * free.parameters[poi];
  const deltaNll = new Float64Array(grid.length);
  // A point where the likelihood vanishes (s = 0 with a bin that holds only signal) has
  // Delta NLL = +inf: it is left out of the curve, not an error. Any other failed fit is one.
  const at = (k: number, warm: Float64Array): Float64Array => {
    const mu = grid[k] / sNominal;
    const r = fixedPoiFit(model, data, mu, { init: warm, uncertainties: false });
    if (!r.converged) {
      if (r.diagnosis || !Number.isFinite(r.twiceNll)) {
        deltaNll[k] = Infinity;
        return warm;
      }
      throw new NumericalError(`profileCurve: fit with ${model.poiName} fixed at ${mu} (s = ${grid[k]}) did not converge (status ${r.status})`);
    }
    deltaNll[k] = Math.max(0, 0.5 * (r.twiceNll - free.twiceNll));
    return r.parameters;
  };
  // warm starts outward from the grid point nearest the minimum
  let start = 0;
  for (let k = 1; k < grid.length; k++) if (Math.abs(grid[k] - sHat) < Math.abs(grid[start] - sHat)) start = k;
  let warm = at(start, free.parameters);
  for (let k = start + 1; k < grid.length; k++) warm = at(k, warm);
  warm = free.parameters;
  for (let k = start - 1; k >= 0; k--) warm = at(k, warm);
  return { points: grid.map((s, k) => ({ s, deltaNll: deltaNll[k] })).filter((p) => Number.isFinite(p.deltaNll)), sHat };
}

/**
 * Where a profile curve crosses `level` on each side of its minimum, by linear interpolation
 * between grid points (NaN on a side the grid does not reach).
 *
 * @example
 * ```ts
 * const [lo, hi] = curveCrossings(profileCurve(ev).points); // about 50 -+ sigmaProfile
 * ```
 */
export function curveCrossings(points: readonly ProfilePoint[], level = 0.5): [number, number] {
  if (points.length === 0) throw new InputError('argument', 'curveCrossings points', 'is empty');
  let m = 0;
  for (let k = 1; k < points.length; k++) if (points[k].deltaNll < points[m].deltaNll) m = k;
  const cross = (a: ProfilePoint, b: ProfilePoint) => a.s + ((level - a.deltaNll) * (b.s - a.s)) / (b.deltaNll - a.deltaNll);
  let lo = NaN;
  for (let k = m; k > 0; k--) {
    if (points[k - 1].deltaNll >= level) {
      lo = cross(points[k], points[k - 1]);
      break;
    }
  }
  let hi = NaN;
  for (let k = m; k < points.length - 1; k++) {
    if (points[k + 1].deltaNll >= level) {
      hi = cross(points[k], points[k + 1]);
      break;
    }
  }
  return [lo, hi];
}
