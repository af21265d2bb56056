import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bracketRoot, findRoot, normalCdf, normalQuantile } from '../../../src/stats/math/index.js';
import { NumericalError } from '../../../src/stats/errors.js';

describe('findRoot (Brent)', () => {
  it('finds sqrt(2) to the default tolerance', () => {
    const r = findRoot((x) => x * x - 2, 0, 2);
    expect(r.converged).toBe(true);
    expect(Math.abs(r.root - Math.SQRT2)).toBeLessThan(2e-12 + 1e-10 * Math.SQRT2);
    expect(r.iterations).toBeLessThan(15);
  });

  it('honours tight tolerances', () => {
    const r = findRoot((x) => Math.cos(x) - x, 0, 1, { xtol: 1e-15, rtol: 1e-15 });
    expect(r.root).toBeCloseTo(0.7390851332151607, 15);
  });

  it('accepts a zero at either end and reversed brackets', () => {
    expect(findRoot((x) => x - 1, 1, 3)).toEqual({ root: 1, iterations: 0, converged: true });
    expect(findRoot((x) => x - 3, 1, 3)).toEqual({ root: 3, iterations: 0, converged: true });
    expect(findRoot((x) => x - 2, 3, 0).root).toBeCloseTo(2, 10);
  });

  it('throws NumericalError giving f(lo), f(hi) when the root is not bracketed', () => {
    expect(() => findRoot((x) => x * x + 1, -1, 2)).toThrow(NumericalError);
    expect(() => findRoot((x) => x * x + 1, -1, 2)).toThrow(/not bracketed.*f\(lo\) = 2, f\(hi\) = 5/);
    expect(() => findRoot(() => NaN, 0, 1)).toThrow(NumericalError);
  });

  it('handles steep, flat and discontinuous functions', () => {
    // very flat near the root: x^9 (slow for Brent: > 100 iterations, reported honestly)
    expect(findRoot((x) => x ** 9, -1, 2, { xtol: 1e-12, rtol: 0 }).converged).toBe(false);
    const flat = findRoot((x) => x ** 9, -1, 2, { xtol: 1e-12, rtol: 0, maxIterations: 1000 });
    expect(flat.converged).toBe(true);
    expect(Math.abs(flat.root)).toBeLessThan(1e-12);
    // step function: converges to the jump
    const step = findRoot((x) => (x < 0.3 ? -1 : 1), 0, 1, { xtol: 1e-14, rtol: 0 });
    expect(Math.abs(step.root - 0.3)).toBeLessThan(2e-14);
    // steep
    const steep = findRoot((x) => Math.exp(50 * x) - 2, -1, 1);
    expect(steep.root).toBeCloseTo(Math.log(2) / 50, 11);
  });

  it('reports converged = false when maxIterations is reached', () => {
    const r = findRoot((x) => x ** 3 - 0.1, 0, 100, { maxIterations: 3, xtol: 1e-15, rtol: 0 });
    expect(r.converged).toBe(false);
    expect(r.iterations).toBe(3);
  });

  it('uses supplied end values instead of re-evaluating', () => {
    let calls = 0;
    const f = (x: number) => {
      calls++;
      return x - 0.25;
    };
    findRoot(f, 0, 1, { fLo: -0.25, fHi: 0.75 });
    const withValues = calls;
    calls = 0;
    findRoot(f, 0, 1);
    expect(calls).toBe(withValues + 2);
  });

  it('property: finds the root of random monotone cubics to the tolerance', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -50, max: 50, noNaN: true }),
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        (r0, a, c) => {
          const f = (x: number) => a * (x - r0) + c * (x - r0) ** 3;
          const r = findRoot(f, r0 - 7, r0 + 13);
          expect(r.converged).toBe(true);
          expect(Math.abs(r.root - r0)).toBeLessThanOrEqual(2e-12 + 1e-10 * Math.abs(r0));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('solves a CLs-like equation (normal tail = 0.05)', () => {
    const r = findRoot((mu) => normalCdf(-mu) - 0.05, 0, 10, { xtol: 1e-14, rtol: 1e-14 });
    expect(r.root).toBeCloseTo(-normalQuantile(0.05), 13);
  });
});

describe('bracketRoot', () => {
  it('expands upward until the sign changes and the bracket feeds findRoot', () => {
    const f = (mu: number) => Math.exp(-mu) - 0.05; // root at log 20 ~ 3.0
    const b = bracketRoot(f, 0, 0.5, { factor: 2 });
    expect(b.lo).toBe(2);
    expect(b.hi).toBe(4);
    expect(b.fLo).toBeGreaterThan(0);
    expect(b.fHi).toBeLessThan(0);
    expect(b.evaluations).toBe(5); // 0, 0.5, 1, 2, 4
    const r = findRoot(f, b.lo, b.hi, { fLo: b.fLo, fHi: b.fHi });
    expect(r.root).toBeCloseTo(Math.log(20), 9);
  });

  it('returns the initial bracket when it already contains a sign change', () => {
    const b = bracketRoot((x) => x - 0.3, 0, 1);
    expect([b.lo, b.hi, b.evaluations]).toEqual([0, 1, 2]);
  });

  it('respects maxUpper and throws NumericalError when no sign change is found', () => {
    const f = (x: number) => Math.exp(-x) - 1e-9; // root at ~20.7
    expect(() => bracketRoot(f, 0, 1, { maxUpper: 10 })).toThrow(NumericalError);
    expect(() => bracketRoot(f, 0, 1, { maxUpper: 10 })).toThrow(/no sign change/);
    const b = bracketRoot(f, 0, 1, { maxUpper: 25, factor: 3 });
    expect(b.hi).toBe(25); // 1, 3, 9, 25 (capped from 27)
    expect(b.lo).toBe(9);
  });

  it('throws on non-finite values and on bad arguments', () => {
    expect(() => bracketRoot(() => NaN, 0, 1)).toThrow(NumericalError);
    expect(() => bracketRoot((x) => x, 1, 0)).toThrow(NumericalError);
    expect(() => bracketRoot((x) => x, 0, 1, { factor: 1 })).toThrow(NumericalError);
  });
});
