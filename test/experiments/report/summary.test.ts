/**
 * Seed statistics: quantile equals numpy.quantile (default 'linear' method; reference values
 * computed with numpy 2.4, bit for bit, including cases where the naive (n - 1) q formula
 * differs in the last bit), and summariseSeeds groups by (benchmark, method) with medians and
 * 16% / 84% quantiles.
 */
import { describe, expect, it } from 'vitest';
import { band, quantile, summariseSeeds } from '../../../experiments/report/summary.js';
import type { SeedResult } from '../../../experiments/report/types.js';
import { infernoResults, seedResult } from './fixtures.js';

describe('quantile', () => {
  it('interpolates linearly between order statistics (hand-computed)', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5); // h = 1.5
    expect(quantile([4, 1, 3, 2], 0.16)).toBeCloseTo(1.48, 14); // h = 0.48, unsorted input
    expect(quantile([1, 2, 3, 4], 0.84)).toBeCloseTo(3.52, 14); // h = 2.52
    expect(quantile([10, 20], 0.25)).toBe(12.5);
    expect(quantile([-3, -1, 2, 10], 0.3)).toBeCloseTo(-1.2, 14); // h = 0.9: -3 + 2 * 0.9
    expect(quantile([7], 0.84)).toBe(7);
    expect(quantile([1, 2, 3, 4, 5], 0)).toBe(1);
    expect(quantile([1, 2, 3, 4, 5], 1)).toBe(5);
    expect(quantile([1, 2, 3], 0.5)).toBe(2); // odd n: the middle value
  });

  it('equals numpy.quantile bit for bit', () => {
    // [values, q, numpy.quantile(values, q)]
    const cases: [number[], number, number][] = [
      [[3, 1, 2], 0.16, 1.32],
      [[3, 1, 2], 0.84, 2.6799999999999997],
      [[0.1, 0.2, 0.7, 0.3, 0.5], 0.16, 0.164],
      [[0.1, 0.2, 0.7, 0.3, 0.5], 0.84, 0.572],
      [[15.1, 15.7, 16.2, 14.9, 15.3], 0.16, 15.028],
      [[15.1, 15.7, 16.2, 14.9, 15.3], 0.84, 15.879999999999999],
      [[-3, -1, 2, 10], 0.3, -1.2000000000000002],
      [[0.1, 0.2, 0.3], 0.75, 0.25],
      // numpy's lerp b - (b - a)(1 - t) for t >= 0.5: a naive a + (b - a) t gives 0.52,
      // 0.8599999999999999, 1.2200000000000002 and 2.74 here
      [[0.1, 0.7], 0.7, 0.5199999999999999],
      [[0.3, 1.1], 0.7, 0.8600000000000001],
      [[0.2, 0.9, 1.3], 0.9, 1.22],
      [[1.3, 2.9], 0.9, 2.7399999999999998],
    ];
    for (const [v, q, want] of cases) expect(quantile(v, q), `quantile(${JSON.stringify(v)}, ${q})`).toBe(want);
  });

  it('handles infinities and does not modify its input', () => {
    const v = [3, Infinity, 1, Infinity];
    expect(quantile(v, 1)).toBe(Infinity);
    expect(quantile(v, 0.84)).toBe(Infinity); // between two infinities: that value, not NaN
    expect(quantile(v, 0.5)).toBe(Infinity); // between 3 and inf
    expect(quantile([-Infinity, 0, 1], 0)).toBe(-Infinity);
    expect(v).toEqual([3, Infinity, 1, Infinity]);
    expect(quantile(Float64Array.from([2, 4]), 0.5)).toBe(3);
  });

  it('rejects empty input, NaN values and q outside [0, 1]', () => {
    expect(() => quantile([], 0.5)).toThrow('quantile: no values');
    expect(() => quantile([1, NaN], 0.5)).toThrow('quantile: values[1] is NaN');
    expect(() => quantile([1, 2], 1.5)).toThrow('q must be in [0, 1], got 1.5');
    expect(() => quantile([1, 2], -0.1)).toThrow(RangeError);
    expect(() => quantile([1, 2], NaN)).toThrow('got NaN');
  });
});

describe('band', () => {
  it('gives median, 16% and 84% quantiles, leaving NaN out', () => {
    expect(band([3, 1, 2])).toEqual({ n: 3, median: 2, q16: 1.32, q84: 2.6799999999999997 }); // numpy's values
    expect(band([3, NaN, 1, 2])).toEqual({ n: 3, median: 2, q16: 1.32, q84: 2.6799999999999997 });
    const empty = band([NaN]);
    expect(empty.n).toBe(0);
    expect(empty.median).toBeNaN();
  });
});

describe('summariseSeeds', () => {
  it('groups by (benchmark, method), sorted by benchmark then method order', () => {
    const s = summariseSeeds(infernoResults().results);
    expect(s.map((g) => [g.benchmark, g.method, g.n])).toEqual([
      [0, 'inferno', 1],
      [2, 'inferno', 3],
      [2, 'bce', 3],
    ]);
  });

  it('computes medians and 16% / 84% quantiles of both widths', () => {
    const s = summariseSeeds(infernoResults().results);
    const inf2 = s.find((g) => g.benchmark === 2 && g.method === 'inferno')!;
    // sigmaFisher 15.1, 15.7, 16.2: h(16%) = 0.32, h(84%) = 1.68
    expect(inf2.sigmaFisher.n).toBe(3);
    expect(inf2.sigmaFisher.median).toBe(15.7);
    expect(inf2.sigmaFisher.q16).toBeCloseTo(15.1 + 0.6 * 0.32, 12);
    expect(inf2.sigmaFisher.q84).toBeCloseTo(15.7 + 0.5 * 0.68, 12);
    // sigmaProfile 15.9, 16.5, 17.3
    expect(inf2.sigmaProfile.median).toBe(16.5);
    expect(inf2.sigmaProfile.q16).toBeCloseTo(16.092, 12);
    expect(inf2.sigmaProfile.q84).toBeCloseTo(17.044, 12);
    const bce2 = s.find((g) => g.benchmark === 2 && g.method === 'bce')!;
    expect(bce2.sigmaFisher.median).toBe(22);
    expect(bce2.sigmaFisher.q16).toBeCloseTo(21.32, 12);
    expect(bce2.sigmaFisher.q84).toBeCloseTo(23.36, 12);
    const inf0 = s.find((g) => g.benchmark === 0)!;
    expect(inf0.sigmaFisher).toEqual({ n: 1, median: 14.567, q16: 14.567, q84: 14.567 });
    expect(inf0.cls).toBeUndefined();
    expect(inf0.z0).toBeUndefined();
  });

  it('summarises cls and z0 when present, over the seeds that have them', () => {
    const r: SeedResult[] = [
      seedResult('cls', 0, 1, 0.3, 0.31, { cls: 0.012, z0: 2.1 }),
      seedResult('cls', 0, 2, 0.25, 0.26, { cls: 0.0105, z0: 2.5 }),
      seedResult('cls', 0, 3, 0.35, 0.36, { cls: 0.02 }),
      seedResult('bce', 0, 1, 0.4, 0.41),
    ];
    const [bce, cls] = summariseSeeds(r); // bce before cls (METHODS order)
    expect(cls.method).toBe('cls');
    expect(cls.n).toBe(3);
    expect(cls.cls!.median).toBe(0.012);
    expect(cls.cls!.q16).toBeCloseTo(0.0105 + 0.0015 * 0.32, 15);
    expect(cls.z0).toEqual({ n: 2, median: 2.3, q16: quantile([2.1, 2.5], 0.16), q84: quantile([2.1, 2.5], 0.84) });
    expect(cls.z0!.q16).toBeCloseTo(2.164, 12);
    expect(bce.method).toBe('bce');
    expect(bce.cls).toBeUndefined();
  });

  it('keeps NaN widths (failed fits) out of the band', () => {
    const [g] = summariseSeeds([seedResult('inferno', 1, 1, 15, NaN), seedResult('inferno', 1, 2, 17, 18)]);
    expect(g.n).toBe(2);
    expect(g.sigmaFisher.median).toBe(16);
    expect(g.sigmaProfile).toEqual({ n: 1, median: 18, q16: 18, q84: 18 });
  });

  it('returns nothing for no results and rejects unknown methods', () => {
    expect(summariseSeeds([])).toEqual([]);
    const bad = { ...seedResult('bce', 0, 1, 1, 1), method: 'mse' } as unknown as SeedResult;
    expect(() => summariseSeeds([seedResult('bce', 0, 1, 1, 1), bad])).toThrow('results[1].method is "mse"');
  });
});
