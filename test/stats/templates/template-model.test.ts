/**
 * Template models: the counts layout, the exported pyhf workspace (values equal the compiled
 * model's to 1e-12 relative), free nuisances, the staterror chain rule and bad input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkGradient } from '../../../src/autodiff/testing/check-gradient.js';
import { twiceNllSensitivities } from '../../../src/stats/model/index.js';
import { buildModel, observedData } from '../../../src/stats/model/index.js';
import { TemplateModel, templateLayout, type TemplateSpec } from '../../../src/stats/templates/index.js';
import { templateCaseArb } from '../../../src/stats/testing/index.js';
import { parseWorkspace } from '../../../src/stats/workspace/index.js';

const SPEC: TemplateSpec = {
  bins: 2,
  samples: [
    { name: 'sig', signal: true, staterror: true },
    { name: 'bkg', shapes: ['r', 'lam'], rates: { xsec: { hi: 1.1, lo: 0.9 } }, normalisations: ['b'], staterror: true },
  ],
  nuisances: [
    { name: 'r', kind: 'shape', constraint: { kind: 'normal', mean: 0, sigma: 2 } },
    { name: 'lam', kind: 'shape', constraint: { kind: 'free' } },
    { name: 'xsec', kind: 'rate' },
    { name: 'b', kind: 'normalisation', constraint: { kind: 'normal', mean: 1, sigma: 0.1 } },
  ],
};

describe('templateLayout', () => {
  it('orders nominal, up/down per shape, then sumw2, sample by sample', () => {
    expect(templateLayout(SPEC).map((e) => `${e.sample}.${e.role}${e.nuisance ? `.${e.nuisance}` : ''}@${e.offset}`)).toEqual([
      'sig.nominal@0',
      'sig.sumw2@2',
      'bkg.nominal@4',
      'bkg.up.r@6',
      'bkg.down.r@8',
      'bkg.up.lam@10',
      'bkg.down.lam@12',
      'bkg.sumw2@14',
    ]);
  });
});

describe('TemplateModel', () => {
  const counts = Float64Array.from([5, 10, 0.5, 1.2, 100, 80, 104, 77, 97, 84, 99, 82, 101, 79, 20, 15]);

  it('exports a pyhf workspace whose model gives the same 2NLL (free nuisances: sigma 1e6 in pyhf form)', () => {
    const tm = new TemplateModel(SPEC);
    const c = tm.compile(counts);
    const { workspace, approximations } = tm.exportWorkspace(counts, { asimovPoi: 1 });
    expect(approximations).toEqual(['free nuisance "lam" is written with sigmas [1000000] (pyhf constrains every histosys)']);
    const ws = parseWorkspace(JSON.parse(JSON.stringify(workspace)));
    const exported = buildModel(ws);
    expect(exported.parameterNames).toEqual(c.model.parameterNames);
    expect([...observedData(ws, exported).main]).toEqual([...c.asimovData(1).main]);
    // Same model except the free constraint: 2NLL differs by its constant and a 1e-12 curvature.
    const pars = c.nominalParameters(1.3);
    pars[c.model.parameterIndex('lam')] = 0.4;
    const data = c.asimovData(1);
    const lamConstant = 2 * Math.log(1e6) + Math.log(2 * Math.PI) + (0.4 / 1e6) ** 2;
    expect(exported.twiceNll(pars, observedData(ws, exported)) - lamConstant).toBeCloseTo(c.model.twiceNll(pars, data), 9);
  });

  it('maps staterror widths to sumw2 and nominal counts (chain rule vs central differences)', () => {
    fc.assert(
      fc.property(templateCaseArb({ staterror: true }), ({ spec, counts: cs }) => {
        const tm = new TemplateModel(spec);
        const c = tm.compile(cs);
        const pars = c.nominalParameters(1.3);
        for (const name of ['alpha_0', 'alpha_1']) if (c.model.parameterIndex(name) >= 0) pars[c.model.parameterIndex(name)] = 0.3;
        const stat = c.model.parameterSet('staterror_SR');
        if (stat) for (let i = 0; i < stat.size; i++) pars[stat.offset + i] = 1 + 0.05 * (i + 1);
        const data = c.asimovData(1);
        // 2NLL at fixed parameters and fixed data, as a function of the counts
        const s = twiceNllSensitivities(c.model, pars, data);
        const r = checkGradient({
          f: (x) => tm.compile(x).model.twiceNll(pars, data),
          gradient: () => tm.countsGradient(c, { yields: s.yields, constraintWidths: s.constraintWidths }),
          points: [cs],
          step: 1e-4,
          stencil: 5,
          tolerance: 1e-6,
          floor: (g) => 1e-3 * Math.max(...Array.from(g, Math.abs)) + 1e-9,
        });
        expect(r.worst.error, JSON.stringify(r.worst)).toBeLessThan(1e-6);
      }),
      { numRuns: 30, seed: 3 },
    );
  });

  it('rejects bad specs and counts with a message naming the place', () => {
    const bad: Array<[TemplateSpec, RegExp]> = [
      [{ ...SPEC, samples: [{ name: 'bkg' }] }, /template spec samples: no sample is a signal/],
      [{ ...SPEC, samples: [{ name: 's', signal: true, shapes: ['nope'] }] }, /samples\[0\] \("s"\)\.shapes: "nope" is not in nuisances/],
      [{ ...SPEC, samples: [{ name: 's', signal: true, shapes: ['xsec'] }], nuisances: [{ name: 'xsec', kind: 'rate' }] }, /"xsec" is a rate nuisance, not a shape nuisance/],
      [{ ...SPEC, samples: [{ name: 's', signal: true }] }, /nuisances: "r" is not used by any sample/],
      [{ ...SPEC, samples: [{ name: 's', signal: true }, { name: 's' }], nuisances: [] }, /samples\[1\]: sample name "s" is used twice/],
      [{ ...SPEC, nuisances: [{ name: 'mu', kind: 'shape' }] }, /nuisances\[0\]: name "mu" is used twice/],
      [{ ...SPEC, bins: 0 }, /bins/],
      [{ bins: 2, samples: [{ name: 's', signal: true, normalisations: ['b'] }], nuisances: [{ name: 'b', kind: 'normalisation', constraint: { kind: 'normal', mean: -1, sigma: 0.1 } }] }, /a normalisation's mean must be positive/],
    ];
    for (const [spec, re] of bad) expect(() => new TemplateModel(spec)).toThrow(re);
    const tm = new TemplateModel(SPEC);
    expect(() => tm.compile(counts.subarray(1))).toThrow(/counts: has 15 values, the template layout needs 16 \(8 arrays of 2 bins\)/);
    const neg = Float64Array.from(counts);
    neg[7] = -1;
    expect(() => tm.compile(neg)).toThrow(/counts of sample "bkg" up "r" bin 1: must be finite and non-negative, got -1/);
    neg[7] = NaN;
    expect(() => tm.compile(neg)).toThrow(/got NaN/);
  });
});
