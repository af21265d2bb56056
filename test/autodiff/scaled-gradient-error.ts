/**
 * Gradient errors against float64 central differences, each component measured against its own
 * natural size: `|analytic_i - numeric_i| / max(scale_i, |numeric_i|)`, `scale_i` a bound on the
 * size of the terms that make component i (e.g. `w_i max|v| / h` for an event position in a KDE
 * histogram). A float32 op achieves ~1e-7 to 1e-6 in this measure for every component, also
 * for those that cancel to almost 0, where a plain relative error is meaningless and a fixed
 * floor of 1 is loose or tight depending on the units.
 */
import { centralDifferences } from '../../src/autodiff/testing/check-gradient.js';

export interface ScaledGradientError {
  readonly error: number;
  readonly index: number;
  readonly analytic: number;
  readonly numeric: number;
}

/** The worst scaled error of `analytic` at `point` (see the module comment). */
export function scaledGradientError(f: (x: Float64Array) => number, analytic: ArrayLike<number>, point: ArrayLike<number>, scales: ArrayLike<number>, step = 1e-6): ScaledGradientError {
  const numeric = centralDifferences(f, point, step);
  let worst: ScaledGradientError = { error: -1, index: -1, analytic: NaN, numeric: NaN };
  for (let i = 0; i < numeric.length; i++) {
    const error = Math.abs(analytic[i] - numeric[i]) / Math.max(scales[i], Math.abs(numeric[i]));
    if (Number.isNaN(worst.error)) break; // NaN counts as the worst
    if (!(error <= worst.error)) worst = { error, index: i, analytic: analytic[i], numeric: numeric[i] };
  }
  return worst;
}
