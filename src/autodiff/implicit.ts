/**
 * The implicit-function rule for a minimiser `x*(c) = argmin_x f(x; c)` inside a box.
 *
 * At a minimum the gradient with respect to the free components vanishes,
 * `g_F(x*(c); c) = 0`, so `dx*_F/dc = -H_FF^{-1} d2f/(dx_F dc)` and components that are fixed or
 * held at an active bound do not move (`dx*_A/dc = 0`). For a loss `L(x*(c), c)` with cotangent
 * `xbar = dL/dx` this gives one linear solve:
 *
 * `H_FF v_F = xbar_F`, `v_A = 0`, and `dL/dc = dL/dc|_x - v^T d2f/(dx dc)`.
 *
 * {@link implicitAdjoint} returns v; the caller forms `v^T d2f/(dx dc)` with its own mixed
 * derivative (for a HistFactory 2NLL: `twiceNllSensitivities(model, x*, data, v)`).
 * Cost: one Cholesky factorisation of the free block, O(|F|^3 / 3).
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';

export interface ImplicitAdjointOptions {
  /** Hessian of f with respect to x at the minimum, row-major [n, n]. */
  readonly hessian: ArrayLike<number>;
  readonly n: number;
  /** Components free at the minimum (not fixed, not at an active bound). */
  readonly free: ArrayLike<boolean>;
  /** The cotangent dL/dx* [n]. */
  readonly cotangent: ArrayLike<number>;
}

/**
 * Solves `H_FF v_F = xbar_F` (v = 0 off F). Throws a RangeError when the free block is not
 * positive definite (not a strict minimum: the fitted point does not depend smoothly on c).
 *
 * @example
 * ```ts
 * // f = (x - c)^2 / 2 + x^2 / 2: x* = c / 2, H = 2; L = x*: dL/dc = -v * d2f/dxdc = -(1/2)(-1) = 1/2
 * const v = implicitAdjoint({ hessian: [2], n: 1, free: [true], cotangent: [1] }); // [0.5]
 * ```
 */
export function implicitAdjoint(options: ImplicitAdjointOptions): Float64Array {
  const { hessian, n, free, cotangent } = options;
  if (hessian.length !== n * n || free.length !== n || cotangent.length !== n) {
    throw new RangeError(`implicitAdjoint: need hessian [${n}x${n}], free [${n}] and cotangent [${n}], got ${hessian.length}, ${free.length}, ${cotangent.length}`);
  }
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (free[i]) idx.push(i);
  const v = new Float64Array(n);
  if (idx.length === 0) return v;
  const m = idx.length;
  const h = new Matrix(m, m);
  const rhs = new Matrix(m, 1);
  for (let a = 0; a < m; a++) {
    rhs.set(a, 0, cotangent[idx[a]]);
    for (let b = 0; b < m; b++) h.set(a, b, 0.5 * (hessian[idx[a] * n + idx[b]] + hessian[idx[b] * n + idx[a]]));
  }
  const chol = new CholeskyDecomposition(h);
  if (!chol.isPositiveDefinite()) {
    throw new RangeError('implicitAdjoint: the Hessian of the free components is not positive definite (not a strict minimum)');
  }
  const sol = chol.solve(rhs);
  for (let a = 0; a < m; a++) v[idx[a]] = sol.get(a, 0);
  return v;
}
