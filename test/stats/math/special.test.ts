import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  digamma,
  erf,
  erfc,
  logGamma,
  normalCdf,
  normalPdf,
  normalQuantile,
  normalSf,
  trigamma,
} from '../../../src/stats/math/index.js';

/** |actual - expected| <= tol * |expected| (absolute tol when expected = 0). */
function expectRel(actual: number, expected: number, tol: number, what = ''): void {
  const err = expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
  if (!(err <= tol)) {
    throw new Error(`${what}: got ${actual}, expected ${expected} (relative error ${err.toExponential(2)} > ${tol})`);
  }
}

// Reference values: mpmath at 40 significant digits, rounded to double.
const CDF: [number, number][] = [
  [-37.5, 4.605353009581955e-308],
  [-30, 4.906713927148187e-198],
  [-20, 2.7536241186062337e-89],
  [-10, 7.619853024160525e-24],
  [-8, 6.220960574271784e-16],
  [-5, 2.866515718791939e-7],
  [-3, 0.0013498980316300946],
  [-1.5, 0.06680720126885807],
  [-0.5, 0.3085375387259869],
  [-0.001, 0.49960105778608893],
  [0, 0.5],
  [0.3, 0.6179114221889527],
  [0.6629, 0.7463026991317633],
  [1, 0.8413447460685429],
  [1.959963984540054, 0.975],
  [3, 0.9986501019683699],
  [5, 0.9999997133484281],
  [8.2, 0.9999999999999999],
];
const SF: [number, number][] = [
  [5, 2.866515718791939e-7],
  [10, 7.619853024160525e-24],
  [20, 2.7536241186062337e-89],
  [35, 1.1249107064724062e-268],
];
const PDF: [number, number][] = [
  [0, 0.3989422804014327],
  [1, 0.24197072451914334],
  [-2.5, 0.017528300493568537],
  [10, 7.694598626706419e-23],
  [-30, 1.4736461348785476e-196],
];
const QUANTILE: [number, number][] = [
  [1e-300, -37.0470962993612],
  [1e-100, -21.273453560965326],
  [1e-20, -9.262340089798407],
  [1e-10, -6.361340902404057],
  [1e-5, -4.264890793922825],
  [0.001, -3.0902323061678136],
  [0.025, -1.9599639845400543],
  [0.1, -1.2815515655446004],
  [0.3, -0.5244005127080408],
  [0.5, 0],
  [0.6, 0.2533471031357997],
  [0.975, 1.9599639845400538],
  [0.999, 3.090232306167813],
  [0.9999999, 5.199337582290661],
];
const LGAMMA: [number, number][] = [
  [1e-300, 690.7755278982137],
  [1e-10, 23.025850929882736],
  [0.1, 2.252712651734206],
  [0.5, 0.5723649429247001],
  [0.9999, 5.7729791561193866e-5],
  [1, 0],
  [1.0000001, -5.772155829918507e-8],
  [1.5, -0.12078223763524522],
  [1.9999, -4.227520877215346e-5],
  [2, 0],
  [2.0001, 4.2281658112919945e-5],
  [2.5, 0.2846828704729192],
  [3.7, 1.428072326665388],
  [9.99, 12.779315214350193],
  [10, 12.801827480081469],
  [33.3, 82.60372358165495],
  [101, 363.73937555556347],
  [1000.5, 5908.674175848678],
  [100000.5, 1051293.4654351394],
  [1e7, 151180949.3694739],
  [10000000.25, 151180953.3989978],
  [1e15, 3.3538776394910668e16],
  [1e300, 6.897755278982137e302],
];
const DIGAMMA: [number, number][] = [
  [1e-10, -10000000000.577215],
  [0.25, -4.2274535333762655],
  [1, -0.5772156649015329],
  [1.4616321449683622, -9.241265521729427e-17],
  [1.46, -0.0015805619870834522],
  [1.5, 0.03648997397857652],
  [2, 0.42278433509846713],
  [3.3, 1.0348224890596216],
  [9.9, 2.2411803166063815],
  [10.5, 2.3030010342976865],
  [100, 4.600161852738087],
  [1e6, 13.815510057964191],
  [1e15, 34.538776394910684],
];
const TRIGAMMA: [number, number][] = [
  [1e-5, 10000000001.644909],
  [0.5, 4.934802200544679],
  [1, 1.6449340668482264],
  [2, 0.6449340668482264],
  [7.7, 0.13866710857111123],
  [19.5, 0.05261944121365593],
  [20.5, 0.04998959242996099],
  [100, 0.010050166663333571],
  [1e8, 1.000000005e-8],
];
const ERFC: [number, number][] = [
  [-3, 1.9999779095030015],
  [-0.2, 1.2227025892104784],
  [0, 1],
  [0.4, 0.5716076449533315],
  [0.47, 0.5062549491139179],
  [1, 0.15729920705028513],
  [2, 0.004677734981047266],
  [4, 1.541725790028002e-8],
  [4.5, 1.9661604415428876e-10],
  [10, 2.088487583762545e-45],
  [26, 5.663192408856143e-296],
];
const ERF: [number, number][] = [
  [-2, -0.9953222650189527],
  [-0.4, -0.42839235504666845],
  [1e-10, 1.1283791670955126e-10],
  [0.5, 0.5204998778130465],
  [3, 0.9999779095030014],
];

describe('normal distribution', () => {
  it('normalCdf matches reference values to 1e-15 relative, including deep tails', () => {
    for (const [x, v] of CDF) expectRel(normalCdf(x), v, 1e-15, `Phi(${x})`);
    expect(normalCdf(1.959963984540054)).toBe(0.975);
    expectRel(normalCdf(-10), 7.619853024160525e-24, 1e-14, 'Phi(-10)');
    expect(normalCdf(-40)).toBe(0);
    expect(normalCdf(40)).toBe(1);
    expect(normalCdf(-Infinity)).toBe(0);
    expect(normalCdf(Infinity)).toBe(1);
    expect(normalCdf(NaN)).toBeNaN();
  });

  it('normalSf is accurate in the upper tail', () => {
    for (const [x, v] of SF) expectRel(normalSf(x), v, 1e-15, `Q(${x})`);
  });

  it('normalPdf matches reference values', () => {
    for (const [x, v] of PDF) expectRel(normalPdf(x), v, 1e-15, `phi(${x})`);
    expect(normalPdf(Infinity)).toBe(0);
  });

  it('normalQuantile matches reference values to 1e-15 relative', () => {
    for (const [p, v] of QUANTILE) expectRel(normalQuantile(p), v, 1e-15, `Phi^-1(${p})`);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(-0.1)).toBeNaN();
    expect(normalQuantile(1.1)).toBeNaN();
    expect(normalQuantile(NaN)).toBeNaN();
  });

  it('property: Phi(x) + Phi(-x) = 1', () => {
    fc.assert(
      fc.property(fc.double({ min: -40, max: 40, noNaN: true }), (x) => {
        expect(Math.abs(normalCdf(x) + normalCdf(-x) - 1)).toBeLessThanOrEqual(2.3e-16);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: quantile(cdf(x)) = x to the accuracy allowed by rounding p, and cdf(quantile(p)) = p', () => {
    fc.assert(
      fc.property(fc.double({ min: -37, max: 8, noNaN: true }), (x) => {
        const p = normalCdf(x);
        // rounding p by ~1e-16 relative moves the quantile by ~1e-16 * p / phi(x)
        const tol = (2e-15 * p) / normalPdf(x) + 4e-16 * Math.abs(x);
        expect(Math.abs(normalQuantile(p) - x)).toBeLessThanOrEqual(tol);
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.double({ min: 1e-300, max: 1, noNaN: true, noDefaultInfinity: true }), (p) => {
        if (p === 0) return;
        const x = normalQuantile(p);
        // cdf(quantile(p)) = p up to rounding x itself: d log p / dx ~ |x|, so ~ eps * x^2
        expect(Math.abs(normalCdf(x) - p) / p).toBeLessThanOrEqual(2e-15 + 2.5e-16 * x * x);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: normalPdf is the derivative of normalCdf', () => {
    fc.assert(
      fc.property(fc.double({ min: -8, max: 8, noNaN: true }), (x) => {
        const h = 1e-5;
        const numeric = (normalCdf(x + h) - normalCdf(x - h)) / (2 * h);
        expect(Math.abs(numeric - normalPdf(x))).toBeLessThanOrEqual(1e-9);
      }),
      { numRuns: 500 },
    );
  });
});

describe('error function', () => {
  it('erf and erfc match reference values', () => {
    for (const [x, v] of ERFC) expectRel(erfc(x), v, 1e-15, `erfc(${x})`);
    for (const [x, v] of ERF) expectRel(erf(x), v, 1e-15, `erf(${x})`);
    expect(erfc(30)).toBe(0);
    expect(erfc(-30)).toBe(2);
    expect(erf(-Infinity)).toBe(-1);
  });
});

describe('gamma family', () => {
  it('logGamma matches reference values to 1e-15 relative (also next to its zeros)', () => {
    for (const [x, v] of LGAMMA) expectRel(logGamma(x), v, 1e-15, `lgamma(${x})`);
    expectRel(logGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-15, 'lgamma(1/2)');
    expect(logGamma(101)).toBe(363.73937555556347);
    expect(logGamma(1)).toBe(0);
    expect(logGamma(2)).toBe(0);
    expect(logGamma(0)).toBe(Infinity);
    expect(logGamma(-1)).toBeNaN();
  });

  it('logGamma(n + 1) = sum log k for integers up to 2000', () => {
    let acc = 0;
    for (let n = 1; n <= 2000; n++) {
      acc += Math.log(n);
      expectRel(logGamma(n + 1), acc, 2e-14, `lgamma(${n + 1})`); // the running sum has its own rounding
    }
  });

  it('digamma and trigamma match reference values', () => {
    for (const [x, v] of DIGAMMA) expectRel(digamma(x), v, 1e-15, `psi(${x})`);
    for (const [x, v] of TRIGAMMA) expectRel(trigamma(x), v, 1e-15, `psi1(${x})`);
    expect(digamma(1)).toBe(-0.5772156649015329);
    expectRel(trigamma(1), (Math.PI * Math.PI) / 6, 1e-15, 'psi1(1)');
    expect(digamma(-1)).toBeNaN();
    expect(trigamma(0)).toBe(Infinity);
  });

  it('property: recurrences lgamma(x+1) = lgamma(x) + log x, psi(x+1) = psi(x) + 1/x, psi1(x+1) = psi1(x) - 1/x^2', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 1e6, noNaN: true }), (x) => {
        const lg = logGamma(x) + Math.log(x);
        expect(Math.abs(logGamma(x + 1) - lg)).toBeLessThanOrEqual(4e-15 * Math.max(1, Math.abs(lg), Math.abs(Math.log(x))));
        const dg = digamma(x) + 1 / x;
        expect(Math.abs(digamma(x + 1) - dg)).toBeLessThanOrEqual(4e-15 * Math.max(1, Math.abs(1 / x), Math.abs(dg)));
        const tg = trigamma(x) - 1 / (x * x);
        expect(Math.abs(trigamma(x + 1) - tg)).toBeLessThanOrEqual(4e-15 * trigamma(x));
      }),
      { numRuns: 2000 },
    );
  });

  it('property: digamma is the numeric derivative of logGamma, trigamma that of digamma', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 1e4, noNaN: true }), (x) => {
        const h = 1e-4 * x;
        // 4th-order central difference
        const d = (f: (t: number) => number) => (8 * (f(x + h) - f(x - h)) - (f(x + 2 * h) - f(x - 2 * h))) / (12 * h);
        const scale = Math.max(1, Math.abs(logGamma(x))) / x;
        expect(Math.abs(d(logGamma) - digamma(x))).toBeLessThanOrEqual(1e-9 * Math.max(scale, Math.abs(digamma(x))));
        expect(Math.abs(d(digamma) - trigamma(x))).toBeLessThanOrEqual(
          1e-8 * Math.max(Math.abs(trigamma(x)), Math.abs(digamma(x)) / x),
        );
      }),
      { numRuns: 1000 },
    );
  });
});
