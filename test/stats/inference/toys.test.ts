/**
 * Pseudo-experiment sampling: the variates against their exact distributions (chi-square
 * goodness of fit, moments), toy data against the model's expectation (pyhf's `sample`
 * conventions: Poisson main data, Gaussian / Poisson auxiliary data), priors, and seeding (toy i
 * depends only on seed, stream and i).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { InputError } from '../../../src/stats/errors.js';
import {
  gammaVariate,
  normalVariate,
  poissonVariate,
  runToyBlock,
  samplePriorParameters,
  sampleToyData,
  toyUniforms,
} from '../../../src/stats/inference/index.js';
import { logGamma, normalQuantile } from '../../../src/stats/math/index.js';
import { buildModel, observedData } from '../../../src/stats/model/index.js';
import { parseWorkspace } from '../../../src/stats/workspace/index.js';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'pyhf');
const load = (name: string) => {
  const ws = parseWorkspace(JSON.parse(readFileSync(join(FIX, `${name}.json`), 'utf8')).workspace);
  const model = buildModel(ws);
  return { model, data: observedData(ws, model) };
};

/** chi-square critical value at upper-tail probability 1e-3 (Wilson–Hilferty). */
const chi2Critical = (ndf: number) => ndf * (1 - 2 / (9 * ndf) + normalQuantile(1 - 1e-3) * Math.sqrt(2 / (9 * ndf))) ** 3;

describe('Poisson variates: chi-square against the exact pmf (20 000 draws, bins with >= 20 expected)', () => {
  // measured chi2/ndf here: 0.5: 5.6/4, 3: 6.4/10, 9.99: 20.7/19, 10: 35.8/19, 47.3: 41.8/41,
  // 1000: 188.9/159 (critical values at 1e-3: 18.5, 29.6, 43.8, 43.8, 74.7, 208); with 1e6 draws
  // (outside the suite) 10: 23.6/23, 12: 33.2/27, 30: 38.5/42, 1000: 208.1/221
  for (const lambda of [0.5, 3, 9.99, 10, 47.3, 1000]) {
    test(`lambda = ${lambda} (${lambda < 10 ? 'inversion' : 'PTRS'})`, () => {
      const n = 20_000;
      const counts = new Map<number, number>();
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const k = poissonVariate(lambda, toyUniforms(3, `poisson-${lambda}`, i));
        expect(Number.isInteger(k) && k >= 0).toBe(true);
        counts.set(k, (counts.get(k) ?? 0) + 1);
        sum += k;
      }
      let chi2 = 0;
      let ndf = -1;
      let e = 0;
      let o = 0;
      const kMax = Math.max(...counts.keys());
      for (let k = 0; k <= kMax; k++) {
        e += n * Math.exp(-lambda + k * Math.log(lambda) - logGamma(k + 1));
        o += counts.get(k) ?? 0;
        if (e >= 20) {
          chi2 += (o - e) ** 2 / e;
          ndf++;
          e = 0;
          o = 0;
        }
      }
      // the upper tail beyond kMax goes with the last bin's remainder
      const tail = n - [...counts.values()].reduce((a, b) => a + b, 0);
      expect(tail).toBe(0);
      expect(chi2).toBeLessThan(chi2Critical(ndf));
      expect(Math.abs(sum / n - lambda) / Math.sqrt(lambda / n)).toBeLessThan(4);
    });
  }
  test('lambda = 0 gives 0; a negative or infinite rate is a NumericalError', () => {
    expect(poissonVariate(0, toyUniforms(0, 'x', 0))).toBe(0);
    expect(() => poissonVariate(-1e-3, toyUniforms(0, 'x', 0))).toThrow(/non-negative/);
    expect(() => poissonVariate(Infinity, toyUniforms(0, 'x', 0))).toThrow(/finite/);
  });
});

describe('normal and gamma variates: moments over 20 000 draws', () => {
  test('normal: mean 0 and variance 1 within 4 standard errors', () => {
    const n = 20_000;
    let s = 0;
    let s2 = 0;
    let s4 = 0;
    for (let i = 0; i < n; i++) {
      const z = normalVariate(toyUniforms(5, 'normal', i));
      s += z;
      s2 += z * z;
      s4 += z ** 4;
    }
    expect(Math.abs(s / n) / Math.sqrt(1 / n)).toBeLessThan(4);
    expect(Math.abs(s2 / n - 1) / Math.sqrt(2 / n)).toBeLessThan(4);
    expect(Math.abs(s4 / n - 3) / Math.sqrt(96 / n)).toBeLessThan(4); // E z^4 = 3, var z^4 = 96
  });
  for (const shape of [0.4, 3, 25]) {
    test(`gamma shape ${shape}: mean and variance = shape`, () => {
      const n = 20_000;
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const g = gammaVariate(shape, toyUniforms(5, `gamma-${shape}`, i));
        expect(g).toBeGreaterThan(0);
        s += g;
        s2 += g * g;
      }
      const m = s / n;
      const v = s2 / n - m * m;
      expect(Math.abs(m - shape) / Math.sqrt(shape / n)).toBeLessThan(4);
      // var of the sample variance of a gamma: (mu4 - sigma^4)/n with mu4 = 3k^2 + 6k
      expect(Math.abs(v - shape) / Math.sqrt((3 * shape * shape + 6 * shape - shape * shape) / n)).toBeLessThan(4);
    });
  }
});

describe('toy data follow the model (pyhf sample conventions)', () => {
  test('example-uncorrelated: Poisson main data, Poisson shapesys aux data at theta * tau', () => {
    const { model } = load('example-uncorrelated');
    const pars = Float64Array.from([0.7, 1.05, 0.9]);
    const lambda = model.expectedActualData(pars);
    const auxMean = model.expectedAuxData(pars); // gamma * tau = [291.7, 49.7]
    const n = 4000;
    const s = new Float64Array(4);
    const s2 = new Float64Array(4);
    for (let i = 0; i < n; i++) {
      const t = sampleToyData(model, pars, toyUniforms(9, 'toys', i));
      const x = [...t.main, ...t.aux];
      x.forEach((v, k) => {
        expect(Number.isInteger(v)).toBe(true);
        s[k] += v;
        s2[k] += v * v;
      });
    }
    const mean = [...lambda, ...auxMean];
    for (let k = 0; k < 4; k++) {
      const m = s[k] / n;
      const v = s2[k] / n - m * m;
      expect(Math.abs(m - mean[k]) / Math.sqrt(mean[k] / n)).toBeLessThan(4);
      expect(Math.abs(v / mean[k] - 1)).toBeLessThan(0.1); // Poisson: variance = mean (se ~ 2.2%)
    }
  });
  test('case-04: Gaussian aux data for lumi (sigma 0.0234) and normsys (sigma 1)', () => {
    const { model } = load('case-04');
    const pars = model.suggestedInit();
    pars[model.parameterIndex('sig_xsec')] = 0.4;
    const terms = model.constraintTerms();
    const n = 4000;
    const s = new Float64Array(terms.length);
    const s2 = new Float64Array(terms.length);
    for (let i = 0; i < n; i++) {
      const t = sampleToyData(model, pars, toyUniforms(9, 'toys', i));
      t.aux.forEach((v, k) => {
        s[k] += v;
        s2[k] += v * v;
      });
    }
    terms.forEach((t, k) => {
      const m = s[k] / n;
      const sd = Math.sqrt(s2[k] / n - m * m);
      expect(Math.abs(m - pars[t.parameter]) / (t.width / Math.sqrt(n))).toBeLessThan(4);
      expect(Math.abs(sd / t.width - 1)).toBeLessThan(0.05); // se of a sd ratio ~ 1.1%
    });
  });
});

describe('priors of the nuisance parameters', () => {
  test('normal priors N(aux, sigma); shapesys priors Gamma(aux, tau) with mean 1 and variance 1/tau; POI kept', () => {
    const { model } = load('example-uncorrelated');
    const truth = Float64Array.from([1.3, 1, 1]);
    const tau = model.constraintTerms().map((t) => t.width); // 277.8, 55.2
    const n = 20_000;
    const s = [0, 0];
    const s2 = [0, 0];
    for (let i = 0; i < n; i++) {
      const p = samplePriorParameters(model, truth, toyUniforms(2, 'prior', i));
      expect(p[0]).toBe(1.3);
      for (const k of [0, 1]) {
        s[k] += p[k + 1];
        s2[k] += p[k + 1] ** 2;
      }
    }
    for (const k of [0, 1]) {
      const m = s[k] / n;
      const v = s2[k] / n - m * m;
      expect(Math.abs(m - 1) / Math.sqrt(1 / tau[k] / n)).toBeLessThan(4);
      expect(Math.abs(v * tau[k] - 1)).toBeLessThan(0.05);
    }
    const { model: m4 } = load('case-04');
    const lumi = m4.parameterIndex('lumi');
    const t4 = m4.suggestedInit();
    const keep = new Set([m4.parameterIndex('sig_xsec')]);
    const p = samplePriorParameters(m4, t4, toyUniforms(2, 'prior', 0), { keep });
    expect(p[m4.parameterIndex('sig_xsec')]).toBe(t4[m4.parameterIndex('sig_xsec')]);
    expect(p[lumi]).not.toBe(1);
    expect(p[lumi]).toBeGreaterThanOrEqual(0.915);
    expect(p[lumi]).toBeLessThanOrEqual(1.085);
  });
});

describe('seeding', () => {
  test('toy i depends only on (seed, stream, i): blocks of any size give the same values', () => {
    const { model, data } = load('example-uncorrelated');
    const spec = (start: number, count: number) => ({
      stream: 'background' as const,
      seed: 4,
      start,
      count,
      generatingParameters: Array.from(model.suggestedInit()),
      testStat: 'qtilde' as const,
      poiTest: 1,
      fitOptions: {},
    });
    void data;
    const whole = runToyBlock(model, spec(0, 30)).values;
    const parts = [...runToyBlock(model, spec(0, 7)).values, ...runToyBlock(model, spec(7, 23)).values];
    expect(parts).toEqual([...whole]);
    const other = runToyBlock(model, { ...spec(0, 30), seed: 5 }).values;
    expect([...other]).not.toEqual([...whole]);
    // no two toys share their random numbers: the non-zero statistics are all distinct
    const positive = [...whole].filter((q) => q > 0);
    expect(positive.length).toBeGreaterThan(10);
    expect(new Set(positive).size).toBe(positive.length);
  });
  test('a negative, fractional or unsafe seed is an InputError naming the seed', () => {
    for (const s of [-1, 1.5, 2 ** 60]) {
      expect(() => toyUniforms(s, 'x', 0)).toThrow(InputError);
      expect(() => toyUniforms(s, 'x', 0)).toThrow(/^seed: must be a non-negative integer/);
    }
  });
});
