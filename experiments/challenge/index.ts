/** The HiggsML-Uncertainty-Challenge-style problem as an analysis (problem.ts). */
export * from './problem.js';
export * from './arms.js';
export * from './train-arms.js';
