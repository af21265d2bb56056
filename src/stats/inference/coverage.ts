/**
 * Coverage of POI intervals over pseudo-experiments, and the HiggsML Uncertainty Challenge score.
 *
 * A pseudo-experiment `i` of a coverage run: the true POI `mu_i ~ U(muRange)`; the other true
 * parameters start from `truth` and, in `prior` mode (default, as the challenge), every free
 * constrained nuisance is drawn from its prior (`samplePriorParameters`) while the auxiliary data
 * stay at their nominal values; in `fixed` mode the parameters stay at `truth` and the auxiliary
 * data are drawn from the constraints (pyhf's `sample`). Main data are Poisson at the true
 * parameters. The interval (profile likelihood, or Neyman from a belt) covers when
 * `lower <= mu_i <= upper`.
 *
 * Summary: coverage `c = covered / N` with binomial error `sqrt(c (1 - c) / N)`, mean width `w`,
 * `sigma68 = sqrt(0.6827 (1 - 0.6827) / N)`, the band `0.6827 +- 2 sigma68`, `f(c) = 1` inside,
 * `1 + |(c - lower)/sigma68|^4` below, `1 + |(c - upper)/sigma68|^3` above, and the score
 * `-ln((w + 1e-3) f(c))` (higher is better).
 *
 * Every random draw comes from `toyUniforms(seed, stream, i)`: the truth of experiment i from
 * stream "coverage/truth", its data from "coverage/data", its mu from "coverage/mu"; the belt's
 * toys at grid value mu from "neyman/mu=<mu>/truth" and ".../data". Blocks of experiments are
 * independent units (for workers, shards and resumed runs).
 *
 * Browser-safe: no `node:` imports.
 */
import { InputError, NumericalError } from '../errors.js';
import type { HistFactoryModel, ModelData } from '../model/model.js';
import { fit } from './fit.js';
import { neymanInterval, profileLikelihoodInterval, type NeymanBelt } from './intervals.js';
import { requireConverged, type TestStatisticOptions } from './test-statistics.js';
import { failureReason } from './toy-calculator.js';
import { checkSeed, sampleMainData, samplePriorParameters, sampleToyData, toyUniforms } from './toys.js';

/** The target coverage of a 68.27% interval. */
export const TARGET_COVERAGE = 0.6827;

/** How the nuisance parameters of a pseudo-experiment are set (see the module comment). */
export type NuisanceMode = 'prior' | 'fixed';

/** The interval evaluated on each pseudo-experiment. */
export type IntervalMethod = 'profile' | 'neyman';

/** What defines the pseudo-experiments (structured-cloneable). */
export interface PseudoExperimentConfig {
  readonly seed: number;
  /** True POI range, drawn uniformly. */
  readonly muRange: readonly [number, number];
  /** True values of all parameters (the POI is replaced by each experiment's). */
  readonly truth: ArrayLike<number>;
  readonly nuisances: NuisanceMode;
  /** Parameters held at `truth` in prior mode (by index), e.g. those the user set. */
  readonly keep?: readonly number[];
}

/** One pseudo-experiment: its true parameters and data. */
export interface PseudoExperiment {
  readonly mu: number;
  readonly parameters: Float64Array;
  readonly data: ModelData;
}

/**
 * Main data of pseudo-experiment `index` of `stream` at true POI `mu` from elsewhere than the
 * model (e.g. a simulator, experiments/coverage-model.ts); the auxiliary data stay nominal. It
 * replaces {@link drawPseudoExperiment} in the blocks below and must be a pure function of its
 * arguments (same numbers on any worker).
 */
export type PseudoExperimentData = (stream: string, index: number, mu: number) => ModelData;

/**
 * Checks a pseudo-experiment configuration against the model (seed, a true POI range inside the
 * POI's bounds, one true value per parameter); InputError naming the field.
 *
 * @example
 * ```ts
 * checkPseudoExperimentConfig(model, { seed: 1, muRange: [0.1, 3], truth: model.suggestedInit(), nuisances: 'prior' });
 * ```
 */
export function checkPseudoExperimentConfig(model: HistFactoryModel, config: PseudoExperimentConfig): void {
  checkSeed(config.seed);
  const [a, b] = config.muRange;
  const poi = model.poiIndex;
  if (poi < 0) throw new InputError('argument', 'model', 'has no POI');
  const { lower, upper } = model.suggestedBounds();
  if (!(Number.isFinite(a) && Number.isFinite(b) && b > a)) throw new InputError('argument', 'true POI range', `needs finite LO < HI, got [${a}, ${b}]`);
  if (a < lower[poi] || b > upper[poi]) {
    throw new InputError('argument', 'true POI range', `[${a}, ${b}] is outside the bounds of "${model.poiName}" [${lower[poi]}, ${upper[poi]}]`);
  }
  if (config.truth.length !== model.nPars) throw new InputError('argument', 'true parameters', `has ${config.truth.length} values, the model has ${model.nPars}`);
}

/**
 * Draws pseudo-experiment `index` of `stream` at true POI `mu`.
 *
 * @example
 * ```ts
 * const pe = drawPseudoExperiment(model, config, 'coverage', 12, 1.4);
 * fit(model, pe.data); // the analysis of one pseudo-experiment
 * ```
 */
export function drawPseudoExperiment(model: HistFactoryModel, config: PseudoExperimentConfig, stream: string, index: number, mu: number): PseudoExperiment {
  const base = Float64Array.from(config.truth);
  base[model.poiIndex] = mu;
  if (config.nuisances === 'prior') {
    const parameters = samplePriorParameters(model, base, toyUniforms(config.seed, `${stream}/truth`, index), { keep: new Set(config.keep ?? []) });
    const main = sampleMainData(model, parameters, toyUniforms(config.seed, `${stream}/data`, index));
    return { mu, parameters, data: { main, aux: Float64Array.from(model.auxdata) } };
  }
  return { mu, parameters: base, data: sampleToyData(model, base, toyUniforms(config.seed, `${stream}/data`, index)) };
}

/**
 * The true POI of coverage experiment `index`: uniform in the range (stream "coverage/mu").
 *
 * @example
 * ```ts
 * coverageTrueMu(config, 0); // in [config.muRange[0], config.muRange[1])
 * ```
 */
export function coverageTrueMu(config: PseudoExperimentConfig, index: number): number {
  const [a, b] = config.muRange;
  return a + (b - a) * toyUniforms(config.seed, 'coverage/mu', index)();
}

/** One evaluated pseudo-experiment. */
export interface CoverageRecord {
  readonly index: number;
  readonly mu: number;
  readonly lower: number;
  readonly upper: number;
  readonly width: number;
  /** The point estimate: mu^ (profile) or the bias-corrected estimate (Neyman). */
  readonly estimate: number;
  readonly covered: boolean;
  readonly lowerAtBound: boolean;
  readonly upperAtBound: boolean;
  /**
   * `(estimate - mu) / e`, e the interval's side towards the truth (`estimate - lower` when
   * mu < estimate, else `upper - estimate`); null when that side has zero length.
   */
  readonly pull: number | null;
}

/** A pseudo-experiment whose interval could not be computed. */
export interface CoverageFailure {
  readonly index: number;
  readonly mu: number;
  readonly reason: string;
  readonly message: string;
}

/** A block of coverage experiments (a unit of work). */
export interface CoverageBlockSpec {
  readonly config: PseudoExperimentConfig;
  readonly start: number;
  readonly count: number;
  readonly method: IntervalMethod;
  /** Threshold on t_mu of the profile interval (default 1). */
  readonly level?: number;
  /** The belt, for `method: 'neyman'`. */
  readonly belt?: NeymanBelt;
  readonly fitOptions?: TestStatisticOptions;
  /** Draws each experiment's data instead of the model (not structured-cloneable: in-thread use). */
  readonly draw?: PseudoExperimentData;
}

export interface CoverageBlockResult {
  readonly start: number;
  readonly count: number;
  readonly records: readonly CoverageRecord[];
  readonly failures: readonly CoverageFailure[];
}

function pullOf(estimate: number, mu: number, lower: number, upper: number): number | null {
  const e = mu < estimate ? estimate - lower : upper - estimate;
  return e > 0 ? (estimate - mu) / e : null;
}

/**
 * Evaluates experiments `start .. start + count - 1`: draws each, computes its interval, and
 * records whether it covers. A NumericalError in one experiment is recorded, not thrown.
 *
 * @example
 * ```ts
 * const r = runCoverageBlock(model, { config, start: 0, count: 25, method: 'profile' });
 * r.records.filter((x) => x.covered).length / r.records.length; // ~0.68
 * ```
 */
export function runCoverageBlock(model: HistFactoryModel, spec: CoverageBlockSpec): CoverageBlockResult {
  if (spec.method === 'neyman' && !spec.belt) throw new InputError('argument', 'coverage block', 'the Neyman method needs a belt');
  const records: CoverageRecord[] = [];
  const failures: CoverageFailure[] = [];
  const fitOptions = spec.fitOptions ?? {};
  for (let j = 0; j < spec.count; j++) {
    const index = spec.start + j;
    const mu = coverageTrueMu(spec.config, index);
    try {
      const pe = spec.draw ? { data: spec.draw('coverage', index, mu) } : drawPseudoExperiment(model, spec.config, 'coverage', index, mu);
      if (spec.method === 'profile') {
        const iv = profileLikelihoodInterval(model, pe.data, { ...fitOptions, level: spec.level ?? 1 });
        records.push({
          index,
          mu,
          lower: iv.lower,
          upper: iv.upper,
          width: iv.width,
          estimate: iv.poiHat,
          covered: iv.lower <= mu && mu <= iv.upper,
          lowerAtBound: iv.lowerAtBound,
          upperAtBound: iv.upperAtBound,
          pull: pullOf(iv.poiHat, mu, iv.lower, iv.upper),
        });
      } else {
        records.push(neymanCoverageRecord(spec.belt!, index, mu, estimatePoi(model, pe.data, fitOptions)));
      }
    } catch (e) {
      if (!(e instanceof NumericalError)) throw e;
      failures.push({ index, mu, reason: failureReason(e.message), message: e.message });
    }
  }
  return { start: spec.start, count: spec.count, records, failures };
}

/**
 * The record of coverage experiment `index` (true POI `mu`) under the Neyman construction: the
 * interval of `belt` for the experiment's estimate `muHat` (as {@link runCoverageBlock} computes
 * it; a sharded run computes the estimates and the belt as independent units, then the records).
 *
 * @example
 * ```ts
 * neymanCoverageRecord(belt, 12, 1.4, estimatePoi(model, pe.data)).covered;
 * ```
 */
export function neymanCoverageRecord(belt: NeymanBelt, index: number, mu: number, muHat: number): CoverageRecord {
  const iv = neymanInterval(belt, muHat);
  return {
    index,
    mu,
    lower: iv.lower,
    upper: iv.upper,
    width: iv.width,
    estimate: iv.corrected,
    covered: iv.lower <= mu && mu <= iv.upper,
    lowerAtBound: iv.lowerAtEdge,
    upperAtBound: iv.upperAtEdge,
    pull: pullOf(iv.corrected, mu, iv.lower, iv.upper),
  };
}

/**
 * The estimator of the Neyman construction: mu^ of the free fit (NumericalError when it fails).
 *
 * @example
 * ```ts
 * estimatePoi(model, data); // e.g. 1.07
 * ```
 */
export function estimatePoi(model: HistFactoryModel, data: ModelData, fitOptions: TestStatisticOptions = {}): number {
  return requireConverged(fit(model, data, { ...fitOptions, uncertainties: false }), 'free fit').parameters[model.poiIndex];
}

/** A block of belt pseudo-experiments at one grid value (a unit of work). */
export interface BeltBlockSpec {
  readonly config: PseudoExperimentConfig;
  readonly mu: number;
  readonly start: number;
  readonly count: number;
  readonly fitOptions?: TestStatisticOptions;
  /** As {@link CoverageBlockSpec.draw}. */
  readonly draw?: PseudoExperimentData;
}

export interface BeltBlockResult {
  readonly mu: number;
  readonly start: number;
  /** mu^ per experiment, NaN where the fit failed. */
  readonly estimates: Float64Array;
  readonly failures: readonly CoverageFailure[];
}

/** The stream of the belt's pseudo-experiments at grid value `mu`, e.g. `beltStream(0.5)` = "neyman/mu=0.5". */
export function beltStream(mu: number): string {
  return `neyman/mu=${mu}`;
}

/**
 * Pseudo-experiments at true POI `mu` for the Neyman belt, and the estimator on each.
 *
 * @example
 * ```ts
 * const r = runBeltBlock(model, { config, mu: 1, start: 0, count: 100 });
 * r.estimates; // 100 values of mu^ at true mu = 1
 * ```
 */
export function runBeltBlock(model: HistFactoryModel, spec: BeltBlockSpec): BeltBlockResult {
  const estimates = new Float64Array(spec.count);
  const failures: CoverageFailure[] = [];
  for (let j = 0; j < spec.count; j++) {
    const index = spec.start + j;
    try {
      const pe = spec.draw ? { data: spec.draw(beltStream(spec.mu), index, spec.mu) } : drawPseudoExperiment(model, spec.config, beltStream(spec.mu), index, spec.mu);
      estimates[j] = estimatePoi(model, pe.data, spec.fitOptions);
    } catch (e) {
      if (!(e instanceof NumericalError)) throw e;
      estimates[j] = NaN;
      failures.push({ index, mu: spec.mu, reason: failureReason(e.message), message: e.message });
    }
  }
  return { mu: spec.mu, start: spec.start, estimates, failures };
}

/**
 * The challenge's coverage penalty f(c) for N pseudo-experiments: 1 inside `0.6827 +- 2 sigma68`,
 * `1 + |(c - lower)/sigma68|^4` below, `1 + |(c - upper)/sigma68|^3` above.
 *
 * @example
 * ```ts
 * coveragePenalty(0.6827, 1000); // 1
 * coveragePenalty(0.6091, 1000); // 1 + 3^4 = 82 (c three sigma68 below the band)
 * ```
 */
export function coveragePenalty(c: number, n: number): number {
  const s = Math.sqrt((TARGET_COVERAGE * (1 - TARGET_COVERAGE)) / n);
  const lower = TARGET_COVERAGE - 2 * s;
  const upper = TARGET_COVERAGE + 2 * s;
  if (c < lower) return 1 + Math.abs((c - lower) / s) ** 4;
  if (c > upper) return 1 + Math.abs((c - upper) / s) ** 3;
  return 1;
}

/**
 * The HiggsML Uncertainty Challenge score `-ln((w + 1e-3) f(c))` of mean width `w` and coverage
 * `c` over `n` pseudo-experiments.
 *
 * @example
 * ```ts
 * coverageScore(0.5, 0.68, 1000); // -ln(0.501) = 0.691
 * ```
 */
export function coverageScore(meanWidth: number, c: number, n: number): number {
  return -Math.log((meanWidth + 1e-3) * coveragePenalty(c, n));
}

/** Coverage in one bin of the true POI. */
export interface CoverageBin {
  readonly muLow: number;
  readonly muHigh: number;
  readonly n: number;
  readonly coverage: number;
  readonly error: number;
}

/** The summary of a coverage run. */
export interface CoverageSummary {
  /** Experiments with an interval (failures excluded). */
  readonly n: number;
  readonly failures: number;
  readonly covered: number;
  readonly coverage: number;
  /** Binomial standard error `sqrt(c (1 - c) / n)`. */
  readonly coverageError: number;
  readonly meanWidth: number;
  readonly medianWidth: number;
  readonly score: number;
  readonly sigma68: number;
  /** `0.6827 +- 2 sigma68`. */
  readonly band: readonly [number, number];
  readonly inBand: boolean;
  readonly oneSided: number;
  readonly pullMean: number;
  readonly pullStd: number;
  readonly bins: readonly CoverageBin[];
}

/**
 * Summarises evaluated pseudo-experiments.
 *
 * @throws NumericalError when no experiment has an interval.
 * @example
 * ```ts
 * const s = summariseCoverage(records, 0, [0.1, 3]);
 * s.coverage; s.coverageError; s.meanWidth; s.score;
 * ```
 */
export function summariseCoverage(records: readonly CoverageRecord[], failures: number, muRange: readonly [number, number], nBins = 10): CoverageSummary {
  const n = records.length;
  if (n === 0) throw new NumericalError(`coverage: no pseudo-experiment has an interval (${failures} failed)`);
  const covered = records.filter((r) => r.covered).length;
  const c = covered / n;
  const widths = Float64Array.from(records, (r) => r.width).sort();
  const meanWidth = widths.reduce((a, b) => a + b, 0) / n;
  const sigma68 = Math.sqrt((TARGET_COVERAGE * (1 - TARGET_COVERAGE)) / n);
  const band: [number, number] = [TARGET_COVERAGE - 2 * sigma68, TARGET_COVERAGE + 2 * sigma68];
  const pulls = records.map((r) => r.pull).filter((p): p is number => p !== null && Number.isFinite(p));
  const pullMean = pulls.reduce((a, b) => a + b, 0) / Math.max(1, pulls.length);
  const pullStd = Math.sqrt(pulls.reduce((a, b) => a + (b - pullMean) ** 2, 0) / Math.max(1, pulls.length - 1));
  const [a, b] = muRange;
  const bins: CoverageBin[] = Array.from({ length: nBins }, (_, k) => {
    const lo = a + ((b - a) * k) / nBins;
    const hi = a + ((b - a) * (k + 1)) / nBins;
    const inBin = records.filter((r) => r.mu >= lo && (r.mu < hi || (k === nBins - 1 && r.mu <= hi)));
    const m = inBin.length;
    const cb = m ? inBin.filter((r) => r.covered).length / m : NaN;
    return { muLow: lo, muHigh: hi, n: m, coverage: cb, error: m ? Math.sqrt((cb * (1 - cb)) / m) : NaN };
  });
  return {
    n,
    failures,
    covered,
    coverage: c,
    coverageError: Math.sqrt((c * (1 - c)) / n),
    meanWidth,
    medianWidth: n % 2 ? widths[(n - 1) / 2] : 0.5 * (widths[n / 2 - 1] + widths[n / 2]),
    score: coverageScore(meanWidth, c, n),
    sigma68,
    band,
    inBand: c >= band[0] && c <= band[1],
    oneSided: records.filter((r) => r.lowerAtBound || r.upperAtBound).length,
    pullMean,
    pullStd,
    bins,
  };
}
