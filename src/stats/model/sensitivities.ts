/**
 * Sensitivities of 2NLL to the numbers of a workspace at fixed parameters: the yields (through
 * {@link HistFactoryModel.ratesVjp}), the main and auxiliary data, and the constraint widths.
 * These are the float64 derivatives behind every differentiable objective: an objective that
 * minimises over the parameters needs, by the envelope theorem, only the gradient at the
 * minimum; one that differentiates fitted parameters needs the mixed derivative
 * `v^T d2(2NLL) / (dtheta dy)` for one direction v (the implicit-function rule).
 *
 * Design choice (the "float64 derivative machinery"): analytic rules per modifier rather than
 * a general tape. At fixed parameters every rate is linear in the yields
 * (`lambda_b = sum_s F_s(theta) A_sb(theta; nom, hi, lo)` with A linear in the templates), so
 * first derivatives with respect to yields, and mixed derivatives with respect to yields and
 * parameters, are one reverse sweep over the terms: cost O(bins x samples x modifiers per
 * term), the cost of one expected-data evaluation (microseconds for 20 bins). Derivatives of
 * the Asimov Fisher information need nothing more (it is `J^T diag(1/lambda) J` plus the
 * constraint curvatures), so no third derivatives of the likelihood are ever formed.
 *
 * Formulas (n main data, a aux data, `r = (theta - a) / sigma`):
 * - value: `dlambda_b = 2 (1 - n_b / lambda_b)`, `dn_b = 2 (psi(n_b + 1) - log lambda_b)`;
 *   normal `da = -2 r / sigma`, `dsigma = 2 (1 - r^2) / sigma`;
 *   Poisson `da = 2 (psi(a + 1) - log(theta tau))`, `dtau = 2 (theta - a / tau)`.
 * - direction v (of `v . grad_theta 2NLL`), `s_b = J_b . v`: `dlambda_b = 2 n_b s_b / lambda_b^2`,
 *   `dJ_bi = 2 (1 - n_b / lambda_b) v_i`, `dn_b = -2 s_b / lambda_b`; normal
 *   `da = -2 v_p / sigma^2`, `dsigma = -4 (theta - a) v_p / sigma^3`; Poisson `da = -2 v_p / theta`,
 *   `dtau = 2 v_p`.
 */
import { digamma } from '../math/special.js';
import type { HistFactoryModel, ModelData, YieldAdjoints } from './model.js';

/** Derivatives of a scalar built from 2NLL with respect to the workspace's numbers. */
export interface TwiceNllSensitivities {
  readonly yields: YieldAdjoints;
  /** d/d main data n_b [nMainBins]. */
  readonly mainData: Float64Array;
  /** d/d auxiliary data [nAux]. */
  readonly auxData: Float64Array;
  /** d/d constraint widths (sigma or tau) [nAux], aux order of {@link HistFactoryModel.constraintTerms}. */
  readonly constraintWidths: Float64Array;
}

/**
 * Without `direction`: the gradient of `2NLL(pars; data)` with respect to the yields, the data
 * and the constraint widths, at fixed `pars`. With `direction` v (length nPars): the gradient of
 * `v . grad_theta 2NLL(pars; data)`, i.e. `v^T d2(2NLL) / (dtheta d.)`.
 *
 * @example
 * ```ts
 * const s = twiceNllSensitivities(model, fitted.parameters, data);
 * s.yields.nominal[0]; // d 2NLL / d nominal yields of model.samples[0]
 * ```
 */
export function twiceNllSensitivities(
  model: HistFactoryModel,
  pars: ArrayLike<number>,
  data: ModelData,
  direction?: ArrayLike<number>,
): TwiceNllSensitivities {
  const n = model.nPars;
  const nb = model.nMainBins;
  if (direction && direction.length !== n) throw new RangeError(`twiceNllSensitivities: direction has ${direction.length} values, the model has ${n} parameters`);
  const { lambda, jacobian } = model.rates(pars, direction !== undefined);
  const lambdaBar = new Float64Array(nb);
  const mainData = new Float64Array(nb);
  let jacobianBar: Float64Array | undefined;
  if (!direction) {
    for (let b = 0; b < nb; b++) {
      const nobs = data.main[b];
      lambdaBar[b] = 2 - (nobs === 0 ? 0 : (2 * nobs) / lambda[b]);
      mainData[b] = 2 * (digamma(nobs + 1) - Math.log(lambda[b]));
    }
  } else {
    jacobianBar = new Float64Array(nb * n);
    for (let b = 0; b < nb; b++) {
      const nobs = data.main[b];
      let s = 0;
      for (let i = 0; i < n; i++) s += jacobian![b * n + i] * direction[i];
      lambdaBar[b] = nobs === 0 ? 0 : (2 * nobs * s) / (lambda[b] * lambda[b]);
      mainData[b] = (-2 * s) / lambda[b];
      const w = 2 - (nobs === 0 ? 0 : (2 * nobs) / lambda[b]);
      for (let i = 0; i < n; i++) jacobianBar[b * n + i] = w * direction[i];
    }
  }
  const terms = model.constraintTerms();
  const auxData = new Float64Array(terms.length);
  const constraintWidths = new Float64Array(terms.length);
  terms.forEach((c, i) => {
    const th = pars[c.parameter];
    const a = data.aux[i];
    const w = c.width;
    if (c.kind === 'normal') {
      const r = (th - a) / w;
      if (!direction) {
        auxData[i] = (-2 * r) / w;
        constraintWidths[i] = (2 * (1 - r * r)) / w;
      } else {
        const v = direction[c.parameter];
        auxData[i] = (-2 * v) / (w * w);
        constraintWidths[i] = (-4 * (th - a) * v) / (w * w * w);
      }
    } else if (!direction) {
      auxData[i] = 2 * (digamma(a + 1) - Math.log(th * w));
      constraintWidths[i] = 2 * (th - a / w);
    } else {
      const v = direction[c.parameter];
      auxData[i] = (-2 * v) / th;
      constraintWidths[i] = 2 * v;
    }
  });
  return { yields: model.ratesVjp(pars, lambdaBar, jacobianBar), mainData, auxData, constraintWidths };
}
