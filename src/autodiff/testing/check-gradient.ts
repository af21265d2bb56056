/**
 * Compares a gradient with float64 central differences of a reference function and reports the
 * worst point — the check every differentiable op in diffinfer passes, exported so users can
 * property-test their own ops.
 */

export interface GradientCheckOptions {
  /** The reference function in float64. */
  readonly f: (x: Float64Array) => number;
  /** The gradient under test at x (e.g. read back from a tfjs op). */
  readonly gradient: (x: Float64Array) => ArrayLike<number>;
  /** Points to check. */
  readonly points: readonly ArrayLike<number>[];
  /** Relative step; the absolute step is `step * max(1, |x_i|)`. Default 1e-6. */
  readonly step?: number;
  /** Allowed |analytic - numeric| / max(floor, |numeric|). Default 1e-6. */
  readonly tolerance?: number;
  /**
   * The smallest denominator of the relative error; default 1. For functions with small
   * values give a function of the numeric gradient at the point, e.g.
   * `(g) => 1e-3 * max_i |g_i|`.
   */
  readonly floor?: number | ((numeric: Float64Array) => number);
  /** 3-point (error O(h^2)) or 5-point (O(h^4)) central differences; default 3. */
  readonly stencil?: Stencil;
}

/** Central-difference stencils: 3 points `(f(x+h) - f(x-h)) / 2h`, or 5 points. */
export type Stencil = 3 | 5;

export interface GradientCheckResult {
  readonly ok: boolean;
  /** The worst component over all points. */
  readonly worst: { point: number[]; index: number; analytic: number; numeric: number; error: number };
}

/**
 * Central-difference gradient of `f` at `x` with per-component steps `step * max(1, |x_i|)`:
 * `(f(x+h) - f(x-h)) / 2h`, or with `stencil` 5
 * `(-f(x+2h) + 8 f(x+h) - 8 f(x-h) + f(x-2h)) / 12h` (truncation error O(h^4), so a larger
 * step and less rounding noise for functions computed by iterative solvers).
 */
export function centralDifferences(f: (x: Float64Array) => number, x: ArrayLike<number>, step = 1e-6, stencil: Stencil = 3): Float64Array {
  const p = Float64Array.from(x);
  const g = new Float64Array(p.length);
  const at = (i: number, v: number) => {
    p[i] = v;
    return f(p);
  };
  for (let i = 0; i < p.length; i++) {
    const h = step * Math.max(1, Math.abs(p[i]));
    const xi = p[i];
    if (stencil === 3) g[i] = (at(i, xi + h) - at(i, xi - h)) / (2 * h);
    else g[i] = (-at(i, xi + 2 * h) + 8 * at(i, xi + h) - 8 * at(i, xi - h) + at(i, xi - 2 * h)) / (12 * h);
    p[i] = xi;
  }
  return g;
}

/**
 * Checks `gradient` against central differences of `f` at every point.
 *
 * @example
 * ```ts
 * const r = checkGradient({ f: (x) => x[0] ** 2, gradient: (x) => [2 * x[0]], points: [[3]] });
 * r.ok; // true
 * ```
 */
export function checkGradient(options: GradientCheckOptions): GradientCheckResult {
  const tol = options.tolerance ?? 1e-6;
  let worst: GradientCheckResult['worst'] = { point: [], index: -1, analytic: NaN, numeric: NaN, error: 0 };
  for (const point of options.points) {
    const x = Float64Array.from(point);
    const analytic = options.gradient(Float64Array.from(x));
    const numeric = centralDifferences(options.f, x, options.step, options.stencil);
    const floor = typeof options.floor === 'function' ? options.floor(numeric) : (options.floor ?? 1);
    for (let i = 0; i < x.length; i++) {
      const error = Math.abs(analytic[i] - numeric[i]) / Math.max(floor, Math.abs(numeric[i]));
      // NaN counts as the worst error
      if (worst.index < 0 || !(error <= worst.error)) worst = { point: Array.from(x), index: i, analytic: analytic[i], numeric: numeric[i], error };
    }
  }
  return { ok: worst.error <= tol, worst };
}
