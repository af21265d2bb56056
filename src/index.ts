/**
 * diffinfer: inference-aware learning for particle physics.
 *
 * `diffinfer/stats` is the float64 statistics engine (no TensorFlow.js, no Node module: it runs
 * in a browser); `diffinfer/autodiff` the tfjs runtime; `diffinfer/node` reading and writing
 * files. This root re-exports all three (it is for Node; a web page imports `diffinfer/stats`).
 */
export * from './stats/index.js';
export * from './autodiff/index.js';
export * from './node.js';
