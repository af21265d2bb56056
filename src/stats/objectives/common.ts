/**
 * Shared pieces of the differentiable objectives: the result type, fits that must converge,
 * and the envelope-theorem gradient of a profiled 2NLL with respect to the counts.
 */
import { NumericalError } from '../errors.js';
import { fit, type FitOptions, type FitResult } from '../inference/fit.js';
import type { ModelData } from '../model/model.js';
import { twiceNllSensitivities } from '../model/sensitivities.js';
import type { CompiledTemplate, TemplateModel } from '../templates/template-model.js';

/** A differentiable objective's value and its gradient with respect to the flat counts. */
export interface ObjectiveResult {
  readonly value: number;
  /** d value / d counts, in the template layout. */
  readonly gradient: Float64Array;
}

/** A fit that must converge; the error says which fit failed and how. */
export function convergedFit(compiled: CompiledTemplate, data: ModelData, what: string, options: FitOptions = {}): FitResult {
  const r = fit(compiled.model, data, { uncertainties: false, ...options });
  if (!r.converged || !Number.isFinite(r.twiceNll)) {
    throw new NumericalError(
      `${what} did not converge (status ${r.status}, ${r.iterations} iterations, projected gradient ${r.projectedGradientNorm.toExponential(2)}, 2NLL ${r.twiceNll})${r.diagnosis ? `: ${r.diagnosis}` : ''}`,
    );
  }
  return r;
}

/**
 * Adds `scale x d 2NLL(pars; data(c), c) / dc` at fixed `pars` into `gradient`, where the data
 * are Asimov data made at `asimovPars` (`compiled.asimovData`: their main bins depend on the
 * counts, `n = lambda(asimovPars; c)`, and so do the auxiliary data of shapesys, `tau(c)`; the
 * other auxiliary data are constants). By the envelope theorem this is the
 * gradient of a minimum of 2NLL when `pars` is the minimiser (bounds that do not depend on c
 * included). With `direction` v it adds `scale x d (v . grad_theta 2NLL) / dc` instead, the
 * mixed derivative of the implicit-function rule.
 */
export function addProfiledGradient(
  tm: TemplateModel,
  compiled: CompiledTemplate,
  pars: ArrayLike<number>,
  data: ModelData,
  asimovPars: ArrayLike<number>,
  scale: number,
  gradient: Float64Array,
  direction?: ArrayLike<number>,
): void {
  const s = twiceNllSensitivities(compiled.model, pars, data, direction);
  const part = tm.countsGradient(compiled, { yields: s.yields, constraintWidths: s.constraintWidths, auxData: s.auxData });
  const viaData = tm.countsGradient(compiled, { yields: compiled.model.ratesVjp(asimovPars, s.mainData) });
  for (let i = 0; i < gradient.length; i++) gradient[i] += scale * (part[i] + viaData[i]);
}
