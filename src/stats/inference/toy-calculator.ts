/**
 * The toy-based calculator: pyhf's `calctype="toybased"` (`pyhf.infer.calculators.ToyCalculator`
 * and `EmpiricalDistribution`), with Monte Carlo errors and fits that may fail.
 *
 * For a tested POI value mu and test statistic q (q~_mu, q_mu or q0):
 *
 * - generating parameters, as pyhf: signal+background toys at the fit to the observed data with
 *   the POI fixed at mu (for q0: at 0), background toys at the fit with the POI fixed at 0
 *   (for q0: at 1), both with the calculator's init, bounds and fixed mask;
 * - each toy is one {@link sampleToyData} draw (Poisson main data, auxiliary data from the
 *   constraints) and its test statistic at mu, computed like the observed one (its fits
 *   checked for the global minimum, see {@link ToyFitStrategy});
 * - p-values count toys at least as extreme: `CLsb = #{q_sb >= q_obs} / n_sb`,
 *   `CLb = #{q_b >= q_obs} / n_b`, `CLs = CLsb / CLb` (for q0 the p-value is p0 = CLsb);
 * - the expected band: CLs (for q0: CLsb) of every background toy's own test statistic, at the
 *   percentiles `100 Phi(-2, -1, 0, 1, 2)` with numpy's linear interpolation — -2 sigma first,
 *   pyhf's order.
 *
 * Monte Carlo standard errors: a count p-value `k / n` gets `sqrt(p'(1 - p') / n)` with the
 * Laplace-smoothed `p' = (k + 1) / (n + 2)` (so a p-value of 0 or 1 still carries an error of
 * order 1/n); CLs = CLsb / CLb from independent samples gets
 * `CLs sqrt((se_sb / CLsb)^2 + (se_b / CLb)^2)` (`se_sb / CLb` when CLsb = 0); each member of
 * the expected band gets the standard deviation over bootstrap resamples of both distributions
 * (200 by default, seeded).
 *
 * A toy whose fit fails (a NumericalError: no convergence, impossible data) is left out of its
 * distribution and counted with its reason; it never aborts the run. Toy `i` of a stream depends
 * only on (seed, stream, i) (see `toys.ts`); the signal+background stream reuses its random
 * numbers at every mu (common random numbers: CLs(mu) is then smooth in mu), and toys are
 * computed in blocks that a {@link ToyBlockRunner} may spread over workers: any runner gives
 * the same numbers.
 *
 * Browser-safe: no `node:` imports.
 */
import { InputError, NumericalError } from '../errors.js';
import type { HistFactoryModel, ModelData } from '../model/model.js';
import { fixedPoiFit, type FitResult } from './fit.js';
import { requireConverged, testStatistic, type TestStatistic, type TestStatisticOptions } from './test-statistics.js';
import { checkSeed, sampleToyData, toyUniforms } from './toys.js';

/** The test statistics the toy calculator supports (pyhf's toybased: qtilde, q, q0). */
export type ToyTestStatistic = Extract<TestStatistic, 'qtilde' | 'q' | 'q0'>;

export const TOY_TEST_STATISTICS: readonly ToyTestStatistic[] = ['qtilde', 'q', 'q0'];

/** The two toy streams of a hypothesis test. */
export type ToyStreamName = 'signal+background' | 'background';

/** A block of toys: toys `start .. start + count - 1` of one stream. */
export interface ToyBlockSpec {
  readonly stream: ToyStreamName;
  readonly seed: number;
  readonly start: number;
  readonly count: number;
  /** Parameters the toys are drawn at. */
  readonly generatingParameters: ArrayLike<number>;
  readonly testStat: ToyTestStatistic;
  readonly poiTest: number;
  /** Options of both fits of each toy's test statistic (structured-cloneable). */
  readonly fitOptions: TestStatisticOptions;
  /** How the toys' fits find their minima (default 'checked', see {@link toyTestStatistic}). */
  readonly toyFits?: ToyFitStrategy;
}

/** One toy whose test statistic could not be computed. */
export interface ToyFailure {
  readonly index: number;
  /** A short category, e.g. "free fit did not converge". */
  readonly reason: string;
  /** The full message of the first failure of the block with this reason. */
  readonly message: string;
}

/** The test statistics of a block (NaN where the toy failed) and its failures. */
export interface ToyBlockResult {
  readonly stream: ToyStreamName;
  readonly start: number;
  readonly values: Float64Array;
  readonly failures: readonly ToyFailure[];
  /** Toys whose two single-start statistics disagreed and were refitted with the full multi-start. */
  readonly escalated: number;
}

/**
 * How a toy's fits find their minima. `full`: the engine's multi-start for both fits of every
 * toy (`testStatistic`), tens of starts on workspaces with non-monotonic rates. `checked`
 * (default): the statistic twice with single-start fits — from the generating parameters (a
 * toy's minimum is near them) and from the suggested init (pyhf's start) — and the full
 * multi-start only when the two disagree (2NLL of either fit more than 1e-6 apart). On fixture
 * case-00 (31 parameters, reversing histosys rates) 900 toys gave the full multi-start's value
 * every time, 1 escalated, at 1/8 of its cost.
 */
export type ToyFitStrategy = 'checked' | 'full';

/**
 * The test statistic of one toy under a {@link ToyFitStrategy}; `escalated` when the checked
 * strategy fell back to the full multi-start.
 *
 * @example
 * ```ts
 * const { value, escalated } = toyTestStatistic('qtilde', 1, model, toy, {}, generatingParameters);
 * ```
 */
export function toyTestStatistic(
  kind: ToyTestStatistic,
  mu: number,
  model: HistFactoryModel,
  data: ModelData,
  fitOptions: TestStatisticOptions,
  generatingParameters: ArrayLike<number>,
  strategy: ToyFitStrategy = 'checked',
): { value: number; escalated: boolean } {
  if (strategy === 'full') return { value: testStatistic(kind, mu, model, data, fitOptions).value, escalated: false };
  const single = { ...fitOptions, multiStart: 'single' as const };
  try {
    const warm = testStatistic(kind, mu, model, data, { ...single, init: generatingParameters });
    const cold = testStatistic(kind, mu, model, data, { ...single, init: fitOptions.init });
    const agree = Math.abs(warm.fixedFit.twiceNll - cold.fixedFit.twiceNll) <= 1e-6 && Math.abs(warm.freeFit.twiceNll - cold.freeFit.twiceNll) <= 1e-6;
    if (agree) return { value: warm.value, escalated: false };
  } catch (e) {
    // a single start that does not converge is not yet a failed toy: the full multi-start decides
    if (!(e instanceof NumericalError)) throw e;
  }
  return { value: testStatistic(kind, mu, model, data, fitOptions).value, escalated: true };
}

/** Runs blocks of toys, possibly in parallel; results in the order of `blocks`. */
export type ToyBlockRunner = (blocks: readonly ToyBlockSpec[], onBlockDone?: (block: ToyBlockSpec) => void) => Promise<ToyBlockResult[]>;

/**
 * The short category of a failure message: the text before the first " (" or ": ".
 *
 * @example
 * ```ts
 * failureReason('free fit did not converge (status max-iterations, ...)'); // 'free fit did not converge'
 * ```
 */
export function failureReason(message: string): string {
  const cut = [message.indexOf(' ('), message.indexOf(': ')].filter((i) => i > 0);
  return cut.length ? message.slice(0, Math.min(...cut)) : message;
}

/**
 * Computes one block of toys: for each toy, its data at the generating parameters and its test
 * statistic. Pure: depends only on the model and `spec`.
 *
 * @example
 * ```ts
 * const r = runToyBlock(model, { stream: 'background', seed: 1, start: 0, count: 50,
 *   generatingParameters: bkgFit.parameters, testStat: 'qtilde', poiTest: 1, fitOptions: {} });
 * r.values; // 50 values of q~_1 (NaN where a fit failed, listed in r.failures)
 * ```
 */
export function runToyBlock(model: HistFactoryModel, spec: ToyBlockSpec): ToyBlockResult {
  const values = new Float64Array(spec.count);
  const failures: ToyFailure[] = [];
  let escalated = 0;
  for (let j = 0; j < spec.count; j++) {
    const index = spec.start + j;
    const data = sampleToyData(model, spec.generatingParameters, toyUniforms(spec.seed, spec.stream, index));
    try {
      const r = toyTestStatistic(spec.testStat, spec.poiTest, model, data, spec.fitOptions, spec.generatingParameters, spec.toyFits);
      values[j] = r.value;
      if (r.escalated) escalated++;
    } catch (e) {
      if (!(e instanceof NumericalError)) throw e;
      values[j] = NaN;
      failures.push({ index, reason: failureReason(e.message), message: e.message });
    }
  }
  return { stream: spec.stream, start: spec.start, values, failures, escalated };
}

/**
 * A runner that computes the blocks one after the other in this thread.
 *
 * @example
 * ```ts
 * const calc = new ToyCalculator(model, data, { runner: inProcessToyRunner(model) });
 * ```
 */
export function inProcessToyRunner(model: HistFactoryModel): ToyBlockRunner {
  return async (blocks, onBlockDone) => {
    const out: ToyBlockResult[] = [];
    for (const b of blocks) {
      out.push(runToyBlock(model, b));
      onBlockDone?.(b);
    }
    return out;
  };
}

/**
 * The empirical distribution of a test statistic (pyhf's `EmpiricalDistribution`), values sorted
 * ascending.
 *
 * @example
 * ```ts
 * const d = new EmpiricalDistribution([0, 0.5, 2, 3]);
 * d.pvalue(2);           // 0.5: the fraction of values >= 2
 * d.quantile(0.5);       // 1.25 (numpy's linear percentile)
 * ```
 */
export class EmpiricalDistribution {
  readonly sorted: Float64Array;

  constructor(values: ArrayLike<number>) {
    this.sorted = Float64Array.from(values).sort();
    if (this.sorted.length && Number.isNaN(this.sorted[this.sorted.length - 1])) throw new RangeError('EmpiricalDistribution: NaN values');
  }

  get size(): number {
    return this.sorted.length;
  }

  /** The number of values `>= q`. */
  countAtLeast(q: number): number {
    const s = this.sorted;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid] < q) lo = mid + 1;
      else hi = mid;
    }
    return s.length - lo;
  }

  /** `#{values >= q} / n` (pyhf's `pvalue`). */
  pvalue(q: number): number {
    return this.countAtLeast(q) / this.sorted.length;
  }

  /** The p-quantile, `p` in [0, 1], by numpy's `percentile(..., method="linear")`. */
  quantile(p: number): number {
    return linearQuantile(this.sorted, p);
  }
}

/**
 * numpy's linear percentile of an ascending array: position `(n - 1) p`, interpolated.
 *
 * @example
 * ```ts
 * linearQuantile([0, 1, 2, 4], 0.5); // 1.5
 * ```
 */
export function linearQuantile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (n - 1) * p;
  const i = Math.floor(pos);
  if (i >= n - 1) return sorted[n - 1];
  const f = pos - i;
  return sorted[i] + f * (sorted[i + 1] - sorted[i]);
}

/**
 * The Laplace-smoothed binomial standard error of a count p-value `k / n`:
 * `sqrt(p'(1 - p') / n)`, `p' = (k + 1) / (n + 2)`.
 *
 * @example
 * ```ts
 * pvalueStandardError(50, 1000); // 0.00695 (the plain sqrt(p(1-p)/n) is 0.00689)
 * pvalueStandardError(0, 1000);  // 0.00100: a p-value of 0 is still uncertain
 * ```
 */
export function pvalueStandardError(k: number, n: number): number {
  if (!(n > 0)) return NaN;
  const p = (k + 1) / (n + 2);
  return Math.sqrt((p * (1 - p)) / n);
}

/**
 * The standard error of `CLs = CLsb / CLb` from independent samples (delta method):
 * `CLs sqrt((se_sb / CLsb)^2 + (se_b / CLb)^2)`, or `se_sb / CLb` when CLsb = 0.
 *
 * @example
 * ```ts
 * clsStandardError(0.03, 0.004, 0.45, 0.011); // 0.0090
 * ```
 */
export function clsStandardError(clsb: number, seSb: number, clb: number, seB: number): number {
  if (!(clb > 0)) return NaN;
  if (clsb === 0) return seSb / clb;
  const cls = clsb / clb;
  return cls * Math.sqrt((seSb / clsb) ** 2 + (seB / clb) ** 2);
}

/**
 * The percentiles of the expected band, `Phi(-2), ..., Phi(2)` (-2 sigma first, pyhf's order),
 * as pyhf writes them (10 significant digits: `[2.27501319, 15.86552539, 50, 84.13447461,
 * 97.72498681] / 100`), so a band computed from the same toys is pyhf's to rounding; they
 * differ from `normalCdf(-n)` by < 5e-11.
 */
export const EXPECTED_BAND_PROBABILITIES: readonly number[] = [0.0227501319, 0.1586552539, 0.5, 0.8413447461, 0.9772498681];

/**
 * pyhf's toy expected band (`ToyCalculator.expected_pvalues`): for every background value q_b,
 * `CLsb(q_b)` and `CLs(q_b)` from the two distributions, then their linear percentiles at
 * {@link EXPECTED_BAND_PROBABILITIES}.
 *
 * @example
 * ```ts
 * expectedBand(new EmpiricalDistribution(sbValues), new EmpiricalDistribution(bValues)).cls; // 5 values, -2 sigma first
 * ```
 */
export function expectedBand(sb: EmpiricalDistribution, b: EmpiricalDistribution): { cls: number[]; clsb: number[] } {
  const n = b.size;
  const cls = new Float64Array(n);
  const clsb = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const q = b.sorted[i];
    clsb[i] = sb.pvalue(q);
    cls[i] = clsb[i] / b.pvalue(q);
  }
  cls.sort();
  clsb.sort();
  return {
    cls: EXPECTED_BAND_PROBABILITIES.map((p) => linearQuantile(cls, p)),
    clsb: EXPECTED_BAND_PROBABILITIES.map((p) => linearQuantile(clsb, p)),
  };
}

/**
 * Observed p-values of `qObs` against the two distributions, with their standard errors.
 *
 * @example
 * ```ts
 * const { clsb, clb, cls, errors } = observedPvalues(3.94, sbDistribution, bDistribution);
 * ```
 */
export function observedPvalues(qObs: number, sb: EmpiricalDistribution, b: EmpiricalDistribution) {
  const kSb = sb.countAtLeast(qObs);
  const kB = b.countAtLeast(qObs);
  const clsb = kSb / sb.size;
  const clb = kB / b.size;
  const seSb = pvalueStandardError(kSb, sb.size);
  const seB = pvalueStandardError(kB, b.size);
  return { clsb, clb, cls: clsb / clb, errors: { clsb: seSb, clb: seB, cls: clsStandardError(clsb, seSb, clb, seB) } };
}

/**
 * Bootstrap standard errors of the expected band: `resamples` resamples (with replacement) of
 * both distributions, seeded by `seed` (stream "bootstrap"), the standard deviation of each band
 * member over them.
 */
export function expectedBandErrors(
  sb: EmpiricalDistribution,
  b: EmpiricalDistribution,
  seed: number,
  resamples = 200,
): { cls: number[]; clsb: number[] } {
  const sumCls = new Float64Array(5);
  const sumCls2 = new Float64Array(5);
  const sumSb = new Float64Array(5);
  const sumSb2 = new Float64Array(5);
  const resample = (d: EmpiricalDistribution, u: () => number) => {
    const out = new Float64Array(d.size);
    for (let i = 0; i < d.size; i++) out[i] = d.sorted[Math.min(d.size - 1, Math.floor(u() * d.size))];
    return new EmpiricalDistribution(out);
  };
  for (let r = 0; r < resamples; r++) {
    const u = toyUniforms(seed, 'bootstrap', r);
    const band = expectedBand(resample(sb, u), resample(b, u));
    for (let k = 0; k < 5; k++) {
      sumCls[k] += band.cls[k];
      sumCls2[k] += band.cls[k] ** 2;
      sumSb[k] += band.clsb[k];
      sumSb2[k] += band.clsb[k] ** 2;
    }
  }
  const sd = (s: number, s2: number) => Math.sqrt(Math.max(0, (s2 - (s * s) / resamples) / (resamples - 1)));
  return { cls: Array.from(sumCls, (s, k) => sd(s, sumCls2[k])), clsb: Array.from(sumSb, (s, k) => sd(s, sumSb2[k])) };
}

/** Failures of one stream, by reason. */
export interface ToyFailureSummary {
  readonly count: number;
  readonly byReason: readonly { readonly reason: string; readonly count: number; readonly example: string; readonly toys: readonly number[] }[];
}

function summariseFailures(failures: readonly ToyFailure[]): ToyFailureSummary {
  const by = new Map<string, { reason: string; count: number; example: string; toys: number[] }>();
  for (const f of failures) {
    let e = by.get(f.reason);
    if (!e) by.set(f.reason, (e = { reason: f.reason, count: 0, example: f.message, toys: [] }));
    e.count++;
    if (e.toys.length < 20) e.toys.push(f.index);
  }
  return { count: failures.length, byReason: [...by.values()] };
}

/** The toys of one stream at one tested POI value. */
export interface ToyStreamResult {
  readonly distribution: EmpiricalDistribution;
  /** Test statistics in toy order (NaN where the toy failed). */
  readonly values: Float64Array;
  readonly generatingParameters: Float64Array;
  readonly failures: ToyFailureSummary;
  /** Toys refitted with the full multi-start (checked strategy: their single starts disagreed). */
  readonly escalated: number;
}

/** The result of a toy-based hypothesis test (pyhf's keys in the CLI: CLs_obs, CLs_exp). */
export interface ToyHypotestResult {
  readonly poiTest: number;
  readonly testStat: ToyTestStatistic;
  readonly seed: number;
  /** Toys requested per stream. */
  readonly ntoys: number;
  /** Observed CLs (for q0: the p-value p0 = CLsb). */
  readonly clsObs: number;
  readonly clsbObs: number;
  readonly clbObs: number;
  /** The expected band, -2..+2 sigma (for q0: of p0). */
  readonly clsExp: readonly number[];
  readonly clsbExp: readonly number[];
  readonly teststatObs: number;
  /** Monte Carlo standard errors of the p-values above. */
  readonly errors: {
    readonly clsObs: number;
    readonly clsbObs: number;
    readonly clbObs: number;
    readonly clsExp: readonly number[];
    readonly clsbExp: readonly number[];
  };
  readonly signalPlusBackground: ToyStreamResult;
  readonly backgroundOnly: ToyStreamResult;
}

function isQ0Stat(t: ToyTestStatistic): boolean {
  return t === 'q0';
}

/** Options of the toy calculator. */
export interface ToyCalculatorOptions extends TestStatisticOptions {
  readonly testStat?: ToyTestStatistic;
  /** Toys per stream (default 2000, pyhf's). */
  readonly ntoys?: number;
  /** Seed of every toy stream (default 0). */
  readonly seed?: number;
  /** Toys per block (default 50). The numbers do not depend on it. */
  readonly blockSize?: number;
  /** How the toys' fits find their minima (default 'checked'). */
  readonly toyFits?: ToyFitStrategy;
  /** Bootstrap resamples of the expected-band errors (default 200). */
  readonly bootstrapResamples?: number;
  /** Executes the blocks (default: in this thread). */
  readonly runner?: ToyBlockRunner;
  /** Called after each block with the toys done and the total, across both streams. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * A toy-based calculator bound to a model, observed data and test statistic.
 *
 * @example
 * ```ts
 * const calc = new ToyCalculator(model, data, { testStat: 'qtilde', ntoys: 2000, seed: 1 });
 * const r = await calc.hypotest(1.0);
 * r.clsObs; r.errors.clsObs; r.clsExp; // CLs, its MC error, the expected band
 * ```
 */
export class ToyCalculator {
  readonly testStat: ToyTestStatistic;
  readonly ntoys: number;
  readonly seed: number;
  readonly blockSize: number;
  private readonly fitOptions: TestStatisticOptions;
  private readonly runner: ToyBlockRunner;
  private backgroundFit?: FitResult;

  constructor(
    readonly model: HistFactoryModel,
    readonly data: ModelData,
    readonly options: ToyCalculatorOptions = {},
  ) {
    const { testStat, ntoys, seed, blockSize, bootstrapResamples: _b, runner, onProgress: _p, toyFits: _f, ...fitOptions } = options;
    void _f;
    void _b;
    void _p;
    this.testStat = testStat ?? 'qtilde';
    if (!TOY_TEST_STATISTICS.includes(this.testStat)) {
      throw new InputError('argument', 'test statistic', `the toy calculator supports ${TOY_TEST_STATISTICS.join(', ')}, got "${String(this.testStat)}"`);
    }
    this.ntoys = ntoys ?? 2000;
    if (!Number.isSafeInteger(this.ntoys) || this.ntoys < 1) throw new InputError('argument', 'ntoys', `must be a positive integer, got ${this.ntoys}`);
    this.seed = seed ?? 0;
    checkSeed(this.seed);
    this.blockSize = blockSize ?? 50;
    if (!Number.isSafeInteger(this.blockSize) || this.blockSize < 1) throw new InputError('argument', 'block size', `must be a positive integer, got ${this.blockSize}`);
    this.fitOptions = { ...fitOptions, uncertainties: false };
    this.runner = runner ?? inProcessToyRunner(model);
  }

  /** The observed test statistic at `mu` and the fit with the POI fixed at `mu` behind it. */
  teststatistic(mu: number): { value: number; fixedFit: FitResult } {
    const r = testStatistic(this.testStat, mu, this.model, this.data, this.fitOptions);
    return { value: r.value, fixedFit: r.fixedFit };
  }

  /** The fit to the data the background toys are drawn at: POI fixed at 0 (q0: at 1); cached. */
  backgroundGeneratingFit(): FitResult {
    const mu = this.testStat === 'q0' ? 1 : 0;
    this.backgroundFit ??= requireConverged(
      fixedPoiFit(this.model, this.data, mu, this.fitOptions),
      `fit to the data with ${this.model.poiName} fixed at ${mu} (background toys)`,
    );
    return this.backgroundFit;
  }

  /** The blocks of both streams at `mu` (signal+background first). */
  blocks(mu: number, signalParameters: ArrayLike<number>, backgroundParameters: ArrayLike<number>): ToyBlockSpec[] {
    const out: ToyBlockSpec[] = [];
    for (const [stream, pars] of [
      ['signal+background', signalParameters],
      ['background', backgroundParameters],
    ] as const) {
      for (let start = 0; start < this.ntoys; start += this.blockSize) {
        out.push({
          stream,
          seed: this.seed,
          start,
          count: Math.min(this.blockSize, this.ntoys - start),
          generatingParameters: Array.from(pars),
          testStat: this.testStat,
          poiTest: mu,
          fitOptions: this.fitOptions,
          toyFits: this.options.toyFits ?? 'checked',
        });
      }
    }
    return out;
  }

  /** Runs the hypothesis test at `mu` (for q0: mu must be 0). */
  async hypotest(mu: number): Promise<ToyHypotestResult> {
    if (!Number.isFinite(mu)) throw new InputError('argument', 'tested POI value', `must be a finite number, got ${mu}`);
    if (this.testStat === 'q0' && mu !== 0) throw new InputError('argument', 'tested POI value', `q0 tests ${this.model.poiName} = 0, got ${mu}`);
    const obs = this.teststatistic(mu);
    // for q0 pyhf draws the "signal" toys at the null mu = 0 and the "background" toys at mu = 1
    const signalPars = obs.fixedFit.parameters;
    const backgroundPars = this.backgroundGeneratingFit().parameters;
    const blocks = this.blocks(mu, signalPars, backgroundPars);
    let done = 0;
    const total = 2 * this.ntoys;
    this.options.onProgress?.(0, total);
    const results = await this.runner(blocks, (b) => {
      done += b.count;
      this.options.onProgress?.(done, total);
    });
    const collect = (stream: ToyStreamName, pars: ArrayLike<number>): ToyStreamResult => {
      const values = new Float64Array(this.ntoys);
      const failures: ToyFailure[] = [];
      let escalated = 0;
      results.forEach((r, i) => {
        if (r.stream !== stream) return;
        values.set(r.values, blocks[i].start);
        failures.push(...r.failures);
        escalated += r.escalated;
      });
      const ok = values.filter((v) => !Number.isNaN(v));
      if (ok.length === 0) {
        throw new NumericalError(`every ${stream} toy failed (${failures.length}); first: ${failures[0]?.message ?? 'unknown'}`);
      }
      return { distribution: new EmpiricalDistribution(ok), values, generatingParameters: Float64Array.from(pars), failures: summariseFailures(failures), escalated };
    };
    const sbr = collect('signal+background', signalPars);
    const br = collect('background', backgroundPars);
    const o = observedPvalues(obs.value, sbr.distribution, br.distribution);
    if (!isQ0Stat(this.testStat) && o.clb === 0) {
      throw new NumericalError(
        `no background toy has a test statistic as large as the observed ${obs.value} (${br.distribution.size} toys): CLs is undefined; run more toys`,
      );
    }
    const band = expectedBand(sbr.distribution, br.distribution);
    const bandErr = expectedBandErrors(sbr.distribution, br.distribution, this.seed, this.options.bootstrapResamples ?? 200);
    const isQ0 = this.testStat === 'q0';
    return {
      poiTest: mu,
      testStat: this.testStat,
      seed: this.seed,
      ntoys: this.ntoys,
      clsObs: isQ0 ? o.clsb : o.cls,
      clsbObs: o.clsb,
      clbObs: o.clb,
      clsExp: isQ0 ? band.clsb : band.cls,
      clsbExp: band.clsb,
      teststatObs: obs.value,
      errors: {
        clsObs: isQ0 ? o.errors.clsb : o.errors.cls,
        clsbObs: o.errors.clsb,
        clbObs: o.errors.clb,
        clsExp: isQ0 ? bandErr.clsb : bandErr.cls,
        clsbExp: bandErr.clsb,
      },
      signalPlusBackground: sbr,
      backgroundOnly: br,
    };
  }
}
