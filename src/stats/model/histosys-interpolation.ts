/**
 * histosys interpolation: an additive shift Delta(alpha) of a bin's yield from the up/down
 * templates, with D+ = hi - nom and D- = nom - lo.
 *
 * - code0 (piecewise linear): `Delta = a D+` for a >= 0, `a D-` for a < 0.
 * - code4p (pyhf default): linear as code0 for |a| > 1; inside
 *   `Delta = a S + A (15 a^2 - 10 a^4 + 3 a^6)` with `S = (D+ + D-)/2`, `A = (D+ - D-)/16`,
 *   which matches value, slope and curvature at a = +-1.
 */

/** Interpolation codes for histosys, as in pyhf. */
export type HistosysCode = 'code0' | 'code4p';

/**
 * Writes [Delta, dDelta/da, d2Delta/da2] for one bin into `out`.
 *
 * @param up D+ = hi - nom
 * @param down D- = nom - lo
 * @example
 * ```ts
 * histosysDelta('code4p', 0.3, 2, 1, new Float64Array(3));
 * ```
 */
export function histosysDelta(
  code: HistosysCode,
  a: number,
  up: number,
  down: number,
  out: Float64Array,
): Float64Array {
  if (code === 'code0') {
    const d = a >= 0 ? up : down;
    out[0] = a * d;
    out[1] = d;
    out[2] = 0;
    return out;
  }
  if (a > 1) {
    out[0] = a * up;
    out[1] = up;
    out[2] = 0;
  } else if (a < -1) {
    out[0] = a * down;
    out[1] = down;
    out[2] = 0;
  } else {
    const s = 0.5 * (up + down);
    const asym = 0.0625 * (up - down);
    const a2 = a * a;
    out[0] = a * s + asym * a2 * (15 + a2 * (-10 + 3 * a2));
    out[1] = s + asym * a * (30 + a2 * (-40 + 18 * a2));
    out[2] = asym * (30 + a2 * (-120 + 90 * a2));
  }
  return out;
}
