/** The tfjs runtime: backend selection (differentiable ops and the float64 bridge land here next). */
export {
  BACKEND_REQUESTS,
  initBackend,
  parseBackendRequest,
  type BackendAttempt,
  type BackendChoice,
  type BackendRequest,
  type InitBackendOptions,
} from './backend.js';
export { bandwidthOf, hardHistogram, kdeHistogram, type Bandwidth, type KdeHistogramOptions, type Overflow } from './kde-histogram.js';
export { centralDifferences, checkGradient, type GradientCheckOptions, type GradientCheckResult } from './testing/check-gradient.js';
