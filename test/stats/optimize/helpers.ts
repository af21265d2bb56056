/** Test objectives for the minimiser. */
import type { SmoothObjective } from '../../../src/stats/optimize/index.js';

/** Wraps a function and counts evaluations; records whether a non-finite point was accepted. */
export function counted(obj: SmoothObjective): SmoothObjective & { calls: number } {
  const wrapped = {
    calls: 0,
    evaluate(x: Float64Array, wantHessian: boolean) {
      wrapped.calls++;
      return obj.evaluate(x, wantHessian);
    },
  };
  return wrapped;
}

/** f(x) = 1/2 (x - c)^T A (x - c) + k. */
export function quadratic(A: ArrayLike<number>, c: ArrayLike<number>, k = 0): SmoothObjective {
  const n = c.length;
  return {
    evaluate(x, wantHessian) {
      const r = new Float64Array(n);
      for (let i = 0; i < n; i++) r[i] = x[i] - c[i];
      const gradient = new Float64Array(n);
      let value = k;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += A[i * n + j] * r[j];
        gradient[i] = s;
        value += 0.5 * r[i] * s;
      }
      return { value, gradient, hessian: wantHessian ? Float64Array.from(A) : undefined };
    },
  };
}

/** Rosenbrock (1 - x)^2 + 100 (y - x^2)^2. */
export const rosenbrock: SmoothObjective = {
  evaluate(p, wantHessian) {
    const x = p[0];
    const y = p[1];
    const value = (1 - x) ** 2 + 100 * (y - x * x) ** 2;
    const gradient = Float64Array.of(-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x));
    const hessian = wantHessian ? Float64Array.of(2 - 400 * y + 1200 * x * x, -400 * x, -400 * x, 200) : undefined;
    return { value, gradient, hessian };
  },
};

/**
 * A HistFactory-like 2NLL: bins j with expected nu_j = gamma_j (s_j mu + b_j), observed n_j,
 * and Poisson constraints Pois(tau_j | tau_j gamma_j) (shapesys-like; curvature ~2 tau_j).
 * Parameters: [mu, gamma_0..gamma_{m-1}].
 */
export function histfactoryLike(s: number[], b: number[], nObs: number[], tau: number[]): SmoothObjective {
  const m = s.length;
  const n = m + 1;
  return {
    evaluate(x, wantHessian) {
      const mu = x[0];
      let value = 0;
      const gradient = new Float64Array(n);
      const hessian = wantHessian ? new Float64Array(n * n) : undefined;
      for (let j = 0; j < m; j++) {
        const gam = x[j + 1];
        const B = s[j] * mu + b[j];
        const nu = gam * B;
        // 2 (nu - n log nu) + 2 (tau gam - tau log(tau gam)), minus saturated constants
        value += 2 * (nu - nObs[j] * Math.log(nu)) + 2 * (tau[j] * gam - tau[j] * Math.log(tau[j] * gam));
        const dnu = 2 * (1 - nObs[j] / nu);
        const d2nu = (2 * nObs[j]) / (nu * nu);
        gradient[0] += dnu * gam * s[j];
        gradient[j + 1] += dnu * B + 2 * (tau[j] - tau[j] / gam);
        if (hessian) {
          hessian[0] += d2nu * gam * gam * s[j] * s[j];
          const cross = d2nu * B * gam * s[j] + dnu * s[j];
          hessian[j + 1] += cross;
          hessian[(j + 1) * n] += cross;
          hessian[(j + 1) * n + j + 1] += d2nu * B * B + (2 * tau[j]) / (gam * gam);
        }
      }
      return { value, gradient, hessian };
    },
  };
}

/** A small deterministic PRNG (mulberry32) for reproducible test problems. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A denser HistFactory-like 2NLL with correlated nuisance parameters:
 * nu_j = gamma_j (s_j mu + b_j exp(sum_k alpha_k l_jk)), Gaussian constraints alpha_k^2 and
 * (gamma_j - 1)^2 / sigma_j^2. Parameters: [mu, alpha_0..alpha_{K-1}, gamma_0..gamma_{B-1}].
 */
export function randomHistFactory(
  bins: number,
  nAlpha: number,
  seed: number,
): { objective: SmoothObjective; x0: number[]; lower: number[]; upper: number[] } {
  const rnd = mulberry32(seed);
  const s = Array.from({ length: bins }, () => 1 + 10 * rnd());
  const b = Array.from({ length: bins }, () => 5 + 100 * rnd());
  const l = Array.from({ length: bins * nAlpha }, () => (rnd() - 0.5) * 0.4);
  const sig = Array.from({ length: bins }, () => 0.01 + 0.2 * rnd());
  const nObs = Array.from({ length: bins }, (_, j) => Math.round(b[j] + 0.7 * s[j] + 2 * Math.sqrt(b[j]) * (rnd() - 0.5)));
  const n = 1 + nAlpha + bins;
  const dnu = new Float64Array(n);
  const objective: SmoothObjective = {
    evaluate(x, wantHessian) {
      const mu = x[0];
      let value = 0;
      const gradient = new Float64Array(n);
      const hessian = wantHessian ? new Float64Array(n * n) : undefined;
      for (let k = 0; k < nAlpha; k++) {
        const a = x[1 + k];
        value += a * a;
        gradient[1 + k] += 2 * a;
        if (hessian) hessian[(1 + k) * n + 1 + k] += 2;
      }
      for (let j = 0; j < bins; j++) {
        const gi = 1 + nAlpha + j;
        const gam = x[gi];
        value += ((gam - 1) * (gam - 1)) / (sig[j] * sig[j]);
        gradient[gi] += (2 * (gam - 1)) / (sig[j] * sig[j]);
        if (hessian) hessian[gi * n + gi] += 2 / (sig[j] * sig[j]);
        let e = 0;
        for (let k = 0; k < nAlpha; k++) e += x[1 + k] * l[j * nAlpha + k];
        const bk = b[j] * Math.exp(e);
        const B = s[j] * mu + bk;
        const nu = gam * B;
        value += 2 * (nu - nObs[j] * Math.log(nu));
        const c1 = 2 * (1 - nObs[j] / nu);
        const c2 = (2 * nObs[j]) / (nu * nu);
        dnu.fill(0);
        dnu[0] = gam * s[j];
        for (let k = 0; k < nAlpha; k++) dnu[1 + k] = gam * bk * l[j * nAlpha + k];
        dnu[gi] = B;
        for (let p = 0; p < n; p++) if (dnu[p] !== 0) gradient[p] += c1 * dnu[p];
        if (hessian) {
          for (let p = 0; p < n; p++) {
            if (dnu[p] === 0) continue;
            for (let q = 0; q < n; q++) if (dnu[q] !== 0) hessian[p * n + q] += c2 * dnu[p] * dnu[q];
          }
          // second derivatives of nu
          for (let k = 0; k < nAlpha; k++) {
            for (let k2 = 0; k2 < nAlpha; k2++)
              hessian[(1 + k) * n + 1 + k2] += c1 * gam * bk * l[j * nAlpha + k] * l[j * nAlpha + k2];
            const cross = c1 * bk * l[j * nAlpha + k];
            hessian[(1 + k) * n + gi] += cross;
            hessian[gi * n + 1 + k] += cross;
          }
          hessian[gi] += c1 * s[j];
          hessian[gi * n] += c1 * s[j];
        }
      }
      return { value, gradient, hessian };
    },
  };
  const x0 = [1, ...new Array(nAlpha).fill(0), ...new Array(bins).fill(1)];
  const lower = [0, ...new Array(nAlpha).fill(-5), ...new Array(bins).fill(1e-10)];
  const upper = [10, ...new Array(nAlpha).fill(5), ...new Array(bins).fill(10)];
  return { objective, x0, lower, upper };
}

/** Extended Rosenbrock sum_i (1 - x_i)^2 + 100 (x_{i+1} - x_i^2)^2. */
export function extendedRosenbrock(n: number): SmoothObjective {
  return {
    evaluate(x, wantHessian) {
      let value = 0;
      const gradient = new Float64Array(n);
      const hessian = wantHessian ? new Float64Array(n * n) : undefined;
      for (let i = 0; i < n - 1; i++) {
        const a = 1 - x[i];
        const b = x[i + 1] - x[i] * x[i];
        value += a * a + 100 * b * b;
        gradient[i] += -2 * a - 400 * x[i] * b;
        gradient[i + 1] += 200 * b;
        if (hessian) {
          hessian[i * n + i] += 2 - 400 * b + 800 * x[i] * x[i];
          hessian[i * n + i + 1] += -400 * x[i];
          hessian[(i + 1) * n + i] += -400 * x[i];
          hessian[(i + 1) * n + i + 1] += 200;
        }
      }
      return { value, gradient, hessian };
    },
  };
}
