/**
 * Bracketed root finding: Brent's method (`findRoot`) and upward bracket expansion
 * (`bracketRoot`), as used for upper limits (solve CLs(mu) = alpha for mu).
 *
 * @packageDocumentation
 */

import { NumericalError } from '../errors.js';

/** Options of {@link findRoot}. */
export interface FindRootOptions {
  /** Absolute tolerance on the root (default 2e-12). */
  xtol?: number;
  /** Relative tolerance on the root (default 1e-10). */
  rtol?: number;
  /** Maximum number of iterations, i.e. function evaluations after the two ends (default 100). */
  maxIterations?: number;
  /** f(lo), when already known (saves an evaluation, e.g. after {@link bracketRoot}). */
  fLo?: number;
  /** f(hi), when already known. */
  fHi?: number;
}

/** Result of {@link findRoot}. */
export interface FindRootResult {
  /** The best estimate of the root. */
  root: number;
  /** Number of iterations (function evaluations excluding the two ends). */
  iterations: number;
  /**
   * True when the bracket shrank below `xtol + rtol * |root|` (or f(root) = 0); false when
   * `maxIterations` was reached first (`root` is then the best point found).
   */
  converged: boolean;
}

/**
 * Finds a root of f in [lo, hi] by Brent's method (inverse quadratic interpolation / secant
 * with bisection safeguards; R. P. Brent, "Algorithms for Minimization without Derivatives",
 * 1973, ch. 4 — the same algorithm as scipy's `brentq`). Convergence is guaranteed for a
 * continuous f with a sign change; it is superlinear for smooth f.
 *
 * Stops when the bracket that contains the sign change is narrower than `xtol + rtol * |x|`
 * (x the current best point, the end with the smaller |f|), or f(x) = 0.
 *
 * @throws NumericalError when f(lo) and f(hi) do not have opposite signs (neither being zero)
 *   or are not finite; the message gives both values. Also when f returns NaN inside.
 *
 * @example
 * ```ts
 * const { root } = findRoot((x) => x * x - 2, 0, 2); // 1.4142135623730951 (to ~1e-10)
 * ```
 */
export function findRoot(
  f: (x: number) => number,
  lo: number,
  hi: number,
  options: FindRootOptions = {},
): FindRootResult {
  const xtol = options.xtol ?? 2e-12;
  const rtol = options.rtol ?? 1e-10;
  const maxIterations = options.maxIterations ?? 100;
  if (!(Number.isFinite(lo) && Number.isFinite(hi))) {
    throw new NumericalError(`findRoot: bracket ends must be finite, got [${lo}, ${hi}]`);
  }
  let xpre = lo;
  let xcur = hi;
  let fpre = options.fLo ?? f(lo);
  let fcur = options.fHi ?? f(hi);
  if (!(Number.isFinite(fpre) && Number.isFinite(fcur))) {
    throw new NumericalError(`findRoot: f is not finite at the bracket ends: f(${lo}) = ${fpre}, f(${hi}) = ${fcur}`);
  }
  if (fpre === 0) return { root: xpre, iterations: 0, converged: true };
  if (fcur === 0) return { root: xcur, iterations: 0, converged: true };
  if ((fpre < 0) === (fcur < 0)) {
    throw new NumericalError(
      `findRoot: root is not bracketed in [${lo}, ${hi}]: f(lo) = ${fpre}, f(hi) = ${fcur} have the same sign`,
    );
  }
  let xblk = 0;
  let fblk = 0;
  let spre = 0;
  let scur = 0;
  for (let iter = 0; iter < maxIterations; iter++) {
    if (fpre !== 0 && fcur !== 0 && (fpre < 0) !== (fcur < 0)) {
      xblk = xpre;
      fblk = fpre;
      spre = scur = xcur - xpre;
    }
    if (Math.abs(fblk) < Math.abs(fcur)) {
      xpre = xcur;
      xcur = xblk;
      xblk = xpre;
      fpre = fcur;
      fcur = fblk;
      fblk = fpre;
    }
    const delta = (xtol + rtol * Math.abs(xcur)) / 2;
    const sbis = (xblk - xcur) / 2;
    if (fcur === 0 || Math.abs(sbis) < delta) {
      return { root: xcur, iterations: iter, converged: true };
    }
    if (Math.abs(spre) > delta && Math.abs(fcur) < Math.abs(fpre)) {
      let stry: number;
      if (xpre === xblk) {
        // secant
        stry = (-fcur * (xcur - xpre)) / (fcur - fpre);
      } else {
        // inverse quadratic interpolation
        const dpre = (fpre - fcur) / (xpre - xcur);
        const dblk = (fblk - fcur) / (xblk - xcur);
        stry = (-fcur * (fblk * dblk - fpre * dpre)) / (dblk * dpre * (fblk - fpre));
      }
      if (2 * Math.abs(stry) < Math.min(Math.abs(spre), 3 * Math.abs(sbis) - delta)) {
        spre = scur;
        scur = stry;
      } else {
        spre = sbis;
        scur = sbis;
      }
    } else {
      spre = sbis;
      scur = sbis;
    }
    xpre = xcur;
    fpre = fcur;
    if (Math.abs(scur) > delta) xcur += scur;
    else xcur += sbis > 0 ? delta : -delta;
    fcur = f(xcur);
    if (Number.isNaN(fcur)) {
      throw new NumericalError(`findRoot: f(${xcur}) is NaN`);
    }
  }
  return { root: xcur, iterations: maxIterations, converged: false };
}

/** Options of {@link bracketRoot}. */
export interface BracketRootOptions {
  /** The upper end is never moved beyond this (default Infinity). */
  maxUpper?: number;
  /** Growth factor of the distance hi - lo0 at each expansion (default 2, must be > 1). */
  factor?: number;
  /** Maximum number of expansions (default 60). */
  maxExpansions?: number;
  /** f(lo), when already known. */
  fLo?: number;
}

/** A bracket [lo, hi] with f(lo), f(hi) of opposite signs (or one of them zero). */
export interface Bracket {
  lo: number;
  hi: number;
  fLo: number;
  fHi: number;
  /** Number of evaluations of f made by {@link bracketRoot}. */
  evaluations: number;
}

/**
 * Expands the upper end of [lo, hi] until f changes sign: while f(hi) has the sign of f(lo),
 * the old hi becomes the new lo (for a function that is monotonic in between this keeps the
 * bracket tight) and `hi <- lo0 + (hi - lo0) * factor`, capped at `maxUpper`.
 * Pass the result to {@link findRoot} with `fLo`/`fHi` to avoid re-evaluating the ends.
 *
 * @throws NumericalError when f is not finite at a trial point, or no sign change is found up
 *   to `maxUpper` / within `maxExpansions` (the message gives the last end values).
 *
 * @example
 * ```ts
 * // CLs(mu) - 0.05 decreases in mu: find an upper end where it is negative
 * const b = bracketRoot((mu) => Math.exp(-mu) - 0.05, 0, 1, { maxUpper: 100 });
 * const { root } = findRoot((mu) => Math.exp(-mu) - 0.05, b.lo, b.hi, { fLo: b.fLo, fHi: b.fHi });
 * ```
 */
export function bracketRoot(
  f: (x: number) => number,
  lo: number,
  hi: number,
  options: BracketRootOptions = {},
): Bracket {
  const maxUpper = options.maxUpper ?? Infinity;
  const factor = options.factor ?? 2;
  const maxExpansions = options.maxExpansions ?? 60;
  if (!(factor > 1)) throw new NumericalError(`bracketRoot: factor must be > 1, got ${factor}`);
  if (!(hi > lo)) throw new NumericalError(`bracketRoot: need lo < hi, got [${lo}, ${hi}]`);
  if (hi > maxUpper) hi = maxUpper;
  if (!(hi > lo)) throw new NumericalError(`bracketRoot: maxUpper ${maxUpper} is not above lo ${lo}`);
  const lo0 = lo;
  let evaluations = 0;
  let fLo: number;
  if (options.fLo !== undefined) fLo = options.fLo;
  else {
    fLo = f(lo);
    evaluations++;
  }
  if (!Number.isFinite(fLo)) throw new NumericalError(`bracketRoot: f(${lo}) = ${fLo} is not finite`);
  let fHi = f(hi);
  evaluations++;
  for (let k = 0; ; k++) {
    if (!Number.isFinite(fHi)) throw new NumericalError(`bracketRoot: f(${hi}) = ${fHi} is not finite`);
    if (fLo === 0 || fHi === 0 || (fLo < 0) !== (fHi < 0)) return { lo, hi, fLo, fHi, evaluations };
    if (hi >= maxUpper || k >= maxExpansions) {
      throw new NumericalError(
        `bracketRoot: no sign change found up to ${hi} (f(${lo}) = ${fLo}, f(${hi}) = ${fHi}; ` +
          `maxUpper ${maxUpper}, ${k} expansions)`,
      );
    }
    const next = Math.min(maxUpper, lo0 + (hi - lo0) * factor);
    lo = hi;
    fLo = fHi;
    hi = next;
    fHi = f(hi);
    evaluations++;
  }
}
