/**
 * The five test statistics on pyhf's uncorrelated example and a fixture: their definitions
 * relative to each other (Cowan et al. eqs. 8-16, with pyhf's bound conventions).
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/stats/errors.js';
import { normalCdf } from '../../../src/stats/math/special.js';
import { AsymptoticCalculator, fit, fixedPoiFit, testStatistic } from '../../../src/stats/inference/index.js';
import { buildModel, observedData } from '../../../src/stats/model/index.js';
import { parseWorkspace } from '../../../src/stats/workspace/index.js';
import { loadCase } from '../../helpers/fixtures.js';

const ws = parseWorkspace(loadCase('case-02').workspace);
const model = buildModel(ws);
const data = observedData(ws, model);
const free = fit(model, data);
const muHat = free.parameters[model.poiIndex];

describe('test statistics', () => {
  it('t_mu is twice the profile log-likelihood ratio, >= 0, and 0 at mu-hat', () => {
    for (const mu of [0.5 * muHat, muHat, 2 * muHat + 0.5]) {
      const t = testStatistic('t', mu, model, data).value;
      expect(t).toBeCloseTo(Math.max(0, fixedPoiFit(model, data, mu).twiceNll - free.twiceNll), 9);
      expect(t).toBeGreaterThanOrEqual(0);
    }
    expect(testStatistic('t', muHat, model, data).value).toBeLessThan(1e-8);
  });

  it('q_mu equals t_mu above mu-hat and is 0 below; q~ and t~ agree with q and t when mu-hat >= 0', () => {
    const above = 2 * muHat + 0.5;
    const below = 0.5 * muHat;
    expect(testStatistic('q', above, model, data).value).toBeCloseTo(testStatistic('t', above, model, data).value, 12);
    expect(testStatistic('q', below, model, data).value).toBe(0);
    expect(testStatistic('t', below, model, data).value).toBeCloseTo(fixedPoiFit(model, data, below).twiceNll - free.twiceNll, 9);
    expect(testStatistic('qtilde', above, model, data).value).toBeCloseTo(testStatistic('q', above, model, data).value, 12);
    expect(testStatistic('ttilde', below, model, data).value).toBeCloseTo(testStatistic('t', below, model, data).value, 12);
  });

  it('q0 is t_0 when mu-hat >= 0', () => {
    expect(muHat).toBeGreaterThan(0);
    expect(testStatistic('q0', 0, model, data).value).toBeCloseTo(testStatistic('t', 0, model, data).value, 12);
  });

  it('q~ and t~ refuse a POI not bounded at 0; q0 refuses mu != 0', () => {
    const lower = model.suggestedBounds().lower;
    lower[model.poiIndex] = -5;
    expect(() => testStatistic('qtilde', 1, model, data, { lower })).toThrow(InputError);
    expect(() => testStatistic('q0', 1, model, data)).toThrow(/q0 tests mu = 0/);
  });

  it('q and q~ share the statistic (POI bounded at 0) but map it to CLs differently', () => {
    const lower = model.suggestedBounds().lower;
    const q = new AsymptoticCalculator(model, data, { testStat: 'q' }).hypotest(3 * muHat + 1);
    const qt = new AsymptoticCalculator(model, data, { testStat: 'qtilde' }).hypotest(3 * muHat + 1);
    expect(lower[model.poiIndex]).toBe(0);
    expect(q.teststatObs).toBeCloseTo(qt.teststatObs, 12);
    // same q, different mapping to CLs (Cowan et al. eqs. 59, 65-66): for q,
    // CLs = Phi(-sqrt q) / Phi(sqrt qA - sqrt q); for q~ with q > qA,
    // CLs = Phi(-(q + qA) / (2 sqrt qA)) / Phi(-(q - qA) / (2 sqrt qA))
    // (for q <= qA the two agree)
    for (const mu of [3 * muHat + 1, 0.5 * muHat + 0.1]) {
      const a = new AsymptoticCalculator(model, data, { testStat: 'q' }).hypotest(mu);
      const b = new AsymptoticCalculator(model, data, { testStat: 'qtilde' }).hypotest(mu);
      const [qq, qA] = [a.teststatObs, a.teststatAsimov];
      const clsQ = normalCdf(-Math.sqrt(qq)) / normalCdf(Math.sqrt(qA) - Math.sqrt(qq));
      expect(a.clsObs).toBeCloseTo(clsQ, 12);
      const s = 2 * Math.sqrt(qA);
      expect(b.clsObs).toBeCloseTo(qq > qA ? normalCdf(-(qq + qA) / s) / normalCdf(-(qq - qA) / s) : clsQ, 12);
    }
  });
});
