/**
 * normsys interpolation: a multiplicative rate factor kappa(alpha) from the factors
 * `hi` = kappa(+1) and `lo` = kappa(-1), with its first and second derivatives.
 *
 * - code1 (exponential): `kappa = hi^a` for a >= 0, `lo^(-a)` for a < 0.
 * - code4 (pyhf default): exponential for |a| >= 1, and inside the degree-6 polynomial
 *   `1 + sum_{i=1..6} c_i a^i` whose value, first and second derivative match the
 *   exponentials at a = +-1.
 */

/** Interpolation codes for normsys, as in pyhf. */
export type NormsysCode = 'code1' | 'code4';

/** A normsys interpolator: value and first two derivatives with respect to alpha. */
export interface NormsysInterpolator {
  readonly code: NormsysCode;
  readonly hi: number;
  readonly lo: number;
  /** Writes [kappa, dkappa/da, d2kappa/da2] into `out` and returns it. */
  evaluate(alpha: number, out: Float64Array): Float64Array;
}

/**
 * The coefficients c_1..c_6 of code4's polynomial (alpha0 = 1), solving the six matching
 * conditions at a = +-1 for value, slope and curvature of `hi^a` and `lo^(-a)`.
 */
export function code4Coefficients(hi: number, lo: number): Float64Array {
  const lhi = Math.log(hi);
  const llo = Math.log(lo);
  const b = [hi - 1, lo - 1, lhi * hi, -llo * lo, lhi * lhi * hi, llo * llo * lo];
  // pyhf's A^{-1} at alpha0 = 1 (rows give c_1..c_6).
  const inv = [
    [15 / 16, -15 / 16, -7 / 16, -7 / 16, 1 / 16, -1 / 16],
    [3 / 2, 3 / 2, -9 / 16, 9 / 16, 1 / 16, 1 / 16],
    [-5 / 8, 5 / 8, 5 / 8, 5 / 8, -1 / 8, 1 / 8],
    [-3 / 2, -3 / 2, 7 / 8, -7 / 8, -1 / 8, -1 / 8],
    [3 / 16, -3 / 16, -3 / 16, -3 / 16, 1 / 16, -1 / 16],
    [1 / 2, 1 / 2, -5 / 16, 5 / 16, 1 / 16, 1 / 16],
  ];
  const c = new Float64Array(6);
  for (let r = 0; r < 6; r++) {
    let s = 0;
    for (let k = 0; k < 6; k++) s += inv[r][k] * b[k];
    c[r] = s;
  }
  return c;
}

/** The exponential branches shared by code1 and code4: `hi^a` above, `lo^(-a)` below. */
function exponential(a: number, up: boolean, hi: number, lo: number, lhi: number, llo: number, out: Float64Array): Float64Array {
  const v = up ? Math.pow(hi, a) : Math.pow(lo, -a);
  const slope = up ? lhi : -llo;
  out[0] = v;
  out[1] = v * slope;
  out[2] = v * slope * slope;
  return out;
}

/**
 * Builds a normsys interpolator.
 *
 * @example
 * ```ts
 * const k = normsysInterpolator('code4', 1.1, 0.9);
 * k.evaluate(0.5, new Float64Array(3)); // [kappa(0.5), kappa'(0.5), kappa''(0.5)]
 * ```
 */
export function normsysInterpolator(code: NormsysCode, hi: number, lo: number): NormsysInterpolator {
  const lhi = Math.log(hi);
  const llo = Math.log(lo);
  if (code === 'code1') {
    return {
      code,
      hi,
      lo,
      evaluate: (a, out) => exponential(a, a >= 0, hi, lo, lhi, llo, out),
    };
  }
  const c = code4Coefficients(hi, lo);
  const [c1, c2, c3, c4, c5, c6] = c;
  return {
    code,
    hi,
    lo,
    evaluate(a, out) {
      if (a >= 1 || a <= -1) return exponential(a, a >= 1, hi, lo, lhi, llo, out);
      // Horner for value and derivatives of 1 + c1 a + ... + c6 a^6.
      out[0] = 1 + a * (c1 + a * (c2 + a * (c3 + a * (c4 + a * (c5 + a * c6)))));
      out[1] = c1 + a * (2 * c2 + a * (3 * c3 + a * (4 * c4 + a * (5 * c5 + a * 6 * c6))));
      out[2] = 2 * c2 + a * (6 * c3 + a * (12 * c4 + a * (20 * c5 + a * 30 * c6)));
      return out;
    },
  };
}
