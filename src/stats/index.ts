/**
 * diffinfer's float64 statistics engine: pyhf workspaces, the HistFactory model with exact
 * derivatives, bounded Newton fits, test statistics, asymptotic CLs and upper limits.
 */
export * from './errors.js';
export * from './workspace/index.js';
export * from './model/index.js';
export * from './inference/index.js';
export * from './math/index.js';
export * from './optimize/index.js';
export { writeFileAtomic } from './io.js';
export * from './templates/index.js';
export * from './objectives/index.js';
