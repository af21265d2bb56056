/**
 * The tfjs runtime and the differentiable machinery: backend selection with the wasm fixes,
 * soft binning ops (KDE, softmax, sigmoid cut), the float64 bridge, the implicit-function rule
 * and the gradient checker.
 */
export {
  BACKEND_REQUESTS,
  initBackend,
  parseBackendRequest,
  type BackendAttempt,
  type BackendChoice,
  type BackendRequest,
  type InitBackendOptions,
} from './backend.js';
export { isFastBatchMatMulGradientRegistered, registerFastBatchMatMulGradient, restoreBatchMatMulGradient } from './batch-matmul-gradient.js';
export { DEFAULT_SUM_CHUNK, stagedSum, sumToFloat64, type StagedSumOptions } from './staged-sum.js';
export { bandwidthOf, hardHistogram, kdeHistogram, type Bandwidth, type KdeHistogramOptions, type KdeKernel, type Overflow } from './kde-histogram.js';
export { argmaxHistogram, softmaxHistogram, type SoftmaxHistogramOptions } from './softmax-histogram.js';
export { hardCutCount, sigmoidCut, softCount, type CutSide, type SigmoidCutOptions } from './sigmoid-cut.js';
export { float64Op, type Float64Head } from './float64-op.js';
export { implicitAdjoint, type ImplicitAdjointOptions } from './implicit.js';
export { centralDifferences, checkGradient, type GradientCheckOptions, type GradientCheckResult, type Stencil } from './testing/check-gradient.js';
