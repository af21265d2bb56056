/**
 * Differentiable objectives: float64 functions of the template counts with exact gradients —
 * the Cramér-Rao width (INFERNO), the profile-likelihood width, expected CLs (neos) and the
 * discovery significance Z0 — and fitted parameters differentiated implicitly.
 */
export { convergedFit, type ObjectiveResult } from './common.js';
export {
  covariance,
  covarianceVjp,
  cramerRaoWidth,
  fisherInformation,
  fisherInformationVjp,
  type FisherInformation,
  type FisherOptions,
} from './fisher.js';
export { profileWidth, type ProfileWidthOptions, type ProfileWidthResult } from './profile-width.js';
export { discoverySignificance, expectedCls, type ExpectedClsOptions, type HypothesisObjectiveResult } from './hypothesis-tests.js';
export { profiledParameters, type ProfiledParameters, type ProfiledParametersOptions } from './profiled-parameters.js';
export { countsHead } from './counts-head.js';
