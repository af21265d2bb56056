import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  choleskyFactor,
  choleskyInPlace,
  choleskySolve,
  choleskySolveMany,
  inverseSymmetricPositiveDefinite,
  ldltSolve,
  luFactor,
  luSolve,
  matVec,
  modifiedCholeskyInPlace,
  solveLinear,
  solveSymmetricPositiveDefinite,
} from '../../../src/stats/optimize/index.js';
import * as mathBarrel from '../../../src/stats/math/index.js';
import { NumericalError } from '../../../src/stats/errors.js';

/** A random SPD matrix B^T B + ridge I of size n from a flat array. */
function spd(n: number, B: number[], ridge: number): Float64Array {
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = i === j ? ridge : 0;
      for (let k = 0; k < n; k++) s += B[k * n + i] * B[k * n + j];
      A[i * n + j] = s;
    }
  return A;
}

const spdArb = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    B: fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n * n, maxLength: n * n }),
    b: fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 3 * n, maxLength: 3 * n }),
  }),
);

describe('Cholesky', () => {
  it('factorises a known matrix', () => {
    const { ok, factor, failedAt } = choleskyFactor([4, 2, 2, 3], 2);
    expect(ok).toBe(true);
    expect(failedAt).toBe(-1);
    expect(Array.from(factor)).toEqual([2, 0, 1, Math.SQRT2]);
  });

  it('reports the failing pivot of an indefinite matrix', () => {
    const r = choleskyFactor([1, 2, 0, 2, 1, 0, 0, 0, 1], 3);
    expect(r.ok).toBe(false);
    expect(r.failedAt).toBe(1);
    expect(r.pivot).toBe(-3);
    expect(choleskyInPlace(Float64Array.of(0), 1)).toBe(0);
    expect(() => solveSymmetricPositiveDefinite([1, 2, 2, 1], 2, [1, 1])).toThrow(NumericalError);
    expect(() => inverseSymmetricPositiveDefinite([1, 2, 2, 1], 2)).toThrow(/pivot 1 is -3/);
  });

  it('property: solve, multi-RHS solve and inverse agree with A', () => {
    fc.assert(
      fc.property(spdArb, ({ n, B, b }) => {
        const A = spd(n, B, 0.5);
        const x = solveSymmetricPositiveDefinite(A, n, b.slice(0, n));
        const Ax = matVec(A, n, x);
        for (let i = 0; i < n; i++) expect(Math.abs(Ax[i] - b[i])).toBeLessThan(1e-10 * (1 + Math.abs(b[i])) * 100);
        // three right-hand sides at once (row-major n x 3)
        const R = new Float64Array(n * 3);
        for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) R[i * 3 + c] = b[c * n + i];
        const L = choleskyFactor(A, n).factor;
        const X = choleskySolveMany(L, n, R, 3);
        for (let c = 0; c < 3; c++) {
          const xc = choleskySolve(L, n, b.slice(c * n, (c + 1) * n));
          for (let i = 0; i < n; i++) expect(X[i * 3 + c]).toBeCloseTo(xc[i], 10);
        }
        const inv = inverseSymmetricPositiveDefinite(A, n);
        for (let i = 0; i < n; i++)
          for (let j = 0; j < n; j++) {
            let s = 0;
            for (let k = 0; k < n; k++) s += A[i * n + k] * inv[k * n + j];
            expect(Math.abs(s - (i === j ? 1 : 0))).toBeLessThan(1e-8);
            expect(inv[i * n + j]).toBe(inv[j * n + i]);
          }
      }),
      { numRuns: 200 },
    );
  });
});

describe('modified Cholesky (Gill–Murray–Wright)', () => {
  it('leaves a positive-definite matrix unchanged', () => {
    const a = Float64Array.of(4, 2, 2, 3);
    const d = new Float64Array(2);
    const info = modifiedCholeskyInPlace(a, 2, d);
    expect(info.modified).toBe(0);
    const x = new Float64Array(2);
    const quad = ldltSolve(a, d, 2, [1, 2], x);
    expect(x[0]).toBeCloseTo(-0.125, 15);
    expect(x[1]).toBeCloseTo(0.75, 15);
    expect(quad).toBeCloseTo(1 * -0.125 + 2 * 0.75, 15);
  });

  it('makes an indefinite matrix positive definite and gives a descent direction', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }).chain((n) =>
          fc.record({
            n: fc.constant(n),
            S: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: n * n, maxLength: n * n }),
            g: fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: n, maxLength: n }),
          }),
        ),
        ({ n, S, g }) => {
          const A = new Float64Array(n * n);
          for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = 0.5 * (S[i * n + j] + S[j * n + i]);
          const d = new Float64Array(n);
          modifiedCholeskyInPlace(A, n, d);
          for (let i = 0; i < n; i++) expect(d[i]).toBeGreaterThan(0);
          const x = new Float64Array(n);
          const quad = ldltSolve(A, d, n, g, x);
          let dot = 0;
          for (let i = 0; i < n; i++) dot += g[i] * x[i];
          expect(quad).toBeGreaterThanOrEqual(0);
          expect(Math.abs(dot - quad)).toBeLessThanOrEqual(1e-9 * Math.max(1, quad));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('LU', () => {
  it('solves general systems with pivoting, and reports singular ones', () => {
    expect(Array.from(solveLinear([0, 1, 1, 0], 2, [2, 3]))).toEqual([3, 2]);
    const A = [2, -1, 0, 1, 3, 2, 0, 4, -1];
    const x = luSolve(luFactor(A, 3), [1, 2, 3]);
    const Ax = matVec(A, 3, x);
    for (let i = 0; i < 3; i++) expect(Ax[i]).toBeCloseTo([1, 2, 3][i], 13);
    const X = solveLinear(A, 3, [1, 0, 0, 1, 0, 0, 1, 0, 0], 3); // columns: b, 0, 0
    for (let i = 0; i < 3; i++) expect(X[i * 3]).toBeCloseTo(luSolve(luFactor(A, 3), [1, 1, 1])[i], 13);
    expect(luFactor([1, 2, 2, 4], 2).ok).toBe(false);
    expect(() => solveLinear([1, 2, 2, 4], 2, [1, 1])).toThrow(NumericalError);
  });
});

describe('barrels', () => {
  it('the math barrel re-exports the linear algebra', () => {
    expect(mathBarrel.choleskyFactor).toBe(choleskyFactor);
    expect(mathBarrel.solveLinear).toBe(solveLinear);
  });
});
