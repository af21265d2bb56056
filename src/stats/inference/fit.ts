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
   * A free fit also starts with the POI at its lower bound and keeps the lower minimum
   * (default true). Turn off when `init` is known to be the minimum (Asimov data).
   */
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
 * Fits the model to `data`, minimising 2NLL.
 *
 * @example
 * ```ts
 * const result = fit(model, observedData(ws, model));
 * result.converged; // true
 * result.parameters[model.poiIndex]; // mu-hat
 * ```
 */
export function fit(model: HistFactoryModel, data: ModelData, options: FitOptions = {}): FitResult {
  const cfg = fitConfig(model, options);
  const objective = model.objective(data);
  const run = (x0: Float64Array) =>
    minimize(
      { evaluate: (x, wantHessian) => objective.evaluate(x, wantHessian) },
      { x0, lower: cfg.lower, upper: cfg.upper, fixed: cfg.fixed, maxIterations: options.maxIterations, tolerance: options.tolerance },
    );
  let r = run(cfg.init);
  // 2NLL is not convex in the parameters (rates are products of factors), so a free POI fit
  // can end in a local minimum. A second start with the POI at its lower bound catches the
  // common case of a minimum on the other side of the signal-free configuration; the lower
  // 2NLL wins.
  const poi = model.poiIndex;
  if (options.secondStart !== false && poi >= 0 && !cfg.fixed[poi] && Number.isFinite(cfg.lower[poi]) && cfg.init[poi] !== cfg.lower[poi]) {
    const x0 = Float64Array.from(cfg.init);
    x0[poi] = cfg.lower[poi];
    const r2 = run(x0);
    if (r2.converged && (!r.converged || r2.value < r.value)) r = r2;
  }
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
  };
}

/** Fit with the POI fixed at `poiValue` (pyhf's `fixed_poi_fit`). */
export function fixedPoiFit(model: HistFactoryModel, data: ModelData, poiValue: number, options: FitOptions = {}): FitResult {
  return fit(model, data, { ...options, poiValue });
}
