/**
 * Derivatives of the model with respect to the workspace's numbers, against float64 central
 * differences of rebuilt models at random workspaces and parameter points:
 * - `ratesVjp` (nominal data, histosys hi/lo templates) for random cotangents of lambda and its
 *   Jacobian — tolerance 1e-6 relative (floor 1e-3 of the largest component);
 * - `twiceNllSensitivities` with respect to main and auxiliary data, for the value and for a
 *   direction v (the mixed derivative `v . grad_theta 2NLL`) — same tolerance.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkGradient } from '../../../src/autodiff/testing/check-gradient.js';
import { buildModel, observedData, twiceNllSensitivities, type HistFactoryModel } from '../../../src/stats/model/index.js';
import type { Workspace } from '../../../src/stats/workspace/spec.js';
import { parametersArb, workspaceArb } from '../../helpers/arbitraries.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

/** The yields of a workspace as a flat list of (getter, setter, adjoint lookup). */
function yieldCoordinates(ws: Workspace, model: HistFactoryModel) {
  const coords: Array<{ set: (w: Mutable<Workspace>, v: number) => void; get: (w: Workspace) => number; adjoint: (a: ReturnType<HistFactoryModel['ratesVjp']>) => number }> = [];
  for (const ch of model.channels) {
    ws.channels[ch.specIndex].samples.forEach((s, si) => {
      const sample = model.samples.indexOf(s.name);
      for (let b = 0; b < ch.nBins; b++) {
        coords.push({
          get: (w) => w.channels[ch.specIndex].samples[si].data[b],
          set: (w, v) => (w.channels[ch.specIndex].samples[si].data[b] = v),
          adjoint: (a) => a.nominal[sample][ch.offset + b],
        });
        s.modifiers.forEach((m, mi) => {
          if (m.type !== 'histosys') return;
          const p = model.parameterIndex(m.name);
          for (const key of ['hi_data', 'lo_data'] as const) {
            coords.push({
              get: (w) => (w.channels[ch.specIndex].samples[si].modifiers[mi].data as { hi_data: number[]; lo_data: number[] })[key][b],
              set: (w, v) => ((w.channels[ch.specIndex].samples[si].modifiers[mi].data as { hi_data: number[]; lo_data: number[] })[key][b] = v),
              adjoint: (a) => {
                const h = a.histosys.find((x) => x.sample === sample && x.parameter === p);
                return h ? (key === 'hi_data' ? h.hi : h.lo)[ch.offset + b] : 0;
              },
            });
          }
        });
      }
    });
  }
  return coords;
}

/** A deterministic pseudo-random cotangent in [-1, 1] from a seed (cheap to shrink). */
const cotangentArb = fc.integer({ min: 1, max: 1000 }).map((seed) => Array.from({ length: 400 }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233)));

/** A workspace, a parameter point of its model and a cotangent. */
const caseArb = workspaceArb.chain((ws) => {
  const model = buildModel(ws);
  return fc.tuple(fc.constant(ws), parametersArb(model.parameterNames, model.parameterSets.flatMap((p) => new Array<string>(p.size).fill(p.type))), cotangentArb);
});

describe('HistFactoryModel.ratesVjp', () => {
  it('equals central differences of lambda and its Jacobian with respect to the yields', () => {
    fc.assert(
      fc.property(
        caseArb,
        ([ws, pars, cot]) => {
          const model = buildModel(ws);
          const nb = model.nMainBins;
          const n = model.nPars;
          const lambdaBar = cot.slice(0, nb);
          const jacobianBar = Array.from({ length: nb * n }, (_, i) => cot[(nb + i) % cot.length]);
          const coords = yieldCoordinates(ws, model);
          const adj = model.ratesVjp(pars, lambdaBar, jacobianBar);
          const scalar = (w: Workspace) => {
            const { lambda, jacobian } = buildModel(w).rates(pars, true);
            let s = 0;
            for (let b = 0; b < nb; b++) s += lambdaBar[b] * lambda[b];
            for (let i = 0; i < nb * n; i++) s += jacobianBar[i] * jacobian![i];
            return s;
          };
          const r = checkGradient({
            f: (y) => {
              const w = structuredClone(ws) as Mutable<Workspace>;
              coords.forEach((c, i) => c.set(w, y[i]));
              return scalar(w);
            },
            gradient: () => coords.map((c) => c.adjoint(adj)),
            points: [coords.map((c) => c.get(ws))],
            step: 1e-4,
            stencil: 5,
            tolerance: 1e-6,
            floor: (g) => 1e-3 * Math.max(1e-12, ...Array.from(g, Math.abs)),
          });
          expect(r.worst.error).toBeLessThan(1e-6);
        },
      ),
      { numRuns: 40, seed: 11, endOnFailure: true },
    );
  });
});

describe('twiceNllSensitivities', () => {
  it('value and mixed derivatives with respect to main and auxiliary data equal central differences', () => {
    fc.assert(
      fc.property(
        caseArb,
        ([ws, pars, cot]) => {
          const model = buildModel(ws);
          const data = observedData(ws, model);
          const nb = model.nMainBins;
          const v = Array.from({ length: model.nPars }, (_, i) => cot[i]);
          const split = (y: Float64Array) => model.data(y.subarray(0, nb), y.subarray(nb));
          const x0 = [...data.main, ...data.aux].map((x) => x + 0.5); // away from n = 0 (lgamma kink-free anyway)
          for (const direction of [undefined, v]) {
            const s = twiceNllSensitivities(model, pars, split(Float64Array.from(x0)), direction);
            const r = checkGradient({
              f: (y) => {
                const d = model.objective(split(y)).evaluate(pars, false);
                if (!direction) return d.value;
                let acc = 0;
                for (let i = 0; i < v.length; i++) acc += v[i] * d.gradient[i];
                return acc;
              },
              gradient: () => [...s.mainData, ...s.auxData],
              points: [x0],
              step: 1e-6,
              tolerance: 1e-6,
              floor: (g) => 1e-3 * Math.max(1e-12, ...Array.from(g, Math.abs)),
            });
            expect(r.worst.error, `direction ${direction ? 'v' : 'none'}: ${JSON.stringify(r.worst)}`).toBeLessThan(1e-6);
          }
        },
      ),
      { numRuns: 40, seed: 12, endOnFailure: true },
    );
  });
});
