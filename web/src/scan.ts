/** The POI scan of the Brazil band (no library import: the page's main thread uses it). */

/** A scan of the POI: `n` points from `lo` to `hi`. */
export interface ScanRange {
  readonly lo: number;
  readonly hi: number;
  readonly n: number;
}

/**
 * The scan drawn when none is asked for: 21 points from the POI's lower bound (at least 0) to
 * 1.25 x the largest limit (observed or expected +2 sigma) rounded up to 1, 2, 2.5 or 5 x 10^k,
 * so that every curve crosses the level inside it; at most the POI's upper bound.
 */
export function defaultScan(obs: number, exp: readonly number[], poiBounds: readonly [number, number]): ScanRange {
  const top = 1.25 * Math.max(obs, ...exp);
  if (!(top > 0 && Number.isFinite(top))) return { lo: Math.max(poiBounds[0], 0), hi: poiBounds[1], n: 21 };
  const decade = 10 ** Math.floor(Math.log10(top));
  const nice = [1, 2, 2.5, 5, 10].map((m) => m * decade).find((x) => x >= top) ?? 10 * decade;
  return { lo: Math.max(poiBounds[0], 0), hi: Math.min(poiBounds[1], nice), n: 21 };
}

/** `n` evenly spaced points from `lo` to `hi`, as the CLI's `--scan lo:hi:n`. */
export function scanPoints(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}
