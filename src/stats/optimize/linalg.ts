/**
 * Small dense linear algebra on row-major `Float64Array`s (n up to a few hundred): Cholesky
 * factorisation with failure reporting, the Gill–Murray–Wright modified Cholesky (LDL^T) for
 * indefinite matrices, triangular solves, solves with one or many right-hand sides, the
 * inverse of a symmetric positive-definite matrix, and LU with partial pivoting for general
 * square systems.
 *
 * Conventions: an n x n matrix `a` is stored row-major, `a[i * n + j]`; an n x m block of
 * right-hand sides `B` is row-major too, `B[i * m + k]` (column k is the k-th system).
 * Functions that can write into caller-provided storage take an optional `out`; none keep
 * references to their arguments.
 *
 * @packageDocumentation
 */

import { NumericalError } from '../errors.js';

/**
 * Result of {@link choleskyFactor}: `factor` holds L (lower triangle, zeros above) with
 * A = L L^T when `ok`; otherwise `failedAt` is the first row whose pivot
 * `a_jj - sum_k L_jk^2` was not positive (or not finite) and `pivot` is that value.
 */
export interface CholeskyResult {
  factor: Float64Array;
  ok: boolean;
  /** Index of the failing pivot, or -1 on success. */
  failedAt: number;
  /** The failing pivot value (NaN on success). */
  pivot: number;
}

/**
 * In-place Cholesky factorisation A = L L^T of a symmetric matrix (only the lower triangle is
 * read). On success the lower triangle of `a` holds L, the strict upper triangle is zeroed,
 * and -1 is returned; on failure returns the index j of the first pivot
 * `a_jj - sum_{k<j} L_jk^2 <= 0` (or non-finite) and `a` is left partially overwritten.
 * Cost n^3/3 flops, no allocation.
 *
 * @example
 * ```ts
 * const a = Float64Array.of(4, 2, 2, 3);
 * choleskyInPlace(a, 2); // -1; a = [2, 0, 1, sqrt(2)]
 * ```
 */
export function choleskyInPlace(a: Float64Array, n: number): number {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j];
    for (let k = 0; k < j; k++) d -= a[rj + k] * a[rj + k];
    if (!(d > 0) || !Number.isFinite(d)) return j;
    const ljj = Math.sqrt(d);
    a[rj + j] = ljj;
    const inv = 1 / ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= a[ri + k] * a[rj + k];
      a[ri + j] = s * inv;
    }
    for (let i = j + 1; i < n; i++) a[rj + i] = 0;
  }
  return -1;
}

/**
 * Cholesky factorisation A = L L^T of a symmetric positive-definite n x n matrix, reporting
 * failure instead of throwing. `a` is not modified (the factor goes to `out` or a new array).
 *
 * @example
 * ```ts
 * const { ok, factor } = choleskyFactor(Float64Array.of(4, 2, 2, 3), 2);
 * if (ok) choleskySolve(factor, 2, Float64Array.of(1, 2)); // A^{-1} b
 * ```
 */
export function choleskyFactor(a: ArrayLike<number>, n: number, out?: Float64Array): CholeskyResult {
  const factor = out ?? new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) factor[i] = a[i];
  const failedAt = choleskyInPlace(factor, n);
  if (failedAt < 0) return { factor, ok: true, failedAt: -1, pivot: NaN };
  // recompute the failing pivot for the report
  let pivot = factor[failedAt * n + failedAt];
  for (let k = 0; k < failedAt; k++) pivot -= factor[failedAt * n + k] * factor[failedAt * n + k];
  return { factor, ok: false, failedAt, pivot };
}

/**
 * Solves L L^T x = b given the Cholesky factor L (lower triangle of `factor`), by forward and
 * back substitution. `out` may alias `b`.
 *
 * @example
 * ```ts
 * const x = choleskySolve(choleskyFactor(a, n).factor, n, b);
 * ```
 */
export function choleskySolve(factor: Float64Array, n: number, b: ArrayLike<number>, out?: Float64Array): Float64Array {
  const x = out ?? new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= factor[ri + k] * x[k];
    x[i] = s / factor[ri + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= factor[k * n + i] * x[k];
    x[i] = s / factor[i * n + i];
  }
  return x;
}

/**
 * Solves L L^T X = B for an n x m row-major block B of right-hand sides (column k of X solves
 * column k of B). `out` may alias `B`.
 *
 * @example
 * ```ts
 * // dx/dtheta = -H^{-1} d(grad)/dtheta for m parameters theta at once
 * const X = choleskySolveMany(L, n, rhs, m);
 * ```
 */
export function choleskySolveMany(
  factor: Float64Array,
  n: number,
  B: ArrayLike<number>,
  m: number,
  out?: Float64Array,
): Float64Array {
  const X = out ?? new Float64Array(n * m);
  if (X !== B) for (let i = 0; i < n * m; i++) X[i] = B[i];
  // forward: L Y = B (row operations, contiguous in the m columns)
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    const xi = i * m;
    for (let k = 0; k < i; k++) {
      const l = factor[ri + k];
      if (l === 0) continue;
      const xk = k * m;
      for (let c = 0; c < m; c++) X[xi + c] -= l * X[xk + c];
    }
    const inv = 1 / factor[ri + i];
    for (let c = 0; c < m; c++) X[xi + c] *= inv;
  }
  // backward: L^T X = Y
  for (let i = n - 1; i >= 0; i--) {
    const xi = i * m;
    for (let k = i + 1; k < n; k++) {
      const l = factor[k * n + i];
      if (l === 0) continue;
      const xk = k * m;
      for (let c = 0; c < m; c++) X[xi + c] -= l * X[xk + c];
    }
    const inv = 1 / factor[i * n + i];
    for (let c = 0; c < m; c++) X[xi + c] *= inv;
  }
  return X;
}

/**
 * Solves A x = b for a symmetric positive-definite A via Cholesky.
 *
 * @throws NumericalError when A is not (numerically) positive definite.
 *
 * @example
 * ```ts
 * solveSymmetricPositiveDefinite(Float64Array.of(4, 2, 2, 3), 2, [1, 2]); // ~[-0.125, 0.75]
 * ```
 */
export function solveSymmetricPositiveDefinite(a: ArrayLike<number>, n: number, b: ArrayLike<number>): Float64Array {
  const chol = choleskyFactor(a, n);
  if (!chol.ok) {
    throw new NumericalError(
      `matrix is not positive definite: Cholesky pivot ${chol.failedAt} is ${chol.pivot}`,
    );
  }
  return choleskySolve(chol.factor, n, b);
}

/**
 * The inverse of a symmetric positive-definite matrix via Cholesky: A^{-1} = L^{-T} L^{-1}.
 * The result is exactly symmetric.
 *
 * @throws NumericalError when A is not (numerically) positive definite.
 *
 * @example
 * ```ts
 * inverseSymmetricPositiveDefinite(Float64Array.of(4, 2, 2, 3), 2); // ~[0.375, -0.25, -0.25, 0.5]
 * ```
 */
export function inverseSymmetricPositiveDefinite(a: ArrayLike<number>, n: number, out?: Float64Array): Float64Array {
  const chol = choleskyFactor(a, n);
  if (!chol.ok) {
    throw new NumericalError(
      `matrix is not positive definite: Cholesky pivot ${chol.failedAt} is ${chol.pivot}`,
    );
  }
  const L = chol.factor;
  // W = L^{-1} (lower triangular), stored in-place over L's lower triangle.
  for (let j = 0; j < n; j++) {
    L[j * n + j] = 1 / L[j * n + j];
    for (let i = j + 1; i < n; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= L[i * n + k] * L[k * n + j];
      L[i * n + j] = s / L[i * n + i];
    }
  }
  // A^{-1} = W^T W: (i, j) = sum_{k >= max(i,j)} W_ki W_kj
  const inv = out ?? new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += L[k * n + i] * L[k * n + j];
      inv[i * n + j] = s;
      inv[j * n + i] = s;
    }
  }
  return inv;
}

/** Result of {@link modifiedCholeskyInPlace}. */
export interface ModifiedCholeskyInfo {
  /** Number of pivots that were increased (0 means A itself was factorised). */
  modified: number;
  /** The largest amount added to a diagonal element. */
  maxAdded: number;
}

/**
 * Gill–Murray–Wright modified Cholesky (Gill, Murray & Wright, "Practical Optimization",
 * 1981, sec. 4.4.2.2): factorises A + E = L D L^T with L unit lower triangular, D > 0 and E a
 * non-negative diagonal that is zero when A is safely positive definite. Pivots are
 * `d_j = max(|c_jj|, theta_j^2 / beta^2, minPivot * max(gamma + xi, 1))`, where c_jj is the
 * Schur-complement pivot, theta_j the largest |c_ij| below it, gamma/xi the largest diagonal
 * / off-diagonal magnitudes and beta^2 = max(gamma, xi / sqrt(n^2 - 1), eps), which bounds
 * |L_ij| sqrt(d_j) <= beta. For a positive-definite A (and pivots above the floor) E = 0.
 *
 * On return the strict lower triangle of `a` holds L (unit diagonal implied), `d` holds D;
 * the upper triangle of `a` is left untouched. Solve with {@link ldltSolve}. No allocation
 * when `work` (length >= n) is provided.
 *
 * @example
 * ```ts
 * const a = Float64Array.of(1, 2, 2, 1); // indefinite
 * const d = new Float64Array(2);
 * modifiedCholeskyInPlace(a, 2, d); // { modified: 2, ... }: a descent-safe factorisation
 * ```
 */
export function modifiedCholeskyInPlace(
  a: Float64Array,
  n: number,
  d: Float64Array,
  minPivot = 1e-10,
  work?: Float64Array,
): ModifiedCholeskyInfo {
  const tmp = work ?? new Float64Array(n);
  let gamma = 0;
  let xi = 0;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    const v = Math.abs(a[ri + i]);
    if (v > gamma) gamma = v;
    for (let j = 0; j < i; j++) {
      const w = Math.abs(a[ri + j]);
      if (w > xi) xi = w;
    }
  }
  const beta2 = Math.max(gamma, n > 1 ? xi / Math.sqrt(n * n - 1) : 0, 2.220446049250313e-16);
  const delta = minPivot * Math.max(gamma + xi, 1);
  let modified = 0;
  let maxAdded = 0;
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    // tmp_k = L_jk d_k
    let cjj = a[rj + j];
    for (let k = 0; k < j; k++) {
      const l = a[rj + k];
      tmp[k] = l * d[k];
      cjj -= l * tmp[k];
    }
    // c_ij for i > j, stored temporarily in a[i*n + j]
    let theta = 0;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= a[ri + k] * tmp[k];
      a[ri + j] = s;
      const as = Math.abs(s);
      if (as > theta) theta = as;
    }
    let dj = Math.abs(cjj);
    const t2 = (theta * theta) / beta2;
    if (t2 > dj) dj = t2;
    if (delta > dj) dj = delta;
    if (!Number.isFinite(dj)) dj = NaN;
    if (dj !== cjj) {
      modified++;
      const added = dj - cjj;
      if (added > maxAdded) maxAdded = added;
    }
    d[j] = dj;
    const inv = 1 / dj;
    for (let i = j + 1; i < n; i++) a[i * n + j] *= inv;
  }
  return { modified, maxAdded };
}

/**
 * Solves L D L^T x = b with the output of {@link modifiedCholeskyInPlace} and returns
 * b^T (L D L^T)^{-1} b (for b = -gradient this is twice the Newton decrement). `x` may alias
 * `b`.
 *
 * @example
 * ```ts
 * const quad = ldltSolve(a, d, n, b, x); // x = (L D L^T)^{-1} b
 * ```
 */
export function ldltSolve(l: Float64Array, d: Float64Array, n: number, b: ArrayLike<number>, x: Float64Array): number {
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[ri + k] * x[k];
    x[i] = s;
  }
  let quad = 0;
  for (let i = 0; i < n; i++) {
    quad += (x[i] * x[i]) / d[i];
    x[i] /= d[i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
    x[i] = s;
  }
  return quad;
}

/** An LU factorisation with partial pivoting, from {@link luFactor}. */
export interface LuFactorization {
  /** L (unit, strictly below the diagonal) and U (on and above), row-major n x n. */
  lu: Float64Array;
  /** Row permutation: row i of P A is row perm[i] of A. */
  perm: Int32Array;
  n: number;
  /** False when a zero (or non-finite) pivot was met: A is singular to working precision. */
  ok: boolean;
}

/**
 * LU factorisation P A = L U with partial pivoting, for general (non-symmetric or indefinite)
 * square systems.
 *
 * @example
 * ```ts
 * const f = luFactor(Float64Array.of(0, 1, 1, 0), 2);
 * luSolve(f, [2, 3]); // [3, 2]
 * ```
 */
export function luFactor(a: ArrayLike<number>, n: number): LuFactorization {
  const lu = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) lu[i] = a[i];
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  let ok = true;
  for (let j = 0; j < n; j++) {
    let p = j;
    let best = Math.abs(lu[j * n + j]);
    for (let i = j + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + j]);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (!(best > 0) || !Number.isFinite(best)) {
      ok = false;
      continue;
    }
    if (p !== j) {
      for (let k = 0; k < n; k++) {
        const t = lu[j * n + k];
        lu[j * n + k] = lu[p * n + k];
        lu[p * n + k] = t;
      }
      const t = perm[j];
      perm[j] = perm[p];
      perm[p] = t;
    }
    const inv = 1 / lu[j * n + j];
    for (let i = j + 1; i < n; i++) {
      const f = (lu[i * n + j] *= inv);
      if (f === 0) continue;
      for (let k = j + 1; k < n; k++) lu[i * n + k] -= f * lu[j * n + k];
    }
  }
  return { lu, perm, n, ok };
}

/**
 * Solves A X = B with an LU factorisation; B is n x m row-major (m = 1 for a vector).
 *
 * @throws NumericalError when the factorisation found A singular.
 *
 * @example
 * ```ts
 * luSolve(luFactor(a, n), b); // A^{-1} b
 * ```
 */
export function luSolve(f: LuFactorization, B: ArrayLike<number>, m = 1): Float64Array {
  const { lu, perm, n } = f;
  if (!f.ok) throw new NumericalError('matrix is singular to working precision (zero pivot in LU)');
  const X = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let c = 0; c < m; c++) X[i * m + c] = B[perm[i] * m + c];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) {
      const l = lu[i * n + k];
      if (l === 0) continue;
      for (let c = 0; c < m; c++) X[i * m + c] -= l * X[k * m + c];
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const u = lu[i * n + k];
      if (u === 0) continue;
      for (let c = 0; c < m; c++) X[i * m + c] -= u * X[k * m + c];
    }
    const inv = 1 / lu[i * n + i];
    for (let c = 0; c < m; c++) X[i * m + c] *= inv;
  }
  return X;
}

/**
 * Solves the general square system A X = B (B n x m row-major, default m = 1) by LU with
 * partial pivoting.
 *
 * @throws NumericalError when A is singular to working precision.
 *
 * @example
 * ```ts
 * solveLinear(Float64Array.of(0, 1, 1, 0), 2, [2, 3]); // [3, 2]
 * ```
 */
export function solveLinear(a: ArrayLike<number>, n: number, B: ArrayLike<number>, m = 1): Float64Array {
  return luSolve(luFactor(a, n), B, m);
}

/**
 * y = A x for a row-major n x n matrix.
 *
 * @example
 * ```ts
 * matVec(Float64Array.of(1, 2, 3, 4), 2, [1, 1]); // [3, 7]
 * ```
 */
export function matVec(a: ArrayLike<number>, n: number, x: ArrayLike<number>, out?: Float64Array): Float64Array {
  const y = out ?? new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const ri = i * n;
    for (let j = 0; j < n; j++) s += a[ri + j] * x[j];
    y[i] = s;
  }
  return y;
}
