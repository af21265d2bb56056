/**
 * Confidence intervals on the POI for one data set:
 *
 * - the **profile-likelihood interval** `{mu : t_mu <= level}`, `t_mu = 2NLL(mu, theta^^_mu) -
 *   2NLL(mu^, theta^)` (level 1: 68.27% for a Gaussian likelihood), its two crossings found by
 *   bracketing outwards from mu^ and Brent's root finding on `sqrt(t_mu) - sqrt(level)` over
 *   warm-started fits with the POI fixed; where t stays below the level up to a POI bound the
 *   interval is one-sided and ends at the bound (a result, flagged, not an error);
 * - the **Neyman interval with bias correction** from a confidence belt of an estimator (the
 *   approach of the HiggsML Uncertainty Challenge's solutions): for each true mu on a grid,
 *   pseudo-experiments (drawn by `coverage.ts`) give the estimator's distribution; its mean m(mu)
 *   is the bias, its central quantiles (or `m -+ z s` from its spread) the belt's edges, each
 *   made monotone in mu and interpolated over the grid. The interval of an observed estimate x is
 *   `{mu : x inside the belt at mu}`, the bias-corrected estimate `m^{-1}(x)`.
 *
 * Browser-safe: no `node:` imports.
 */
import { InputError, NumericalError } from '../errors.js';
import { findRoot } from '../math/roots.js';
import { normalQuantile } from '../math/special.js';
import type { HistFactoryModel, ModelData } from '../model/model.js';
import { fit, fixedPoiFit, type FitResult } from './fit.js';
import { requireConverged, type TestStatisticOptions } from './test-statistics.js';
import { linearQuantile } from './toy-calculator.js';

/** Options of {@link profileLikelihoodInterval}. */
export interface ProfileIntervalOptions extends TestStatisticOptions {
  /** The threshold on t_mu (1: 68.27%, 3.84: 95% for one parameter); default 1. */
  readonly level?: number;
  /** A free fit to `data` to start from (else one is made, with uncertainties). */
  readonly freeFit?: FitResult;
  /** Absolute tolerance of the end points (default 1e-6 x the Hessian estimate of sigma_mu). */
  readonly tolerance?: number;
}

/** A profile-likelihood interval. */
export interface ProfileInterval {
  readonly lower: number;
  readonly upper: number;
  /** upper - lower. */
  readonly width: number;
  readonly poiHat: number;
  readonly twiceNllMin: number;
  /** True when t stays below the level down to (up to) the POI bound: the end is the bound. */
  readonly lowerAtBound: boolean;
  readonly upperAtBound: boolean;
  /** Fits with the POI fixed made by the search. */
  readonly fits: number;
  readonly freeFit: FitResult;
  /** The profiled fits at the two ends (at the bound for a one-sided end). */
  readonly lowerFit: FitResult;
  readonly upperFit: FitResult;
}

/**
 * The profile-likelihood interval of the POI on `data`.
 *
 * Each end: trial points `mu^ +- d` with `d` from the Hessian's sigma_mu, grown by the
 * `sqrt(t)`-linear extrapolation (between 1.2x and 4x a step) until `t >= level`; then Brent on
 * `sqrt(t) - sqrt(level)` in the last bracket. Every fit starts from the nearest profiled point
 * already found on that side (warm start) as a single-start fit; the two end points are then
 * refitted with the full multi-start, and where that finds a lower profile the search is
 * repeated with multi-start fits throughout. A fixed-POI fit below the free minimum means the free
 * fit stopped in a local minimum: the free fit is redone from that point and the search
 * restarts (at most 3 times). Where a fit finds no finite likelihood (events observed where the
 * rate vanishes at that mu), t counts as +infinity.
 *
 * @throws NumericalError when a fit fails to converge.
 * @example
 * ```ts
 * const iv = profileLikelihoodInterval(model, data);
 * iv.lower; iv.upper; iv.lowerAtBound; // e.g. 0.41, 1.62, false
 * ```
 */
export function profileLikelihoodInterval(model: HistFactoryModel, data: ModelData, options: ProfileIntervalOptions = {}): ProfileInterval {
  const level = options.level ?? 1;
  if (!(level > 0) || !Number.isFinite(level)) throw new InputError('argument', 'interval level', `must be a positive number, got ${level}`);
  const poi = model.poiIndex;
  if (poi < 0) throw new InputError('argument', 'model', 'has no POI');
  const { level: _l, freeFit: given, tolerance, ...fitOptions } = options;
  void _l;
  const sb = model.suggestedBounds();
  const lo = (options.lower ?? sb.lower)[poi];
  const hi = (options.upper ?? sb.upper)[poi];
  let free = given ?? requireConverged(fit(model, data, { ...fitOptions, uncertainties: true }), 'free fit');
  let fits = 0;
  // the search runs on single-start fits warm-started along the profile; its end points are then
  // refitted with the full multi-start, and if that finds a lower profile there the whole search
  // runs again with multi-start fits
  let mode: 'single' | 'auto' = 'single';
  for (let restart = 0; ; restart++) {
    const min = free.twiceNll;
    const muHat = free.parameters[poi];
    const sigma = free.uncertainties?.[poi] && free.uncertainties[poi] > 0 ? free.uncertainties[poi] : 0.1 * Math.max(1, Math.abs(muHat));
    const xtol = tolerance ?? 1e-6 * sigma;
    let lowerMinimum: FitResult | undefined;
    interface Point {
      d: number;
      t: number;
      fit: FitResult;
    }
    const profiled = (mu: number, warm: ArrayLike<number>): Point & { mu: number } => {
      fits++;
      const r = fixedPoiFit(model, data, mu, { ...fitOptions, init: warm, uncertainties: false, multiStart: mode });
      if (!r.converged && (r.diagnosis || !Number.isFinite(r.twiceNll))) return { mu, d: NaN, t: Infinity, fit: r };
      requireConverged(r, `fit with ${model.poiName} fixed at ${mu} (profile-likelihood interval)`);
      if (r.twiceNll < min - 1e-9 && (!lowerMinimum || r.twiceNll < lowerMinimum.twiceNll)) lowerMinimum = r;
      return { mu, d: NaN, t: Math.max(0, r.twiceNll - min), fit: r };
    };
    const crossing = (side: 1 | -1): { mu: number; atBound: boolean; fit: FitResult } => {
      const bound = side > 0 ? hi : lo;
      const room = side > 0 ? hi - muHat : muHat - lo;
      if (!(room > 0)) return { mu: bound, atBound: true, fit: free };
      // profiled points on this side (finite t), by distance d from mu^; the free fit at d = 0
      const seen: Point[] = [{ d: 0, t: 0, fit: free }];
      const at = (d: number): Point => {
        let warm = seen[0];
        for (const q of seen) if (Math.abs(q.d - d) < Math.abs(warm.d - d)) warm = q;
        const p = profiled(muHat + side * d, warm.fit.parameters);
        p.d = d;
        if (Number.isFinite(p.t)) seen.push(p);
        return p;
      };
      let inner = seen[0];
      let outer: Point | undefined;
      let d = Math.min(sigma * Math.sqrt(level), room);
      for (let k = 0; k < 60; k++) {
        const p = at(d);
        if (p.t >= level) {
          outer = p;
          break;
        }
        if (d >= room) return { mu: bound, atBound: true, fit: p.fit };
        inner = p;
        // sqrt(t) is close to linear in d: aim a little past the level, 1.2x to 4x the step
        const guess = p.t > 0 ? 1.1 * d * Math.sqrt(level / p.t) : 4 * d;
        d = Math.min(room, Math.max(1.2 * d, Math.min(4 * d, guess)));
      }
      if (!outer) throw new NumericalError(`profile-likelihood interval: no ${side > 0 ? 'upper' : 'lower'} crossing of t = ${level} within 60 steps`);
      const g = (p: Point) => (Number.isFinite(p.t) ? Math.sqrt(p.t) - Math.sqrt(level) : 1e6);
      const root = findRoot((x) => g(at(x)), inner.d, outer.d, { xtol, rtol: 0, fLo: g(inner), fHi: g(outer) }).root;
      let best = seen[0];
      for (const q of seen) if (Math.abs(q.d - root) < Math.abs(best.d - root)) best = q;
      return { mu: muHat + side * root, atBound: false, fit: best.fit };
    };
    const up = crossing(1);
    const down = crossing(-1);
    if (lowerMinimum && restart < 3) {
      const refit = fit(model, data, { ...fitOptions, init: (lowerMinimum as FitResult).parameters, uncertainties: true });
      if (refit.converged && refit.twiceNll < free.twiceNll) {
        free = refit;
        continue;
      }
    }
    if (mode === 'single') {
      const lowerProfile = [up, down].some((end) => {
        if (end.fit === free) return false;
        fits++;
        const v = fixedPoiFit(model, data, end.fit.parameters[poi], { ...fitOptions, init: end.fit.parameters, uncertainties: false });
        return v.converged && v.twiceNll < end.fit.twiceNll - 1e-6;
      });
      if (lowerProfile) {
        mode = 'auto';
        continue;
      }
    }
    return {
      lower: down.mu,
      upper: up.mu,
      width: up.mu - down.mu,
      poiHat: muHat,
      twiceNllMin: min,
      lowerAtBound: down.atBound,
      upperAtBound: up.atBound,
      fits,
      freeFit: free,
      lowerFit: down.fit,
      upperFit: up.fit,
    };
  }
}

/** The estimates of the estimator at one true POI value of the belt's grid. */
export interface BeltSample {
  readonly mu: number;
  /** Estimates from pseudo-experiments at `mu` (failed ones left out). */
  readonly estimates: ArrayLike<number>;
}

/** Options of {@link neymanBelt}. */
export interface NeymanBeltOptions {
  /** Coverage probability of the belt (default 0.6827). */
  readonly confidence?: number;
  /**
   * `quantile` (default): the belt's edges are the estimator's empirical central quantiles
   * (`(1 -+ confidence) / 2`), exact also where the estimator piles up at a POI bound;
   * `gaussian`: `m(mu) -+ z s(mu)` from its mean and standard deviation, `z = Phi^{-1}((1 +
   * confidence) / 2)` (the challenge's "mean for the bias, spread for the interval"; it
   * miscovers where the estimator is bounded).
   */
  readonly kind?: 'gaussian' | 'quantile';
}

/** One grid point of a belt: the estimator's statistics there (before smoothing). */
export interface BeltPoint {
  readonly mu: number;
  readonly n: number;
  readonly mean: number;
  readonly std: number;
  readonly lowEdge: number;
  readonly highEdge: number;
}

/**
 * A confidence belt of an estimator on a grid of true POI values: the mean and the two edges,
 * each made non-decreasing in mu by weighted isotonic regression (pool-adjacent-violators,
 * weights n) and interpolated linearly between grid points.
 */
export interface NeymanBelt {
  readonly confidence: number;
  readonly kind: 'gaussian' | 'quantile';
  readonly points: readonly BeltPoint[];
  /** The grid (ascending) and the smoothed curves on it. */
  readonly mu: readonly number[];
  readonly mean: readonly number[];
  readonly lowEdge: readonly number[];
  readonly highEdge: readonly number[];
  /** The grid's range: the belt is only defined (and inverted) inside it. */
  readonly range: readonly [number, number];
}

/**
 * Weighted isotonic (non-decreasing) regression by pool-adjacent-violators: the non-decreasing
 * sequence closest to `y` in weighted least squares.
 *
 * @example
 * ```ts
 * isotonicRegression([1, 3, 2, 4], [1, 1, 1, 1]); // [1, 2.5, 2.5, 4]
 * ```
 */
export function isotonicRegression(y: readonly number[], w: readonly number[]): number[] {
  const blocks: { value: number; weight: number; size: number }[] = [];
  for (let i = 0; i < y.length; i++) {
    blocks.push({ value: y[i], weight: w[i], size: 1 });
    while (blocks.length > 1 && blocks[blocks.length - 2].value > blocks[blocks.length - 1].value) {
      const b = blocks.pop()!;
      const a = blocks.pop()!;
      const weight = a.weight + b.weight;
      blocks.push({ value: (a.value * a.weight + b.value * b.weight) / weight, weight, size: a.size + b.size });
    }
  }
  return blocks.flatMap((b) => Array.from({ length: b.size }, () => b.value));
}

/**
 * Builds the confidence belt from the estimator's values at each grid point.
 *
 * @throws InputError with fewer than 2 grid points or fewer than 2 estimates at one.
 * @example
 * ```ts
 * const belt = neymanBelt([{ mu: 0.5, estimates: e05 }, { mu: 1, estimates: e1 }, { mu: 2, estimates: e2 }]);
 * neymanInterval(belt, 1.3); // { lower, upper, corrected, ... }
 * ```
 */
export function neymanBelt(samples: readonly BeltSample[], options: NeymanBeltOptions = {}): NeymanBelt {
  const confidence = options.confidence ?? 0.6827;
  if (!(confidence > 0 && confidence < 1)) throw new InputError('argument', 'belt confidence', `must be in (0, 1), got ${confidence}`);
  const kind = options.kind ?? 'quantile';
  const sorted = [...samples].sort((a, b) => a.mu - b.mu);
  if (sorted.length < 2) throw new InputError('argument', 'belt grid', `needs at least 2 points, got ${sorted.length}`);
  const z = normalQuantile((1 + confidence) / 2);
  const tail = (1 - confidence) / 2;
  const points: BeltPoint[] = sorted.map((s) => {
    const e = Float64Array.from(s.estimates).sort();
    const n = e.length;
    if (n < 2) throw new InputError('argument', `belt grid point mu = ${s.mu}`, `needs at least 2 estimates, got ${n}`);
    let mean = 0;
    for (const v of e) mean += v;
    mean /= n;
    let ss = 0;
    for (const v of e) ss += (v - mean) ** 2;
    const std = Math.sqrt(ss / (n - 1));
    const lowEdge = kind === 'gaussian' ? mean - z * std : linearQuantile(e, tail);
    const highEdge = kind === 'gaussian' ? mean + z * std : linearQuantile(e, 1 - tail);
    return { mu: s.mu, n, mean, std, lowEdge, highEdge };
  });
  const w = points.map((p) => p.n);
  return {
    confidence,
    kind,
    points,
    mu: points.map((p) => p.mu),
    mean: isotonicRegression(points.map((p) => p.mean), w),
    lowEdge: isotonicRegression(points.map((p) => p.lowEdge), w),
    highEdge: isotonicRegression(points.map((p) => p.highEdge), w),
    range: [points[0].mu, points[points.length - 1].mu],
  };
}

/** A Neyman interval from a belt. */
export interface NeymanInterval {
  readonly lower: number;
  readonly upper: number;
  readonly width: number;
  /** The bias-corrected estimate: the mu whose mean estimate equals the observed one. */
  readonly corrected: number;
  /** True when the end is clipped to the grid's range (the belt does not cross there). */
  readonly lowerAtEdge: boolean;
  readonly upperAtEdge: boolean;
}

/** The smallest mu of the grid's range with `curve(mu) >= x` (curve non-decreasing, piecewise linear). */
function firstAtLeast(mu: readonly number[], curve: readonly number[], x: number): { mu: number; atEdge: boolean } {
  const n = mu.length;
  if (curve[0] >= x) return { mu: mu[0], atEdge: curve[0] > x };
  for (let i = 0; i + 1 < n; i++) {
    if (curve[i] < x && x <= curve[i + 1]) return { mu: mu[i] + ((mu[i + 1] - mu[i]) * (x - curve[i])) / (curve[i + 1] - curve[i]), atEdge: false };
  }
  return { mu: mu[n - 1], atEdge: true };
}

/** The largest mu of the grid's range with `curve(mu) <= x`. */
function lastAtMost(mu: readonly number[], curve: readonly number[], x: number): { mu: number; atEdge: boolean } {
  const n = mu.length;
  if (curve[n - 1] <= x) return { mu: mu[n - 1], atEdge: curve[n - 1] < x };
  for (let i = n - 2; i >= 0; i--) {
    if (curve[i] <= x && x < curve[i + 1]) return { mu: mu[i] + ((mu[i + 1] - mu[i]) * (x - curve[i])) / (curve[i + 1] - curve[i]), atEdge: false };
  }
  return { mu: mu[0], atEdge: true };
}

/**
 * The Neyman interval of an observed estimate x: `{mu : lowEdge(mu) <= x <= highEdge(mu)}` =
 * [smallest mu with `highEdge(mu) >= x`, largest mu with `lowEdge(mu) <= x`], each clipped to
 * the grid's range (flagged); `corrected` is the smallest mu with `mean(mu) >= x`.
 *
 * @example
 * ```ts
 * const { lower, upper, corrected } = neymanInterval(belt, fitResult.parameters[model.poiIndex]);
 * ```
 */
export function neymanInterval(belt: NeymanBelt, estimate: number): NeymanInterval {
  if (!Number.isFinite(estimate)) throw new InputError('argument', 'estimate', `must be finite, got ${estimate}`);
  const lo = firstAtLeast(belt.mu, belt.highEdge, estimate);
  const hi = lastAtMost(belt.mu, belt.lowEdge, estimate);
  const corrected = firstAtLeast(belt.mu, belt.mean, estimate).mu;
  return { lower: lo.mu, upper: hi.mu, width: Math.max(0, hi.mu - lo.mu), corrected, lowerAtEdge: lo.atEdge, upperAtEdge: hi.atEdge };
}
