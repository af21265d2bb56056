/**
 * The asymptotic calculator (Cowan et al., arXiv:1007.1727) with pyhf's conventions.
 *
 * Asimov data: expected data (main and auxiliary) at a fit to the observed data with the POI
 * fixed at mu' = 0 (q, q~, t, t~) or 1 (q0). With `qA` the test statistic on Asimov data:
 *
 * - q, q0, t: `t = sqrt(q) - sqrt(qA)`;
 * - q~ (and t~): `t = sqrt(q) - sqrt(qA)` if `sqrt(q) <= sqrt(qA)` (or qA = 0), else
 *   `(q - qA) / (2 sqrt(qA))`;
 * - `CLsb = Phi(-(t + sqrt(qA)))`, `CLb = Phi(-t)`, `CLs = CLsb / CLb`;
 * - expected band: the same with `t = 2, 1, 0, -1, -2` (-2 sigma first, pyhf's order);
 * - for q0 the p-value is `p0 = CLsb = Phi(-sqrt(q0))`.
 *
 * The free fits to the data and to the Asimov data, and the Asimov data themselves, do not
 * depend on the tested mu, so a calculator computes them once and reuses them across mu
 * values (limits and scans call it many times).
 */
import type { HistFactoryModel, ModelData } from '../model/model.js';
import { normalCdf } from '../math/special.js';
import { fit, fixedPoiFit, type FitResult } from './fit.js';
import { bestFreeFit, requireConverged, statisticFromFits, type TestStatistic, type TestStatisticOptions } from './test-statistics.js';

/** The n-sigma values of the expected band, in pyhf's order. */
export const EXPECTED_SIGMAS = [2, 1, 0, -1, -2] as const;

/** Result of one asymptotic hypothesis test. */
export interface HypotestResult {
  readonly poiTest: number;
  readonly testStat: TestStatistic;
  /** Observed CLs (for q0: the p-value p0). */
  readonly clsObs: number;
  /** Expected CLs band at -2, -1, 0, +1, +2 sigma (for q0: expected p0). */
  readonly clsExp: readonly number[];
  readonly clsbObs: number;
  readonly clbObs: number;
  /** The test statistic on the observed data. */
  readonly teststatObs: number;
  /** The test statistic on the Asimov data. */
  readonly teststatAsimov: number;
  /** The observed test statistic in the shifted sqrt space (`t` above). */
  readonly teststatSqrtSpace: number;
  readonly asimovMu: number;
  readonly asimovData: ModelData;
  readonly fits: {
    readonly freeFitToData: FitResult;
    readonly fixedPoiFitToData: FitResult;
    readonly asimovFit: FitResult;
    readonly freeFitToAsimov: FitResult;
    readonly fixedPoiFitToAsimov: FitResult;
  };
}

/** `CLsb`, `CLb` and `CLs` for a shifted test statistic `t` and `sqrt(qA)`. */
export function clsFromShifted(t: number, sqrtQA: number): { clsb: number; clb: number; cls: number } {
  const clsb = normalCdf(-(t + sqrtQA));
  const clb = normalCdf(-t);
  return { clsb, clb, cls: clsb / clb };
}

/** The shifted test statistic of pyhf's asymptotic calculator. */
export function shiftedTestStatistic(kind: TestStatistic, q: number, qA: number): number {
  const sq = Math.sqrt(q);
  const sqA = Math.sqrt(qA);
  if (kind === 'qtilde' || kind === 'ttilde') {
    if (sq <= sqA || sqA === 0) return sq - sqA;
    return (q - qA) / (2 * sqA);
  }
  return sq - sqA;
}

/**
 * An asymptotic calculator bound to a model, data and test statistic; caches everything that
 * does not depend on the tested POI value.
 *
 * @example
 * ```ts
 * const calc = new AsymptoticCalculator(model, data, { testStat: 'qtilde' });
 * const r = calc.hypotest(1.0);
 * r.clsObs; r.clsExp; // observed CLs and the expected band
 * ```
 */
export class AsymptoticCalculator {
  readonly testStat: TestStatistic;
  readonly asimovMu: number;
  private readonly lower: Float64Array;
  private freeData?: FitResult;
  private asimov?: { data: ModelData; fit: FitResult; free: FitResult };
  /** Fixed-POI fits made so far, per data set: the nearest one warm-starts the next. */
  private readonly fixedFits = new Map<ModelData, FitResult[]>();

  constructor(
    readonly model: HistFactoryModel,
    readonly data: ModelData,
    readonly options: TestStatisticOptions & { readonly testStat?: TestStatistic } = {},
  ) {
    this.testStat = options.testStat ?? 'qtilde';
    this.asimovMu = this.testStat === 'q0' ? 1 : 0;
    this.lower = Float64Array.from(options.lower ?? model.suggestedBounds().lower);
  }

  private fitOptions(): TestStatisticOptions & { lower: Float64Array; uncertainties: false } {
    const { testStat: _t, ...rest } = this.options;
    void _t;
    return { ...rest, lower: this.lower, uncertainties: false };
  }

  /** The free fit to the observed data (cached). */
  freeFitToData(): FitResult {
    this.freeData ??= requireConverged(fit(this.model, this.data, this.fitOptions()), 'free fit to the data');
    return this.freeData;
  }

  /** Asimov data at mu' = asimovMu, the fit that made them, and the free fit to them (cached). */
  asimovData(): { data: ModelData; fit: FitResult; free: FitResult } {
    if (!this.asimov) {
      const afit = requireConverged(
        fixedPoiFit(this.model, this.data, this.asimovMu, { ...this.fitOptions(), starts: [this.freeFitToData().parameters] }),
        `fit to the data with ${this.model.poiName} fixed at ${this.asimovMu} (for the Asimov data)`,
      );
      const data = this.model.expectedData(afit.parameters);
      // from the parameters that made the data: the saturated bound, a global minimum, whenever
      // they are inside the box of the free fit
      const free = requireConverged(fit(this.model, data, { ...this.fitOptions(), init: afit.parameters }), 'free fit to the Asimov data');
      this.asimov = { data, fit: afit, free };
    }
    return this.asimov;
  }

  private statistic(mu: number, free: FitResult, data: ModelData, what: string): { q: number; fixed: FitResult; free: FitResult } {
    if (this.testStat === 'q0' && mu !== 0) throw new RangeError(`q0 tests mu = 0, got ${mu}`);
    // starts: the free fit's optimum and the fixed fit at the nearest POI value tested before
    const earlier = this.fixedFits.get(data) ?? [];
    const nearest = earlier.reduce<FitResult | undefined>(
      (a, r) => (!a || Math.abs(r.parameters[this.model.poiIndex] - mu) < Math.abs(a.parameters[this.model.poiIndex] - mu) ? r : a),
      undefined,
    );
    const starts = nearest ? [free.parameters, nearest.parameters] : [free.parameters];
    const fixed = requireConverged(
      fixedPoiFit(this.model, data, mu, { ...this.fitOptions(), starts }),
      `fit to the ${what} with ${this.model.poiName} fixed at ${mu}`,
    );
    this.fixedFits.set(data, [...earlier, fixed]);
    const best = bestFreeFit(this.model, data, free, fixed, this.fitOptions());
    const q = statisticFromFits(this.testStat, mu, fixed.twiceNll, best.twiceNll, best.parameters[this.model.poiIndex]);
    return { q, fixed, free: best };
  }

  /** Runs the hypothesis test at POI value `mu`. */
  hypotest(mu: number): HypotestResult {
    const freeData = this.freeFitToData();
    const asimov = this.asimovData();
    const obs = this.statistic(mu, freeData, this.data, 'data');
    const asi = this.statistic(mu, asimov.free, asimov.data, 'Asimov data');
    // a better free minimum found on the way replaces the cached one
    this.freeData = obs.free;
    asimov.free = asi.free;
    const sqrtQA = Math.sqrt(asi.q);
    const t = shiftedTestStatistic(this.testStat, obs.q, asi.q);
    const o = clsFromShifted(t, sqrtQA);
    const isQ0 = this.testStat === 'q0';
    const clsExp = EXPECTED_SIGMAS.map((n) => {
      const e = clsFromShifted(n, sqrtQA);
      return isQ0 ? e.clsb : e.cls;
    });
    return {
      poiTest: mu,
      testStat: this.testStat,
      clsObs: isQ0 ? o.clsb : o.cls,
      clsExp,
      clsbObs: o.clsb,
      clbObs: o.clb,
      teststatObs: obs.q,
      teststatAsimov: asi.q,
      teststatSqrtSpace: t,
      asimovMu: this.asimovMu,
      asimovData: asimov.data,
      fits: {
        freeFitToData: obs.free,
        fixedPoiFitToData: obs.fixed,
        asimovFit: asimov.fit,
        freeFitToAsimov: asi.free,
        fixedPoiFitToAsimov: asi.fixed,
      },
    };
  }
}

/**
 * One asymptotic hypothesis test (pyhf's `infer.hypotest(..., calctype="asymptotics")`).
 *
 * @example
 * ```ts
 * const { clsObs, clsExp } = hypotest(1.0, model, data, { testStat: 'qtilde' });
 * ```
 */
export function hypotest(
  mu: number,
  model: HistFactoryModel,
  data: ModelData,
  options: TestStatisticOptions & { readonly testStat?: TestStatistic } = {},
): HypotestResult {
  return new AsymptoticCalculator(model, data, options).hypotest(mu);
}
