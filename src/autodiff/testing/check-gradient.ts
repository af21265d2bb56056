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
  /** Allowed |analytic - numeric| / max(1, |numeric|). Default 1e-6. */
  readonly tolerance?: number;
}

export interface GradientCheckResult {
  readonly ok: boolean;
  /** The worst component over all points. */
  readonly worst: { point: number[]; index: number; analytic: number; numeric: number; error: number };
}

/** Central-difference gradient of `f` at `x` with per-component steps `step * max(1, |x_i|)`. */
export function centralDifferences(f: (x: Float64Array) => number, x: ArrayLike<number>, step = 1e-6): Float64Array {
  const p = Float64Array.from(x);
  const g = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const h = step * Math.max(1, Math.abs(p[i]));
    const xi = p[i];
    p[i] = xi + h;
    const fp = f(p);
    p[i] = xi - h;
    const fm = f(p);
    p[i] = xi;
    g[i] = (fp - fm) / (2 * h);
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
    const numeric = centralDifferences(options.f, x, options.step);
    for (let i = 0; i < x.length; i++) {
      const error = Math.abs(analytic[i] - numeric[i]) / Math.max(1, Math.abs(numeric[i]));
      // NaN counts as the worst error
      if (worst.index < 0 || !(error <= worst.error)) worst = { point: Array.from(x), index: i, analytic: analytic[i], numeric: numeric[i], error };
    }
  }
  return { ok: worst.error <= tol, worst };
}
