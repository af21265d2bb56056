/**
 * The KDE (soft) histogram: each event is a Gaussian of width h, and bin k collects the mass
 * falling in [e_k, e_{k+1}):
 *
 * `c_k = sum_i w_i [Phi((e_{k+1} - x_i)/h) - Phi((e_k - x_i)/h)]`.
 *
 * As h -> 0 this is the ordinary weighted histogram. Differentiable in x and w (through erf).
 * Shapes: x [N], w [N] -> counts [B] for B + 1 edges.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Bandwidth given absolutely, or relative to the (smallest) bin width. */
export type Bandwidth = { readonly absolute: number } | { readonly relative: number };

/** What happens to mass outside the outer edges: lost, or added to the edge bins. */
export type Overflow = 'drop' | 'fold';

export interface KdeHistogramOptions {
  /** Bin edges, strictly increasing, at least 2. */
  readonly edges: readonly number[];
  readonly bandwidth: Bandwidth;
  /** Per-event weights [N]; default 1. */
  readonly weights?: tf.Tensor1D;
  /** Default 'drop'. */
  readonly overflow?: Overflow;
  /** Added to every bin (keeps expected counts positive for a likelihood); default 0. */
  readonly floor?: number;
}

/** The absolute bandwidth h for the given edges. */
export function bandwidthOf(edges: readonly number[], bandwidth: Bandwidth): number {
  if ('absolute' in bandwidth) return bandwidth.absolute;
  let w = Infinity;
  for (let k = 0; k + 1 < edges.length; k++) w = Math.min(w, edges[k + 1] - edges[k]);
  return bandwidth.relative * w;
}

function validate(x: tf.Tensor, o: KdeHistogramOptions): number {
  const { edges } = o;
  if (x.rank !== 1) throw new RangeError(`kdeHistogram: x must have rank 1 [N], got shape [${x.shape}]`);
  if (edges.length < 2) throw new RangeError(`kdeHistogram: need at least 2 edges, got ${edges.length}`);
  for (let k = 0; k + 1 < edges.length; k++) {
    if (!(edges[k + 1] > edges[k])) throw new RangeError(`kdeHistogram: edges must increase strictly (edges[${k}] = ${edges[k]}, edges[${k + 1}] = ${edges[k + 1]})`);
  }
  const h = bandwidthOf(edges, o.bandwidth);
  if (!(h > 0) || !Number.isFinite(h)) throw new RangeError(`kdeHistogram: bandwidth must be positive and finite, got ${h}`);
  if (o.weights && (o.weights.rank !== 1 || o.weights.shape[0] !== x.shape[0])) {
    throw new RangeError(`kdeHistogram: weights must have shape [${x.shape[0]}], got [${o.weights.shape}]`);
  }
  return h;
}

/**
 * Soft histogram of `x` (see the module comment).
 *
 * @example
 * ```ts
 * const counts = kdeHistogram(scores, { edges: [0, 0.25, 0.5, 0.75, 1], bandwidth: { relative: 0.5 } });
 * ```
 */
export function kdeHistogram(x: tf.Tensor1D, options: KdeHistogramOptions): tf.Tensor1D {
  const h = validate(x, options);
  const { edges } = options;
  const ne = edges.length;
  const fold = options.overflow === 'fold';
  const scale = 1 / (h * Math.SQRT2);
  // Folding treats the outer edges as -inf and +inf: their Phi columns become 0 and 1.
  const keepValues = Array.from({ length: ne }, (_, j) => (fold && (j === 0 || j === ne - 1) ? 0 : 1));
  return tf.tidy(() => {
    const w = options.weights ?? tf.onesLike(x);
    const es = tf.tensor2d(edges.map((v) => v * scale), [1, ne]);
    const diffRows = (t: tf.Tensor): tf.Tensor => tf.sub(tf.slice(t, [0, 1], [-1, ne - 1]), tf.slice(t, [0, 0], [-1, ne - 1]));
    // With u_ij = (e_j - x_i) / (h sqrt 2) and Phi = (1 + erf u) / 2:
    // forward  cum_j = sum_i w_i Phi_ij = (W + sum_i w_i erf u_ij) / 2 (one matmul), c_k = cum_{k+1} - cum_k;
    // backward with g_j = dL/dcum_j = dy_{j-1} - dy_j:
    //   dL/dx_i = -(w_i / (h sqrt(2 pi))) sum_j g_j exp(-u_ij^2),  dL/dw_i = (sum_j g_j + sum_j g_j erf u_ij) / 2.
    // gradFunc builds its own constants: it runs after this tidy has disposed the outer ones.
    const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [xs, ws, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      const u = tf.sub(es, tf.reshape(tf.mul(xs, scale), [-1, 1])); // [N, E]
      const erf = tf.erf(u);
      const total = tf.sum(ws);
      let cum = tf.mul(tf.add(tf.matMul(tf.reshape(ws, [1, -1]), erf), total), 0.5); // [1, E]
      if (fold) cum = tf.add(tf.mul(cum, tf.tensor2d(keepValues, [1, ne])), tf.mul(tf.tensor2d(keepValues.map((k, j) => (j === ne - 1 ? 1 : 0)), [1, ne]), total));
      save([u, ws, erf]);
      return {
        value: tf.reshape(diffRows(cum), [ne - 1]) as tf.Tensor,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [us, wsv, erfs] = saved;
          const d = tf.reshape(dy, [1, ne - 1]);
          const zero = tf.zeros([1, 1]);
          let g = tf.sub(tf.concat([zero, d], 1), tf.concat([d, zero], 1)); // [1, E]
          let gSumForW = tf.sum(g);
          if (fold) {
            // column ne-1 is the constant total: dcum/dw = 1 there, nothing through erf
            const last = tf.slice(g, [0, ne - 1], [1, 1]);
            g = tf.mul(g, tf.tensor2d(keepValues, [1, ne]));
            gSumForW = tf.add(tf.sum(g), tf.mul(tf.sum(last), 2));
          }
          const gc = tf.reshape(g, [ne, 1]);
          const dx = tf.mul(tf.reshape(tf.matMul(tf.exp(tf.neg(tf.square(us))), gc), [-1]), tf.mul(wsv, -1 / (h * Math.sqrt(2 * Math.PI))));
          const dw = tf.mul(tf.add(tf.reshape(tf.matMul(erfs, gc), [-1]), gSumForW), 0.5);
          return [dx, dw] as tf.Tensor[];
        },
      };
    });
    let counts = op(x, w) as tf.Tensor1D;
    if (options.floor) counts = tf.add(counts, options.floor);
    return counts;
  });
}

/** The plain weighted histogram (the h -> 0 limit), in float64 JS: bins [e_k, e_{k+1}). */
export function hardHistogram(x: ArrayLike<number>, edges: readonly number[], weights?: ArrayLike<number>, overflow: Overflow = 'drop'): Float64Array {
  const nb = edges.length - 1;
  const out = new Float64Array(nb);
  for (let i = 0; i < x.length; i++) {
    let k = -1;
    if (x[i] < edges[0]) k = overflow === 'fold' ? 0 : -1;
    else if (x[i] >= edges[nb]) k = overflow === 'fold' ? nb - 1 : -1;
    else {
      let lo = 0;
      let hi = nb;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (x[i] >= edges[mid]) lo = mid;
        else hi = mid;
      }
      k = lo;
    }
    if (k >= 0) out[k] += weights ? weights[i] : 1;
  }
  return out;
}
