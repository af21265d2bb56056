/**
 * Property tests of the model's exact derivatives: the 2NLL gradient equals float64 central
 * differences of the value, and the Hessian equals central differences of the gradient, at
 * random points of random workspaces. Tolerance: 1e-5 of max(1, |entry|) (the differences
 * carry rounding of order eps * 2NLL / h, about 1e-7 here).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildModel, observedData } from '../../../src/stats/model/index.js';
import { parseWorkspace } from '../../../src/stats/workspace/index.js';
import { parametersArb, workspaceArb } from '../../helpers/arbitraries.js';

const TOL = 1e-5;

function typesOf(model: ReturnType<typeof buildModel>): string[] {
  return model.parameterSets.flatMap((p) => new Array<string>(p.size).fill(p.type));
}

/** A random workspace and a random point of its parameter space. */
const modelAndPoint = workspaceArb.chain((ws) => {
  const model = buildModel(parseWorkspace(ws));
  return fc.tuple(fc.constant(ws), parametersArb(model.parameterNames, typesOf(model)));
});

describe('2NLL derivatives', () => {
  it('gradient equals central differences at random points of random models', () => {
    fc.assert(
      fc.property(
        modelAndPoint,
        ([ws, pars]) => {
          const model = buildModel(parseWorkspace(ws));
          const data = observedData(parseWorkspace(ws), model);
          const d = model.twiceNllDerivatives(pars, data, false);
          for (let i = 0; i < pars.length; i++) {
            const h = 1e-6 * Math.max(1, Math.abs(pars[i]));
            const p1 = [...pars];
            const p2 = [...pars];
            p1[i] += h;
            p2[i] -= h;
            const fd = (model.twiceNll(p1, data) - model.twiceNll(p2, data)) / (2 * h);
            expect(Math.abs(d.gradient[i] - fd), model.parameterNames[i]).toBeLessThan(TOL * Math.max(1, Math.abs(fd)));
          }
        },
      ),
      { numRuns: 60, seed: 20261125 },
    );
  });

  it('Hessian equals central differences of the exact gradient', () => {
    fc.assert(
      fc.property(
        modelAndPoint,
        ([ws, pars]) => {
          const model = buildModel(parseWorkspace(ws));
          const data = observedData(parseWorkspace(ws), model);
          const n = model.nPars;
          const H = model.twiceNllDerivatives(pars, data, true).hessian!;
          for (let j = 0; j < n; j++) {
            const h = 1e-5 * Math.max(1, Math.abs(pars[j]));
            const p1 = [...pars];
            const p2 = [...pars];
            p1[j] += h;
            p2[j] -= h;
            const g1 = model.twiceNllDerivatives(p1, data, false).gradient;
            const g2 = model.twiceNllDerivatives(p2, data, false).gradient;
            for (let i = 0; i < n; i++) {
              const fd = (g1[i] - g2[i]) / (2 * h);
              expect(Math.abs(H[i * n + j] - fd), `H[${model.parameterNames[i]}, ${model.parameterNames[j]}]`).toBeLessThan(TOL * Math.max(1, Math.abs(fd)));
              expect(Math.abs(H[i * n + j] - H[j * n + i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(H[i * n + j])));
            }
          }
        },
      ),
      { numRuns: 40, seed: 20261126 },
    );
  });
});
