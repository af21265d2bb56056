/**
 * diffinfer in a browser (`diffinfer/browser`): the statistics engine (everything of
 * `diffinfer/stats`) and the training pieces that do no file IO — the MLP summary, optimisers,
 * datasets and seeded batches, analyses and their soft and hard templates, methods, hard
 * evaluation, analysis configs compiled from simulators, and the trainer. Files (event files,
 * checkpoints, saved models, bundles) are diffinfer/models' and diffinfer/node's, on Node.
 * The web page's training worker (web/src/training-worker.ts) runs on these modules;
 * test/web/browser-bundle.test.ts bundles this entry for the browser and finds no Node import.
 *
 * @example
 * ```ts
 * import { compileAnalysis, createAnalysisSummary, analysisTrainOptions, train } from 'diffinfer/browser';
 * const compiled = await compileAnalysis(config, { simulators, baseDir: '.' });
 * const mlp = createAnalysisSummary(compiled);
 * const result = await train(mlp, compiled.analysis, compiled.datasets.train!, analysisTrainOptions(compiled));
 * ```
 */
export * from './stats/index.js';
export * from './models/core.js';
export { batchDatasets } from './models/fill.js';
export { train } from './models/trainer.js';
export { compileAnalysis } from './models/config/compile.js';
