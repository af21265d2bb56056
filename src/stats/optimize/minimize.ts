/**
 * A bounded Newton minimiser for smooth float64 objectives with exact gradient and Hessian,
 * built for HistFactory twice-negative-log-likelihoods (2NLL), whose curvatures can span many
 * orders of magnitude (1 to 1e12 in published workspaces).
 *
 * Algorithm — projected Newton with an epsilon-active set (D. P. Bertsekas, "Projected Newton
 * methods for optimization problems with simple constraints", SIAM J. Control Optim. 20 (1982)
 * 221), in diagonally scaled variables:
 *
 * 1. Scale: s_i = sqrt(|H_ii|) (1 when H_ii = 0), so in y = s x the Hessian has unit diagonal
 *    and the curvature spread is removed.
 * 2. Active set: with w = || s (x - P(x - g / s^2)) ||_inf (the scaled projected-gradient step) and
 *    eps = min(1e-3, w), parameter i is active when it is within eps (scaled) of a bound and
 *    its gradient pushes it out of the box. All other non-fixed parameters are free (F).
 * 3. Direction: on F the Newton step of the scaled Hessian, factorised by the Gill–Murray–
 *    Wright modified Cholesky (no change when positive definite; a safe descent direction when
 *    not); free parameters sitting on a bound that the step would push out are held there
 *    and the step is recomputed (up to 4 times). Active parameters take the diagonal step
 *    -g_i / s_i^2 (which the projection stops at the bound).
 * 4. Predicted decrease: pred = g_F^T H_FF^{-1} g_F / 2 (the Newton decrement) plus
 *    sum_{active} g_i (x_i - P(x_i - g_i / s_i^2)).
 * 5. Convergence: pred <= tolerance. The final (tiny) projected Newton step is still taken
 *    when it does not raise the objective beyond rounding, so (Newton converging
 *    quadratically) the decrement left at the returned point is typically far below the
 *    tolerance. If that step moves epsilon-active parameters onto their bounds, its free part
 *    is re-solved for those moves (as in 6.) and up to 3 more iterations are made.
 * 6. Line search along the projection arc x(a) = P(x + a d). When active parameters move,
 *    the free part is first re-solved for the quadratic model with those moves,
 *    d_F = -H_FF^{-1} (g_F + H_FA d_A) (same factorisation; this avoids zig-zagging between
 *    faces near degenerate bounds), falling back to the plain step of 3. Acceptance: Armijo
 *    f(x(a)) <= f(x) + 1e-4 g^T (x(a) - x), backtracking by safeguarded quadratic
 *    interpolation (factor in [0.1, 0.5]); a non-finite value or gradient is a failed trial
 *    (factor 0.25) and is never accepted. When pred is below what f can resolve
 *    (1e3 * eps_mach * |f|) the full step is accepted unless f rises beyond that level; when
 *    pred <= 1e-8 max(1, |f|) (where f differences can be dominated by rounding inside the
 *    objective) a full step that raises f by no more than that and halves the scaled
 *    projected gradient is accepted too.
 * 7. If the Newton arc fails, the scaled projected-gradient direction -g / s^2 is tried; if
 *    that fails too the run stops as 'converged' when pred is at the rounding level of f or
 *    no representable point along the directions differs from x, else as
 *    'line-search-failed'. Five successive iterations with pred and the achieved decrease both
 *    at the rounding level of f also stop as 'converged'.
 *
 * Cost per iteration: one evaluation with Hessian (more when backtracking), one O(|F|^3 / 3)
 * factorisation; buffers are allocated once per call.
 *
 * @packageDocumentation
 */

import { NumericalError } from '../errors.js';
import { ldltSolve, modifiedCholeskyInPlace, inverseSymmetricPositiveDefinite } from './linalg.js';

/** A smooth objective with exact first and second derivatives. */
export interface SmoothObjective {
  /**
   * Value, gradient (length n) and, when wanted, the Hessian (row-major n*n) at x.
   * The minimiser copies what it needs, so the objective may reuse its output buffers.
   * It must not keep or modify `x`.
   */
  evaluate(x: Float64Array, wantHessian: boolean): { value: number; gradient: Float64Array; hessian?: Float64Array };
}

/** Options of {@link minimize}. */
export interface MinimizeOptions {
  /** Starting point (clipped into the box for non-fixed parameters). */
  x0: ArrayLike<number>;
  /** Lower bounds (may be -Infinity). */
  lower: ArrayLike<number>;
  /** Upper bounds (may be +Infinity). */
  upper: ArrayLike<number>;
  /** Parameters held exactly at x0 (not clipped, not moved). */
  fixed?: ArrayLike<boolean>;
  /** Maximum number of Newton iterations (default 200). */
  maxIterations?: number;
  /**
   * Convergence tolerance on the predicted decrease of the objective (the Newton decrement
   * g_F^T H_FF^{-1} g_F / 2 plus the bound terms), in units of the objective; default 1e-10,
   * meant for 2NLL (where 1 unit is one standard deviation squared).
   */
  tolerance?: number;
}

/** How {@link minimize} stopped. */
export type MinimizeStatus = 'converged' | 'max-iterations' | 'line-search-failed' | 'non-finite';

/** Result of {@link minimize}. */
export interface MinimizeResult {
  /** The final point. */
  x: Float64Array;
  /** f(x). */
  value: number;
  /** The gradient at x. */
  gradient: Float64Array;
  /** The Hessian at x, full n*n row-major. */
  hessian: Float64Array;
  /** Newton iterations taken. */
  iterations: number;
  /** Calls of `objective.evaluate`. */
  evaluations: number;
  status: MinimizeStatus;
  /** `status === 'converged'`. */
  converged: boolean;
  /**
   * Inf-norm of the gradient over the non-fixed parameters that are not held at a bound by
   * the sign of their gradient (i.e. excluding x_i = lower_i with g_i > 0 and x_i = upper_i
   * with g_i < 0). Zero at an exact KKT point.
   */
  projectedGradientNorm: number;
  /**
   * g_F^T H_FF^{-1} g_F / 2 at x over the same free set (H_FF modified by the Gill–Murray–
   * Wright Cholesky if it is not positive definite): the decrease a further Newton step would
   * predict.
   */
  newtonDecrement: number;
  /** Per parameter: non-fixed, on a bound, and the gradient does not point into the box. */
  activeBounds: boolean[];
}

const EPS = 2.220446049250313e-16;
const ARMIJO = 1e-4;
const ACTIVE_EPS = 1e-3;
const ROUNDOFF_FACTOR = 1e3;
const MAX_LINE_SEARCH = 40;
const MAX_REFINE = 4;
/** Extra iterations allowed after a final step that moved epsilon-active parameters. */
const MAX_FINAL_ROUNDS = 3;
const MIN_PIVOT = 1e-10;
/** Relative size of f changes below which a gradient-halving full step may be accepted. */
const NOISE_REL = 1e-8;
const ACCEPTED = 0;
const NO_MOVE = 1;
const FAILED = 2;

function allFinite(v: Float64Array, len: number): boolean {
  for (let i = 0; i < len; i++) if (!Number.isFinite(v[i])) return false;
  return true;
}

/**
 * Minimises a smooth objective over a box by projected Newton with exact Hessians (see the
 * module documentation for the algorithm). Fixed parameters stay exactly at x0. Never
 * accepts a point where the objective or its gradient is not finite. The status is reported
 * honestly: `converged` is true only when the predicted decrease fell below `tolerance` (or
 * below the rounding level of f when no further decrease could be resolved).
 *
 * @throws RangeError when the arrays have inconsistent lengths, a bound pair is inverted, or
 *   x0 is not finite.
 *
 * @example
 * ```ts
 * // minimise (x-2)^2 + 10 (y+1)^2 over [0, 1] x [-5, 5]: solution (1, -1)
 * const res = minimize(
 *   {
 *     evaluate(x, wantHessian) {
 *       const value = (x[0] - 2) ** 2 + 10 * (x[1] + 1) ** 2;
 *       const gradient = Float64Array.of(2 * (x[0] - 2), 20 * (x[1] + 1));
 *       return { value, gradient, hessian: wantHessian ? Float64Array.of(2, 0, 0, 20) : undefined };
 *     },
 *   },
 *   { x0: [0.5, 0], lower: [0, -5], upper: [1, 5] },
 * );
 * res.x; // Float64Array [1, -1]; res.activeBounds = [true, false]
 * ```
 */
export function minimize(objective: SmoothObjective, options: MinimizeOptions): MinimizeResult {
  const n = options.x0.length;
  const { lower, upper } = options;
  if (lower.length !== n || upper.length !== n) {
    throw new RangeError(`minimize: x0 has ${n} entries, lower ${lower.length}, upper ${upper.length}`);
  }
  if (options.fixed !== undefined && options.fixed.length !== n) {
    throw new RangeError(`minimize: x0 has ${n} entries, fixed ${options.fixed.length}`);
  }
  const maxIterations = options.maxIterations ?? 200;
  const tol = options.tolerance ?? 1e-10;

  const isFixed = new Uint8Array(n);
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    isFixed[i] = options.fixed?.[i] ? 1 : 0;
    lo[i] = lower[i];
    hi[i] = upper[i];
    const v = options.x0[i];
    if (!Number.isFinite(v)) throw new RangeError(`minimize: x0[${i}] = ${v} is not finite`);
    if (!isFixed[i]) {
      if (!(lo[i] <= hi[i])) throw new RangeError(`minimize: bounds of parameter ${i} are [${lo[i]}, ${hi[i]}]`);
      x[i] = v < lo[i] ? lo[i] : v > hi[i] ? hi[i] : v;
    } else x[i] = v;
  }

  // Buffers (allocated once per call).
  let g = new Float64Array(n);
  let H = new Float64Array(n * n);
  const xt = new Float64Array(n);
  let gt = new Float64Array(n);
  let Ht = new Float64Array(n * n);
  const s = new Float64Array(n);
  const dir = new Float64Array(n);
  const active = new Uint8Array(n);
  const freeIdx = new Int32Array(n);
  const M = new Float64Array(n * n);
  const dpiv = new Float64Array(n);
  const rhs = new Float64Array(n);
  const sol = new Float64Array(n);
  const work = new Float64Array(n);
  const savedDir = new Float64Array(n);

  let evaluations = 0;
  let f = NaN;
  let ft = NaN;
  let trialHasHessian = false;

  /** Evaluates at p into (ft, gt, Ht); returns true when value and gradient are finite. */
  const evalTrial = (p: Float64Array, wantHessian: boolean): boolean => {
    evaluations++;
    const r = objective.evaluate(p, wantHessian);
    ft = r.value;
    const rg = r.gradient;
    for (let i = 0; i < n; i++) gt[i] = rg[i];
    trialHasHessian = false;
    if (wantHessian && r.hessian !== undefined) {
      const rh = r.hessian;
      for (let i = 0; i < n * n; i++) Ht[i] = rh[i];
      trialHasHessian = true;
    }
    return Number.isFinite(ft) && allFinite(gt, n);
  };
  const acceptTrial = (): void => {
    x.set(xt);
    let t = g;
    g = gt;
    gt = t;
    f = ft;
    if (trialHasHessian) {
      t = H;
      H = Ht;
      Ht = t;
    }
  };
  /** Makes sure H holds the Hessian at x. */
  const hessianAtX = (): boolean => {
    evaluations++;
    const r = objective.evaluate(x, true);
    if (r.hessian === undefined) throw new NumericalError('minimize: objective returned no Hessian when asked for one');
    const rh = r.hessian;
    for (let i = 0; i < n * n; i++) H[i] = rh[i];
    f = r.value;
    const rg = r.gradient;
    for (let i = 0; i < n; i++) g[i] = rg[i];
    return Number.isFinite(f) && allFinite(g, n) && allFinite(H, n * n);
  };

  let status: MinimizeStatus = 'max-iterations';
  let iterations = 0;

  // Initial evaluation.
  xt.set(x);
  const okStart = evalTrial(xt, true);
  f = ft;
  g.set(gt);
  if (trialHasHessian) H.set(Ht);
  else if (okStart) throw new NumericalError('minimize: objective returned no Hessian when asked for one');
  if (!okStart || !allFinite(H, n * n)) {
    status = 'non-finite';
    return finish();
  }

  let roundoffStreak = 0;
  let finalRounds = 0;
  let mFree = 0;

  for (iterations = 0; iterations < maxIterations; ) {
    // 1. scales
    for (let i = 0; i < n; i++) {
      const h = Math.abs(H[i * n + i]);
      s[i] = h > 0 ? Math.sqrt(h) : 1;
    }
    // 2. epsilon-active set
    let w = 0;
    for (let i = 0; i < n; i++) {
      if (isFixed[i]) continue;
      const step = g[i] / (s[i] * s[i]);
      let xp = x[i] - step;
      xp = xp < lo[i] ? lo[i] : xp > hi[i] ? hi[i] : xp;
      const r = Math.abs(s[i] * (x[i] - xp));
      if (r > w) w = r;
    }
    const epsK = Math.min(ACTIVE_EPS, w);
    for (let i = 0; i < n; i++) {
      active[i] = 0;
      if (isFixed[i]) continue;
      if (g[i] > 0 && (x[i] - lo[i]) * s[i] <= epsK) active[i] = 1;
      else if (g[i] < 0 && (hi[i] - x[i]) * s[i] <= epsK) active[i] = 1;
    }
    // 3. Newton direction on the free set (with refinement of bound-blocked parameters)
    let decF = 0;
    for (let round = 0; ; round++) {
      decF = newtonOnFree();
      let changed = false;
      if (round < MAX_REFINE) {
        for (let i = 0; i < n; i++) {
          if (isFixed[i] || active[i]) continue;
          if ((x[i] <= lo[i] && dir[i] < 0) || (x[i] >= hi[i] && dir[i] > 0)) {
            active[i] = 2; // held at its bound for this step (its gradient points inward)
            changed = true;
          }
        }
      }
      if (!changed) break;
    }
    let predA = 0;
    for (let i = 0; i < n; i++) {
      if (isFixed[i]) {
        dir[i] = 0;
        continue;
      }
      if (!active[i]) continue;
      if (active[i] === 2) {
        dir[i] = 0;
        continue;
      }
      const di = -g[i] / (s[i] * s[i]);
      dir[i] = di;
      let xp = x[i] + di;
      xp = xp < lo[i] ? lo[i] : xp > hi[i] ? hi[i] : xp;
      predA += g[i] * (x[i] - xp);
    }
    const pred = decF + predA;
    const roundoff = ROUNDOFF_FACTOR * EPS * Math.abs(f);
    iterations++;

    // 5. convergence: take the final small step if it does not make things worse; when that
    // step moved epsilon-active parameters onto their bounds, the Newton step of the others
    // used a stale gradient, so iterate once more from the new point.
    if (pred <= tol) {
      let again = false;
      if (coupleFreeStep()) again = finalRounds++ < MAX_FINAL_ROUNDS;
      let moved = false;
      if (projectStep(1)) {
        const noiseLevel = NOISE_REL * Math.max(1, Math.abs(f));
        if (
          evalTrial(xt, true) &&
          (ft <= f + roundoff || (ft <= f + noiseLevel && gradientMeasure(xt, gt) <= 0.5 * gradientMeasure(x, g)))
        ) {
          acceptTrial();
          moved = true;
          if (!(trialHasHessian ? allFinite(H, n * n) : hessianAtX())) {
            status = 'non-finite';
            break;
          }
        }
      }
      if (again && moved && iterations < maxIterations) continue;
      status = 'converged';
      break;
    }

    // 6. line search along the Newton projection arc
    // When epsilon-active parameters move, first try the step whose free part is re-solved for
    // those moves (avoids zig-zagging between faces); else the plain projected Newton step.
    let outcome = FAILED;
    savedDir.set(dir);
    if (coupleFreeStep()) {
      outcome = lineSearch(Infinity, roundoff);
      if (outcome !== ACCEPTED) dir.set(savedDir);
    }
    if (outcome !== ACCEPTED) outcome = lineSearch(pred, roundoff);
    if (outcome !== ACCEPTED) {
      // 7. scaled projected-gradient fallback
      for (let i = 0; i < n; i++) dir[i] = isFixed[i] ? 0 : -g[i] / (s[i] * s[i]);
      const pg = lineSearch(Infinity, roundoff);
      if (pg === ACCEPTED || outcome === FAILED) outcome = pg;
    }
    if (outcome !== ACCEPTED) {
      // NO_MOVE: no representable point along either direction differs from x, i.e. x is
      // stationary to machine precision.
      status = outcome === NO_MOVE || pred <= roundoff ? 'converged' : 'line-search-failed';
      break;
    }
    const fPrev = f;
    acceptTrial();
    if (!(trialHasHessian ? allFinite(H, n * n) : hessianAtX())) {
      status = 'non-finite';
      break;
    }
    // stalled at the rounding level of f: pred below what f resolves for several iterations
    if (pred <= roundoff && fPrev - f <= roundoff) {
      roundoffStreak++;
      if (roundoffStreak >= 5) {
        status = 'converged';
        break;
      }
    } else roundoffStreak = 0;
  }

  return finish();

  // ----- helpers (function declarations are hoisted; they close over the state above) -----

  /**
   * Builds the scaled Hessian on the free set, factorises it (GMW) and writes the Newton
   * step into dir for free parameters. Returns the Newton decrement g_F^T M^-1 g_F / 2.
   */
  function newtonOnFree(): number {
    let m = 0;
    for (let i = 0; i < n; i++) if (!isFixed[i] && !active[i]) freeIdx[m++] = i;
    mFree = m;
    if (m === 0) return 0;
    for (let a = 0; a < m; a++) {
      const i = freeIdx[a];
      const si = s[i];
      const ri = i * n;
      for (let b = 0; b <= a; b++) {
        const j = freeIdx[b];
        M[a * m + b] = H[ri + j] / (si * s[j]);
      }
      rhs[a] = -g[i] / si;
    }
    modifiedCholeskyInPlace(M, m, dpiv, MIN_PIVOT, work);
    const quad = ldltSolve(M, dpiv, m, rhs, sol);
    for (let a = 0; a < m; a++) {
      const i = freeIdx[a];
      dir[i] = sol[a] / s[i];
    }
    return quad / 2;
  }

  /**
   * Re-solves the free part of the step for the quadratic model with the active parameters
   * moved by their (clipped) full steps: d_F = -H_FF^{-1} (g_F + H_FA d_A), reusing the
   * factorisation left by the last newtonOnFree(). Returns false when no active parameter
   * moves (the step is unchanged).
   */
  function coupleFreeStep(): boolean {
    let anyMove = false;
    for (let i = 0; i < n; i++) {
      work[i] = 0;
      if (active[i] !== 1) continue;
      let v = x[i] + dir[i];
      v = v < lo[i] ? lo[i] : v > hi[i] ? hi[i] : v;
      work[i] = v - x[i];
      if (work[i] !== 0) anyMove = true;
    }
    const m = mFree;
    if (!anyMove || m === 0) return false;
    for (let a = 0; a < m; a++) {
      const i = freeIdx[a];
      const ri = i * n;
      let r = g[i];
      for (let j = 0; j < n; j++) if (work[j] !== 0) r += H[ri + j] * work[j];
      rhs[a] = -r / s[i];
    }
    ldltSolve(M, dpiv, m, rhs, sol);
    for (let a = 0; a < m; a++) {
      const i = freeIdx[a];
      dir[i] = sol[a] / s[i];
    }
    return true;
  }

  /** xt = P(x + alpha dir); returns false when xt equals x. */
  function projectStep(alpha: number): boolean {
    let moved = false;
    for (let i = 0; i < n; i++) {
      if (isFixed[i]) {
        xt[i] = x[i];
        continue;
      }
      let v = x[i] + alpha * dir[i];
      v = v < lo[i] ? lo[i] : v > hi[i] ? hi[i] : v;
      xt[i] = v;
      if (v !== x[i]) moved = true;
    }
    return moved;
  }

  /**
   * Backtracking Armijo search along P(x + alpha dir). `pred` is the predicted decrease of the
   * full step (Infinity to disable the rounding-level acceptance). Returns ACCEPTED (xt, ft,
   * gt[, Ht] then hold the accepted trial), NO_MOVE (the full step does not change x) or
   * FAILED.
   */
  function lineSearch(pred: number, roundoff: number): number {
    let alpha = 1;
    const noiseLevel = NOISE_REL * Math.max(1, Math.abs(f));
    const gradNow = pred <= noiseLevel ? gradientMeasure(x, g) : 0;
    for (let k = 0; k < MAX_LINE_SEARCH; k++) {
      if (!projectStep(alpha)) return k === 0 ? NO_MOVE : FAILED;
      let gdx = 0;
      for (let i = 0; i < n; i++) gdx += g[i] * (xt[i] - x[i]);
      if (!(gdx < 0) && !(k === 0 && pred <= roundoff)) {
        // not a descent step: shrink (the projection arc is a descent path for small alpha)
        alpha *= 0.25;
        continue;
      }
      const finite = evalTrial(xt, k === 0);
      if (finite) {
        if (ft <= f + ARMIJO * gdx && ft < f) return ACCEPTED;
        if (k === 0 && pred <= roundoff && ft <= f + roundoff) return ACCEPTED;
        if (k === 0 && pred <= noiseLevel && ft <= f + noiseLevel && gradientMeasure(xt, gt) <= 0.5 * gradNow) {
          // f differences this small may be dominated by rounding in the objective: accept a
          // full step that does not raise f beyond that level and halves the gradient.
          return ACCEPTED;
        }
        // quadratic interpolation of phi(t) = f(x(t alpha)), phi'(0) ~ gdx
        const denom = 2 * (ft - f - gdx);
        let factor = denom > 0 ? -gdx / denom : 0.5;
        if (!(factor >= 0.1)) factor = 0.1;
        else if (factor > 0.5) factor = 0.5;
        alpha *= factor;
      } else {
        alpha *= 0.25;
      }
    }
    return FAILED;
  }

  /**
   * || g_i / s_i ||_2 over non-fixed parameters not held at a bound by their gradient, at the
   * point p with gradient gp (scales s from the current iterate).
   */
  function gradientMeasure(p: Float64Array, gp: Float64Array): number {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      if (isFixed[i]) continue;
      if ((p[i] <= lo[i] && gp[i] > 0) || (p[i] >= hi[i] && gp[i] < 0)) continue;
      const r = gp[i] / s[i];
      sum += r * r;
    }
    return Math.sqrt(sum);
  }

  function finish(): MinimizeResult {
    const activeBounds: boolean[] = new Array<boolean>(n);
    let pgn = 0;
    for (let i = 0; i < n; i++) {
      active[i] = 0;
      activeBounds[i] = false;
      if (isFixed[i]) continue;
      const held = (x[i] <= lo[i] && g[i] >= 0) || (x[i] >= hi[i] && g[i] <= 0);
      if (held) {
        activeBounds[i] = true;
        active[i] = 1;
        continue;
      }
      const a = Math.abs(g[i]);
      if (!(a <= pgn)) pgn = a;
    }
    let dec = NaN;
    if (Number.isFinite(f) && allFinite(g, n) && allFinite(H, n * n)) {
      for (let i = 0; i < n; i++) {
        const h = Math.abs(H[i * n + i]);
        s[i] = h > 0 ? Math.sqrt(h) : 1;
      }
      dec = newtonOnFree();
    }
    return {
      x: Float64Array.from(x),
      value: f,
      gradient: Float64Array.from(g),
      hessian: Float64Array.from(H),
      iterations,
      evaluations,
      status,
      converged: status === 'converged',
      projectedGradientNorm: pgn,
      newtonDecrement: dec,
      activeBounds,
    };
  }
}

/**
 * The inverse of the Hessian restricted to the free parameters, embedded in an n x n matrix
 * with zeros in the rows and columns of non-free parameters:
 * `C[F, F] = (H[F, F])^{-1}`, `C = 0` elsewhere.
 * If the objective is a negative log-likelihood (NLL), this is the asymptotic covariance of
 * the MLE; for 2NLL use {@link covarianceFromTwiceNllHessian} (which multiplies by 2).
 *
 * @throws NumericalError when H[F, F] is not positive definite.
 *
 * @example
 * ```ts
 * const res = minimize(nll, opts);
 * const free = res.activeBounds.map((a, i) => !a && !fixed[i]);
 * const cov = inverseHessianCovariance(res.hessian, n, free);
 * ```
 */
export function inverseHessianCovariance(hessian: ArrayLike<number>, n: number, free: ArrayLike<boolean>): Float64Array {
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (free[i]) idx.push(i);
  const m = idx.length;
  const sub = new Float64Array(m * m);
  // Scale to unit diagonal first: better conditioned Cholesky for wildly different curvatures.
  const sc = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    const h = hessian[idx[a] * n + idx[a]];
    if (!(h > 0)) {
      throw new NumericalError(
        `Hessian is not positive definite on the free parameters: diagonal element ${idx[a]} is ${h}`,
      );
    }
    sc[a] = 1 / Math.sqrt(h);
  }
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) sub[a * m + b] = hessian[idx[a] * n + idx[b]] * sc[a] * sc[b];
  }
  const inv = inverseSymmetricPositiveDefinite(sub, m);
  const out = new Float64Array(n * n);
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) out[idx[a] * n + idx[b]] = inv[a * m + b] * sc[a] * sc[b];
  }
  return out;
}

/**
 * Covariance matrix of the MLE from the Hessian of 2NLL (twice the negative log-likelihood):
 * `C[F, F] = 2 (H2nll[F, F])^{-1}`, zeros in rows/columns of non-free (fixed or at-bound)
 * parameters. Uncertainties are `sqrt(C[i * n + i])`.
 *
 * @throws NumericalError when H[F, F] is not positive definite.
 *
 * @example
 * ```ts
 * const res = minimize(twiceNll, opts);
 * const free = res.activeBounds.map((a, i) => !a && !fixed[i]);
 * const cov = covarianceFromTwiceNllHessian(res.hessian, n, free);
 * const sigmaMu = Math.sqrt(cov[poi * n + poi]);
 * ```
 */
export function covarianceFromTwiceNllHessian(
  twiceNllHessian: ArrayLike<number>,
  n: number,
  free: ArrayLike<boolean>,
): Float64Array {
  const c = inverseHessianCovariance(twiceNllHessian, n, free);
  for (let i = 0; i < c.length; i++) c[i] *= 2;
  return c;
}
