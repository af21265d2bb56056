/**
 * INFERNO's objective: the Cramér-Rao width of the POI from the Fisher information of the
 * Asimov likelihood at the nominal parameters.
 *
 * With Asimov data `n = lambda(theta0)` the Hessian of the NLL at theta0 loses its
 * second-derivative term, so the Fisher information is
 *
 * `I = J^T diag(1 / lambda) J + K`,  `J_bi = d lambda_b / d theta_i`,
 *
 * with `K_pp = 1 / sigma_p^2` for Gaussian constraints and `tau_p / theta_p` for Poisson ones,
 * over the parameters that are not fixed. `covariance = I^{-1}` (on those parameters) and
 * `sigma_mu = sqrt(covariance_mu,mu)`. The names are kept apart: neos/relaxed's `fisher_info`
 * returns the covariance.
 *
 * Gradients (reverse mode): for a cotangent `Ibar` (symmetric),
 * `lambdaBar_b = -(J_b^T Ibar J_b) / lambda_b^2`, `Jbar_b = 2 Ibar J_b / lambda_b`,
 * `sigmaBar_p = -2 Ibar_pp / sigma_p^3`, `tauBar_p = Ibar_pp / theta_p`, then
 * {@link HistFactoryModel.ratesVjp}; for the covariance `Ibar = -C Cbar C`; for sigma_mu
 * `Cbar = e_mu e_mu^T / (2 sigma_mu)`. The Asimov data path contributes nothing: `1 - n/lambda`
 * vanishes for every c.
 */
import { NumericalError } from '../errors.js';
import { inverseHessianCovariance } from '../optimize/minimize.js';
import type { CompiledTemplate, TemplateModel } from '../templates/template-model.js';
import type { ObjectiveResult } from './common.js';

/** Where the Fisher information is evaluated. */
export interface FisherOptions {
  /** POI value of the nominal point (and of the Asimov data); default 1. */
  readonly poiValue?: number;
}

/** The Fisher information of a template model at counts, with what produced it. */
export interface FisherInformation {
  /** Row-major [nPars, nPars]; rows and columns of fixed parameters are 0. */
  readonly matrix: Float64Array;
  /** Parameters it is taken over (not fixed). */
  readonly free: readonly boolean[];
  /** The nominal point theta0. */
  readonly parameters: Float64Array;
  readonly compiled: CompiledTemplate;
}

/**
 * The Fisher information of the Asimov likelihood at the nominal point (see the module comment).
 *
 * @example
 * ```ts
 * const fi = fisherInformation(tm, counts);
 * fi.matrix[fi.compiled.model.poiIndex * fi.compiled.model.nPars + fi.compiled.model.poiIndex];
 * ```
 */
export function fisherInformation(tm: TemplateModel, counts: ArrayLike<number>, options: FisherOptions = {}): FisherInformation {
  const compiled = tm.compile(counts);
  const model = compiled.model;
  const n = model.nPars;
  const parameters = compiled.nominalParameters(options.poiValue ?? 1);
  const free = model.suggestedFixed().map((f) => !f);
  const { lambda, jacobian } = model.rates(parameters, true);
  const matrix = new Float64Array(n * n);
  for (let b = 0; b < lambda.length; b++) {
    if (!(lambda[b] > 0)) {
      throw new NumericalError(`fisherInformation: expected rate in bin ${b} is ${lambda[b]}; the Fisher information needs positive rates (add a floor to the histograms)`);
    }
    const inv = 1 / lambda[b];
    for (let i = 0; i < n; i++) {
      const ji = jacobian![b * n + i] * inv;
      if (ji === 0 || !free[i]) continue;
      for (let j = 0; j < n; j++) if (free[j]) matrix[i * n + j] += ji * jacobian![b * n + j];
    }
  }
  for (const c of model.constraintTerms()) {
    const p = c.parameter;
    if (!free[p]) continue;
    matrix[p * n + p] += c.kind === 'normal' ? 1 / (c.width * c.width) : c.width / parameters[p];
  }
  return { matrix, free, parameters, compiled };
}

/** Gradient with respect to the counts of `sum_ij Ibar_ij I_ij` (Ibar symmetric, [nPars, nPars]). */
export function fisherInformationVjp(tm: TemplateModel, fi: FisherInformation, Ibar: ArrayLike<number>): Float64Array {
  const { compiled, parameters } = fi;
  const model = compiled.model;
  const n = model.nPars;
  const { lambda, jacobian } = model.rates(parameters, true);
  const nb = lambda.length;
  const lambdaBar = new Float64Array(nb);
  const jacobianBar = new Float64Array(nb * n);
  const u = new Float64Array(n);
  for (let b = 0; b < nb; b++) {
    // u = Ibar J_b
    let quad = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += Ibar[i * n + j] * jacobian![b * n + j];
      u[i] = s;
      quad += jacobian![b * n + i] * s;
    }
    lambdaBar[b] = -quad / (lambda[b] * lambda[b]);
    for (let i = 0; i < n; i++) jacobianBar[b * n + i] = (2 * u[i]) / lambda[b];
  }
  const terms = model.constraintTerms();
  const widths = new Float64Array(terms.length);
  terms.forEach((c, k) => {
    const p = c.parameter;
    if (!fi.free[p]) return;
    widths[k] = c.kind === 'normal' ? (-2 * Ibar[p * n + p]) / (c.width * c.width * c.width) : Ibar[p * n + p] / parameters[p];
  });
  return tm.countsGradient(compiled, { yields: model.ratesVjp(parameters, lambdaBar, jacobianBar), constraintWidths: widths });
}

/** The covariance `I^{-1}` over the free parameters (zeros elsewhere), row-major. */
export function covariance(fi: FisherInformation): Float64Array {
  return inverseHessianCovariance(fi.matrix, fi.compiled.model.nPars, fi.free);
}

/** Gradient with respect to the counts of `sum_ij Cbar_ij C_ij` for the covariance C. */
export function covarianceVjp(tm: TemplateModel, fi: FisherInformation, cov: ArrayLike<number>, Cbar: ArrayLike<number>): Float64Array {
  const n = fi.compiled.model.nPars;
  // Ibar = -C Cbar C (symmetrised)
  const tmp = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) {
    const cik = cov[i * n + k];
    if (cik === 0) continue;
    for (let j = 0; j < n; j++) tmp[i * n + j] += cik * 0.5 * (Cbar[k * n + j] + Cbar[j * n + k]);
  }
  const Ibar = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) {
    const t = tmp[i * n + k];
    if (t === 0) continue;
    for (let j = 0; j < n; j++) Ibar[i * n + j] -= t * cov[k * n + j];
  }
  return fisherInformationVjp(tm, fi, Ibar);
}

/**
 * The Cramér-Rao width of the POI, `sigma_mu = sqrt([I^{-1}]_mu,mu)`, and its gradient with
 * respect to the counts.
 *
 * @example
 * ```ts
 * const { value, gradient } = cramerRaoWidth(tm, counts); // value = sigma_mu
 * ```
 */
export function cramerRaoWidth(tm: TemplateModel, counts: ArrayLike<number>, options: FisherOptions = {}): ObjectiveResult & { readonly fisher: FisherInformation } {
  const fi = fisherInformation(tm, counts, options);
  const n = fi.compiled.model.nPars;
  const poi = fi.compiled.model.poiIndex;
  if (!fi.free[poi]) throw new NumericalError(`cramerRaoWidth: the POI "${fi.compiled.model.poiName}" is fixed`);
  const cov = covariance(fi);
  const sigma = Math.sqrt(cov[poi * n + poi]);
  // Ibar = -(C e)(C e)^T / (2 sigma)
  const Ibar = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Ibar[i * n + j] = (-cov[i * n + poi] * cov[j * n + poi]) / (2 * sigma);
  return { value: sigma, gradient: fisherInformationVjp(tm, fi, Ibar), fisher: fi };
}
