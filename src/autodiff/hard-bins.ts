/**
 * The hard-binning rule of diffinfer, in one place: the bin of a value among edges (numpy's
 * rule) and the bin of a row of logits (the first of the tied largest, tfjs's `argMax`). The
 * hard histograms of src/autodiff, the hard templates of evaluation and export, and `apply`
 * all bin through these two functions, so an event lands in the same bin everywhere.
 */

/** Values outside the edges: dropped, or added to the first or last bin. */
export type Overflow = 'drop' | 'fold';

/**
 * The bin of a value among increasing edges e_0 < ... < e_B, numpy's rule (`np.histogram`):
 * bin k is `[e_k, e_{k+1})`, the last bin `[e_{B-1}, e_B]` closed; outside the edges -1
 * (`drop`) or the end bin (`fold`); NaN -1.
 *
 * @example
 * ```ts
 * edgeBin([0, 0.5, 1], 0.5, 'drop'); // 1
 * edgeBin([0, 0.5, 1], 1, 'drop');   // 1
 * edgeBin([0, 0.5, 1], 1.2, 'drop'); // -1
 * edgeBin([0, 0.5, 1], 1.2, 'fold'); // 1
 * ```
 */
export function edgeBin(edges: readonly number[], x: number, overflow: Overflow): number {
  const nb = edges.length - 1;
  if (!(x >= edges[0])) return overflow === 'fold' && x < edges[0] ? 0 : -1;
  if (x >= edges[nb]) return x === edges[nb] || overflow === 'fold' ? nb - 1 : -1;
  let lo = 0;
  let hi = nb;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x >= edges[mid]) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * The bin of row i of row-major logits [N, K]: argmax_j z_ij, the first of tied largest logits
 * (as tfjs's `argMax`); -1 when the row is all NaN.
 *
 * @example
 * ```ts
 * argmaxBin([0.1, 2, 2, 3, 0, 0], 0, 3); // 1 (the first of the tied 2s)
 * argmaxBin([0.1, 2, 2, 3, 0, 0], 1, 3); // 0
 * ```
 */
export function argmaxBin(logits: ArrayLike<number>, i: number, k: number): number {
  let best = -1;
  for (let j = 0; j < k; j++) {
    const z = logits[i * k + j];
    if (z === z && (best < 0 || z > logits[i * k + best])) best = j;
  }
  return best;
}
