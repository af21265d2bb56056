/**
 * diffinfer's float64 statistics engine: pyhf workspaces, the HistFactory model with exact
 * derivatives, bounded Newton fits, test statistics, asymptotic CLs and upper limits.
 *
 * Browser-safe: nothing here imports a Node module (a test bundles it for the browser and checks).
 * Reading and writing files is `diffinfer/node` (`src/node.ts`).
 */
export * from './errors.js';
export * from './workspace/index.js';
export * from './model/index.js';
export * from './inference/index.js';
export * from './math/index.js';
export * from './optimize/index.js';
export * from './templates/index.js';
export * from './objectives/index.js';
