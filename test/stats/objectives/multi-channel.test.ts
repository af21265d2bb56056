/**
 * The differentiable objectives on multi-channel template models with all seven pyhf modifier
 * types (multiChannelTemplateCaseArb: a learned signal region, a control region of given
 * yields, a learned sideband; normfactor, shapefactor, lumi, normsys, learned and given
 * histosys, staterror and shapesys, a sumw2 slot shared by a staterror and a shapesys):
 *
 * - every objective's gradient with respect to the counts equals float64 central differences
 *   (5-point stencil, step 1e-3 relative), per kind of count (nominal of each sample, histosys
 *   templates, staterror/shapesys sumw2): tolerance 1e-6 relative to max(|numeric|, 1e-3 x the
 *   largest component), measured <= 2.2e-7 (the fits converge to ~1e-13 in 2NLL; what is left is
 *   the differences' truncation and the fits' noise); the fitted parameters' implicit gradient
 *   1e-5 (each shifted point is a refit; measured <= 3.1e-6);
 * - each value equals what the engine computes without gradients on the exported workspace
 *   (`buildModel` + fits / hypotest): expected CLs and Z0 to 1e-12, the Cramér-Rao width = the
 *   fit's uncertainty to 1e-12 relative, t = 1 at the profile-width ends to 1e-10, the profiled
 *   parameters = the fixed-POI fit on the export to 1e-9 (measured: 0, 0, 4.4e-16, 9.1e-13, 0 —
 *   the export is the compiled model);
 * - countsHead splits inputs and gradients by layout entry, whose lengths differ by channel.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { centralDifferences } from '../../../src/autodiff/testing/check-gradient.js';
import { fit, fixedPoiFit, hypotest } from '../../../src/stats/inference/index.js';
import { buildModel, observedData } from '../../../src/stats/model/index.js';
import {
  countsHead,
  cramerRaoWidth,
  discoverySignificance,
  expectedCls,
  profiledParameters,
  profileWidth,
  type ObjectiveResult,
} from '../../../src/stats/objectives/index.js';
import { TemplateModel } from '../../../src/stats/templates/index.js';
import { multiChannelTemplateCaseArb, type MultiChannelTemplateCase } from '../../../src/stats/testing/index.js';
import { parseWorkspace } from '../../../src/stats/workspace/index.js';

const CASES: readonly MultiChannelTemplateCase[] = fc.sample(multiChannelTemplateCaseArb(), { numRuns: 6, seed: 211 });

/** What a count of the layout feeds: a sample's nominal, a histosys template, a sumw2 (of which modifiers). */
function kindOf(tm: TemplateModel, i: number): string {
  const e = tm.layout.find((x) => i >= x.offset && i < x.offset + x.bins)!;
  if (e.role === 'up' || e.role === 'down') return `histosys ${e.modifier}`;
  if (e.role === 'sumw2') {
    const s = tm.spec.channels.find((c) => c.name === e.channel)!.samples.find((x) => x.name === e.sample)!;
    return `sumw2 (${s.modifiers.filter((m) => (m.type === 'staterror' || m.type === 'shapesys') && !m.data).map((m) => m.type).sort().join(' + ')})`;
  }
  return `nominal ${e.channel}/${e.sample}`;
}

/** The worst relative error per kind of count. */
function errorsByKind(tm: TemplateModel, analytic: ArrayLike<number>, numeric: Float64Array): Map<string, number> {
  const floor = 1e-3 * Math.max(...Array.from(numeric, Math.abs));
  const out = new Map<string, number>();
  numeric.forEach((g, i) => {
    const k = kindOf(tm, i);
    out.set(k, Math.max(out.get(k) ?? 0, Math.abs(analytic[i] - g) / Math.max(floor, Math.abs(g))));
  });
  return out;
}

const TOLERANCE = 1e-6;

describe('the cases cover every modifier type and kind of count', () => {
  it('all seven modifier types, learned and given yields, and every kind of sumw2 slot', () => {
    const types = new Set(CASES.flatMap((c) => c.spec.channels.flatMap((ch) => ch.samples.flatMap((s) => s.modifiers.map((m) => m.type)))));
    expect(types).toEqual(new Set(['normfactor', 'shapefactor', 'lumi', 'normsys', 'histosys', 'staterror', 'shapesys']));
    const kinds = new Set(CASES.flatMap((c) => {
      const tm = new TemplateModel(c.spec);
      return Array.from({ length: tm.size }, (_, i) => kindOf(tm, i));
    }));
    for (const k of ['histosys jes', 'histosys theory', 'sumw2 (staterror)', 'sumw2 (shapesys)', 'sumw2 (shapesys + staterror)', 'nominal SR/bkg3', 'nominal SB/bkg3']) expect(kinds.has(k), k).toBe(true);
    expect(CASES.some((c) => c.spec.lumi) && CASES.some((c) => !c.spec.lumi)).toBe(true);
  });
});

const OBJECTIVES: ReadonlyArray<{ name: string; run: (tm: TemplateModel, c: Float64Array) => ObjectiveResult; defined?: (tm: TemplateModel, c: Float64Array) => boolean }> = [
  { name: 'cramerRaoWidth', run: (tm, c) => cramerRaoWidth(tm, c) },
  {
    name: 'profileWidth',
    run: (tm, c) => profileWidth(tm, c),
    // both ends inside the POI bounds and away from them (the differences step over no bound)
    defined: (tm, c) => {
      const p = profileWidth(tm, c);
      return !p.atBound.lower && !p.atBound.upper && p.lower > 0.05;
    },
  },
  { name: 'expectedCls', run: (tm, c) => expectedCls(tm, c) },
  { name: 'discoverySignificance', run: (tm, c) => discoverySignificance(tm, c) },
];

describe.each(OBJECTIVES)('$name on multi-channel models', (obj) => {
  it('gradient equals central differences for every kind of count', () => {
    let checked = 0;
    for (const { spec, counts } of CASES) {
      const tm = new TemplateModel(spec);
      if (obj.defined && !obj.defined(tm, counts)) continue;
      const r = obj.run(tm, counts);
      const numeric = centralDifferences((c) => obj.run(tm, c).value, counts, 1e-3, 5);
      for (const [kind, err] of errorsByKind(tm, r.gradient, numeric)) expect(err, kind).toBeLessThan(TOLERANCE);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(4);
  });
});

describe('profiledParameters on multi-channel models', () => {
  it('the implicit gradient of the fitted parameters equals central differences of refitting', () => {
    for (const [k, { spec, counts }] of CASES.entries()) {
      const tm = new TemplateModel(spec);
      const pp = profiledParameters(tm, counts, { poiValue: 1.3 });
      const cot = Array.from(pp.parameters, (_, i) => Math.sin(k + 1.7 * i));
      const numeric = centralDifferences((c) => profiledParameters(tm, c, { poiValue: 1.3 }).parameters.reduce((s, p, i) => s + cot[i] * p, 0), counts, 1e-3, 5);
      // each shifted point is a new fit, converged to ~1e-10 in its parameters: what the
      // differences resolve (measured <= 3.1e-6)
      for (const [kind, err] of errorsByKind(tm, pp.vjp(cot), numeric)) expect(err, kind).toBeLessThan(1e-5);
    }
  });
});

describe('multi-channel objective values equal the engine on the exported workspace', () => {
  /** The exported workspace with the observations of its Asimov data, read back. */
  const exported = (tm: TemplateModel, counts: Float64Array, asimovPoi: number) => {
    const e = tm.exportWorkspace(counts, { asimovPoi });
    const ws = parseWorkspace(JSON.parse(JSON.stringify(e.workspace)));
    const model = buildModel(ws);
    return { e, model, data: observedData(ws, model) };
  };
  // exact exports only (a constrained k1 next to a lumi is written as an approximate normsys)
  const exact = CASES.filter((c) => !(c.spec.lumi && c.spec.nuisances!.find((n) => n.name === 'k1')!.constraint!.kind === 'normal'));

  it('has cases to compare', () => {
    expect(exact.length).toBeGreaterThanOrEqual(3);
    for (const { spec, counts } of exact) expect(new TemplateModel(spec).exportWorkspace(counts).approximations).toEqual([]);
  });

  it('expectedCls = observed CLs of hypotest on the background-only Asimov workspace; Z0 = sqrt(q0) on the signal-plus-background one (1e-12)', () => {
    for (const { spec, counts } of exact) {
      const tm = new TemplateModel(spec);
      const b = exported(tm, counts, 0);
      expect(Math.abs(expectedCls(tm, counts).value - hypotest(1, b.model, b.data).clsObs)).toBeLessThan(1e-12);
      const sb = exported(tm, counts, 1);
      const q0 = hypotest(0, sb.model, sb.data, { testStat: 'q0' }).teststatObs;
      expect(Math.abs(discoverySignificance(tm, counts).value - Math.sqrt(q0))).toBeLessThan(1e-12);
    }
  });

  it('cramerRaoWidth = the uncertainty of a fit to the Asimov workspace (1e-12 relative); profileWidth: t = 1 at both ends (1e-10)', () => {
    for (const { spec, counts } of exact) {
      const tm = new TemplateModel(spec);
      const { model, data } = exported(tm, counts, 1);
      const free = fit(model, data);
      expect(Math.abs(cramerRaoWidth(tm, counts).value / free.uncertainties![model.poiIndex] - 1)).toBeLessThan(1e-12);
      const pw = profileWidth(tm, counts);
      for (const [mu, atBound] of [[pw.lower, pw.atBound.lower], [pw.upper, pw.atBound.upper]] as const) {
        const t = fixedPoiFit(model, data, mu).twiceNll - free.twiceNll;
        if (atBound) expect(t).toBeLessThan(1);
        else expect(Math.abs(t - 1)).toBeLessThan(1e-10);
      }
    }
  });

  it('profiledParameters = the fit with the POI fixed on the exported workspace (1e-9)', () => {
    for (const { spec, counts } of exact) {
      const tm = new TemplateModel(spec);
      const { e, model, data } = exported(tm, counts, 1);
      const pp = profiledParameters(tm, counts, { poiValue: 1.3 });
      const ref = fixedPoiFit(model, data, 1.3);
      expect(model.parameterNames).toEqual(pp.compiled.model.parameterNames.map((n) => e.renamed[n] ?? n));
      pp.parameters.forEach((p, i) => expect(Math.abs(p - ref.parameters[i]), model.parameterNames[i]).toBeLessThan(1e-9));
    }
  });
});

describe('countsHead on a multi-channel model', () => {
  it('takes one array per layout entry (their lengths differ by channel) or one flat array, and splits the gradient the same way', () => {
    const { spec, counts } = CASES[0];
    const tm = new TemplateModel(spec);
    const head = countsHead(tm, (t, c) => cramerRaoWidth(t, c));
    const ref = cramerRaoWidth(tm, counts);
    const split = head(tm.layout.map((e) => counts.slice(e.offset, e.offset + e.bins)));
    expect(split.value).toBe(ref.value);
    tm.layout.forEach((e, k) => expect(Array.from(split.gradients[k])).toEqual(Array.from(ref.gradient.subarray(e.offset, e.offset + e.bins))));
    const flat = head([counts]);
    expect(Array.from(flat.gradients[0])).toEqual(Array.from(ref.gradient));
    expect(() => head([counts.subarray(0, 3)])).toThrow(/^countsHead: expected \d+ arrays \(SR\/signal\.nominal \[\d\], /);
  });
});
