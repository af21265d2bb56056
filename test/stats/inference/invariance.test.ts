/**
 * Renaming or reordering channels and samples changes pyhf's parameter and bin order but no
 * result: the best-fit 2NLL, every fitted parameter (matched by name), CLs and the expected
 * band stay the same (relative 1e-9 for 2NLL and CLs, absolute 1e-6 for parameters).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AsymptoticCalculator, fit } from '../../../src/stats/inference/index.js';
import { buildModel, observedData } from '../../../src/stats/model/index.js';
import type { Workspace } from '../../../src/stats/workspace/index.js';
import { parseWorkspace } from '../../../src/stats/workspace/index.js';
import { loadCase } from '../../helpers/fixtures.js';
import { workspaceArb } from '../../helpers/arbitraries.js';

function permute<T>(xs: readonly T[], keys: readonly number[]): T[] {
  return xs.map((x, i) => ({ x, k: keys[i % keys.length] + i * 1e-3 })).sort((a, b) => a.k - b.k).map((e) => e.x);
}

/** Renames channels and samples with `rename`, and reorders channels, samples and modifiers by `keys`. */
function scramble(ws: Workspace, keys: readonly number[], rename: (s: string) => string): Workspace {
  return {
    ...ws,
    channels: permute(
      ws.channels.map((c) => ({
        name: rename(c.name),
        samples: permute(
          c.samples.map((s) => ({ ...s, name: rename(s.name), modifiers: permute(s.modifiers, keys.slice().reverse()) })),
          keys,
        ),
      })),
      keys.slice(1).concat(keys.slice(0, 1)),
    ),
    observations: permute(ws.observations.map((o) => ({ ...o, name: rename(o.name) })), keys),
  };
}

function summary(ws: Workspace) {
  const model = buildModel(parseWorkspace(ws));
  const data = observedData(ws, model);
  const f = fit(model, data);
  const h = new AsymptoticCalculator(model, data).hypotest(1);
  const byName = Object.fromEntries(model.parameterNames.map((n, i) => [n, f.parameters[i]]));
  return { twiceNll: f.twiceNll, byName, cls: h.clsObs, band: h.clsExp };
}

function expectSame(a: ReturnType<typeof summary>, b: ReturnType<typeof summary>, renamedVectors: boolean) {
  expect(Math.abs(a.twiceNll - b.twiceNll)).toBeLessThan(1e-9 * Math.abs(a.twiceNll));
  expect(Math.abs(a.cls - b.cls)).toBeLessThan(1e-9 * a.cls + 1e-12);
  a.band.forEach((v, i) => expect(Math.abs(v - b.band[i])).toBeLessThan(1e-9 * v + 1e-12));
  if (!renamedVectors) for (const [k, v] of Object.entries(a.byName)) expect(Math.abs(v - b.byName[k]), k).toBeLessThan(1e-6);
}

describe('invariance under renaming and reordering', () => {
  it('holds on fixture case-03', () => {
    const ws = parseWorkspace(loadCase('case-03').workspace);
    const base = summary(ws);
    expectSame(base, summary(scramble(ws, [3, 1, 2, 0], (s) => `zz_${s.split('').reverse().join('')}`)), false);
    expectSame(base, summary(scramble(ws, [0, 2, 1], (s) => s)), false);
  });

  it('holds on random workspaces', () => {
    fc.assert(
      fc.property(workspaceArb, fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 4, maxLength: 4 }), (ws, keys) => {
        const base = summary(ws);
        expectSame(base, summary(scramble(ws, keys, (s) => `x${s.length}_${s}`)), false);
      }),
      { numRuns: 15, seed: 7 },
    );
  });
});
