/**
 * The results data model of the INFERNO / neos experiments: what a benchmark, ablation or neos
 * run writes to `results.json`, and what the report and the plots read.
 *
 * The runners fill these objects; {@link summariseSeeds} (summary.ts) condenses them,
 * {@link renderReport} (markdown.ts) turns them into markdown, plots.ts draws them.
 *
 * @packageDocumentation
 */

import { METHOD_NAMES, type MethodName } from '../../src/models/methods.js';

/**
 * The training method of a run: a name of the method registry (src/models/methods.ts).
 *
 * @example
 * ```ts
 * const m: Method = 'inferno';
 * ```
 */
export type Method = MethodName;

/**
 * The methods in the order the report and the plots list them (the registry's order).
 *
 * @example
 * ```ts
 * METHODS.indexOf('bce'); // 2
 * ```
 */
export const METHODS: readonly Method[] = METHOD_NAMES;

/**
 * One epoch of training: the mean training loss, the validation metric (the Cramér-Rao width of
 * the POI on hard histograms of the validation sample, when computed) and the wall time.
 *
 * @example
 * ```ts
 * const e: EpochRecord = { epoch: 1, loss: 18.2, validation: 17.9, seconds: 2.4 };
 * ```
 */
export interface EpochRecord {
  epoch: number;
  loss: number;
  validation?: number;
  seconds: number;
}

/**
 * The outcome of one training seed of one method on one benchmark.
 *
 * `sigmaFisher` and `sigmaProfile` are the widths of the POI (sigma_s for INFERNO's benchmarks,
 * sigma_mu for neos) on the test sample, with hard histograms: the Cramér-Rao width and the
 * half width of the profile-likelihood interval (Delta NLL = 0.5).
 *
 * @example
 * ```ts
 * const r: SeedResult = {
 *   method: 'inferno', benchmark: 2, seed: 1, sigmaFisher: 15.4, sigmaProfile: 15.9,
 *   epochs: 200, trainSeconds: 480, secondsPerEpoch: 2.4, history: [], modelDir: 'models/inferno-b2-s1',
 * };
 * ```
 */
export interface SeedResult {
  method: Method;
  benchmark: number;
  seed: number;
  /** Cramér-Rao width of the POI on the test sample (hard histograms). */
  sigmaFisher: number;
  /** Profile-likelihood half width of the POI on the test sample (hard histograms). */
  sigmaProfile: number;
  epochs: number;
  trainSeconds: number;
  secondsPerEpoch: number;
  history: EpochRecord[];
  /** The saved model, relative to the output directory. */
  modelDir: string;
  /** neos: expected CLs at the test POI on the test sample. */
  cls?: number;
  /** neos: expected discovery significance on the test sample. */
  z0?: number;
  /** Analyses: the expected 95% CLs upper limit on the POI (median) on the test sample. */
  limit?: number;
  /** `--coverage N`: the profile interval's coverage over N simulated pseudo-experiments of the saved model. */
  coverage?: SeedCoverage;
}

/**
 * The coverage of a run's profile-likelihood intervals (experiments/coverage-model.ts): N
 * pseudo-experiments from the simulator, true mu uniform in [0.1, 3]; coverage c with its
 * binomial error, mean width of the interval on mu, the challenge score and whether c lies in
 * `0.6827 +- 2 sigma68`.
 *
 * @example
 * ```ts
 * const c: SeedCoverage = { n: 200, failed: 0, coverage: 0.685, coverageError: 0.033, meanWidth: 0.74, score: 0.30, inBand: true };
 * ```
 */
export interface SeedCoverage {
  n: number;
  failed: number;
  coverage: number;
  coverageError: number;
  meanWidth: number;
  score: number;
  inBand: boolean;
}

/**
 * A published number to compare with: the width of `method` on `benchmark`, and where it comes
 * from (e.g. `'INFERNO, arXiv:1806.04743, table 2'`).
 *
 * @example
 * ```ts
 * const p: PaperRow = { benchmark: 2, method: 'inferno', sigma: 16.04, source: 'arXiv:1806.04743 Table 2' };
 * ```
 */
export interface PaperRow {
  benchmark: number;
  /** A {@link Method} id, or a free name for a method that has no run here. */
  method: string;
  sigma: number;
  source: string;
}

/**
 * A run (one seed of one method on one benchmark) that did not finish: its error's class name
 * (`NumericalError` for a failed fit or a non-finite training step) and message.
 *
 * @example
 * ```ts
 * const f: FailedRun = { benchmark: 4, method: 'profile-width', seed: 1, error: { name: 'NumericalError', message: 'profileWidth: ...' } };
 * ```
 */
export interface FailedRun {
  benchmark: number;
  method: Method;
  seed: number;
  error: { name: string; message: string };
}

/**
 * Everything one experiment command produced.
 *
 * `reference.analyticFloor[b]` is the width of benchmark `b` with the optimal (likelihood-ratio)
 * summary: the floor no network can beat.
 *
 * @example
 * ```ts
 * const res: ExperimentResults = {
 *   command: 'inferno', date: new Date().toISOString(), version: '0.1.0',
 *   config: { epochs: 200, seeds: 5 }, results: [],
 *   reference: { analyticFloor: [14.1, 14.9, 15.2, 16.1, 17.0] },
 * };
 * ```
 */
export interface ExperimentResults {
  /** `analysis`: `diffinfer ablate --config` (an analysis config's methods over seeds; POI mu). */
  command: 'inferno' | 'ablate' | 'neos' | 'analysis';
  /** The heading of the result table (default `Benchmark <n>`), e.g. the analysis's name. */
  label?: string;
  /** ISO 8601 date of the run. */
  date: string;
  /** diffinfer version that produced the results. */
  version: string;
  config: Record<string, unknown>;
  results: SeedResult[];
  /** Runs that failed (recorded, not fatal); absent or empty when every run finished. */
  failures?: FailedRun[];
  reference?: { paper?: PaperRow[]; analyticFloor?: number[] };
}
