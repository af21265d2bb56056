/**
 * diffinfer: inference-aware learning for particle physics.
 *
 * `diffinfer/stats` is the float64 statistics engine (no TensorFlow.js); `diffinfer/autodiff`
 * the tfjs runtime. This root re-exports both.
 */
export * from './stats/index.js';
export * from './autodiff/index.js';
