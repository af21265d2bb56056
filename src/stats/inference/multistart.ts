/**
 * What a multi-start fit needs to know about a model: which parameters can make 2NLL
 * multi-modal, a lower bound of 2NLL that certifies a global minimum, and a deterministic
 * low-discrepancy point set.
 *
 * Where 2NLL has several minima: the Poisson term is convex in each rate and the Gaussian
 * constraints are convex, so separate minima come from rates that are not monotonic in a
 * parameter — a histosys with hi and lo on the same side of nominal (code4p's polynomial then
 * has a vertex inside [-1, 1] and both linear extrapolations rise), a strongly asymmetric one
 * (the polynomial's slope changes sign), a normsys with both factors above (or below) 1. Two
 * parameter values then give the same rate and the data cannot tell them apart except through
 * the constraint and the other bins: each side of the vertex is a basin. Monotonic but bent
 * responses (the interpolation polynomials inside [-1, 1]) can also make 2NLL non-convex
 * along a parameter when the data sit away from the rates; linear and exponential responses
 * cannot. Products of factors (normfactors, a sample switched off by a normfactor at 0)
 * couple the rest.
 */
import type { HistFactoryModel, ModelData } from '../model/model.js';
import type { MinimizeResult } from '../optimize/minimize.js';
import { stirlingRemainder } from '../model/model.js';

/** Values of alpha at which the responses are probed: finer inside [-1, 1], where code4 and code4p interpolate. */
const PROBE = [-3, -2, -1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1, 2, 3];

/** Per normsys/histosys parameter, the rate reversal of each main bin (see {@link rateReversals}). */
export interface RateReversals {
  /** The parameters probed (normsys/histosys, not fixed). */
  readonly parameters: Int32Array;
  /** Row-major [parameters.length, nMainBins]: events by which the bin's rate runs against its trend. */
  readonly reversal: Float64Array;
  /** Probe values of alpha, [-3, 3]. */
  readonly probe: readonly number[];
  /** Row-major [parameters.length, probe.length, nMainBins]: d lambda_b / d alpha at each probe value. */
  readonly slopes: Float64Array;
  /** The rates at the suggested init, [nMainBins]. */
  readonly nominal: Float64Array;
}

const reversalCache = new WeakMap<HistFactoryModel, RateReversals>();

/**
 * How far each main-bin rate runs against its overall trend as a normsys/histosys parameter
 * moves over [-3, 3]: with the rate's increments along the path split into their rising part P
 * and falling part F, the reversal is min(P, F) (0 for a monotonic rate; for a rate that falls
 * by D1 and rises by D2 it is min(D1, D2)). The slopes come from the Jacobian of the rates on
 * 13 points where all these parameters take the same value (others at their suggested init),
 * integrated by the trapezoid rule: 13 Jacobian evaluations for the whole model, whatever its
 * size. Exact for a parameter alone in its bins; where several share a bin, their factors at
 * the common value weight the samples. Cached per model.
 *
 * @example
 * ```ts
 * const { parameters, reversal } = rateReversals(model);
 * ```
 */
export function rateReversals(model: HistFactoryModel): RateReversals {
  let out = reversalCache.get(model);
  if (out) return out;
  const n = model.nPars;
  const nb = model.nMainBins;
  const fixed = model.suggestedFixed();
  const { lower, upper } = model.suggestedBounds();
  const params: number[] = [];
  for (const set of model.parameterSets) {
    if (set.type !== 'histosys' && set.type !== 'normsys') continue;
    for (let c = 0; c < set.size; c++) if (!fixed[set.offset + c]) params.push(set.offset + c);
  }
  const m = params.length;
  const rising = new Float64Array(m * nb);
  const falling = new Float64Array(m * nb);
  const K = PROBE.length;
  const slopes = new Float64Array(m * K * nb);
  if (m > 0) {
    const x = model.suggestedInit();
    let prev: Float64Array | undefined;
    for (let k = 0; k < PROBE.length; k++) {
      for (const p of params) x[p] = Math.min(upper[p], Math.max(lower[p], PROBE[k]));
      const jac = model.rates(x, true).jacobian!;
      for (let j = 0; j < m; j++) for (let b = 0; b < nb; b++) slopes[(j * K + k) * nb + b] = jac[b * n + params[j]];
      if (prev) {
        const h = 0.5 * (PROBE[k] - PROBE[k - 1]);
        for (let j = 0; j < m; j++) {
          const p = params[j];
          for (let b = 0; b < nb; b++) {
            const inc = h * (prev[b * n + p] + jac[b * n + p]);
            if (inc > 0) rising[j * nb + b] += inc;
            else falling[j * nb + b] -= inc;
          }
        }
      }
      prev = jac;
    }
  }
  const reversal = new Float64Array(m * nb);
  for (let i = 0; i < reversal.length; i++) {
    const r = Math.min(rising[i], falling[i]);
    reversal[i] = r > 1e-9 * Math.max(rising[i], falling[i]) ? r : 0; // rounding in the slopes is no reversal
  }
  out = { parameters: Int32Array.from(params), reversal, probe: PROBE, slopes, nominal: model.rates(model.suggestedInit(), false).lambda };
  reversalCache.set(model, out);
  return out;
}

/** A parameter that can give 2NLL several minima, with the two measures of why. */
export interface NonConvexParameter {
  readonly parameter: number;
  /**
   * `Z = sqrt(sum_b (R_b / sqrt(max(1, n_b)))^2)`: the rate reversals R of
   * {@link rateReversals} in units of the Poisson deviation of the observed counts, roughly the
   * change of 2NLL a reversal can make.
   */
  readonly strength: number;
  /**
   * The lowest second derivative of 2NLL along alpha through the suggested init, over the
   * probe values inside (-1, 1) (the interpolation region; outside it the linear and exponential
   * responses keep 2NLL convex along alpha): `sum_b 2 [n_b lambda_b'^2 / lambda_b^2 + (1 - n_b / lambda_b)
   * lambda_b''] + 2` (the unit constraint gives the 2; rates and their derivatives from the
   * probe path, lambda'' by differences of the slopes). Negative: 2NLL is not convex along
   * this parameter, and a second basin is possible.
   */
  readonly curvature: number;
  /** The probe value of alpha where that lowest curvature is. */
  readonly at: number;
}

/**
 * The normsys/histosys parameters along which 2NLL may have several minima on `data`: those
 * whose rates reverse with a strength of at least `minStrength`, and those along which 2NLL has
 * negative curvature (`curvature < 0`) somewhere in [-1, 1]. With linear responses
 * (code0 with symmetric templates) neither happens: 2NLL is convex along the parameter.
 *
 * @example
 * ```ts
 * nonConvexParameters(model, data).map(({ parameter, strength, curvature }) => model.parameterNames[parameter]);
 * ```
 */
export function nonConvexParameters(model: HistFactoryModel, data: ModelData, minStrength = 0): NonConvexParameter[] {
  const { parameters, reversal, probe, slopes, nominal } = rateReversals(model);
  const nb = model.nMainBins;
  const K = probe.length;
  const zero = probe.indexOf(0);
  const lam = new Float64Array(K * nb);
  const out: NonConvexParameter[] = [];
  for (let j = 0; j < parameters.length; j++) {
    let z2 = 0;
    for (let b = 0; b < nb; b++) {
      const r = reversal[j * nb + b];
      z2 += (r * r) / Math.max(1, data.main[b]);
    }
    const strength = Math.sqrt(z2);
    // rates along the path: nominal plus the integrated slopes (trapezoid), outwards from 0
    const slope = (k: number, b: number) => slopes[(j * K + k) * nb + b];
    for (let b = 0; b < nb; b++) lam[zero * nb + b] = nominal[b];
    for (let k = zero + 1; k < K; k++) for (let b = 0; b < nb; b++) lam[k * nb + b] = lam[(k - 1) * nb + b] + 0.5 * (probe[k] - probe[k - 1]) * (slope(k, b) + slope(k - 1, b));
    for (let k = zero - 1; k >= 0; k--) for (let b = 0; b < nb; b++) lam[k * nb + b] = lam[(k + 1) * nb + b] - 0.5 * (probe[k + 1] - probe[k]) * (slope(k, b) + slope(k + 1, b));
    let curvature = Infinity;
    let at = 0;
    for (let k = 1; k + 1 < K; k++) {
      // outside [-1, 1] the responses are linear (code4p) or exponential (code4), along which
      // 2NLL is convex; the interpolation polynomials are where it can bend the other way
      if (Math.abs(probe[k]) >= 1) continue;
      let f2 = 2;
      for (let b = 0; b < nb; b++) {
        const l = lam[k * nb + b];
        if (!(l > 0)) continue;
        const s1 = slope(k, b);
        // lambda'' from the neighbouring slopes (one-sided differences averaged)
        const s2 = 0.5 * ((slope(k + 1, b) - s1) / (probe[k + 1] - probe[k]) + (s1 - slope(k - 1, b)) / (probe[k] - probe[k - 1]));
        const n = data.main[b];
        f2 += 2 * ((n * s1 * s1) / (l * l) + (1 - n / l) * s2);
      }
      if (f2 < curvature) {
        curvature = f2;
        at = probe[k];
      }
    }
    if ((strength > 0 && strength >= minStrength) || curvature < 0) out.push({ parameter: parameters[j], strength, curvature, at });
  }
  return out;
}

/**
 * A lower bound of 2NLL over all parameters: every Poisson term at its saturated rate
 * (`lambda = n`) and every constraint at its maximum,
 * `2 sum_b S(n_b) + sum_gauss (2 log sigma + log 2 pi) + 2 sum_pois S(a)` with
 * `S(n) = lgamma(n + 1) - n log n + n`. A fit that reaches it (Asimov data at their own
 * parameters) is at a global minimum.
 *
 * @example
 * ```ts
 * saturatedTwiceNll(model, model.expectedData(pars)) === model.twiceNll(pars, ...) // up to rounding
 * ```
 */
export function saturatedTwiceNll(model: HistFactoryModel, data: ModelData): number {
  let v = 0;
  for (let b = 0; b < data.main.length; b++) v += 2 * stirlingRemainder(data.main[b]);
  model.constraintTerms().forEach((c, i) => {
    v += c.kind === 'normal' ? 2 * Math.log(c.width) + Math.log(2 * Math.PI) : 2 * stirlingRemainder(data.aux[i]);
  });
  return v;
}

const PRIMES = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97];

/**
 * Component `dim` of the `k`-th point (k >= 1) of the Halton sequence, in (0, 1): the
 * radical inverse of k in the dim-th prime base (dimensions past 25 reuse the bases with a
 * digit shift).
 *
 * @example
 * ```ts
 * halton(1, 0); // 0.5
 * halton(1, 1); // 1/3
 * ```
 */
export function halton(k: number, dim: number): number {
  const base = PRIMES[dim % PRIMES.length];
  let i = k + Math.floor(dim / PRIMES.length);
  let f = 1;
  let r = 0;
  while (i > 0) {
    f /= base;
    r += f * (i % base);
    i = Math.floor(i / base);
  }
  return r;
}

/** What {@link multiStart} needs to run one local fit. */
export interface MultiStartProblem {
  readonly model: HistFactoryModel;
  readonly data: ModelData;
  /** The first start (warm start or suggested init), fixed values in place. */
  readonly init: Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly fixed: readonly boolean[];
  /** Further starts given by the caller (e.g. the other fit's optimum). */
  readonly starts?: ReadonlyArray<ArrayLike<number>>;
  /**
   * Runs one local minimisation from x0 (already inside the box, fixed values in place); with
   * `fixedMask`, those parameters are held at their x0 values instead of the problem's.
   */
  run(x0: Float64Array, fixedMask?: readonly boolean[]): MinimizeResult;
}

/** The lowest minimum a multi-start found, with what the starts found. */
export interface MultiStartOutcome {
  readonly best: MinimizeResult;
  readonly starts: number;
  readonly distinctMinima: number;
  readonly spread: number;
}

/** Parameters with reversals at least this strong are flipped to the other side (as are those with negative curvature). */
export const FLIP_REVERSAL = 0.3;
/** Halton points of the extended set. */
export const HALTON_STARTS = 8;
/** Half-width of the box of the Halton points in normsys/histosys parameters. */
export const HALTON_BOX = 3;

/**
 * Runs the multi-start rule of {@link fit} (documented there) and keeps the lowest converged
 * minimum; ties (within 1e-9 max(1, |2NLL|)) keep the earlier start, so a warm-started fit
 * stays on its branch unless another is really lower.
 *
 * @example
 * ```ts
 * const { best, starts, distinctMinima } = multiStart({ model, data, init, lower, upper, fixed, run });
 * ```
 */
export function multiStart(problem: MultiStartProblem): MultiStartOutcome {
  const { model, data, lower, upper, fixed } = problem;
  const n = model.nPars;
  const values: number[] = [];
  let count = 0;
  let best: MinimizeResult | undefined;
  let first: MinimizeResult | undefined;
  const clip = (x0: ArrayLike<number>): Float64Array => {
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = fixed[i] ? problem.init[i] : Math.min(upper[i], Math.max(lower[i], x0[i]));
    return x;
  };
  /** Runs from x0; returns true when the result is the new best. */
  const tryStart = (x0: ArrayLike<number>): boolean => {
    count++;
    const r = problem.run(clip(x0));
    first ??= r;
    if (!r.converged || !Number.isFinite(r.value)) return false;
    values.push(r.value);
    if (best && !(r.value < best.value - 1e-9 * Math.max(1, Math.abs(best.value)))) return false;
    best = r;
    return true;
  };
  const finish = (): MultiStartOutcome => {
    const sorted = [...values].sort((a, b) => a - b);
    let distinct = sorted.length ? 1 : 0;
    for (let i = 1; i < sorted.length; i++) if (sorted[i] - sorted[i - 1] > Math.max(1e-7, 1e-10 * Math.abs(sorted[i]))) distinct++;
    return { best: best ?? first!, starts: count, distinctMinima: distinct, spread: sorted.length ? sorted[sorted.length - 1] - sorted[0] : 0 };
  };
  const sameAs = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => {
    for (let i = 0; i < n; i++) if (!fixed[i] && Math.min(upper[i], Math.max(lower[i], a[i])) !== Math.min(upper[i], Math.max(lower[i], b[i]))) return false;
    return true;
  };
  const tried: Float64Array[] = [];
  const tryNew = (x0: ArrayLike<number>): boolean => {
    const x = clip(x0);
    if (tried.some((t) => sameAs(t, x))) return false;
    tried.push(x);
    return tryStart(x);
  };

  // 1. the caller's start; a minimum at the saturated bound is global
  tryNew(problem.init);
  const saturated = saturatedTwiceNll(model, data);
  const certified = () => best !== undefined && best.value <= saturated + 1e-9 * Math.max(1, Math.abs(saturated));
  if (certified()) return finish();
  // 2. the suggested init, the caller's other starts
  tryNew(model.suggestedInit());
  for (const s of problem.starts ?? []) tryNew(s);
  // 3. a free POI at each of its bounds (other parameters at the suggested init)
  const poi = model.poiIndex;
  if (poi >= 0 && !fixed[poi]) {
    for (const bound of [lower[poi], upper[poi]]) {
      if (!Number.isFinite(bound)) continue;
      const x = model.suggestedInit();
      x[poi] = bound;
      tryNew(x);
    }
  }
  // 3b. a free POI released from the fit with the POI held at its suggested init (itself a
  // multi-start): a free minimum is then never above that fixed-POI fit
  if (poi >= 0 && !fixed[poi]) {
    const held = fixed.map((f, i) => f || i === poi);
    const init = clip(model.suggestedInit());
    const cond = multiStart({ model, data, init, lower, upper, fixed: held, starts: best ? [best.x] : [], run: (x0, mask) => problem.run(x0, mask ?? held) });
    count += cond.starts;
    if (cond.best.converged) tryNew(cond.best.x);
  }
  if (certified()) return finish();
  // 4. parameters along which 2NLL may be non-convex: flip each to the other side, from the
  // best point, while that improves
  const nonConvex = nonConvexParameters(model, data, FLIP_REVERSAL).filter((e) => !fixed[e.parameter]);
  const where = new Map(nonConvex.map((e) => [e.parameter, e.at]));
  const flip = (params: readonly number[]) => {
    for (let round = 0; round < 3 && best; round++) {
      let improved = false;
      const base = Float64Array.from(best.x);
      for (const p of params) {
        const a = base[p];
        // near 0: one unit and a half towards where 2NLL bends most (the other basin lies beyond)
        const side = (where.get(p) ?? 0) >= a ? 1.5 : -1.5;
        for (const t of Math.abs(a) > 0.5 ? [-a] : [side]) {
          const x = Float64Array.from(base);
          x[p] = t;
          if (tryNew(x)) improved = true;
        }
      }
      if (!improved) break;
    }
  };
  flip(nonConvex.map((e) => e.parameter));
  // 4b. all of them flipped at once, both ways for those near 0 (basins that need several
  // parameters on their other sides together)
  if (nonConvex.length > 1 && best) {
    for (const near of [-1.5, 1.5]) {
      const x = Float64Array.from(best.x);
      for (const e of nonConvex) {
        const a = x[e.parameter];
        x[e.parameter] = Math.abs(a) > 0.5 ? -a : near;
      }
      tryNew(x);
    }
  }
  // a free normfactor (not the POI) that ended on its lower bound switches its sample off and
  // flattens that sample's other directions: a typical trap, treated like disagreeing starts
  const switchedOff =
    best !== undefined &&
    model.parameterSets.some((set) => set.type === 'normfactor' && set.offset !== poi && !fixed[set.offset] && best!.x[set.offset] <= lower[set.offset]);
  // 5. when the starts disagreed (the landscape here has several minima) or a sample is switched
  // off: a Halton set over
  // those parameters (all normsys/histosys if none) in [-3, 3] and the free normfactors in
  // [0, 3], then the flips of step 4 again
  if (finish().distinctMinima > 1 || switchedOff) {
    const alphas: number[] = [];
    const factors: number[] = [];
    for (const set of model.parameterSets) {
      for (let c = 0; c < set.size; c++) {
        const p = set.offset + c;
        if (fixed[p] || p === poi) continue;
        if (set.type === 'histosys' || set.type === 'normsys') alphas.push(p);
        else if (set.type === 'normfactor') factors.push(p);
      }
    }
    const dims = nonConvex.length ? nonConvex.map((e) => e.parameter) : alphas;
    for (let k = 1; k <= HALTON_STARTS; k++) {
      const x = model.suggestedInit();
      dims.forEach((p, d) => (x[p] = -HALTON_BOX + 2 * HALTON_BOX * halton(k, d)));
      factors.forEach((p, d) => (x[p] = 3 * halton(k, dims.length + d)));
      tryNew(x);
    }
    flip(nonConvex.map((e) => e.parameter));
  }
  return finish();
}
