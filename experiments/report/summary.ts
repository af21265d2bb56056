/**
 * Seed statistics: quantiles with numpy's default convention and the per-(benchmark, method)
 * summary the report prints (median and the 16% / 84% quantiles, a 68% band over seeds).
 */
import { METHODS, type Method, type SeedResult } from './types.js';

/**
 * The `q`-quantile of `values` with numpy's default (`method='linear'`, Hyndman & Fan type 7):
 * sort, take the virtual index `h = (n - 1) q`, and interpolate linearly between the order
 * statistics `a = x[floor(h)]` and `b = x[floor(h) + 1]` with `t = h - floor(h)`. The arithmetic
 * follows numpy's (`a + (b - a) t`, but `b - (b - a)(1 - t)` when `t >= 0.5`), so the result
 * equals `numpy.quantile(values, q)` bit for bit on finite input.
 *
 * Infinite values sort to the ends; where numpy would give NaN from `inf - inf` this returns
 * the limit: between two equal order statistics that value, between a finite value and +inf
 * (t > 0) +inf, from -inf -inf. Throws a `RangeError` on an empty array, a NaN value, or `q`
 * outside [0, 1].
 *
 * @param values - the sample (not modified).
 * @param q - the probability, in [0, 1].
 * @example
 * ```ts
 * quantile([1, 2, 3, 4], 0.5);   // 2.5
 * quantile([1, 2, 3, 4], 0.16);  // 1.48  (h = 3 * 0.16 = 0.48)
 * quantile([7], 0.84);           // 7
 * ```
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  const n = values.length;
  if (n === 0) throw new RangeError('quantile: no values');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be in [0, 1], got ${q}`);
  const x = Float64Array.from(values as ArrayLike<number>);
  const bad = x.findIndex((v) => Number.isNaN(v));
  if (bad >= 0) throw new RangeError(`quantile: values[${bad}] is NaN`);
  x.sort();
  const h = (n - 1) * q; // numpy: 'linear' get_virtual_index
  if (h >= n - 1) return x[n - 1];
  const lo = Math.floor(h);
  const t = h - lo;
  const a = x[lo];
  const b = x[lo + 1];
  if (t === 0 || a === b || a === -Infinity) return a;
  if (b === Infinity) return b;
  // numpy's _lerp
  const d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/**
 * Median and 68% band of a set of per-seed values: `median` = 50%, `q16` and `q84` the 16% and
 * 84% quantiles ({@link quantile}). `n` counts the values used (NaN values, e.g. from a failed
 * fit, are left out; with none left the three numbers are NaN).
 *
 * @example
 * ```ts
 * const b: Band = { n: 3, median: 15.2, q16: 14.9, q84: 15.6 };
 * ```
 */
export interface Band {
  n: number;
  median: number;
  q16: number;
  q84: number;
}

/**
 * The seeds of one method on one benchmark, condensed: `n` seeds, and a {@link Band} of each
 * metric. `cls` and `z0` are present when at least one seed has them.
 *
 * @example
 * ```ts
 * const [s] = summariseSeeds(results);
 * console.log(s.method, s.sigmaFisher.median, s.sigmaFisher.q16, s.sigmaFisher.q84);
 * ```
 */
export interface SeedSummary {
  benchmark: number;
  method: Method;
  /** Number of seeds. */
  n: number;
  sigmaFisher: Band;
  sigmaProfile: Band;
  cls?: Band;
  z0?: Band;
  limit?: Band;
  /** `--coverage N`: coverage, mean interval width and challenge score over the seeds. */
  coverage?: Band;
  coverageWidth?: Band;
  coverageScore?: Band;
}

/**
 * The {@link Band} of `values` (NaN values left out).
 *
 * @example
 * ```ts
 * band([3, 1, 2]); // { n: 3, median: 2, q16: 1.32, q84: 2.68 } (q84 to rounding: 2.6799999999999997)
 * ```
 */
export function band(values: readonly number[]): Band {
  const v = values.filter((x) => !Number.isNaN(x));
  if (v.length === 0) return { n: 0, median: NaN, q16: NaN, q84: NaN };
  return { n: v.length, median: quantile(v, 0.5), q16: quantile(v, 0.16), q84: quantile(v, 0.84) };
}

/**
 * Groups `results` by (benchmark, method) and summarises each group over its seeds. Groups come
 * sorted by benchmark, then in the order of {@link METHODS} (inferno, profile-width, bce, cls,
 * z0). Throws a `RangeError` naming the entry when a result has an unknown method.
 *
 * @example
 * ```ts
 * const rows = summariseSeeds([
 *   { method: 'bce', benchmark: 0, seed: 1, sigmaFisher: 20, sigmaProfile: 21, epochs: 1, trainSeconds: 1, secondsPerEpoch: 1, history: [], modelDir: 'm1' },
 *   { method: 'bce', benchmark: 0, seed: 2, sigmaFisher: 22, sigmaProfile: 23, epochs: 1, trainSeconds: 1, secondsPerEpoch: 1, history: [], modelDir: 'm2' },
 * ]);
 * rows[0].sigmaFisher.median; // 21
 * ```
 */
export function summariseSeeds(results: readonly SeedResult[]): SeedSummary[] {
  const groups = new Map<string, SeedResult[]>();
  results.forEach((r, i) => {
    if (!METHODS.includes(r.method)) {
      throw new RangeError(`summariseSeeds: results[${i}].method is ${JSON.stringify(r.method)}, expected one of ${METHODS.join(', ')}`);
    }
    const key = `${r.benchmark}\u0000${r.method}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  });
  const out: SeedSummary[] = [];
  for (const g of groups.values()) {
    const { benchmark, method } = g[0];
    const s: SeedSummary = {
      benchmark,
      method,
      n: g.length,
      sigmaFisher: band(g.map((r) => r.sigmaFisher)),
      sigmaProfile: band(g.map((r) => r.sigmaProfile)),
    };
    const cls = g.filter((r) => r.cls !== undefined).map((r) => r.cls as number);
    const z0 = g.filter((r) => r.z0 !== undefined).map((r) => r.z0 as number);
    const limit = g.filter((r) => r.limit !== undefined).map((r) => r.limit as number);
    if (cls.length > 0) s.cls = band(cls);
    if (z0.length > 0) s.z0 = band(z0);
    if (limit.length > 0) s.limit = band(limit);
    const cov = g.filter((r) => r.coverage !== undefined).map((r) => r.coverage!);
    if (cov.length > 0) {
      s.coverage = band(cov.map((c) => c.coverage));
      s.coverageWidth = band(cov.map((c) => c.meanWidth));
      s.coverageScore = band(cov.map((c) => c.score));
    }
    out.push(s);
  }
  return out.sort((a, b) => a.benchmark - b.benchmark || METHODS.indexOf(a.method) - METHODS.indexOf(b.method));
}
