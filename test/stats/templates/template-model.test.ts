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

  it('compiles by swapping yields into a cached structure: equal to building the exported workspace', () => {
    fc.assert(
      fc.property(templateCaseArb({ freeNuisances: false }), fc.double({ min: 0.5, max: 1.5, noNaN: true }), ({ spec, counts: cs }, scale) => {
        const tm = new TemplateModel(spec);
        const scaled = cs.map((x, i) => x * (i % 3 === 0 ? scale : 1)); // different yields than the first compile
        tm.compile(cs);
        const fast = tm.compile(scaled).model;
        const ws = parseWorkspace(JSON.parse(JSON.stringify(tm.exportWorkspace(scaled, { asimovPoi: 1 }).workspace)));
        const slow = buildModel(ws);
        // equal up to the last digit of the staterror widths (the workspace stores sqrt(sumw2))
        const rounded = (m: typeof fast) =>
          m.parameterSets.map((p) => (p.constraint.kind === 'normal' ? { ...p, constraint: { ...p.constraint, sigmas: p.constraint.sigmas.map((x) => +x.toPrecision(12)) } } : p));
        expect(rounded(fast)).toEqual(rounded(slow));
        const data = observedData(ws, slow);
        const pars = slow.suggestedInit().map((p, i) => p + 0.1 * Math.sin(i + scale));
        const a = fast.twiceNllDerivatives(pars, data, true);
        const b = slow.twiceNllDerivatives(pars, data, true);
        expect(Math.abs(a.value - b.value)).toBeLessThan(1e-12 * Math.abs(b.value));
        a.gradient.forEach((g, i) => expect(Math.abs(g - b.gradient[i])).toBeLessThan(1e-10 * Math.max(1, Math.abs(b.gradient[i]))));
        a.hessian!.forEach((h, i) => expect(Math.abs(h - b.hessian![i])).toBeLessThan(1e-10 * Math.max(1, Math.abs(b.hessian![i]))));
      }),
      { numRuns: 40, seed: 4 },
    );
  });

  it('a bin without Monte Carlo weight fixes its staterror component, as pyhf does', () => {
    const tm = new TemplateModel(SPEC);
    const cs = Float64Array.from(counts);
    for (const e of tm.layout) if (e.role === 'sumw2') cs[e.offset + 1] = 0;
    const m = tm.compile(cs).model;
    const stat = m.parameterSet('staterror_SR')!;
    expect(stat.fixed).toEqual([false, true]);
    expect(stat.constraint).toEqual({ kind: 'normal', auxdata: [1, 1], sigmas: [Math.sqrt(0.5 + 20) / 105, 1] });
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

  it('uses the interpolation codes of the spec (code0 and code1) and says so on export', () => {
    const spec: TemplateSpec = { ...SPEC, interpolation: { histosys: 'code0', normsys: 'code1' } };
    const tm = new TemplateModel(spec);
    const c = tm.compile(counts);
    expect(c.model.interpolation).toEqual({ histosys: 'code0', normsys: 'code1' });
    const pars = c.nominalParameters(1);
    pars[c.model.parameterIndex('r')] = 0.5;
    pars[c.model.parameterIndex('xsec')] = -0.5;
    // bkg bin 0: nominal 100, r up 104 -> code0 gives 100 + 0.5 * 4 = 102; code1 lo^0.5 = 0.9^0.5
    const bkg0 = c.model.expectedDataBySample(pars).bkg[0];
    expect(bkg0).toBeCloseTo(102 * Math.sqrt(0.9), 10);
    const { approximations } = tm.exportWorkspace(counts);
    expect(approximations[1]).toMatch(/modifier_settings \{"normsys": \{"interpcode": "code1"\}, "histosys": \{"interpcode": "code0"\}\}/);
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
