/**
 * Bounded Newton minimisation and dense linear algebra for the statistics engine.
 *
 * @example
 * ```ts
 * import { minimize, covarianceFromTwiceNllHessian, choleskyFactor } from './optimize/index.js';
 * ```
 *
 * @packageDocumentation
 */

export * from './minimize.js';
export * from './linalg.js';
