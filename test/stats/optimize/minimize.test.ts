import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  minimize,
  covarianceFromTwiceNllHessian,
  inverseHessianCovariance,
  type SmoothObjective,
} from '../../../src/stats/optimize/index.js';
import { findRoot } from '../../../src/stats/math/index.js';
import { NumericalError } from '../../../src/stats/errors.js';
import { counted, extendedRosenbrock, histfactoryLike, mulberry32, quadratic, randomHistFactory, rosenbrock } from './helpers.js';

const INF = Infinity;

describe('minimize: quadratics with bounds', () => {
  it('finds the KKT point of a coupled 2-d quadratic with one active upper bound', () => {
    // f = (x-2)^2 + 10 (y+1)^2 + x y over [0,1] x [-5,5]
    // x = 1 (held: df/dx = -2 + y < 0), y solves 20 (y + 1) + 1 = 0 -> y = -1.05
    const obj: SmoothObjective = {
      evaluate(p, wantHessian) {
        const [x, y] = p;
        return {
          value: (x - 2) ** 2 + 10 * (y + 1) ** 2 + x * y,
          gradient: Float64Array.of(2 * (x - 2) + y, 20 * (y + 1) + x),
          hessian: wantHessian ? Float64Array.of(2, 1, 1, 20) : undefined,
        };
      },
    };
    const r = minimize(obj, { x0: [0.5, 0], lower: [0, -5], upper: [1, 5] });
    expect(r.status).toBe('converged');
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBe(1);
    expect(r.x[1]).toBeCloseTo(-1.05, 14);
    expect(r.activeBounds).toEqual([true, false]);
    expect(r.projectedGradientNorm).toBeLessThan(1e-12);
    expect(r.gradient[0]).toBeCloseTo(-3.05, 12);
    expect(Array.from(r.hessian)).toEqual([2, 1, 1, 20]);
  });

  it('handles lower and upper bounds active at once in 4-d (known KKT solution)', () => {
    // f = 1/2 |x - c|^2_A with A = diag(1, 2, 3, 4) + coupling between 2 and 3
    const A = [1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 1, 0, 0, 1, 4];
    const c = [-3, 5, 0.5, 0.2];
    const r = minimize(quadratic(A, c), { x0: [0, 0, 0, 0], lower: [-1, -1, -1, -1], upper: [1, 1, 1, 1] });
    // x0 -> -1 (lower), x1 -> 1 (upper); x2, x3 unconstrained in the box: A_23 block solves
    // [3 1; 1 4] (x - c)_{23} = 0 -> x2 = 0.5, x3 = 0.2
    expect(r.status).toBe('converged');
    expect(Array.from(r.x)).toEqual([-1, 1, expect.closeTo(0.5, 14), expect.closeTo(0.2, 14)]);
    expect(r.activeBounds).toEqual([true, true, false, false]);
    expect(r.gradient[0]).toBeCloseTo(2, 12);
    expect(r.gradient[1]).toBeCloseTo(-8, 12);
  });

  it('solves an unbounded quadratic in one Newton step', () => {
    const A = [4, 1, 1, 3];
    const r = minimize(quadratic(A, [1, 2], 7), { x0: [10, -10], lower: [-INF, -INF], upper: [INF, INF] });
    expect(r.status).toBe('converged');
    expect(r.x[0]).toBeCloseTo(1, 14);
    expect(r.x[1]).toBeCloseTo(2, 14);
    expect(r.value).toBeCloseTo(7, 14);
    expect(r.iterations).toBeLessThanOrEqual(2);
    expect(r.newtonDecrement).toBeLessThan(1e-20);
  });
});

describe('minimize: degenerate bounds', () => {
  it('reaches a corner where the gradient vanishes on the bounds without zig-zagging', () => {
    // A = 0.1 I + b b^T with b = (0.0014, 2.49, -1.95, 0, 0, 0): a narrow valley ending in
    // the corner x = 0 (c = 0), with x2 starting off its bound.
    const n = 6;
    const b = [0.0013651230536634387, 2.491551342803573, -1.9465033143823063, 0, 0, 0];
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = (i === j ? 0.1 : 0) + b[i] * b[j];
    const lower = [-4.0802175987476115e-17, 0, 0, 0, 0, 0];
    const upper = [0.01, 0.01, 0.0818, 0.01, 0.01, 0.01];
    const r = minimize(quadratic(A, new Array(n).fill(0)), { x0: [lower[0], 0, 2.7309e-4, 0, 0, 0], lower, upper });
    expect(r.status).toBe('converged');
    expect(r.iterations).toBeLessThan(15);
    expect(r.value).toBeLessThan(1e-20);
    for (let i = 0; i < n; i++) expect(Math.abs(r.x[i] - Math.max(0, lower[i]))).toBeLessThan(1e-10);
  });
});

describe('minimize: Rosenbrock', () => {
  it('converges to (1, 1) from (-1.2, 1)', () => {
    const r = minimize(rosenbrock, { x0: [-1.2, 1], lower: [-INF, -INF], upper: [INF, INF] });
    expect(r.status).toBe('converged');
    expect(r.x[0]).toBeCloseTo(1, 10);
    expect(r.x[1]).toBeCloseTo(1, 10);
    expect(r.value).toBeLessThan(1e-20);
    expect(r.iterations).toBeLessThan(60);
  });

  it('converges to (0.5, 0.25) with x <= 0.5 active', () => {
    const r = minimize(rosenbrock, { x0: [-1.2, 1], lower: [-2, -2], upper: [0.5, 2] });
    expect(r.status).toBe('converged');
    expect(r.x[0]).toBe(0.5);
    expect(r.x[1]).toBeCloseTo(0.25, 12);
    expect(r.activeBounds).toEqual([true, false]);
    expect(r.value).toBeCloseTo(0.25, 12);
    expect(r.gradient[0]).toBeLessThan(0);
  });

  it('reports max-iterations honestly', () => {
    const r = minimize(rosenbrock, { x0: [-1.2, 1], lower: [-INF, -INF], upper: [INF, INF], maxIterations: 3 });
    expect(r.status).toBe('max-iterations');
    expect(r.converged).toBe(false);
    expect(r.iterations).toBe(3);
    // the returned Hessian belongs to the returned point
    expect(Array.from(r.hessian)).toEqual(Array.from(rosenbrock.evaluate(r.x, true).hessian!));
    expect(r.value).toBe(rosenbrock.evaluate(r.x, false).value);
  });
});

describe('minimize: badly conditioned problems', () => {
  it('converges on a separable problem with curvatures from 1 to 1e12 (exact solution known)', () => {
    // f = sum_i c_i (x_i - t_i)^2 + 2 (a_i x_i - m_i log(a_i x_i)); stationary point solves
    // c x^2 + (a - c t) x - m = 0.
    const N = 13;
    const c = Array.from({ length: N }, (_, i) => 10 ** i);
    const t = Array.from({ length: N }, (_, i) => 1 + 0.1 * Math.sin(i));
    const a = Array.from({ length: N }, (_, i) => 1 + 0.5 * Math.cos(i));
    const m = Array.from({ length: N }, (_, i) => 3 + i);
    const obj: SmoothObjective = {
      evaluate(x, wantHessian) {
        let value = 0;
        const gradient = new Float64Array(N);
        const hessian = wantHessian ? new Float64Array(N * N) : undefined;
        for (let i = 0; i < N; i++) {
          value += c[i] * (x[i] - t[i]) ** 2 + 2 * (a[i] * x[i] - m[i] * Math.log(a[i] * x[i]));
          gradient[i] = 2 * c[i] * (x[i] - t[i]) + 2 * a[i] - (2 * m[i]) / x[i];
          if (hessian) hessian[i * N + i] = 2 * c[i] + (2 * m[i]) / (x[i] * x[i]);
        }
        return { value, gradient, hessian };
      },
    };
    const r = minimize(obj, { x0: new Array(N).fill(0.3), lower: new Array(N).fill(1e-10), upper: new Array(N).fill(10) });
    expect(r.status).toBe('converged');
    for (let i = 0; i < N; i++) {
      // numerically stable root of c x^2 + (a - c t) x - m = 0
      const B = a[i] - c[i] * t[i];
      const disc = Math.sqrt(B * B + 4 * c[i] * m[i]);
      const exact = B < 0 ? (-B + disc) / (2 * c[i]) : (2 * m[i]) / (B + disc);
      expect(Math.abs(r.x[i] - exact)).toBeLessThan(1e-8 * Math.max(1, Math.abs(exact)));
    }
  });

  it('converges on a coupled HistFactory-like model with shapesys tau from 1 to 1e12', () => {
    const m = 13;
    const s = Array.from({ length: m }, (_, j) => 2 + j);
    const b = Array.from({ length: m }, (_, j) => 50 + 7 * j);
    const nObs = Array.from({ length: m }, (_, j) => Math.round(b[j] + 1.3 * s[j] + 5 * Math.sin(j)));
    const tau = Array.from({ length: m }, (_, j) => 10 ** j);
    const obj = counted(histfactoryLike(s, b, nObs, tau));
    // pyhf's start point: mu = 1, gamma = 1
    const x0 = new Array(m + 1).fill(1);
    const r = minimize(obj, { x0, lower: [0, ...new Array(m).fill(1e-10)], upper: [10, ...new Array(m).fill(10)] });
    expect(r.status).toBe('converged');
    // Reference by profiling: gamma_j(mu) = (n_j + tau_j) / (B_j + tau_j); d(profile)/dmu = 0
    const gammaOf = (mu: number, j: number) => (nObs[j] + tau[j]) / (s[j] * mu + b[j] + tau[j]);
    const dprof = (mu: number) => {
      let d = 0;
      for (let j = 0; j < m; j++) {
        const B = s[j] * mu + b[j];
        const g = gammaOf(mu, j);
        d += 2 * g * s[j] * (1 - nObs[j] / (g * B));
      }
      return d;
    };
    const muHat = findRoot(dprof, 0, 10, { xtol: 1e-15, rtol: 1e-15 }).root;
    expect(Math.abs(r.x[0] - muHat)).toBeLessThan(1e-8);
    for (let j = 0; j < m; j++) expect(Math.abs(r.x[j + 1] - gammaOf(muHat, j))).toBeLessThan(1e-8);
    expect(r.iterations).toBeLessThan(15);
    // covariance: sigma(mu) from 2NLL Hessian
    const free = r.activeBounds.map((a) => !a);
    const cov = covarianceFromTwiceNllHessian(r.hessian, m + 1, free);
    // closed form: var(mu) = 2 / (d^2 profile / dmu^2), the curvature from central differences
    // of d(profile)/dmu (step 1e-5; measured agreement 6e-11 relative)
    const h = 1e-5;
    const curvature = (dprof(muHat + h) - dprof(muHat - h)) / (2 * h);
    expect(Math.abs(cov[0] / (2 / curvature) - 1)).toBeLessThan(1e-9);
  });

  it('handles a tiny-curvature and a zero-curvature (inert) parameter', () => {
    // f = 1e-8 (x0 - 3)^2 + (x1 - 1)^2 + 0 * x2
    const obj: SmoothObjective = {
      evaluate(x, wantHessian) {
        return {
          value: 1e-8 * (x[0] - 3) ** 2 + (x[1] - 1) ** 2,
          gradient: Float64Array.of(2e-8 * (x[0] - 3), 2 * (x[1] - 1), 0),
          hessian: wantHessian ? Float64Array.of(2e-8, 0, 0, 0, 2, 0, 0, 0, 0) : undefined,
        };
      },
    };
    const r = minimize(obj, { x0: [0, 0, 0.7], lower: [-10, -10, -10], upper: [10, 10, 10] });
    expect(r.status).toBe('converged');
    expect(r.x[0]).toBeCloseTo(3, 10);
    expect(r.x[1]).toBeCloseTo(1, 14);
    expect(r.x[2]).toBe(0.7);
  });
});

describe('minimize: fixed parameters and non-finite regions', () => {
  it('keeps fixed parameters exactly at x0 (even outside their bounds)', () => {
    const A = [2, 0.5, 0.3, 0.5, 3, 0.2, 0.3, 0.2, 4];
    const x0 = [0.1234567890123, 5, -0.3];
    const r = minimize(quadratic(A, [1, 2, 3]), {
      x0,
      lower: [-1, -1, -1],
      upper: [1, 1, 1],
      fixed: [false, true, false],
    });
    expect(r.status).toBe('converged');
    expect(r.x[1]).toBe(5);
    expect(r.activeBounds[1]).toBe(false);
    // the free block solves A_FF (x_F - c_F) = -A_F1 (x1 - c1) within the box: x2 hits 1
    expect(r.x[2]).toBe(1);
    // x0: 2 (x0 - 1) + 0.5 (5 - 2) + 0.3 (1 - 3) = 0 -> x0 = 1 - 0.45
    expect(r.x[0]).toBeCloseTo(0.55, 14);
  });

  it('never accepts a point where the objective is NaN or infinite', () => {
    // f = x - 2 log(x - 1): NaN for x < 1, +Inf at x = 1, minimum at x = 3; from x0 = 10 the
    // first Newton step lands at x ~ -21.5.
    const seen: number[] = [];
    const obj: SmoothObjective = {
      evaluate(p, wantHessian) {
        const x = p[0];
        seen.push(x);
        return {
          value: x - 2 * Math.log(x - 1),
          gradient: Float64Array.of(1 - 2 / (x - 1)),
          hessian: wantHessian ? Float64Array.of(2 / (x - 1) ** 2) : undefined,
        };
      },
    };
    const r = minimize(obj, { x0: [10], lower: [-100], upper: [100] });
    expect(seen.some((x) => x < 1)).toBe(true); // the NaN region was probed...
    expect(r.status).toBe('converged'); // ...but never entered
    expect(r.x[0]).toBeCloseTo(3, 10);
    expect(Number.isFinite(r.value)).toBe(true);
  });

  it('rejects non-finite trial points in a multi-dimensional Poisson model', () => {
    // nu_j = x0 + c_j x1 can become negative; f = sum 2 (nu - n log nu)
    const c = [-2, -1, 0, 1, 2];
    const nObs = [2, 6, 10, 14, 18];
    const obj: SmoothObjective = {
      evaluate(x, wantHessian) {
        let value = 0;
        const gradient = new Float64Array(2);
        const hessian = wantHessian ? new Float64Array(4) : undefined;
        for (let j = 0; j < c.length; j++) {
          const nu = x[0] + c[j] * x[1];
          value += 2 * (nu - nObs[j] * Math.log(nu));
          const d = 2 * (1 - nObs[j] / nu);
          const d2 = (2 * nObs[j]) / (nu * nu);
          gradient[0] += d;
          gradient[1] += d * c[j];
          if (hessian) {
            hessian[0] += d2;
            hessian[1] += d2 * c[j];
            hessian[2] += d2 * c[j];
            hessian[3] += d2 * c[j] * c[j];
          }
        }
        return { value, gradient, hessian };
      },
    };
    const r = minimize(obj, { x0: [1.5, 0], lower: [-50, -50], upper: [50, 50] });
    expect(r.status).toBe('converged');
    // exact solution: nu_j = n_j (n_j = 10 + 4 c_j): x0 = 10, x1 = 4
    expect(r.x[0]).toBeCloseTo(10, 10);
    expect(r.x[1]).toBeCloseTo(4, 10);
  });

  it("reports 'non-finite' when the start point is not finite", () => {
    const obj: SmoothObjective = {
      evaluate: () => ({ value: NaN, gradient: Float64Array.of(0), hessian: Float64Array.of(1) }),
    };
    const r = minimize(obj, { x0: [0], lower: [-1], upper: [1] });
    expect(r.status).toBe('non-finite');
    expect(r.converged).toBe(false);
  });

  it('validates its inputs', () => {
    const q = quadratic([1], [0]);
    expect(() => minimize(q, { x0: [0, 1], lower: [0], upper: [1] })).toThrow(RangeError);
    expect(() => minimize(q, { x0: [0], lower: [1], upper: [0] })).toThrow(RangeError);
    expect(() => minimize(q, { x0: [NaN], lower: [0], upper: [1] })).toThrow(RangeError);
  });
});

describe('minimize: properties', () => {
  it('random convex quadratics in random boxes: KKT holds and the value does not increase', () => {
    const problem = fc
      .integer({ min: 1, max: 8 })
      .chain((n) =>
        fc.record({
          n: fc.constant(n),
          B: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: n * n, maxLength: n * n }),
          logScale: fc.array(fc.double({ min: -4, max: 4, noNaN: true }), { minLength: n, maxLength: n }),
          c: fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: n, maxLength: n }),
          lo: fc.array(fc.double({ min: -3, max: 0, noNaN: true }), { minLength: n, maxLength: n }),
          width: fc.array(fc.double({ min: 0.01, max: 4, noNaN: true }), { minLength: n, maxLength: n }),
          t: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: n, maxLength: n }),
        }),
      );
    fc.assert(
      fc.property(problem, ({ n, B, logScale, c, lo, width, t }) => {
        // A = S (B^T B + 0.1 I) S with S = diag(10^logScale): SPD, badly scaled
        const A = new Float64Array(n * n);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            let sum = i === j ? 0.1 : 0;
            for (let k = 0; k < n; k++) sum += B[k * n + i] * B[k * n + j];
            A[i * n + j] = sum * 10 ** logScale[i] * 10 ** logScale[j];
          }
        }
        const hi = lo.map((l, i) => l + width[i]);
        const x0 = lo.map((l, i) => l + t[i] * width[i]);
        const obj = quadratic(A, c);
        const r = minimize(obj, { x0, lower: lo, upper: hi });
        expect(r.status).toBe('converged');
        expect(r.value).toBeLessThanOrEqual(obj.evaluate(Float64Array.from(x0), false).value);
        for (let i = 0; i < n; i++) {
          expect(r.x[i]).toBeGreaterThanOrEqual(lo[i]);
          expect(r.x[i]).toBeLessThanOrEqual(hi[i]);
          // KKT in the natural (scaled) units of each parameter
          if (!r.activeBounds[i]) expect(Math.abs(r.gradient[i]) / Math.sqrt(A[i * n + i])).toBeLessThan(1e-6);
        }
        expect(r.newtonDecrement).toBeLessThan(1e-10);
      }),
      { numRuns: 300, seed: 20240611 },
    );
  });
});

describe('covariance from the Hessian', () => {
  it('2NLL of independent Gaussians gives sigma^2; non-free rows are zero', () => {
    // 2NLL = sum (x_i - m_i)^2 / sigma_i^2 -> H = diag(2 / sigma^2)
    const sigma = [0.5, 2, 1e-6];
    const H = new Float64Array(9);
    for (let i = 0; i < 3; i++) H[i * 3 + i] = 2 / sigma[i] ** 2;
    const cov = covarianceFromTwiceNllHessian(H, 3, [true, false, true]);
    expect(cov[0]).toBeCloseTo(0.25, 15);
    expect(cov[4]).toBe(0);
    expect(cov[8] / 1e-12).toBeCloseTo(1, 14);
    const nllCov = inverseHessianCovariance(H, 3, [true, true, true]);
    expect(nllCov[4]).toBeCloseTo(2, 14);
  });

  it('inverts a correlated block and throws on a non-positive-definite one', () => {
    const H = Float64Array.of(4, 2, 2, 3);
    const c = inverseHessianCovariance(H, 2, [true, true]);
    expect(Array.from(c).map((v) => Number(v.toFixed(14)))).toEqual([0.375, -0.25, -0.25, 0.5]);
    expect(() => inverseHessianCovariance(Float64Array.of(1, 2, 2, 1), 2, [true, true])).toThrow(NumericalError);
  });
});

describe('minimize: HistFactory-like models', () => {
  it('converges on 200 random models with correlated nuisance parameters (KKT to 1e-9 sigma)', () => {
    for (let seed = 0; seed < 200; seed++) {
      const q = randomHistFactory(5 + (seed % 20), 1 + (seed % 9), seed);
      const r = minimize(q.objective, q);
      expect(r.status, `seed ${seed}`).toBe('converged');
      const n = r.x.length;
      for (let i = 0; i < n; i++) {
        if (!r.activeBounds[i]) expect(Math.abs(r.gradient[i]) / Math.sqrt(r.hessian[i * n + i])).toBeLessThan(1e-9);
      }
      expect(r.iterations).toBeLessThan(12);
    }
  });

  it('fits with the POI fixed (profile) leaving it exactly in place', () => {
    const q = randomHistFactory(10, 5, 42);
    const fixed = q.x0.map((_, i) => i === 0);
    const x0 = [2.5, ...q.x0.slice(1)];
    const r = minimize(q.objective, { ...q, x0, fixed });
    expect(r.status).toBe('converged');
    expect(r.x[0]).toBe(2.5);
    const free = minimize(q.objective, q);
    expect(r.value).toBeGreaterThanOrEqual(free.value);
  });

  it('tolerates rounding noise in the objective value (exact gradient)', () => {
    for (let seed = 0; seed < 50; seed++) {
      const q = randomHistFactory(5 + (seed % 20), 1 + (seed % 9), seed);
      // add a large constant and pseudo-random relative noise of 1e-11 to the value only
      const noisy: SmoothObjective = {
        evaluate(x, wantHessian) {
          const r = q.objective.evaluate(x, wantHessian);
          let h = 0;
          for (let i = 0; i < x.length; i++) h = (Math.sin(h * 12.9898 + x[i] * 78.233 + i) * 43758.5453) % 1;
          return { ...r, value: r.value + 1e4 + 1e-11 * (1e4 + Math.abs(r.value)) * h };
        },
      };
      const r = minimize(noisy, q);
      expect(r.status, `seed ${seed}`).toBe('converged');
      const n = r.x.length;
      for (let i = 0; i < n; i++) {
        if (!r.activeBounds[i]) expect(Math.abs(r.gradient[i]) / Math.sqrt(r.hessian[i * n + i])).toBeLessThan(1e-7);
      }
    }
  });
});

describe('minimize: nonconvex problems', () => {
  it('extended Rosenbrock in random boxes (2 to 13 dimensions) converges to KKT points', () => {
    const rnd = mulberry32(5);
    for (let k = 0; k < 100; k++) {
      const n = 2 + (k % 12);
      const lo = Array.from({ length: n }, () => -2 + rnd());
      const hi = Array.from({ length: n }, () => 0.3 + 2 * rnd());
      const x0 = lo.map((l, i) => l + rnd() * (hi[i] - l));
      const r = minimize(extendedRosenbrock(n), { x0, lower: lo, upper: hi });
      expect(r.status).toBe('converged');
      expect(r.projectedGradientNorm).toBeLessThan(1e-6);
    }
  });
});

describe('minimize: timing', () => {
  it('30-parameter HistFactory-like fit (dense coupling) is fast', () => {
    const q = randomHistFactory(14, 15, 7); // 1 + 15 + 14 = 30 parameters
    const first = minimize(q.objective, q);
    expect(first.x.length).toBe(30);
    expect(first.status).toBe('converged');
    for (let k = 0; k < 50; k++) minimize(q.objective, q); // warm up the JIT
    const reps = 300;
    let t0 = performance.now();
    for (let k = 0; k < reps; k++) minimize(q.objective, q);
    const perCall = (performance.now() - t0) / reps;
    const x = Float64Array.from(q.x0);
    t0 = performance.now();
    for (let k = 0; k < reps; k++) q.objective.evaluate(x, true);
    const perEval = (performance.now() - t0) / reps;
    console.log(
      `minimize, 30 parameters: ${perCall.toFixed(3)} ms/call (${first.iterations} iterations, ` +
        `${first.evaluations} evaluations of ${perEval.toFixed(4)} ms each)`,
    );
    expect(perCall).toBeLessThan(50);
  });
});
