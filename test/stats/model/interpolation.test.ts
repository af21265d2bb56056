/**
 * Interpolation codes: known values, pyhf's continuity conditions at a = +-1 (value and first
 * derivative continuous, tolerance 1e-9 across a gap of 2e-9; second derivative continuous for
 * code4 and code4p, tolerance 1e-6), and the analytic derivatives against central differences
 * (relative 1e-7).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { code4Coefficients, histosysDelta, normsysInterpolator } from '../../../src/stats/model/index.js';

const kappa = fc.double({ min: 0.3, max: 3, noNaN: true });
const delta = fc.double({ min: -20, max: 20, noNaN: true });
const out = () => new Float64Array(3);

describe('normsys', () => {
  it('code1 is hi^a above 0 and lo^-a below', () => {
    const k = normsysInterpolator('code1', 1.2, 0.7);
    expect(k.evaluate(2, out())[0]).toBeCloseTo(1.44, 14);
    expect(k.evaluate(-2, out())[0]).toBeCloseTo(0.49, 14);
    expect(k.evaluate(0, out())[0]).toBe(1);
  });

  it('code4 matches the exponentials outside [-1, 1] and is 1 at 0', () => {
    const k = normsysInterpolator('code4', 1.2, 0.7);
    expect(k.evaluate(1.5, out())[0]).toBeCloseTo(Math.pow(1.2, 1.5), 14);
    expect(k.evaluate(-1.5, out())[0]).toBeCloseTo(Math.pow(0.7, 1.5), 14);
    expect(k.evaluate(0, out())[0]).toBe(1);
    // symmetric variation: the polynomial's odd part reproduces log-linear slope at 0
    const c = code4Coefficients(1.1, 1 / 1.1);
    expect(c.length).toBe(6);
  });

  it('code4 is C2-continuous at a = +-1 for any hi, lo', () => {
    fc.assert(
      fc.property(kappa, kappa, (hi, lo) => {
        const k = normsysInterpolator('code4', hi, lo);
        for (const edge of [1, -1]) {
          const a = k.evaluate(edge - 1e-9, out());
          const b = k.evaluate(edge + 1e-9, out());
          expect(Math.abs(a[0] - b[0])).toBeLessThan(1e-8);
          expect(Math.abs(a[1] - b[1])).toBeLessThan(1e-7);
          expect(Math.abs(a[2] - b[2])).toBeLessThan(1e-6);
        }
      }),
      { numRuns: 200 },
    );
  });

  it.each(['code1', 'code4'] as const)('%s derivatives equal central differences', (code) => {
    fc.assert(
      fc.property(kappa, kappa, fc.double({ min: -3, max: 3, noNaN: true }).filter((a) => Math.abs(a) > 1e-3), (hi, lo, a) => {
        const k = normsysInterpolator(code, hi, lo);
        const h = 1e-6;
        const v = k.evaluate(a, out());
        const fd1 = (k.evaluate(a + h, out())[0] - k.evaluate(a - h, out())[0]) / (2 * h);
        const fd2 = (k.evaluate(a + h, out())[1] - k.evaluate(a - h, out())[1]) / (2 * h);
        expect(Math.abs(v[1] - fd1)).toBeLessThan(1e-7 * Math.max(1, Math.abs(fd1)));
        expect(Math.abs(v[2] - fd2)).toBeLessThan(1e-7 * Math.max(1, Math.abs(fd2)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('histosys', () => {
  it('code0 is piecewise linear', () => {
    expect(histosysDelta('code0', 0.5, 4, 2, out())[0]).toBe(2);
    expect(histosysDelta('code0', -0.5, 4, 2, out())[0]).toBe(-1);
  });

  it('code4p is linear outside [-1, 1] and reaches D+ and -D- at +-1', () => {
    expect(histosysDelta('code4p', 2, 4, 2, out())[0]).toBe(8);
    expect(histosysDelta('code4p', -2, 4, 2, out())[0]).toBe(-4);
    expect(histosysDelta('code4p', 1, 4, 2, out())[0]).toBeCloseTo(4, 14);
    expect(histosysDelta('code4p', -1, 4, 2, out())[0]).toBeCloseTo(-2, 14);
    expect(histosysDelta('code4p', 0, 4, 2, out())[0]).toBe(0);
  });

  it('code4p is C2-continuous at a = +-1', () => {
    fc.assert(
      fc.property(delta, delta, (up, down) => {
        for (const edge of [1, -1]) {
          const a = histosysDelta('code4p', edge - 1e-9, up, down, out());
          const b = histosysDelta('code4p', edge + 1e-9, up, down, out());
          expect(Math.abs(a[0] - b[0])).toBeLessThan(1e-7);
          expect(Math.abs(a[1] - b[1])).toBeLessThan(1e-6);
          expect(Math.abs(a[2] - b[2])).toBeLessThan(1e-6);
        }
      }),
      { numRuns: 200 },
    );
  });

  it.each(['code0', 'code4p'] as const)('%s derivatives equal central differences', (code) => {
    fc.assert(
      fc.property(delta, delta, fc.double({ min: -3, max: 3, noNaN: true }).filter((a) => Math.abs(a) > 1e-3 && Math.abs(Math.abs(a) - 1) > 1e-3), (up, down, a) => {
        const h = 1e-6;
        const v = histosysDelta(code, a, up, down, out());
        const fd1 = (histosysDelta(code, a + h, up, down, out())[0] - histosysDelta(code, a - h, up, down, out())[0]) / (2 * h);
        const fd2 = (histosysDelta(code, a + h, up, down, out())[1] - histosysDelta(code, a - h, up, down, out())[1]) / (2 * h);
        expect(Math.abs(v[1] - fd1)).toBeLessThan(1e-7 * Math.max(1, Math.abs(fd1)));
        expect(Math.abs(v[2] - fd2)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd2)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('interpolation codes in a model', () => {
  const ws = {
    channels: [
      {
        name: 'SR',
        samples: [
          {
            name: 'b',
            data: [10, 20],
            modifiers: [
              { name: 'n', type: 'normsys' as const, data: { hi: 1.2, lo: 0.7 } },
              { name: 'h', type: 'histosys' as const, data: { hi_data: [12, 21], lo_data: [9, 18] } },
              { name: 'mu', type: 'normfactor' as const, data: null },
            ],
          },
        ],
      },
    ],
    observations: [{ name: 'SR', data: [10, 20] }],
    measurements: [{ name: 'm', config: { poi: 'mu', parameters: [] } }],
    version: '1.0.0',
  };

  it('code1/code0 give the closed forms; code4/code4p agree with them outside [-1, 1]', async () => {
    const { buildModel } = await import('../../../src/stats/model/index.js');
    const lin = buildModel(ws, { interpolation: { normsys: 'code1', histosys: 'code0' } });
    const def = buildModel(ws);
    // parameter order: h (histosys), mu (normfactor), n (normsys)
    const at = (h: number, n: number) => [h, 1, n];
    expect(Array.from(lin.expectedActualData(at(0.5, 0.5)))).toEqual([(10 + 0.5 * 2) * Math.pow(1.2, 0.5), (20 + 0.5 * 1) * Math.pow(1.2, 0.5)]);
    expect(Array.from(lin.expectedActualData(at(-0.5, -0.5))).map((x) => +x.toFixed(12))).toEqual(
      [(10 - 0.5 * 1) * Math.pow(0.7, 0.5), (20 - 0.5 * 2) * Math.pow(0.7, 0.5)].map((x) => +x.toFixed(12)),
    );
    const a = def.expectedActualData(at(1.7, -1.3));
    const b = lin.expectedActualData(at(1.7, -1.3));
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 12));
    expect(def.expectedActualData(at(0.5, 0.5))[0]).not.toBeCloseTo(lin.expectedActualData(at(0.5, 0.5))[0], 6);
  });
});
