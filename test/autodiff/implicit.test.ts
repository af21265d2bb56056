/**
 * The implicit-function rule: for f(x; c) = x^T H x / 2 - c^T B x (minimum x* = H^{-1} B^T c,
 * free everywhere) the rule's gradient of L = w . x* equals the exact B H^{-1} w to 1e-10
 * relative; fixed components do not move; a singular free block is reported.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { implicitAdjoint } from '../../src/autodiff/implicit.js';

/** Solves a x = b by Gauss-Jordan elimination with partial pivoting (an independent reference). */
function gaussJordan(a: number[], b: number[], n: number): number[] {
  const m = a.map((x) => x);
  const r = b.map((x) => x);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let i = c + 1; i < n; i++) if (Math.abs(m[i * n + c]) > Math.abs(m[p * n + c])) p = i;
    for (let j = 0; j < n; j++) [m[c * n + j], m[p * n + j]] = [m[p * n + j], m[c * n + j]];
    [r[c], r[p]] = [r[p], r[c]];
    for (let i = 0; i < n; i++) {
      if (i === c) continue;
      const f = m[i * n + c] / m[c * n + c];
      for (let j = 0; j < n; j++) m[i * n + j] -= f * m[c * n + j];
      r[i] -= f * r[c];
    }
  }
  return r.map((x, i) => x / m[i * n + i]);
}

describe('implicitAdjoint', () => {
  it('gives dL/dc = B H^-1 w for a quadratic with linear coupling', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 1e6 }), (n, m, seed) => {
        const rnd = (i: number) => Math.sin(seed * 0.731 + i * 12.9898);
        // H = A A^T + n I (positive definite), B [m x n]
        const A = Array.from({ length: n * n }, (_, i) => rnd(i));
        const H = new Float64Array(n * n);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
          let s = i === j ? n : 0;
          for (let k = 0; k < n; k++) s += A[i * n + k] * A[j * n + k];
          H[i * n + j] = s;
        }
        const B = Array.from({ length: m * n }, (_, i) => rnd(100 + i));
        const w = Array.from({ length: n }, (_, i) => rnd(200 + i));
        const v = implicitAdjoint({ hessian: H, n, free: new Array(n).fill(true), cotangent: w });
        // H v = w
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let j = 0; j < n; j++) s += H[i * n + j] * v[j];
          expect(Math.abs(s - w[i])).toBeLessThan(1e-10 * Math.max(1, Math.abs(w[i])));
        }
        // dL/dc = -v^T d2f/dxdc = B v must equal the derivative of L(c) = w . H^-1 B^T c,
        // checked by differencing L along c_a with x* from an independent Gauss-Jordan solve
        const solve = (rhs: number[]) => gaussJordan(Array.from(H), rhs, n);
        const L = (c: number[]) => {
          const btc = Array.from({ length: n }, (_, j) => c.reduce((s, ca, a) => s + B[a * n + j] * ca, 0));
          return solve(btc).reduce((s, x, j) => s + w[j] * x, 0);
        };
        for (let a = 0; a < m; a++) {
          const e = Array.from({ length: m }, (_, k) => (k === a ? 1 : 0));
          const exact = L(e) - L(e.map(() => 0)); // L is linear in c
          const rule = B.slice(a * n, a * n + n).reduce((s, b, j) => s + b * v[j], 0);
          expect(Math.abs(rule - exact)).toBeLessThan(1e-10 * Math.max(1, Math.abs(exact)));
        }
      }),
      { numRuns: 50, seed: 7 },
    );
  });

  it('holds fixed or bound-active components still and solves on the free block', () => {
    const H = [4, 1, 0, 1, 3, 0, 0, 0, 0];
    const v = implicitAdjoint({ hessian: H, n: 3, free: [true, false, false], cotangent: [2, 5, 7] });
    expect(Array.from(v)).toEqual([0.5, 0, 0]);
  });

  it('reports a free block that is not positive definite', () => {
    expect(() => implicitAdjoint({ hessian: [1, 1, 1, 1], n: 2, free: [true, true], cotangent: [1, 0] })).toThrow(/not positive definite/);
    expect(() => implicitAdjoint({ hessian: [1], n: 2, free: [true, true], cotangent: [1, 0] })).toThrow(/need hessian \[2x2\]/);
  });
});
