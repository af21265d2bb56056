/**
 * Fits on random models: converged, every free gradient component below 1e-6 standard
 * deviations (|g_i| / sqrt(H_ii), gradient of 2NLL) unless the parameter sits on the bound its
 * gradient pushes against, all parameters within bounds, fixed ones untouched, and the free
 * free minimum of a test statistic no higher than its constrained fit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fit, fixedPoiFit, testStatistic } from '../../../src/stats/inference/index.js';
import { buildModel, observedData } from '../../../src/stats/model/index.js';
import { parseWorkspace } from '../../../src/stats/workspace/index.js';
import { workspaceArb } from '../../helpers/arbitraries.js';

describe('fit properties', () => {
  it('KKT conditions hold at random models', () => {
    fc.assert(
      fc.property(workspaceArb, fc.double({ min: 0, max: 3, noNaN: true }), (raw, muFixed) => {
        const ws = parseWorkspace(raw);
        const model = buildModel(ws);
        const data = observedData(ws, model);
        const r = fit(model, data);
        expect(r.converged).toBe(true);
        const { lower, upper } = model.suggestedBounds();
        const d = model.twiceNllDerivatives(r.parameters, data, true);
        const n = model.nPars;
        for (let i = 0; i < n; i++) {
          expect(r.parameters[i]).toBeGreaterThanOrEqual(lower[i]);
          expect(r.parameters[i]).toBeLessThanOrEqual(upper[i]);
          const g = d.gradient[i];
          if ((r.parameters[i] === lower[i] && g > 0) || (r.parameters[i] === upper[i] && g < 0)) continue;
          const h = d.hessian![i * n + i];
          if (h > 0) expect(Math.abs(g) / Math.sqrt(h), model.parameterNames[i]).toBeLessThan(1e-6);
          else expect(Math.abs(g)).toBeLessThan(1e-8);
        }
        const f = fixedPoiFit(model, data, muFixed);
        expect(f.converged).toBe(true);
        expect(f.parameters[model.poiIndex]).toBe(muFixed);
        // A local fit may end in a local minimum (2NLL is not convex); the test statistics
        // guarantee the free minimum is no higher than any constrained one.
        const t = testStatistic('t', muFixed, model, data);
        expect(t.freeFit.twiceNll).toBeLessThanOrEqual(t.fixedFit.twiceNll + 1e-9);
        expect(t.freeFit.twiceNll).toBeLessThanOrEqual(r.twiceNll + 1e-9);
      }),
      { numRuns: 80, seed: 42 },
    );
  });
});
