/**
 * Maximum-likelihood fits of a HistFactory model: free fits, fits with the POI fixed,
 * user-fixed parameters and custom bounds, minimising 2NLL with the exact-Hessian bounded
 * Newton fitter of `src/stats/optimize`.
 *
 * Uncertainties come from the inverse Hessian of the NLL: since `NLL = 2NLL / 2`, the
 * covariance is `2 H^{-1}` with H the Hessian of 2NLL, restricted to free parameters
 * (parameters fixed or at an active bound get zero uncertainty).
 */
import { InputError, NumericalError } from '../errors.js';
import type { HistFactoryModel, ModelData } from '../model/model.js';
import { minimize, type MinimizeStatus } from '../optimize/minimize.js';
import { covarianceFromTwiceNllHessian } from '../optimize/minimize.js';
import { multiStart } from './multistart.js';

/** Options of a fit; every field defaults to the model's suggestion. */
export interface FitOptions {
  readonly init?: ArrayLike<number>;
  readonly lower?: ArrayLike<number>;
  readonly upper?: ArrayLike<number>;
  readonly fixed?: ArrayLike<boolean>;
  /** Extra parameters to fix, by pyhf name (`"alpha_jes"`, `"gamma_stat[2]"`), at the given values. */
  readonly fixValues?: Readonly<Record<string, number>>;
  /** When set, the POI is fixed at this value (pyhf's `fixed_poi_fit`). */
  readonly poiValue?: number;
  readonly maxIterations?: number;
  readonly tolerance?: number;
  /** Compute parameter uncertainties and correlations (default true). */
  readonly uncertainties?: boolean;
  /**
   * Further start points, e.g. the optimum of the other fit of a test statistic. Fixed
   * parameters take their fixed values, the others are clipped into the box.
   */
  readonly starts?: ReadonlyArray<ArrayLike<number>>;
  /**
   * `'auto'` (default): the multi-start rule of {@link fit}; `'single'`: only `init` — for a
   * caller that checks the minimum itself (the profile-width search refits its final points
   * with `'auto'`).
   */
  readonly multiStart?: 'auto' | 'single';
  /** @deprecated Ignored: every fit is a multi-start (see {@link fit}); kept so that old callers compile. */
  readonly secondStart?: boolean;
}

/** The outcome of a fit. `converged` is false whenever the fitter did not reach its criterion. */
export interface FitResult {
  readonly parameters: Float64Array;
  readonly twiceNll: number;
  readonly converged: boolean;
  readonly status: MinimizeStatus;
  readonly iterations: number;
  /** Infinity-norm of the projected gradient of 2NLL over free parameters. */
  readonly projectedGradientNorm: number;
  readonly newtonDecrement: number;
  /** sqrt of the covariance diagonal (0 for fixed or bound-active parameters). */
  readonly uncertainties?: Float64Array;
  /** Correlation matrix, row-major nPars x nPars. */
  readonly correlations?: Float64Array;
  readonly fixed: readonly boolean[];
  /** Why the fit failed, when it is known (e.g. the likelihood is zero at the start). */
  readonly diagnosis?: string;
  /** Number of starts the multi-start ran (1 when the first reached the saturated bound). */
  readonly starts: number;
  /**
   * Number of distinct minima among the converged starts (2NLL values more than
   * `max(1e-7, 1e-10 |2NLL|)` apart): 1 when every start agreed.
   */
  readonly distinctMinima: number;
  /** Highest minus lowest 2NLL over the converged starts (0 when they agreed). */
  readonly startSpread: number;
}

/** Resolved fit configuration: start point, box and fixed mask. */
export interface FitConfig {
  readonly init: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly fixed: boolean[];
}

/** Applies the defaults and the fixes of `options` to the model's suggestions. */
export function fitConfig(model: HistFactoryModel, options: FitOptions = {}): FitConfig {
  const n = model.nPars;
  const sb = model.suggestedBounds();
  const init = Float64Array.from(options.init ?? model.suggestedInit());
  const lower = Float64Array.from(options.lower ?? sb.lower);
  const upper = Float64Array.from(options.upper ?? sb.upper);
  const fixed = Array.from(options.fixed ?? model.suggestedFixed());
  if (init.length !== n || lower.length !== n || upper.length !== n || fixed.length !== n) {
    throw new InputError('argument', 'fit options', `init, bounds and fixed must have ${n} entries`);
  }
  for (const [name, value] of Object.entries(options.fixValues ?? {})) {
    const i = model.parameterIndex(name);
    if (i < 0) {
      throw new InputError('argument', `--fix ${name}=${value}`, `no parameter "${name}" (parameters: ${model.parameterNames.slice(0, 12).join(', ')}${model.nPars > 12 ? ', ...' : ''})`);
    }
    if (!Number.isFinite(value)) throw new InputError('argument', `--fix ${name}`, `value must be a finite number, got ${value}`);
    init[i] = value;
    fixed[i] = true;
  }
  if (options.poiValue !== undefined) {
    if (!Number.isFinite(options.poiValue)) throw new InputError('argument', 'POI value', `must be a finite number, got ${options.poiValue}`);
    init[model.poiIndex] = options.poiValue;
    fixed[model.poiIndex] = true;
  }
  for (let i = 0; i < n; i++) {
    if (!fixed[i] && (init[i] < lower[i] || init[i] > upper[i])) {
      throw new InputError('argument', `parameter "${model.parameterNames[i]}"`, `init ${init[i]} is outside its bounds [${lower[i]}, ${upper[i]}]`);
    }
    if (fixed[i]) {
      // A fixed parameter may sit outside the box (pyhf allows fixing the POI anywhere).
      lower[i] = Math.min(lower[i], init[i]);
      upper[i] = Math.max(upper[i], init[i]);
    }
  }
  return { init, lower, upper, fixed };
}

/**
 * Fits the model to `data`, minimising 2NLL from several starts and keeping the lowest minimum.
 *
 * 2NLL is not convex: a rate that is not monotonic in a normsys/histosys parameter (hi and lo
 * on the same side of nominal, strongly asymmetric code4p templates) gives it a basin on each
 * side, and products of factors couple them. The starts, in order (each run by the bounded
 * Newton fitter, duplicates skipped):
 *
 * 1. `init` (the caller's warm start; default the suggested init). If its minimum reaches the
 *    saturated lower bound of 2NLL (every Poisson term at lambda = n, every constraint at its
 *    maximum: free fits to Asimov data) it is global and the fit stops.
 * 2. the suggested init, then `starts` (e.g. the other fit's optimum);
 * 3. a free POI at its lower and at its upper bound, other parameters at the suggested init;
 *    and released from the fit with the POI held at its suggested init (itself a multi-start
 *    by these rules, so a free minimum is never above that fixed-POI fit);
 * 4. each normsys/histosys parameter along which 2NLL may be non-convex
 *    (`nonConvexParameters` in multistart.ts: its rates reverse direction by at least 0.3 Poisson
 *    deviations, or 2NLL along it through the suggested init has negative curvature somewhere
 *    in the interpolation region [-1, 1]) set to the other side of the best point (alpha -> -alpha; when
 *    |alpha| <= 0.5, 1.5 towards where 2NLL bends most), repeated while that improves; then
 *    all of them flipped at once (both ways for those near 0);
 * 5. when the starts so far found different minima (evidence that this fit's landscape has
 *    several): 8 Halton points over those parameters (all normsys/histosys if none) in
 *    [-3, 3] and the free normfactors in [0, 3], other parameters at the suggested init, then
 *    the flips of step 4 again.
 *
 * Models along whose parameters 2NLL is convex pay for steps 1-3 only (fixed-POI fits: 1-2
 * starts), and step 5 runs only where the starts disagreed. The rule was chosen on 200 random
 * hard workspaces (`hardWorkspaceArb`) against 61-start searches and is checked against
 * pyhf's 20-start searches in test/fixtures/global-minima. The result reports `starts`,
 * `distinctMinima` and `startSpread`.
 *
 * @example
 * ```ts
 * const result = fit(model, observedData(ws, model));
 * result.converged; // true
 * result.parameters[model.poiIndex]; // mu-hat
 * result.starts; result.distinctMinima; // how many starts ran, how many minima they found
 * ```
 */
export function fit(model: HistFactoryModel, data: ModelData, options: FitOptions = {}): FitResult {
  const cfg = fitConfig(model, options);
  const objective = model.objective(data);
  const run = (x0: Float64Array, fixedMask: readonly boolean[] = cfg.fixed) =>
    minimize(
      { evaluate: (x, wantHessian) => objective.evaluate(x, wantHessian) },
      { x0, lower: cfg.lower, upper: cfg.upper, fixed: fixedMask, maxIterations: options.maxIterations, tolerance: options.tolerance },
    );
  const outcome =
    options.multiStart === 'single'
      ? (() => {
          const r = run(cfg.init);
          return { best: r, starts: 1, distinctMinima: r.converged ? 1 : 0, spread: 0 };
        })()
      : multiStart({ model, data, init: cfg.init, lower: cfg.lower, upper: cfg.upper, fixed: cfg.fixed, starts: options.starts, run });
  const r = outcome.best;
  let uncertainties: Float64Array | undefined;
  let cov: Float64Array | undefined;
  let correlations: Float64Array | undefined;
  if (options.uncertainties !== false && r.converged) {
    const n = model.nPars;
    const free = cfg.fixed.map((f, i) => !f && !r.activeBounds[i]);
    try {
      cov = covarianceFromTwiceNllHessian(r.hessian, n, free);
    } catch (e) {
      if (!(e instanceof NumericalError)) throw e;
      // A minimum on a flat or degenerate direction: no Gaussian uncertainties to report.
    }
  }
  if (cov) {
    const n = model.nPars;
    uncertainties = new Float64Array(n);
    for (let i = 0; i < n; i++) uncertainties[i] = Math.sqrt(Math.max(0, cov[i * n + i]));
    correlations = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const d = uncertainties[i] * uncertainties[j];
        correlations[i * n + j] = d > 0 ? cov[i * n + j] / d : i === j ? 1 : 0;
      }
    }
  }
  return {
    parameters: r.x,
    twiceNll: r.value,
    converged: r.converged,
    status: r.status,
    iterations: r.iterations,
    projectedGradientNorm: r.projectedGradientNorm,
    newtonDecrement: r.newtonDecrement,
    uncertainties,
    correlations,
    fixed: cfg.fixed,
    diagnosis: Number.isFinite(r.value) ? undefined : model.impossibleBins(r.x, data) || undefined,
    starts: outcome.starts,
    distinctMinima: outcome.distinctMinima,
    startSpread: outcome.spread,
  };
}

/** Fit with the POI fixed at `poiValue` (pyhf's `fixed_poi_fit`). */
export function fixedPoiFit(model: HistFactoryModel, data: ModelData, poiValue: number, options: FitOptions = {}): FitResult {
  return fit(model, data, { ...options, poiValue });
}
