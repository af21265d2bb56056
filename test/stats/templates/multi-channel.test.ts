/**
 * Multi-channel template models (the full form of the spec): the shorthand's normal form; the
 * layout with the channel; compile by swapping yields equals building the model's workspace
 * (every modifier type, learned and given yields); staterror widths and shapesys factors from
 * the counts (closed forms); the chain rule to the counts, including the staterror widths and
 * the shapesys factors in the constraint terms and the auxiliary data (central differences);
 * the export (exact rewrites, observations per channel, merged bins of given yields); bad specs.
 * Values against pyhf: pyhf-exports.test.ts (template-multichannel.json).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkGradient } from '../../../src/autodiff/testing/check-gradient.js';
import { buildModel, observedData, twiceNllSensitivities, type HistFactoryModel } from '../../../src/stats/model/index.js';
import { mergeDegenerateBins, normaliseTemplateSpec, TemplateModel, templateLayout, type TemplateSpec } from '../../../src/stats/templates/index.js';
import { multiChannelTemplateCaseArb } from '../../../src/stats/testing/index.js';
import type { Workspace } from '../../../src/stats/workspace/index.js';

/** Parameter sets with constraint numbers rounded to 12 digits (the workspace stores sqrt(sumw2)). */
function rounded(m: HistFactoryModel) {
  const r = (xs: readonly number[]) => xs.map((x) => +x.toPrecision(12));
  return m.parameterSets.map((p) => {
    const c = p.constraint;
    if (c.kind === 'normal') return { ...p, constraint: { ...c, sigmas: r(c.sigmas) } };
    if (c.kind === 'poisson') return { ...p, constraint: { ...c, auxdata: r(c.auxdata), factors: r(c.factors) } };
    return p;
  });
}

/** A small hand-made model with every modifier type over two channels. */
const SMALL: TemplateSpec = {
  channels: [
    {
      name: 'SR',
      bins: 2,
      samples: [
        { name: 'sig', data: 'learned', modifiers: [{ type: 'normfactor', name: 'mu' }, { type: 'lumi', name: 'lumi' }, { type: 'staterror', name: 'stat' }] },
        { name: 'bkg', data: 'learned', modifiers: [{ type: 'histosys', name: 'jes' }, { type: 'normsys', name: 'xs', hi: 1.1, lo: 0.9 }, { type: 'staterror', name: 'stat' }, { type: 'shapesys', name: 'mc' }] },
        { name: 'other', data: [10, 12], modifiers: [{ type: 'shapefactor', name: 'sf' }, { type: 'staterror', name: 'stat', data: [1, 2] }] },
      ],
    },
    {
      name: 'CR',
      bins: 3,
      samples: [
        { name: 'bkg', data: [100, 90, 80], modifiers: [{ type: 'histosys', name: 'jes', data: { hi_data: [104, 92, 79], lo_data: [97, 89, 82] } }, { type: 'normfactor', name: 'k' }] },
        { name: 'other', data: 'learned', modifiers: [{ type: 'shapesys', name: 'cr', data: [3, 4, 5] }, { type: 'lumi', name: 'lumi' }] },
      ],
    },
  ],
  poi: { name: 'mu', bounds: [0, 10] },
  nuisances: [{ name: 'jes', constraint: { kind: 'normal', mean: 0, sigma: 2 } }, { name: 'k', constraint: { kind: 'normal', mean: 1, sigma: 0.1 } }],
  lumi: { auxdata: 1, sigma: 0.02 },
};
// SR sig nominal, sig sumw2 | bkg nominal, up, down, sumw2 (stat and mc share it) | CR other nominal
const SMALL_COUNTS = Float64Array.from([5, 8, 0.5, 0.8, 50, 40, 53, 41, 48, 39, 2.5, 1.6, 30, 35, 40]);

describe('normaliseTemplateSpec', () => {
  it('writes the single-channel shorthand as one channel of learned samples with pyhf modifiers', () => {
    const full = normaliseTemplateSpec({
      bins: 2,
      channel: 'A',
      poi: { name: 'sigma', bounds: [0, 5] },
      samples: [
        { name: 's', signal: true, staterror: true },
        { name: 'b', shapes: ['r'], rates: { xs: { hi: 1.1, lo: 0.9 } }, normalisations: ['n'], staterror: true },
      ],
      nuisances: [
        { name: 'r', kind: 'shape', constraint: { kind: 'normal', mean: 0, sigma: 2 } },
        { name: 'xs', kind: 'rate' },
        { name: 'n', kind: 'normalisation', constraint: { kind: 'normal', mean: 1, sigma: 0.1 }, bounds: [0.5, 1.5] },
      ],
    });
    expect(full).toEqual({
      channels: [
        {
          name: 'A',
          bins: 2,
          samples: [
            { name: 's', data: 'learned', modifiers: [{ type: 'normfactor', name: 'sigma' }, { type: 'staterror', name: 'staterror_A' }] },
            {
              name: 'b',
              data: 'learned',
              modifiers: [{ type: 'histosys', name: 'r' }, { type: 'normsys', name: 'xs', hi: 1.1, lo: 0.9 }, { type: 'normfactor', name: 'n' }, { type: 'staterror', name: 'staterror_A' }],
            },
          ],
        },
      ],
      poi: { name: 'sigma', bounds: [0, 5] },
      nuisances: [{ name: 'r', constraint: { kind: 'normal', mean: 0, sigma: 2 } }, { name: 'xs' }, { name: 'n', constraint: { kind: 'normal', mean: 1, sigma: 0.1 }, bounds: [0.5, 1.5] }],
    });
    // the full form is its own normal form
    expect(normaliseTemplateSpec(full)).toBe(full);
  });
});

describe('templateLayout of several channels', () => {
  it('orders channel, sample, nominal, up/down per learned histosys, one sumw2 per learned staterror/shapesys; given yields take no slot', () => {
    expect(templateLayout(SMALL).map((e) => `${e.channel}/${e.sample}.${e.role}${e.modifier ? `.${e.modifier}` : ''}@${e.offset}[${e.bins}]`)).toEqual([
      'SR/sig.nominal@0[2]',
      'SR/sig.sumw2.stat@2[2]',
      'SR/bkg.nominal@4[2]',
      'SR/bkg.up.jes@6[2]',
      'SR/bkg.down.jes@8[2]',
      'SR/bkg.sumw2.stat@10[2]',
      'CR/other.nominal@12[3]',
    ]);
    const tm = new TemplateModel(SMALL);
    expect(tm.size).toBe(15);
    expect(tm.offsetOf('SR', 'bkg', 'up', 'jes')).toBe(6);
    expect(tm.offsetOf('SR', 'bkg', 'sumw2')).toBe(10);
    expect(tm.offsetOf('CR', 'other', 'nominal')).toBe(12);
    expect(tm.offsetOf('CR', 'bkg', 'nominal')).toBe(-1); // given
    expect(tm.offsetOf('sig', 'nominal')).toBe(0); // the shorthand's form: sig is in one channel
    expect(tm.offsetOf('bkg', 'nominal')).toBe(-1); // bkg is in two
  });
});

describe('a compiled multi-channel model', () => {
  it('has the staterror widths sqrt(sum unc^2) / sum nom over its carriers and shapesys factors nom^2 / unc^2, also as auxiliary data', () => {
    const tm = new TemplateModel(SMALL);
    const m = tm.compile(SMALL_COUNTS).model;
    const stat = m.parameterSet('stat')!;
    // SR bin 0: sig 5 (sumw2 0.5), bkg 50 (sumw2 2.5), other 10 (unc 1); bin 1: 8 (0.8), 40 (1.6), 12 (2)
    expect(stat.constraint.kind === 'normal' && stat.constraint.sigmas).toEqual([Math.sqrt(0.5 + 2.5 + 1) / 65, Math.sqrt(0.8 + 1.6 + 4) / 60]);
    expect(m.parameterSet('mc')!.constraint).toEqual({ kind: 'poisson', auxdata: [2500 / 2.5, 1600 / 1.6], factors: [2500 / 2.5, 1600 / 1.6] });
    expect(m.parameterSet('cr')!.constraint).toEqual({ kind: 'poisson', auxdata: [900 / 9, 1225 / 16, 1600 / 25], factors: [900 / 9, 1225 / 16, 1600 / 25] });
    const aux = tm.compile(SMALL_COUNTS).asimovData(1).aux;
    const terms = m.constraintTerms();
    terms.forEach((t, i) => {
      if (t.kind === 'poisson') expect(aux[i]).toBe(t.width);
    });
    // a shapesys bin without weight is fixed with factor 1, as pyhf does
    const zero = Float64Array.from(SMALL_COUNTS);
    zero[11] = 0;
    const mz = tm.compile(zero).model.parameterSet('mc')!;
    expect(mz.fixed).toEqual([false, true]);
    expect(mz.constraint).toEqual({ kind: 'poisson', auxdata: [1000, 1], factors: [1000, 1] });
  });

  it('gives per-bin parameters (shapefactor, staterror, shapesys) the bounds, init and fixing of their config, in every component', () => {
    const tm = new TemplateModel({ ...SMALL, nuisances: [...SMALL.nuisances!, { name: 'sf', bounds: [0.5, 3], init: 1.5 }, { name: 'stat', fixed: true }, { name: 'cr', bounds: [0.1, 4] }] });
    const m = tm.compile(SMALL_COUNTS).model;
    expect(m.parameterSet('sf')).toMatchObject({ size: 2, bounds: [[0.5, 3], [0.5, 3]], inits: [1.5, 1.5], fixed: [false, false] });
    expect(m.parameterSet('stat')).toMatchObject({ size: 2, inits: [1, 1], fixed: [true, true] });
    expect(m.parameterSet('cr')).toMatchObject({ size: 3, bounds: [[0.1, 4], [0.1, 4], [0.1, 4]] });
    // lumi: its constraint, default bounds auxdata +- 10 sigma
    expect(m.parameterSet('lumi')).toMatchObject({ type: 'lumi', inits: [1], bounds: [[0.8, 1.2]], constraint: { kind: 'normal', auxdata: [1], sigmas: [0.02] } });
    expect(() => new TemplateModel({ ...SMALL, nuisances: [{ name: 'sf', init: 20 }] })).toThrow(/^template spec nuisances\[0\] \("sf"\)\.init: 20 is outside the bounds \[0, 10\]$/);
  });

  it('compiles by swapping yields into a cached structure: equal to building the model\'s workspace (random models with every modifier)', () => {
    fc.assert(
      fc.property(multiChannelTemplateCaseArb({ freeShapes: true }), fc.double({ min: 0.5, max: 1.5, noNaN: true }), ({ spec, counts }, scale) => {
        const tm = new TemplateModel(spec);
        const scaled = counts.map((x, i) => x * (i % 3 === 0 ? scale : 1));
        tm.compile(counts);
        const fast = tm.compile(scaled).model;
        const ws = tm.modelWorkspace(scaled, undefined, 1);
        const slow = buildModel(JSON.parse(JSON.stringify(ws)) as Workspace, { unconstrained: tm.unconstrainedNames() });
        expect(rounded(fast)).toEqual(rounded(slow));
        const data = observedData(ws, slow);
        // every parameter off its nominal value, per-bin factors included
        const pars = slow.suggestedInit().map((p, i) => p + 0.05 * Math.sin(i + scale));
        const a = fast.twiceNllDerivatives(pars, data, true);
        const b = slow.twiceNllDerivatives(pars, data, true);
        // measured: 2NLL equal to 1.2e-15 relative, gradient 2.8e-14, Hessian 4.7e-16 (relative
        // above 1; the sqrt(sumw2) round trip of the workspace)
        expect(Math.abs(a.value - b.value)).toBeLessThan(1e-14 * Math.abs(b.value));
        a.gradient.forEach((g, i) => expect(Math.abs(g - b.gradient[i])).toBeLessThan(1e-12 * Math.max(1, Math.abs(b.gradient[i]))));
        a.hessian!.forEach((h, i) => expect(Math.abs(h - b.hessian![i])).toBeLessThan(1e-12 * Math.max(1, Math.abs(b.hessian![i]))));
      }),
      { numRuns: 30, seed: 101 },
    );
  });
});

describe('countsGradient of a multi-channel model', () => {
  /** Parameters away from the nominal point: every per-bin factor and nuisance moved. */
  const moved = (m: HistFactoryModel, poi: number) => {
    const p = m.suggestedInit().map((x, i) => x + 0.04 * Math.sin(1.3 * i + 0.2));
    p[m.poiIndex] = poi;
    return p;
  };

  it('at fixed data: yields, staterror widths and shapesys factors (as the Poisson rate) vs central differences', () => {
    fc.assert(
      fc.property(multiChannelTemplateCaseArb(), ({ spec, counts }) => {
        const tm = new TemplateModel(spec);
        const c = tm.compile(counts);
        const pars = moved(c.model, 1.2);
        const data = c.asimovData(1);
        const s = twiceNllSensitivities(c.model, pars, data);
        const r = checkGradient({
          f: (x) => tm.compile(x).model.twiceNll(pars, data),
          gradient: () => tm.countsGradient(c, { yields: s.yields, constraintWidths: s.constraintWidths }),
          points: [counts],
          step: 1e-3,
          stencil: 5,
          tolerance: 3e-8,
          floor: (g) => 1e-3 * Math.max(...Array.from(g, Math.abs)) + 1e-9,
        });
        // measured: <= 1.5e-9 (relative to max(|numeric|, 1e-3 x the largest component))
        expect(r.worst.error, JSON.stringify(r.worst)).toBeLessThan(3e-8);
      }),
      { numRuns: 20, seed: 102 },
    );
  });

  it('on the model\'s own Asimov data: the main data and the shapesys auxiliary data move with the counts too', () => {
    fc.assert(
      fc.property(multiChannelTemplateCaseArb(), ({ spec, counts }) => {
        const tm = new TemplateModel(spec);
        const c = tm.compile(counts);
        const pars = moved(c.model, 0.8);
        const asimovPars = c.nominalParameters(1);
        const s = twiceNllSensitivities(c.model, pars, c.asimovData(1));
        const gradient = () => {
          const g = tm.countsGradient(c, { yields: s.yields, constraintWidths: s.constraintWidths, auxData: s.auxData });
          return tm.countsGradient(c, { yields: c.model.ratesVjp(asimovPars, s.mainData) }, g);
        };
        const r = checkGradient({
          f: (x) => {
            const cx = tm.compile(x);
            return cx.model.twiceNll(pars, cx.asimovData(1));
          },
          gradient,
          points: [counts],
          step: 1e-3,
          stencil: 5,
          tolerance: 3e-8,
          floor: (g) => 1e-3 * Math.max(...Array.from(g, Math.abs)) + 1e-9,
        });
        // measured: <= 6.9e-9; leaving out the shapesys auxiliary data gives errors up to 56
        expect(r.worst.error, JSON.stringify(r.worst)).toBeLessThan(3e-8);
      }),
      { numRuns: 20, seed: 103 },
    );
  });
});

describe('exportWorkspace of a multi-channel model', () => {
  it('is the compiled model where no approximation is listed (lumi kept, constrained normalisations rewritten exactly)', () => {
    let exact = 0;
    fc.assert(
      fc.property(multiChannelTemplateCaseArb(), ({ spec, counts }) => {
        const tm = new TemplateModel(spec);
        const e = tm.exportWorkspace(counts, { asimovPoi: 1 });
        const k1 = spec.nuisances!.find((n) => n.name === 'k1')!.constraint!;
        // k1 ~ N(1, s) is pyhf's lumi unless the model has a lumi; then a normsys on bkg1 (which carries jes): listed
        if (k1.kind === 'normal' && spec.lumi) {
          expect(e.approximations).toHaveLength(1);
          expect(e.approximations[0]).toMatch(/^constrained normalisation "k1" ~ N\(1, [\d.]+\) on samples with shape nuisances \("bkg1" in "SR", "bkg1" in "CR", "bkg1" in "SB"\)/);
          return;
        }
        exact++;
        expect(e.approximations).toEqual([]);
        expect(e.renamed).toEqual(k1.kind === 'normal' ? { k1: 'lumi' } : {});
        const ws = JSON.parse(JSON.stringify(e.workspace)) as Workspace;
        expect(ws.channels.map((ch) => ch.name)).toEqual(['SR', 'CR', 'SB']);
        const exported = buildModel(ws);
        const c = tm.compile(counts);
        expect(exported.parameterNames).toEqual(c.model.parameterNames.map((n) => e.renamed[n] ?? n));
        const anonymous = (m: HistFactoryModel) => rounded(m).map((p) => ({ ...p, name: 'x' }));
        expect(anonymous(exported)).toEqual(anonymous(c.model));
        const data = observedData(ws, exported);
        expect([...data.main]).toEqual([...c.asimovData(1).main]);
        const pars = c.nominalParameters(1.3).map((p, i) => p + 0.03 * Math.cos(i));
        expect(Math.abs(exported.twiceNll(pars, data) - c.model.twiceNll(pars, data))).toBeLessThan(1e-12 * Math.abs(c.model.twiceNll(pars, data)));
      }),
      { numRuns: 25, seed: 104 },
    );
    expect(exact).toBeGreaterThanOrEqual(10);
  });

  it('takes observations per channel or flat over the channels in spec order, and names a bad one', () => {
    const tm = new TemplateModel(SMALL);
    const obs = { SR: [60, 70], CR: [140, 130, 120] };
    const a = tm.exportWorkspace(SMALL_COUNTS, { observations: obs }).workspace;
    const b = tm.exportWorkspace(SMALL_COUNTS, { observations: [60, 70, 140, 130, 120] }).workspace;
    expect(a.observations).toEqual([
      { name: 'SR', data: [60, 70] },
      { name: 'CR', data: [140, 130, 120] },
    ]);
    expect(b).toEqual(a);
    expect(() => tm.exportWorkspace(SMALL_COUNTS, { observations: { SR: [1, 2] } })).toThrow(/^observations\["CR"\]: is missing$/);
    expect(() => tm.exportWorkspace(SMALL_COUNTS, { observations: { SR: [1, 2], CR: [1, 2] } })).toThrow(/^observations\["CR"\]: has 2 bins, the channel has 3$/);
    expect(() => tm.exportWorkspace(SMALL_COUNTS, { observations: [1, 2, 3] })).toThrow(/^observations: has 3 bins, the templates have 5$/);
  });

  it('merges an empty bin of a channel of given yields into its neighbour: yields summed, uncertainties in quadrature', () => {
    const spec: TemplateSpec = {
      ...SMALL,
      channels: [
        SMALL.channels[0],
        {
          name: 'CR',
          bins: 3,
          samples: [
            { name: 'bkg', data: [100, 0, 80], modifiers: [{ type: 'histosys', name: 'jes', data: { hi_data: [104, 0, 79], lo_data: [97, 0, 82] } }, { type: 'normfactor', name: 'k' }] },
            { name: 'other', data: 'learned', modifiers: [{ type: 'shapesys', name: 'cr', data: [3, 0, 5] }, { type: 'lumi', name: 'lumi' }] },
          ],
        },
      ],
    };
    const tm = new TemplateModel(spec);
    const counts = Float64Array.from(SMALL_COUNTS);
    counts[13] = 0; // CR other bin 1: nothing there
    expect(tm.rateProblem(counts, 1, 'CR')).toBe('no sample has expected events in it');
    const merged = mergeDegenerateBins(tm, counts);
    // bin 1 joins the neighbour with more expected events: bin 0 (130) rather than bin 2 (120)
    expect(merged.channelGroups).toEqual({ SR: [[0], [1]], CR: [[0, 1], [2]] });
    expect(merged.groups).toEqual([[0], [1], [2, 3], [4]]);
    expect(merged.notes).toEqual(['channel "CR" template bin 1 merged with 0: no sample has expected events in it']);
    const cr = merged.templateModel.spec.channels[1];
    expect(cr.bins).toBe(2);
    expect(cr.samples[0].data).toEqual([100, 80]);
    expect(cr.samples[0].modifiers[0]).toEqual({ type: 'histosys', name: 'jes', data: { hi_data: [104, 79], lo_data: [97, 82] } });
    expect(cr.samples[1].modifiers[0]).toEqual({ type: 'shapesys', name: 'cr', data: [3, 5] });
    expect(Array.from(merged.counts.subarray(12))).toEqual([30, 40]);
    const e = tm.exportWorkspace(counts);
    expect(e.bins).toEqual(merged.groups);
    expect(e.workspace.channels[1].samples[0].data).toEqual([100, 80]);
    expect(() => tm.exportWorkspace(counts, { mergeBins: false })).toThrow(/^counts, channel "CR" template bin 1: no sample has expected events in it; merge it with a neighbour/);
  });
});

describe('bad multi-channel specs', () => {
  const sr = SMALL.channels[0];
  const withSample = (extra: TemplateSpec['channels'][number]['samples'][number]): TemplateSpec => ({ ...SMALL, channels: [{ ...sr, samples: [...sr.samples, extra] }, SMALL.channels[1]] });
  const cases: Array<[string, TemplateSpec, RegExp]> = [
    ['no POI carrier', { ...SMALL, poi: { name: 'nope' } }, /^template spec poi: no sample carries a normfactor "nope" \(the POI\)$/],
    ['lumi without its constraint', { ...SMALL, lumi: undefined }, /^template spec lumi: is missing: lumi "lumi" needs its constraint/],
    ['two lumi names', withSample({ name: 'x', data: 'learned', modifiers: [{ type: 'lumi', name: 'lumi2' }] }), /^template spec: lumi modifiers are named "lumi" and "lumi2"; there is one lumi parameter$/],
    ['given data of the wrong length', withSample({ name: 'x', data: [1, 2, 3], modifiers: [] }), /^template spec channels\[0\] \("SR"\)\.samples\[3\] \("x"\)\.data: has 3 bins, the channel has 2$/],
    [
      'histosys data of the wrong length',
      withSample({ name: 'x', data: [1, 2], modifiers: [{ type: 'histosys', name: 'jes', data: { hi_data: [1], lo_data: [1, 2] } }] }),
      /^template spec channels\[0\] \("SR"\)\.samples\[3\] \("x"\)\.modifiers\[0\] \(histosys "jes"\)\.data: has 1 bins, the channel has 2$/,
    ],
    ['a name of two types', withSample({ name: 'x', data: [1, 2], modifiers: [{ type: 'shapefactor', name: 'xs' }] }), /^template spec channels\[0\] \("SR"\)\.samples\[3\] \("x"\)\.modifiers\[0\] \(shapefactor "xs"\): "xs" is a normsys at .*; one parameter name, one modifier type/],
    ['a shapesys on two samples', withSample({ name: 'x', data: [1, 2], modifiers: [{ type: 'shapesys', name: 'mc', data: [1, 1] }] }), /shapesys "mc" is also used at .*; a shapesys belongs to one sample in one channel/],
    [
      'a staterror in different channels per sample',
      { ...SMALL, channels: [sr, { ...SMALL.channels[1], samples: [...SMALL.channels[1].samples, { name: 'sig', data: [1, 1, 1], modifiers: [{ type: 'staterror', name: 'stat', data: [0.1, 0.1, 0.1] }] }] }] },
      /^template spec staterror "stat": sample "bkg" carries it in channels \[SR\] but sample "sig" in \[CR, SR\]; every sample must carry a staterror in the same channels \(pyhf\)$/,
    ],
    ['two learned shapesys', withSample({ name: 'x', data: 'learned', modifiers: [{ type: 'shapesys', name: 'a' }, { type: 'shapesys', name: 'b' }] }), /^template spec channels\[0\] \("SR"\)\.samples\[3\] \("x"\): carries 2 shapesys modifiers without data; one learned shapesys per sample/],
    ['a constraint on a shapefactor', { ...SMALL, nuisances: [...SMALL.nuisances!, { name: 'sf', constraint: { kind: 'normal', mean: 1, sigma: 0.1 } }] }, /^template spec nuisances\[2\] \("sf"\)\.constraint: a shapefactor has its own constraint \(none: free factors\)/],
    ['a config of lumi', { ...SMALL, nuisances: [{ name: 'lumi', bounds: [0.5, 1.5] }] }, /^template spec nuisances\[0\] \("lumi"\): "lumi" is the lumi parameter: configure it in the spec's lumi$/],
    ['a config of nothing', { ...SMALL, nuisances: [{ name: 'nope' }] }, /^template spec nuisances: "nope" is not used by any sample$/],
    ['a free histosys and normsys of one name', { ...withSample({ name: 'x', data: [1, 2], modifiers: [{ type: 'histosys', name: 'xs', data: { hi_data: [1, 2], lo_data: [1, 2] } }] }), nuisances: [{ name: 'xs', constraint: { kind: 'free' } }] }, /"xs" is both a histosys and a normsys and free: pyhf has no form of it/],
    ['a modifier twice', withSample({ name: 'x', data: [1, 2], modifiers: [{ type: 'normfactor', name: 'k' }, { type: 'normfactor', name: 'k' }] }), /modifiers\[1\] \(normfactor "k"\): is given twice on this sample$/],
    ['an unknown modifier type', withSample({ name: 'x', data: [1, 2], modifiers: [{ type: 'gauss', name: 'g' } as never] }), /^template spec: channels\[0\]\.samples\[3\]\.modifiers\[0\] \(gauss "g"\): unknown modifier type "gauss" \(expected one of histosys, lumi, normfactor, normsys, shapefactor, shapesys, staterror\)$/],
  ];
  it.each(cases)('%s', (_what, spec, re) => {
    expect(() => new TemplateModel(spec)).toThrow(re);
  });

  it('names the channel of bad counts', () => {
    const tm = new TemplateModel(SMALL);
    const bad = Float64Array.from(SMALL_COUNTS);
    bad[13] = -1;
    expect(() => tm.compile(bad)).toThrow(/^counts of channel "CR" sample "other" nominal bin 1: must be finite and non-negative, got -1$/);
    expect(() => tm.compile(SMALL_COUNTS.subarray(1))).toThrow(/^counts: has 14 values, the template layout needs 15 \(7 arrays of 2 \(SR\), 3 \(CR\) bins\)$/);
  });
});
