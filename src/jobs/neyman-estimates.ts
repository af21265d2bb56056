/**
 * The estimates of coverage pseudo-experiments for the Neyman construction, as units that do
 * not need the belt: mu^ of each experiment, from which the final step builds each record with
 * the belt (`neymanCoverageRecord`). So the belt's units and the coverage units of a Neyman run
 * are all independent, and a sharded run needs no second stage.
 *
 * Browser-safe: no `node:` imports.
 */
import { NumericalError } from '../stats/errors.js';
import { coverageTrueMu, drawPseudoExperiment, estimatePoi, type CoverageFailure, type PseudoExperimentConfig, type PseudoExperimentData } from '../stats/inference/coverage.js';
import type { TestStatisticOptions } from '../stats/inference/test-statistics.js';
import { failureReason } from '../stats/inference/toy-calculator.js';
import type { HistFactoryModel } from '../stats/model/model.js';

/** Coverage experiments `start .. start + count - 1` (a unit of work). */
export interface NeymanEstimateBlockSpec {
  readonly config: PseudoExperimentConfig;
  readonly start: number;
  readonly count: number;
  readonly fitOptions?: TestStatisticOptions;
  /** Draws each experiment's data instead of the model (see `CoverageBlockSpec.draw`). */
  readonly draw?: PseudoExperimentData;
}

export interface NeymanEstimateBlockResult {
  readonly start: number;
  readonly count: number;
  /** Per experiment: its true POI and mu^ (null where the fit failed, listed in `failures`). */
  readonly estimates: readonly { readonly index: number; readonly mu: number; readonly estimate: number | null }[];
  readonly failures: readonly CoverageFailure[];
}

/**
 * Draws coverage experiments (stream "coverage", as `runCoverageBlock`) and computes the
 * Neyman estimator mu^ on each; a NumericalError in one experiment is recorded, not thrown.
 *
 * @example
 * ```ts
 * const r = runNeymanEstimateBlock(model, { config, start: 0, count: 25 });
 * r.estimates[0]; // { index: 0, mu: 1.83, estimate: 1.71 }
 * ```
 */
export function runNeymanEstimateBlock(model: HistFactoryModel, spec: NeymanEstimateBlockSpec): NeymanEstimateBlockResult {
  const estimates: { index: number; mu: number; estimate: number | null }[] = [];
  const failures: CoverageFailure[] = [];
  for (let j = 0; j < spec.count; j++) {
    const index = spec.start + j;
    const mu = coverageTrueMu(spec.config, index);
    try {
      const pe = spec.draw ? { data: spec.draw('coverage', index, mu) } : drawPseudoExperiment(model, spec.config, 'coverage', index, mu);
      estimates.push({ index, mu, estimate: estimatePoi(model, pe.data, spec.fitOptions ?? {}) });
    } catch (e) {
      if (!(e instanceof NumericalError)) throw e;
      estimates.push({ index, mu, estimate: null });
      failures.push({ index, mu, reason: failureReason(e.message), message: e.message });
    }
  }
  return { start: spec.start, count: spec.count, estimates, failures };
}
