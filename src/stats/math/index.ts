/**
 * Special functions, root finding, and (re-exported from `../optimize/linalg.js`) small dense
 * linear algebra.
 *
 * @example
 * ```ts
 * import { normalCdf, normalQuantile, logGamma, findRoot, choleskyFactor } from './math/index.js';
 * ```
 *
 * @packageDocumentation
 */

export * from './special.js';
export * from './roots.js';
export * from '../optimize/linalg.js';
