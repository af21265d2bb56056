/**
 * Template models: the counts layout; the standardised parameters of constrained shape and rate
 * nuisances (templates at the +-1 sigma points; the user's model for N(0, 1); the Fisher
 * information at the nominal point unchanged); compile by swapping yields equals building the
 * model's workspace; the pyhf export (renamed lumi, free nuisances, merged bins; values against
 * pyhf in pyhf-exports.test.ts); the chain rule to the counts; bad input.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkGradient } from '../../../src/autodiff/testing/check-gradient.js';
import { InputError } from '../../../src/stats/errors.js';
import { histosysDelta, twiceNllSensitivities } from '../../../src/stats/model/index.js';
import { buildModel, observedData } from '../../../src/stats/model/index.js';
import { cramerRaoWidth } from '../../../src/stats/objectives/index.js';
import { mergeDegenerateBins, TemplateModel, templateLayout, type SingleChannelTemplateSpec as TemplateSpec } from '../../../src/stats/templates/index.js';
import type { Workspace } from '../../../src/stats/workspace/index.js';
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

  it('a shape or rate nuisance N(m, s) is the parameter alpha / s with templates at alpha = +-s and the constraint N(m / s | z, 1)', () => {
    const spec: TemplateSpec = {
      bins: 2,
      samples: [{ name: 'sig', signal: true }, { name: 'bkg', shapes: ['r'], rates: { xs: { hi: 1.1, lo: 0.9 } } }],
      nuisances: [
        { name: 'r', kind: 'shape', constraint: { kind: 'normal', mean: 0.5, sigma: 2 } },
        { name: 'xs', kind: 'rate', constraint: { kind: 'normal', mean: 0, sigma: 0.5 } },
      ],
    };
    const tm = new TemplateModel(spec);
    const c = tm.compile(Float64Array.from([5, 1, 100, 80, 104, 77, 97, 84]));
    const sets = new Map(c.model.parameterSets.map((p) => [p.name, p]));
    // bounds: mean +- 5 sigma in alpha, pyhf's [-5, 5] around the mean in z; init at the mean
    expect(sets.get('r')).toMatchObject({ type: 'histosys', inits: [0.25], bounds: [[-4.75, 5.25]], constraint: { kind: 'normal', auxdata: [0.25], sigmas: [1] } });
    expect(sets.get('xs')).toMatchObject({ type: 'normsys', inits: [0], bounds: [[-5, 5]], constraint: { kind: 'normal', auxdata: [0], sigmas: [1] } });
    expect(tm.nuisanceScale('r')).toBe(2);
    const pars = c.nominalParameters(1);
    // r: templates at alpha = +-2, code4p's linear extrapolation: bkg bin 0 at z = 1 is 100 + 2 x 4
    pars[c.model.parameterIndex('r')] = 1;
    expect(c.model.expectedDataBySample(pars).bkg[0]).toBeCloseTo(108, 12);
    pars[c.model.parameterIndex('r')] = -1;
    expect(c.model.expectedDataBySample(pars).bkg[0]).toBeCloseTo(100 - 2 * 3, 12);
    // xs: factors at alpha = +-0.5 are code4's kappa(+-0.5) of hi 1.1, lo 0.9 (inside |alpha| < 1: the polynomial)
    pars[c.model.parameterIndex('r')] = 0.25;
    pars[c.model.parameterIndex('xs')] = 1;
    const plain = buildModel({
      channels: [{ name: 'SR', samples: [{ name: 'b', data: [1], modifiers: [{ name: 'k', type: 'normsys', data: { hi: 1.1, lo: 0.9 } }] }] }],
      observations: [{ name: 'SR', data: [1] }],
      measurements: [{ name: 'm', config: { poi: 'k', parameters: [] } }],
      version: '1.0.0',
    });
    const kappaHalf = plain.expectedDataBySample([0.5]).b[0];
    const zAt = c.model.expectedDataBySample(c.nominalParameters(1)).bkg[0];
    expect(c.model.expectedDataBySample(pars).bkg[0] / zAt).toBeCloseTo(kappaHalf, 12);
  });

  it('N(0, 1) nuisances are the user\'s model itself (templates and factors as given)', () => {
    const spec: TemplateSpec = { bins: 2, samples: [{ name: 'sig', signal: true }, { name: 'bkg', shapes: ['r'], rates: { xs: { hi: 1.1, lo: 0.9 } } }], nuisances: [{ name: 'r', kind: 'shape' }, { name: 'xs', kind: 'rate' }] };
    const counts = Float64Array.from([5, 1, 50, 60, 55, 58, 45, 62]);
    const ws = new TemplateModel(spec).exportWorkspace(counts).workspace;
    expect(ws.channels[0].samples[1].modifiers).toEqual([
      { name: 'r', type: 'histosys', data: { hi_data: [55, 58], lo_data: [45, 62] } },
      { name: 'xs', type: 'normsys', data: { hi: 1.1, lo: 0.9 } },
    ]);
    expect(ws.measurements[0].config.parameters).toEqual([
      { name: 'r', bounds: [[-5, 5]], inits: [0] },
      { name: 'xs', bounds: [[-5, 5]], inits: [0] },
    ]);
  });

  it('keeps the Fisher information at the nominal point of the model in alpha (constraint N(m, s))', () => {
    // the same templates as a model in alpha: the user's templates at +-1 with the constraint
    // N(m | alpha, s), which diffinfer's engine reads (pyhf does not: histosys takes no sigmas)
    fc.assert(
      fc.property(templateCaseArb({ freeNuisances: false }), ({ spec, counts: cs }) => {
        const tm = new TemplateModel(spec);
        const c = tm.compile(cs);
        const ws = JSON.parse(JSON.stringify(tm.exportWorkspace(cs).workspace)) as any;
        const B = spec.bins;
        for (const s of ws.channels[0].samples) {
          for (const m of s.modifiers) {
            if (m.type !== 'histosys') continue;
            const up = tm.offsetOf(s.name, 'up', m.name);
            const down = tm.offsetOf(s.name, 'down', m.name);
            m.data = { hi_data: Array.from(cs.subarray(up, up + B)), lo_data: Array.from(cs.subarray(down, down + B)) };
          }
        }
        for (const p of ws.measurements[0].config.parameters) {
          const n = spec.nuisances!.find((x) => x.name === p.name);
          if (n && n.kind === 'shape') {
            const s = tm.nuisanceScale(n.name);
            Object.assign(p, { bounds: [[-5 * s, 5 * s]], inits: [0], auxdata: [0], sigmas: [s] });
          }
        }
        const alphaModel = buildModel(ws);
        const scale = Float64Array.from(alphaModel.parameterNames, (n) => (spec.nuisances!.some((x) => x.name === n && x.kind === 'shape') ? tm.nuisanceScale(n) : 1));
        const hz = c.model.twiceNllDerivatives(c.nominalParameters(0), c.asimovData(0), true).hessian!;
        const alphaData = alphaModel.data(c.asimovData(0).main);
        const alphaPars = alphaModel.suggestedInit();
        alphaPars[alphaModel.poiIndex] = 0;
        const ha = alphaModel.twiceNllDerivatives(alphaPars, alphaData, true).hessian!;
        const n = c.model.nPars;
        const renamed = tm.exportWorkspace(cs).renamed;
        expect(alphaModel.parameterNames).toEqual(c.model.parameterNames.map((x) => renamed[x] ?? x));
        // I_z = S I_alpha S with S = diag(s): z = alpha / s
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            const want = ha[i * n + j] * scale[i] * scale[j];
            // measured: <= 2.2e-14 (relative, absolute below 1)
            expect(Math.abs(hz[i * n + j] - want), `${c.model.parameterNames[i]}, ${c.model.parameterNames[j]}`).toBeLessThan(1e-12 * Math.max(1, Math.abs(want)));
          }
        }
      }),
      { numRuns: 25, seed: 9 },
    );
  });

  it('compiles by swapping yields into a cached structure: equal to building the model\'s workspace', () => {
    fc.assert(
      fc.property(templateCaseArb(), fc.double({ min: 0.5, max: 1.5, noNaN: true }), ({ spec, counts: cs }, scale) => {
        const tm = new TemplateModel(spec);
        const scaled = cs.map((x, i) => x * (i % 3 === 0 ? scale : 1)); // different yields than the first compile
        tm.compile(cs);
        const fast = tm.compile(scaled).model;
        const ws = tm.modelWorkspace(scaled, undefined, 1);
        const slow = buildModel(JSON.parse(JSON.stringify(ws)) as Workspace, { interpolation: spec.interpolation, unconstrained: tm.unconstrainedNames() });
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

  it('exports constrained nuisances exactly: the workspace is the compiled model, lumi renamed', () => {
    fc.assert(
      fc.property(templateCaseArb({ freeNuisances: false }), ({ spec, counts: cs }) => {
        const tm = new TemplateModel(spec);
        const c = tm.compile(cs);
        const e = tm.exportWorkspace(cs, { asimovPoi: 1 });
        expect(e.approximations).toEqual([]);
        expect(e.templateModel).toBe(tm); // no bin merged
        const norm = spec.nuisances!.find((n) => n.kind === 'normalisation' && n.constraint?.kind === 'normal');
        expect(e.renamed).toEqual(norm ? { norm: 'lumi' } : {});
        const ws = JSON.parse(JSON.stringify(e.workspace)) as Workspace;
        const exported = buildModel(ws);
        expect(exported.parameterNames).toEqual(c.model.parameterNames.map((n) => e.renamed[n] ?? n));
        const rename = (m: typeof exported) => m.parameterSets.map((p) => ({ ...p, name: 'x', constraint: p.constraint.kind === 'normal' ? { ...p.constraint, sigmas: p.constraint.sigmas.map((x) => +x.toPrecision(12)) } : p.constraint }));
        expect(rename(exported)).toEqual(rename(c.model));
        const data = observedData(ws, exported);
        expect([...data.main]).toEqual([...c.asimovData(1).main]);
        const pars = c.nominalParameters(1.3).map((p, i) => p + 0.05 * Math.cos(i));
        expect(Math.abs(exported.twiceNll(pars, data) - c.model.twiceNll(pars, data))).toBeLessThan(1e-12 * Math.abs(c.model.twiceNll(pars, data)));
      }),
      { numRuns: 30, seed: 12 },
    );
  });

  it('writes a free shape nuisance with templates at alpha = +-K, K the width that changes CLs least', () => {
    const tm = new TemplateModel(SPEC);
    const e = tm.exportWorkspace(counts, { asimovPoi: 1 });
    expect(e.renamed).toEqual({ b: 'lumi' });
    expect(e.approximations).toHaveLength(2);
    const m = /written as alpha \/ ([\d.]+) with templates at alpha = \+-([\d.]+)/.exec(e.approximations[0])!;
    expect(e.approximations[0]).toMatch(/^free shape nuisance "lam" has no pyhf form/);
    expect(e.approximations[1]).toMatch(/^the width K = [\d.]+ of the free nuisances' unit Gaussians is the one of 1, 1\.5, .*, 1000 that changes the likelihood least here: on these observations CLs at mu = 1/);
    const K = Number(m[1]);
    const bkg = e.workspace.channels[0].samples.find((s) => s.name === 'bkg')!;
    const lam = bkg.modifiers.find((x) => x.name === 'lam')!;
    if (lam.type !== 'histosys') throw new Error('lam is not a histosys');
    const out = new Float64Array(3);
    // bkg: nominal [100, 80], lam up [99, 82], down [101, 79]: hi' = nom + Delta(+K), lo' = nom + Delta(-K)
    [0, 1].forEach((b) => {
      const nom = [100, 80][b];
      const up = [99, 82][b];
      const down = [101, 79][b];
      expect(lam.data.hi_data[b]).toBeCloseTo(nom + histosysDelta('code4p', K, up - nom, nom - down, out)[0], 9);
      expect(lam.data.lo_data[b]).toBeCloseTo(nom + histosysDelta('code4p', -K, up - nom, nom - down, out)[0], 9);
    });
    expect(e.workspace.measurements[0].config.parameters.find((p) => p.name === 'lam')).toEqual({ name: 'lam', bounds: [[-5 / K, 5 / K]], inits: [0] });
  });

  it('merges a bin whose nominal is empty while a variation is not (it would extrapolate to a negative rate)', () => {
    const spec: TemplateSpec = { bins: 4, samples: [{ name: 'sig', signal: true }, { name: 'bkg', shapes: ['r'] }], nuisances: [{ name: 'r', kind: 'shape' }] };
    const tm = new TemplateModel(spec);
    // bkg bin 2: nominal 0, up 3, down 0: code4p gives a negative rate for small negative r
    const cs = Float64Array.from([4, 5, 6, 2, 50, 40, 0, 30, 52, 41, 3, 31, 48, 39, 0, 29]);
    expect(tm.rateProblem(cs, 2)).toMatch(/^sample "bkg" has nominal 0\.000, "r" up 3\.000 and down 0\.000: its rate is -0\.\d+ at r = -0\.\d+$/);
    const merged = mergeDegenerateBins(tm, cs);
    // bin 2 joins the neighbour with more expected events: bin 1 (45) rather than bin 3 (32)
    expect(merged.groups).toEqual([[0], [1, 2], [3]]);
    expect(Array.from(merged.counts)).toEqual([4, 11, 2, 50, 40, 30, 52, 44, 31, 48, 39, 29]);
    const e = tm.exportWorkspace(cs);
    expect(e.bins).toEqual([[0], [1, 2], [3]]);
    expect(e.notes[0]).toMatch(/^template bin 2 merged with 1: sample "bkg" has nominal 0/);
    const model = buildModel(e.workspace);
    for (const r of [-1, -0.5, -0.1, 0, 0.1, 0.5, 1]) {
      const pars = model.suggestedInit();
      pars[model.parameterIndex('r')] = r;
      for (const x of model.expectedDataBySample(pars).bkg) expect(x).toBeGreaterThan(0);
    }
    expect(() => tm.exportWorkspace(cs, { mergeBins: false })).toThrow(/^counts, template bin 2: sample "bkg" has nominal 0.* merge it with a neighbour/);
    // a sample with no nominal events at all but a variation that has some: nothing to merge into
    const none = Float64Array.from([4, 5, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => tm.exportWorkspace(none)).toThrow(InputError);
    expect(() => tm.exportWorkspace(none)).toThrow(/with every bin merged into one$/);
  });

  it('a parameter named "lumi" leaves the lumi slot: the constrained normalisation becomes an exact histosys', () => {
    const spec: TemplateSpec = {
      bins: 3,
      samples: [{ name: 'sig', signal: true, shapes: ['lumi'] }, { name: 'bkg', normalisations: ['b'] }],
      nuisances: [{ name: 'lumi', kind: 'shape' }, { name: 'b', kind: 'normalisation', constraint: { kind: 'normal', mean: 1.5, sigma: 0.3 } }],
    };
    const tm = new TemplateModel(spec);
    const cs = Float64Array.from([5, 6, 7, 5.5, 6.2, 7.4, 4.6, 5.9, 6.5, 40, 30, 20]);
    const e = tm.exportWorkspace(cs);
    expect(e.renamed).toEqual({});
    expect(e.approximations).toEqual([]);
    const bkg = e.workspace.channels[0].samples[1];
    expect(bkg).toEqual({ name: 'bkg', data: [60, 45, 30], modifiers: [{ name: 'b', type: 'histosys', data: { hi_data: [72, 54, 36], lo_data: [48, 36, 24] } }] });
    const c = tm.compile(cs);
    const m = buildModel(e.workspace);
    const data = observedData(e.workspace, m);
    // b = 1.5 + 0.3 z; twice the NLL differs by the constant -2 log(0.3) of the standardised Gaussian
    const pars = c.nominalParameters(1.4);
    pars[c.model.parameterIndex('b')] = 1.62;
    const z = m.suggestedInit();
    z[m.parameterIndex('mu')] = 1.4;
    z[m.parameterIndex('b')] = (1.62 - 1.5) / 0.3;
    expect(m.twiceNll(z, data) - c.model.twiceNll(pars, c.model.data(data.main))).toBeCloseTo(-2 * Math.log(0.3), 11);
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
    pars[c.model.parameterIndex('r')] = 0.5; // r ~ N(0, 2): z = 0.5 is alpha = 1
    pars[c.model.parameterIndex('xsec')] = -0.5;
    // bkg bin 0: nominal 100, r up 104 -> code0 gives 100 + 1 x 4 = 104; code1 lo^0.5 = 0.9^0.5
    const bkg0 = c.model.expectedDataBySample(pars).bkg[0];
    expect(bkg0).toBeCloseTo(104 * Math.sqrt(0.9), 10);
    const { approximations } = tm.exportWorkspace(counts);
    expect(approximations[approximations.length - 1]).toMatch(/modifier_settings \{"normsys": \{"interpcode": "code1"\}, "histosys": \{"interpcode": "code0"\}\}/);
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
      [{ ...SPEC, nuisances: [{ name: 'r', kind: 'shape', init: 6 }, ...SPEC.nuisances!.slice(1)] }, /template spec nuisances\[0\] \("r"\)\.init: 6 is outside the bounds \[-5, 5\]/],
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
