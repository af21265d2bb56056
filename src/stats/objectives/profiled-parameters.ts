/**
 * Fitted parameters as differentiable functions of the counts, by the implicit-function rule
 * (`implicitAdjoint` of src/autodiff): at a minimum `theta^(c)` of 2NLL with free set F,
 * `dtheta^_F/dc = -H_FF^{-1} d2(2NLL)/(dtheta_F dc)`, components fixed or at an active bound do
 * not move. For a cotangent `thetaBar` one Cholesky solve `H_FF v_F = thetaBar_F` gives
 * `d(thetaBar . theta^)/dc = -v^T d2(2NLL)/(dtheta dc)`, the mixed derivative of
 * `twiceNllSensitivities` along v (Asimov data path included). The fit is a multi-start
 * (see `fit`) and the derivative is taken at the minimum it keeps.
 */
import { implicitAdjoint } from '../../autodiff/implicit.js';
import { NumericalError } from '../errors.js';
import type { FitResult } from '../inference/fit.js';
import type { CompiledTemplate, TemplateModel } from '../templates/template-model.js';
import { addProfiledGradient, convergedFit } from './common.js';

export interface ProfiledParametersOptions {
  /** POI value of the Asimov data the fit is made to; default 1. */
  readonly asimovPoi?: number;
  /** When set, the POI is fixed at this value (a profiled fit); otherwise it floats. */
  readonly poiValue?: number;
}

/** A fit to Asimov data with a vector-Jacobian product of its parameters with respect to the counts. */
export interface ProfiledParameters {
  readonly fit: FitResult;
  readonly compiled: CompiledTemplate;
  /** The fitted parameters theta^(c). */
  readonly parameters: Float64Array;
  /** Components that move with c (not fixed, not at an active bound). */
  readonly free: readonly boolean[];
  /** `d(cotangent . theta^)/dc` in the template layout. */
  vjp(cotangent: ArrayLike<number>): Float64Array;
}

/**
 * Fits the template model to its Asimov data and returns the fitted parameters with their
 * implicit derivative.
 *
 * @example
 * ```ts
 * const pp = profiledParameters(tm, counts, { poiValue: 1.5 });
 * const dAlphaDc = pp.vjp(oneHot(pp.parameters.length, index)); // d alpha^ / d counts
 * ```
 */
export function profiledParameters(tm: TemplateModel, counts: ArrayLike<number>, options: ProfiledParametersOptions = {}): ProfiledParameters {
  const compiled = tm.compile(counts);
  const model = compiled.model;
  const asimovPars = compiled.nominalParameters(options.asimovPoi ?? 1);
  const data = compiled.asimovData(options.asimovPoi ?? 1);
  const init = Float64Array.from(asimovPars);
  if (options.poiValue !== undefined) init[model.poiIndex] = options.poiValue;
  const fit = convergedFit(compiled, data, options.poiValue !== undefined ? `fit with ${model.poiName} fixed at ${options.poiValue}` : 'free fit to the Asimov data', {
    init,
    poiValue: options.poiValue,
  });
  const n = model.nPars;
  const { gradient, hessian } = model.objective(data).evaluate(fit.parameters, true);
  const { lower, upper } = model.suggestedBounds();
  const free = fit.fixed.map((f, i) => {
    if (f) return false;
    const x = fit.parameters[i];
    return !((x <= lower[i] && gradient[i] > 0) || (x >= upper[i] && gradient[i] < 0));
  });
  return {
    fit,
    compiled,
    parameters: fit.parameters,
    free,
    vjp: (cotangent) => {
      if (cotangent.length !== n) throw new RangeError(`profiledParameters.vjp: cotangent has ${cotangent.length} values, the model has ${n} parameters`);
      let v: Float64Array;
      try {
        v = implicitAdjoint({ hessian: hessian!, n, free, cotangent });
      } catch (e) {
        throw new NumericalError(`profiledParameters: ${(e as Error).message}`);
      }
      const g = new Float64Array(tm.size);
      addProfiledGradient(tm, compiled, fit.parameters, data, asimovPars, -1, g, v);
      return g;
    },
  };
}
