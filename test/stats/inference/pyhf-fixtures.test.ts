/**
 * Fits, q~_mu CLs, q0 p-values and upper limits against pyhf (SLSQP, tolerance 1e-12) on 30
 * random workspaces and pyhf's two documented examples, within the fixtures' tolerances:
 * fit 2NLL absolute 1e-6, parameters absolute 1e-4 away from bounds (see expectFitMatches for
 * flat directions), CLs/p0 relative 1e-5 or absolute 1e-10
 * (expected bands: see expectBand), limits relative 2e-6 / 5e-6 (see the limits test). Cases 25 and 27 have no hypotest
 * values: their data are impossible at mu = 0 and pyhf fails there (test/stats/inference/
 * impossible-data.test.ts checks that diffinfer says why).
 */
import { describe, expect, it } from 'vitest';
import {
  AsymptoticCalculator,
  clsFromShifted,
  EXPECTED_SIGMAS,
  fit,
  fixedPoiFit,
  testStatistic,
  upperLimit,
  type FitResult,
  type HypotestResult,
} from '../../../src/stats/inference/index.js';
import { buildModel, observedData } from '../../../src/stats/model/index.js';
import { parseWorkspace } from '../../../src/stats/workspace/index.js';
import { caseNames, close, loadCase } from '../../helpers/fixtures.js';

const has = (x: any) => x && !('error' in x);

/**
 * Parameters agree to 1e-4, or to what pyhf's own distance from the minimum allows: when pyhf's
 * point has 2NLL higher than ours by Delta, a quadratic minimum bounds its error in parameter i
 * by sqrt(Delta) * sigma_i (sigma from 2 H^-1); in flat directions that exceeds 1e-4.
 */
function expectFitMatches(
  model: ReturnType<typeof buildModel>,
  data: ReturnType<typeof observedData>,
  ours: FitResult,
  ref: { pars: number[]; twice_nll: number },
  fixedMask: boolean[],
) {
  expect(ours.converged).toBe(true);
  // A lower minimum than pyhf's by > 1e-6 would mean SLSQP stopped early; none of the cases do.
  expect(ours.twiceNll - ref.twice_nll).toBeLessThan(1e-6);
  expect(ours.twiceNll - ref.twice_nll).toBeGreaterThan(-1e-6);
  const excess = Math.max(0, model.twiceNll(ref.pars, data) - ours.twiceNll);
  const { lower, upper } = model.suggestedBounds();
  for (let i = 0; i < model.nPars; i++) {
    if (fixedMask[i]) continue;
    const atBound = Math.abs(ours.parameters[i] - lower[i]) < 1e-6 || Math.abs(ours.parameters[i] - upper[i]) < 1e-6;
    if (atBound) continue;
    const sigma = ours.uncertainties ? ours.uncertainties[i] : Infinity;
    const tol = Math.max(1e-4, 1.1 * Math.sqrt(excess) * sigma);
    expect(Math.abs(ours.parameters[i] - ref.pars[i]), `${model.parameterNames[i]}`).toBeLessThan(tol);
  }
}

describe.each(caseNames({ examples: true }))('%s', (name) => {
  const c = loadCase(name);
  const ws = parseWorkspace(c.workspace);
  const model = buildModel(ws);
  const data = observedData(ws, model);
  const e = c.expected;

  if (has(e.fit)) it('free fit matches pyhf', () => {
    const r = fit(model, data);
    expectFitMatches(model, data, r, e.fit, model.suggestedFixed());
  });

  if (has(e.fixed_poi_fit)) it('fixed-POI fit matches pyhf', () => {
    const r = fixedPoiFit(model, data, e.fixed_poi_fit.poi_test);
    const mask = model.suggestedFixed();
    mask[model.poiIndex] = true;
    expectFitMatches(model, data, r, e.fixed_poi_fit, mask);
  });

  if (has(e.hypotest)) it('q~_mu CLs observed and expected band match pyhf', () => {
    const h = e.hypotest;
    const r = new AsymptoticCalculator(model, data, { testStat: 'qtilde' }).hypotest(h.poi_test);
    expect(close(r.clsObs, h.CLs_obs, 1e-5, 1e-10), `CLs_obs ${r.clsObs} vs ${h.CLs_obs}`).toBe(true);
    expectBand(r, h, h.CLs_exp_band, 'qtilde');
  });

  if (has(e.hypotest_q0)) it('q0 p-value and expected band match pyhf', () => {
    const h = e.hypotest_q0;
    const r = new AsymptoticCalculator(model, data, { testStat: 'q0' }).hypotest(0);
    expect(close(r.clsObs, h.p0_obs, 1e-5, 1e-10), `p0 ${r.clsObs} vs ${h.p0_obs}`).toBe(true);
    expectBand(r, h, h.p0_exp_band, 'q0');
  });

  /**
   * The expected band depends only on qA, computed on Asimov data built from a fit. On pyhf's
   * own Asimov data our band equals pyhf's to 1e-5 (the fixtures' tolerance). On our Asimov
   * data it may differ by up to ~2e-4: pyhf's SLSQP stops the Asimov fit 1e-9..1e-8 above the
   * minimum that our Newton fit reaches (asserted below: ours is the lower minimum), and qA is
   * sensitive to the fitted nuisance values in flat directions (cases 01, 12, 20, 24, 28).
   */
  function expectBand(r: HypotestResult, h: any, ref: number[], kind: 'qtilde' | 'q0') {
    const ad: number[] = h.asimov_data;
    const pyhfAsimov = model.data(ad.slice(0, model.nMainBins), ad.slice(model.nMainBins));
    const qA = testStatistic(kind, h.poi_test, model, pyhfAsimov).value;
    EXPECTED_SIGMAS.forEach((n, i) => {
      const c = clsFromShifted(n, Math.sqrt(qA));
      const v = kind === 'q0' ? c.clsb : c.cls;
      expect(close(v, ref[i], 1e-5, 1e-10), `band[${i}] on pyhf's Asimov data: ${v} vs ${ref[i]}`).toBe(true);
    });
    const pyhfAsimovFit = model.twiceNll(h.fitted_pars.asimov_pars, data);
    expect(r.fits.asimovFit.twiceNll).toBeLessThanOrEqual(pyhfAsimovFit + 1e-10);
    r.clsExp.forEach((v, i) => expect(close(v, ref[i], 2e-4, 1e-10), `band[${i}] ${v} vs ${ref[i]}`).toBe(true));
  }

  /**
   * Upper limits. pyhf's toms748 stops at rtol 1e-4 of its bracket, so its reported roots can
   * be off by more than the CLs values it computed: each limit is also compared with the root
   * of the secant through pyhf's own CLs at its two points nearest its root (stored in
   * `points`). Measured over the 28 cases with limits: observed limits agree with pyhf's to
   * 7.4e-7 relative at worst (median 6e-8); expected limits to 2.9e-6 with the secant roots
   * (median 1e-7; the expected band rests on the Asimov fit, where pyhf's SLSQP stops 1e-9..1e-8
   * above our minimum) and to 1.6e-5 with pyhf's reported roots (the difference is pyhf's
   * root finder: cases 03, 10, 17, 18, 23, 28 and example-correlated).
   */
  if (has(e.upper_limit)) it('upper limits match pyhf', () => {
    const u = e.upper_limit;
    const r = upperLimit(model, data);
    expect(close(r.obs, u.obs_limit, 2e-6), `obs ${r.obs} vs ${u.obs_limit}`).toBe(true);
    const points: number[] = u.points;
    u.exp_limits.forEach((v: number, i: number) => {
      expect(close(r.exp[i], v, 3e-5), `exp[${i}] ${r.exp[i]} vs ${v}`).toBe(true);
      const near = points.map((_, k) => k).sort((a, b) => Math.abs(points[a] - v) - Math.abs(points[b] - v));
      const fa = u.CLs_exp_band[near[0]][i] - u.level;
      const k = near.slice(1).find((b) => points[b] !== points[near[0]] && fa * (u.CLs_exp_band[b][i] - u.level) <= 0)!;
      const fb = u.CLs_exp_band[k][i] - u.level;
      const secant = points[near[0]] - (fa * (points[k] - points[near[0]])) / (fb - fa);
      expect(close(r.exp[i], secant, 5e-6), `exp[${i}] ${r.exp[i]} vs secant through pyhf's CLs ${secant}`).toBe(true);
    });
  });
});
