/**
 * The profile-likelihood half-width of the POI interval on Asimov data, a step past INFERNO's
 * Fisher approximation: with `t(mu; c) = 2NLL(mu, theta^^_mu) - 2NLL(mu^, theta^)` on Asimov
 * data at `mu_A`, the interval ends are the crossings `t(mu_-) = t(mu_+) = level` (level 1:
 * the 68.3% interval), found by safeguarded Newton root finding over warm-started profiled
 * fits (3-5 fits per end), and the objective is `(mu_+ - mu_-) / 2`.
 *
 * Gradient by the implicit-function rule on each crossing: `t(mu_s(c); c) = level` gives
 * `dmu_s/dc = -(dt/dc) / (dt/dmu)`, where by the envelope theorem `dt/dmu` is the POI component
 * of the 2NLL gradient at the profiled fit and `dt/dc` the difference of the counts gradients of
 * 2NLL at the two fits (Asimov data included).
 *
 * The search is not `profileLikelihoodInterval` (src/stats/inference/intervals.ts), which finds
 * the same crossings by bracketing and Brent's method: this objective runs at every training
 * step, and its Newton steps on sqrt(t) with the envelope-theorem slope need about a third
 * fewer 2NLL evaluations (29-46 against 49-68 per call on 1-3 channel models at a tolerance of
 * 1e-10 sigma, 45-64 at its default 1e-6 sigma; both counts include the verifying refits) and
 * land at |t - level| ~ 1e-14 instead of ~1e-11; the two agree to 1e-11 in the interval ends.
 */
import { NumericalError } from '../errors.js';
import { fixedPoiFit, type FitResult } from '../inference/fit.js';
import { FLIP_REVERSAL, nonConvexParameters } from '../inference/multistart.js';
import type { TemplateModel } from '../templates/template-model.js';
import { addProfiledGradient, convergedFit, type ObjectiveResult } from './common.js';

export interface ProfileWidthOptions {
  /** POI value of the Asimov data; default 1. */
  readonly asimovPoi?: number;
  /** The threshold on t (1: 68.3%, 3.84: 95%); default 1. */
  readonly level?: number;
}

export interface ProfileWidthResult extends ObjectiveResult {
  readonly lower: number;
  readonly upper: number;
  /**
   * Which ends are a bound of the POI: t stays below the level all the way to the bound, so
   * the interval (the set where t < level) ends there. Such an end does not move with the
   * counts: its gradient is 0.
   */
  readonly atBound: { readonly lower: boolean; readonly upper: boolean };
  readonly freeFit: FitResult;
  /** The profiled fit at each end (at the bound for an end at a bound). */
  readonly lowerFit: FitResult;
  readonly upperFit: FitResult;
}

/**
 * The half-width of the profile-likelihood interval of the POI on Asimov data, with its
 * gradient with respect to the counts. The interval is `{mu in bounds : t(mu) < level}`: when
 * t stays below the level up to a bound of the POI, that end is the bound (`atBound`), with
 * gradient 0 for it.
 *
 * Every fit is a multi-start (see `fit`): the free fit to the Asimov data starts at their own
 * parameters (the saturated bound, a global minimum); the search along each side warm-starts
 * single fits, and where 2NLL can be non-convex along some parameter (`nonConvexParameters`)
 * each crossing it finds is refitted with the full start set (warm start, free optimum,
 * suggested init, flips, ...) — if that finds a lower minimum, t there is smaller and the
 * search continues outwards from the new branch. The gradients are taken at the minima kept.
 *
 * @throws NumericalError when a fit fails.
 * @example
 * ```ts
 * const { value, lower, upper, atBound } = profileWidth(tm, counts); // value = (upper - lower) / 2
 * ```
 */
export function profileWidth(tm: TemplateModel, counts: ArrayLike<number>, options: ProfileWidthOptions = {}): ProfileWidthResult {
  const level = options.level ?? 1;
  if (!(level > 0)) throw new RangeError(`profileWidth: level must be positive, got ${level}`);
  const compiled = tm.compile(counts);
  const model = compiled.model;
  const poi = model.poiIndex;
  const asimovPars = compiled.nominalParameters(options.asimovPoi ?? 1);
  const data = compiled.asimovData(options.asimovPoi ?? 1);
  const freeFit = convergedFit(compiled, data, 'free fit to the Asimov data', { init: asimovPars, uncertainties: true });
  const muHat = freeFit.parameters[poi];
  const guess = freeFit.uncertainties?.[poi];
  const { lower: lo, upper: hi } = model.suggestedBounds();
  const objective = model.objective(data);
  // no parameter along which 2NLL can bend the other way: the warm-started fits of the search
  // are the multi-start's answer, and the crossings are not refitted
  const convexAlong = nonConvexParameters(model, data, FLIP_REVERSAL).length === 0;

  interface Point {
    readonly d: number;
    readonly mu: number;
    readonly fit: FitResult;
    readonly t: number;
    readonly slope: number;
  }

  /**
   * Finds d > 0 with t(muHat + side d) = level by a safeguarded Newton iteration on
   * `s(d) = sqrt(t)`, which is close to linear (exactly so for a Gaussian likelihood):
   * `s' = t' / (2 s)` with `t' = side d(2NLL)/dmu` at the profiled fit (envelope theorem), so
   * each step costs one warm-started fit. A step that leaves the bracket [d_lo, d_hi] (t below,
   * above the level) bisects instead; before the level is bracketed the step is at most 4x.
   * Returns the bound when t at the bound is still below the level.
   */
  const crossing = (side: 1 | -1): { mu: number; fit: FitResult; atBound: boolean } => {
    const bound = side > 0 ? hi[poi] : lo[poi];
    const room = side > 0 ? hi[poi] - muHat : muHat - lo[poi];
    const target = Math.sqrt(level);
    let warm = freeFit.parameters;
    const profiled = (d: number, multiStart: 'auto' | 'single'): Point => {
      const mu = d >= room ? bound : muHat + side * d;
      const r = fixedPoiFit(model, data, mu, { init: warm, starts: [freeFit.parameters], uncertainties: false, multiStart });
      // where the likelihood vanishes (a bin with events but zero rate at this mu) t is +inf:
      // above the level, and the search bisects back towards the minimum
      if (!r.converged && (r.diagnosis || !Number.isFinite(r.twiceNll))) return { d, mu, fit: r, t: Infinity, slope: NaN };
      if (!r.converged) throw new NumericalError(`profileWidth: fit with ${model.poiName} fixed at ${mu} did not converge (status ${r.status})`);
      warm = r.parameters;
      const t = Math.max(0, r.twiceNll - freeFit.twiceNll);
      const slope = side * objective.evaluate(r.parameters, false).gradient[poi];
      return { d, mu, fit: r, t, slope };
    };
    if (!(room > 0)) {
      // the free minimum sits on the bound: that end of the interval is the bound
      return { mu: bound, fit: freeFit, atBound: true };
    }
    let dLo = 0;
    let dHi = Infinity;
    let d = Math.min(guess && guess > 0 ? guess * target : 0.1 * Math.max(1, Math.abs(muHat)), 0.5 * room);
    let closest: Point | undefined;
    for (let iter = 0; iter < 80; iter++) {
      let p = profiled(d, 'single');
      if (p.t < level && d >= room) {
        // t below the level at the bound, and a full multi-start can only lower it: the end
        // of the interval is the bound
        if (!convexAlong) p = profiled(room, 'auto');
        return { mu: bound, fit: p.fit, atBound: true };
      }
      if (p.t < level) dLo = Math.max(dLo, d);
      else dHi = Math.min(dHi, d);
      if (Number.isFinite(p.t) && (!closest || Math.abs(p.t - level) < Math.abs(closest.t - level))) closest = p;
      const done = Math.abs(p.t - level) <= 1e-12 * level ? p : dHi - dLo <= 1e-13 * Math.max(1, d) && closest ? closest : undefined;
      if (done && convexAlong) return { mu: done.mu, fit: done.fit, atBound: false };
      if (done) {
        warm = done.fit.parameters;
        const q = profiled(done.d, 'auto');
        // ties keep the first start, the warm start: q is then done's minimum
        if (!(q.t < done.t - 1e-9 * Math.max(1, Math.abs(done.fit.twiceNll)))) return { mu: q.mu, fit: q.fit, atBound: false };
        // the full start set found a lower branch here: t is below the level, the crossing lies
        // further out; search on from that branch (warm now holds it)
        dLo = done.d;
        dHi = Infinity;
        closest = undefined;
        p = q;
        d = q.d;
      }
      const s = Math.sqrt(p.t);
      let next = s > 0 && p.slope > 0 ? d - ((s - target) * 2 * s) / p.slope : NaN;
      if (!(next > dLo && next < dHi)) next = Number.isFinite(dHi) ? 0.5 * (dLo + dHi) : Math.min(4 * d, room);
      if (!Number.isFinite(dHi)) next = Math.min(next, 4 * d, room);
      d = next;
    }
    throw new NumericalError(`profileWidth: the ${side > 0 ? 'upper' : 'lower'} crossing of t = ${level} did not converge in 80 fits`);
  };

  const up = crossing(1);
  const down = crossing(-1);
  const gradient = new Float64Array(tm.size);
  for (const [c, sign] of [[up, 1], [down, -1]] as const) {
    if (c.atBound) continue; // a bound does not depend on the counts
    // dmu/dc = -(dt/dc) / (dt/dmu); width gets sign * dmu / 2
    const dtdmu = objective.evaluate(c.fit.parameters, false).gradient[poi];
    if (!(Math.abs(dtdmu) > 0)) throw new NumericalError(`profileWidth: t is flat at ${model.poiName} = ${c.mu}`);
    const scale = (-sign * 0.5) / dtdmu;
    addProfiledGradient(tm, compiled, c.fit.parameters, data, asimovPars, scale, gradient);
    addProfiledGradient(tm, compiled, freeFit.parameters, data, asimovPars, -scale, gradient);
  }
  return {
    value: 0.5 * (up.mu - down.mu),
    gradient,
    lower: down.mu,
    upper: up.mu,
    atBound: { lower: down.atBound, upper: up.atBound },
    freeFit,
    lowerFit: down.fit,
    upperFit: up.fit,
  };
}
