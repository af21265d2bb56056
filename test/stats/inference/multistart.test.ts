/**
 * The multi-start fit: on random hard workspaces (`hardWorkspaceArb`: small yields, strongly
 * asymmetric shared histosys and normsys) the minimum found does not depend on the start
 * point; the saturated lower bound of 2NLL and the rate-reversal analysis against closed forms
 * and fine-grid references; the CLI reports the starts.
 */
import fc from 'fast-check';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fit, fixedPoiFit, testStatistic } from '../../../src/stats/inference/index.js';
import { nonConvexParameters, rateReversals, saturatedTwiceNll } from '../../../src/stats/inference/multistart.js';
import { buildModel, observedData } from '../../../src/stats/model/index.js';
import { hardWorkspaceArb } from '../../../src/stats/testing/index.js';
import { parseWorkspace, type Workspace } from '../../../src/stats/workspace/index.js';
import { runCli } from '../../helpers/cli.js';

/** A point drawn uniformly inside the fit's box (normsys/histosys in their full [-5, 5]). */
function boxPointArb(lower: Float64Array, upper: Float64Array): fc.Arbitrary<number[]> {
  return fc.tuple(...Array.from(lower, (lo, i) => fc.double({ min: lo, max: upper[i], noNaN: true })));
}

describe('multi-start fits', () => {
  it('reach the same 2NLL (1e-6) from random start points in the box, free and with mu fixed', () => {
    // 25 workspaces x 3 start points x (free, mu = 1); measured: the largest difference to the
    // fit from the suggested init is 6e-14
    fc.assert(
      fc.property(
        hardWorkspaceArb().chain((raw) => {
          const model = buildModel(parseWorkspace(raw));
          const { lower, upper } = model.suggestedBounds();
          return fc.tuple(fc.constant(raw), fc.array(boxPointArb(lower, upper), { minLength: 3, maxLength: 3 }));
        }),
        ([raw, starts]) => {
          const ws = parseWorkspace(raw);
          const model = buildModel(ws);
          const data = observedData(ws, model);
          const free = fit(model, data, { uncertainties: false });
          const fixed = fixedPoiFit(model, data, 1, { uncertainties: false });
          expect(free.converged && fixed.converged).toBe(true);
          for (const x0 of starts) {
            const a = fit(model, data, { init: x0, uncertainties: false });
            expect(a.converged).toBe(true);
            expect(Math.abs(a.twiceNll - free.twiceNll), `free fit from ${x0.map((x) => x.toFixed(2))}`).toBeLessThan(1e-6);
            const b = fixedPoiFit(model, data, 1, { init: x0, uncertainties: false });
            expect(Math.abs(b.twiceNll - fixed.twiceNll), `mu = 1 fit from ${x0.map((x) => x.toFixed(2))}`).toBeLessThan(1e-6);
          }
          // the free minimum is below every fixed one by construction
          expect(free.twiceNll).toBeLessThanOrEqual(fixed.twiceNll + 1e-9);
        },
      ),
      { numRuns: 25, seed: 2026 },
    );
  });

  it('t_mu >= 0 and the fits of a test statistic report their starts', () => {
    for (const raw of fc.sample(hardWorkspaceArb(), { numRuns: 10, seed: 77 })) {
      const ws = parseWorkspace(raw);
      const model = buildModel(ws);
      const data = observedData(ws, model);
      const t = testStatistic('t', 1, model, data);
      expect(t.freeFit.twiceNll).toBeLessThanOrEqual(t.fixedFit.twiceNll + 1e-9);
      expect(t.value).toBeGreaterThanOrEqual(0);
      for (const r of [t.freeFit, t.fixedFit]) {
        expect(r.starts).toBeGreaterThanOrEqual(1);
        expect(r.distinctMinima).toBeGreaterThanOrEqual(1);
        expect(r.distinctMinima).toBeLessThanOrEqual(r.starts);
        expect(r.startSpread).toBeGreaterThanOrEqual(0);
      }
    }
  });
});

/** One channel, one bin, a signal and a background with one histosys `a` given as multiples of nominal. */
function oneBin(hi: number, lo: number, observed: number): Workspace {
  return parseWorkspace({
    channels: [
      {
        name: 'SR',
        samples: [
          { name: 'signal', data: [5], modifiers: [{ name: 'mu', type: 'normfactor', data: null }] },
          { name: 'bkg', data: [20], modifiers: [{ name: 'a', type: 'histosys', data: { hi_data: [20 * hi], lo_data: [20 * lo] } }] },
        ],
      },
    ],
    observations: [{ name: 'SR', data: [observed] }],
    measurements: [{ name: 'meas', config: { poi: 'mu', parameters: [] } }],
    version: '1.0.0',
  });
}

describe('rate reversals', () => {
  it('find hi and lo on the same side of nominal, with the reversal of a fine-grid reference (2%)', () => {
    const model = buildModel(oneBin(1.5, 1.3, 30));
    const { parameters, reversal } = rateReversals(model);
    expect(Array.from(parameters)).toEqual([model.parameterIndex('a')]);
    // reference: lambda(a) on 6001 points of [-3, 3]; reversal = min(total rise, total fall)
    const x = model.suggestedInit();
    let rise = 0;
    let fall = 0;
    let prev = NaN;
    for (let k = 0; k <= 6000; k++) {
      x[model.parameterIndex('a')] = -3 + k / 1000;
      const lam = model.rates(x, false).lambda[0];
      if (k > 0) {
        if (lam > prev) rise += lam - prev;
        else fall += prev - lam;
      }
      prev = lam;
    }
    const ref = Math.min(rise, fall);
    // code4p with D+ = 10, D- = -6: lambda falls by 18 from a = -3 to its minimum near a = -0.25
    expect(ref).toBeGreaterThan(15);
    // measured 1.3%: the slopes are integrated by the trapezoid rule on 13 points
    expect(Math.abs(reversal[0] - ref) / ref).toBeLessThan(0.02);
    const [e] = nonConvexParameters(model, model.data([30]));
    expect(e.strength).toBeCloseTo(reversal[0] / Math.sqrt(30), 12);
  });

  it('find nothing for a symmetric histosys (monotonic rate)', () => {
    const model = buildModel(oneBin(1.2, 0.8, 30));
    expect(rateReversals(model).reversal[0]).toBe(0);
    expect(nonConvexParameters(model, model.data([30]))).toEqual([]);
  });
});

describe('saturated lower bound of 2NLL', () => {
  it('equals 2NLL of Asimov data at their own parameters (1e-12 relative) and bounds every point from below', () => {
    for (const raw of fc.sample(hardWorkspaceArb(), { numRuns: 20, seed: 5 })) {
      const ws = parseWorkspace(raw);
      const model = buildModel(ws);
      const pars = model.suggestedInit();
      const asimov = model.expectedData(pars);
      const sat = saturatedTwiceNll(model, asimov);
      expect(Math.abs(model.twiceNll(pars, asimov) - sat)).toBeLessThan(1e-12 * Math.max(1, Math.abs(sat)));
      const data = observedData(ws, model);
      const best = fit(model, data, { uncertainties: false });
      expect(best.twiceNll).toBeGreaterThanOrEqual(saturatedTwiceNll(model, data) - 1e-9);
      // a free fit to the Asimov data from their parameters stops after one start
      expect(fit(model, asimov, { init: pars, uncertainties: false }).starts).toBe(1);
    }
  });
});

describe('diffinfer fit', () => {
  it('reports starts, distinct_minima and start_spread', async () => {
    // hardWorkspaceArb seed 3, first draw: its starts find more than one minimum
    const raw = fc.sample(hardWorkspaceArb(), { numRuns: 40, seed: 3 }).find((w) => {
      const ws = parseWorkspace(w);
      const model = buildModel(ws);
      return fit(model, observedData(ws, model), { uncertainties: false }).distinctMinima > 1;
    })!;
    const ws = parseWorkspace(raw);
    const model = buildModel(ws);
    const ref = fit(model, observedData(ws, model));
    const file = join(mkdtempSync(join(tmpdir(), 'diffinfer-ms-')), 'ws.json');
    writeFileSync(file, JSON.stringify(raw));
    const r = await runCli(['fit', file]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.starts).toBe(ref.starts);
    expect(out.distinct_minima).toBe(ref.distinctMinima);
    expect(out.distinct_minima).toBeGreaterThan(1);
    expect(out.start_spread).toBeCloseTo(ref.startSpread, 9);
    expect(out.twice_nll).toBe(ref.twiceNll);
  });
});
