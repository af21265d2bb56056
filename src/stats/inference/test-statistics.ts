/**
 * Profile-likelihood test statistics (Cowan, Cranmer, Gross, Vitells, arXiv:1007.1727), with
 * pyhf's conventions:
 *
 * - `t_mu = -2 ln [L(mu, th^^) / L(mu^, th^)]`, clipped at 0;
 * - `t~_mu`: the same with the POI bounded below by 0 in the free fit;
 * - `q_mu = t_mu` if `mu^ <= mu`, else 0; `q~_mu` likewise from `t~_mu`;
 * - `q0 = t_0` if `mu^ >= 0`, else 0.
 */
import { InputError, NumericalError } from '../errors.js';
import type { HistFactoryModel, ModelData } from '../model/model.js';
import { fit, fixedPoiFit, type FitOptions, type FitResult } from './fit.js';

/** The test statistics diffinfer computes. */
export type TestStatistic = 'q0' | 'q' | 'qtilde' | 't' | 'ttilde';

export const TEST_STATISTICS: readonly TestStatistic[] = ['q0', 'q', 'qtilde', 't', 'ttilde'];

/** A test statistic with the two fits behind it. */
export interface TestStatisticResult {
  readonly value: number;
  readonly fixedFit: FitResult;
  readonly freeFit: FitResult;
}

/** Fit options shared by both fits of a test statistic. */
export type TestStatisticOptions = Omit<FitOptions, 'poiValue'>;

/** Throws a NumericalError when a fit inside a computation did not converge. */
export function requireConverged(result: FitResult, what: string): FitResult {
  if (!result.converged || !Number.isFinite(result.twiceNll)) {
    throw new NumericalError(
      result.diagnosis
        ? `${what} failed: ${result.diagnosis}`
        : `${what} did not converge (status ${result.status}, ${result.iterations} iterations, projected gradient ${result.projectedGradientNorm.toExponential(2)}, 2NLL ${result.twiceNll})`,
    );
  }
  return result;
}

/**
 * Computes a test statistic at POI value `mu`.
 *
 * @example
 * ```ts
 * const q = testStatistic('qtilde', 1.0, model, data).value;
 * ```
 */
export function testStatistic(
  kind: TestStatistic,
  mu: number,
  model: HistFactoryModel,
  data: ModelData,
  options: TestStatisticOptions = {},
): TestStatisticResult {
  const lowerOpt = options.lower ?? model.suggestedBounds().lower;
  const poi = model.poiIndex;
  const lower = Float64Array.from(lowerOpt);
  if (kind === 'qtilde' || kind === 'ttilde') {
    if (lower[poi] !== 0) {
      throw new InputError('argument', '--test-stat', `${kind} needs the POI "${model.poiName}" bounded below by 0, its lower bound is ${lower[poi]}`);
    }
  }
  if (kind === 'q0' && mu !== 0) throw new InputError('argument', 'q0', `q0 tests mu = 0, got mu = ${mu}`);
  // each fit also starts from the other's optimum: the fixed fit from the free one's (POI
  // moved to mu), the free fit again from the fixed one's if that is lower (bestFreeFit)
  const free = requireConverged(fit(model, data, { ...options, lower, uncertainties: false }), 'free fit');
  const fixedFit = requireConverged(
    fixedPoiFit(model, data, mu, { ...options, lower, uncertainties: false, starts: [...(options.starts ?? []), free.parameters] }),
    `fit with ${model.poiName} fixed at ${mu}`,
  );
  const freeFit = bestFreeFit(model, data, free, fixedFit, { ...options, lower });
  const value = statisticFromFits(kind, mu, fixedFit.twiceNll, freeFit.twiceNll, freeFit.parameters[poi]);
  return { value, fixedFit, freeFit };
}

/**
 * The free fit is a minimum over a superset of the fixed fit's space, so its 2NLL can never be
 * higher; if it is (the free fit's starts missed that basin), refit from the fixed fit's point
 * with the POI released and keep the better one: a local descent from there cannot end above
 * the fixed fit, so `t_mu >= 0` holds by construction.
 */
export function bestFreeFit(
  model: HistFactoryModel,
  data: ModelData,
  free: FitResult,
  fixed: FitResult,
  options: TestStatisticOptions,
): FitResult {
  if (fixed.twiceNll >= free.twiceNll - 1e-9) return free;
  const refit = fit(model, data, { ...options, init: fixed.parameters, starts: [free.parameters], uncertainties: false });
  return refit.converged && refit.twiceNll < free.twiceNll ? refit : free;
}

/**
 * The test statistic from the two fits' 2NLL values and the fitted POI `muHat`:
 * `t = max(0, 2NLL_fixed - 2NLL_free)`, zeroed for q/q~ when `muHat > mu` and for q0 when
 * `muHat < 0`.
 */
export function statisticFromFits(kind: TestStatistic, mu: number, fixedTwiceNll: number, freeTwiceNll: number, muHat: number): number {
  const t = Math.max(0, fixedTwiceNll - freeTwiceNll);
  if (kind === 'q' || kind === 'qtilde') return muHat > mu ? 0 : t;
  if (kind === 'q0') return muHat < 0 ? 0 : t;
  return t;
}
